import type * as tf from '@tensorflow/tfjs-core';
import { ConfigError, Conv2d, getZooEntry } from '@hrnetjs/core';
import { POSE_ZOO } from './zoo.js';
import {
  LITE_POSE_PRESETS,
  type LitePoseModelConfig,
  PoseLiteHRNet,
  isLitePosePreset,
  isPythonPoseConfig,
  litePosePresetConfig,
  parseLitePoseConfig,
} from './lite.js';
import {
  type HRNetConfig,
  HighResolutionTrunk,
  backbonePreset,
  describe,
  normalizePresetName,
  parseBackboneYaml,
  isYamlText,
} from '@hrnetjs/hrnet-backbone';

/** What a pose network needs beyond its trunk (`MODEL.*` of the official YAMLs). */
export interface PoseModelConfig {
  backbone: HRNetConfig;
  numJoints: number;
  /** `MODEL.EXTRA.FINAL_CONV_KERNEL` (1 in every official config; 3 pads by 1). */
  finalConvKernel: number;
  /** Network input `[width, height]` (`MODEL.IMAGE_SIZE`). */
  imageSize: [number, number];
  /** Heatmap `[width, height]` (`MODEL.HEATMAP_SIZE`), a quarter of the input. */
  heatmapSize: [number, number];
  /** Keypoint set the joints follow. */
  dataset: 'coco' | 'mpii' | 'custom';
}

/** Pose and classification checkpoints fuse with nearest upsampling; only the stride-4 output is kept. */
const POSE_FUSE = { fuseUpsample: { mode: 'nearest' }, multiScaleOutput: false } as const;

interface PosePresetSpec {
  width: 'w32' | 'w48';
  dataset: 'coco' | 'mpii';
  /** Network input `[width, height]`. */
  imageSize: [number, number];
  /** The official experiment YAML it corresponds to (deep-high-resolution-net.pytorch `experiments/…`). */
  config: string;
  /** File name of the released checkpoint in the official model zoo (`models/pytorch/<folder>/<file>`). */
  checkpoint: string;
}

/**
 * Where the official checkpoints are published: the model zoo of deep-high-resolution-net.pytorch (README,
 * "Download pretrained models from our model zoo"), folder `pose_coco/` or `pose_mpii/`. They are not
 * downloadable by a plain URL (Google Drive / OneDrive folders): download the `.pth` once and serve or read it
 * yourself. Tests never download them.
 */
export const OFFICIAL_MODEL_ZOO = {
  googleDrive: 'https://drive.google.com/drive/folders/1hOTihvbyIxsm5ygDpbUuJ7O_tzv4oXjC',
  oneDrive: 'https://1drv.ms/f/s!AhIXJn_J-blW231MH2krnmLq5kkQ',
} as const;

/**
 * Every official pose checkpoint of deep-high-resolution-net.pytorch (file names as released, in the
 * `pose_coco/` and `pose_mpii/` folders of the official model zoo, {@link OFFICIAL_MODEL_ZOO}).
 */
export const POSE_PRESETS = {
  coco_w32_256x192: {
    width: 'w32', dataset: 'coco', imageSize: [192, 256],
    config: 'experiments/coco/hrnet/w32_256x192_adam_lr1e-3.yaml', checkpoint: 'pose_coco/pose_hrnet_w32_256x192.pth',
  },
  coco_w32_384x288: {
    width: 'w32', dataset: 'coco', imageSize: [288, 384],
    config: 'experiments/coco/hrnet/w32_384x288_adam_lr1e-3.yaml', checkpoint: 'pose_coco/pose_hrnet_w32_384x288.pth',
  },
  coco_w48_256x192: {
    width: 'w48', dataset: 'coco', imageSize: [192, 256],
    config: 'experiments/coco/hrnet/w48_256x192_adam_lr1e-3.yaml', checkpoint: 'pose_coco/pose_hrnet_w48_256x192.pth',
  },
  coco_w48_384x288: {
    width: 'w48', dataset: 'coco', imageSize: [288, 384],
    config: 'experiments/coco/hrnet/w48_384x288_adam_lr1e-3.yaml', checkpoint: 'pose_coco/pose_hrnet_w48_384x288.pth',
  },
  mpii_w32_256x256: {
    width: 'w32', dataset: 'mpii', imageSize: [256, 256],
    config: 'experiments/mpii/hrnet/w32_256x256_adam_lr1e-3.yaml', checkpoint: 'pose_mpii/pose_hrnet_w32_256x256.pth',
  },
  mpii_w48_256x256: {
    width: 'w48', dataset: 'mpii', imageSize: [256, 256],
    config: 'experiments/mpii/hrnet/w48_256x256_adam_lr1e-3.yaml', checkpoint: 'pose_mpii/pose_hrnet_w48_256x256.pth',
  },
} satisfies Record<string, PosePresetSpec>;

export type PosePreset = keyof typeof POSE_PRESETS;

const JOINTS = { coco: 17, mpii: 16 } as const;

/** Resolves `'w32_256x192'` (COCO by default), `'coco_w32_256x192'`, `'pose_hrnet_w32_256x192'`, … */
export function posePresetConfig(name: string): PoseModelConfig {
  let key = normalizePresetName(name).replace(/^pose-/, '').replace(/-/g, '_');
  if (!key.startsWith('coco_') && !key.startsWith('mpii_')) key = `coco_${key}`;
  const spec = (POSE_PRESETS as Record<string, PosePresetSpec>)[key];
  if (!spec) {
    throw new ConfigError(
      `unknown pose preset "${name}"; expected one of ${Object.keys(POSE_PRESETS).join(', ')} (HRNet) or ${Object.keys(LITE_POSE_PRESETS).join(', ')} (Lite-HRNet)`,
    );
  }
  const [w, h] = spec.imageSize;
  return {
    backbone: backbonePreset(spec.width, POSE_FUSE),
    numJoints: JOINTS[spec.dataset],
    finalConvKernel: 1,
    imageSize: [w, h],
    heatmapSize: [w / 4, h / 4],
    dataset: spec.dataset,
  };
}

function sizePair(v: unknown, path: string): [number, number] {
  if (!Array.isArray(v) || v.length !== 2 || !v.every((x) => Number.isInteger(x) && x > 0)) {
    throw new ConfigError(`${path}: expected [width, height] as two positive integers, found ${describe(v)}`);
  }
  return [v[0], v[1]];
}

/** Reads an official pose experiment YAML (`experiments/coco/hrnet/*.yaml`). */
export function parsePoseYaml(text: string): PoseModelConfig {
  const { config, model, doc } = parseBackboneYaml(text, POSE_FUSE);
  const extra = model.EXTRA as Record<string, unknown>;
  if (extra.DECONV !== undefined) {
    // the one key only HigherHRNet YAMLs have; without this a bottom-up YAML fails on its missing IMAGE_SIZE
    throw new ConfigError('MODEL.EXTRA.DECONV: this is a HigherHRNet (bottom-up) config, not a top-down pose one; it goes to createBottomUpPoseModel / createMultiPoseEstimator');
  }
  const numJoints = model.NUM_JOINTS;
  if (!Number.isInteger(numJoints) || (numJoints as number) < 1) {
    throw new ConfigError(`MODEL.NUM_JOINTS: expected a positive integer, found ${describe(numJoints)}`);
  }
  const kernel = extra.FINAL_CONV_KERNEL ?? 1;
  if (kernel !== 1 && kernel !== 3) throw new ConfigError(`MODEL.EXTRA.FINAL_CONV_KERNEL: expected 1 or 3, found ${describe(kernel)}`);
  const dataset = String((doc.DATASET as Record<string, unknown> | undefined)?.DATASET ?? '').toLowerCase();
  return {
    backbone: config,
    numJoints: numJoints as number,
    finalConvKernel: kernel,
    imageSize: sizePair(model.IMAGE_SIZE, 'MODEL.IMAGE_SIZE'),
    heatmapSize: sizePair(model.HEATMAP_SIZE, 'MODEL.HEATMAP_SIZE'),
    dataset: dataset === 'coco' || dataset === 'mpii' ? dataset : 'custom',
  };
}

/**
 * `PoseHighResolutionNet` of the official code: the HRNet trunk (V1 representation: the stride-4 output)
 * and `final_layer`, a conv to one heatmap per joint. NHWC image batch in, NHWC heatmaps out.
 */
export class PoseHighResolutionNet extends HighResolutionTrunk<tf.Tensor> {
  readonly finalLayer: Conv2d;

  constructor(readonly poseConfig: PoseModelConfig) {
    super(poseConfig.backbone);
    const k = poseConfig.finalConvKernel;
    this.finalLayer = this.addModule(
      'final_layer',
      new Conv2d(this.featureChannels[0]!, poseConfig.numJoints, k, { padding: k === 3 ? 1 : 0 }),
    );
  }

  forward(x: tf.Tensor): tf.Tensor {
    return this.finalLayer.forward(this.features(x)[0]!);
  }
}

/** Every top-down pose network this head builds: HRNet (`PoseHighResolutionNet`) or Lite-HRNet (`PoseLiteHRNet`). */
export type PoseNetwork = PoseHighResolutionNet | PoseLiteHRNet;

/** A config of either network: a `LitePoseModelConfig` says `network: 'litehrnet'`. */
export type PoseNetworkConfig = PoseModelConfig | LitePoseModelConfig;

function isLiteConfig(c: PoseNetworkConfig): c is LitePoseModelConfig {
  return (c as LitePoseModelConfig).network === 'litehrnet';
}

/**
 * The config a top-down preset name means, HRNet's (`'coco_w32_256x192'`) or Lite-HRNet's
 * (`'litehrnet_18_coco_256x192'`), without building the network.
 */
export function poseNetworkPresetConfig(name: string): PoseNetworkConfig {
  return isLitePosePreset(name) ? litePosePresetConfig(name) : posePresetConfig(name);
}

/**
 * The raw pose network from a zoo name (`'mmpose_td-hm_hrnet-w32_8xb64-210e_coco-256x192'`,
 * `'mmpose_td-hm_litehrnet-18_8xb64-210e_coco-256x192'`), a preset name (`'w32_256x192'`, `'mpii_w48_256x256'`,
 * `'litehrnet_18_coco_256x192'`, …), the text of an official HRNet experiment YAML or Lite-HRNet config file (`.py`),
 * or a config object. Weights
 * are random until `loadStateDict`.
 */
export function createPoseModel(config: PoseModelConfig): PoseHighResolutionNet;
export function createPoseModel(config: LitePoseModelConfig): PoseLiteHRNet;
export function createPoseModel(config: string | PoseNetworkConfig): PoseNetwork;
export function createPoseModel(config: string | PoseNetworkConfig): PoseNetwork {
  if (typeof config !== 'string') return isLiteConfig(config) ? new PoseLiteHRNet(config) : new PoseHighResolutionNet(config);
  if (isPythonPoseConfig(config)) return new PoseLiteHRNet(parseLitePoseConfig(config));
  const isYaml = isYamlText(config);
  if (isYaml) return new PoseHighResolutionNet(parsePoseYaml(config));
  // a zoo name builds its entry's preset (mmpose's top-down HRNet / Lite-HRNet are the official networks)
  const preset = getZooEntry(config, POSE_ZOO)?.model.preset ?? config;
  return createPoseModel(poseNetworkPresetConfig(preset));
}
