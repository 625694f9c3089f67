import * as tf from '@tensorflow/tfjs-core';
import { BatchNorm2d, ConfigError, Conv2d, ConvTranspose2d, ModuleList, ReLU, Sequential, type Module } from '@hrnetjs/core';
import {
  BasicBlock,
  type HRNetConfig,
  HighResolutionTrunk,
  backbonePreset,
  describe,
  normalizePresetName,
  parseBackboneYaml,
  isYamlText,
} from '@hrnetjs/hrnet-backbone';

/** `MODEL.EXTRA.DECONV` of the official HigherHRNet YAMLs. */
export interface DeconvConfig {
  numDeconvs: number;
  /** Channels after each deconv (`NUM_CHANNELS`). */
  numChannels: number[];
  /** 4, 3 or 2 (`_get_deconv_cfg`: padding 1/1/0, output_padding 0/1/0). */
  kernelSize: number[];
  numBasicBlocks: number;
  /** Whether the previous stage's maps are concatenated to the features before each deconv. */
  catOutput: boolean[];
}

/**
 * The official bottom-up inference settings (`TEST.*`, `DATASET.MAX_NUM_PEOPLE`), with the defaults of
 * `lib/config/default.py` where an official YAML leaves a key out.
 */
export interface BottomUpTestConfig {
  flipTest: boolean;
  adjust: boolean;
  refine: boolean;
  scaleFactor: number[];
  detectionThreshold: number;
  tagThreshold: number;
  useDetectionVal: boolean;
  ignoreTooMuch: boolean;
  nmsKernel: number;
  nmsPadding: number;
  project2image: boolean;
  /** One flag an output stage: average its heatmaps (`TEST.WITH_HEATMAPS`). */
  withHeatmaps: boolean[];
  /** One flag an output stage: use its tags (`TEST.WITH_AE`). */
  withAe: boolean[];
  /** Top-k per joint and most people (`DATASET.MAX_NUM_PEOPLE`). */
  maxNumPeople: number;
}

/** What `PoseHigherResolutionNet` needs (`MODEL.*`, `LOSS.WITH_*`, `DATASET.INPUT_SIZE`, `TEST.*`). */
export interface BottomUpModelConfig {
  backbone: HRNetConfig;
  numJoints: number;
  /** One tag map per joint (`MODEL.TAG_PER_JOINT`, true in every official config) or one shared. */
  tagPerJoint: boolean;
  finalConvKernel: number;
  deconv: DeconvConfig;
  /** Per output stage: it carries tag channels (`LOSS.WITH_AE_LOSS`). */
  withAeLoss: boolean[];
  /** Per output stage: it carries heatmaps (`LOSS.WITH_HEATMAPS_LOSS`). */
  withHeatmapsLoss: boolean[];
  /** Short side of the network input at scale 1 (`DATASET.INPUT_SIZE`: 512 or 640). */
  inputSize: number;
  dataset: 'coco' | 'custom';
  test: BottomUpTestConfig;
}

const FUSE = { fuseUpsample: { mode: 'nearest' }, multiScaleOutput: false } as const;

/** `lib/config/default.py` values for the keys the official YAMLs leave out. */
const TEST_DEFAULTS: BottomUpTestConfig = {
  flipTest: false,
  adjust: true,
  refine: true,
  scaleFactor: [1],
  detectionThreshold: 0.2,
  tagThreshold: 1,
  useDetectionVal: true,
  ignoreTooMuch: false,
  nmsKernel: 3,
  nmsPadding: 1,
  project2image: false,
  withHeatmaps: [true],
  withAe: [true],
  maxNumPeople: 30,
};

interface BottomUpPresetSpec {
  width: 'w32' | 'w48';
  inputSize: 512 | 640;
  /** The official experiment YAML (HigherHRNet-Human-Pose-Estimation `experiments/…`). */
  config: string;
  /** The released checkpoint in the official model zoo (`models/pytorch/pose_coco/<file>`). */
  checkpoint: string;
}

/** The three official COCO HigherHRNet checkpoints, with the settings of their YAMLs (identical `TEST` sections). */
export const BOTTOM_UP_PRESETS = {
  higherhrnet_w32_512: {
    width: 'w32', inputSize: 512,
    config: 'experiments/coco/higher_hrnet/w32_512_adam_lr1e-3.yaml', checkpoint: 'pose_coco/pose_higher_hrnet_w32_512.pth',
  },
  higherhrnet_w32_640: {
    width: 'w32', inputSize: 640,
    config: 'experiments/coco/higher_hrnet/w32_640_adam_lr1e-3.yaml', checkpoint: 'pose_coco/pose_higher_hrnet_w32_640.pth',
  },
  higherhrnet_w48_640: {
    width: 'w48', inputSize: 640,
    config: 'experiments/coco/higher_hrnet/w48_640_adam_lr1e-3.yaml', checkpoint: 'pose_coco/pose_higher_hrnet_w48_640.pth',
  },
} satisfies Record<string, BottomUpPresetSpec>;

export type BottomUpPreset = keyof typeof BOTTOM_UP_PRESETS;

/** The `TEST` section every official HigherHRNet COCO YAML has. */
const OFFICIAL_TEST: BottomUpTestConfig = {
  ...TEST_DEFAULTS,
  flipTest: true,
  scaleFactor: [1],
  detectionThreshold: 0.1,
  withHeatmaps: [true, true],
  withAe: [true, false],
  project2image: true,
  nmsKernel: 5,
  nmsPadding: 2,
};

/** Resolves `'higherhrnet_w32_512'`, `'w32_512'`, `'pose_higher_hrnet_w32_512'`, `'higher-hrnet-w48-640'`, … */
export function bottomUpPresetName(name: string): BottomUpPreset | undefined {
  const key = normalizePresetName(name).replace(/-/g, '_').replace(/^pose_/, '').replace(/^higher_hrnet_?/, 'higherhrnet_');
  const full = key.startsWith('higherhrnet_') ? key : `higherhrnet_${key}`;
  return full in BOTTOM_UP_PRESETS ? (full as BottomUpPreset) : undefined;
}

export function bottomUpPresetConfig(name: string): BottomUpModelConfig {
  const key = bottomUpPresetName(name);
  if (!key) throw new ConfigError(`unknown bottom-up pose preset "${name}"; expected one of ${Object.keys(BOTTOM_UP_PRESETS).join(', ')}`);
  const spec: BottomUpPresetSpec = BOTTOM_UP_PRESETS[key];
  const w = spec.width === 'w32' ? 32 : 48;
  return {
    backbone: backbonePreset(spec.width, FUSE),
    numJoints: 17,
    tagPerJoint: true,
    finalConvKernel: 1,
    deconv: { numDeconvs: 1, numChannels: [w], kernelSize: [4], numBasicBlocks: 4, catOutput: [true] },
    withAeLoss: [true, false],
    withHeatmapsLoss: [true, true],
    inputSize: spec.inputSize,
    dataset: 'coco',
    test: structuredClone(OFFICIAL_TEST),
  };
}

/** yacs turns `(True, False)` strings into tuples; the YAML library leaves them strings. */
function boolList(v: unknown, path: string, fallback: boolean[]): boolean[] {
  if (v === undefined) return [...fallback];
  if (Array.isArray(v) && v.every((x) => typeof x === 'boolean')) return v as boolean[];
  if (typeof v === 'string' && /^\(\s*(True|False)(\s*,\s*(True|False))*\s*,?\s*\)$/.test(v.trim())) {
    return [...v.matchAll(/True|False/g)].map((m) => m[0] === 'True');
  }
  throw new ConfigError(`${path}: expected a list of booleans like (True, False), found ${describe(v)}`);
}

function num(v: unknown, path: string, fallback: number, check: (x: number) => boolean = Number.isFinite): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !check(v)) throw new ConfigError(`${path}: expected a number, found ${describe(v)}`);
  return v;
}

function bool(v: unknown, path: string, fallback: boolean): boolean {
  if (v === undefined) return fallback;
  if (typeof v !== 'boolean') throw new ConfigError(`${path}: expected true or false, found ${describe(v)}`);
  return v;
}

function posInt(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new ConfigError(`${path}: expected a positive integer, found ${describe(v)}`);
  return v;
}

/** Reads an official HigherHRNet experiment YAML (`experiments/coco/higher_hrnet/*.yaml`). */
export function parseBottomUpYaml(text: string): BottomUpModelConfig {
  const { config, model, doc } = parseBackboneYaml(text, FUSE);
  const extra = model.EXTRA as Record<string, unknown>;
  const d = extra.DECONV as Record<string, unknown> | undefined;
  if (!d || typeof d !== 'object') {
    throw new ConfigError('MODEL.EXTRA.DECONV: missing; this is not a HigherHRNet (bottom-up) config — a top-down pose YAML goes to createPoseModel');
  }
  const numDeconvs = num(d.NUM_DECONVS, 'MODEL.EXTRA.DECONV.NUM_DECONVS', NaN, (x) => Number.isInteger(x) && x >= 0);
  const list = <T>(v: unknown, path: string, each: (x: unknown, p: string) => T): T[] => {
    if (!Array.isArray(v) || v.length !== numDeconvs) throw new ConfigError(`${path}: expected ${numDeconvs} entries (NUM_DECONVS), found ${describe(v)}`);
    return v.map((x, i) => each(x, `${path}[${i}]`));
  };
  const kernelSize = list(d.KERNEL_SIZE, 'MODEL.EXTRA.DECONV.KERNEL_SIZE', (x, p) => {
    if (x !== 2 && x !== 3 && x !== 4) throw new ConfigError(`${p}: the official code knows kernels 2, 3 and 4, found ${describe(x)}`);
    return x;
  });
  const deconv: DeconvConfig = {
    numDeconvs,
    numChannels: list(d.NUM_CHANNELS, 'MODEL.EXTRA.DECONV.NUM_CHANNELS', posInt),
    kernelSize,
    numBasicBlocks: num(d.NUM_BASIC_BLOCKS, 'MODEL.EXTRA.DECONV.NUM_BASIC_BLOCKS', 0, (x) => Number.isInteger(x) && x >= 0),
    catOutput: list(d.CAT_OUTPUT, 'MODEL.EXTRA.DECONV.CAT_OUTPUT', (x, p) => bool(x, p, false)),
  };
  const loss = (doc.LOSS ?? {}) as Record<string, unknown>;
  const stages = numDeconvs + 1;
  const withAeLoss = boolList(loss.WITH_AE_LOSS, 'LOSS.WITH_AE_LOSS', [true, ...new Array(numDeconvs).fill(false)]);
  const withHeatmapsLoss = boolList(loss.WITH_HEATMAPS_LOSS, 'LOSS.WITH_HEATMAPS_LOSS', new Array(stages).fill(true));
  for (const [name, v] of [['LOSS.WITH_AE_LOSS', withAeLoss], ['LOSS.WITH_HEATMAPS_LOSS', withHeatmapsLoss]] as const) {
    if (v.length !== stages) throw new ConfigError(`${name}: expected ${stages} flags (NUM_DECONVS + 1), found ${v.length}`);
  }
  const ds = (doc.DATASET ?? {}) as Record<string, unknown>;
  const t = (doc.TEST ?? {}) as Record<string, unknown>;
  const scaleFactor = t.SCALE_FACTOR === undefined ? [1] : t.SCALE_FACTOR;
  if (!Array.isArray(scaleFactor) || scaleFactor.length === 0 || !scaleFactor.every((s) => typeof s === 'number' && s > 0)) {
    throw new ConfigError(`TEST.SCALE_FACTOR: expected a list of positive numbers, found ${describe(scaleFactor)}`);
  }
  const test: BottomUpTestConfig = {
    flipTest: bool(t.FLIP_TEST, 'TEST.FLIP_TEST', TEST_DEFAULTS.flipTest),
    adjust: bool(t.ADJUST, 'TEST.ADJUST', TEST_DEFAULTS.adjust),
    refine: bool(t.REFINE, 'TEST.REFINE', TEST_DEFAULTS.refine),
    scaleFactor: scaleFactor as number[],
    detectionThreshold: num(t.DETECTION_THRESHOLD, 'TEST.DETECTION_THRESHOLD', TEST_DEFAULTS.detectionThreshold),
    tagThreshold: num(t.TAG_THRESHOLD, 'TEST.TAG_THRESHOLD', TEST_DEFAULTS.tagThreshold),
    useDetectionVal: bool(t.USE_DETECTION_VAL, 'TEST.USE_DETECTION_VAL', TEST_DEFAULTS.useDetectionVal),
    ignoreTooMuch: bool(t.IGNORE_TOO_MUCH, 'TEST.IGNORE_TOO_MUCH', TEST_DEFAULTS.ignoreTooMuch),
    nmsKernel: num(t.NMS_KERNEL, 'TEST.NMS_KERNEL', TEST_DEFAULTS.nmsKernel, (x) => Number.isInteger(x) && x >= 1 && x % 2 === 1),
    nmsPadding: num(t.NMS_PADDING, 'TEST.NMS_PADDING', TEST_DEFAULTS.nmsPadding, (x) => Number.isInteger(x) && x >= 0),
    project2image: bool(t.PROJECT2IMAGE, 'TEST.PROJECT2IMAGE', TEST_DEFAULTS.project2image),
    withHeatmaps: boolList(t.WITH_HEATMAPS, 'TEST.WITH_HEATMAPS', TEST_DEFAULTS.withHeatmaps),
    withAe: boolList(t.WITH_AE, 'TEST.WITH_AE', TEST_DEFAULTS.withAe),
    maxNumPeople: num(ds.MAX_NUM_PEOPLE, 'DATASET.MAX_NUM_PEOPLE', 30, (x) => Number.isInteger(x) && x >= 1),
  };
  if (test.withHeatmaps.length !== stages || test.withAe.length !== stages) {
    throw new ConfigError(`TEST.WITH_HEATMAPS / TEST.WITH_AE: expected ${stages} flags each (LOSS.NUM_STAGES)`);
  }
  if (ds.WITH_CENTER === true) throw new ConfigError('DATASET.WITH_CENTER: the centre-joint variant is not supported');
  const dataset = String(ds.DATASET ?? '').toLowerCase();
  return {
    backbone: config,
    numJoints: posInt(model.NUM_JOINTS, 'MODEL.NUM_JOINTS'),
    tagPerJoint: bool(model.TAG_PER_JOINT, 'MODEL.TAG_PER_JOINT', true),
    finalConvKernel: num(extra.FINAL_CONV_KERNEL, 'MODEL.EXTRA.FINAL_CONV_KERNEL', 1, (x) => x === 1 || x === 3),
    deconv,
    withAeLoss,
    withHeatmapsLoss,
    inputSize: posInt(ds.INPUT_SIZE, 'DATASET.INPUT_SIZE'),
    dataset: dataset.includes('coco') ? 'coco' : 'custom',
    test,
  };
}

const DECONV_PADDING: Record<number, [number, number]> = { 4: [1, 0], 3: [1, 1], 2: [0, 0] };

/**
 * `PoseHigherResolutionNet` of the official code: the HRNet trunk (stride-4 branch), `final_layers[0]` (a conv
 * to K heatmaps + K tags at 1/4), then each deconv stage: the features concatenated with the previous maps →
 * `ConvTranspose2d` ×2 + BN + ReLU + BasicBlocks → `final_layers[i+1]` (K heatmaps at 1/2). NHWC in; out a list
 * of NHWC maps, lowest resolution first, as the official `forward`.
 */
export class PoseHigherResolutionNet extends HighResolutionTrunk<tf.Tensor[]> {
  readonly finalLayers: ModuleList<Conv2d>;
  readonly deconvLayers: ModuleList<Sequential>;

  constructor(readonly bottomUpConfig: BottomUpModelConfig) {
    super(bottomUpConfig.backbone);
    const c = bottomUpConfig;
    const k = c.finalConvKernel;
    const dimTag = c.tagPerJoint ? c.numJoints : 1;
    const outAt = (i: number) => c.numJoints + (c.withAeLoss[i] ? dimTag : 0);
    const conv = (cin: number, cout: number) => new Conv2d(cin, cout, k, { padding: k === 3 ? 1 : 0 });
    const finals: Conv2d[] = [conv(this.featureChannels[0]!, outAt(0))];
    const deconvs: Sequential[] = [];
    let cin = this.featureChannels[0]!;
    for (let i = 0; i < c.deconv.numDeconvs; i++) {
      if (c.deconv.catOutput[i]) cin += outAt(i);
      const cout = c.deconv.numChannels[i]!;
      const [padding, outputPadding] = DECONV_PADDING[c.deconv.kernelSize[i]!]!;
      const layers: Module[] = [
        new Sequential(
          new ConvTranspose2d(cin, cout, c.deconv.kernelSize[i]!, { stride: 2, padding, outputPadding, bias: false }),
          new BatchNorm2d(cout),
          new ReLU(),
        ),
      ];
      for (let b = 0; b < c.deconv.numBasicBlocks; b++) layers.push(new Sequential(new BasicBlock(cout, cout)));
      deconvs.push(new Sequential(...layers));
      finals.push(conv(cout, outAt(i + 1)));
      cin = cout;
    }
    this.finalLayers = this.addModule('final_layers', new ModuleList(finals));
    this.deconvLayers = this.addModule('deconv_layers', new ModuleList(deconvs));
  }

  forward(x: tf.Tensor): tf.Tensor[] {
    let feat = this.features(x)[0]!;
    let y = this.finalLayers.at(0)!.forward(feat);
    const outputs = [y];
    for (let i = 0; i < this.bottomUpConfig.deconv.numDeconvs; i++) {
      if (this.bottomUpConfig.deconv.catOutput[i]) feat = tf.concat([feat, y], 3);
      feat = this.deconvLayers.at(i)!.forward(feat);
      y = this.finalLayers.at(i + 1)!.forward(feat);
      outputs.push(y);
    }
    return outputs;
  }
}

/**
 * The raw bottom-up network from a preset (`'higherhrnet_w32_512'`, `'w48_640'`, …), the text of an official
 * HigherHRNet YAML, or a config object. Weights are random until `loadStateDict`.
 */
export function createBottomUpPoseModel(config: string | BottomUpModelConfig): PoseHigherResolutionNet {
  if (typeof config !== 'string') return new PoseHigherResolutionNet(config);
  const isYaml = isYamlText(config);
  return new PoseHigherResolutionNet(isYaml ? parseBottomUpYaml(config) : bottomUpPresetConfig(config));
}
