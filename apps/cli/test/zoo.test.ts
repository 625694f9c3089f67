/** The zoo's data and key mappings (core/zoo), checked against fixture state dicts renamed the OpenMMLab way. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KEY_MAPPINGS, applyZooKeyMapping, detectKeyMapping, findZooEntry, loadCheckpoint, type StateDict } from '@hrnetjs/core';
import { ZOO, zooEntryBuilds } from '../src/zoo.js';
import { FIXTURES } from './helpers.js';

async function fixture(name: keyof typeof FIXTURES): Promise<StateDict> {
  return loadCheckpoint(new Uint8Array(await readFile(join(FIXTURES[name], 'weights.pth'))));
}

describe('zoo entries', () => {
  it('unique names, every task present, checksums only as published (hex prefix of the file name)', () => {
    expect(new Set(ZOO.map((e) => e.name)).size).toBe(ZOO.length);
    expect(new Set(ZOO.map((e) => e.task))).toEqual(new Set(['pose', 'seg', 'det', 'face', 'classify']));
    for (const e of ZOO) {
      if (e.file.sha256Prefix) expect(e.file.fileName).toContain(`-${e.file.sha256Prefix}`);
      if (!e.file.direct) expect(e.file.sha256Prefix).toBeUndefined();
      expect(e.config).toMatch(/^https:\/\/github\.com\//);
    }
  });

  it('every zoo entry, official and OpenMMLab, resolves to a network (no entry names a missing preset)', () => {
    const broken = ZOO.map((e) => [e.name, zooEntryBuilds(e)] as const).filter(([, ok]) => ok !== true);
    expect(broken).toEqual([]);
  });

  it('findZooEntry suggests close names', () => {
    expect(() => findZooEntry('pose_hrnet_w32_coco', ZOO)).toThrow(/closest: pose_hrnet_w32_coco_256x192/);
  });
});

describe('key mappings load OpenMMLab-named state dicts', () => {
  const rename = (sd: StateDict, f: (k: string) => string | null) => {
    const out: StateDict = new Map();
    for (const [k, v] of sd) {
      const n = f(k);
      if (n) out.set(n, v);
    }
    return out;
  };

  it('mmseg FCN: decode_head.convs/conv_seg → last_layer, with the bias mmseg does not have set to zero', async () => {
    const sd = await fixture('seg');
    const mm = rename(sd, (k) =>
      k === 'last_layer.0.bias'
        ? null
        : k.startsWith('last_layer.0.')
          ? `decode_head.convs.0.conv.${k.slice(13)}`
          : k.startsWith('last_layer.1.')
            ? `decode_head.convs.0.bn.${k.slice(13)}`
            : k.startsWith('last_layer.3.')
              ? `decode_head.conv_seg.${k.slice(13)}`
              : `backbone.${k}`,
    );
    expect(detectKeyMapping('seg', mm.keys())).toBe('mmseg-fcn');
    const back = applyZooKeyMapping(mm, KEY_MAPPINGS['mmseg-fcn']!);
    expect([...back.keys()].sort()).toEqual([...sd.keys()].filter((k) => !k.endsWith('num_batches_tracked')).sort());
    expect(Array.from(back.get('last_layer.0.bias')!.data).every((v) => v === 0)).toBe(true);
    expect(back.get('stage2.0.branches.0.0.conv1.weight')).toBe(sd.get('stage2.0.branches.0.0.conv1.weight'));
  });

  it('mmdet FCOS: backbone/neck/bbox_head → backbone.body/backbone.fpn/rpn.head (towers: conv + GN)', async () => {
    const raw = await fixture('det');
    const sd = applyZooKeyMapping(raw, KEY_MAPPINGS.official!);
    const mm = rename(sd, (k) => {
      if (k.startsWith('backbone.body.')) return `backbone.${k.slice(14)}`;
      if (k.startsWith('backbone.fpn.reduction_conv.0.')) return `neck.reduction_conv.conv.${k.slice(30)}`;
      const fpn = /^backbone\.fpn\.fpn_conv\.(\d+)\.(.*)$/.exec(k);
      if (fpn) return `neck.fpn_convs.${fpn[1]}.conv.${fpn[2]}`;
      const m = /^rpn\.head\.(cls|bbox)_tower\.(\d+)\.(.*)$/.exec(k);
      if (m) {
        const i = Number(m[2]);
        const mmName = m[1] === 'cls' ? 'cls_convs' : 'reg_convs';
        if (i % 3 === 0 && m[3] === 'bias') return null; // mmdet's ConvModule before GN has no bias
        return `bbox_head.${mmName}.${Math.floor(i / 3)}.${i % 3 === 0 ? 'conv' : 'gn'}.${m[3]}`;
      }
      return k
        .replace('rpn.head.cls_logits.', 'bbox_head.conv_cls.')
        .replace('rpn.head.bbox_pred.', 'bbox_head.conv_reg.')
        .replace('rpn.head.centerness.', 'bbox_head.conv_centerness.')
        .replace('rpn.head.scales.', 'bbox_head.scales.');
    });
    expect(detectKeyMapping('det', mm.keys())).toBe('mmdet-fcos');
    const back = applyZooKeyMapping(mm, KEY_MAPPINGS['mmdet-fcos']!);
    expect([...back.keys()].sort()).toEqual([...sd.keys()].sort());
    expect(Array.from(back.get('rpn.head.cls_tower.0.bias')!.data).every((v) => v === 0)).toBe(true);
  });

  it('mmpose face 1.x (head.conv_layers + head.final_layer) → the official head', async () => {
    const sd = await fixture('face');
    const mm = rename(sd, (k) =>
      k.startsWith('head.0.') ? `head.conv_layers.0.${k.slice(7)}` : k.startsWith('head.1.') ? `head.conv_layers.1.${k.slice(7)}` : k.startsWith('head.3.') ? `head.final_layer.${k.slice(7)}` : `backbone.${k}`,
    );
    expect(detectKeyMapping('face', mm.keys())).toBe('mmpose-face');
    const back = applyZooKeyMapping(mm, KEY_MAPPINGS['mmpose-face']!);
    expect([...back.keys()].sort()).toEqual([...applyZooKeyMapping(sd, KEY_MAPPINGS.official!).keys()].sort());
  });
});
