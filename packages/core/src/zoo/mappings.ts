/**
 * The key rules of every checkpoint family the zoo knows (official HRNet, mmpose, mmsegmentation, mmdetection),
 * by name: the heads' zoo entries use them, and so do files the zoo does not list (`keyMapping: 'mmpose-pose'`).
 */
import type { ZooKeyMapping } from './types.js';

/** Official checkpoints load as they are (DataParallel `module.`, seg `model.`/`loss.` handled by the defaults). */
const OFFICIAL: ZooKeyMapping = { rules: {} };

/** Official segmentation checkpoints also carry the training-time `loss.*` criterion; the defaults drop it. */
const OFFICIAL_SEG: ZooKeyMapping = { rules: { dropPrefix: ['loss.'] } };

/** mmpose top-down heatmap models: `backbone.` trunk; `head.final_layer` (1.x) or `keypoint_head.final_layer` (0.x). */
const MMPOSE_POSE: ZooKeyMapping = {
  rules: {
    stripPrefix: ['backbone.'],
    rename: [
      ['head.final_layer.', 'final_layer.'],
      ['keypoint_head.final_layer.', 'final_layer.'],
    ],
  },
};

/** mmpose 0.x associative embedding (AEHigherResolutionHead): the official HigherHRNet layers under `backbone.` / `keypoint_head.`. */
const MMPOSE_AE: ZooKeyMapping = { rules: { stripPrefix: ['backbone.', 'keypoint_head.'] } };

/**
 * mmpose face models (0.x `TopdownHeatmapSimpleHead` with one 1x1 conv layer): `keypoint_head.final_layer`
 * is Sequential(conv, BN, ReLU, conv) exactly like the official `head`; 1.x `HeatmapHead` splits it into
 * `conv_layers` (conv, BN) and `final_layer`.
 */
const MMPOSE_FACE: ZooKeyMapping = {
  rules: {
    stripPrefix: ['backbone.'],
    rename: [
      ['keypoint_head.final_layer.', 'head.'],
      ['head.conv_layers.0.', 'head.0.'],
      ['head.conv_layers.1.', 'head.1.'],
      ['head.final_layer.', 'head.3.'],
    ],
  },
};

/**
 * mmsegmentation `FCNHead` (num_convs 1, kernel 1, resize_concat) = the official `last_layer`
 * (conv, BN, ReLU, conv); its `ConvModule` has no bias before BN, so the official conv bias is zero.
 */
const MMSEG_FCN: ZooKeyMapping = {
  rules: {
    dropPrefix: ['auxiliary_head.'],
    stripPrefix: ['backbone.'],
    rename: [
      ['decode_head.convs.0.conv.', 'last_layer.0.'],
      ['decode_head.convs.0.bn.', 'last_layer.1.'],
      ['decode_head.conv_seg.', 'last_layer.3.'],
    ],
  },
  zeroBiases: ['last_layer.0.bias'],
};

/**
 * mmdetection FCOS + HRFPN onto the official HRNet-FCOS names (`backbone.body`, `backbone.fpn`, `rpn.head`).
 * Tower convs are `ConvModule`s without bias before GroupNorm (official: with bias), so those biases are zero.
 */
export function mmdetFcosKeyMapping(numConvs = 4, numOuts = 5): ZooKeyMapping {
  const rename: [string, string][] = [
    ['neck.reduction_conv.conv.', 'backbone.fpn.reduction_conv.0.'],
    ['bbox_head.conv_cls.', 'rpn.head.cls_logits.'],
    ['bbox_head.conv_reg.', 'rpn.head.bbox_pred.'],
    ['bbox_head.conv_centerness.', 'rpn.head.centerness.'],
    ['bbox_head.scales.', 'rpn.head.scales.'],
  ];
  const zeroBiases: string[] = [];
  for (let i = 0; i < numOuts; i++) rename.push([`neck.fpn_convs.${i}.conv.`, `backbone.fpn.fpn_conv.${i}.`]);
  for (let i = 0; i < numConvs; i++) {
    for (const [mm, ours] of [['cls_convs', 'cls_tower'], ['reg_convs', 'bbox_tower']] as const) {
      rename.push([`bbox_head.${mm}.${i}.conv.`, `rpn.head.${ours}.${3 * i}.`]);
      rename.push([`bbox_head.${mm}.${i}.gn.`, `rpn.head.${ours}.${3 * i + 1}.`]);
      zeroBiases.push(`rpn.head.${ours}.${3 * i}.bias`);
    }
  }
  rename.push(['backbone.', 'backbone.body.']);
  // mmcv's Scale holds a 0-d factor; ours (like the official FCOS) a 1-element vector
  return { rules: { rename }, zeroBiases, scalarsAsVectors: ['rpn.head.scales.'] };
}


/**
 * The key mappings by name, for checkpoints that are not zoo entries (`hrnet … --keys mmpose`): the same
 * rules the zoo entries of each origin use.
 */
export const KEY_MAPPINGS: Readonly<Record<string, ZooKeyMapping>> = Object.freeze({
  official: OFFICIAL,
  'official-seg': OFFICIAL_SEG,
  'mmpose-pose': MMPOSE_POSE,
  'mmpose-ae': MMPOSE_AE,
  'mmpose-face': MMPOSE_FACE,
  'mmseg-fcn': MMSEG_FCN,
  'mmdet-fcos': mmdetFcosKeyMapping(),
});
