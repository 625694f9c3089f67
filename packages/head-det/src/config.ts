import { ConfigError } from '@hrnetjs/core';
import {
  type HRNetConfig,
  type StageConfig,
  backbonePreset,
  describe,
  normalizePresetName,
  parseStage,
  parseYaml,
  validateConfig,
} from '@hrnetjs/hrnet-backbone';

/** `MODEL.HRNET.FPN` of HRNet-FCOS: the HRNetV2p neck (`HRFPN`). */
export interface HrfpnConfig {
  /** Channels of the four HRNet outputs (`[W, 2W, 4W, 8W]` in the official builder). */
  inChannels: number[];
  /** `MODEL.HRNET.FPN.OUT_CHANNEL` (256 in every official config). */
  outChannels: number;
  /** `MODEL.HRNET.FPN.CONV_STRIDE`: 2 for the 5-level models (strides 8…128), 1 for 6-level (4…128). */
  convStride: number;
  /** Number of pyramid levels (`len(MODEL.FCOS.FPN_STRIDES)`). */
  numLevels: number;
  /** `HRFPN(pooling=…)`: the official builder never passes it, so AVG; MAX is HRFPN's other option. */
  pooling: 'AVG' | 'MAX';
}

/** `MODEL.FCOS` of the official config: the head and its post-processing. */
export interface FcosConfig {
  /** Object classes, background excluded (`MODEL.FCOS.NUM_CLASSES - 1`; 80 for COCO). */
  numClasses: number;
  /** Conv + GroupNorm + ReLU layers in each tower (`MODEL.FCOS.NUM_CONVS`, 4). */
  numConvs: number;
  /** Stride of each pyramid level in input pixels (`MODEL.FCOS.FPN_STRIDES`). */
  fpnStrides: number[];
}

/** Post-processing defaults (`FCOSPostProcessor` arguments); every one can be overridden per call. */
export interface FcosInferenceConfig {
  /**
   * Whose post-processing runs: `'official'` (HRNet-FCOS, default) or `'mmdet'` (mmdetection 2.x
   * `FCOSHead._get_bboxes` + `multiclass_nms`): the thresholds below then mean `test_cfg`'s `score_thr`
   * (on score × centerness), `nms_pre`, `nms.iou_threshold` and `max_per_img`.
   */
  postprocess?: 'official' | 'mmdet';
  /** `MODEL.FCOS.INFERENCE_TH`: a location/class is a candidate when sigmoid(logit) > this (0.05). */
  scoreThreshold: number;
  /** `MODEL.FCOS.PRE_NMS_TOP_N`: candidates kept per level, by score × centerness (1000). */
  preNmsTopN: number;
  /** `MODEL.FCOS.NMS_TH`: class-wise NMS IoU threshold, official `+1` box convention (0.6). */
  nmsThreshold: number;
  /** `TEST.DETECTIONS_PER_IMG`: most detections kept over all classes (100); 0 keeps all. */
  detectionsPerImage: number;
}

/** `INPUT.*` and `DATALOADER.SIZE_DIVISIBILITY`: how an image becomes the network input. */
export interface DetectionInputConfig {
  /**
   * How the test size is chosen: `'official'` (default: shorter side to `minSize` unless the longer would pass
   * `maxSize`) or `'mmdet'` (mmcv `rescale_size(w, h, (maxSize, minSize))`: the largest scale that fits both
   * edges, `int(side · scale + 0.5)`, upscaling small images too; no `/255·255` round trip before normalising).
   */
  resizeRule?: 'official' | 'mmdet';
  /** `INPUT.MIN_SIZE_TEST`: the shorter side is resized to this (800)… */
  minSize: number;
  /** …unless the longer side would exceed `INPUT.MAX_SIZE_TEST` (1333). */
  maxSize: number;
  /** `DATALOADER.SIZE_DIVISIBILITY`: zero-padding (bottom/right) to a multiple of this (32). */
  sizeDivisibility: number;
  /** `INPUT.PIXEL_MEAN` in the channel order the network sees (BGR when `toBgr255`). */
  pixelMean: [number, number, number];
  /** `INPUT.PIXEL_STD` (1, 1, 1: the Caffe-style models only subtract the mean). */
  pixelStd: [number, number, number];
  /** `INPUT.TO_BGR255`: BGR channel order, values 0–255 (true for every official model). */
  toBgr255: boolean;
}

/** Everything `createDetectionModel` needs: the trunk, the neck, the head, and the test-time settings. */
export interface DetectionModelConfig {
  backbone: HRNetConfig;
  fpn: HrfpnConfig;
  fcos: FcosConfig;
  inference: FcosInferenceConfig;
  input: DetectionInputConfig;
}

/** The FCOS trunk keeps all four outputs and fuses with nearest upsampling (`nn.Upsample(mode='nearest')`). */
export const DET_FUSE = { fuseUpsample: { mode: 'nearest' }, multiScaleOutput: true } as const;

/** Official defaults (`maskrcnn_benchmark/config/defaults.py`). */
export const FCOS_INFERENCE_DEFAULTS: Readonly<FcosInferenceConfig> = Object.freeze({
  scoreThreshold: 0.05,
  preNmsTopN: 1000,
  nmsThreshold: 0.6,
  detectionsPerImage: 100,
});

export const DETECTION_INPUT_DEFAULTS: Readonly<DetectionInputConfig> = Object.freeze({
  minSize: 800,
  maxSize: 1333,
  sizeDivisibility: 32,
  pixelMean: [102.9801, 115.9465, 122.7717] as [number, number, number],
  pixelStd: [1, 1, 1] as [number, number, number],
  toBgr255: true,
});

const STRIDES_5L = [8, 16, 32, 64, 128];
const STRIDES_6L = [4, 8, 16, 32, 64, 128];

/**
 * The stage dicts `build_hrnet_fpn_backbone` hard-codes for `HRNET-W{18,32,40}`: stage 1 = 4 Bottlenecks
 * of 64, 4 blocks a branch, 1/4/3 modules (the same layout as the backbone's `w18`/`w32`/`w40` presets).
 */
function fcosTrunk(width: number): HRNetConfig {
  return backbonePreset(`w${width}`, DET_FUSE);
}

interface DetPresetSpec {
  width: 18 | 32 | 40;
  levels: 5 | 6;
}

/**
 * Every released HRNet-FCOS model (`configs/fcos/fcos_hrnet_*.yaml`). The `_ms` (multi-scale training)
 * variants share the network with their single-scale twins, so they are aliases.
 */
export const DETECTION_PRESETS = {
  fcos_w18_5l: { width: 18, levels: 5 },
  fcos_w18_6l: { width: 18, levels: 6 },
  fcos_w32_5l: { width: 32, levels: 5 },
  fcos_w32_6l: { width: 32, levels: 6 },
  fcos_w40_6l: { width: 40, levels: 6 },
  // mmdetection's w40 FCOS (HRFPN num_outs 5, stride 2); the official release has only the 6-level w40
  fcos_w40_5l: { width: 40, levels: 5 },
} satisfies Record<string, DetPresetSpec>;

export type DetectionPreset = keyof typeof DETECTION_PRESETS;

function buildConfig(backbone: HRNetConfig, outChannels: number, strides: number[], convStride: number, numClasses: number, numConvs: number): DetectionModelConfig {
  const last = backbone.stage4;
  return {
    backbone,
    fpn: { inChannels: [...last.numChannels], outChannels, convStride, numLevels: strides.length, pooling: 'AVG' },
    fcos: { numClasses, numConvs, fpnStrides: [...strides] },
    inference: { ...FCOS_INFERENCE_DEFAULTS },
    input: { ...DETECTION_INPUT_DEFAULTS, pixelMean: [...DETECTION_INPUT_DEFAULTS.pixelMean], pixelStd: [...DETECTION_INPUT_DEFAULTS.pixelStd] },
  };
}

/**
 * Resolves `'fcos_w18_5l'`, `'w18_5l'`, `'fcos_hrnet_w18_5l_2x'`, `'fcos_hrnet_w32_6l_ms_2x'`, `'w40-6l'`, …
 */
export function detectionPresetConfig(name: string): DetectionModelConfig {
  const key = normalizePresetName(name)
    .replace(/-/g, '_')
    .replace(/^fcos_/, '')
    .replace(/^hrnet_/, '')
    .replace(/(_ms)?(_[123]x)?$/, '');
  const spec = (DETECTION_PRESETS as Record<string, DetPresetSpec>)[`fcos_${key}`];
  if (!spec) throw new ConfigError(`unknown detection preset "${name}"; expected one of ${Object.keys(DETECTION_PRESETS).join(', ')}`);
  const strides = spec.levels === 5 ? STRIDES_5L : STRIDES_6L;
  return buildConfig(fcosTrunk(spec.width), 256, strides, spec.levels === 5 ? 2 : 1, 80, 4);
}

function num(v: unknown, path: string, test: (x: number) => boolean, what: string): number {
  if (typeof v !== 'number' || !test(v)) throw new ConfigError(`${path}: expected ${what}, found ${describe(v)}`);
  return v;
}

function mapping(v: unknown, path: string): Record<string, unknown> {
  if (v === undefined) return {};
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new ConfigError(`${path}: expected a mapping, found ${describe(v)}`);
  return v as Record<string, unknown>;
}

/** yacs writes tuples as `(800,)` strings in YAML; accept both that and a plain number/list. */
function firstSize(v: unknown, path: string): number {
  if (typeof v === 'string') {
    const m = /^\(?\s*(\d+)\s*,?\s*\)?$/.exec(v.trim());
    if (m) return Number(m[1]);
  }
  if (Array.isArray(v) && v.length === 1) return firstSize(v[0], path);
  return num(v, path, (x) => Number.isInteger(x) && x > 0, 'a positive integer');
}

function triple(v: unknown, path: string): [number, number, number] {
  if (!Array.isArray(v) || v.length !== 3 || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    throw new ConfigError(`${path}: expected three numbers, found ${describe(v)}`);
  }
  return [v[0], v[1], v[2]];
}

/**
 * Reads an official HRNet-FCOS experiment YAML (`configs/fcos/fcos_hrnet_*.yaml`) over the official defaults.
 * `MODEL.BACKBONE.CONV_BODY` `HRNET-W18|W32|W40` picks the trunk the official builder hard-codes. As an
 * extension (the official code has no such key), `MODEL.HRNET.EXTRA.STAGE1…4` in the usual HRNet YAML form
 * overrides that trunk, so a small or custom trunk can be described in a file too.
 */
export function parseDetectionYaml(text: string): DetectionModelConfig {
  const doc = parseYaml(text);
  const model = mapping(doc.MODEL, 'MODEL');
  if (model.FCOS_ON === false) throw new ConfigError('MODEL.FCOS_ON: only FCOS detectors exist in HRNet-FCOS, found false');
  const backboneSec = mapping(model.BACKBONE, 'MODEL.BACKBONE');
  const hrnetSec = mapping(model.HRNET, 'MODEL.HRNET');
  const fpnSec = mapping(hrnetSec.FPN, 'MODEL.HRNET.FPN');
  const fcosSec = mapping(model.FCOS, 'MODEL.FCOS');
  const extra = hrnetSec.EXTRA === undefined ? undefined : mapping(hrnetSec.EXTRA, 'MODEL.HRNET.EXTRA');

  let backbone: HRNetConfig;
  if (extra) {
    const stage = (n: number): StageConfig => parseStage(mapping(extra[`STAGE${n}`], `MODEL.HRNET.EXTRA.STAGE${n}`), `MODEL.HRNET.EXTRA.STAGE${n}`);
    backbone = { stage1: stage(1), stage2: stage(2), stage3: stage(3), stage4: stage(4), ...DET_FUSE };
    validateConfig(backbone);
  } else {
    const body = backboneSec.CONV_BODY ?? 'HRNET-W18';
    const m = typeof body === 'string' ? /^HRNET-W(18|32|40)$/.exec(body) : null;
    if (!m) {
      throw new ConfigError(
        `MODEL.BACKBONE.CONV_BODY: expected HRNET-W18, HRNET-W32 or HRNET-W40 (the official builder's widths), found ${describe(body)}; ` +
          'describe other trunks with MODEL.HRNET.EXTRA.STAGE1…4',
      );
    }
    backbone = fcosTrunk(Number(m[1]));
  }
  if (backbone.stage4.numBranches !== 4) throw new ConfigError(`STAGE4.NUM_BRANCHES: HRFPN needs 4 branches, found ${backbone.stage4.numBranches}`);

  const fpnType = fpnSec.TYPE ?? 'HRFPN';
  if (fpnType !== 'HRFPN') throw new ConfigError(`MODEL.HRNET.FPN.TYPE: expected HRFPN, found ${describe(fpnType)}`);
  const outChannels = num(fpnSec.OUT_CHANNEL ?? 256, 'MODEL.HRNET.FPN.OUT_CHANNEL', (x) => Number.isInteger(x) && x > 0 && x % 32 === 0, 'a positive multiple of 32 (the head GroupNorm has 32 groups)');
  const convStride = num(fpnSec.CONV_STRIDE ?? 2, 'MODEL.HRNET.FPN.CONV_STRIDE', (x) => x === 1 || x === 2, '1 or 2');
  const strides = fcosSec.FPN_STRIDES ?? STRIDES_5L;
  if (!Array.isArray(strides) || strides.length < 1 || !strides.every((s) => Number.isInteger(s) && s > 0)) {
    throw new ConfigError(`MODEL.FCOS.FPN_STRIDES: expected a list of positive integers, found ${describe(strides)}`);
  }
  // HRFPN level i is HRNet's stride-4 map pooled by 2^i, then a conv of stride CONV_STRIDE: the strides follow.
  const expected = strides.map((_, i) => 4 * 2 ** i * convStride);
  if (strides.some((s, i) => s !== expected[i])) {
    throw new ConfigError(`MODEL.FCOS.FPN_STRIDES: with CONV_STRIDE ${convStride} the HRFPN levels have strides [${expected.join(', ')}], found [${strides.join(', ')}]`);
  }
  const numClasses = num(fcosSec.NUM_CLASSES ?? 81, 'MODEL.FCOS.NUM_CLASSES', (x) => Number.isInteger(x) && x >= 2, 'an integer ≥ 2 (classes + background)') - 1;
  const numConvs = num(fcosSec.NUM_CONVS ?? 4, 'MODEL.FCOS.NUM_CONVS', (x) => Number.isInteger(x) && x >= 0, 'a non-negative integer');
  const config = buildConfig(backbone, outChannels, strides as number[], convStride, numClasses, numConvs);

  const inf = config.inference;
  inf.scoreThreshold = num(fcosSec.INFERENCE_TH ?? inf.scoreThreshold, 'MODEL.FCOS.INFERENCE_TH', (x) => x >= 0 && x < 1, 'a number in [0, 1)');
  inf.preNmsTopN = num(fcosSec.PRE_NMS_TOP_N ?? inf.preNmsTopN, 'MODEL.FCOS.PRE_NMS_TOP_N', (x) => Number.isInteger(x) && x > 0, 'a positive integer');
  inf.nmsThreshold = num(fcosSec.NMS_TH ?? inf.nmsThreshold, 'MODEL.FCOS.NMS_TH', (x) => x >= 0 && x <= 1, 'a number in [0, 1]');
  const test = mapping(doc.TEST, 'TEST');
  inf.detectionsPerImage = num(test.DETECTIONS_PER_IMG ?? inf.detectionsPerImage, 'TEST.DETECTIONS_PER_IMG', (x) => Number.isInteger(x) && x >= 0, 'a non-negative integer');

  const input = mapping(doc.INPUT, 'INPUT');
  const cfgIn = config.input;
  if (input.MIN_SIZE_TEST !== undefined) cfgIn.minSize = firstSize(input.MIN_SIZE_TEST, 'INPUT.MIN_SIZE_TEST');
  if (input.MAX_SIZE_TEST !== undefined) cfgIn.maxSize = firstSize(input.MAX_SIZE_TEST, 'INPUT.MAX_SIZE_TEST');
  if (input.PIXEL_MEAN !== undefined) cfgIn.pixelMean = triple(input.PIXEL_MEAN, 'INPUT.PIXEL_MEAN');
  if (input.PIXEL_STD !== undefined) cfgIn.pixelStd = triple(input.PIXEL_STD, 'INPUT.PIXEL_STD');
  if (input.TO_BGR255 !== undefined) cfgIn.toBgr255 = Boolean(input.TO_BGR255);
  const loader = mapping(doc.DATALOADER, 'DATALOADER');
  // the official FCOS YAMLs all set 32; absent, the official default is 0 (no padding)
  cfgIn.sizeDivisibility = num(loader.SIZE_DIVISIBILITY ?? 0, 'DATALOADER.SIZE_DIVISIBILITY', (x) => Number.isInteger(x) && x >= 0, 'a non-negative integer');
  return config;
}
