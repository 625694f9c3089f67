import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InputError } from '@hrnetjs/core';
import { type FcosLevelOutput, nms, postprocessFcos } from '../src/index.js';
import { meta, npy } from './helpers.js';

interface GoldenCase {
  name: string;
  image_size: [number, number];
  pre_nms_thresh: number;
  pre_nms_top_n: number;
  nms_thresh: number;
  fpn_post_nms_top_n: number;
  boxes: number[][];
  scores: number[];
  labels: number[];
}
const golden = JSON.parse(readFileSync(new URL('./fixtures/postprocess_golden.json', import.meta.url), 'utf8')) as { cases: GoldenCase[] };

/** NCHW official map → location-major NHWC values (what the detector downloads). */
function nhwc(name: string): { data: Float32Array; h: number; w: number; c: number } {
  const t = npy(name);
  const [, c, h, w] = t.shape as [number, number, number, number];
  const data = new Float32Array(h * w * c);
  for (let ch = 0; ch < c; ch++) for (let i = 0; i < h * w; i++) data[i * c + ch] = t.data[ch * h * w + i]!;
  return { data, h, w, c };
}

function fixtureLevels(): FcosLevelOutput[] {
  return meta.levels.map((lvl, l) => {
    const cls = nhwc(`box_cls_${l}`);
    return { height: cls.h, width: cls.w, stride: lvl.stride, boxCls: cls.data, boxRegression: nhwc(`box_regression_${l}`).data, centerness: nhwc(`centerness_${l}`).data };
  });
}

type Row = [label: number, score: number, x1: number, y1: number, x2: number, y2: number];
const canonical = (rows: Row[]) => rows.sort((a, b) => a[0] - b[0] || b[1] - a[1] || a[2] - b[2]);

describe('FCOS post-processing against the official FCOSPostProcessor', () => {
  const levels = fixtureLevels();
  it.each(golden.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const res = postprocessFcos(levels, c.image_size[0], c.image_size[1], 80, {
      scoreThreshold: c.pre_nms_thresh,
      preNmsTopN: c.pre_nms_top_n,
      nmsThreshold: c.nms_thresh,
      detectionsPerImage: c.fpn_post_nms_top_n,
    });
    expect(res.scores.length).toBe(c.scores.length);
    const ours = canonical(Array.from(res.scores, (s, i): Row => [res.labels[i]!, s, ...(Array.from(res.boxes.subarray(4 * i, 4 * i + 4)) as [number, number, number, number])]));
    const theirs = canonical(c.scores.map((s, i): Row => [c.labels[i]!, s, ...(c.boxes[i] as [number, number, number, number])]));
    ours.forEach((row, i) => {
      const ref = theirs[i]!;
      expect(row[0]).toBe(ref[0]);
      expect(Math.abs(row[1] - ref[1])).toBeLessThan(1e-6);
      for (let k = 2; k < 6; k++) expect(Math.abs(row[k]! - ref[k]!)).toBeLessThan(1e-4);
    });
    // clipping: x ≤ width − 1, y ≤ height − 1
    for (let i = 0; i < res.scores.length; i++) {
      expect(res.boxes[4 * i + 2]).toBeLessThanOrEqual(c.image_size[1] - 1);
      expect(res.boxes[4 * i + 3]).toBeLessThanOrEqual(c.image_size[0] - 1);
    }
  });
});

/** One level of hand-made outputs: `cells` maps a location index to [class, logit, centerness logit, l, t, r, b]. */
function handLevel(h: number, w: number, stride: number, numClasses: number, cells: [number, number, number, number, number, number, number, number][]): FcosLevelOutput {
  const boxCls = new Float32Array(h * w * numClasses).fill(-10);
  const boxRegression = new Float32Array(h * w * 4).fill(1);
  const centerness = new Float32Array(h * w).fill(0);
  for (const [i, cls, logit, ctr, l, t, r, b] of cells) {
    boxCls[i * numClasses + cls] = logit;
    centerness[i] = ctr;
    boxRegression.set([l, t, r, b], 4 * i);
  }
  return { height: h, width: w, stride, boxCls, boxRegression, centerness };
}

const logit = (p: number) => Math.log(p / (1 - p));

describe('FCOS post-processing on hand-made outputs', () => {
  it('decodes location ∓ distances, multiplies by centerness, and keeps the official label', () => {
    // 2x2 map, stride 8: location 3 is (12, 12)
    const lvl = handLevel(2, 2, 8, 3, [[3, 2, logit(0.8), logit(0.5), 2, 4, 6, 8]]);
    const res = postprocessFcos([lvl], 100, 100, 3);
    expect(Array.from(res.boxes)).toEqual([10, 8, 18, 20]);
    expect(res.scores[0]).toBeCloseTo(0.4, 6);
    expect(Array.from(res.labels)).toEqual([3]);
  });

  it('thresholds sigmoid(cls) before the centerness product', () => {
    // p = 0.06 > 0.05 survives even though 0.06 × 0.1 is far below 0.05; p = 0.04 does not
    const lvl = handLevel(1, 2, 8, 1, [[0, 0, logit(0.06), logit(0.1), 1, 1, 1, 1], [1, 0, logit(0.04), logit(0.99), 1, 1, 1, 1]]);
    const res = postprocessFcos([lvl], 100, 100, 1);
    expect(res.scores.length).toBe(1);
    expect(res.scores[0]).toBeCloseTo(0.006, 6);
    expect(postprocessFcos([lvl], 100, 100, 1, { scoreThreshold: 0.07 }).scores.length).toBe(0);
  });

  it('clips to [0, W − 1] × [0, H − 1]', () => {
    const lvl = handLevel(1, 1, 16, 1, [[0, 0, 3, 3, 100, 100, 100, 100]]);
    const res = postprocessFcos([lvl], 30, 40, 1);
    expect(Array.from(res.boxes)).toEqual([0, 0, 39, 29]);
  });

  it('keeps the pre-NMS top-k per level, by score × centerness', () => {
    // four well-separated locations on a 1x4 map (stride 100), scores 0.9·c for c = .2, .9, .5, .7
    const ctr = [0.2, 0.9, 0.5, 0.7];
    const lvl = handLevel(1, 4, 100, 1, ctr.map((c, i) => [i, 0, logit(0.9), logit(c), 10, 10, 10, 10] as [number, number, number, number, number, number, number, number]));
    const res = postprocessFcos([lvl, lvl], 100, 400, 1, { preNmsTopN: 2 });
    // two levels, two each; identical boxes across levels suppress each other
    expect(Array.from(res.scores).sort()).toEqual([Math.fround(Math.fround(0.9) * Math.fround(0.9)), Math.fround(Math.fround(0.9) * Math.fround(0.7))].sort());
  });

  it('NMS is per class and uses the +1 convention and IoU ≥ threshold', () => {
    // boxes [0,0,9,9] (area 100 with +1) and [5,0,14,9]: inter 5×10 = 50, union 150, IoU 1/3
    const boxes = [0, 0, 9, 9, 5, 0, 14, 9];
    expect(nms(boxes, [0.9, 0.8], 1 / 3)).toEqual([0]);
    expect(nms(boxes, [0.9, 0.8], 0.34)).toEqual([0, 1]);
    // kept indices come back in index order, not by score
    expect(nms([0, 0, 9, 9, 50, 50, 59, 59], [0.1, 0.9], 0.5)).toEqual([0, 1]);
    // same boxes, different classes: both stay
    const a = handLevel(1, 1, 10, 2, [[0, 0, logit(0.9), 5, 3, 3, 3, 3]]);
    const b = handLevel(1, 1, 10, 2, [[0, 1, logit(0.8), 5, 3, 3, 3, 3]]);
    expect(postprocessFcos([a, b], 50, 50, 2).scores.length).toBe(2);
    expect(postprocessFcos([a, a], 50, 50, 2).scores.length).toBe(1);
  });

  it('keeps every detection tied with the N-th best score (torch.kthvalue), and 0 keeps all', () => {
    const cells = [0, 1, 2, 3].map((i) => [i, 0, logit(0.9), logit([0.5, 0.7, 0.7, 0.3][i]!), 1, 1, 1, 1] as [number, number, number, number, number, number, number, number]);
    const lvl = handLevel(1, 4, 100, 1, cells);
    expect(postprocessFcos([lvl], 100, 400, 1, { detectionsPerImage: 1 }).scores.length).toBe(2);
    expect(postprocessFcos([lvl], 100, 400, 1, { detectionsPerImage: 3 }).scores.length).toBe(3);
    expect(postprocessFcos([lvl], 100, 400, 1, { detectionsPerImage: 0 }).scores.length).toBe(4);
  });

  it('rejects bad options and mis-sized outputs with typed errors', () => {
    const lvl = handLevel(1, 1, 8, 1, []);
    expect(() => postprocessFcos([lvl], 10, 10, 1, { scoreThreshold: 1.5 })).toThrow(InputError);
    expect(() => postprocessFcos([lvl], 10, 10, 1, { preNmsTopN: 0 })).toThrow(InputError);
    expect(() => postprocessFcos([lvl], 10, 10, 1, { detectionsPerImage: -1 })).toThrow(InputError);
    expect(() => postprocessFcos([lvl], 10, 10, 2)).toThrow(/expected 2 class logits/);
  });
});
