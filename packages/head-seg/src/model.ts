import * as tf from '@tensorflow/tfjs-core';
import { BatchNorm2d, ConfigError, Conv2d, ReLU, Sequential, type ZooEntry, getZooEntry, resizeBilinear } from '@hrnetjs/core';
import {
  type HRNetConfig,
  HighResolutionTrunk,
  backbonePreset,
  describe,
  normalizePresetName,
  parseBackboneYaml,
  section,
  isYamlText,
} from '@hrnetjs/hrnet-backbone';
import { OcrHead, type OcrConfig } from './ocr.js';
import { SEG_ZOO, type SegZooOverrides } from './zoo.js';

/** What a segmentation network needs beyond its trunk (`MODEL.*`, `DATASET.*`, `TEST.*` of the official YAMLs). */
export interface SegmentationModelConfig {
  /** The trunk; fuse layers resize bilinearly to the target size and every branch is kept. */
  backbone: HRNetConfig;
  numClasses: number;
  /**
   * `MODEL.ALIGN_CORNERS`: used by the fuse layers, the HRNetV2 concatenation and the upsampling of the
   * logits. The HRNet-OCR branch defaults to true; configs of the master / pytorch-v1.1 branches (w18-small)
   * were trained with `F.upsample`'s default, false.
   */
  alignCorners: boolean;
  /** `MODEL.EXTRA.FINAL_CONV_KERNEL` of `last_layer` (1 in every official config; 3 pads by 1). */
  finalConvKernel: 1 | 3;
  /** `MODEL.OCR` for `seg_hrnet_ocr`; null for plain HRNetV2 (`seg_hrnet`). */
  ocr: OcrConfig | null;
  /** Which network output the inference uses (`TEST.OUTPUT_INDEX`, -1 = the last: OCR's `cls_head`). */
  outputIndex: number;
  /** Data set the classes follow (`DATASET.DATASET`). */
  dataset: string;
  /** Official test-time settings (`TEST.*` and the data set's crop). */
  test: {
    /** `TEST.BASE_SIZE`: the long side a scale of 1 resizes to in `multi_scale_aug`. */
    baseSize: number;
    /** `TEST.IMAGE_SIZE` as `[width, height]` (the YAML's order): the data set's crop for sliding-window inference. */
    cropSize: [number, number];
    /** `TEST.SCALE_LIST`. */
    scales: number[];
    /** `TEST.FLIP_TEST`. */
    flipTest: boolean;
  };
}

/** Segmentation checkpoints fuse by bilinear resize to the target size and keep all four branches. */
function segFuse(alignCorners: boolean): Pick<HRNetConfig, 'fuseUpsample' | 'multiScaleOutput'> {
  return { fuseUpsample: { mode: 'bilinear', alignCorners }, multiScaleOutput: true };
}

interface SegPresetSpec {
  width: 'w48' | 'w18-small-v1' | 'w18-small-v2';
  dataset: 'cityscapes' | 'ade20k' | 'pascal_ctx' | 'lip' | 'cocostuff';
  numClasses: number;
  alignCorners: boolean;
  ocr: boolean;
  baseSize: number;
  cropSize: [number, number];
  /** Where the official checkpoint is published (README of the branch the config comes from). */
  weights: string;
  config: string;
}

const GH = 'https://github.com/hsfzxjy/models.storage/releases/download/HRNet-OCR/';

/**
 * The official segmentation checkpoints (HRNet-Semantic-Segmentation model zoo), with the experiment
 * YAML each was trained with. `alignCorners` is the config's value: explicit `False` in the Cityscapes /
 * PASCAL-Context / LIP HRNetV2 configs of the HRNet-OCR branch, the branch default `True` where the
 * YAML says nothing (ADE20K, every OCR config), and false for the w18-small models of the master branch.
 */
export const SEGMENTATION_PRESETS = {
  w48_cityscapes: {
    width: 'w48', dataset: 'cityscapes', numClasses: 19, alignCorners: false, ocr: false, baseSize: 2048, cropSize: [2048, 1024],
    weights: `${GH}hrnet_cs_8090_torch11.pth`,
    config: 'HRNet-OCR: experiments/cityscapes/seg_hrnet_w48_train_512x1024_sgd_lr1e-2_wd5e-4_bs_12_epoch484.yaml',
  },
  'w18-small-v1_cityscapes': {
    width: 'w18-small-v1', dataset: 'cityscapes', numClasses: 19, alignCorners: false, ocr: false, baseSize: 2048, cropSize: [2048, 1024],
    weights: 'https://1drv.ms/u/s!Aus8VCZ_C_33gSEsg-2sxTmZL2AT?e=AqHbjh (OneDrive; BaiduYun code 63be)',
    config: 'pytorch-v1.1: experiments/cityscapes/seg_hrnet_w18_small_v1_512x1024_sgd_lr1e-2_wd5e-4_bs_12_epoch484.yaml',
  },
  'w18-small-v2_cityscapes': {
    width: 'w18-small-v2', dataset: 'cityscapes', numClasses: 19, alignCorners: false, ocr: false, baseSize: 2048, cropSize: [2048, 1024],
    weights: 'https://1drv.ms/u/s!Aus8VCZ_C_33gSAL4OurOW0RX4JH?e=ptLwpW (OneDrive; BaiduYun code k23v)',
    config: 'pytorch-v1.1: experiments/cityscapes/seg_hrnet_w18_small_v2_512x1024_sgd_lr1e-2_wd5e-4_bs_12_epoch484.yaml',
  },
  w48_ade20k: {
    width: 'w48', dataset: 'ade20k', numClasses: 150, alignCorners: true, ocr: false, baseSize: 520, cropSize: [520, 520],
    weights: `${GH}hrnet_ade20k_4312_torch04.pth`,
    config: 'HRNet-OCR: experiments/ade20k/seg_hrnet_w48_520x520_ohem_sgd_lr2e-2_wd1e-4_bs_16_epoch120.yaml',
  },
  w48_pascal_ctx: {
    width: 'w48', dataset: 'pascal_ctx', numClasses: 59, alignCorners: false, ocr: false, baseSize: 520, cropSize: [520, 520],
    weights: `${GH}hrnet_pascal_ctx_5410_torch11.pth`,
    config: 'HRNet-OCR: experiments/pascal_ctx/seg_hrnet_w48_cls59_520x520_sgd_lr1e-3_wd1e-4_bs_16_epoch200.yaml',
  },
  w48_lip: {
    width: 'w48', dataset: 'lip', numClasses: 20, alignCorners: false, ocr: false, baseSize: 473, cropSize: [473, 473],
    weights: `${GH}hrnet_lip_5583_torch04.pth`,
    config: 'HRNet-OCR: experiments/lip/seg_hrnet_w48_473x473_sgd_lr7e-3_wd5e-4_bs_40_epoch150.yaml',
  },
  ocr_w48_cityscapes: {
    width: 'w48', dataset: 'cityscapes', numClasses: 19, alignCorners: true, ocr: true, baseSize: 2048, cropSize: [2048, 1024],
    weights: `${GH}hrnet_ocr_cs_8162_torch11.pth`,
    config: 'HRNet-OCR: experiments/cityscapes/seg_hrnet_ocr_w48_train_512x1024_sgd_lr1e-2_wd5e-4_bs_12_epoch484.yaml',
  },
  // the other HRNet-OCR releases: no ALIGN_CORNERS in their YAMLs, so the branch default (True) holds
  w48_cocostuff: {
    width: 'w48', dataset: 'cocostuff', numClasses: 171, alignCorners: true, ocr: false, baseSize: 520, cropSize: [520, 520],
    weights: `${GH}hrnet_cocostuff_3617_torch04.pth`,
    config: 'HRNet-OCR: experiments/cocostuff/seg_hrnet_w48_520x520_ohem_sgd_lr1e-3_wd1e-4_bs_16_epoch110.yaml',
  },
  ocr_w48_lip: {
    width: 'w48', dataset: 'lip', numClasses: 20, alignCorners: true, ocr: true, baseSize: 473, cropSize: [473, 473],
    weights: `${GH}hrnet_ocr_lip_5648_torch04.pth`,
    config: 'HRNet-OCR: experiments/lip/seg_hrnet_ocr_w48_473x473_sgd_lr7e-3_wd5e-4_bs_40_epoch150.yaml',
  },
  ocr_w48_pascal_ctx: {
    width: 'w48', dataset: 'pascal_ctx', numClasses: 59, alignCorners: true, ocr: true, baseSize: 520, cropSize: [520, 520],
    weights: `${GH}hrnet_ocr_pascal_ctx_5618_torch11.pth`,
    config: 'HRNet-OCR: experiments/pascal_ctx/seg_hrnet_ocr_w48_cls59_520x520_sgd_lr1e-3_wd1e-4_bs_16_epoch200.yaml',
  },
  ocr_w48_cocostuff: {
    width: 'w48', dataset: 'cocostuff', numClasses: 171, alignCorners: true, ocr: true, baseSize: 520, cropSize: [520, 520],
    weights: `${GH}hrnet_ocr_cocostuff_3965_torch04.pth`,
    config: 'HRNet-OCR: experiments/cocostuff/seg_hrnet_ocr_w48_520x520_ohem_sgd_lr1e-3_wd1e-4_bs_16_epoch110.yaml',
  },
  ocr_w48_ade20k: {
    width: 'w48', dataset: 'ade20k', numClasses: 150, alignCorners: true, ocr: true, baseSize: 520, cropSize: [520, 520],
    weights: `${GH}hrnet_ocr_ade20k_4451_torch04.pth`,
    config: 'HRNet-OCR: experiments/ade20k/seg_hrnet_ocr_w48_520x520_ohem_sgd_lr2e-2_wd1e-4_bs_16_epoch120.yaml',
  },
} satisfies Record<string, SegPresetSpec>;

export type SegmentationPreset = keyof typeof SEGMENTATION_PRESETS;

/** OCR widths of the official configs (`_C.MODEL.OCR` defaults; no released config changes them). */
export const OCR_DEFAULTS: OcrConfig = { midChannels: 512, keyChannels: 256 };

/** Preset lookup by normalised name (lower case, `-` for `_`), so `'W48_Cityscapes'` finds `w48_cityscapes`. */
const PRESET_BY_NORMALISED = new Map(
  Object.keys(SEGMENTATION_PRESETS).map((k) => [normalizePresetName(k), k as SegmentationPreset] as const),
);

/**
 * Resolves `'w48_cityscapes'`, `'w48-cityscapes'`, `'seg_hrnet_w48_cityscapes'`, `'w18_small_v2_cityscapes'`,
 * `'ocr_w48_cityscapes'`, `'hrnet_ocr_w48_cityscapes'`, `'w48_pascal_context'`, … (case and `_`/`-` insensitive).
 */
export function segmentationPresetConfig(name: string): SegmentationModelConfig {
  let key = normalizePresetName(name);
  for (let again = true; again; ) {
    const before = key;
    key = key.replace(/^seg-/, '').replace(/^hrnet-/, '');
    again = key !== before;
  }
  key = key.replace(/pascal-context$/, 'pascal-ctx');
  const found = PRESET_BY_NORMALISED.get(key);
  if (!found) {
    throw new ConfigError(`unknown segmentation preset "${name}"; expected one of ${Object.keys(SEGMENTATION_PRESETS).join(', ')}`);
  }
  const spec: SegPresetSpec = SEGMENTATION_PRESETS[found];
  return {
    backbone: backbonePreset(spec.width, segFuse(spec.alignCorners)),
    numClasses: spec.numClasses,
    alignCorners: spec.alignCorners,
    finalConvKernel: 1,
    ocr: spec.ocr ? { ...OCR_DEFAULTS } : null,
    outputIndex: -1,
    dataset: spec.dataset,
    test: { baseSize: spec.baseSize, cropSize: [...spec.cropSize], scales: [1], flipTest: false },
  };
}

/**
 * The network a zoo entry needs: its preset with the entry's `SegZooOverrides` (another trunk, class count,
 * data set, `align_corners`) applied.
 */
export function segmentationZooConfig(entry: ZooEntry): SegmentationModelConfig {
  const c = segmentationPresetConfig(entry.model.preset);
  const o = (entry.model.overrides ?? {}) as SegZooOverrides;
  const alignCorners = o.alignCorners ?? c.alignCorners;
  const backbone = o.trunk ? backbonePreset(o.trunk, segFuse(alignCorners)) : { ...c.backbone, ...segFuse(alignCorners) };
  return { ...c, backbone, alignCorners, numClasses: o.numClasses ?? c.numClasses, dataset: o.dataset ?? c.dataset };
}

function positiveInt(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new ConfigError(`${path}: expected a positive integer, found ${describe(v)}`);
  return v;
}

function bool(v: unknown, fallback: boolean, path: string): boolean {
  if (v === undefined) return fallback;
  if (typeof v !== 'boolean') throw new ConfigError(`${path}: expected true or false, found ${describe(v)}`);
  return v;
}

export interface ParseSegmentationYamlOptions {
  /**
   * `MODEL.ALIGN_CORNERS` when the YAML does not set it. Default true, the HRNet-OCR branch's `default.py`;
   * pass false for configs of the master / pytorch-v1.1 branches, whose code upsampled with
   * `align_corners=False` (the w18-small Cityscapes models).
   */
  defaultAlignCorners?: boolean;
}

/** Reads an official segmentation experiment YAML (`experiments/<dataset>/seg_hrnet[_ocr]_*.yaml`). */
export function parseSegmentationYaml(text: string, options: ParseSegmentationYamlOptions = {}): SegmentationModelConfig {
  // The fuse mode depends on ALIGN_CORNERS, so read it first with a provisional trunk.
  const first = parseBackboneYaml(text, segFuse(false));
  const { model, doc } = first;
  const alignCorners = bool(model.ALIGN_CORNERS, options.defaultAlignCorners ?? true, 'MODEL.ALIGN_CORNERS');
  const backbone: HRNetConfig = { ...first.config, ...segFuse(alignCorners) };
  const dataset = section(doc, 'DATASET', '');
  const numClasses = positiveInt(dataset.NUM_CLASSES, 'DATASET.NUM_CLASSES');
  const name = String(model.NAME ?? 'seg_hrnet');
  if (name !== 'seg_hrnet' && name !== 'seg_hrnet_ocr') {
    throw new ConfigError(`MODEL.NAME: expected seg_hrnet or seg_hrnet_ocr, found ${describe(model.NAME)}`);
  }
  const extra = model.EXTRA as Record<string, unknown>;
  const kernel = extra.FINAL_CONV_KERNEL ?? 1;
  if (kernel !== 1 && kernel !== 3) throw new ConfigError(`MODEL.EXTRA.FINAL_CONV_KERNEL: expected 1 or 3, found ${describe(kernel)}`);
  let ocr: OcrConfig | null = null;
  if (name === 'seg_hrnet_ocr') {
    const raw = (model.OCR ?? {}) as Record<string, unknown>;
    ocr = {
      midChannels: raw.MID_CHANNELS === undefined ? OCR_DEFAULTS.midChannels : positiveInt(raw.MID_CHANNELS, 'MODEL.OCR.MID_CHANNELS'),
      keyChannels: raw.KEY_CHANNELS === undefined ? OCR_DEFAULTS.keyChannels : positiveInt(raw.KEY_CHANNELS, 'MODEL.OCR.KEY_CHANNELS'),
    };
  }
  const numOutputs = model.NUM_OUTPUTS === undefined ? 1 : positiveInt(model.NUM_OUTPUTS, 'MODEL.NUM_OUTPUTS');
  const networkOutputs = ocr ? 2 : 1;
  if (numOutputs !== 1 && numOutputs !== networkOutputs) {
    throw new ConfigError(`MODEL.NUM_OUTPUTS: ${name} has ${networkOutputs} output(s), found ${numOutputs}`);
  }
  const test = (doc.TEST ?? {}) as Record<string, unknown>;
  const outputIndex = test.OUTPUT_INDEX === undefined ? -1 : Number(test.OUTPUT_INDEX);
  if (!Number.isInteger(outputIndex) || outputIndex < -networkOutputs || outputIndex >= networkOutputs) {
    throw new ConfigError(`TEST.OUTPUT_INDEX: expected an index into ${networkOutputs} output(s), found ${describe(test.OUTPUT_INDEX)}`);
  }
  const size = test.IMAGE_SIZE ?? [2048, 1024];
  if (!Array.isArray(size) || size.length !== 2) throw new ConfigError(`TEST.IMAGE_SIZE: expected [width, height], found ${describe(size)}`);
  const scales = test.SCALE_LIST ?? [1];
  if (!Array.isArray(scales) || !scales.every((s) => typeof s === 'number' && s > 0)) {
    throw new ConfigError(`TEST.SCALE_LIST: expected a list of positive numbers, found ${describe(scales)}`);
  }
  return {
    backbone,
    numClasses,
    alignCorners,
    finalConvKernel: kernel,
    ocr,
    outputIndex,
    dataset: String(dataset.DATASET ?? 'custom').toLowerCase(),
    test: {
      baseSize: test.BASE_SIZE === undefined ? 2048 : positiveInt(test.BASE_SIZE, 'TEST.BASE_SIZE'),
      cropSize: [positiveInt(size[0], 'TEST.IMAGE_SIZE[0]'), positiveInt(size[1], 'TEST.IMAGE_SIZE[1]')],
      scales: scales as number[],
      flipTest: bool(test.FLIP_TEST, false, 'TEST.FLIP_TEST'),
    },
  };
}

/**
 * Shared by both official segmentation networks: the HRNet trunk (children under the official names) and
 * the HRNetV2 representation, every branch resized to the stride-4 map and concatenated.
 */
export abstract class SegmentationNet<Out> extends HighResolutionTrunk<Out> {
  /** Channels of the concatenated HRNetV2 map (`last_inp_channels`). */
  readonly lastInpChannels: number;

  constructor(readonly segConfig: SegmentationModelConfig) {
    super(segConfig.backbone);
    this.lastInpChannels = this.featureChannels.reduce((a, b) => a + b, 0);
  }

  get numClasses(): number {
    return this.segConfig.numClasses;
  }

  /** NHWC image batch → HRNetV2 map (stride 4). */
  representation(x: tf.Tensor): tf.Tensor4D {
    const feats = this.features(x);
    const [, h, w] = feats[0]!.shape as number[];
    const out = tf.tidy(
      () =>
        tf.concat(
          feats.map((f, i) => (i === 0 ? (f as tf.Tensor4D) : resizeBilinear(f, [h!, w!], this.segConfig.alignCorners))),
          3,
        ) as tf.Tensor4D,
    );
    // the branch maps are copied into the concatenation: free them now rather than at the caller's tidy
    tf.dispose(feats.filter((f) => f !== out));
    return out;
  }

  /** Every output of the official `forward`, as a list (one for `seg_hrnet`, `[aux, out]` for OCR). */
  abstract outputs(x: tf.Tensor): tf.Tensor4D[];

  /** The output inference uses (`TEST.OUTPUT_INDEX`): NHWC logits at a quarter of the input size. */
  logits(x: tf.Tensor): tf.Tensor4D {
    const outs = this.outputs(x);
    const i = this.segConfig.outputIndex;
    return outs[i < 0 ? outs.length + i : i]!;
  }
}

/**
 * `seg_hrnet.HighResolutionNet`: HRNetV2 then `last_layer` (1x1 conv + BN + ReLU + conv to the classes).
 * NHWC image batch in, NHWC logits at a quarter of the input size out.
 */
export class SegHighResolutionNet extends SegmentationNet<tf.Tensor4D> {
  readonly lastLayer: Sequential;

  constructor(config: SegmentationModelConfig) {
    super(config);
    const c = this.lastInpChannels;
    const k = config.finalConvKernel;
    this.lastLayer = this.addModule(
      'last_layer',
      new Sequential(
        new Conv2d(c, c, 1),
        new BatchNorm2d(c),
        new ReLU(),
        new Conv2d(c, config.numClasses, k, { padding: k === 3 ? 1 : 0 }),
      ),
    );
  }

  forward(x: tf.Tensor): tf.Tensor4D {
    const rep = this.representation(x);
    const logits = this.lastLayer.forward(rep) as tf.Tensor4D;
    rep.dispose(); // Sequential frees its own intermediates, not its input
    return logits;
  }

  outputs(x: tf.Tensor): tf.Tensor4D[] {
    return [this.forward(x)];
  }
}

/**
 * `seg_hrnet_ocr.HighResolutionNet`: HRNetV2, then the OCR head. `forward` returns `[aux, out]` as the
 * official code (`aux_head` soft object regions, `cls_head` OCR logits); inference uses `out`.
 */
export class SegHighResolutionNetOCR extends SegmentationNet<tf.Tensor4D[]> {
  readonly head: OcrHead;

  constructor(config: SegmentationModelConfig) {
    super(config);
    if (!config.ocr) throw new ConfigError('SegHighResolutionNetOCR needs config.ocr');
    // The head registers its children (conv3x3_ocr, ocr_distri_head, cls_head, aux_head) on this module,
    // so the keys stay at the root as in the official state_dict.
    this.head = new OcrHead(this.lastInpChannels, config.numClasses, config.ocr, (name, m) => this.addModule(name, m));
  }

  forward(x: tf.Tensor): tf.Tensor4D[] {
    return this.head.forward(this.representation(x));
  }

  outputs(x: tf.Tensor): tf.Tensor4D[] {
    return this.forward(x);
  }
}

export type SegmentationModel = SegHighResolutionNet | SegHighResolutionNetOCR;

/**
 * The raw segmentation network from a zoo name (`'mmseg_fcn_hr18_4xb2-40k_cityscapes-512x1024'`: exactly the
 * network that checkpoint needs), a preset name (`'w48_cityscapes'`, `'ocr_w48_cityscapes'`, …), the
 * text of an official experiment YAML, or a config object. Weights are random until `loadStateDict`.
 */
export function createSegmentationModel(
  config: string | SegmentationModelConfig,
  options: ParseSegmentationYamlOptions = {},
): SegmentationModel {
  let c: SegmentationModelConfig;
  if (typeof config !== 'string') c = config;
  else if (isYamlText(config)) c = parseSegmentationYaml(config, options);
  else {
    const entry = getZooEntry(config, SEG_ZOO);
    c = entry ? segmentationZooConfig(entry) : segmentationPresetConfig(config);
  }
  return c.ocr ? new SegHighResolutionNetOCR(c) : new SegHighResolutionNet(c);
}
