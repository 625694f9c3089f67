import * as tf from '@tensorflow/tfjs-core';
import { Module, ShapeError, type ZooEntry, getZooEntry } from '@hrnetjs/core';
import { HighResolutionNet, isYamlText } from '@hrnetjs/hrnet-backbone';
import { type DetectionModelConfig, detectionPresetConfig, parseDetectionYaml } from './config.js';
import { FCOSHead, type FcosHeadOutput } from './fcos-head.js';
import { HRFPN } from './hrfpn.js';
import { DET_ZOO, type DetZooProcessing } from './zoo.js';

/** `build_hrnet_fpn_backbone`: `nn.Sequential(body=HighResolutionNet, fpn=HRFPN)`, keys `backbone.body.*`, `backbone.fpn.*`. */
export class HRNetFPNBackbone extends Module<tf.Tensor, tf.Tensor[]> {
  readonly body: HighResolutionNet;
  readonly fpn: HRFPN;

  constructor(config: DetectionModelConfig) {
    super();
    this.body = this.addModule('body', new HighResolutionNet(config.backbone));
    this.fpn = this.addModule('fpn', new HRFPN(config.fpn));
  }

  forward(x: tf.Tensor): tf.Tensor[] {
    const body = this.body.forward(x); // the trunk frees its intermediates as it goes
    const out = tf.tidy(() => this.fpn.forward(body));
    tf.dispose(body);
    return out;
  }
}

/** `FCOSModule`: only its `head` has weights (`rpn.head.*`); locations and post-processing are functions here. */
export class FCOSModule extends Module<tf.Tensor[], FcosHeadOutput> {
  readonly head: FCOSHead;

  constructor(config: DetectionModelConfig) {
    super();
    this.head = this.addModule('head', new FCOSHead(config.fpn.outChannels, config.fcos));
  }

  forward(features: tf.Tensor[]): FcosHeadOutput {
    return this.head.forward(features);
  }
}

/** Raw outputs plus the intermediate maps, for checking a port level by level. */
export interface FcosDetailedOutput extends FcosHeadOutput {
  /** HRNet outputs (strides 4, 8, 16, 32), NHWC. */
  body: tf.Tensor4D[];
  /** HRFPN outputs, one per level, NHWC. */
  fpn: tf.Tensor4D[];
}

/**
 * The `GeneralizedRCNN` that `build_detection_model` builds for HRNet-FCOS (RPN_ONLY, FCOS_ON): `backbone`
 * (HRNet trunk + HRFPN) and `rpn.head` (FCOS head). NHWC batch in (already normalised and padded to a multiple
 * of 32, see `preprocess.ts`), raw per-level maps out. Parameter names are the official state_dict keys.
 */
export class FcosHRNet extends Module<tf.Tensor, FcosHeadOutput> {
  readonly backbone: HRNetFPNBackbone;
  readonly rpn: FCOSModule;

  constructor(readonly detConfig: DetectionModelConfig) {
    super();
    if (detConfig.fpn.numLevels !== detConfig.fcos.fpnStrides.length) {
      throw new ShapeError(`FCOS: ${detConfig.fpn.numLevels} HRFPN levels but ${detConfig.fcos.fpnStrides.length} FPN strides`);
    }
    this.backbone = this.addModule('backbone', new HRNetFPNBackbone(detConfig));
    this.rpn = this.addModule('rpn', new FCOSModule(detConfig));
  }

  /** Stride of each level in input pixels. */
  get strides(): number[] {
    return this.detConfig.fcos.fpnStrides;
  }

  get numClasses(): number {
    return this.detConfig.fcos.numClasses;
  }

  forward(x: tf.Tensor): FcosHeadOutput {
    return this.rpn.forward(this.backbone.forward(x));
  }

  /** Like `forward`, also returning the HRNet and HRFPN maps (call inside `tf.tidy` or dispose them all). */
  forwardDetailed(x: tf.Tensor): FcosDetailedOutput {
    const body = this.backbone.body.forward(x) as tf.Tensor4D[];
    const fpn = tf.tidy(() => this.backbone.fpn.forward(body)) as tf.Tensor4D[];
    return { body, fpn, ...this.rpn.forward(fpn) };
  }
}

/**
 * `FCOSModule.compute_locations_per_level`: the input-pixel point each output cell stands for,
 * x = j·stride + ⌊stride/2⌋, y = i·stride + ⌊stride/2⌋, row-major (y outer), `[x0, y0, x1, y1, …]`.
 */
export function computeLocations(height: number, width: number, stride: number): Float32Array {
  const out = new Float32Array(height * width * 2);
  const half = Math.floor(stride / 2);
  for (let i = 0; i < height; i++) {
    for (let j = 0; j < width; j++) {
      out[(i * width + j) * 2] = j * stride + half;
      out[(i * width + j) * 2 + 1] = i * stride + half;
    }
  }
  return out;
}

/**
 * The raw detection network from a zoo name (`'mmdet_fcos_hrnetv2p_w32_gn-head_4x4_1x_coco'`: that checkpoint's
 * network and test settings), a preset name (`'fcos_w18_5l'`, `'fcos_hrnet_w32_6l_2x'`, …), the text of an
 * official HRNet-FCOS YAML, or a config object. Weights are random until `loadStateDict`.
 */
export function createDetectionModel(config: string | DetectionModelConfig): FcosHRNet {
  if (typeof config !== 'string') return new FcosHRNet(config);
  const isYaml = isYamlText(config);
  if (isYaml) return new FcosHRNet(parseDetectionYaml(config));
  const entry = getZooEntry(config, DET_ZOO);
  return new FcosHRNet(entry ? detectionZooConfig(entry) : detectionPresetConfig(config));
}

/** The network a zoo entry needs: its preset with the entry's upstream input and NMS settings. */
export function detectionZooConfig(entry: ZooEntry<DetZooProcessing>): DetectionModelConfig {
  const c = detectionPresetConfig(entry.model.preset);
  const p = entry.processing ?? {};
  return { ...c, input: { ...c.input, ...p.input }, inference: { ...c.inference, ...p.inference } };
}
