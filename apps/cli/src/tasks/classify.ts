import * as tf from '@tensorflow/tfjs-core';
import { imageToTensor, normalizeImageNet } from '@hrnetjs/core';
import { type ClassScore, createClassificationModel, topK } from '@hrnetjs/hrnet-backbone';
import { Svg } from '../draw.js';
import { type ImageOutcome, type RunnerOptions, type TaskRunner, loadAndFuse } from './types.js';

/**
 * ImageNet classification as the official validation does it: resize the short side to 256 (bilinear),
 * centre-crop 224, ImageNet mean/std, then the top-k of the softmax.
 */
export async function createClassifyRunner(o: RunnerOptions): Promise<TaskRunner> {
  const model = createClassificationModel(o.source.config);
  loadAndFuse(model, o.source);
  const k = Number(o.args.topk ?? 5);
  const records: { file: string; image_id: number; top: ClassScore[] }[] = [];
  return {
    description: `classification ${o.source.configLabel}, weights ${o.source.weightsLabel}`,
    async process(image, ctx): Promise<ImageOutcome> {
      const logits = tf.tidy(() => {
        const rgb = imageToTensor(image);
        const [h, w] = rgb.shape;
        const s = 256 / Math.min(h, w);
        const rh = Math.max(224, Math.round(h * s));
        const rw = Math.max(224, Math.round(w * s));
        const resized = tf.image.resizeBilinear(rgb, [rh, rw]);
        const top = Math.floor((rh - 224) / 2);
        const left = Math.floor((rw - 224) / 2);
        const crop = tf.slice(resized, [top, left, 0], [224, 224, 3]);
        return model.predict(normalizeImageNet(tf.expandDims(crop, 0)) as tf.Tensor4D);
      });
      const [top] = await topK(logits, k);
      logits.dispose();
      records.push({ file: ctx.file, image_id: ctx.imageId, top: top! });
      const svg = new Svg(image.width, image.height);
      top!.slice(0, 3).forEach((c, i) => svg.text(8, 24 * (i + 1), `${c.name} ${(c.probability * 100).toFixed(1)}%`));
      return { summary: `${top![0]!.name} (${(top![0]!.probability * 100).toFixed(1)}%)`, record: records.at(-1), svg: svg.toString() };
    },
    results: () => records,
    dispose: () => model.dispose(),
  };
}
