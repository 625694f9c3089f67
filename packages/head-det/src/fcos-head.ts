import * as tf from '@tensorflow/tfjs-core';
import { Conv2d, GroupNorm, Module, ModuleList, type Parameter, ReLU, Sequential } from '@hrnetjs/core';
import type { FcosConfig } from './config.js';

/** `maskrcnn_benchmark.layers.Scale`: one learnable scalar (`scale`, shape [1]) multiplying its input. */
export class Scale extends Module {
  readonly scale: Parameter;

  constructor(init = 1) {
    super();
    this.scale = this.addParameter('scale', [1], 'plain', () => tf.tensor1d([init]));
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.mul(x, this.scale.value);
  }
}

/** Raw FCOS outputs, one NHWC tensor per pyramid level (finest first). */
export interface FcosHeadOutput {
  /** Class logits `[N, H, W, numClasses]` (sigmoid in post-processing; channel c is label c + 1). */
  boxCls: tf.Tensor4D[];
  /** `exp(scale_l · x)`: distances (l, t, r, b) `[N, H, W, 4]` from the location to the box sides, input pixels. */
  boxRegression: tf.Tensor4D[];
  /** Centerness logits `[N, H, W, 1]` (from the classification tower, as in the official code). */
  centerness: tf.Tensor4D[];
}

/**
 * An FCOS tower: `nn.Sequential` of [conv 3x3, GroupNorm(32), ReLU] × n, keys `0, 1, 2, …`. Its forward runs
 * each layer in its own `tf.tidy`, freeing every intermediate as soon as the next layer has run (a 256-channel
 * stride-8 map of an 800x1344 input is 17 MB, and GroupNorm makes several). Nothing folds: a conv is followed
 * by a GroupNorm, never a BatchNorm, so `fuse()` only recurses.
 */
export class FcosTower extends Sequential {
  override forward(x: tf.Tensor): tf.Tensor {
    let y = x;
    for (const layer of this.layers) {
      const prev = y;
      y = tf.tidy(() => layer.forward(prev));
      if (prev !== x) prev.dispose();
    }
    return y;
  }

  override fuse(): this {
    for (const [, child] of this.children()) child.fuse();
    return this;
  }
}

function tower(channels: number, numConvs: number): FcosTower {
  const layers: Module[] = [];
  for (let i = 0; i < numConvs; i++) {
    // GroupNorm(32, C) is hard-coded in FCOSHead, whatever the width
    layers.push(new Conv2d(channels, channels, 3, { padding: 1 }), new GroupNorm(32, channels), new ReLU());
  }
  return new FcosTower(...layers);
}

/**
 * `FCOSHead` (`modeling/rpn/fcos/fcos.py`), shared by every level: a classification tower and a box tower
 * (conv 3x3 + GroupNorm(32) + ReLU, `numConvs` times), then `cls_logits`, `centerness` (on the cls tower)
 * and `bbox_pred` (on the box tower) 3x3 convs; box = exp(scales[l] · bbox_pred).
 */
export class FCOSHead extends Module<tf.Tensor[], FcosHeadOutput> {
  readonly clsTower: FcosTower;
  readonly bboxTower: FcosTower;
  readonly clsLogits: Conv2d;
  readonly bboxPred: Conv2d;
  readonly centerness: Conv2d;
  readonly scales: ModuleList<Scale>;

  constructor(inChannels: number, readonly fcosConfig: FcosConfig) {
    super();
    const c = inChannels;
    this.clsTower = this.addModule('cls_tower', tower(c, fcosConfig.numConvs));
    this.bboxTower = this.addModule('bbox_tower', tower(c, fcosConfig.numConvs));
    // official prior-probability bias init (-log((1-0.01)/0.01)) so a random model finds few objects
    this.clsLogits = this.addModule('cls_logits', new Conv2d(c, fcosConfig.numClasses, 3, { padding: 1 }));
    this.clsLogits.bias!.replace(tf.fill([fcosConfig.numClasses], -Math.log((1 - 0.01) / 0.01)));
    this.bboxPred = this.addModule('bbox_pred', new Conv2d(c, 4, 3, { padding: 1 }));
    this.centerness = this.addModule('centerness', new Conv2d(c, 1, 3, { padding: 1 }));
    this.scales = this.addModule('scales', new ModuleList(fcosConfig.fpnStrides.map(() => new Scale(1))));
  }

  forward(features: tf.Tensor[]): FcosHeadOutput {
    const out: FcosHeadOutput = { boxCls: [], boxRegression: [], centerness: [] };
    features.forEach((feature, l) => {
      // one tidy a level and a layer: at 800x1344 a stride-8 tower activation is 17 MB, and a single tidy
      // over the whole head would hold every GroupNorm intermediate of every level at once
      const [cls, ctr, box] = tf.tidy(() => {
        const c = this.clsTower.forward(feature);
        const r = this.bboxPred.forward(this.bboxTower.forward(feature));
        return [this.clsLogits.forward(c), this.centerness.forward(c), tf.exp(this.scales.at(l)!.forward(r))];
      });
      out.boxCls.push(cls as tf.Tensor4D);
      out.centerness.push(ctr as tf.Tensor4D);
      out.boxRegression.push(box as tf.Tensor4D);
    });
    return out;
  }
}
