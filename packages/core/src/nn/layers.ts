import * as tf from '@tensorflow/tfjs-core';
import { ShapeError } from '../errors.js';
import { Module } from './module.js';
import type { Parameter } from './parameter.js';
import { recordMultiplyAdds } from './cost.js';

/** `torch.nn.ReLU`. */
export class ReLU extends Module {
  forward(x: tf.Tensor): tf.Tensor {
    return tf.relu(x);
  }
}

/** `torch.nn.Identity`. */
export class Identity extends Module {
  forward(x: tf.Tensor): tf.Tensor {
    return x;
  }
}

/** `torch.nn.Linear`: weight `[out, in]`, bias `[out]`; input `[N, in]`. */
export class Linear extends Module {
  readonly weight: Parameter;
  readonly bias: Parameter | null;

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    bias = true,
  ) {
    super();
    this.weight = this.addParameter('weight', [outFeatures, inFeatures], 'linear', () =>
      tf.randomNormal([inFeatures, outFeatures], 0, Math.sqrt(1 / inFeatures)),
    );
    this.bias = bias ? this.addParameter('bias', [outFeatures], 'plain', () => tf.zeros([outFeatures])) : null;
  }

  forward(x: tf.Tensor): tf.Tensor {
    if (x.rank !== 2 || x.shape[1] !== this.inFeatures) {
      throw new ShapeError(`Linear: expected [N, ${this.inFeatures}], found [${x.shape.join(', ')}]`);
    }
    recordMultiplyAdds(x.shape[0]! * this.inFeatures * this.outFeatures);
    return tf.fused.matMul({ a: x as tf.Tensor2D, b: this.weight.value as tf.Tensor2D, bias: this.bias?.value });
  }
}

/** Mean over H and W (`F.adaptive_avg_pool2d(x, 1).flatten(1)`): NHWC → `[N, C]`. */
export function globalAvgPool(x: tf.Tensor): tf.Tensor2D {
  return tf.mean(x, [1, 2]) as tf.Tensor2D;
}

/** `nn.AvgPool2d(kernel, stride)` with no padding (`count_include_pad` is moot without padding). */
export function avgPool2d(x: tf.Tensor, kernel: number, stride = kernel): tf.Tensor4D {
  return tf.avgPool(x as tf.Tensor4D, kernel, stride, 'valid');
}

/**
 * Nearest-neighbour upsampling by an integer factor (`nn.Upsample(scale_factor=s, mode='nearest')`):
 * output pixel (y, x) takes input (⌊y/s⌋, ⌊x/s⌋).
 */
export function upsampleNearest(x: tf.Tensor, factor: number): tf.Tensor4D {
  const x4 = x as tf.Tensor4D;
  const [, h, w] = x4.shape;
  return tf.image.resizeNearestNeighbor(x4, [h * factor, w * factor], false, false);
}

/**
 * Bilinear resize to a size, as `F.interpolate(x, size, mode='bilinear', align_corners=…)`.
 * PyTorch's `align_corners=False` samples at half-pixel centres, which is tfjs's `halfPixelCenters`.
 */
export function resizeBilinear(x: tf.Tensor, size: [number, number], alignCorners: boolean): tf.Tensor4D {
  const x4 = x as tf.Tensor4D;
  if (x4.shape[1] === size[0] && x4.shape[2] === size[1]) return x4;
  return tf.image.resizeBilinear(x4, size, alignCorners, !alignCorners);
}

/** `nn.Upsample(scale_factor=s, mode='nearest')` as a child module (no tensors, so no state dict keys). */
export class UpsampleNearest extends Module {
  constructor(readonly factor: number) {
    super();
  }
  forward(x: tf.Tensor): tf.Tensor {
    return upsampleNearest(x, this.factor);
  }
}

/** `torch.nn.GroupNorm(groups, channels, eps=1e-5, affine=True)` on NHWC. */
export class GroupNorm extends Module {
  readonly weight: Parameter;
  readonly bias: Parameter;

  constructor(
    readonly numGroups: number,
    readonly numChannels: number,
    readonly eps = 1e-5,
  ) {
    super();
    if (numChannels % numGroups !== 0) throw new ShapeError(`GroupNorm: ${numGroups} groups do not divide ${numChannels} channels`);
    this.weight = this.addParameter('weight', [numChannels], 'plain', () => tf.ones([numChannels]));
    this.bias = this.addParameter('bias', [numChannels], 'plain', () => tf.zeros([numChannels]));
  }

  forward(x: tf.Tensor): tf.Tensor {
    const [n, h, w, c] = x.shape as [number, number, number, number];
    if (c !== this.numChannels) throw new ShapeError(`GroupNorm: expected ${this.numChannels} channels, found ${c}`);
    const g = this.numGroups;
    const grouped = tf.reshape(x, [n, h * w, g, c / g]);
    const { mean, variance } = tf.moments(grouped, [1, 3], true);
    const normed = tf.div(tf.sub(grouped, mean), tf.sqrt(tf.add(variance, this.eps)));
    return tf.add(tf.mul(tf.reshape(normed, [n, h, w, c]), this.weight.value), this.bias.value);
  }
}
