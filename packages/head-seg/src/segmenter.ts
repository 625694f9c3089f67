import * as tf from '@tensorflow/tfjs-core';
import {
  checkImagePixels,
  checkWorkingBytes,
  type ImageInput,
  imageSize,
  imageToTensor,
  type NetworkSpec,
  type PreparedNetwork,
  prepareNetwork,
  type StateDict,
  StateDictError,
  type TaskConfig,
  TaskObject,
} from '@hrnetjs/core';
import { loadYamlSupportFor } from '@hrnetjs/hrnet-backbone';
import { DATASETS, type DatasetInfo, type Palette, genericDataset } from './datasets.js';
import { type InferenceOptions, type SegLogits, inferScores, segWorkingBytes, selectLogits } from './inference.js';
import {
  SegHighResolutionNet,
  SegHighResolutionNetOCR,
  type SegmentationModel,
  type SegmentationModelConfig,
  createSegmentationModel,
  segmentationZooConfig,
} from './model.js';
import { SEG_ZOO, type SegZooProcessing } from './zoo.js';

/** Class ids, one a pixel, row-major: bytes up to 256 classes, 16 bits beyond. */
export type LabelArray = Uint8Array | Uint16Array;

export interface SegmentOptions extends InferenceOptions {
  /** Also return per-class probabilities (the pipeline's scores normalised per pixel). Default false. */
  probabilities?: boolean;
}

export interface SegmentationResult {
  width: number;
  height: number;
  /** Class id of every pixel, row-major (`labels[y * width + x]`), at the image's resolution. */
  labels: LabelArray;
  numClasses: number;
  classNames: readonly string[];
  /**
   * With `probabilities: true`: row-major `[height, width, numClasses]`, summing to 1 a pixel. For one
   * scale this is the softmax of the (flip-averaged, window-averaged) logits; over several scales, the
   * official sum of exp-scores normalised.
   */
  probabilities?: Float32Array;
}

/**
 * `createSegmenter`'s options: the factory contract's (`model`, `weights`, `keyMapping`, `backend`, `engine`,
 * `fuse`, … — see core's `TaskConfig`). `model` is a zoo name, a preset (`'w48_cityscapes'`), an official
 * experiment YAML, a config object, or a built `SegmentationModel`.
 */
export interface SegmenterConfig extends TaskConfig<SegmentationModelConfig, SegmentationModel> {}

/** The key of the layer whose first dimension is the class count, per architecture. */
function classifierKey(model: SegmentationModel): string {
  return model instanceof SegHighResolutionNetOCR ? 'cls_head.weight' : 'last_layer.3.weight';
}

/**
 * Checks what a strict load would also catch, but with a message that names the real problem: a
 * checkpoint of another data set (class count) or of the other architecture (OCR or not).
 */
function checkCheckpointFits(model: SegmentationModel, sd: StateDict): void {
  const name = 'the model';
  const isOcr = model instanceof SegHighResolutionNetOCR;
  const hasOcr = sd.has('cls_head.weight');
  const hasPlain = sd.has('last_layer.3.weight');
  if (isOcr && !hasOcr && hasPlain) {
    throw new StateDictError(`the checkpoint is an HRNetV2 (seg_hrnet, last_layer.*) model but ${name} is HRNetV2 + OCR; use the matching non-OCR preset`);
  }
  if (!isOcr && hasOcr && !hasPlain) {
    throw new StateDictError(`the checkpoint is an HRNetV2 + OCR (cls_head.*) model but ${name} is plain HRNetV2; use an ocr_* preset`);
  }
  const key = classifierKey(model);
  const w = sd.get(key);
  if (w && w.shape[0] !== model.numClasses) {
    throw new StateDictError(
      `the checkpoint predicts ${w.shape[0]} classes (${key} [${w.shape.join(', ')}]) but ${name} has ${model.numClasses}; ` +
        'pick the preset (or YAML) of the data set the checkpoint was trained on',
    );
  }
}

/**
 * A ready-to-use segmenter, in the style of tfjs-models: picks a backend, builds the network, loads and
 * checks the checkpoint, folds BatchNorm.
 *
 * @example
 * ```ts
 * const segmenter = await createSegmenter({ model: 'w48_cityscapes', weights: bytes, backend: 'wasm' });
 * const { labels, width, height, classNames } = await segmenter.segment(image, { cropSize: [512, 1024] });
 * const rgba = colorize(labels, segmenter.palette);
 * segmenter.dispose();
 * ```
 */
export async function createSegmenter(config: SegmenterConfig): Promise<Segmenter> {
  return new Segmenter(await prepareNetwork(config, SEG_NETWORK));
}

/** What the factory contract needs to know about segmentation networks. */
export const SEG_NETWORK: NetworkSpec<SegmentationModel, SegmentationModelConfig> = {
  factory: 'createSegmenter',
  task: 'seg',
  zoo: SEG_ZOO,
  build: (model, entry) => createSegmentationModel(entry ? segmentationZooConfig(entry) : model),
  prepare: loadYamlSupportFor, // the YAML parser is loaded only for YAML text (DESIGN.md)
  isNetwork: (value): value is SegmentationModel => value instanceof SegHighResolutionNet || value instanceof SegHighResolutionNetOCR,
  checkWeights: (sd, model) => checkCheckpointFits(model, sd),
};

/**
 * Semantic segmentation with HRNetV2 (+OCR), following the official test pipeline (multi-scale, flip,
 * sliding windows). Create with {@link createSegmenter}.
 */
export class Segmenter extends TaskObject<SegmentationModel> {
  readonly dataset: DatasetInfo;
  readonly classNames: readonly string[];
  readonly palette: Palette;
  /** The network's inference output on the chosen engine. */
  private readonly logits: SegLogits;

  /** @internal use {@link createSegmenter} */
  constructor(prepared: PreparedNetwork<SegmentationModel>) {
    super(prepared);
    const model = this.model;
    this.dataset =
      DATASETS[model.segConfig.dataset]?.classNames.length === model.numClasses ? DATASETS[model.segConfig.dataset]! : genericDataset(model.numClasses);
    this.classNames = this.dataset.classNames;
    this.palette = this.dataset.palette;
    this.logits = async (x) => selectLogits(model, await this.runNetwork<tf.Tensor4D | tf.Tensor4D[]>(x));
  }

  /**
   * An mmseg entry's test settings where the caller set none: its `Resize(img_scale, keep_ratio)` as the base
   * size of scale 1 (mmcv `rescale_size`: the largest scale that fits both edges) and its sliding window.
   */
  private upstreamDefaults(height: number, width: number, options: SegmentOptions): InferenceOptions {
    const p = this.zooEntry?.processing as SegZooProcessing | undefined;
    if (!p) return {};
    const out: InferenceOptions = {};
    if (p.imgScale && options.baseSize === undefined && options.scales === undefined) {
      const [a, b] = p.imgScale;
      const f = Math.min(Math.max(a, b) / Math.max(height, width), Math.min(a, b) / Math.min(height, width));
      out.baseSize = Math.max(1, Math.trunc(Math.max(height, width) * f + 0.5));
    }
    if (p.slide && options.cropSize === undefined) {
      out.cropSize = p.slide.cropSize;
      out.stride = p.slide.stride;
      out.slideMode = 'mmseg';
    }
    return out;
  }

  /** Segments one image (tensor `[H, W, C]`, pixels `{data, width, height}`, or a browser image). */
  async segment(image: ImageInput, options: SegmentOptions = {}): Promise<SegmentationResult> {
    this.assertLive('segment');
    // working size before any tensor exists: scales × image and the network pass (issue 15: scales [100] on a
    // 64x64 image ran wasm out of memory, which aborts its module and fails every later call)
    const { width: w0, height: h0 } = imageSize(image);
    checkImagePixels('segment', w0, h0, this.limits);
    checkWorkingBytes('segment', segWorkingBytes(this.model.numClasses, h0, w0, options ?? {}), this.limits, 'use smaller scales, a cropSize (sliding windows), or raise maxWorkingBytes');
    const rgb = imageToTensor(image);
    let scores: tf.Tensor3D;
    try {
      scores = await inferScores(this.model, rgb, { flipPairs: this.dataset.flipPairs, ...this.upstreamDefaults(rgb.shape[0], rgb.shape[1], options), ...options }, this.logits);
    } finally {
      rgb.dispose();
    }
    const [height, width, numClasses] = scores.shape;
    try {
      const arg = tf.argMax(scores, 2);
      const ids = (await arg.data()) as Int32Array;
      arg.dispose();
      const labels = numClasses <= 256 ? Uint8Array.from(ids) : Uint16Array.from(ids);
      const result: SegmentationResult = { width, height, labels, numClasses, classNames: this.dataset.classNames };
      if (options.probabilities) {
        const p = tf.tidy(() => tf.div(scores, tf.sum(scores, 2, true)));
        result.probabilities = (await p.data()) as Float32Array;
        p.dispose();
      }
      return result;
    } finally {
      scores.dispose();
    }
  }
}
