import * as tf from '@tensorflow/tfjs-core';
import { BatchNorm2d } from './batchnorm.js';
import { Conv2d } from './conv.js';
import { Module } from './module.js';

/** The activations mmcv's `ConvModule` is built with in the networks we port (`act_cfg=None` is `'none'`). */
export type ConvModuleActivation = 'relu' | 'sigmoid' | 'none';

export interface ConvModuleOptions {
  stride?: number;
  padding?: number;
  groups?: number;
  /** `norm_cfg=dict(type='BN')` (default true); false is `norm_cfg=None`. */
  norm?: boolean;
  /** `act_cfg` (default `'relu'`, as mmcv's). */
  activation?: ConvModuleActivation;
}

/**
 * mmcv's `ConvModule` (order conv → norm → act): children `conv` and `bn`, so its keys are
 * `<name>.conv.weight`, `<name>.bn.running_mean`, … as in OpenMMLab checkpoints. `bias='auto'`: the conv has a
 * bias only when there is no norm layer. The activation holds no state, so it has no key.
 */
export class ConvModule extends Module {
  readonly conv: Conv2d;
  readonly bn: BatchNorm2d | null;
  readonly activation: ConvModuleActivation;

  constructor(inChannels: number, outChannels: number, kernelSize: number, options: ConvModuleOptions = {}) {
    super();
    const norm = options.norm ?? true;
    this.activation = options.activation ?? 'relu';
    this.conv = this.addModule(
      'conv',
      new Conv2d(inChannels, outChannels, kernelSize, {
        stride: options.stride,
        padding: options.padding,
        groups: options.groups,
        bias: !norm,
      }),
    );
    this.bn = norm ? this.addModule('bn', new BatchNorm2d(outChannels)) : null;
  }

  forward(x: tf.Tensor): tf.Tensor {
    // Conv2d fuses ReLU; a sigmoid runs after the (possibly folded) linear conv.
    if (this.activation === 'sigmoid') return tf.sigmoid(this.conv.forwardWith(x, this.bn, 'linear'));
    return this.conv.forwardWith(x, this.bn, this.activation === 'relu' ? 'relu' : 'linear');
  }

  override fuse(): this {
    if (!this.conv.isFolded) this.conv.foldBatchNorm(this.bn, this.activation === 'relu' ? 'relu' : 'linear');
    return this;
  }
}

/**
 * mmcv's `DepthwiseSeparableConvModule`: `depthwise_conv` (k×k, groups = in channels) then `pointwise_conv` (1×1),
 * each a {@link ConvModule} with BN.
 */
export class DepthwiseSeparableConvModule extends Module {
  readonly depthwiseConv: ConvModule;
  readonly pointwiseConv: ConvModule;

  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize: number,
    options: { stride?: number; padding?: number; dwActivation?: ConvModuleActivation; pwActivation?: ConvModuleActivation } = {},
  ) {
    super();
    this.depthwiseConv = this.addModule(
      'depthwise_conv',
      new ConvModule(inChannels, inChannels, kernelSize, {
        stride: options.stride,
        padding: options.padding,
        groups: inChannels,
        activation: options.dwActivation ?? 'relu',
      }),
    );
    this.pointwiseConv = this.addModule('pointwise_conv', new ConvModule(inChannels, outChannels, 1, { activation: options.pwActivation ?? 'relu' }));
  }

  forward(x: tf.Tensor): tf.Tensor {
    return this.pointwiseConv.forward(this.depthwiseConv.forward(x));
  }
}
