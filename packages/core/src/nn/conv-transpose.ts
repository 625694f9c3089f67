import * as tf from '@tensorflow/tfjs-core';
import { ShapeError } from '../errors.js';
import { FoldableConv, type Activation } from './foldable-conv.js';
import type { Parameter } from './parameter.js';

export interface ConvTranspose2dOptions {
  stride?: number;
  /** PyTorch's `padding`: `dilation·(k−1)−padding` zeros are, in effect, added to each side of the input. */
  padding?: number;
  /** PyTorch's `output_padding`: extra rows/columns on the bottom/right of the output (must be < stride). */
  outputPadding?: number;
  bias?: boolean;
}

/**
 * `torch.nn.ConvTranspose2d` (NHWC in, NHWC out), groups 1 and dilation 1 (what every HRNet-family head uses).
 * Weight in PyTorch layout `[in, out, k, k]`, bias `[out]`. Output size `(in − 1)·stride − 2·padding + k +
 * output_padding`, as PyTorch. It runs as tfjs's `conv2dTranspose` (the input gradient of a conv with the same
 * filter), which is PyTorch's definition: no kernel flip, the filter's axes only permuted.
 */
export class ConvTranspose2d extends FoldableConv {
  readonly weight: Parameter;
  readonly bias: Parameter | null;
  readonly stride: number;
  readonly padding: number;
  readonly outputPadding: number;

  constructor(inChannels: number, outChannels: number, kernelSize: number, options: ConvTranspose2dOptions = {}) {
    super('ConvTranspose2d', inChannels, outChannels, kernelSize);
    this.stride = options.stride ?? 1;
    this.padding = options.padding ?? 0;
    this.outputPadding = options.outputPadding ?? 0;
    const k = kernelSize;
    if (!Number.isInteger(k) || k < 1 || this.stride < 1 || this.padding < 0) {
      throw new ShapeError(`ConvTranspose2d: bad kernel ${k}, stride ${this.stride} or padding ${this.padding}`);
    }
    if (this.outputPadding < 0 || this.outputPadding >= this.stride) {
      throw new ShapeError(`ConvTranspose2d: output_padding ${this.outputPadding} must be in [0, stride ${this.stride})`);
    }
    if (this.padding > k - 1) {
      // tfjs computes the transposed conv as a conv over the input padded by k−1−padding; that must not be negative
      throw new ShapeError(`ConvTranspose2d: padding ${this.padding} larger than kernel − 1 (${k - 1}) is not supported`);
    }
    // PyTorch's fan-in for a transposed weight [in, out, k, k] is out·k·k; scaled by the stride² overlap
    const fanIn = (inChannels * k * k) / (this.stride * this.stride);
    this.weight = this.addParameter('weight', [inChannels, outChannels, k, k], 'convTranspose', () =>
      tf.randomNormal([k, k, outChannels, inChannels], 0, Math.sqrt(1 / fanIn)),
    );
    this.bias = options.bias === false ? null : this.addParameter('bias', [outChannels], 'plain', () => tf.zeros([outChannels]));
  }

  /** Output `h × w` for an input of `h × w`. */
  outputSize(h: number, w: number): [number, number] {
    const f = (n: number) => (n - 1) * this.stride - 2 * this.padding + this.kernelSize + this.outputPadding;
    return [f(h), f(w)];
  }

  /** Multiply-adds of one pass on an input of `h × w`: every input pixel meets the whole kernel once. */
  cost(h: number, w: number): { macs: number; h: number; w: number } {
    const [oh, ow] = this.outputSize(h, w);
    return { macs: h * w * this.inChannels * this.outChannels * this.kernelSize * this.kernelSize, h: oh, w: ow };
  }

  protected scaleOutputChannels(filter: tf.Tensor4D, scale: tf.Tensor1D): tf.Tensor4D {
    // the transposed filter is [kh, kw, out, in]: output channels on axis 2
    return tf.mul(filter, tf.reshape(scale, [1, 1, -1, 1]));
  }

  protected run(x: tf.Tensor4D, filter: tf.Tensor4D, bias: tf.Tensor1D | undefined, activation: Activation): tf.Tensor4D {
    const [n, h, w] = x.shape;
    const [oh, ow] = this.outputSize(h, w);
    return tf.tidy(() => {
      // tfjs has no output_padding: ask for the output without it (the input gradient of a conv whose padding is
      // `padding`), then the extra bottom/right rows only see the kernel taps that reach them.
      let y: tf.Tensor4D;
      if (this.outputPadding === 0) {
        y = tf.conv2dTranspose(x, filter, [n, oh, ow, this.outChannels], this.stride, this.padding);
      } else {
        y = this.withOutputPadding(x, filter, oh, ow);
      }
      if (bias) y = tf.add(y, bias);
      return activation === 'relu' ? tf.relu(y) : y;
    });
  }

  /**
   * output_padding > 0: the input dilated by the stride, padded by k−1−p (top/left) and k−1−p+op (bottom/right),
   * then a stride-1 conv with the spatially flipped, in/out-swapped filter. This is the textbook identity for a
   * transposed conv and needs no backend support for uneven output shapes.
   */
  private withOutputPadding(x: tf.Tensor4D, filter: tf.Tensor4D, oh: number, ow: number): tf.Tensor4D {
    const [n, h, w, c] = x.shape;
    const s = this.stride;
    const k = this.kernelSize;
    const p = k - 1 - this.padding;
    let d: tf.Tensor4D = x;
    if (s > 1) {
      // interleave zeros: [n, h, 1, w, 1, c] padded to [n, h, s, w, s, c], trimmed to (h−1)·s+1 rows/columns
      const padded = tf.pad(tf.reshape(x, [n, h, 1, w, 1, c]), [[0, 0], [0, 0], [0, s - 1], [0, 0], [0, s - 1], [0, 0]]);
      d = tf.slice(tf.reshape(padded, [n, h * s, w * s, c]), [0, 0, 0, 0], [n, (h - 1) * s + 1, (w - 1) * s + 1, c]) as tf.Tensor4D;
    }
    const op = this.outputPadding;
    const withPad = tf.pad(d, [[0, 0], [p, p + op], [p, p + op], [0, 0]]);
    // [kh, kw, out, in] → flipped [kh, kw, in, out] for a plain conv
    const flipped = tf.reverse(tf.transpose(filter, [0, 1, 3, 2]), [0, 1]) as tf.Tensor4D;
    const y = tf.conv2d(withPad, flipped, 1, 'valid');
    if (y.shape[1] !== oh || y.shape[2] !== ow) throw new ShapeError(`ConvTranspose2d: internal size ${y.shape} ≠ ${oh}x${ow}`);
    return y;
  }
}
