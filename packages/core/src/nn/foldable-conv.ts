import * as tf from '@tensorflow/tfjs-core';
import { ShapeError } from '../errors.js';
import { Module } from './module.js';
import type { BatchNorm2d } from './batchnorm.js';
import type { Parameter } from './parameter.js';
import { recordMultiplyAdds } from './cost.js';

export type Activation = 'linear' | 'relu';

/**
 * What `Conv2d` and `ConvTranspose2d` share: a weight and optional bias, the NHWC input check, cost recording,
 * and folding an eval-mode BatchNorm + activation into the layer so inference runs one fused op. Subclasses say
 * only how they run, what they cost, and along which filter axis the output channels lie.
 */
export abstract class FoldableConv extends Module {
  abstract readonly weight: Parameter;
  abstract readonly bias: Parameter | null;
  private folded: { filter: tf.Tensor4D; bias: tf.Tensor1D; activation: Activation } | null = null;

  protected constructor(
    /** The PyTorch class name, for messages. */
    private readonly layerName: string,
    readonly inChannels: number,
    readonly outChannels: number,
    readonly kernelSize: number,
  ) {
    super();
  }

  /** Multiply-adds of one pass on an input of `h × w` (for benchmarks), and the output size. */
  abstract cost(h: number, w: number): { macs: number; h: number; w: number };

  /** One pass with the given filter (tfjs layout), bias and activation. */
  protected abstract run(x: tf.Tensor4D, filter: tf.Tensor4D, bias: tf.Tensor1D | undefined, activation: Activation): tf.Tensor4D;

  /** `filter` scaled per output channel by `scale` (the output-channel axis depends on the layer's filter layout). */
  protected abstract scaleOutputChannels(filter: tf.Tensor4D, scale: tf.Tensor1D): tf.Tensor4D;

  get isFolded(): boolean {
    return this.folded !== null;
  }

  forward(x: tf.Tensor): tf.Tensor {
    if (x.rank !== 4 || x.shape[3] !== this.inChannels) {
      throw new ShapeError(
        `${this.layerName}: expected NHWC input with ${this.inChannels} channels, found shape [${x.shape.join(', ')}]`,
      );
    }
    const x4 = x as tf.Tensor4D;
    recordMultiplyAdds(x4.shape[0] * this.cost(x4.shape[1], x4.shape[2]).macs);
    if (this.folded) return this.run(x4, this.folded.filter, this.folded.bias, this.folded.activation);
    return this.run(x4, this.weight.value as tf.Tensor4D, this.bias ? (this.bias.value as tf.Tensor1D) : undefined, 'linear');
  }

  /**
   * layer → BatchNorm → activation, the pattern every HRNet layer uses. Once `foldBatchNorm` has run it is one
   * fused op; before, each op runs as in PyTorch.
   */
  forwardWith(x: tf.Tensor, bn: BatchNorm2d | null, activation: Activation): tf.Tensor {
    if (this.folded) {
      if (this.folded.activation !== activation) {
        throw new ShapeError(`${this.layerName}: folded with ${this.folded.activation} but called with ${activation}`);
      }
      return this.forward(x);
    }
    let y = this.forward(x);
    if (bn) y = bn.forward(y);
    return activation === 'relu' ? tf.relu(y) : y;
  }

  /**
   * Folds `bn` (eval mode) into this layer: W' = W·γ/√(σ²+ε) per output channel, b' = β + (b − μ)·γ/√(σ²+ε),
   * and fuses the activation. The BatchNorm is marked folded and becomes the identity. The original tensors
   * stay, so `stateDict()` is unchanged.
   */
  foldBatchNorm(bn: BatchNorm2d | null, activation: Activation): void {
    if (this.folded) throw new ShapeError(`${this.layerName}: already folded`);
    const next = tf.tidy(() => {
      let filter = this.weight.value as tf.Tensor4D;
      let bias: tf.Tensor1D = this.bias ? (this.bias.value as tf.Tensor1D) : tf.zeros([this.outChannels]);
      if (bn) {
        const { scale, shift } = bn.affine();
        filter = this.scaleOutputChannels(filter, scale);
        bias = tf.add(tf.mul(bias, scale), shift);
      }
      return { filter: tf.keep(filter.clone()), bias: tf.keep(bias.clone()) };
    });
    this.folded = { ...next, activation };
    bn?.markFolded();
  }

  override dispose(): void {
    this.folded?.filter.dispose();
    this.folded?.bias.dispose();
    this.folded = null;
    super.dispose();
  }
}
