import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { readNpy } from '@hrnetjs/core';
import { NODE_TEST_BACKENDS, compare, hashedUniform, useBackend } from '@hrnetjs/core/testing';
import {
  adjust,
  bottomUpFinalPreds,
  groupingParams,
  matchByTag,
  munkres,
  parseBottomUpYaml,
  parseHeatmaps,
  personScores,
  refine,
  refineIndex,
  topKByTensorOps,
  topKOnDevice,
} from '../src/index.js';
import { naiveRefine } from './helpers/naive-refine.js';

const dir = new URL('./fixtures/higherhrnet_small/', import.meta.url);
const bytes = (f: string) => new Uint8Array(readFileSync(new URL(f, dir)));
const meta = JSON.parse(readFileSync(new URL('official_meta.json', dir), 'utf8'));
const params = groupingParams(parseBottomUpYaml(readFileSync(new URL('config.yaml', dir), 'utf8')));

/** Official NCHW det [1, K, H, W] and tag [1, K, H, W, T] → our NHWC device tensors. */
function deviceMaps(det: string, tag: string): { heatmaps: tf.Tensor4D; tags: tf.Tensor } {
  const d = readNpy(bytes(det));
  const t = readNpy(bytes(tag));
  return tf.tidy(() => ({
    heatmaps: tf.transpose(tf.tensor4d(Float32Array.from(d.data), d.shape as [number, number, number, number]), [0, 2, 3, 1]) as tf.Tensor4D,
    tags: tf.transpose(tf.tensor(Float32Array.from(t.data), t.shape), [0, 2, 3, 1, 4]),
  }));
}

const flat = (a: number[][][]) => a.flat(2);

describe.each(NODE_TEST_BACKENDS)('official HeatmapParser on synthetic maps (%s)', (backend) => {
  beforeAll(() => useBackend(backend));

  it('finds the same 3 people, joints, tags and scores as the official parse (match, adjust, refine)', async () => {
    const g = meta.grouping_synth3;
    const { heatmaps, tags } = deviceMaps('synth3_det.npy', 'synth3_tag.npy');
    const before = tf.memory().numTensors;
    const { maps, top } = await topKOnDevice(heatmaps, tags, params);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([heatmaps, tags]);

    // the official top_k above threshold, joint by joint
    for (const row of g.top_k_above_threshold as { joint: number; val: number[]; loc_xy: number[][]; tag: number[][] }[]) {
      const n = row.val.length;
      const j = row.joint;
      expect(Array.from(top.val.slice(j * top.k, j * top.k + n)), `joint ${j}`).toEqual(row.val.map(Math.fround));
      expect(top.val[j * top.k + n]! <= params.detectionThreshold).toBe(true);
      expect(Array.from(top.loc.slice(j * top.k * 2, (j * top.k + n) * 2))).toEqual(row.loc_xy.flat());
      expect(Array.from(top.tag.slice(j * top.k * 2, (j * top.k + n) * 2))).toEqual(row.tag.flat().map(Math.fround));
    }

    const matched = matchByTag(top, params);
    expect(matched.length).toBe(3);
    expect(compare(matched.flatMap((p) => Array.from(p)), flat(g.matched_before_adjust)).maxAbsDiff).toBe(0);
    adjust(matched, maps);
    expect(compare(matched.flatMap((p) => Array.from(p)), flat(g.adjusted_before_refine)).maxAbsDiff).toBe(0);
    expect(compare(personScores(matched, 17, 5), g.scores).maxAbsDiff).toBe(0);

    const parsed = parseHeatmaps(maps, top, params);
    expect(parsed.scores).toEqual(g.scores);
    const ans = readNpy(bytes('synth3_ans.npy'));
    expect(compare(parsed.people.flatMap((p) => Array.from(p)), ans.data).maxAbsDiff).toBe(0);

    const f = meta.final_preds;
    const final = bottomUpFinalPreds(parsed.people, parsed.rowSize, f.center, f.scale, f.heatmap_size);
    const expected = readNpy(bytes('synth3_final_preds.npy'));
    expect(compare(final.flatMap((p) => Array.from(p)), expected.data).maxAbsDiff).toBeLessThan(1e-4);
  });
});

describe('munkres port', () => {
  it('gives the assignments of the munkres package (1.1.4) on 40 matrices, ties included', () => {
    const cases: { cost: number[][]; pairs: [number, number][] }[] = JSON.parse(readFileSync(new URL('munkres_cases.json', dir), 'utf8'));
    expect(cases.length).toBe(40);
    for (const c of cases) expect(munkres(c.cost)).toEqual(c.pairs);
  });
});

describe.each(NODE_TEST_BACKENDS)('official HeatmapParser on crowded synthetic maps (%s)', (backend) => {
  beforeAll(() => useBackend(backend));
  const cases: { name: string; det: string; tag: string; overrides: Record<string, unknown>; ans: number[][][]; scores: number[] }[] =
    JSON.parse(readFileSync(new URL('parser_cases.json', dir), 'utf8'));

  it.each(cases.map((c) => [c.name, c] as const))('%s: same people, joints and scores', async (_, c) => {
    const p = { ...params };
    if (c.overrides.MAX_NUM_PEOPLE !== undefined) p.maxNumPeople = c.overrides.MAX_NUM_PEOPLE as number;
    if (c.overrides.IGNORE_TOO_MUCH !== undefined) p.ignoreTooMuch = c.overrides.IGNORE_TOO_MUCH as boolean;
    if (c.overrides.USE_DETECTION_VAL !== undefined) p.useDetectionVal = c.overrides.USE_DETECTION_VAL as boolean;
    const { heatmaps, tags } = deviceMaps(c.det, c.tag);
    const { maps, top } = await topKOnDevice(heatmaps, tags, p);
    tf.dispose([heatmaps, tags]);
    const parsed = parseHeatmaps(maps, top, p);
    expect(parsed.people.length).toBe(c.ans.length);
    expect(compare(parsed.people.flatMap((q) => Array.from(q)), flat(c.ans)).maxAbsDiff).toBe(0);
    expect(compare(parsed.scores, c.scores).maxAbsDiff).toBeLessThan(1e-7);
  });
});

/**
 * Maps like random weights give (smooth, values in the thousands, tags that match nothing), so every top-k
 * candidate passes the threshold and the parser starts hundreds of people: a box blur of hashed noise.
 * `step` quantizes the values (tags by a fifth of it), which makes ties in refine's argmax common.
 */
function crowdMaps(key: string, K: number, H: number, W: number, T: number, step: number) {
  const field = (name: string, n: number, amplitude: number, step: number) => {
    const u = hashedUniform(`${key}/${name}`, n * H * W);
    const out = new Float32Array(n * H * W);
    const r = 3;
    for (let c = 0; c < n; c++) {
      for (let y = 0; y < H; y++) {
        for (let x = 0; x < W; x++) {
          let s = 0;
          let m = 0;
          for (let dy = -r; dy <= r; dy++) {
            for (let dx = -r; dx <= r; dx++) {
              const yy = y + dy;
              const xx = x + dx;
              if (yy < 0 || yy >= H || xx < 0 || xx >= W) continue;
              s += u[(c * H + yy) * W + xx]! - 0.5;
              m++;
            }
          }
          const v = (s / m) * amplitude;
          out[(c * H + y) * W + x] = step ? Math.round(v / step) * step : v;
        }
      }
    }
    return out;
  };
  const det = field('det', K, 20000, step);
  const tag = field('tag', K * T, 20000, step / 5);
  return tf.tidy(() => ({
    heatmaps: tf.transpose(tf.tensor4d(det, [1, K, H, W]), [0, 2, 3, 1]) as tf.Tensor4D,
    // [K·T, H, W] → [1, H, W, K, T]
    tags: tf.transpose(tf.reshape(tf.tensor(tag, [K, T, H, W]), [1, K, T, H, W]), [0, 3, 4, 1, 2]),
  }));
}

describe('refine on a crowd of candidate people (90 to 500): the pruned scan equals the full scan', () => {
  beforeAll(() => useBackend('cpu'));

  it.each([
    ['plain tags, 60x44 (partial blocks)', 44, 60, 1, 0],
    ['flip tags, 64x64, quantized heatmaps (ties)', 64, 64, 2, 250],
  ] as const)('%s', async (_, H, W, T, step) => {
    const { heatmaps, tags } = crowdMaps(`crowd/${H}x${W}/${T}`, 17, H, W, T, step);
    const p = { ...params, detectionThreshold: -1e9 };
    const { maps, top } = await topKOnDevice(heatmaps, tags, p);
    tf.dispose([heatmaps, tags]);
    const people = matchByTag(top, p);
    expect(people.length).toBeGreaterThan(80);
    adjust(people, maps);
    // the full scan is slow: every 8th person (and the first and last)
    const picked = people.map((_, i) => i).filter((i) => i % 8 === 0 || i === people.length - 1);
    const expected = picked.map((i) => Float32Array.from(people[i]!));
    for (const q of expected) naiveRefine(q, maps);
    const index = refineIndex(maps);
    const got = picked.map((i) => Float32Array.from(people[i]!));
    for (const q of got) refine(q, maps, index);
    // refine filled joints, and the same ones with the same values
    expect(expected.filter((q, n) => q.some((v, c) => v !== people[picked[n]!]![c])).length).toBeGreaterThan(picked.length / 2);
    expect(got.map((q) => Array.from(q))).toEqual(expected.map((q) => Array.from(q)));
    // and through the parser (which makes its own index)
    const parsed = parseHeatmaps(maps, top, p);
    expect(picked.map((i) => Array.from(parsed.people[i]!))).toEqual(expected.map((q) => Array.from(q)));
  });
});

describe.each(NODE_TEST_BACKENDS)('top-k on host loops equals the tensor ops (%s)', (backend) => {
  beforeAll(() => useBackend(backend));

  it.each([
    ['plain tags, 60x44', 44, 60, 1, 0, false],
    ['flip tags, 64x64, quantized heatmaps (plateaus: ties in NMS and top-k)', 64, 64, 2, 250, false],
    ['one shared tag map (TAG_PER_JOINT false), 40x56, quantized', 56, 40, 2, 500, true],
  ] as const)('%s', async (_, H, W, T, step, shared) => {
    const { heatmaps, tags: perJoint } = crowdMaps(`topk/${H}x${W}/${T}`, 17, H, W, T, step);
    const tags = shared ? tf.tidy(() => tf.slice(perJoint, [0, 0, 0, 0, 0], [-1, -1, -1, 1, -1])) : perJoint;
    const p = { ...params, tagPerJoint: !shared };
    const before = tf.memory().numTensors;
    const host = await topKOnDevice(heatmaps, tags, p);
    const ops = await topKByTensorOps(heatmaps, tags, p);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([heatmaps, tags, perJoint]);
    expect(Array.from(host.maps.det)).toEqual(Array.from(ops.maps.det));
    expect(Array.from(host.maps.tag)).toEqual(Array.from(ops.maps.tag));
    expect(host.top.k).toBe(ops.top.k);
    expect(Array.from(host.top.val)).toEqual(Array.from(ops.top.val));
    expect(Array.from(host.top.loc)).toEqual(Array.from(ops.top.loc));
    expect(Array.from(host.top.tag)).toEqual(Array.from(ops.top.tag));
    // the quantized maps have tied peaks inside the top-k
    if (step) expect(new Set(host.top.val.subarray(0, host.top.k)).size).toBeLessThan(host.top.k);
  });
});
