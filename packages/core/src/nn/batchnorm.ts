import * as tf from '@tensorflow/tfjs-core';
import { ShapeError } from '../errors.js';
import { Module } from './module.js';
import type { Parameter } from './parameter.js';

/** PyTorch's BatchNorm epsilon (tfjs/Keras default to 1e-3, which would shift every official output). */
export const BATCHNORM_EPS = 1e-5;

/** `torch.nn.BatchNorm2d` in eval mode: running statistics, affine γ/β, ε = 1e-5. */
export class BatchNorm2d extends Module {
  readonly weight: Parameter;
  readonly bias: Parameter;
  readonly runningMean: Parameter;
  readonly runningVar: Parameter;
  private folded = false;

  constructor(
    readonly numFeatures: number,
    readonly eps = BATCHNORM_EPS,
  ) {
    super();
    const c = numFeatures;
    this.weight = this.addParameter('weight', [c], 'plain', () => tf.ones([c]));
    this.bias = this.addParameter('bias', [c], 'plain', () => tf.zeros([c]));
    this.runningMean = this.addBuffer('running_mean', [c], () => tf.zeros([c]));
    this.runningVar = this.addBuffer('running_var', [c], () => tf.ones([c]));
    this.addCounter('num_batches_tracked');
  }

  /** The per-channel affine map y = x·scale + shift that this layer computes in eval mode. */
  affine(): { scale: tf.Tensor1D; shift: tf.Tensor1D } {
    return tf.tidy(() => {
      const scale = tf.div(this.weight.value, tf.sqrt(tf.add(this.runningVar.value, this.eps))) as tf.Tensor1D;
      const shift = tf.sub(this.bias.value, tf.mul(this.runningMean.value, scale)) as tf.Tensor1D;
      return { scale, shift };
    });
  }

  get isFolded(): boolean {
    return this.folded;
  }

  /** Called by `Conv2d.foldBatchNorm`: this layer's work now happens inside the conv. */
  markFolded(): void {
    this.folded = true;
  }

  forward(x: tf.Tensor): tf.Tensor {
    if (this.folded) return x;
    if (x.shape[x.rank - 1] !== this.numFeatures) {
      throw new ShapeError(`BatchNorm2d: expected ${this.numFeatures} channels, found shape [${x.shape.join(', ')}]`);
    }
    return tf.batchNorm(x, this.runningMean.value, this.runningVar.value, this.bias.value, this.weight.value, this.eps);
  }
}
