import type * as tf from '@tensorflow/tfjs-core';
import { ConfigError, Conv2d } from '@hrnetjs/core';
import { type LiteHRNetConfig, LiteHRNetTrunk, describe, liteHRNetPreset, parseLiteHRNetExtra, readPythonConfig } from '@hrnetjs/hrnet-backbone';

/**
 * A top-down Lite-HRNet pose network: the official configs' `TopDown` model with a `LiteHRNet` backbone and
 * mmpose's `TopDownSimpleHead` with no deconvolutions (one 1x1 `final_layer` to the joints).
 */
export interface LitePoseModelConfig {
  /** Tells this config from HRNet's `PoseModelConfig`. */
  network: 'litehrnet';
  backbone: LiteHRNetConfig;
  numJoints: number;
  /** `keypoint_head.extra.final_conv_kernel` (1 in every official config; 3 pads by 1). */
  finalConvKernel: number;
  /** Network input `[width, height]` (`data_cfg.image_size`). */
  imageSize: [number, number];
  /** Heatmap `[width, height]` (`data_cfg.heatmap_size`), a quarter of the input. */
  heatmapSize: [number, number];
  dataset: 'coco' | 'mpii' | 'custom';
}

interface LitePosePresetSpec {
  backbone: 'litehrnet_18' | 'litehrnet_30';
  dataset: 'coco' | 'mpii';
  /** Network input `[width, height]`. */
  imageSize: [number, number];
  /** The official config file (HRNet/Lite-HRNet `configs/top_down/lite_hrnet/…`). */
  config: string;
}

const CFG = 'configs/top_down/lite_hrnet';
/** Every official Lite-HRNet pose config (HRNet/Lite-HRNet), under the config's file name. */
export const LITE_POSE_PRESETS = {
  litehrnet_18_coco_256x192: { backbone: 'litehrnet_18', dataset: 'coco', imageSize: [192, 256], config: `${CFG}/coco/litehrnet_18_coco_256x192.py` },
  litehrnet_18_coco_384x288: { backbone: 'litehrnet_18', dataset: 'coco', imageSize: [288, 384], config: `${CFG}/coco/litehrnet_18_coco_384x288.py` },
  litehrnet_30_coco_256x192: { backbone: 'litehrnet_30', dataset: 'coco', imageSize: [192, 256], config: `${CFG}/coco/litehrnet_30_coco_256x192.py` },
  litehrnet_30_coco_384x288: { backbone: 'litehrnet_30', dataset: 'coco', imageSize: [288, 384], config: `${CFG}/coco/litehrnet_30_coco_384x288.py` },
  litehrnet_18_mpii_256x256: { backbone: 'litehrnet_18', dataset: 'mpii', imageSize: [256, 256], config: `${CFG}/mpii/litehrnet_18_mpii_256x256.py` },
  litehrnet_30_mpii_256x256: { backbone: 'litehrnet_30', dataset: 'mpii', imageSize: [256, 256], config: `${CFG}/mpii/litehrnet_30_mpii_256x256.py` },
} satisfies Record<string, LitePosePresetSpec>;

export type LitePosePreset = keyof typeof LITE_POSE_PRESETS;

const JOINTS = { coco: 17, mpii: 16 } as const;

/**
 * The preset key a name means, or undefined when it is no Lite-HRNet name. Accepts the official config names
 * (`'litehrnet_18_coco_256x192'`), mmpose's checkpoint names (`'litehrnet18_coco_256x192'`), dashes, and COCO by
 * default (`'litehrnet_30_384x288'`).
 */
export function litePosePresetName(name: string): string | undefined {
  let key = name.toLowerCase().trim().replace(/\.(pth|py)$/, '').replace(/-/g, '_');
  const m = /^(?:lite_?hrnet)_?(\d+)_(.*)$/.exec(key);
  if (!m) return undefined;
  key = `litehrnet_${m[1]}_${m[2]}`;
  if (!/_(coco|mpii)_/.test(key)) key = key.replace(/^(litehrnet_\d+)_/, '$1_coco_');
  return key;
}

/** Whether `name` is a Lite-HRNet preset name (in any of the spellings {@link litePosePresetName} reads). */
export function isLitePosePreset(name: string): boolean {
  const key = litePosePresetName(name);
  return key !== undefined && key in LITE_POSE_PRESETS;
}

/** The config of a Lite-HRNet pose preset (see {@link litePosePresetName} for the spellings). */
export function litePosePresetConfig(name: string): LitePoseModelConfig {
  const key = litePosePresetName(name);
  const spec = key === undefined ? undefined : (LITE_POSE_PRESETS as Record<string, LitePosePresetSpec>)[key];
  if (!spec) throw new ConfigError(`unknown Lite-HRNet pose preset "${name}"; expected one of ${Object.keys(LITE_POSE_PRESETS).join(', ')}`);
  const [w, h] = spec.imageSize;
  return {
    network: 'litehrnet',
    backbone: liteHRNetPreset(spec.backbone),
    numJoints: JOINTS[spec.dataset],
    finalConvKernel: 1,
    imageSize: [w, h],
    heatmapSize: [w / 4, h / 4],
    dataset: spec.dataset,
  };
}

/**
 * The `model` dict of an official Lite-HRNet config (`configs/top_down/lite_hrnet/**.py`, read in Python and
 * dumped as JSON: `type='TopDown'`, `backbone=dict(type='LiteHRNet', extra=…)`, `keypoint_head=dict(…)`), plus
 * the input size from the config's `data_cfg.image_size` ([width, height]).
 */
export function parseLitePoseModelDict(
  model: Record<string, unknown>,
  options: { imageSize: [number, number]; dataset?: LitePoseModelConfig['dataset'] },
): LitePoseModelConfig {
  const backbone = model.backbone as Record<string, unknown> | undefined;
  if (backbone?.type !== 'LiteHRNet') {
    throw new ConfigError(`model.backbone.type: expected 'LiteHRNet', found ${describe(backbone?.type)}`);
  }
  const extra = backbone.extra as Record<string, unknown> | undefined;
  if (!extra || typeof extra !== 'object') throw new ConfigError(`model.backbone.extra: expected a mapping, found ${describe(extra)}`);
  const inChannels = backbone.in_channels ?? 3;
  if (typeof inChannels !== 'number') throw new ConfigError(`model.backbone.in_channels: expected a number, found ${describe(inChannels)}`);
  const config = parseLiteHRNetExtra(extra, inChannels);
  const head = model.keypoint_head as Record<string, unknown> | undefined;
  if (!head || typeof head !== 'object') throw new ConfigError(`model.keypoint_head: expected a mapping, found ${describe(head)}`);
  if ((head.num_deconv_layers ?? 3) !== 0) {
    throw new ConfigError(`model.keypoint_head.num_deconv_layers: every Lite-HRNet config has 0, found ${describe(head.num_deconv_layers)}`);
  }
  const headIn = head.in_channels;
  if (headIn !== config.stages[0]!.numChannels[0]) {
    throw new ConfigError(
      `model.keypoint_head.in_channels: expected ${config.stages[0]!.numChannels[0]} (the highest-resolution branch), found ${describe(headIn)}`,
    );
  }
  const joints = head.out_channels;
  if (typeof joints !== 'number' || !Number.isInteger(joints) || joints < 1) {
    throw new ConfigError(`model.keypoint_head.out_channels: expected a positive integer, found ${describe(joints)}`);
  }
  const kernel = (head.extra as Record<string, unknown> | undefined)?.final_conv_kernel ?? 1;
  if (kernel !== 1 && kernel !== 3) throw new ConfigError(`model.keypoint_head.extra.final_conv_kernel: expected 1 or 3, found ${describe(kernel)}`);
  const [w, h] = options.imageSize;
  return {
    network: 'litehrnet',
    backbone: config,
    numJoints: joints,
    finalConvKernel: kernel,
    imageSize: [w, h],
    heatmapSize: [w / 4, h / 4],
    dataset: options.dataset ?? (joints === 17 ? 'coco' : joints === 16 ? 'mpii' : 'custom'),
  };
}

/** Whether `text` looks like an OpenMMLab Python config (a top-level `model = dict(`). */
export function isPythonPoseConfig(text: string): boolean {
  return /^model\s*=\s*dict\(/m.test(text);
}

/**
 * An official Lite-HRNet config file as it is (`configs/top_down/lite_hrnet/coco/litehrnet_18_coco_256x192.py`):
 * its `model` dict and `data_cfg.image_size` / `heatmap_size`, read without running Python (see
 * `readPythonConfig`).
 */
export function parseLitePoseConfig(text: string): LitePoseModelConfig {
  const { model, data_cfg: data } = readPythonConfig(text, ['model', 'data_cfg']) as Record<string, Record<string, unknown>>;
  const size = (v: unknown, what: string): [number, number] => {
    if (!Array.isArray(v) || v.length !== 2 || !v.every((x) => Number.isInteger(x) && x > 0)) {
      throw new ConfigError(`data_cfg.${what}: expected [width, height] as two positive integers, found ${describe(v)}`);
    }
    return [v[0], v[1]];
  };
  const config = parseLitePoseModelDict(model!, { imageSize: size(data?.image_size, 'image_size') });
  const heatmap = size(data?.heatmap_size, 'heatmap_size');
  if (heatmap[0] !== config.heatmapSize[0] || heatmap[1] !== config.heatmapSize[1]) {
    throw new ConfigError(`data_cfg.heatmap_size: expected a quarter of image_size [${config.heatmapSize.join(', ')}], found [${heatmap.join(', ')}]`);
  }
  return config;
}

/**
 * mmpose's `TopDown` with a Lite-HRNet backbone and `TopDownSimpleHead` (no deconvs): the trunk's
 * highest-resolution output (after the IterativeHead) → `final_layer`, one heatmap per joint. Keys are the
 * backbone's own (`stem.*`, `stage0.*`, `head_layer.*`) and `final_layer.*`: an mmpose checkpoint
 * (`backbone.*`, `keypoint_head.final_layer.*` or 1.x `head.final_layer.*`) loads with the `'mmpose-pose'`
 * key mapping, like mmpose's HRNet. NHWC image batch in, NHWC heatmaps out.
 */
export class PoseLiteHRNet extends LiteHRNetTrunk<tf.Tensor> {
  readonly finalLayer: Conv2d;

  constructor(readonly poseConfig: LitePoseModelConfig) {
    super(poseConfig.backbone);
    const k = poseConfig.finalConvKernel;
    this.finalLayer = this.addModule('final_layer', new Conv2d(this.featureChannels[0]!, poseConfig.numJoints, k, { padding: k === 3 ? 1 : 0 }));
  }

  forward(x: tf.Tensor): tf.Tensor {
    const all = this.features(x);
    const out = this.finalLayer.forward(all[0]!);
    all.forEach((t) => t.dispose());
    return out;
  }
}
