import * as tf from '@tensorflow/tfjs-core';
import { BatchNorm2d, Conv2d, Module, ModuleList, ReLU, Sequential, ShapeError } from '@hrnetjs/core';
import { expansionOf, makeLayer } from './blocks.js';
import { type HRNetConfig, type StageConfig, validateConfig } from './config.js';
import { HighResolutionModule } from './high-resolution-module.js';

/**
 * `_make_transition_layer`: for branches that exist already, a 3x3 conv only where the channel count
 * changes (else a `None` slot); for each new branch, a chain of stride-2 3x3 convs from the lowest
 * resolution of the previous stage.
 */
function makeTransition(pre: number[], cur: number[]): ModuleList<Sequential> {
  const layers: (Sequential | null)[] = [];
  for (let i = 0; i < cur.length; i++) {
    if (i < pre.length) {
      layers.push(
        cur[i] === pre[i]
          ? null
          : new Sequential(new Conv2d(pre[i]!, cur[i]!, 3, { padding: 1, bias: false }), new BatchNorm2d(cur[i]!), new ReLU()),
      );
    } else {
      const steps: Sequential[] = [];
      for (let j = 0; j < i + 1 - pre.length; j++) {
        const inCh = pre[pre.length - 1]!;
        const outCh = j === i - pre.length ? cur[i]! : inCh;
        steps.push(new Sequential(new Conv2d(inCh, outCh, 3, { stride: 2, padding: 1, bias: false }), new BatchNorm2d(outCh), new ReLU()));
      }
      layers.push(new Sequential(...steps));
    }
  }
  return new ModuleList(layers);
}

/**
 * The HRNet trunk, registered under the official top-level names (`conv1`, `bn1`, `conv2`, `bn2`,
 * `layer1`, `transition1..3`, `stage2..4`), so task networks that extend it keep the official keys.
 * `features(x)` returns the multi-resolution outputs of stage 4 (strides 4, 8, 16, 32; only the stride-4
 * one when `multiScaleOutput` is false).
 */
export abstract class HighResolutionTrunk<Out> extends Module<tf.Tensor, Out> {
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  readonly conv2: Conv2d;
  readonly bn2: BatchNorm2d;
  readonly layer1: Sequential;
  readonly transitions: ModuleList<Sequential>[] = [];
  readonly stages: Sequential[] = [];
  /** Channels of each output of `features()`. */
  readonly featureChannels: number[];

  constructor(readonly config: HRNetConfig) {
    super();
    validateConfig(config);
    this.conv1 = this.addModule('conv1', new Conv2d(3, 64, 3, { stride: 2, padding: 1, bias: false }));
    this.bn1 = this.addModule('bn1', new BatchNorm2d(64));
    this.conv2 = this.addModule('conv2', new Conv2d(64, 64, 3, { stride: 2, padding: 1, bias: false }));
    this.bn2 = this.addModule('bn2', new BatchNorm2d(64));
    const s1 = config.stage1;
    this.layer1 = this.addModule('layer1', makeLayer(s1.block, 64, s1.numChannels[0]!, s1.numBlocks[0]!));
    let pre = [s1.numChannels[0]! * expansionOf(s1.block)];
    const later: StageConfig[] = [config.stage2, config.stage3, config.stage4];
    later.forEach((stage, k) => {
      const cur = stage.numChannels.map((c) => c * expansionOf(stage.block));
      this.transitions.push(this.addModule(`transition${k + 1}`, makeTransition(pre, cur)));
      const modules: HighResolutionModule[] = [];
      let inCh = cur;
      for (let m = 0; m < stage.numModules; m++) {
        // only the very last module of the trunk may drop the lower-resolution outputs
        const multi = k < 2 || m < stage.numModules - 1 || config.multiScaleOutput;
        const hrm = new HighResolutionModule(stage, inCh, config.fuseUpsample, multi);
        modules.push(hrm);
        inCh = hrm.outChannels;
      }
      this.stages.push(this.addModule(`stage${k + 2}`, new Sequential(...(modules as unknown as Module[]))));
      pre = inCh;
    });
    this.featureChannels = config.multiScaleOutput ? pre : pre.slice(0, 1);
  }

  /** NHWC image batch → stage-4 feature maps, highest resolution first. */
  features(x: tf.Tensor): tf.Tensor[] {
    if (x.rank !== 4 || x.shape[3] !== 3) {
      throw new ShapeError(`HRNet: expected an NHWC batch with 3 channels, found shape [${x.shape.join(', ')}]`);
    }
    const stem = tf.tidy(() => this.conv2.forwardWith(this.conv1.forwardWith(x, this.bn1, 'relu'), this.bn2, 'relu'));
    let list: tf.Tensor[] = [this.layer1.forward(stem)];
    stem.dispose();
    this.stages.forEach((stage, k) => {
      const transition = this.transitions[k]!;
      const previous = list;
      // one tidy a stage, and the previous stage's outputs freed after it: bounded peak memory
      list = tf.tidy(() => {
        // an existing branch keeps its tensor (or its own transition); a new one grows from the lowest resolution
        let xs = Array.from({ length: transition.length }, (_, i) => {
          const src = i < previous.length ? previous[i]! : previous[previous.length - 1]!;
          const t = transition.at(i);
          return t ? t.forward(src) : src;
        });
        for (const hrm of stage.layers as unknown as HighResolutionModule[]) {
          const next = hrm.forward(xs);
          xs.forEach((t) => !previous.includes(t) && !next.includes(t) && t.dispose());
          xs = next;
        }
        return xs;
      });
      previous.forEach((t) => !list.includes(t) && t.dispose());
    });
    return list;
  }

  override fuse(): this {
    this.conv1.foldBatchNorm(this.bn1, 'relu');
    this.conv2.foldBatchNorm(this.bn2, 'relu');
    return super.fuse();
  }
}

/** The bare trunk: `forward` returns the multi-resolution features (see `representations.ts`). */
export class HighResolutionNet extends HighResolutionTrunk<tf.Tensor[]> {
  forward(x: tf.Tensor): tf.Tensor[] {
    return this.features(x);
  }
}
