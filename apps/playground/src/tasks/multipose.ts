import { BOTTOM_UP_PRESETS, COCO_KEYPOINTS, createMultiPoseEstimator } from '@hrnetjs/head-pose';
import higherSmallYaml from '../configs/higherhrnet_small.yaml?raw';
import { now } from './common.js';
import type { MultiPoseResult, TaskDefinition, TaskRunner } from './types.js';

const SMALL = 'small';

/**
 * Bottom-up multi-person pose (HigherHRNet): every person in one pass, no box, through
 * `MultiPoseEstimator.estimatePoses` (the official resize, flip test, aggregation and grouping). Its network and
 * grouping times are the estimator's own (`lastTimings`).
 */
export const multiPoseTask: TaskDefinition = {
  id: 'multipose',
  label: 'Pose, every person (bottom-up HigherHRNet)',
  presets: [
    { id: SMALL, label: 'small (test config: branches 8/16/32/64, input 64)' },
    ...Object.keys(BOTTOM_UP_PRESETS).map((id) => ({ id, label: id, heavy: true })),
  ],
  engines: ['tfjs', 'onnxruntime'],
  async create(preset, weights, options = {}): Promise<TaskRunner> {
    const estimator = await createMultiPoseEstimator({
      model: preset === SMALL ? higherSmallYaml : preset,
      weights: weights ?? null,
      engine: options.engine,
      engineOptions: options.engineOptions,
    });
    const side = estimator.model.bottomUpConfig.inputSize;
    return {
      model: estimator.model,
      inputSize: [side, side],
      engine: estimator.engineDescription,
      async run(pixels, _ctx, clock = now) {
        const t0 = clock();
        const people = await estimator.estimatePoses(pixels);
        const total = clock() - t0;
        const { network, grouping } = estimator.lastTimings;
        const result: MultiPoseResult = {
          kind: 'multipose',
          people: people.map((p) => ({ box: p.box, score: p.score, keypoints: p.keypoints.map((k) => ({ ...k })) })),
          skeleton: COCO_KEYPOINTS.skeleton.map(([a, b]) => [a, b]),
        };
        // the estimator times resize + network + aggregation as one, then the grouping
        return { result, timings: { preprocess: Math.max(0, total - network - grouping), network, decode: grouping } };
      },
      dispose: () => estimator.dispose(),
    };
  },
};
