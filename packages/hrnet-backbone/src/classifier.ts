import * as tf from '@tensorflow/tfjs-core';
import {
  describeValue,
  type ImageInput,
  imageToTensor,
  InputError,
  type NetworkSpec,
  normalizeImageNet,
  type PreparedNetwork,
  prepareNetwork,
  type TaskConfig,
  TaskObject,
} from '@hrnetjs/core';
import { loadYamlSupportFor } from './config.js';
import { type ClassScore, ClassificationHRNet, createClassificationModel, topK } from './classification.js';
import type { HRNetConfig } from './config.js';
import { IMAGENET_CLASSES } from './imagenet-classes.js';
import { CLASSIFY_ZOO } from './zoo.js';

/** The official validation transform (`Resize(int(224 / 0.875))`, `CenterCrop(224)`) and top-k. */
export const CLASSIFIER_DEFAULTS = Object.freeze({
  /** Short side after the resize: `int(224 / 0.875)` = 256. */
  resizeShortSide: 256,
  /** Centre crop side. */
  cropSize: 224,
  /** Classes returned. */
  topK: 5,
});

/**
 * `createClassifier`'s options: the factory contract's (`model`, `weights`, `keyMapping`, `backend`, `engine`,
 * `fuse`, … — see core's `TaskConfig`) plus the class names. `model` is a zoo name, a preset (`'w18'`,
 * `'w18-small-v1'`, …), an official `cls_hrnet_*.yaml`, a config, or a built `ClassificationHRNet`.
 */
export interface ClassifierConfig extends TaskConfig<HRNetConfig, ClassificationHRNet> {
  /** Names of the classes (default the 1000 ImageNet names). */
  classNames?: readonly string[];
}

export interface ClassifyOptions {
  /** How many classes to return, most probable first (default 5). */
  topK?: number;
}

/** What the factory contract needs to know about classification networks. */
export const CLASSIFICATION_NETWORK: NetworkSpec<ClassificationHRNet, HRNetConfig> = {
  factory: 'createClassifier',
  task: 'classify',
  zoo: CLASSIFY_ZOO,
  build: (model) => createClassificationModel(model),
  prepare: loadYamlSupportFor, // the YAML parser is loaded only for YAML text (DESIGN.md)
  isNetwork: (value): value is ClassificationHRNet => value instanceof ClassificationHRNet,
};

/**
 * ImageNet classification as the official validation does it: the short side resized to 256 (bilinear), a
 * centre crop of 224, ImageNet mean/std, softmax, top-k.
 *
 * @example
 * const classifier = await createClassifier({ model: 'w18', weights: bytes });
 * const [best] = await classifier.classify(image); // { index, name, probability }
 */
export async function createClassifier(config: ClassifierConfig): Promise<Classifier> {
  const names = config?.classNames;
  if (names !== undefined && !(Array.isArray(names) && names.every((n) => typeof n === 'string'))) {
    throw new InputError(`classNames: expected an array of strings, found ${describeValue(names)}`);
  }
  const prepared = await prepareNetwork(config, CLASSIFICATION_NETWORK);
  return new Classifier(prepared, names ?? IMAGENET_CLASSES);
}

/** An HRNet ImageNet classifier. Create with {@link createClassifier}. */
export class Classifier extends TaskObject<ClassificationHRNet> {
  /** @internal use {@link createClassifier} */
  constructor(
    prepared: PreparedNetwork<ClassificationHRNet>,
    readonly classNames: readonly string[],
  ) {
    super(prepared);
  }

  /**
   * The official validation crop of one image, `[1, 224, 224, 3]` normalised: torchvision's `Resize(256)`
   * (bilinear at half-pixel centres, as PIL samples) and `CenterCrop(224)` (offsets `round((side − 224) / 2)`).
   * The caller disposes it.
   */
  preprocess(image: ImageInput): tf.Tensor4D {
    const { resizeShortSide: side, cropSize: crop } = CLASSIFIER_DEFAULTS;
    return tf.tidy(() => {
      const rgb = imageToTensor(image);
      const [h, w] = rgb.shape;
      const s = side / Math.min(h, w);
      const rh = Math.max(crop, Math.round(h * s));
      const rw = Math.max(crop, Math.round(w * s));
      const resized = tf.image.resizeBilinear(rgb, [rh, rw], false, true);
      const top = Math.round((rh - crop) / 2);
      const left = Math.round((rw - crop) / 2);
      return normalizeImageNet(tf.expandDims(tf.slice(resized, [top, left, 0], [crop, crop, 3]), 0)) as tf.Tensor4D;
    });
  }

  /** The most probable classes of one image, most probable first. */
  async classify(image: ImageInput, options: ClassifyOptions = {}): Promise<ClassScore[]> {
    this.assertLive('classify');
    const k = options.topK ?? CLASSIFIER_DEFAULTS.topK;
    if (!(Number.isInteger(k) && k >= 1)) throw new InputError(`topK: expected a positive integer, found ${describeValue(k)}`);
    const input = this.preprocess(image);
    let logits: tf.Tensor;
    try {
      logits = await this.runNetwork<tf.Tensor>(input);
    } finally {
      input.dispose();
    }
    try {
      const [top] = await topK(logits, k, this.classNames);
      return top!;
    } finally {
      logits.dispose();
    }
  }
}
