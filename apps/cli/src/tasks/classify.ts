import { type ClassScore, type Classifier, createClassifier } from '@hrnetjs/hrnet-backbone';
import { Svg } from '../draw.js';
import { CliError } from '../exit-codes.js';
import type { ImageOutcome, RunnerOptions, TaskRunner } from './types.js';

/**
 * ImageNet classification with the backbone's `createClassifier` (the official validation transform: short
 * side 256, centre crop 224, ImageNet mean/std, softmax top-k).
 */
export async function createClassifyRunner(o: RunnerOptions): Promise<TaskRunner> {
  let classifier: Classifier;
  try {
    classifier = await createClassifier({ model: o.source.config, weights: o.source.stateDict, keyMapping: 'official', engine: o.engine, engineOptions: o.engineOptions });
  } catch (e) {
    throw new CliError(`weights ${o.source.weightsLabel} do not fit ${o.source.configLabel}: ${(e as Error).message}`);
  }
  const k = Number(o.args.topk ?? 5);
  const records: { file: string; image_id: number; top: ClassScore[] }[] = [];
  return {
    description: `classification ${o.source.configLabel}, weights ${o.source.weightsLabel}`,
    async process(image, ctx): Promise<ImageOutcome> {
      const top = await classifier.classify(image, { topK: k });
      records.push({ file: ctx.file, image_id: ctx.imageId, top });
      const svg = new Svg(image.width, image.height);
      top.slice(0, 3).forEach((c, i) => svg.text(8, 24 * (i + 1), `${c.name} ${(c.probability * 100).toFixed(1)}%`));
      return { summary: `${top[0]!.name} (${(top[0]!.probability * 100).toFixed(1)}%)`, record: records.at(-1), svg: svg.toString() };
    },
    results: () => records,
    dispose: () => classifier.dispose(),
  };
}
