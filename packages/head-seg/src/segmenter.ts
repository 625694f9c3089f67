import * as tf from '@tensorflow/tfjs-core';
import {
  type BackendName,
  CheckpointError,
  ensureBackend,
  type ImageInput,
  imageToTensor,
  InputError,
  loadCheckpoint,
  loadWeights,
  releaseUnfusedWeights,
  type StateDict,
  type WeightsSource,
} from '@hrnetjs/core';
import { DATASETS, type DatasetInfo, type Palette, genericDataset } from './datasets.js';
import { type InferenceOptions, inferScores } from './inference.js';
import { type SegmentationModel, type SegmentationModelConfig, SegHighResolutionNetOCR, createSegmentationModel } from './model.js';

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

export interface SegmenterConfig {
  /** A preset name (`'w48_cityscapes'`), an official experiment YAML, a config object or a built model. */
  model: string | SegmentationModelConfig | SegmentationModel;
  /**
   * The checkpoint (core's `WeightsSource`): a URL (fetched; a tfjs `model.json` URL brings its shards), bytes of
   * any format `loadCheckpoint` reads (official `.pth` zip or legacy, safetensors, …), or a `StateDict`; the core
   * key rules (DataParallel `module.`, …) apply to all. `null` runs the architecture with random weights
   * (exploring shapes and speed only: the outputs mean nothing).
   */
  weights: WeightsSource | null;
  /** tfjs backend(s) to activate (core's `ensureBackend`): omitted, the active backend is kept, or the best available one is selected when none is active. */
  backend?: BackendName | readonly BackendName[];
  /** Fold BatchNorm into the convolutions after loading (default true; same outputs, faster). */
  fuse?: boolean;
}

export interface Segmenter {
  readonly model: SegmentationModel;
  readonly dataset: DatasetInfo;
  readonly classNames: readonly string[];
  readonly palette: Palette;
  /** The backend chosen, and why. */
  readonly backend: string;
  /** Segments one image (tensor `[H, W, C]`, pixels `{data, width, height}`, or a browser image). */
  segment(image: ImageInput, options?: SegmentOptions): Promise<SegmentationResult>;
  dispose(): void;
}

/** The key of the layer whose first dimension is the class count, per architecture. */
function classifierKey(model: SegmentationModel): string {
  return model instanceof SegHighResolutionNetOCR ? 'cls_head.weight' : 'last_layer.3.weight';
}

/**
 * Checks what a strict load would also catch, but with a message that names the real problem: a
 * checkpoint of another data set (class count) or of the other architecture (OCR or not).
 */
function checkCheckpointFits(model: SegmentationModel, sd: StateDict, name: string): void {
  const isOcr = model instanceof SegHighResolutionNetOCR;
  const hasOcr = sd.has('cls_head.weight');
  const hasPlain = sd.has('last_layer.3.weight');
  if (isOcr && !hasOcr && hasPlain) {
    throw new CheckpointError(`the checkpoint is an HRNetV2 (seg_hrnet, last_layer.*) model but ${name} is HRNetV2 + OCR; use the matching non-OCR preset`);
  }
  if (!isOcr && hasOcr && !hasPlain) {
    throw new CheckpointError(`the checkpoint is an HRNetV2 + OCR (cls_head.*) model but ${name} is plain HRNetV2; use an ocr_* preset`);
  }
  const key = classifierKey(model);
  const w = sd.get(key);
  if (w && w.shape[0] !== model.numClasses) {
    throw new CheckpointError(
      `the checkpoint predicts ${w.shape[0]} classes (${key} [${w.shape.join(', ')}]) but ${name} has ${model.numClasses}; ` +
        'pick the preset (or YAML) of the data set the checkpoint was trained on',
    );
  }
}

function describeModel(config: SegmenterConfig['model']): string {
  if (typeof config === 'string') return config.includes('\n') ? 'the YAML config' : `preset "${config}"`;
  return 'the model';
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
  const choice = await ensureBackend(config.backend);
  const owned = typeof config.model === 'string' || !('segConfig' in config.model);
  const model = owned ? createSegmentationModel(config.model as string | SegmentationModelConfig) : (config.model as SegmentationModel);
  try {
    if (config.weights !== null) {
      const sd = await loadWeights(config.weights);
      checkCheckpointFits(model, sd, describeModel(config.model));
      model.loadStateDict(sd);
    }
    if (config.fuse ?? true) {
      model.fuse();
      if (owned) releaseUnfusedWeights(model); // the unfused copies are never read again: free them (half the weight memory)
    }
  } catch (e) {
    if (owned) model.dispose();
    throw e;
  }
  const dataset =
    DATASETS[model.segConfig.dataset]?.classNames.length === model.numClasses
      ? DATASETS[model.segConfig.dataset]!
      : genericDataset(model.numClasses);
  let disposed = false;
  return {
    model,
    dataset,
    classNames: dataset.classNames,
    palette: dataset.palette,
    backend: choice.reason,
    async segment(image: ImageInput, options: SegmentOptions = {}): Promise<SegmentationResult> {
      if (disposed) throw new InputError('segment: this segmenter has been disposed');
      const rgb = imageToTensor(image);
      let scores: tf.Tensor3D;
      try {
        scores = await inferScores(model, rgb, { flipPairs: dataset.flipPairs, ...options });
      } finally {
        rgb.dispose();
      }
      const [height, width, numClasses] = scores.shape;
      try {
        const arg = tf.argMax(scores, 2);
        const ids = (await arg.data()) as Int32Array;
        arg.dispose();
        const labels = numClasses <= 256 ? Uint8Array.from(ids) : Uint16Array.from(ids);
        const result: SegmentationResult = { width, height, labels, numClasses, classNames: dataset.classNames };
        if (options.probabilities) {
          const p = tf.tidy(() => tf.div(scores, tf.sum(scores, 2, true)));
          result.probabilities = (await p.data()) as Float32Array;
          p.dispose();
        }
        return result;
      } finally {
        scores.dispose();
      }
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      if (owned) model.dispose();
    },
  };
}
