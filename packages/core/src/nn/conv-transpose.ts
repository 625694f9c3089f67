import * as tf from '@tensorflow/tfjs-core';
import { ShapeError } from '../errors.js';
import { Module } from './module.js';
import type { BatchNorm2d } from './batchnorm.js';
import type { Activation } from './conv.js';
import type { Parameter } from './parameter.js';
import { recordMultiplyAdds } from './cost.js';

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
export class ConvTranspose2d extends Module {
  readonly weight: Parameter;
  readonly bias: Parameter | null;
  readonly stride: number;
  readonly padding: number;
  readonly outputPadding: number;
  private folded: { filter: tf.Tensor4D; bias: tf.Tensor1D; activation: Activation } | null = null;

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    readonly kernelSize: number,
    options: ConvTranspose2dOptions = {},
  ) {
    super();
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

  get isFolded(): boolean {
    return this.folded !== null;
  }

  forward(x: tf.Tensor): tf.Tensor {
    if (x.rank !== 4 || x.shape[3] !== this.inChannels) {
      throw new ShapeError(
        `ConvTranspose2d: expected NHWC input with ${this.inChannels} channels, found shape [${x.shape.join(', ')}]`,
      );
    }
    const x4 = x as tf.Tensor4D;
    recordMultiplyAdds(x4.shape[0] * this.cost(x4.shape[1], x4.shape[2]).macs);
    if (this.folded) return this.run(x4, this.folded.filter, this.folded.bias, this.folded.activation);
    return this.run(x4, this.weight.value as tf.Tensor4D, this.bias ? (this.bias.value as tf.Tensor1D) : undefined, 'linear');
  }

  /** deconv → BatchNorm → activation; one op once `foldBatchNorm` has run. */
  forwardWith(x: tf.Tensor, bn: BatchNorm2d | null, activation: Activation): tf.Tensor {
    if (this.folded) {
      if (this.folded.activation !== activation) {
        throw new ShapeError(`ConvTranspose2d: folded with ${this.folded.activation} but called with ${activation}`);
      }
      return this.forward(x);
    }
    let y = this.forward(x);
    if (bn) y = bn.forward(y);
    return activation === 'relu' ? tf.relu(y) : y;
  }

  /**
   * Folds an eval-mode BatchNorm after this layer into it (scale on the filter's output axis 2, shift into the
   * bias) and fuses the activation. `stateDict()` is unchanged.
   */
  foldBatchNorm(bn: BatchNorm2d | null, activation: Activation): void {
    if (this.folded) throw new ShapeError('ConvTranspose2d: already folded');
    const next = tf.tidy(() => {
      let filter = this.weight.value as tf.Tensor4D;
      let bias: tf.Tensor1D = this.bias ? (this.bias.value as tf.Tensor1D) : tf.zeros([this.outChannels]);
      if (bn) {
        const { scale, shift } = bn.affine();
        filter = tf.mul(filter, tf.reshape(scale, [1, 1, -1, 1]));
        bias = tf.add(tf.mul(bias, scale), shift);
      }
      return { filter: tf.keep(filter.clone()), bias: tf.keep(bias.clone()) };
    });
    this.folded = { ...next, activation };
    bn?.markFolded();
  }

  private run(x: tf.Tensor4D, filter: tf.Tensor4D, bias: tf.Tensor1D | undefined, activation: Activation): tf.Tensor4D {
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

  override dispose(): void {
    this.folded?.filter.dispose();
    this.folded?.bias.dispose();
    this.folded = null;
    super.dispose();
  }
}
