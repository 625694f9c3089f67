import * as tf from '@tensorflow/tfjs-core';
import { ShapeError } from '../errors.js';
import { FoldableConv, type Activation } from './foldable-conv.js';
import type { Parameter } from './parameter.js';

export interface Conv2dOptions {
  stride?: number;
  /** Symmetric zero padding on every side, as PyTorch's `padding` (never tfjs's uneven `'same'`). */
  padding?: number;
  dilation?: number;
  groups?: number;
  bias?: boolean;
}

export type { Activation };

/** `torch.nn.Conv2d` (NHWC in, NHWC out). Weight `[out, in/groups, k, k]`, bias `[out]`. */
export class Conv2d extends FoldableConv {
  readonly weight: Parameter;
  readonly bias: Parameter | null;
  readonly stride: number;
  readonly padding: number;
  readonly dilation: number;
  readonly groups: number;

  constructor(inChannels: number, outChannels: number, kernelSize: number, options: Conv2dOptions = {}) {
    super('Conv2d', inChannels, outChannels, kernelSize);
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

  protected scaleOutputChannels(filter: tf.Tensor4D, scale: tf.Tensor1D): tf.Tensor4D {
    // out channel is the last axis in HWIO and (for depthwise, multiplier 1) in [kh, kw, C, 1] it is axis 2
    return this.weight.layout === 'depthwise' ? tf.mul(filter, tf.reshape(scale, [1, 1, -1, 1])) : tf.mul(filter, scale);
  }

  protected run(x: tf.Tensor4D, filter: tf.Tensor4D, bias: tf.Tensor1D | undefined, activation: Activation): tf.Tensor4D {
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
}
