import * as tf from '@tensorflow/tfjs-core';
import {
  checkWorkingBytes,
  IMAGE_BYTES_PER_PIXEL,
  NETWORK_BYTES_PER_PIXEL,
  ConfigError,
  describeValue,
  type ImageInput,
  imageSize,
  imageToTensor,
  InputError,
  type NetworkSpec,
  type PreparedNetwork,
  prepareNetwork,
  type StateDict,
  StateDictError,
  type TaskConfig,
  TaskObject,
} from '@hrnetjs/core';
import { loadYamlSupportFor } from '@hrnetjs/hrnet-backbone';
import { COCO_CLASSES } from './coco-classes.js';
import type { DetectionModelConfig } from './config.js';
import { DETECTION_DEFAULTS } from './constants.js';
import { FcosHRNet, createDetectionModel, detectionZooConfig } from './model.js';
import { DET_ZOO, type DetZooProcessing } from './zoo.js';
import type { FcosHeadOutput } from './fcos-head.js';
import { type FcosLevelOutput, checkPostprocessOptions, postprocessFcos, postprocessMmdetFcos } from './postprocess.js';
import { type ResizeMethod, prepareImage, testResizeShape } from './preprocess.js';

const f32 = Math.fround;

/** One detected object, in the pixels of the image given to `detect`. */
export interface Detection {
  /**
   * `[x, y, width, height]` in image pixels, top-left corner, width = x2 − x1 (as every head's boxes).
   * `toCocoResults` adds the official `+1` (`BoxList.convert('xywh')`, `TO_REMOVE = 1`) for COCO evaluation.
   */
  box: [number, number, number, number];
  /** sigmoid(class logit) × sigmoid(centerness). */
  score: number;
  /** Class index (0-based) into `classNames` (official label − 1). */
  label: number;
  className: string;
}

export interface DetectOptions {
  /** Candidates need sigmoid(class logit) above this (`MODEL.FCOS.INFERENCE_TH`, default from the config: 0.05). */
  scoreThreshold?: number;
  /** Class-wise NMS IoU threshold (`MODEL.FCOS.NMS_TH`, 0.6); ≤ 0 turns NMS off, as officially. */
  iouThreshold?: number;
  /** Detections kept over all classes (`TEST.DETECTIONS_PER_IMG`, 100; ties with the last one are kept); 0 keeps all. */
  maxDetections?: number;
  /** Candidates kept per level before NMS (`MODEL.FCOS.PRE_NMS_TOP_N`, 1000). */
  preNmsTopN?: number;
}

/**
 * `createDetector`'s options: the factory contract's (`model`, `weights`, `keyMapping`, `backend`, `engine`,
 * `fuse`, … — see core's `TaskConfig`) plus the detection options below. `model` is a zoo name, a preset
 * (`'fcos_w18_5l'`…), an official HRNet-FCOS YAML, a config object, or a built `FcosHRNet`.
 */
export interface DetectorConfig extends TaskConfig<DetectionModelConfig, FcosHRNet> {
  /** `'pil'` (default, the official antialiased resize, on the CPU) or `'bilinear'` (tfjs, on the backend). */
  resize?: ResizeMethod;
  /** Class names for the labels (default `COCO_CLASSES`). */
  classNames?: readonly string[];
  /** Largest image accepted, in pixels (default 100 million); the network itself always sees ≤ maxSize. */
  maxImagePixels?: number;
}

/** Checks that a state dict is an HRNet-FCOS one before the strict load, to say so in plain words. */
function checkDetectionKeys(sd: StateDict): void {
  const keys = [...sd.keys()];
  const has = (p: string) => keys.some((k) => k.startsWith(p));
  if (!has('rpn.head.') || !has('backbone.body.') || !has('backbone.fpn.')) {
    throw new StateDictError(
      `not an HRNet-FCOS checkpoint: expected keys under backbone.body., backbone.fpn. and rpn.head., found ${keys.length} keys like ` +
        `${keys.slice(0, 3).join(', ')}${keys.length > 3 ? ', …' : ''}`,
    );
  }
}

/** Smallest padded input side the pyramid can pool: HRFPN pools the stride-4 map by up to 2^(L−1). */
function minPaddedSide(model: FcosHRNet): number {
  return 4 * 2 ** (model.detConfig.fpn.numLevels - 1);
}

/**
 * Downloads the raw per-level head outputs of one image to the host (the post-processor runs there, in float32,
 * like the official one) and frees them.
 */
export async function readFcosLevels(model: FcosHRNet, raw: FcosHeadOutput): Promise<FcosLevelOutput[]> {
  try {
    return await Promise.all(
      raw.boxCls.map(async (cls, l) => ({
        height: cls.shape[1]!,
        width: cls.shape[2]!,
        stride: model.strides[l]!,
        boxCls: (await cls.data()) as Float32Array,
        boxRegression: (await raw.boxRegression[l]!.data()) as Float32Array,
        centerness: (await raw.centerness[l]!.data()) as Float32Array,
      })),
    );
  } finally {
    tf.dispose([raw.boxCls, raw.boxRegression, raw.centerness]);
  }
}

/** What the factory contract needs to know about detection networks. */
export const DET_NETWORK: NetworkSpec<FcosHRNet, DetectionModelConfig, DetZooProcessing> = {
  factory: 'createDetector',
  task: 'det',
  zoo: DET_ZOO,
  build: (model, entry) => createDetectionModel(entry ? detectionZooConfig(entry) : model),
  prepare: loadYamlSupportFor, // the YAML parser is loaded only for YAML text (DESIGN.md)
  isNetwork: (value): value is FcosHRNet => value instanceof FcosHRNet,
  checkWeights: (sd) => checkDetectionKeys(sd),
};

/** The detector's own options with defaults, checked before anything is loaded. */
function detectorOptions(config: DetectorConfig): { resize: ResizeMethod; maxImagePixels: number } {
  const resize = config?.resize ?? DETECTION_DEFAULTS.resize;
  if (resize !== 'pil' && resize !== 'bilinear') throw new ConfigError(`resize: expected 'pil' or 'bilinear', found ${describeValue(resize)}`);
  const maxImagePixels = config?.maxImagePixels ?? DETECTION_DEFAULTS.maxImagePixels;
  if (!(typeof maxImagePixels === 'number' && maxImagePixels >= 1)) {
    throw new ConfigError(`maxImagePixels: expected a positive number, found ${describeValue(maxImagePixels)}`);
  }
  const names = config?.classNames;
  if (names !== undefined && !(Array.isArray(names) && names.every((n) => typeof n === 'string'))) {
    throw new ConfigError(`classNames: expected an array of strings, found ${describeValue(names)}`);
  }
  return { resize, maxImagePixels };
}

/**
 * An HRNet-FCOS object detector in the style of tfjs-models: official preprocessing, the network, and the
 * official post-processing, with results in image pixels.
 *
 * @example
 * ```ts
 * const detector = await createDetector({ model: 'fcos_w32_5l', weights: await (await fetch(url)).arrayBuffer() });
 * const people = (await detector.detect(image, { scoreThreshold: 0.3 })).filter((d) => d.className === 'person');
 * ```
 */
export async function createDetector(config: DetectorConfig): Promise<Detector> {
  const options = detectorOptions(config);
  const prepared = await prepareNetwork(config, DET_NETWORK);
  const model = prepared.model;
  const classNames = config.classNames ?? (model.numClasses === COCO_CLASSES.length ? COCO_CLASSES : Array.from({ length: model.numClasses }, (_, i) => `class ${i}`));
  if (classNames.length !== model.numClasses) {
    prepared.runner.dispose();
    if (prepared.ownsModel) model.dispose();
    throw new ConfigError(`classNames: the model has ${model.numClasses} classes, found ${classNames.length} names`);
  }
  // mmdet resizes with cv2 (bilinear, no antialiasing), not Pillow: its entries default to the tfjs bilinear resize
  const resize = config.resize ?? (model.detConfig.input.resizeRule === 'mmdet' ? 'bilinear' : options.resize);
  return new Detector(prepared, classNames, resize, options.maxImagePixels);
}

/** HRNetV2p + FCOS object detection with the official pre- and post-processing. Create with {@link createDetector}. */
export class Detector extends TaskObject<FcosHRNet> {
  /** @internal use {@link createDetector} */
  constructor(
    prepared: PreparedNetwork<FcosHRNet>,
    readonly classNames: readonly string[],
    readonly resize: ResizeMethod,
    readonly maxImagePixels: number,
  ) {
    super(prepared);
  }

  /** Detects objects; results are sorted by score, highest first. */
  async detect(image: ImageInput, options: DetectOptions = {}): Promise<Detection[]> {
    this.assertLive('detect');
    const model = this.model;
    const { width, height } = imageSize(image);
    if (!(width >= 1 && height >= 1)) throw new InputError(`detect: expected an image of at least 1x1 pixels, found ${width}x${height}`);
    if (width * height > this.maxImagePixels) {
      throw new InputError(`detect: image is ${width}x${height} = ${width * height} pixels, more than maxImagePixels ${this.maxImagePixels}; downscale it first`);
    }
    // post-processing options are checked before the (seconds-long) forward pass, not after it
    const inference = {
      ...model.detConfig.inference,
      ...(options?.scoreThreshold !== undefined && { scoreThreshold: options.scoreThreshold }),
      ...(options?.iouThreshold !== undefined && { nmsThreshold: options.iouThreshold }),
      ...(options?.maxDetections !== undefined && { detectionsPerImage: options.maxDetections }),
      ...(options?.preNmsTopN !== undefined && { preNmsTopN: options.preNmsTopN }),
    };
    checkPostprocessOptions(inference);
    const inCfg = model.detConfig.input;
    const [rh, rw] = testResizeShape(height, width, inCfg);
    const div = Math.max(inCfg.sizeDivisibility, 1);
    const shortPadded = Math.ceil(Math.min(rh, rw) / div) * div;
    if (shortPadded < minPaddedSide(model)) {
      throw new InputError(
        `detect: a ${width}x${height} image resizes to ${rw}x${rh}; its short side (padded ${shortPadded}) is below the ${minPaddedSide(model)} ` +
          `pixels the ${model.detConfig.fpn.numLevels}-level pyramid pools (aspect ratio too extreme); crop it first`,
      );
    }
    checkWorkingBytes(
      'detect',
      { image: width * height * IMAGE_BYTES_PER_PIXEL, [`a network pass at ${rw}x${rh}`]: Math.ceil(rh / div) * div * Math.ceil(rw / div) * div * NETWORK_BYTES_PER_PIXEL },
      this.limits,
      'use a smaller test size (model config input), or raise maxWorkingBytes',
    );
    const rgb = imageToTensor(image);
    let prepared: ReturnType<typeof prepareImage>;
    try {
      prepared = prepareImage(rgb, inCfg, this.resize);
    } finally {
      rgb.dispose();
    }
    // sigmoid, thresholds and NMS run on the host, in float32, like the official post-processor
    let raw: FcosHeadOutput;
    try {
      raw = await this.runNetwork<FcosHeadOutput>(prepared.input);
    } finally {
      prepared.input.dispose();
    }
    const levels = await readFcosLevels(model, raw);
    const post = model.detConfig.inference.postprocess === 'mmdet' ? postprocessMmdetFcos : postprocessFcos;
    const det = post(levels, prepared.resized.height, prepared.resized.width, model.numClasses, inference);
    return toImageDetections(det.boxes, det.scores, det.labels, prepared.resized, prepared.original, this.classNames);
  }
}

/**
 * Network-input `xyxy` boxes → image pixels, as the official evaluation does: `BoxList.resize` to the original
 * size (one ratio when both agree, else per axis; float32), then `[x, y, x2 − x1, y2 − y1]`.
 * Sorted by score, highest first (stable). `labels` are official (1-based).
 */
export function toImageDetections(
  boxes: Float32Array,
  scores: Float32Array,
  labels: Int32Array,
  resized: { height: number; width: number },
  original: { height: number; width: number },
  classNames: readonly string[],
): Detection[] {
  const rw = f32(original.width / resized.width);
  const rh = f32(original.height / resized.height);
  const out: Detection[] = [];
  for (let i = 0; i < scores.length; i++) {
    const x1 = f32(boxes[4 * i]! * rw);
    const y1 = f32(boxes[4 * i + 1]! * rh);
    const x2 = f32(boxes[4 * i + 2]! * rw);
    const y2 = f32(boxes[4 * i + 3]! * rh);
    const label = labels[i]! - 1;
    out.push({ box: [x1, y1, f32(x2 - x1), f32(y2 - y1)], score: scores[i]!, label, className: classNames[label] ?? `class ${label}` });
  }
  return out.map((d, i) => [d, i] as const).sort((a, b) => b[0].score - a[0].score || a[1] - b[1]).map(([d]) => d);
}
