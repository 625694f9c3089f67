import {
  BOTTOM_UP_ZOO,
  COCO_KEYPOINTS,
  type MultiPose,
  type MultiPoseEstimator,
  bottomUpPresetName,
  createMultiPoseEstimator,
  toBottomUpCocoResults,
} from '@hrnetjs/head-pose';
import { CliError } from '../exit-codes.js';
import { Svg, colour } from '../draw.js';
import type { ModelSource } from '../model-source.js';
import type { ImageOutcome, RunnerOptions, TaskRunner } from './types.js';

/**
 * Whether `--model` names a bottom-up (HigherHRNet) network: one of its zoo entries, a preset
 * (`higherhrnet_w32_512`, `w48_640`, …), or a YAML with the deconvolution head (`MODEL.EXTRA.DECONV`, which only
 * HigherHRNet configs have). Decided by the model, not the weights: a checkpoint of the other kind then gets the
 * factory's error naming both networks.
 */
export function isBottomUpPoseSource(source: Pick<ModelSource, 'zoo' | 'config'>): boolean {
  if (source.zoo) return BOTTOM_UP_ZOO.includes(source.zoo);
  if (source.config.includes('\n')) return /^\s+DECONV\s*:/m.test(source.config);
  return bottomUpPresetName(source.config) !== undefined;
}

/**
 * Bottom-up multi-person pose (HigherHRNet, the official `tools/valid.py` inference): every person in one pass,
 * no person boxes. Results are the official HigherHRNet COCO results (every person, no OKS-NMS).
 */
export async function createBottomUpPoseRunner(o: RunnerOptions): Promise<TaskRunner> {
  let estimator: MultiPoseEstimator;
  try {
    estimator = await createMultiPoseEstimator({
      model: o.source.config,
      weights: o.source.stateDict,
      keyMapping: 'official', // model-source mapped the keys already
      engine: o.engine,
      engineOptions: o.engineOptions,
      // unset: the config's TEST.FLIP_TEST (true in every official one)
      ...(o.flipTest !== undefined ? { flipTest: o.flipTest } : {}),
    });
  } catch (e) {
    throw new CliError(`cannot build the bottom-up pose model from ${o.source.configLabel} with ${o.source.weightsLabel}: ${(e as Error).message}`);
  }
  const perImage: { imageId: number; poses: MultiPose[] }[] = [];
  const kptThreshold = Number(o.args['kpt-threshold'] ?? 0.2);
  return {
    description: `bottom-up pose ${o.source.configLabel}, weights ${o.source.weightsLabel}, every person found by the network (no boxes)`,
    async process(image, ctx): Promise<ImageOutcome> {
      const poses = await estimator.estimatePoses(image);
      perImage.push({ imageId: ctx.imageId, poses });
      const svg = new Svg(image.width, image.height);
      poses.forEach((p, i) => {
        svg.box(p.box[0], p.box[1], p.box[2], p.box[3], colour(i), `person ${p.score.toFixed(2)}`);
        svg.skeleton(p.keypoints, COCO_KEYPOINTS.skeleton, colour(i), kptThreshold);
      });
      return {
        summary: `${poses.length} person${poses.length === 1 ? '' : 's'} (bottom-up)`,
        record: { file: ctx.file, image_id: ctx.imageId, poses },
        svg: svg.toString(),
      };
    },
    results: () => toBottomUpCocoResults(perImage),
    dispose: () => estimator.dispose(),
  };
}
