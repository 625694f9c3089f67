import * as tf from '@tensorflow/tfjs-core';
import { ShapeError } from '../errors.js';
import { Module } from './module.js';
import type { Parameter } from './parameter.js';
import { recordMultiplyAdds } from './cost.js';
import { recordComposite } from '../onnx/record.js';

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

/**
 * `F.adaptive_avg_pool2d(x, size)` on NHWC. PyTorch's bins are rows ⌊i·H/h⌋ … ⌈(i+1)·H/h⌉ − 1; when the size
 * divides the input they are the non-overlapping `factor × factor` windows of one average pool.
 */
export function adaptiveAvgPool2d(x: tf.Tensor, size: [number, number]): tf.Tensor4D {
  const x4 = x as tf.Tensor4D;
  const [, h, w] = x4.shape;
  const [oh, ow] = size;
  if (!(Number.isInteger(oh) && Number.isInteger(ow) && oh >= 1 && ow >= 1)) {
    throw new ShapeError(`adaptiveAvgPool2d: expected a positive integer size, found [${size.join(', ')}]`);
  }
  if (h === oh && w === ow) return x4;
  if (h % oh === 0 && w % ow === 0) return tf.avgPool(x4, [h / oh, w / ow], [h / oh, w / ow], 'valid');
  const rows: tf.Tensor[] = [];
  for (let i = 0; i < oh; i++) {
    const y0 = Math.floor((i * h) / oh);
    const y1 = Math.ceil(((i + 1) * h) / oh);
    const cols: tf.Tensor[] = [];
    for (let j = 0; j < ow; j++) {
      const x0 = Math.floor((j * w) / ow);
      const x1 = Math.ceil(((j + 1) * w) / ow);
      cols.push(tf.mean(tf.slice(x4, [0, y0, x0, 0], [-1, y1 - y0, x1 - x0, -1]), [1, 2], true));
    }
    rows.push(tf.concat(cols, 2));
  }
  return tf.concat(rows, 1) as tf.Tensor4D;
}

/**
 * `channel_shuffle(x, groups)` of ShuffleNet (mmpose/mmcls): PyTorch's view (N, g, C/g, H, W) → transpose(1, 2)
 * → flatten, i.e. output channel k·g + i is input channel i·(C/g) + k. On NHWC the same as a reshape to
 * (…, g, C/g), a swap of the last two axes and a flatten.
 */
export function channelShuffle(x: tf.Tensor, groups: number): tf.Tensor4D {
  const [n, h, w, c] = x.shape as [number, number, number, number];
  if (c % groups !== 0) throw new ShapeError(`channelShuffle: ${groups} groups do not divide ${c} channels`);
  const t = tf.transpose(tf.reshape(x, [n, h, w, groups, c / groups]), [0, 1, 2, 4, 3]);
  return tf.reshape(t, [n, h, w, c]) as tf.Tensor4D;
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
    // exported as one layer (Reshape → InstanceNormalization → Reshape → affine, all NCHW, as torch.onnx writes
    // GroupNorm below opset 18): the NHWC reshapes below would otherwise put two Transposes around every GroupNorm
    const [weight, bias] = [this.weight.value, this.bias.value];
    return recordComposite('hrnet.GroupNorm', { x, weight, bias }, { numGroups: g, eps: this.eps }, () =>
      tf.tidy(() => {
        const grouped = tf.reshape(x, [n, h * w, g, c / g]);
        const { mean, variance } = tf.moments(grouped, [1, 3], true);
        const normed = tf.div(tf.sub(grouped, mean), tf.sqrt(tf.add(variance, this.eps)));
        return tf.add(tf.mul(tf.reshape(normed, [n, h, w, c]), weight), bias);
      }),
    );
  }
}
