import type { CheckpointFormat, StateDict } from '@hrnetjs/core';
import type { TaskId } from './tasks/types.js';

/** What the app understood from a weights file, shown before it is loaded into a network. */
export interface WeightsInfo {
  name: string;
  format: CheckpointFormat | 'unknown';
  bytes: number;
  keys: number;
  parameters: number;
  /** The task the keys belong to, when they say so. */
  task: TaskId | null;
  /** One readable line: "pose HRNet, width 32, 17 joints (COCO)". */
  architecture: string;
  /** The first few keys with their shapes, to see what is inside. */
  sample: { key: string; shape: number[] }[];
}

/** Tensors that are only counters, not parameters (BatchNorm's `num_batches_tracked`). */
const isCounter = (key: string) => key.endsWith('num_batches_tracked');

function shapeOf(sd: StateDict, ...keys: string[]): number[] | undefined {
  for (const k of keys) {
    const t = sd.get(k);
    if (t) return t.shape;
  }
  return undefined;
}

/**
 * Names the architecture from the official state_dict keys (after the default key rules: `module.`,
 * segmentation `model.` stripped). The HRNet width is the channel count of the first branch of stage 2.
 */
export function recogniseArchitecture(sd: StateDict): { task: TaskId | null; architecture: string } {
  const keys = [...sd.keys()];
  const has = (prefix: string) => keys.some((k) => k.startsWith(prefix));
  const detPrefix = has('backbone.body.') ? 'backbone.body.' : '';
  const width = shapeOf(sd, `${detPrefix}stage2.0.branches.0.0.conv1.weight`)?.[0];
  const w = width !== undefined ? `width ${width}` : 'unknown width';
  if (has('rpn.head.') || has('backbone.fpn.')) {
    const cls = shapeOf(sd, 'rpn.head.cls_logits.weight')?.[0];
    return { task: 'detection', architecture: `detection HRNet-FCOS (HRFPN + FCOS head), ${w}${cls ? `, ${cls} classes` : ''}` };
  }
  if (has('incre_modules.') || has('classifier.')) {
    const cls = shapeOf(sd, 'classifier.weight')?.[0];
    return { task: 'classification', architecture: `ImageNet classifier HRNet, ${w}${cls ? `, ${cls} classes` : ''}` };
  }
  if (has('last_layer.') || has('cls_head.') || has('ocr_distri_head.')) {
    const ocr = has('ocr_distri_head.') || has('cls_head.');
    const cls = shapeOf(sd, 'cls_head.weight', 'last_layer.3.weight')?.[0];
    return { task: 'segmentation', architecture: `segmentation HRNetV2${ocr ? ' + OCR' : ''}, ${w}${cls ? `, ${cls} classes` : ''}` };
  }
  if (has('head.')) {
    const n = shapeOf(sd, 'head.3.weight')?.[0];
    return { task: 'face', architecture: `face landmark HRNetV2, ${w}${n ? `, ${n} landmarks` : ''}` };
  }
  if (has('final_layers.1.') && has('deconv_layers.')) {
    const j = shapeOf(sd, 'final_layers.1.weight')?.[0];
    return { task: 'multipose', architecture: `bottom-up pose HigherHRNet, ${w}${j ? `, ${j} joints` : ''}` };
  }
  // Lite-HRNet pose: the official / mmpose 0.x layout (backbone.stem, keypoint_head.final_layer) or the bare one
  const litePrefix = has('backbone.stem.') ? 'backbone.' : has('stem.') ? '' : null;
  if (litePrefix !== null) {
    // the head's 1x1 conv reads the first (highest-resolution) branch: its input channels are the width
    const [j, c] = shapeOf(sd, 'keypoint_head.final_layer.weight', 'final_layer.weight') ?? [];
    const set = j === 17 ? ' (COCO)' : j === 16 ? ' (MPII)' : '';
    return { task: 'pose', architecture: `pose Lite-HRNet${c ? `, width ${c}` : ''}${j ? `, ${j} joints${set}` : ''}` };
  }
  if (has('final_layer.')) {
    const j = shapeOf(sd, 'final_layer.weight')?.[0];
    const set = j === 17 ? ' (COCO)' : j === 16 ? ' (MPII)' : '';
    return { task: 'pose', architecture: `pose HRNet, ${w}${j ? `, ${j} joints${set}` : ''}` };
  }
  if (has('stage2.')) return { task: null, architecture: `HRNet trunk without a known head, ${w}` };
  return { task: null, architecture: 'not an HRNet state dict (no stage2.* keys)' };
}

export function describeWeights(name: string, format: WeightsInfo['format'], bytes: number, sd: StateDict): WeightsInfo {
  let parameters = 0;
  for (const [k, t] of sd) if (!isCounter(k)) parameters += t.data.length;
  return {
    name,
    format,
    bytes,
    keys: sd.size,
    parameters,
    ...recogniseArchitecture(sd),
    sample: [...sd].slice(0, 6).map(([key, t]) => ({ key, shape: t.shape })),
  };
}
