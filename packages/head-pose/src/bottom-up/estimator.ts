import * as tf from '@tensorflow/tfjs-core';
import {
  checkImagePixels,
  checkWorkingBytes,
  ConfigError,
  describeValue,
  IMAGE_BYTES_PER_PIXEL,
  type ImageInput,
  imageSize,
  imageToTensor,
  NETWORK_BYTES_PER_PIXEL,
  InputError,
  type NetworkSpec,
  type PreparedNetwork,
  prepareNetwork,
  type TaskConfig,
  TaskObject,
} from '@hrnetjs/core';
import { loadYamlSupportFor } from '@hrnetjs/hrnet-backbone';
import { COCO_KEYPOINTS } from '../keypoints.js';
import { refuseOtherPoseCheckpoint, refuseOtherPoseModel } from '../pose-kinds.js';
import { preprocessCrops } from '../preprocess.js';
import type { Keypoint } from '../estimator.js';
import { bottomUpFinalPreds, groupingParams, parseHeatmaps, topKOnDevice } from './group.js';
import { getMultiScaleSize, multiScaleHeatmaps } from './inference.js';
import { BOTTOM_UP_ZOO, bottomUpZooConfig } from './zoo.js';
import { type BottomUpModelConfig, PoseHigherResolutionNet, createBottomUpPoseModel } from './model.js';

/** `createMultiPoseEstimator`'s options: the factory contract's plus the official test defaults. */
export interface MultiPoseEstimatorConfig extends TaskConfig<BottomUpModelConfig, PoseHigherResolutionNet> {
  /** Default scales (`TEST.SCALE_FACTOR`, `[1]`). */
  scales?: readonly number[];
  /** Default flip test (`TEST.FLIP_TEST`, true in the official configs). */
  flipTest?: boolean;
}

export interface EstimateMultiPosesOptions {
  scales?: readonly number[];
  flipTest?: boolean;
  /** Keep at most this many people, best score first (default: all the official parser returns). */
  maxPeople?: number;
}

/** One person found bottom-up: the same fields as a top-down `Pose` where they mean the same. */
export interface MultiPose {
  /** `[x, y, w, h]` around the keypoints with a score > 0 (image pixels). */
  box: [number, number, number, number];
  /** The official person score: mean of the 17 joint values after `adjust` (what COCO evaluation ranks by). */
  score: number;
  keypoints: Keypoint[];
  /** The official evaluation's area: extent of all keypoints in x times in y. */
  area: number;
  /** Mean tag of the joints the grouping found (plain, flipped). */
  tag: number[];
}

/** Bottom-up multi-person pose (HigherHRNet), the official `tools/valid.py` inference. */
export class MultiPoseEstimator extends TaskObject<PoseHigherResolutionNet> {
  constructor(prepared: PreparedNetwork<PoseHigherResolutionNet>, readonly defaults: { scales: number[]; flipTest: boolean }) {
    super(prepared);
  }

  /**
   * Working size before any tensor exists (issue 15: a huge scale ran wasm out of memory, which aborts its
   * module): the image, and at the largest scale one network pass plus the heatmaps and tags it keeps.
   */
  private checkWorkingSize(image: ImageInput, scales: number[], flip: boolean): void {
    const { width, height } = imageSize(image);
    checkImagePixels('estimatePoses', width, height, this.limits);
    if (scales.length === 0 || !scales.every((x) => typeof x === 'number' && Number.isFinite(x) && x > 0)) {
      throw new ConfigError(`scales: expected positive numbers, found ${describeValue(scales)}`);
    }
    const c = this.model.bottomUpConfig;
    const minScale = Math.min(...scales);
    let worst = 0;
    for (const x of scales) {
      const [w, h] = getMultiScaleSize(width, height, c.inputSize, x, minScale).size;
      worst = Math.max(worst, w * h);
    }
    checkWorkingBytes(
      'estimatePoses',
      {
        image: width * height * IMAGE_BYTES_PER_PIXEL,
        'a network pass at the largest scale': worst * NETWORK_BYTES_PER_PIXEL,
        // heatmaps + tags of every joint, upsampled to the input size, for each scale (and its mirror)
        'maps kept': worst * c.numJoints * 2 * 4 * scales.length * (flip ? 2 : 1),
      },
      this.limits,
      'use smaller scales or a smaller image, or raise maxWorkingBytes',
    );
  }

  /** Timings of the last call, for benchmarks: network (+ resize/aggregate) and grouping, in ms. */
  lastTimings = { network: 0, grouping: 0 };

  async estimatePoses(image: ImageInput, options: EstimateMultiPosesOptions = {}): Promise<MultiPose[]> {
    this.assertLive('estimatePoses');
    const c = this.model.bottomUpConfig;
    const given = options?.scales ?? this.defaults.scales;
    if (!Array.isArray(given)) throw new ConfigError(`scales: expected a list of positive numbers, found ${describeValue(given)}`);
    const scales = [...given];
    const flip = options.flipTest ?? this.defaults.flipTest;
    if (typeof flip !== 'boolean') throw new ConfigError(`flipTest: expected true or false, found ${String(flip)}`);
    const maxPeople = options.maxPeople;
    if (maxPeople !== undefined && !(Number.isInteger(maxPeople) && maxPeople >= 0)) {
      throw new InputError(`maxPeople: expected a non-negative integer, found ${String(maxPeople)}`);
    }
    this.checkWorkingSize(image, scales, flip);
    const t0 = performance.now();
    const rgb = imageToTensor(image);
    let result: Awaited<ReturnType<typeof multiScaleHeatmaps>>;
    try {
      result = await multiScaleHeatmaps((x) => this.runNetwork<tf.Tensor[]>(x), rgb, c, {
        scales,
        flip,
        normalize: (x) => preprocessCrops(x),
      });
    } finally {
      rgb.dispose();
    }
    const t1 = performance.now();
    const params = groupingParams(c);
    let parsed: ReturnType<typeof parseHeatmaps>;
    try {
      const { maps, top } = await topKOnDevice(result.heatmaps, result.tags, params);
      parsed = parseHeatmaps(maps, top, params);
    } finally {
      tf.dispose([result.heatmaps, result.tags]);
    }
    const D = parsed.rowSize;
    const final = bottomUpFinalPreds(parsed.people, D, result.center, result.scale, result.heatmapSize);
    this.lastTimings = { network: t1 - t0, grouping: performance.now() - t1 };
    const names = c.numJoints === 17 ? COCO_KEYPOINTS.names : Array.from({ length: c.numJoints }, (_, i) => `joint_${i}`);
    const poses = final.map((p, i): MultiPose => {
      const keypoints = names.map((name, j) => ({ x: p[j * D]!, y: p[j * D + 1]!, score: p[j * D + 2]!, name }));
      const seen = keypoints.filter((k) => k.score > 0);
      const xs = seen.map((k) => k.x);
      const ys = seen.map((k) => k.y);
      const ax = keypoints.map((k) => k.x);
      const ay = keypoints.map((k) => k.y);
      const T = D - 3;
      const tagCols = Array.from({ length: T }, (_, t) => {
        const v = keypoints.map((k, j) => (k.score > 0 ? p[j * D + 3 + t]! : NaN)).filter((x) => !Number.isNaN(x) && x !== 0);
        return v.length ? v.reduce((a, b) => a + b, 0) / v.length : 0;
      });
      return {
        box: seen.length ? [Math.min(...xs), Math.min(...ys), Math.max(...xs) - Math.min(...xs), Math.max(...ys) - Math.min(...ys)] : [0, 0, 0, 0],
        score: parsed.scores[i]!,
        keypoints,
        area: (Math.max(...ax) - Math.min(...ax)) * (Math.max(...ay) - Math.min(...ay)),
        tag: tagCols,
      };
    });
    if (maxPeople === undefined) return poses;
    return [...poses].sort((a, b) => b.score - a.score).slice(0, maxPeople);
  }
}

/** What the factory contract needs to know about bottom-up networks. */
export const BOTTOM_UP_NETWORK: NetworkSpec<PoseHigherResolutionNet, BottomUpModelConfig> = {
  factory: 'createMultiPoseEstimator',
  task: 'pose',
  zoo: BOTTOM_UP_ZOO,
  build: (model, entry) => createBottomUpPoseModel(entry ? bottomUpZooConfig(entry) : model),
  prepare: loadYamlSupportFor, // the YAML parser is loaded only for YAML text (DESIGN.md)
  isNetwork: (value): value is PoseHigherResolutionNet => value instanceof PoseHigherResolutionNet,
  checkWeights: (sd) => refuseOtherPoseCheckpoint(sd, 'bottom-up'),
};

/**
 * Builds the HigherHRNet network, loads its checkpoint (strictly), optionally fuses BatchNorm, and returns a
 * {@link MultiPoseEstimator}.
 *
 * @example
 * const est = await createMultiPoseEstimator({ model: 'higherhrnet_w32_512', weights: '/models/pose_higher_hrnet_w32_512.pth' });
 * const people = await est.estimatePoses(img); // every person, no boxes needed
 */
export async function createMultiPoseEstimator(config: MultiPoseEstimatorConfig): Promise<MultiPoseEstimator> {
  refuseOtherPoseModel(config?.model, 'bottom-up');
  const scales = config?.scales;
  if (scales !== undefined && (!Array.isArray(scales) || scales.length === 0 || !scales.every((s) => typeof s === 'number' && s > 0))) {
    throw new ConfigError(`scales: expected positive numbers, found ${String(scales)}`);
  }
  if (config?.flipTest !== undefined && typeof config.flipTest !== 'boolean') {
    throw new ConfigError(`flipTest: expected true or false, found ${String(config.flipTest)}`);
  }
  const prepared = await prepareNetwork(config, BOTTOM_UP_NETWORK);
  const t = prepared.model.bottomUpConfig.test;
  return new MultiPoseEstimator(prepared, { scales: [...(scales ?? t.scaleFactor)], flipTest: config.flipTest ?? t.flipTest });
}
