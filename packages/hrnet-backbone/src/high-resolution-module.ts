import * as tf from '@tensorflow/tfjs-core';
import { BatchNorm2d, Conv2d, Module, ModuleList, ReLU, Sequential, UpsampleNearest, resizeBilinear } from '@hrnetjs/core';
import { expansionOf, makeLayer } from './blocks.js';
import type { FuseUpsample, StageConfig } from './config.js';

/**
 * `HighResolutionModule`: parallel branches of residual blocks, then fuse layers that let every output
 * resolution i sum all inputs j — upsampled (1x1 conv + BN, then ×2^(j−i)) from lower resolutions,
 * strided 3x3 convs from higher ones — followed by ReLU. This repeated exchange is HRNet's core idea.
 */
export class HighResolutionModule extends Module<tf.Tensor[], tf.Tensor[]> {
  readonly branches: ModuleList<Sequential>;
  readonly fuseLayers: ModuleList<ModuleList<Sequential>> | null;
  /** Output channels per branch (after expansion). */
  readonly outChannels: number[];

  constructor(
    stage: StageConfig,
    inChannels: number[],
    readonly fuseUpsample: FuseUpsample,
    readonly multiScaleOutput: boolean,
  ) {
    super();
    const expansion = expansionOf(stage.block);
    const branches: Sequential[] = [];
    const channels = [...inChannels];
    for (let b = 0; b < stage.numBranches; b++) {
      branches.push(makeLayer(stage.block, channels[b]!, stage.numChannels[b]!, stage.numBlocks[b]!));
      channels[b] = stage.numChannels[b]! * expansion;
    }
    this.outChannels = channels;
    this.branches = this.addModule('branches', new ModuleList(branches));
    this.fuseLayers = this.addModule('fuse_layers', stage.numBranches === 1 ? null : this.makeFuseLayers(channels));
  }

  private makeFuseLayers(ch: number[]): ModuleList<ModuleList<Sequential>> {
    const n = ch.length;
    const rows: ModuleList<Sequential>[] = [];
    for (let i = 0; i < (this.multiScaleOutput ? n : 1); i++) {
      const row: (Sequential | null)[] = [];
      for (let j = 0; j < n; j++) {
        if (j > i) {
          const layers: Module[] = [new Conv2d(ch[j]!, ch[i]!, 1, { bias: false }), new BatchNorm2d(ch[i]!)];
          // bilinear fuse resizes in forward (to the target's size), so the module holds no upsample
          if (this.fuseUpsample.mode === 'nearest') layers.push(new UpsampleNearest(2 ** (j - i)));
          row.push(new Sequential(...layers));
        } else if (j === i) {
          row.push(null);
        } else {
          const steps: Sequential[] = [];
          for (let k = 0; k < i - j; k++) {
            const last = k === i - j - 1;
            const out = last ? ch[i]! : ch[j]!;
            const conv = new Conv2d(ch[j]!, out, 3, { stride: 2, padding: 1, bias: false });
            steps.push(last ? new Sequential(conv, new BatchNorm2d(out)) : new Sequential(conv, new BatchNorm2d(out), new ReLU()));
          }
          row.push(new Sequential(...steps));
        }
      }
      rows.push(new ModuleList(row));
    }
    return new ModuleList(rows);
  }

  forward(xs: tf.Tensor[]): tf.Tensor[] {
    const ys = xs.map((x, b) => this.branches.at(b)!.forward(x));
    if (!this.fuseLayers) return ys;
    const out: tf.Tensor[] = [];
    for (let i = 0; i < this.fuseLayers.length; i++) {
      const row = this.fuseLayers.at(i)!;
      // one tidy a row: the resampled terms are freed as soon as their sum exists
      out.push(
        tf.tidy(() => {
          const terms = ys.map((y, j) => {
            if (j === i) return y;
            const t = row.at(j)!.forward(y);
            return j > i && this.fuseUpsample.mode === 'bilinear'
              ? resizeBilinear(t, [ys[i]!.shape[1]!, ys[i]!.shape[2]!], this.fuseUpsample.alignCorners)
              : t;
          });
          return tf.relu(tf.addN(terms));
        }),
      );
    }
    // the branch outputs were made here and are consumed: free them now rather than at the end of predict
    ys.forEach((y, b) => y !== xs[b] && y.dispose());
    return out;
  }
}
