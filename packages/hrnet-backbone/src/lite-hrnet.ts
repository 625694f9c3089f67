/**
 * Lite-HRNet (Yu et al., CVPR 2021), a port of the official `models/backbones/litehrnet.py` (HRNet/Lite-HRNet;
 * the same code as mmpose's `LiteHRNet`). Class and child names are the official ones, so the dotted path of
 * every tensor is the official `state_dict` key (`stage1.3.layers.0.cross_resolution_weighting.conv1.conv.weight`).
 *
 * The parallel multi-resolution streams and repeated fusion of HRNet, with shuffle blocks whose costly 1x1
 * convs are replaced by conditional channel weighting (cross-resolution + spatial weighting).
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  BatchNorm2d,
  ConfigError,
  Conv2d,
  ConvModule,
  DepthwiseSeparableConvModule,
  Module,
  ModuleList,
  ReLU,
  Sequential,
  ShapeError,
  UpsampleNearest,
  adaptiveAvgPool2d,
  channelShuffle,
  resizeBilinear,
} from '@hrnetjs/core';
import { describe } from './config.js';

/** `'LITE'`: conditional channel weighting blocks; `'NAIVE'`: ShuffleNet-v2 units on each branch. */
export type LiteModuleType = 'LITE' | 'NAIVE';

/** One stage of the official `stages_spec` (the i-th entry of each of its tuples). */
export interface LiteStageConfig {
  numModules: number;
  numBranches: number;
  /** Blocks per module (one number for every branch, as in the official code). */
  numBlocks: number;
  moduleType: LiteModuleType;
  withFuse: boolean;
  /** `reduce_ratios[i]`: channel reduction of the cross-resolution weighting (ignored by NAIVE modules). */
  reduceRatio: number;
  /** Channels per branch. */
  numChannels: number[];
}

/** `backbone.extra` of the official configs (`configs/top_down/lite_hrnet/**`). */
export interface LiteHRNetConfig {
  /** Image channels (`in_channels`, 3). */
  inChannels: number;
  stem: { stemChannels: number; outChannels: number; expandRatio: number };
  stages: LiteStageConfig[];
  /** `with_head`: the IterativeHead (`head_layer`) that merges every branch into the highest resolution. */
  withHead: boolean;
}

function liteStages(modules: [number, number, number], channels = [40, 80, 160, 320], type: LiteModuleType = 'LITE', reduceRatio = 8) {
  return modules.map((numModules, i) => ({
    numModules,
    numBranches: i + 2,
    numBlocks: 2,
    moduleType: type,
    withFuse: true,
    reduceRatio,
    numChannels: channels.slice(0, i + 2),
  }));
}

/**
 * The trunks of the official configs: Lite-HRNet-18 / -30 (`configs/top_down/lite_hrnet/*`: modules (2, 4, 2) /
 * (3, 8, 3), channels 40/80/160/320, reduce ratio 8) and Naive Lite-HRNet-18 (`configs/top_down/naive_litehrnet/*`:
 * shuffle units, channels 30/60/120/240). Every one has the same stem (32 → 32, expand ratio 1) and IterativeHead.
 */
export const LITEHRNET_PRESETS = {
  litehrnet_18: { inChannels: 3, stem: { stemChannels: 32, outChannels: 32, expandRatio: 1 }, stages: liteStages([2, 4, 2]), withHead: true },
  litehrnet_30: { inChannels: 3, stem: { stemChannels: 32, outChannels: 32, expandRatio: 1 }, stages: liteStages([3, 8, 3]), withHead: true },
  naive_litehrnet_18: {
    inChannels: 3,
    stem: { stemChannels: 32, outChannels: 32, expandRatio: 1 },
    stages: liteStages([2, 4, 2], [30, 60, 120, 240], 'NAIVE', 1),
    withHead: true,
  },
} satisfies Record<string, LiteHRNetConfig>;

export type LiteHRNetPreset = keyof typeof LITEHRNET_PRESETS;

/** A Lite-HRNet trunk config from a preset name (`'litehrnet_18'`, `'litehrnet-30'`, `'LiteHRNet18'`, …). */
export function liteHRNetPreset(name: string): LiteHRNetConfig {
  const key = name.toLowerCase().replace(/[-\s]/g, '_').replace(/litehrnet_?(\d+)/, 'litehrnet_$1');
  const preset = (LITEHRNET_PRESETS as Record<string, LiteHRNetConfig>)[key];
  if (!preset) throw new ConfigError(`unknown Lite-HRNet preset "${name}"; expected one of ${Object.keys(LITEHRNET_PRESETS).join(', ')}`);
  return structuredClone(preset);
}

function posInt(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new ConfigError(`${path}: expected a positive integer, found ${describe(v)}`);
  return v;
}

function tuple(v: unknown, n: number, path: string): unknown[] {
  if (!Array.isArray(v) || v.length !== n) throw new ConfigError(`${path}: expected a list of ${n} entries (one a stage), found ${describe(v)}`);
  return v;
}

/**
 * The official config's `backbone.extra` dict (as JSON: tuples become lists), e.g. the `model` dict of
 * `litehrnet_18_coco_256x192.py` read in Python and dumped → {@link LiteHRNetConfig}. `inChannels` is the
 * backbone's `in_channels` (3).
 */
export function parseLiteHRNetExtra(extra: Record<string, unknown>, inChannels = 3): LiteHRNetConfig {
  const stem = extra.stem as Record<string, unknown> | undefined;
  if (!stem || typeof stem !== 'object') throw new ConfigError(`extra.stem: expected a mapping, found ${describe(stem)}`);
  const numStages = posInt(extra.num_stages, 'extra.num_stages');
  const spec = extra.stages_spec as Record<string, unknown> | undefined;
  if (!spec || typeof spec !== 'object') throw new ConfigError(`extra.stages_spec: expected a mapping, found ${describe(spec)}`);
  const field = (k: string) => tuple(spec[k], numStages, `extra.stages_spec.${k}`);
  const stages: LiteStageConfig[] = [];
  for (let i = 0; i < numStages; i++) {
    const at = (k: string) => field(k)[i];
    const type = at('module_type');
    if (type !== 'LITE' && type !== 'NAIVE') throw new ConfigError(`extra.stages_spec.module_type[${i}]: expected 'LITE' or 'NAIVE', found ${describe(type)}`);
    const numBranches = posInt(at('num_branches'), `extra.stages_spec.num_branches[${i}]`);
    const channels = at('num_channels');
    if (!Array.isArray(channels) || channels.length !== numBranches) {
      throw new ConfigError(`extra.stages_spec.num_channels[${i}]: expected ${numBranches} channel counts (num_branches), found ${describe(channels)}`);
    }
    const withFuse = at('with_fuse');
    if (typeof withFuse !== 'boolean') throw new ConfigError(`extra.stages_spec.with_fuse[${i}]: expected true or false, found ${describe(withFuse)}`);
    stages.push({
      numModules: posInt(at('num_modules'), `extra.stages_spec.num_modules[${i}]`),
      numBranches,
      numBlocks: posInt(at('num_blocks'), `extra.stages_spec.num_blocks[${i}]`),
      moduleType: type,
      withFuse,
      reduceRatio: posInt(at('reduce_ratios'), `extra.stages_spec.reduce_ratios[${i}]`),
      numChannels: channels.map((c, b) => posInt(c, `extra.stages_spec.num_channels[${i}][${b}]`)),
    });
  }
  const withHead = extra.with_head;
  if (typeof withHead !== 'boolean') throw new ConfigError(`extra.with_head: expected true or false, found ${describe(withHead)}`);
  const config: LiteHRNetConfig = {
    inChannels,
    stem: {
      stemChannels: posInt(stem.stem_channels, 'extra.stem.stem_channels'),
      outChannels: posInt(stem.out_channels, 'extra.stem.out_channels'),
      expandRatio: typeof stem.expand_ratio === 'number' && stem.expand_ratio > 0 ? stem.expand_ratio : (() => {
        throw new ConfigError(`extra.stem.expand_ratio: expected a positive number, found ${describe(stem.expand_ratio)}`);
      })(),
    },
    stages,
    withHead,
  };
  validateLiteConfig(config);
  return config;
}

/** The relations the official builders assume, as ConfigErrors instead of a failure deep in a constructor. */
export function validateLiteConfig(c: LiteHRNetConfig): void {
  if (c.stages.length < 1) throw new ConfigError('Lite-HRNet: expected at least one stage, found none');
  c.stages.forEach((s, i) => {
    if (s.numChannels.length !== s.numBranches) {
      throw new ConfigError(`stage ${i}: num_channels needs ${s.numBranches} entries (num_branches), found ${s.numChannels.length}`);
    }
    if (s.numBranches < 2) throw new ConfigError(`stage ${i}: expected at least 2 branches (a Lite-HRNet module fuses resolutions), found ${s.numBranches}`);
    if (i > 0 && s.numBranches < c.stages[i - 1]!.numBranches) {
      throw new ConfigError(`stage ${i}: num_branches ${s.numBranches} is fewer than the previous stage's ${c.stages[i - 1]!.numBranches}`);
    }
    // channels are halved (chunk) and shuffled in groups of 2
    s.numChannels.forEach((ch, b) => {
      if (ch % 2 !== 0) throw new ConfigError(`stage ${i} branch ${b}: channels must be even (split in two halves), found ${ch}`);
    });
  });
  if (c.stem.stemChannels % 2 !== 0) throw new ConfigError(`stem.stem_channels must be even, found ${c.stem.stemChannels}`);
}

/** `SpatialWeighting`: global average → 1x1 conv + ReLU → 1x1 conv + sigmoid → per-channel scale of the input. */
export class SpatialWeighting extends Module {
  readonly conv1: ConvModule;
  readonly conv2: ConvModule;

  constructor(channels: number, ratio = 16) {
    super();
    const mid = Math.trunc(channels / ratio);
    // no norm_cfg in the official code: the convs keep their bias
    this.conv1 = this.addModule('conv1', new ConvModule(channels, mid, 1, { norm: false, activation: 'relu' }));
    this.conv2 = this.addModule('conv2', new ConvModule(mid, channels, 1, { norm: false, activation: 'sigmoid' }));
  }

  forward(x: tf.Tensor): tf.Tensor {
    const pooled = tf.mean(x, [1, 2], true);
    return tf.mul(x, this.conv2.forward(this.conv1.forward(pooled)));
  }
}

/**
 * `CrossResolutionWeighting`: every branch average-pooled to the smallest resolution, concatenated, two 1x1
 * ConvModules (ReLU, sigmoid) give one weight per channel and position, which scales each branch after a
 * nearest-neighbour resize back to its own size.
 */
export class CrossResolutionWeighting extends Module<tf.Tensor[], tf.Tensor[]> {
  readonly conv1: ConvModule;
  readonly conv2: ConvModule;

  constructor(
    readonly channels: number[],
    ratio = 16,
  ) {
    super();
    const total = channels.reduce((a, b) => a + b, 0);
    const mid = Math.trunc(total / ratio);
    this.conv1 = this.addModule('conv1', new ConvModule(total, mid, 1, { activation: 'relu' }));
    this.conv2 = this.addModule('conv2', new ConvModule(mid, total, 1, { activation: 'sigmoid' }));
  }

  forward(xs: tf.Tensor[]): tf.Tensor[] {
    const last = xs[xs.length - 1]!;
    const mini: [number, number] = [last.shape[1]!, last.shape[2]!];
    const pooled = xs.map((s, i) => (i < xs.length - 1 ? adaptiveAvgPool2d(s, mini) : s));
    const weights = this.conv2.forward(this.conv1.forward(tf.concat(pooled, 3)));
    const parts = tf.split(weights, this.channels, 3);
    return xs.map((s, i) => {
      const [h, w] = [s.shape[1]!, s.shape[2]!];
      const a = parts[i]!;
      // F.interpolate(a, size=s.size()[-2:], mode='nearest'): source index ⌊dst · in/out⌋
      const up = a.shape[1] === h && a.shape[2] === w ? a : tf.image.resizeNearestNeighbor(a as tf.Tensor4D, [h, w], false, false);
      return tf.mul(s, up);
    });
  }
}

/**
 * `ConditionalChannelWeighting`, the LITE block: each branch is split in two halves; the second half goes through
 * cross-resolution weighting, a 3x3 depthwise conv + BN and spatial weighting; the halves are concatenated and
 * channel-shuffled.
 */
export class ConditionalChannelWeighting extends Module<tf.Tensor[], tf.Tensor[]> {
  readonly crossResolutionWeighting: CrossResolutionWeighting;
  readonly depthwiseConvs: ModuleList<ConvModule>;
  readonly spatialWeighting: ModuleList<SpatialWeighting>;

  constructor(inChannels: number[], stride: number, reduceRatio: number) {
    super();
    if (stride !== 1 && stride !== 2) throw new ConfigError(`ConditionalChannelWeighting: stride must be 1 or 2, found ${stride}`);
    const branch = inChannels.map((c) => Math.trunc(c / 2));
    this.crossResolutionWeighting = this.addModule('cross_resolution_weighting', new CrossResolutionWeighting(branch, reduceRatio));
    this.depthwiseConvs = this.addModule(
      'depthwise_convs',
      new ModuleList(branch.map((c) => new ConvModule(c, c, 3, { stride, padding: 1, groups: c, activation: 'none' }))),
    );
    this.spatialWeighting = this.addModule('spatial_weighting', new ModuleList(branch.map((c) => new SpatialWeighting(c, 4))));
  }

  forward(xs: tf.Tensor[]): tf.Tensor[] {
    const halves = xs.map((s) => tf.split(s, 2, 3));
    const x1 = halves.map((h) => h[0]!);
    let x2 = this.crossResolutionWeighting.forward(halves.map((h) => h[1]!));
    x2 = x2.map((s, b) => this.depthwiseConvs.at(b)!.forward(s));
    x2 = x2.map((s, b) => this.spatialWeighting.at(b)!.forward(s));
    return x1.map((s1, b) => channelShuffle(tf.concat([s1, x2[b]!], 3), 2));
  }
}

/**
 * `ShuffleUnit` (ShuffleNet-v2's inverted residual), the NAIVE block: stride 1 splits the input, passes one half
 * and runs the other through 1x1 → 3x3 depthwise → 1x1; stride 2 runs both `branch1` and `branch2` on the whole
 * input. Concatenated, then channel-shuffled.
 */
export class ShuffleUnit extends Module {
  readonly branch1: Sequential | null;
  readonly branch2: Sequential;

  constructor(
    inChannels: number,
    outChannels: number,
    readonly stride = 1,
  ) {
    super();
    const bf = Math.trunc(outChannels / 2);
    if (stride === 1 && inChannels !== bf * 2) {
      throw new ConfigError(`ShuffleUnit: in_channels (${inChannels}) should equal branch_features * 2 (${bf * 2}) when stride is 1`);
    }
    this.branch1 =
      stride > 1
        ? this.addModule(
            'branch1',
            new Sequential(
              new ConvModule(inChannels, inChannels, 3, { stride, padding: 1, groups: inChannels, activation: 'none' }),
              new ConvModule(inChannels, bf, 1, { activation: 'relu' }),
            ),
          )
        : null;
    this.branch2 = this.addModule(
      'branch2',
      new Sequential(
        new ConvModule(stride > 1 ? inChannels : bf, bf, 1, { activation: 'relu' }),
        new ConvModule(bf, bf, 3, { stride, padding: 1, groups: bf, activation: 'none' }),
        new ConvModule(bf, bf, 1, { activation: 'relu' }),
      ),
    );
  }

  forward(x: tf.Tensor): tf.Tensor {
    let out: tf.Tensor;
    if (this.branch1) out = tf.concat([this.branch1.forward(x), this.branch2.forward(x)], 3);
    else {
      const [x1, x2] = tf.split(x, 2, 3);
      out = tf.concat([x1!, this.branch2.forward(x2!)], 3);
    }
    return channelShuffle(out, 2);
  }
}

/**
 * `Stem`: a stride-2 3x3 ConvModule, then a ShuffleNet-like stride-2 unit: one half through a depthwise stride-2
 * conv and a 1x1 (`branch1`), the other through `expand_conv` → `depthwise_conv` (stride 2) → `linear_conv`;
 * concatenated and channel-shuffled. Stride 4 in all.
 */
export class Stem extends Module {
  readonly conv1: ConvModule;
  readonly branch1: Sequential;
  readonly expandConv: ConvModule;
  readonly depthwiseConv: ConvModule;
  readonly linearConv: ConvModule;

  constructor(
    readonly inChannels: number,
    stemChannels: number,
    readonly outChannels: number,
    expandRatio: number,
  ) {
    super();
    this.conv1 = this.addModule('conv1', new ConvModule(inChannels, stemChannels, 3, { stride: 2, padding: 1, activation: 'relu' }));
    // Python's round() is round-half-even
    const scaled = stemChannels * expandRatio;
    const mid = Math.abs(scaled - Math.trunc(scaled)) === 0.5 ? 2 * Math.round(scaled / 2) : Math.round(scaled);
    const branch = Math.trunc(stemChannels / 2);
    const inc = stemChannels === outChannels ? outChannels - branch : outChannels - stemChannels;
    this.branch1 = this.addModule(
      'branch1',
      new Sequential(
        new ConvModule(branch, branch, 3, { stride: 2, padding: 1, groups: branch, activation: 'none' }),
        new ConvModule(branch, inc, 1, { activation: 'relu' }),
      ),
    );
    this.expandConv = this.addModule('expand_conv', new ConvModule(branch, mid, 1, { activation: 'relu' }));
    this.depthwiseConv = this.addModule('depthwise_conv', new ConvModule(mid, mid, 3, { stride: 2, padding: 1, groups: mid, activation: 'none' }));
    this.linearConv = this.addModule(
      'linear_conv',
      new ConvModule(mid, stemChannels === outChannels ? branch : stemChannels, 1, { activation: 'relu' }),
    );
  }

  forward(x: tf.Tensor): tf.Tensor {
    const y = this.conv1.forward(x);
    const [x1, x2] = tf.split(y, 2, 3);
    const b2 = this.linearConv.forward(this.depthwiseConv.forward(this.expandConv.forward(x2!)));
    return channelShuffle(tf.concat([this.branch1.forward(x1!), b2], 3), 2);
  }
}

/**
 * `IterativeHead`: from the lowest resolution up, each branch adds the previous (bilinearly resized with
 * `align_corners=True`) result and goes through a depthwise-separable conv (3x3 depthwise + BN, 1x1 + BN + ReLU)
 * to the next branch's channel count. Returns every level, highest resolution first.
 */
export class IterativeHead extends Module<tf.Tensor[], tf.Tensor[]> {
  readonly projects: ModuleList<DepthwiseSeparableConvModule>;

  constructor(inChannels: number[]) {
    super();
    const ch = [...inChannels].reverse();
    this.projects = this.addModule(
      'projects',
      new ModuleList(
        ch.map(
          (c, i) =>
            new DepthwiseSeparableConvModule(c, i < ch.length - 1 ? ch[i + 1]! : c, 3, {
              padding: 1,
              dwActivation: 'none',
              pwActivation: 'relu',
            }),
        ),
      ),
    );
  }

  forward(xs: tf.Tensor[]): tf.Tensor[] {
    const y: tf.Tensor[] = [];
    let last: tf.Tensor | null = null;
    [...xs].reverse().forEach((s, i) => {
      let t = s;
      if (last) t = tf.add(s, resizeBilinear(last, [s.shape[1]!, s.shape[2]!], true));
      last = this.projects.at(i)!.forward(t);
      y.push(last);
    });
    return y.reverse();
  }
}

/** `nn.Sequential(dw 3x3 conv, BN, 1x1 conv, BN[, ReLU])`: the official transitions and strided fuse paths. */
function dwPw(inCh: number, outCh: number, stride: number, relu: boolean): Sequential {
  const layers: Module[] = [
    new Conv2d(inCh, inCh, 3, { stride, padding: 1, groups: inCh, bias: false }),
    new BatchNorm2d(inCh),
    new Conv2d(inCh, outCh, 1, { bias: false }),
    new BatchNorm2d(outCh),
  ];
  if (relu) layers.push(new ReLU());
  return new Sequential(...layers);
}

/**
 * `LiteHRModule`: LITE (a Sequential of conditional channel weighting blocks over all branches) or NAIVE (a
 * Sequential of shuffle units per branch), then fuse layers as HRNet's: 1x1 conv + BN + nearest upsampling from
 * lower resolutions, chains of (3x3 depthwise stride 2 + BN + 1x1 + BN) from higher ones, then ReLU.
 */
export class LiteHRModule extends Module<tf.Tensor[], tf.Tensor[]> {
  readonly layers: Sequential | ModuleList<Sequential>;
  readonly fuseLayers: ModuleList<ModuleList<Sequential>> | null;

  constructor(
    readonly numBranches: number,
    numBlocks: number,
    readonly inChannels: number[],
    reduceRatio: number,
    readonly moduleType: LiteModuleType,
    readonly multiscaleOutput = false,
    readonly withFuse = true,
  ) {
    super();
    if (numBranches !== inChannels.length) throw new ConfigError(`NUM_BRANCHES(${numBranches}) != NUM_INCHANNELS(${inChannels.length})`);
    if (moduleType === 'LITE') {
      const blocks = Array.from({ length: numBlocks }, () => new ConditionalChannelWeighting(inChannels, 1, reduceRatio));
      this.layers = this.addModule('layers', new Sequential(...(blocks as unknown as Module[])));
    } else {
      const branches = inChannels.map((c) => new Sequential(...Array.from({ length: numBlocks }, () => new ShuffleUnit(c, c, 1))));
      this.layers = this.addModule('layers', new ModuleList(branches));
    }
    if (withFuse) {
      this.fuseLayers = this.addModule('fuse_layers', this.makeFuseLayers());
      // the official module also registers `self.relu = nn.ReLU()`: it holds no state, so it has no key
    } else this.fuseLayers = null;
  }

  private makeFuseLayers(): ModuleList<ModuleList<Sequential>> {
    const ch = this.inChannels;
    const n = this.numBranches;
    const rows: ModuleList<Sequential>[] = [];
    for (let i = 0; i < (this.multiscaleOutput ? n : 1); i++) {
      const row: (Sequential | null)[] = [];
      for (let j = 0; j < n; j++) {
        if (j > i) {
          row.push(new Sequential(new Conv2d(ch[j]!, ch[i]!, 1, { bias: false }), new BatchNorm2d(ch[i]!), new UpsampleNearest(2 ** (j - i))));
        } else if (j === i) {
          row.push(null);
        } else {
          const steps: Sequential[] = [];
          for (let k = 0; k < i - j; k++) {
            const lastStep = k === i - j - 1;
            steps.push(dwPw(ch[j]!, lastStep ? ch[i]! : ch[j]!, 2, !lastStep));
          }
          row.push(new Sequential(...steps));
        }
      }
      rows.push(new ModuleList(row));
    }
    return new ModuleList(rows);
  }

  forward(xs: tf.Tensor[]): tf.Tensor[] {
    let out: tf.Tensor[];
    if (this.layers instanceof ModuleList) {
      const branches = this.layers;
      out = xs.map((x, b) => branches.at(b)!.forward(x));
    } else {
      out = xs;
      for (const block of this.layers.layers as unknown as ConditionalChannelWeighting[]) out = block.forward(out);
    }
    if (!this.fuseLayers) return this.multiscaleOutput ? out : [out[0]!];
    // The official fuse adds in place: for row 0, `y = out[0]; y += out[0]; y += f0j(out[j])` doubles out[0] and
    // leaves the whole row-0 sum S0 in out[0], which every later row then reads (and, from `y = f_i0(out[0])`
    // then `y += f_i0(out[0])`, twice). mmpose notes that `y = 0` "will lead to decreased accuracy (0.5~1 mAP)":
    // the published checkpoints were trained with this, so it is reproduced exactly:
    //   S0 = 2·out0 + Σ_{j>0} f0j(out_j),  row 0 = relu(S0),
    //   row i ≥ 1 = relu(2·f_i0(S0) + out_i + Σ_{j≥1, j≠i} f_ij(out_j)).
    const rows = this.fuseLayers;
    const n = this.numBranches;
    const s0 = tf.addN([out[0]!, out[0]!, ...out.slice(1).map((o, k) => rows.at(0)!.at(k + 1)!.forward(o))]);
    const fused: tf.Tensor[] = [tf.relu(s0)];
    for (let i = 1; i < rows.length; i++) {
      const row = rows.at(i)!;
      const f0 = row.at(0)!.forward(s0);
      const terms: tf.Tensor[] = [f0, f0];
      for (let j = 1; j < n; j++) terms.push(j === i ? out[j]! : row.at(j)!.forward(out[j]!));
      fused.push(tf.relu(tf.addN(terms)));
    }
    return fused;
  }
}

/**
 * `_make_transition_layer`: an existing branch whose channel count changes gets (3x3 depthwise + BN + 1x1 + BN +
 * ReLU), else a `None` slot; each new branch a chain of stride-2 such steps from the previous stage's lowest
 * resolution.
 */
function makeTransition(pre: number[], cur: number[]): ModuleList<Sequential> {
  const layers: (Sequential | null)[] = [];
  for (let i = 0; i < cur.length; i++) {
    if (i < pre.length) {
      layers.push(cur[i] !== pre[i] ? dwPw(pre[i]!, cur[i]!, 1, true) : null);
    } else {
      const steps: Sequential[] = [];
      for (let j = 0; j < i + 1 - pre.length; j++) {
        const inCh = pre[pre.length - 1]!;
        steps.push(dwPw(inCh, j === i - pre.length ? cur[i]! : inCh, 2, true));
      }
      layers.push(new Sequential(...steps));
    }
  }
  return new ModuleList(layers);
}

/**
 * The Lite-HRNet trunk under the official top-level names (`stem`, `transition0..`, `stage0..`, `head_layer`), so
 * task networks that extend it keep the official keys. `features(x)` returns what the official `forward` computes
 * before its `[x[0]]`: every branch of the last stage (after the IterativeHead when `withHead`), highest
 * resolution first.
 */
export abstract class LiteHRNetTrunk<Out> extends Module<tf.Tensor, Out> {
  readonly stem: Stem;
  readonly transitions: ModuleList<Sequential>[] = [];
  readonly stages: Sequential[] = [];
  readonly headLayer: IterativeHead | null;
  /** Channels of each output of `features()`. */
  readonly featureChannels: number[];

  constructor(readonly config: LiteHRNetConfig) {
    super();
    validateLiteConfig(config);
    const { stem } = config;
    this.stem = this.addModule('stem', new Stem(config.inChannels, stem.stemChannels, stem.outChannels, stem.expandRatio));
    let last = [stem.outChannels];
    config.stages.forEach((s, i) => {
      this.transitions.push(this.addModule(`transition${i}`, makeTransition(last, s.numChannels)));
      const modules: LiteHRModule[] = [];
      for (let m = 0; m < s.numModules; m++) {
        // the official LiteHRNet builds every stage with multiscale_output=True
        modules.push(new LiteHRModule(s.numBranches, s.numBlocks, s.numChannels, s.reduceRatio, s.moduleType, true, s.withFuse));
      }
      this.stages.push(this.addModule(`stage${i}`, new Sequential(...(modules as unknown as Module[]))));
      last = [...s.numChannels];
    });
    this.headLayer = config.withHead ? this.addModule('head_layer', new IterativeHead(last)) : null;
    this.featureChannels = last;
  }

  /** NHWC image batch → the last stage's branches (through the head when `withHead`), highest resolution first. */
  features(x: tf.Tensor): tf.Tensor[] {
    const c = this.config.inChannels;
    if (x.rank !== 4 || x.shape[3] !== c) {
      throw new ShapeError(`Lite-HRNet: expected an NHWC batch with ${c} channels, found shape [${x.shape.join(', ')}]`);
    }
    const [h, w] = [x.shape[1]!, x.shape[2]!];
    // stride 4 (stem) × 2 per further branch: every level must halve exactly for the fuse layers' ×2^k upsampling
    const stride = 2 ** (this.config.stages[this.config.stages.length - 1]!.numBranches + 1);
    if (h % stride !== 0 || w % stride !== 0) {
      throw new ShapeError(`Lite-HRNet: input height and width must be multiples of ${stride}, found ${h}x${w}`);
    }
    let list: tf.Tensor[] = [tf.tidy(() => this.stem.forward(x))];
    this.stages.forEach((stage, i) => {
      const previous = list;
      // one tidy a stage, the previous stage's outputs freed after it: bounded peak memory on big inputs
      list = tf.tidy(() => {
        const transition = this.transitions[i]!;
        let xs = Array.from({ length: transition.length }, (_, j) => {
          const t = transition.at(j);
          const src = j < previous.length ? previous[j]! : previous[previous.length - 1]!;
          return t ? t.forward(src) : src;
        });
        for (const m of stage.layers as unknown as LiteHRModule[]) {
          const input = xs;
          // one tidy a module, its input freed once the next exists: a deep stage holds two modules' outputs, not all
          const next = tf.tidy(() => m.forward(input));
          input.forEach((t) => !previous.includes(t) && !next.includes(t) && t.dispose());
          xs = next;
        }
        return xs;
      });
      previous.forEach((t) => !list.includes(t) && t.dispose());
    });
    if (!this.headLayer) return list;
    const out = tf.tidy(() => this.headLayer!.forward(list));
    tf.dispose(list);
    return out;
  }
}

/** The bare Lite-HRNet: `forward` returns the official backbone's output, `[x[0]]` (the highest-resolution map). */
export class LiteHRNet extends LiteHRNetTrunk<tf.Tensor[]> {
  forward(x: tf.Tensor): tf.Tensor[] {
    const all = this.features(x);
    all.slice(1).forEach((t) => t.dispose());
    return [all[0]!];
  }
}

/** Builds a bare Lite-HRNet from a preset name or a config. Weights are random until `loadStateDict`. */
export function createLiteHRNet(config: string | LiteHRNetConfig): LiteHRNet {
  return new LiteHRNet(typeof config === 'string' ? liteHRNetPreset(config) : config);
}
