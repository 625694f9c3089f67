import { applyAffine } from '@hrnetjs/core';
import {
  LITE_POSE_PRESETS,
  type LitePoseModelConfig,
  POSE_PRESETS,
  boxToCenterScale,
  createPoseEstimator,
  getAffineTransform,
  getFinalPreds,
  parseLitePoseModelDict,
} from '@hrnetjs/head-pose';
import liteSmall from '../configs/litehrnet_small.json';
import poseSmallYaml from '../configs/pose_small.yaml?raw';
import { download, now } from './common.js';
import type { PoseResult, TaskDefinition, TaskRunner } from './types.js';

const SMALL = 'small';
/** The small Lite-HRNet of head-pose's golden fixture (official Lite-HRNet code, random weights bundled). */
export const LITE_SMALL = 'litehrnet_small';

function modelConfig(preset: string): string | LitePoseModelConfig {
  if (preset === LITE_SMALL) return parseLitePoseModelDict(liteSmall.model, { imageSize: liteSmall.imageSize as [number, number] });
  return preset === SMALL ? poseSmallYaml : preset;
}

/**
 * Top-down pose on one person box (the whole image unless a box is drawn), through the head's own
 * pipeline pieces so each stage can be timed: crop + normalise, network (with the official flip test),
 * `getFinalPreds` decoding. The same numbers as `PoseEstimator.estimatePoses` for the same box.
 */
export const poseTask: TaskDefinition = {
  id: 'pose',
  label: 'Pose (top-down keypoints)',
  presets: [
    { id: SMALL, label: 'small (test config: branches 8/16/32/64, 96x128)' },
    { id: LITE_SMALL, label: 'litehrnet_small (test config: Lite-HRNet-18, 1/2/1 modules, 16/32/64/128, 96x128)' },
    ...Object.keys(POSE_PRESETS).map((id) => ({ id, label: id, heavy: true })),
    // official Lite-HRNet sizes: ~1-2 M parameters, light enough for cpu/wasm (no "full size" warning)
    ...Object.keys(LITE_POSE_PRESETS).map((id) => ({ id, label: `${id} (Lite-HRNet, official size)` })),
  ],
  engines: ['tfjs', 'onnxruntime'],
  async create(preset, weights, options = {}): Promise<TaskRunner> {
    const config = modelConfig(preset);
    // random weights (`null`) build and fuse on the device: nothing is read back from a GPU backend; the
    // network runs on the chosen engine (estimator.heatmaps goes through it), crops and decoding on tfjs
    const estimator = await createPoseEstimator({ model: config, weights: weights ?? null, engine: options.engine, engineOptions: options.engineOptions });
    const { model, keypointSet: keypoints } = estimator;
    const [iw, ih] = estimator.inputSize;
    return {
      model,
      inputSize: [iw, ih],
      engine: estimator.engineDescription,
      async run(pixels, ctx, clock = now) {
        const t0 = clock();
        const box = ctx.box ?? [0, 0, pixels.width, pixels.height];
        const person = boxToCenterScale(box, iw / ih);
        const input = await estimator.networkInput(pixels, [person]);
        await input.data(); // finish the GPU work here so it is timed as preprocessing
        const t1 = clock();
        const heatmaps = await estimator.heatmaps(input);
        input.dispose();
        const [, h, w, k] = heatmaps.shape;
        const data = await download(heatmaps);
        const t2 = clock();
        const { preds, maxvals } = getFinalPreds({ data, shape: [1, h, w, k] }, [person.center], [person.scale]);
        const result: PoseResult = {
          kind: 'pose',
          box: [...box] as PoseResult['box'],
          keypoints: keypoints.names.map((name, j) => ({ name, x: preds[j * 2]!, y: preds[j * 2 + 1]!, score: maxvals[j]! })),
          skeleton: keypoints.skeleton.map(([a, b]) => [a, b]),
          heatmaps: { width: w, height: h, joints: k, data, toImage: getAffineTransform(person.center, person.scale, 0, [w, h], true) },
        };
        return { result, timings: { preprocess: t1 - t0, network: t2 - t1, decode: clock() - t2 } };
      },
      dispose: () => estimator.dispose(),
    };
  },
};

/** Heatmap pixel → image pixel (for drawing). */
export const heatmapToImage = applyAffine;
