import type * as tf from '@tensorflow/tfjs-core';
import { BatchNorm2d, ConfigError, Conv2d, ReLU, Sequential, type ZooEntry, getZooEntry } from '@hrnetjs/core';
import { FACE_ZOO, type FaceZooOverrides } from './zoo.js';
import {
  type HRNetConfig,
  HighResolutionTrunk,
  backbonePreset,
  describe,
  hrnetV2,
  parseBackboneYaml,
  isYamlText,
} from '@hrnetjs/hrnet-backbone';
import { type FaceDataset, SCHEMES } from './schemes.js';

/** What a face alignment network needs beyond its trunk (`MODEL.*` of the official YAMLs). */
export interface FaceModelConfig {
  backbone: HRNetConfig;
  /** `MODEL.NUM_JOINTS`: 68 (300W), 98 (WFLW), 29 (COFW), 19 (AFLW). */
  numLandmarks: number;
  /**
   * `MODEL.EXTRA.FINAL_CONV_KERNEL` (1 in every official config). The official head pads BOTH of its
   * convs by 1 when it is 3, the first being 1x1 — so the heatmaps then grow by 4 pixels; kept as is.
   */
  finalConvKernel: 1 | 3;
  /** Network input `[width, height]` (`MODEL.IMAGE_SIZE`), 256x256 in every official config. */
  imageSize: [number, number];
  /** Heatmap `[width, height]` (`MODEL.HEATMAP_SIZE`), a quarter of the input. */
  heatmapSize: [number, number];
  /** Landmark scheme the heatmaps follow (`DATASET.DATASET`), or `custom` for other landmark sets. */
  dataset: FaceDataset | 'custom';
}

/**
 * The face trunk: stage 1 is hard-coded `Bottleneck(64) x4` (as in pose), every fuse layer resizes with
 * `F.interpolate(size=…, mode='bilinear')` and align_corners unset (= False), and stage 4 keeps all four
 * branches for the HRNetV2 representation.
 */
const FACE_FUSE = { fuseUpsample: { mode: 'bilinear', alignCorners: false }, multiScaleOutput: true } as const;

/**
 * The four official checkpoints of HRNet-Facial-Landmark-Detection (`HR18-300W.pth`, `HR18-WFLW.pth`,
 * `HR18-COFW.pth`, `HR18-AFLW.pth`), all HRNetV2-W18 at 256x256.
 */
export const FACE_PRESETS = ['300w', 'wflw', 'cofw', 'aflw'] as const satisfies readonly FaceDataset[];
export type FacePreset = (typeof FACE_PRESETS)[number];

/**
 * Resolves `'300w'`, `'w18_300w'`, `'face_w18_300w'`, `'hrnetv2_w18_wflw'`, `'HR18-COFW'`, … to the
 * official config of that dataset.
 */
export function facePresetConfig(name: string): FaceModelConfig {
  const key = name
    .trim()
    .toLowerCase()
    .replace(/[-\s]/g, '_')
    .replace(/^(face_(alignment_)?)?/, '')
    .replace(/^(hrnet(v2)?_?w18_|hrnet(v2)?_|hr18_|w18_)/, '')
    .replace(/_hrnet(v2)?_w18$/, '')
    .replace(/\.pth$/, '');
  if (!(FACE_PRESETS as readonly string[]).includes(key)) {
    throw new ConfigError(`unknown face preset "${name}"; expected one of ${FACE_PRESETS.join(', ')} (optionally as w18_300w, HR18-300W, …)`);
  }
  const dataset = key as FacePreset;
  return {
    backbone: backbonePreset('w18', FACE_FUSE),
    numLandmarks: SCHEMES[dataset].numLandmarks,
    finalConvKernel: 1,
    imageSize: [256, 256],
    heatmapSize: [64, 64],
    dataset,
  };
}

function sizePair(v: unknown, path: string): [number, number] {
  if (!Array.isArray(v) || v.length !== 2 || !v.every((x) => Number.isInteger(x) && x > 0)) {
    throw new ConfigError(`${path}: expected [width, height] as two positive integers, found ${describe(v)}`);
  }
  return [v[0], v[1]];
}

/** Reads an official face experiment YAML (`experiments/{300w,wflw,cofw,aflw}/*.yaml`). */
export function parseFaceYaml(text: string): FaceModelConfig {
  const { config, model, doc } = parseBackboneYaml(text, FACE_FUSE);
  const extra = model.EXTRA as Record<string, unknown>;
  const n = model.NUM_JOINTS;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) {
    throw new ConfigError(`MODEL.NUM_JOINTS: expected a positive integer, found ${describe(n)}`);
  }
  const kernel = extra.FINAL_CONV_KERNEL ?? 1;
  if (kernel !== 1 && kernel !== 3) throw new ConfigError(`MODEL.EXTRA.FINAL_CONV_KERNEL: expected 1 or 3, found ${describe(kernel)}`);
  const name = String((doc.DATASET as Record<string, unknown> | undefined)?.DATASET ?? '').toLowerCase();
  const known = (FACE_PRESETS as readonly string[]).includes(name) ? (name as FacePreset) : null;
  if (known && SCHEMES[known].numLandmarks !== n) {
    throw new ConfigError(`MODEL.NUM_JOINTS: DATASET ${name.toUpperCase()} has ${SCHEMES[known].numLandmarks} landmarks, found ${n}`);
  }
  return {
    backbone: config,
    numLandmarks: n,
    finalConvKernel: kernel,
    // the official defaults (lib/config/defaults.py) when the YAML leaves them out
    imageSize: model.IMAGE_SIZE === undefined ? [256, 256] : sizePair(model.IMAGE_SIZE, 'MODEL.IMAGE_SIZE'),
    heatmapSize: model.HEATMAP_SIZE === undefined ? [64, 64] : sizePair(model.HEATMAP_SIZE, 'MODEL.HEATMAP_SIZE'),
    dataset: known ?? 'custom',
  };
}

/**
 * `HighResolutionNet` of HRNet-Facial-Landmark-Detection (`lib/models/hrnet.py`): the HRNet trunk, the
 * HRNetV2 representation (every branch bilinearly resized to the stride-4 map, align_corners False, and
 * concatenated), then `head` = 1x1 conv (with bias) + BN + ReLU + conv to one heatmap per landmark.
 * NHWC image batch in, NHWC heatmaps out.
 */
export class FaceAlignmentNet extends HighResolutionTrunk<tf.Tensor4D> {
  readonly head: Sequential;

  constructor(readonly faceConfig: FaceModelConfig) {
    super(faceConfig.backbone);
    if (!faceConfig.backbone.multiScaleOutput) {
      throw new ConfigError('face alignment concatenates every stage-4 branch: backbone.multiScaleOutput must be true');
    }
    const c = this.featureChannels.reduce((a, b) => a + b, 0);
    const k = faceConfig.finalConvKernel;
    const pad = k === 3 ? 1 : 0;
    this.head = this.addModule(
      'head',
      new Sequential(
        new Conv2d(c, c, 1, { padding: pad }),
        new BatchNorm2d(c),
        new ReLU(),
        new Conv2d(c, faceConfig.numLandmarks, k, { padding: pad }),
      ),
    );
  }

  /** Number of heatmaps (landmarks) this network outputs. */
  get numLandmarks(): number {
    return this.faceConfig.numLandmarks;
  }

  forward(x: tf.Tensor): tf.Tensor4D {
    return this.head.forward(hrnetV2(this.features(x), false)) as tf.Tensor4D;
  }
}

/**
 * The raw face alignment network from a preset (`'300w'`, `'wflw'`, `'cofw'`, `'aflw'`, or names such as
 * `'w18_300w'`), the text of an official experiment YAML, or a config object. Weights are random until
 * `loadStateDict` (official checkpoints load as they are; `HR18-300W.pth`'s `module.` prefix is stripped by
 * `loadCheckpoint`'s key rules).
 *
 * @example
 * const model = createFaceAlignmentModel('wflw');
 * model.loadStateDict(loadCheckpoint(bytes));
 * const heatmaps = model.predict(normalizedCrops); // [N, 64, 64, 98]
 */
export function createFaceAlignmentModel(config: string | FaceModelConfig): FaceAlignmentNet {
  if (typeof config !== 'string') return new FaceAlignmentNet(config);
  const isYaml = isYamlText(config);
  if (isYaml) return new FaceAlignmentNet(parseFaceYaml(config));
  const entry = getZooEntry(config, FACE_ZOO);
  return new FaceAlignmentNet(entry ? faceZooConfig(entry) : facePresetConfig(config));
}

/** The network a zoo entry needs: its preset with the entry's `FaceZooOverrides`. */
export function faceZooConfig(entry: ZooEntry): FaceModelConfig {
  const c = facePresetConfig(entry.model.preset);
  const o = (entry.model.overrides ?? {}) as FaceZooOverrides;
  return o.imageSize ? { ...c, imageSize: [...o.imageSize] } : c;
}
