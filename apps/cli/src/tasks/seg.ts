import {
  DATASETS,
  type SegmentationModel,
  createSegmentationModel,
  createSegmenter,
  genericDataset,
} from '@hrnetjs/head-seg';
import { CliError } from '../exit-codes.js';
import { blend } from '../images.js';
import { type ImageOutcome, type RunnerOptions, type TaskRunner, loadAndFuse } from './types.js';

/**
 * Semantic segmentation with head-seg (the official multi-scale inference at scale 1, optional flip and
 * sliding window): per image the label histogram, a colour mask and (with --annotate) a blended overlay.
 */
export async function createSegRunner(o: RunnerOptions): Promise<TaskRunner> {
  let model: SegmentationModel;
  try {
    model = createSegmentationModel(o.source.config); // a zoo name brings its entry's network (mmseg: trunk, classes, align_corners)
  } catch (e) {
    throw new CliError(`cannot build the segmentation model from ${o.source.configLabel}: ${(e as Error).message}`);
  }
  loadAndFuse(model, o.source);
  const segmenter = await createSegmenter({ model, engine: o.engine, engineOptions: o.engineOptions }); // the network stays ours: disposed below
  const info = DATASETS[model.segConfig.dataset] ?? genericDataset(model.numClasses);
  const palette = info.palette.length >= model.numClasses ? info.palette : genericDataset(model.numClasses).palette;
  const records: { file: string; image_id: number; width: number; height: number; classes: { id: number; name: string; pixels: number }[] }[] = [];
  const crop = o.args['crop-size'] ? Number(o.args['crop-size']) : null;
  return {
    description: `segmentation ${o.source.configLabel} (${model.numClasses} classes, ${info.name}), weights ${o.source.weightsLabel}`,
    async process(image, ctx): Promise<ImageOutcome> {
      const { labels } = await segmenter.segment(image, { flipTest: o.flipTest ?? false, cropSize: crop, flipPairs: info.flipPairs });
      const counts = new Map<number, number>();
      const mask = new Uint8Array(labels.length * 3);
      labels.forEach((l, i) => {
        counts.set(l, (counts.get(l) ?? 0) + 1);
        const c = palette[l] ?? [0, 0, 0];
        mask[3 * i] = c[0];
        mask[3 * i + 1] = c[1];
        mask[3 * i + 2] = c[2];
      });
      const classes = [...counts.entries()]
        .sort((a, b) => b[1] - a[1])
        .map(([id, pixels]) => ({ id, name: info.classNames[id] ?? `class ${id}`, pixels }));
      records.push({ file: ctx.file, image_id: ctx.imageId, width: image.width, height: image.height, classes });
      const top = classes.slice(0, 3).map((c) => `${c.name} ${((100 * c.pixels) / labels.length).toFixed(0)}%`);
      return {
        summary: top.join(', '),
        record: records.at(-1),
        pixels: blend(image.data, mask, 0.5),
        extra: [
          { folder: 'masks', suffix: '', pixels: mask, width: image.width, height: image.height, channels: 3 },
          // class ids as a gray PNG (what `hrnet eval seg` and the datasets' label files hold); ids > 255 clip
          { folder: 'labels', suffix: '', pixels: Uint8Array.from(labels, (l) => Math.min(255, l)), width: image.width, height: image.height, channels: 1 },
        ],
      };
    },
    results: () => records,
    dispose: () => {
      segmenter.dispose();
      model.dispose();
    },
  };
}
