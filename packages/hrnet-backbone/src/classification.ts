import * as tf from '@tensorflow/tfjs-core';
import { BatchNorm2d, Conv2d, ConfigError, Linear, ModuleList, ReLU, Sequential, getZooEntry, globalAvgPool } from '@hrnetjs/core';
import { Bottleneck, makeLayer } from './blocks.js';
import { type HRNetConfig, backbonePreset, isYamlText, parseBackboneYaml, BACKBONE_PRESETS } from './config.js';
import { HighResolutionTrunk } from './hrnet.js';
import { IMAGENET_CLASSES } from './imagenet-classes.js';
import { CLASSIFY_ZOO } from './zoo.js';

/** Channels of the classification head's incremental Bottleneck per branch (official `head_channels`). */
const HEAD_CHANNELS = [32, 64, 128, 256];

/**
 * The ImageNet classifier of HRNet-Image-Classification (`cls_hrnet.py`): every branch widened by one
 * Bottleneck (`incre_modules`), merged from high to low resolution through stride-2 convs
 * (`downsamp_modules`), a 1x1 conv to 2048 (`final_layer`), global average pooling and `classifier`.
 * Its checkpoints are also the official ImageNet pre-training of every other task.
 */
export class ClassificationHRNet extends HighResolutionTrunk<tf.Tensor> {
  readonly increModules: ModuleList<Sequential>;
  readonly downsampModules: ModuleList<Sequential>;
  readonly finalLayer: Sequential;
  readonly classifier: Linear;

  constructor(config: HRNetConfig, readonly numClasses = 1000) {
    super({ ...config, multiScaleOutput: true });
    const e = Bottleneck.expansion;
    this.increModules = this.addModule(
      'incre_modules',
      new ModuleList(this.featureChannels.map((c, i) => makeLayer('BOTTLENECK', c, HEAD_CHANNELS[i]!, 1))),
    );
    const down: Sequential[] = [];
    for (let i = 0; i < this.featureChannels.length - 1; i++) {
      const inC = HEAD_CHANNELS[i]! * e;
      const outC = HEAD_CHANNELS[i + 1]! * e;
      down.push(new Sequential(new Conv2d(inC, outC, 3, { stride: 2, padding: 1 }), new BatchNorm2d(outC), new ReLU()));
    }
    this.downsampModules = this.addModule('downsamp_modules', new ModuleList(down));
    this.finalLayer = this.addModule(
      'final_layer',
      new Sequential(new Conv2d(HEAD_CHANNELS[3]! * e, 2048, 1), new BatchNorm2d(2048), new ReLU()),
    );
    this.classifier = this.addModule('classifier', new Linear(2048, numClasses));
  }

  /** NHWC batch (ImageNet-normalised RGB, 224x224 in the official evaluation) → logits `[N, classes]`. */
  forward(x: tf.Tensor): tf.Tensor {
    const feats = this.features(x);
    let y = this.increModules.at(0)!.forward(feats[0]!);
    for (let i = 0; i < this.downsampModules.length; i++) {
      y = tf.add(this.increModules.at(i + 1)!.forward(feats[i + 1]!), this.downsampModules.at(i)!.forward(y));
    }
    return this.classifier.forward(globalAvgPool(this.finalLayer.forward(y)));
  }
}

/** Classification presets: the trunk widths of the official ImageNet checkpoints. */
export const CLASSIFICATION_PRESETS = Object.keys(BACKBONE_PRESETS) as (keyof typeof BACKBONE_PRESETS)[];

/** Classification and pose checkpoints fuse with nearest upsampling. */
const CLS_FUSE = { fuseUpsample: { mode: 'nearest' }, multiScaleOutput: true } as const;

/**
 * `createClassificationModel('w18')`, or with the text of an official `cls_hrnet_*.yaml`, or a config
 * object. Returns the raw network (NHWC in, logits out) with random weights: load a checkpoint with
 * `loadStateDict`.
 */
export function createClassificationModel(config: string | HRNetConfig): ClassificationHRNet {
  if (typeof config !== 'string') return new ClassificationHRNet(config);
  if (!isYamlText(config)) {
    const preset = getZooEntry(config, CLASSIFY_ZOO)?.model.preset ?? config; // a zoo name builds its preset
    return new ClassificationHRNet(backbonePreset(normalizePresetName(preset), CLS_FUSE));
  }
  const { config: cfg, model } = parseBackboneYaml(config, CLS_FUSE);
  const classes = model.NUM_CLASSES ?? 1000;
  if (typeof classes !== 'number' || !Number.isInteger(classes) || classes < 1) {
    throw new ConfigError(`MODEL.NUM_CLASSES: expected a positive integer, found ${JSON.stringify(classes)}`);
  }
  return new ClassificationHRNet(cfg, classes);
}

/** Accepts `w18`, `W18`, `hrnet_w18`, `w18_small_v1`, `w18-small-v1`. */
export function normalizePresetName(name: string): string {
  return name.trim().toLowerCase().replace(/^hrnet[_-]?/, '').replace(/_/g, '-');
}

export interface ClassScore {
  index: number;
  name: string;
  probability: number;
}

/**
 * Softmax over the logits and the k most probable classes of each image, as plain objects.
 * `names` defaults to the ImageNet class names.
 */
export async function topK(logits: tf.Tensor, k = 5, names: readonly string[] = IMAGENET_CLASSES): Promise<ClassScore[][]> {
  const probs = tf.tidy(() => tf.softmax(logits.rank === 1 ? tf.expandDims(logits, 0) : logits));
  const { values, indices } = tf.topk(probs, Math.min(k, probs.shape[1]!));
  const [v, idx] = await Promise.all([values.array() as Promise<number[][]>, indices.array() as Promise<number[][]>]);
  tf.dispose([probs, values, indices]);
  return v.map((row, n) => row.map((p, j) => ({ index: idx[n]![j]!, name: names[idx[n]![j]!] ?? `class ${idx[n]![j]}`, probability: p })));
}
