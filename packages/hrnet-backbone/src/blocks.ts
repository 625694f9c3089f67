import * as tf from '@tensorflow/tfjs-core';
import { BatchNorm2d, Conv2d, Module, Sequential } from '@hrnetjs/core';
import type { BlockType } from './config.js';

/** Residual blocks of the official code; `expansion` multiplies `planes` into output channels. */
export interface ResidualBlock extends Module {
  readonly outChannels: number;
}

function downsampleFor(inplanes: number, outChannels: number, stride: number): Sequential | null {
  if (stride === 1 && inplanes === outChannels) return null;
  return new Sequential(new Conv2d(inplanes, outChannels, 1, { stride, bias: false }), new BatchNorm2d(outChannels));
}

/** `BasicBlock`: 3x3 → BN → ReLU → 3x3 → BN, plus the (projected) input, → ReLU. Expansion 1. */
export class BasicBlock extends Module implements ResidualBlock {
  static readonly expansion = 1;
  readonly outChannels: number;
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  readonly conv2: Conv2d;
  readonly bn2: BatchNorm2d;
  readonly downsample: Sequential | null;

  constructor(inplanes: number, planes: number, stride = 1) {
    super();
    this.outChannels = planes;
    this.conv1 = this.addModule('conv1', new Conv2d(inplanes, planes, 3, { stride, padding: 1, bias: false }));
    this.bn1 = this.addModule('bn1', new BatchNorm2d(planes));
    this.conv2 = this.addModule('conv2', new Conv2d(planes, planes, 3, { padding: 1, bias: false }));
    this.bn2 = this.addModule('bn2', new BatchNorm2d(planes));
    this.downsample = this.addModule('downsample', downsampleFor(inplanes, planes, stride));
  }

  forward(x: tf.Tensor): tf.Tensor {
    const out = this.conv2.forwardWith(this.conv1.forwardWith(x, this.bn1, 'relu'), this.bn2, 'linear');
    return tf.relu(tf.add(out, this.downsample ? this.downsample.forward(x) : x));
  }

  override fuse(): this {
    this.conv1.foldBatchNorm(this.bn1, 'relu');
    this.conv2.foldBatchNorm(this.bn2, 'linear');
    return super.fuse();
  }
}

/** `Bottleneck`: 1x1 → 3x3 (stride) → 1x1 to 4·planes, each with BN, plus the input, → ReLU. Expansion 4. */
export class Bottleneck extends Module implements ResidualBlock {
  static readonly expansion = 4;
  readonly outChannels: number;
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  readonly conv2: Conv2d;
  readonly bn2: BatchNorm2d;
  readonly conv3: Conv2d;
  readonly bn3: BatchNorm2d;
  readonly downsample: Sequential | null;

  constructor(inplanes: number, planes: number, stride = 1) {
    super();
    this.outChannels = planes * Bottleneck.expansion;
    this.conv1 = this.addModule('conv1', new Conv2d(inplanes, planes, 1, { bias: false }));
    this.bn1 = this.addModule('bn1', new BatchNorm2d(planes));
    this.conv2 = this.addModule('conv2', new Conv2d(planes, planes, 3, { stride, padding: 1, bias: false }));
    this.bn2 = this.addModule('bn2', new BatchNorm2d(planes));
    this.conv3 = this.addModule('conv3', new Conv2d(planes, this.outChannels, 1, { bias: false }));
    this.bn3 = this.addModule('bn3', new BatchNorm2d(this.outChannels));
    this.downsample = this.addModule('downsample', downsampleFor(inplanes, this.outChannels, stride));
  }

  forward(x: tf.Tensor): tf.Tensor {
    let out = this.conv1.forwardWith(x, this.bn1, 'relu');
    out = this.conv2.forwardWith(out, this.bn2, 'relu');
    out = this.conv3.forwardWith(out, this.bn3, 'linear');
    return tf.relu(tf.add(out, this.downsample ? this.downsample.forward(x) : x));
  }

  override fuse(): this {
    this.conv1.foldBatchNorm(this.bn1, 'relu');
    this.conv2.foldBatchNorm(this.bn2, 'relu');
    this.conv3.foldBatchNorm(this.bn3, 'linear');
    return super.fuse();
  }
}

export function expansionOf(block: BlockType): number {
  return block === 'BASIC' ? BasicBlock.expansion : Bottleneck.expansion;
}

/**
 * `_make_layer`: `blocks` residual blocks, the first taking `inplanes` (with a 1x1 projection when the
 * channels or stride change). Keys: `<name>.<i>.conv1.weight`, `<name>.0.downsample.0.weight`, …
 */
export function makeLayer(block: BlockType, inplanes: number, planes: number, blocks: number, stride = 1): Sequential {
  const Block = block === 'BASIC' ? BasicBlock : Bottleneck;
  const layers: Module[] = [new Block(inplanes, planes, stride)];
  const out = planes * Block.expansion;
  for (let i = 1; i < blocks; i++) layers.push(new Block(out, planes));
  return new Sequential(...layers);
}
