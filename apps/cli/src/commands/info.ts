/**
 * `hrnet info <checkpoint>`: format, key count, parameter count, the top-level modules, and the architecture
 * read from the keys (task, key layout, trunk widths, modules and blocks per stage, head sizes), matched
 * against the trunk presets and the zoo.
 */
import { readFile } from 'node:fs/promises';
import { type StateDict, type ZooTask, detectCheckpointFormat, detectKeyMapping, keyMapping, applyZooKeyMapping, listZoo } from '@hrnetjs/core';
import { BACKBONE_PRESETS, LITEHRNET_PRESETS } from '@hrnetjs/hrnet-backbone';
import { CliError, EXIT } from '../exit-codes.js';
import { loadWeights } from '../model-source.js';
import { ZOO, zooHeadSize, zooUsesMapping } from '../zoo.js';
import type { Context } from '../context.js';

export interface StageInfo {
  modules: number;
  blocksPerBranch: number[];
  channels: number[];
  /** HRNet's residual blocks, or Lite-HRNet's module types. */
  block: 'BASIC' | 'BOTTLENECK' | 'LITE' | 'NAIVE';
}

export interface Architecture {
  task: ZooTask | 'backbone' | 'unknown';
  layout: string;
  detail: string;
  stages: StageInfo[];
  /** Trunk presets with these exact stage layouts. */
  trunkPresets: string[];
  /** Zoo entries whose task and trunk match. */
  zooMatches: string[];
  heads: Record<string, number>;
}

function maxIndex(keys: string[], prefix: string): number {
  let m = -1;
  for (const k of keys) {
    if (!k.startsWith(prefix)) continue;
    const n = Number(k.slice(prefix.length).split('.')[0]);
    if (Number.isInteger(n)) m = Math.max(m, n);
  }
  return m;
}

/** Stage layouts from the keys of an official-named trunk (no prefix). */
export function trunkStages(sd: StateDict): StageInfo[] {
  const keys = [...sd.keys()];
  if (sd.has('stem.conv1.conv.weight')) return liteStages(sd, keys);
  const stages: StageInfo[] = [];
  // stage 1: layer1.<blocks>, Bottleneck conv3
  const l1 = maxIndex(keys, 'layer1.');
  if (l1 >= 0) {
    const w = sd.get('layer1.0.conv1.weight');
    stages.push({ modules: 1, blocksPerBranch: [l1 + 1], channels: [w?.shape[0] ?? 0], block: sd.has('layer1.0.conv3.weight') ? 'BOTTLENECK' : 'BASIC' });
  }
  for (const s of [2, 3, 4]) {
    const mods = maxIndex(keys, `stage${s}.`);
    if (mods < 0) continue;
    const branches = maxIndex(keys, `stage${s}.0.branches.`) + 1;
    const blocks: number[] = [];
    const channels: number[] = [];
    for (let b = 0; b < branches; b++) {
      blocks.push(maxIndex(keys, `stage${s}.0.branches.${b}.`) + 1);
      channels.push(sd.get(`stage${s}.0.branches.${b}.0.conv1.weight`)?.shape[0] ?? 0);
    }
    stages.push({ modules: mods + 1, blocksPerBranch: blocks, channels, block: sd.has(`stage${s}.0.branches.0.0.conv3.weight`) ? 'BOTTLENECK' : 'BASIC' });
  }
  return stages;
}

/**
 * Lite-HRNet (`stem`, `stage0..`): LITE modules hold `layers.<block>.depthwise_convs.<branch>` (half the branch's
 * channels), NAIVE ones `layers.<branch>.<unit>.branch2` (half as well).
 */
function liteStages(sd: StateDict, keys: string[]): StageInfo[] {
  const stages: StageInfo[] = [];
  for (let s = 0; maxIndex(keys, `stage${s}.`) >= 0; s++) {
    const mods = maxIndex(keys, `stage${s}.`) + 1;
    const lite = keys.some((k) => k.startsWith(`stage${s}.0.layers.0.depthwise_convs.`));
    const branches = lite ? maxIndex(keys, `stage${s}.0.layers.0.depthwise_convs.`) + 1 : maxIndex(keys, `stage${s}.0.layers.`) + 1;
    const blocks = lite ? maxIndex(keys, `stage${s}.0.layers.`) + 1 : maxIndex(keys, `stage${s}.0.layers.0.`) + 1;
    const channels = Array.from({ length: branches }, (_, b) => {
      const w = sd.get(lite ? `stage${s}.0.layers.0.depthwise_convs.${b}.conv.weight` : `stage${s}.0.layers.${b}.0.branch2.0.conv.weight`);
      return 2 * (w?.shape[0] ?? 0);
    });
    stages.push({ modules: mods, blocksPerBranch: channels.map(() => blocks), channels, block: lite ? 'LITE' : 'NAIVE' });
  }
  return stages;
}

function matchPresets(stages: StageInfo[]): string[] {
  if (stages.length > 0 && (stages[0]!.block === 'LITE' || stages[0]!.block === 'NAIVE')) {
    return Object.entries(LITEHRNET_PRESETS)
      .filter(
        ([, p]) =>
          p.stages.length === stages.length &&
          p.stages.every((st, i) => {
            const s = stages[i]!;
            return st.numModules === s.modules && st.moduleType === s.block && st.numChannels.join() === s.channels.join() && s.blocksPerBranch.every((b) => b === st.numBlocks);
          }),
      )
      .map(([name]) => name);
  }
  if (stages.length !== 4) return [];
  return Object.entries(BACKBONE_PRESETS)
    .filter(([, p]) =>
      [p.stage1, p.stage2, p.stage3, p.stage4].every((st, i) => {
        const s = stages[i]!;
        return st.numModules === s.modules && st.block === s.block && st.numChannels.join() === s.channels.join() && st.numBlocks.join() === s.blocksPerBranch.join();
      }),
    )
    .map(([name]) => name);
}

function stripPrefix(sd: StateDict, prefix: string): StateDict {
  const out: StateDict = new Map();
  for (const [k, v] of sd) if (k.startsWith(prefix)) out.set(k.slice(prefix.length), v);
  return out;
}

/** The trunk preset a zoo entry overrides its preset's with (mmseg's `hr18s` = `w18-small-v2`, …). */
function trunkOf(e: { model: { overrides?: Record<string, unknown> } }): string | undefined {
  const t = e.model.overrides?.trunk;
  return typeof t === 'string' ? t : undefined;
}

export function describeArchitecture(raw: StateDict): Architecture {
  const keys = [...raw.keys()].map((k) => k.replace(/^module\./, '').replace(/^model\./, ''));
  const has = (p: string) => keys.some((k) => k.startsWith(p));
  let task: Architecture['task'] = 'unknown';
  if (has('rpn.head.') || has('bbox_head.')) task = 'det';
  else if (has('decode_head.') || has('last_layer.') || has('cls_head.')) task = 'seg';
  else if (has('incre_modules.') && has('classifier.')) task = 'classify';
  else if (has('head.3.') || (has('keypoint_head.final_layer.3.') || has('head.conv_layers.'))) task = 'face';
  else if (has('final_layer.') || has('keypoint_head.') || has('head.final_layer.')) task = 'pose';
  else if (has('stage2.') || has('backbone.stage2.')) task = 'backbone';
  const layoutName = detectKeyMapping(task === 'unknown' || task === 'backbone' ? 'pose' : task, raw.keys());
  const sd = applyZooKeyMapping(raw, keyMapping(layoutName));
  const stages = trunkStages(task === 'det' ? stripPrefix(sd, 'backbone.body.') : sd);
  const trunkPresets = matchPresets(stages);
  const heads: Record<string, number> = {};
  let detail = '';
  const out0 = (k: string) => sd.get(k)?.shape[0];
  if (task === 'pose') {
    // bottom-up (HigherHRNet): final_layers.1 predicts the joints' heatmaps at the higher resolution
    heads.joints = out0('final_layer.weight') ?? out0('final_layers.1.weight') ?? 0;
    const net = sd.has('stem.conv1.conv.weight') ? 'PoseLiteHRNet' : 'PoseHighResolutionNet';
    detail = `top-down pose (${net}), ${heads.joints} joints${heads.joints === 17 ? ' (COCO)' : heads.joints === 16 ? ' (MPII)' : ''}`;
  } else if (task === 'face') {
    heads.landmarks = out0('head.3.weight') ?? 0;
    const ds = { 68: '300W', 98: 'WFLW', 29: 'COFW', 19: 'AFLW' }[heads.landmarks];
    detail = `facial landmarks (HRNetV2), ${heads.landmarks} landmarks${ds ? ` (${ds})` : ''}`;
  } else if (task === 'seg') {
    const ocr = sd.has('cls_head.weight');
    heads.classes = out0(ocr ? 'cls_head.weight' : 'last_layer.3.weight') ?? 0;
    detail = `semantic segmentation (HRNetV2${ocr ? ' + OCR' : ''}), ${heads.classes} classes`;
  } else if (task === 'classify') {
    heads.classes = out0('classifier.weight') ?? 0;
    detail = `image classification (HRNet-C), ${heads.classes} classes`;
  } else if (task === 'det') {
    heads.classes = out0('rpn.head.cls_logits.weight') ?? 0;
    heads.fpnChannels = out0('backbone.fpn.reduction_conv.0.weight') ?? 0;
    heads.levels = maxIndex([...raw.keys()].map((k) => k.replace(/^module\./, '')), 'rpn.head.scales.') + 1 || maxIndex([...raw.keys()], 'bbox_head.scales.') + 1;
    detail = `object detection (FCOS + HRFPN), ${heads.classes} classes, ${heads.levels} FPN levels, FPN width ${heads.fpnChannels}`;
  } else if (task === 'backbone') detail = 'HRNet trunk only (no task head)';
  else detail = 'not an HRNet checkpoint this project knows (no stage2/layer1/head keys found)';
  // the entries this file fits: same task, the entry's key layout, its trunk and its head size
  const headSize = heads.joints ?? heads.landmarks ?? heads.classes;
  const zooMatches =
    task === 'unknown' || task === 'backbone'
      ? []
      : listZoo(ZOO, task)
          .filter((e) => trunkPresets.some((p) => e.model.preset === p || e.model.preset.includes(`${p}_`) || e.model.preset.includes(`_${p}`) || e.model.preset.startsWith(`${p}`) || trunkOf(e) === p))
          .filter((e) => zooUsesMapping(e, layoutName) && (headSize === undefined || zooHeadSize(e) === headSize))
          .map((e) => e.name);
  return { task, layout: layoutName, detail, stages, trunkPresets, zooMatches, heads };
}

export async function info(ctx: Context, input: string, options: { json?: boolean; all?: boolean }): Promise<number> {
  const { sd, path } = await loadWeights(input, ctx.fetchOptions);
  const format = detectCheckpointFormat(new Uint8Array(await readFile(path)));
  let params = 0;
  const tops = new Map<string, number>();
  for (const [k, v] of sd) {
    const n = v.data.length;
    params += n;
    const top = k.split('.')[0]!;
    tops.set(top, (tops.get(top) ?? 0) + n);
  }
  const arch = describeArchitecture(sd);
  if (arch.task === 'unknown' && sd.size === 0) throw new CliError(`${path}: the checkpoint holds no tensors`);
  const report = {
    file: path,
    format: format ?? (path.endsWith('.json') ? 'tfjs-model-json' : 'unknown'),
    keys: sd.size,
    parameters: params,
    modules: Object.fromEntries(tops),
    architecture: arch,
    tensors: options.all ? [...sd].map(([k, v]) => ({ key: k, shape: v.shape, dtype: v.dtype })) : undefined,
  };
  if (options.json) {
    ctx.out(`${JSON.stringify(report, null, 2)}\n`);
    return EXIT.ok;
  }
  const lines = [
    `file        ${path}`,
    `format      ${report.format}`,
    `keys        ${sd.size}`,
    `parameters  ${params.toLocaleString('en-US')} (${(params / 1e6).toFixed(2)} M)`,
    `task        ${arch.task}: ${arch.detail}`,
    `key layout  ${arch.layout}`,
    ...arch.stages.map(
      (s, i) => `stage ${i + 1}     ${s.modules} module${s.modules === 1 ? '' : 's'}, ${s.block}, blocks [${s.blocksPerBranch.join(', ')}], channels [${s.channels.join(', ')}]`,
    ),
    `preset      ${arch.trunkPresets.length ? arch.trunkPresets.join(', ') : 'none (custom trunk, e.g. a test fixture): build it from its YAML'}`,
    ...(arch.zooMatches.length ? [`zoo         ${arch.zooMatches.slice(0, 8).join(', ')}${arch.zooMatches.length > 8 ? ', …' : ''}`] : []),
    `modules     ${[...tops].map(([k, n]) => `${k} (${n.toLocaleString('en-US')})`).join(', ')}`,
  ];
  const shown = options.all ? [...sd] : [...sd].slice(0, 10);
  lines.push(`tensors     ${options.all ? 'all' : `first ${shown.length} of ${sd.size} (--all for every key)`}:`);
  for (const [k, v] of shown) lines.push(`  ${k} [${v.shape.join(', ')}] ${v.dtype}`);
  ctx.out(`${lines.join('\n')}\n`);
  return EXIT.ok;
}
