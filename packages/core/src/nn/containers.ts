import * as tf from '@tensorflow/tfjs-core';
import { BatchNorm2d } from './batchnorm.js';
import { Conv2d } from './conv.js';
import { ConvTranspose2d } from './conv-transpose.js';
import { ReLU } from './layers.js';
import { Module } from './module.js';

/**
 * `torch.nn.ModuleList`: children named `0, 1, …`; `null` entries keep PyTorch's `None` slots (HRNet's
 * transition and fuse layers use them) so the indices of the official keys stay the same.
 */
export class ModuleList<M extends Module<any, any> = Module<any, any>> extends Module<never, never> {
  readonly items: (M | null)[];

  constructor(items: (M | null)[]) {
    super();
    this.items = items;
    items.forEach((m, i) => this.addModule(String(i), m));
  }

  get length(): number {
    return this.items.length;
  }

  at(i: number): M | null {
    return this.items[i] ?? null;
  }

  forward(): never {
    throw new Error('ModuleList has no forward; index its items');
  }
}

/** `torch.nn.Sequential`: children named `0, 1, …` run in order. */
export class Sequential extends Module {
  readonly layers: Module[];
  /** ReLUs whose work a preceding folded conv now does. */
  private readonly skipped = new Set<number>();

  constructor(...layers: Module[]) {
    super();
    this.layers = layers;
    layers.forEach((m, i) => this.addModule(String(i), m));
  }

  /**
   * Each layer runs in its own `tf.tidy` and the previous intermediate is freed as soon as the next exists,
   * so a deep stack holds about two activations at a time instead of all of them until `predict` returns.
   */
  forward(x: tf.Tensor): tf.Tensor {
    let y = x;
    this.layers.forEach((layer, i) => {
      if (this.skipped.has(i)) return;
      const input = y;
      y = tf.tidy(() => layer.forward(input));
      if (input !== x && input !== y) input.dispose();
    });
    return y;
  }

  /** Folds every `Conv2d | ConvTranspose2d [→ BatchNorm2d] [→ ReLU]` run of children into one fused op. */
  override fuse(): this {
    const l = this.layers;
    for (let i = 0; i < l.length; i++) {
      const conv = l[i];
      if (!(conv instanceof Conv2d || conv instanceof ConvTranspose2d) || conv.isFolded) continue;
      const bn = l[i + 1] instanceof BatchNorm2d ? (l[i + 1] as BatchNorm2d) : null;
      const reluAt = bn ? i + 2 : i + 1;
      const relu = l[reluAt] instanceof ReLU;
      if (!bn && !relu) continue;
      conv.foldBatchNorm(bn, relu ? 'relu' : 'linear');
      if (relu) this.skipped.add(reluAt);
    }
    return super.fuse();
  }
}
