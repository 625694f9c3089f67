import * as tf from '@tensorflow/tfjs-core';
import { Conv2d, Module, ModuleList, Sequential, ShapeError, avgPool2d, resizeBilinear } from '@hrnetjs/core';
import type { HrfpnConfig } from './config.js';

/**
 * `HRFPN` of HRNet-FCOS (`maskrcnn_benchmark/modeling/backbone/hrfpn.py`), the HRNetV2p neck: every HRNet
 * branch is upsampled bilinearly (`F.interpolate(scale_factor=2**i, mode='bilinear')`, align_corners False) to
 * the stride-4 resolution and concatenated; a 1x1 conv (`reduction_conv.0`) reduces the channels; level i is
 * that map average-pooled by 2^i (no padding, floor); each level then has its own 3x3 conv (`fpn_conv.i`,
 * stride `convStride`, padding 1, bias, no norm, no activation).
 */
export class HRFPN extends Module<tf.Tensor[], tf.Tensor[]> {
  readonly reductionConv: Sequential;
  readonly fpnConv: ModuleList<Conv2d>;

  constructor(readonly fpnConfig: HrfpnConfig) {
    super();
    const { inChannels, outChannels, convStride, numLevels } = fpnConfig;
    const total = inChannels.reduce((a, b) => a + b, 0);
    this.reductionConv = this.addModule('reduction_conv', new Sequential(new Conv2d(total, outChannels, 1)));
    const convs = Array.from({ length: numLevels }, () => new Conv2d(outChannels, outChannels, 3, { stride: convStride, padding: 1 }));
    this.fpnConv = this.addModule('fpn_conv', new ModuleList(convs));
  }

  forward(inputs: tf.Tensor[]): tf.Tensor[] {
    const { inChannels, numLevels, pooling } = this.fpnConfig;
    if (inputs.length !== inChannels.length) {
      throw new ShapeError(`HRFPN: expected ${inChannels.length} HRNet outputs, found ${inputs.length}`);
    }
    const [, h0, w0] = inputs[0]!.shape as number[];
    const outs = inputs.map((x, i) => {
      if (i === 0) return x;
      const f = 2 ** i;
      const [, h, w] = x.shape as number[];
      // torch.cat needs every upsampled branch at the stride-4 size: true when the input is padded to 32
      if (h! * f !== h0 || w! * f !== w0) {
        throw new ShapeError(
          `HRFPN: branch ${i} is ${h}x${w}, ×${f} = ${h! * f}x${w! * f} but branch 0 is ${h0}x${w0}; pad the input to a multiple of 32`,
        );
      }
      return resizeBilinear(x, [h! * f, w! * f], false);
    });
    const out = this.reductionConv.forward(tf.concat(outs, 3));
    const levels: tf.Tensor[] = [out];
    for (let i = 1; i < numLevels; i++) {
      const k = 2 ** i;
      const [, h, w] = out.shape as number[];
      if (h! < k || w! < k) {
        throw new ShapeError(`HRFPN: level ${i} pools by ${k} but the stride-4 map is only ${h}x${w}; the input image is too small`);
      }
      levels.push(pooling === 'MAX' ? tf.maxPool(out as tf.Tensor4D, k, k, 'valid') : avgPool2d(out, k, k));
    }
    return levels.map((x, i) => this.fpnConv.at(i)!.forward(x));
  }
}
