import * as tf from '@tensorflow/tfjs-core';
import {
  checkImagePixels,
  checkWorkingBytes,
  ConfigError,
  IMAGE_BYTES_PER_PIXEL,
  type ImageInput,
  imageSize,
  StateDictError,
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
import { type DecodeMethod, type DecodeOptions, getFinalPreds } from './decode.js';
import { flipTest as runFlipTest } from './flip.js';
import { type KeypointSet, keypointSetFor } from './keypoints.js';
import { PoseHighResolutionNet, type PoseNetwork, type PoseNetworkConfig, createPoseModel } from './model.js';
import { PoseLiteHRNet } from './lite.js';
import { type CropMethod, cropPersons, cropPersonsHost, preprocessCrops } from './preprocess.js';
import type { HostPixels } from './opencv-warp.js';
import { type Box, type CenterScale, PIXEL_STD, boxToCenterScale } from './transforms.js';
import { IN_VIS_THRESHOLD, rescorePose } from './coco.js';
import { POSE_DEFAULTS } from './constants.js';
import { refuseOtherPoseCheckpoint, refuseOtherPoseModel } from './pose-kinds.js';
import { POSE_ZOO, type PoseZooProcessing } from './zoo.js';

/**
 * `createPoseEstimator`'s options: the factory contract's (`model`, `weights`, `keyMapping`, `backend`,
 * `wasmPaths`, `engine`, `fuse`, … — see core's `TaskConfig`) plus the pose options below. `model` is a zoo
 * name, a preset (`'coco_w32_256x192'`, `'w48_384x288'`, `'mpii_w32_256x256'`, …), an official experiment
 * YAML, a config, or a built `PoseHighResolutionNet`; a Lite-HRNet preset (`'litehrnet_18_coco_256x192'`), zoo
 * name or `LitePoseModelConfig`, or a built `PoseLiteHRNet`.
 */
export interface PoseEstimatorConfig extends TaskConfig<PoseNetworkConfig, PoseNetwork> {
  /** The official flip test (`TEST.FLIP_TEST`, true in every official config): default true. */
  flipTest?: boolean;
  /** Shift flipped heatmaps one pixel (`TEST.SHIFT_HEATMAP`): default true. */
  shiftHeatmap?: boolean;
  /** Heatmap decoding: `'official'` (default), `'argmax'`, `'dark'`, or options. */
  decode?: DecodeMethod | DecodeOptions;
  /** Keypoint names / flip pairs; default from the model's dataset (COCO-17 or MPII-16). Required for custom models. */
  keypoints?: KeypointSet;
  /** Crop sampling: `'opencv'` (default, bit-exact official crops), `'rounded'` or `'exact'`; see the README. */
  crop?: CropMethod;
  /**
   * Most crops a forward pass takes. Default: as many as fit `maxWorkingBytes` by estimate (all boxes in one
   * batch, as the official code, for the usual few people; ~40 crops a pass for w32 256x192 on wasm's 2 GiB).
   */
  maxBatch?: number;
}

/** The pose options a `PoseEstimator` runs with (defaults in `constants.ts`). */
export interface PoseOptions {
  flipTest: boolean;
  shiftHeatmap: boolean;
  crop: CropMethod;
  decode: DecodeOptions;
  maxBatch?: number;
}

export interface Keypoint {
  /** Image pixels (x right, y down; integer = pixel centre). May lie outside the image. */
  x: number;
  y: number;
  /** The raw heatmap maximum (the official `maxvals`): about 0–1 for trained models, can be ≤ 0. */
  score: number;
  name: string;
}

export interface Pose {
  /** The person box it came from, `[x, y, w, h]`. */
  box: [number, number, number, number];
  /**
   * Box score × mean of keypoint scores above 0.2 (`TEST.IN_VIS_THRE`): the official test-time rescoring,
   * the score COCO evaluation ranks by. The box score is 1 unless `boxScores` is given.
   */
  score: number;
  /** The detector's score for the box (1 when not given). */
  boxScore: number;
  keypoints: Keypoint[];
  /** Crop centre (image pixels) and scale (crop size / 200) from `_xywh2cs`. */
  center: [number, number];
  scale: [number, number];
  /** Crop area in pixels, `scale · 200` squared-product: the area the official OKS-NMS uses. */
  area: number;
}

export interface EstimatePosesOptions {
  /** Person boxes `[x, y, w, h]` in image pixels, from any detector. No boxes → `[]`. */
  boxes: readonly Box[];
  /** The detector's score of each box (default 1), used by the rescoring. */
  boxScores?: readonly number[];
  /** Override the estimator's flip test for this call. */
  flipTest?: boolean;
}

/**
 * Top-down pose estimation with an HRNet pose network, following the official test pipeline of
 * deep-high-resolution-net.pytorch step by step. Create with {@link createPoseEstimator}.
 */
export class PoseEstimator extends TaskObject<PoseNetwork> {
  readonly inputSize: [number, number];
  readonly heatmapSize: [number, number];
  readonly keypointSet: KeypointSet;
  readonly options: PoseOptions;

  /** @internal use {@link createPoseEstimator} */
  constructor(prepared: PreparedNetwork<PoseNetwork>, keypointSet: KeypointSet, options: PoseOptions) {
    super(prepared);
    const c = this.model.poseConfig;
    this.inputSize = [...c.imageSize];
    this.heatmapSize = [...c.heatmapSize];
    this.keypointSet = keypointSet;
    this.options = options;
  }

  /**
   * Crops (normalised, NHWC) → heatmaps `[N, h, w, K]` (NHWC), with the flip test when enabled, in passes of
   * at most `maxBatch` crops. The caller disposes the result.
   */
  async heatmaps(input: tf.Tensor4D, flip = this.options.flipTest, maxBatch = this.options.maxBatch): Promise<tf.Tensor4D> {
    this.assertLive('heatmaps');
    const pass = (x: tf.Tensor4D) => this.runNetwork<tf.Tensor4D>(x);
    const run = (x: tf.Tensor4D) =>
      flip ? runFlipTest(pass, x, { flipPairs: this.keypointSet.flipPairs, shiftHeatmap: this.options.shiftHeatmap }) : pass(x);
    const n = input.shape[0];
    const step = Math.min(n, maxBatch ?? n);
    if (step >= n) return run(input);
    const parts: tf.Tensor4D[] = [];
    try {
      for (let i = 0; i < n; i += step) {
        const chunk = tf.slice(input, [i, 0, 0, 0], [Math.min(step, n - i), -1, -1, -1]);
        try {
          parts.push(await run(chunk));
        } finally {
          chunk.dispose();
        }
      }
      return tf.concat(parts, 0);
    } finally {
      tf.dispose(parts);
    }
  }

  /**
   * One pose per box, in box order, all boxes in one batch (or passes of `maxBatch`). Boxes are padded to the model's aspect ratio and
   * enlarged 1.25× (the official `_xywh2cs`); a box partly or wholly outside the image is cropped with zeros
   * outside (as OpenCV does) and still gets a pose. Throws InputError for a box that is not 4 finite numbers
   * or has a negative or all-zero size, and ShapeError / InputError for an image that is not 1/3/4-channel or
   * holds NaN.
   */
  async estimatePoses(image: ImageInput, options: EstimatePosesOptions): Promise<Pose[]> {
    this.assertLive('estimatePoses');
    const boxes = options?.boxes;
    if (!Array.isArray(boxes)) throw new InputError('estimatePoses: expected options.boxes, an array of [x, y, w, h] boxes');
    const scores = options.boxScores;
    if (scores !== undefined && (scores.length !== boxes.length || !scores.every(Number.isFinite))) {
      throw new InputError(`estimatePoses: boxScores must be ${boxes.length} finite numbers, found ${scores.length}`);
    }
    const [iw, ih] = this.inputSize;
    const people: CenterScale[] = boxes.map((b) => boxToCenterScale(b, iw / ih));
    if (people.length === 0) return [];
    const flip = options.flipTest ?? this.options.flipTest;
    const maxBatch = this.passSize(image, people.length, flip);
    const input = await this.networkInput(image, people);
    let heatmaps: tf.Tensor4D;
    try {
      heatmaps = await this.heatmaps(input, flip, maxBatch);
    } finally {
      input.dispose();
    }
    let data: Float32Array;
    try {
      data = (await heatmaps.data()) as Float32Array;
    } finally {
      heatmaps.dispose();
    }
    const [n, h, w, k] = heatmaps.shape;
    const { preds, maxvals } = getFinalPreds(
      { data, shape: [n, h, w, k] },
      people.map((p) => p.center),
      people.map((p) => p.scale),
      this.options.decode,
    );
    const names = this.keypointSet.names;
    return people.map((p, i) => {
      const keypoints = names.map((name, j) => ({
        x: preds[(i * k + j) * 2]!,
        y: preds[(i * k + j) * 2 + 1]!,
        score: maxvals[i * k + j]!,
        name,
      }));
      const boxScore = scores?.[i] ?? 1;
      return {
        box: [...boxes[i]!] as [number, number, number, number],
        score: rescorePose(keypoints, boxScore, IN_VIS_THRESHOLD),
        boxScore,
        keypoints,
        center: [...p.center],
        scale: [...p.scale],
        area: p.scale[0] * PIXEL_STD * p.scale[1] * PIXEL_STD,
      };
    });
  }

  /**
   * The normalised crops `[N, h, w, 3]` of `people`. The default 'opencv' crop samples on the host (the image is
   * read back once, asynchronously), which is both faster on every backend and what the onnxruntime engine
   * wants; the tf.image.transform methods stay on the backend. Public so that callers who time the stages (the
   * playground) crop exactly as `estimatePoses` does; the caller disposes the result.
   */
  async networkInput(image: ImageInput, people: readonly CenterScale[]): Promise<tf.Tensor4D> {
    const method = this.options.crop;
    if (method !== 'opencv') return tf.tidy(() => preprocessCrops(cropPersons(imageToTensor(image), people, this.inputSize, { method })));
    const crops = cropPersonsHost(await hostRgb(image), people, this.inputSize);
    const [w, h] = this.inputSize;
    return tf.tidy(() => preprocessCrops(tf.tensor4d(crops, [people.length, h, w, 3])));
  }

  /**
   * Working-size check before any tensor exists: the image, every box's crop (and its mirror), and one network
   * pass must fit `maxWorkingBytes`. Without `maxBatch`, as many crops go into a pass as fit (all of them for
   * the usual few people: the official single batch); with it, that many. Returns the crops per pass.
   */
  private passSize(image: ImageInput, boxes: number, flip: boolean): number {
    const { width, height } = imageSize(image);
    checkImagePixels('estimatePoses', width, height, this.limits);
    const cropPixels = this.inputSize[0] * this.inputSize[1];
    const fixed = {
      image: width * height * IMAGE_BYTES_PER_PIXEL,
      [`${boxes} crops`]: boxes * cropPixels * IMAGE_BYTES_PER_PIXEL * (flip ? 2 : 1),
    };
    const perCrop = cropPixels * NETWORK_BYTES_PER_PIXEL;
    const room = this.limits.maxWorkingBytes - Object.values(fixed).reduce((a, b) => a + b, 0);
    const step = Math.min(boxes, this.options.maxBatch ?? Math.max(1, Math.floor(room / perCrop)));
    checkWorkingBytes('estimatePoses', { ...fixed, [`a pass of ${step}`]: step * perCrop }, this.limits, 'pass fewer boxes per call, a smaller maxBatch, or raise maxWorkingBytes');
    return step;
  }
}

/**
 * The image as host RGB pixels: 8-bit RGB pixel data (what Node decoders give) as it is; anything else through
 * core's `imageToTensor` (its checks, gray/alpha to RGB, browser images) and one asynchronous read-back.
 */
async function hostRgb(image: ImageInput): Promise<HostPixels> {
  if (!(image instanceof tf.Tensor) && 'data' in image) {
    const { data, width, height } = image;
    const rgb8 = data instanceof Uint8Array || data instanceof Uint8ClampedArray;
    if (rgb8 && (image.channels ?? 3) === 3 && data.length === width * height * 3) return { data, width, height, channels: 3 };
  }
  const rgb = imageToTensor(image);
  try {
    const [height, width] = rgb.shape;
    return { data: await rgb.data(), width, height, channels: 3 };
  } finally {
    rgb.dispose();
  }
}

/**
 * Builds the network, loads its checkpoint (strictly: a checkpoint for another architecture throws
 * StateDictError listing missing/unexpected/mismatched keys), optionally fuses BatchNorm, and returns a
 * {@link PoseEstimator}.
 *
 * @example
 * const estimator = await createPoseEstimator({ model: 'coco_w32_256x192', weights: '/models/pose_hrnet_w32_256x192.pth' });
 * const poses = await estimator.estimatePoses(img, { boxes: [[120, 40, 180, 420]] });
 */
export async function createPoseEstimator(config: PoseEstimatorConfig): Promise<PoseEstimator> {
  refuseOtherPoseModel(config?.model, 'top-down');
  const options = poseOptions(config);
  const prepared = await prepareNetwork(config, POSE_NETWORK);
  // a zoo entry's upstream test settings are the defaults; what the caller set wins
  const upstream = prepared.zooEntry?.processing;
  if (upstream) {
    if (config.decode === undefined && upstream.decode) options.decode = { method: upstream.decode };
    if (config.flipTest === undefined && upstream.flipTest !== undefined) options.flipTest = upstream.flipTest;
    if (config.shiftHeatmap === undefined && upstream.shiftHeatmap !== undefined) options.shiftHeatmap = upstream.shiftHeatmap;
  }
  try {
    const keypoints = config.keypoints ?? keypointSetFor(prepared.model.poseConfig.dataset);
    if (!keypoints) throw new ConfigError('createPoseEstimator: the model is neither COCO nor MPII; pass config.keypoints');
    checkKeypointSet(keypoints, prepared.model.poseConfig.numJoints);
    return new PoseEstimator(prepared, keypoints, options);
  } catch (e) {
    prepared.runner.dispose();
    if (prepared.ownsModel) prepared.model.dispose();
    throw e;
  }
}

/** What the factory contract needs to know about pose networks. */
export const POSE_NETWORK: NetworkSpec<PoseNetwork, PoseNetworkConfig, PoseZooProcessing> = {
  factory: 'createPoseEstimator',
  task: 'pose',
  zoo: POSE_ZOO,
  build: (model) => createPoseModel(model),
  prepare: loadYamlSupportFor, // the YAML parser is loaded only for YAML text (DESIGN.md)
  isNetwork: (value): value is PoseNetwork => value instanceof PoseHighResolutionNet || value instanceof PoseLiteHRNet,
  checkWeights(sd, model) {
    refuseOtherPoseCheckpoint(sd, 'top-down');
    // the two trunks share no top-level name: say which network the file is for before the strict load lists keys
    const has = (p: string) => [...sd.keys()].some((k) => k.startsWith(p));
    const lite = has('stem.') && has('stage0.');
    const hrnet = has('layer1.') && has('stage2.');
    if (model instanceof PoseLiteHRNet && hrnet && !lite) {
      throw new StateDictError(
        'createPoseEstimator: this is an HRNet pose checkpoint (conv1, layer1, stage2..4), but the model is a Lite-HRNet; ' +
          "pass an HRNet preset or zoo name (e.g. 'coco_w32_256x192')",
      );
    }
    if (model instanceof PoseHighResolutionNet && lite && !hrnet) {
      throw new StateDictError(
        'createPoseEstimator: this is a Lite-HRNet pose checkpoint (stem, stage0..2, head_layer), but the model is an HRNet; ' +
          "pass a Lite-HRNet preset or zoo name (e.g. 'litehrnet_18_coco_256x192')",
      );
    }
  },
};

/** The pose options with their defaults, checked before anything is loaded. */
function poseOptions(config: PoseEstimatorConfig): PoseOptions {
  const c = config ?? ({} as PoseEstimatorConfig);
  const decode = typeof c.decode === 'string' ? { method: c.decode } : (c.decode ?? {});
  const options: PoseOptions = {
    flipTest: c.flipTest ?? POSE_DEFAULTS.flipTest,
    shiftHeatmap: c.shiftHeatmap ?? POSE_DEFAULTS.shiftHeatmap,
    crop: c.crop ?? POSE_DEFAULTS.crop,
    decode,
    maxBatch: c.maxBatch,
  };
  const mb = options.maxBatch;
  if (mb !== undefined && !(Number.isInteger(mb) && mb >= 1)) throw new ConfigError(`maxBatch: expected a positive integer, found ${mb}`);
  if (!['opencv', 'rounded', 'exact'].includes(options.crop)) {
    throw new ConfigError(`crop: expected 'opencv', 'rounded' or 'exact', found ${String(options.crop)}`);
  }
  const method = decode.method ?? 'official';
  if (!['official', 'argmax', 'dark'].includes(method)) {
    throw new ConfigError(`decode: expected 'official', 'argmax' or 'dark', found ${String(method)}`);
  }
  for (const k of ['flipTest', 'shiftHeatmap'] as const) {
    if (typeof options[k] !== 'boolean') throw new ConfigError(`${k}: expected true or false, found ${String(options[k])}`);
  }
  return options;
}

function checkKeypointSet(keypointSet: KeypointSet, numJoints: number): void {
  if (keypointSet.names.length !== numJoints) {
    throw new ConfigError(`keypoints: the model has ${numJoints} joints but keypoint set '${keypointSet.name}' names ${keypointSet.names.length}`);
  }
  for (const [a, b] of keypointSet.flipPairs) {
    if (!(a >= 0 && a < numJoints && b >= 0 && b < numJoints)) {
      throw new ConfigError(`keypoints: flip pair [${a}, ${b}] is outside 0..${numJoints - 1}`);
    }
  }
}
