import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readNpy } from '@hrnetjs/core';
import { getFinalPreds, getMaxPreds, refineDark, transformPreds, type HostHeatmaps } from '../src/index.js';

/**
 * DARK decoding against DarkPose's own `get_final_preds` (test/fixtures/dark, made by
 * scripts/make_dark_fixture.py) on the official pose_small heatmaps. The random network's heatmaps are not
 * Gaussian-like, so some Newton steps land far away (DarkPose does not guard against a non-concave
 * Hessian): those ill-conditioned joints are compared with a tolerance relative to their own size.
 * DarkPose maps back with its own "unbiased" affine ((size − 1) for size), matched to its own crops; we keep
 * the official affine (matched to the official crops), so the comparison is in heatmap pixels.
 */
const dir = (p: string) => new URL(`./fixtures/${p}`, import.meta.url);
const expected = JSON.parse(readFileSync(dir('dark/expected.json'), 'utf8'));

function nhwc(file: string): HostHeatmaps {
  const t = readNpy(new Uint8Array(readFileSync(dir(`pose_small/${file}`))));
  const [n, k, h, w] = t.shape as [number, number, number, number];
  const data = new Float32Array(t.data.length);
  for (let b = 0; b < n; b++)
    for (let j = 0; j < k; j++)
      for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data[((b * h + y) * w + x) * k + j] = t.data[((b * k + j) * h + y) * w + x]!;
  return { data, shape: [n, h, w, k] };
}

describe('DARK decoding equals DarkPose', () => {
  it.each(['output', 'output_fliptest'])('%s.npy', (name) => {
    const hm = nhwc(`${name}.npy`);
    const { coords, maxvals } = getMaxPreds(hm);
    refineDark(hm, coords, 11);
    const want = (expected[name].heatmap_coords as number[][][]).flat(2);
    // a joint thrown > 100 heatmap pixels comes from a near-singular Hessian, where float32 log rounding
    // (numpy's float32 log vs ours) is amplified: 1e-3 relative there, 1e-4 elsewhere
    const tol = (v: number) => (Math.abs(v) > 100 ? 1e-3 * Math.abs(v) : 1e-4 * Math.max(1, Math.abs(v)));
    let farJoints = 0;
    want.forEach((v, i) => {
      if (Math.abs(v) > 100) farJoints++;
      expect(Math.abs(coords[i]! - v), `coordinate ${i}: ${coords[i]} vs ${v}`).toBeLessThan(tol(v));
    });
    expect(farJoints).toBeLessThanOrEqual(4);
    expect(Array.from(maxvals)).toEqual((expected[name].maxvals as number[][][]).flat(2).map(Math.fround));
    // getFinalPreds({ method: 'dark' }) = these coordinates through the official inverse affine
    const { preds } = getFinalPreds(hm, expected.center, expected.scale, { method: 'dark' });
    expect(Array.from(preds)).toEqual(Array.from(transformPreds(coords, expected.center[0], expected.scale[0], [24, 32])));
  });
});
