import * as tf from '@tensorflow/tfjs-core';
import { ShapeError } from '../errors.js';
import { Module } from './module.js';
import type { BatchNorm2d } from './batchnorm.js';
import type { Parameter } from './parameter.js';
import { recordMultiplyAdds } from './cost.js';

export interface Conv2dOptions {
  stride?: number;
  /** Symmetric zero padding on every side, as PyTorch's `padding` (never tfjs's uneven `'same'`). */
  padding?: number;
  dilation?: number;
  groups?: number;
  bias?: boolean;
}

export type Activation = 'linear' | 'relu';

/** `torch.nn.Conv2d` (NHWC in, NHWC out). Weight `[out, in/groups, k, k]`, bias `[out]`. */
export class Conv2d extends Module {
  readonly weight: Parameter;
  readonly bias: Parameter | null;
  readonly stride: number;
  readonly padding: number;
  readonly dilation: number;
  readonly groups: number;
  private folded: { filter: tf.Tensor4D; bias: tf.Tensor1D; activation: Activation } | null = null;

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    readonly kernelSize: number,
    options: Conv2dOptions = {},
  ) {
    super();
    this.stride = options.stride ?? 1;
    this.padding = options.padding ?? 0;
    this.dilation = options.dilation ?? 1;
    this.groups = options.groups ?? 1;
    if (inChannels % this.groups !== 0 || outChannels % this.groups !== 0) {
      throw new ShapeError(`Conv2d: groups ${this.groups} must divide in ${inChannels} and out ${outChannels}`);
    }
    const k = kernelSize;
    const depthwise = this.groups > 1 && this.groups === inChannels && outChannels === inChannels;
    const fanIn = (inChannels / this.groups) * k * k;
    // Random initialisation (N(0, 1/fan_in)) keeps activations in range when no checkpoint is loaded.
    this.weight = this.addParameter(
      'weight',
      [outChannels, inChannels / this.groups, k, k],
      depthwise ? 'depthwise' : 'conv',
      () =>
        depthwise
          ? tf.randomNormal([k, k, inChannels, 1], 0, Math.sqrt(1 / fanIn))
          : tf.randomNormal([k, k, inChannels / this.groups, outChannels], 0, Math.sqrt(1 / fanIn)),
    );
    this.bias = options.bias === false ? null : this.addParameter('bias', [outChannels], 'plain', () => tf.zeros([outChannels]));
  }

  /** Multiply-adds of one pass on an input of `h × w` (for benchmarks), and the output size. */
  cost(h: number, w: number): { macs: number; h: number; w: number } {
    const oh = Math.floor((h + 2 * this.padding - this.dilation * (this.kernelSize - 1) - 1) / this.stride) + 1;
    const ow = Math.floor((w + 2 * this.padding - this.dilation * (this.kernelSize - 1) - 1) / this.stride) + 1;
    const macs = oh * ow * this.outChannels * (this.inChannels / this.groups) * this.kernelSize * this.kernelSize;
    return { macs, h: oh, w: ow };
  }

  get isFolded(): boolean {
    return this.folded !== null;
  }

  forward(x: tf.Tensor): tf.Tensor {
    if (x.rank !== 4 || x.shape[3] !== this.inChannels) {
      throw new ShapeError(`Conv2d: expected NHWC input with ${this.inChannels} channels, found shape [${x.shape.join(', ')}]`);
    }
    const x4 = x as tf.Tensor4D;
    recordMultiplyAdds(x4.shape[0] * this.cost(x4.shape[1], x4.shape[2]).macs);
    if (this.folded) return this.run(x4, this.folded.filter, this.folded.bias, this.folded.activation);
    return this.run(x4, this.weight.value as tf.Tensor4D, this.bias ? (this.bias.value as tf.Tensor1D) : undefined, 'linear');
  }

  /**
   * conv → BatchNorm → activation, the pattern every HRNet layer uses. Once `foldBatchNorm` has run it is one
   * fused conv; before, each op runs as in PyTorch.
   */
  forwardWith(x: tf.Tensor, bn: BatchNorm2d | null, activation: Activation): tf.Tensor {
    if (this.folded) {
      if (this.folded.activation !== activation) {
        throw new ShapeError(`Conv2d: folded with ${this.folded.activation} but called with ${activation}`);
      }
      return this.forward(x);
    }
    let y = this.forward(x);
    if (bn) y = bn.forward(y);
    return activation === 'relu' ? tf.relu(y) : y;
  }

  /**
   * Folds `bn` (eval mode) into this conv: W' = W·γ/√(σ²+ε) per output channel, b' = β + (b − μ)·γ/√(σ²+ε),
   * and fuses the activation, so inference runs one `tf.fused.conv2d`. The BatchNorm is marked folded and
   * becomes the identity. The original tensors stay, so `stateDict()` is unchanged.
   */
  foldBatchNorm(bn: BatchNorm2d | null, activation: Activation): void {
    if (this.folded) throw new ShapeError('Conv2d: already folded');
    const next = tf.tidy(() => {
      let filter = this.weight.value as tf.Tensor4D;
      let bias: tf.Tensor1D = this.bias ? (this.bias.value as tf.Tensor1D) : tf.zeros([this.outChannels]);
      if (bn) {
        const { scale, shift } = bn.affine();
        // out channel is the last axis in HWIO and (for depthwise, multiplier 1) in [kh, kw, C, 1] it is axis 2
        filter = this.weight.layout === 'depthwise' ? tf.mul(filter, tf.reshape(scale, [1, 1, -1, 1])) : tf.mul(filter, scale);
        bias = tf.add(tf.mul(bias, scale), shift);
      }
      return { filter: tf.keep(filter.clone()), bias: tf.keep(bias.clone()) };
    });
    this.folded = { ...next, activation };
    bn?.markFolded();
  }

  private run(x: tf.Tensor4D, filter: tf.Tensor4D, bias: tf.Tensor1D | undefined, activation: Activation): tf.Tensor4D {
    const pad = this.padding;
    if (this.weight.layout === 'depthwise') {
      return tf.fused.depthwiseConv2d({ x, filter, strides: this.stride, pad, dilations: this.dilation, bias, activation });
    }
    if (this.groups === 1) {
      return tf.fused.conv2d({ x, filter, strides: this.stride, pad, dilations: this.dilation, bias, activation });
    }
    // Grouped conv (not depthwise): tfjs has no `groups`, so run each group and concatenate.
    const g = this.groups;
    const xs = tf.split(x, g, 3) as tf.Tensor4D[];
    const fs = tf.split(filter, g, 3) as tf.Tensor4D[];
    const bs = bias ? tf.split(bias, g, 0) : [];
    const ys = xs.map((xi, i) =>
      tf.fused.conv2d({ x: xi, filter: fs[i]!, strides: this.stride, pad, dilations: this.dilation, bias: bs[i], activation }),
    );
    return tf.concat(ys, 3) as tf.Tensor4D;
  }

  override dispose(): void {
    this.folded?.filter.dispose();
    this.folded?.bias.dispose();
    this.folded = null;
    super.dispose();
  }
}
