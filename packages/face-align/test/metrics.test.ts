import { InputError } from '@hrnetjs/core';
import { describe, expect, it } from 'vitest';
import { SCHEMES, computeNme, summarizeNme } from '../src/index.js';

const points = (n: number, f: (i: number) => [number, number] = () => [0, 0]) => Array.from({ length: n }, (_, i) => f(i));
const shift = (pts: [number, number][], dx: number, dy: number) => pts.map(([x, y]) => [x + dx, y + dy] as [number, number]);

describe('computeNme (official compute_nme), worked by hand', () => {
  it('300W: normalised by the outer eye corners 36 and 45', () => {
    // every gt point at the origin but #45 at (10, 0): inter-ocular 10
    const gt = points(68, (i) => (i === 45 ? [10, 0] : [0, 0]));
    // face 1: every point off by (3, 4) → error 5 each → 5·68 / (10·68) = 0.5
    // face 2: one point off by (6, 8) → 10 / (10·68) = 1/68
    const p2 = gt.map((p, i) => (i === 7 ? ([p[0] + 6, p[1] + 8] as [number, number]) : p));
    const nme = computeNme([shift(gt, 3, 4), p2], [gt, gt]);
    expect(nme[0]).toBeCloseTo(0.5, 12);
    expect(nme[1]).toBeCloseTo(1 / 68, 12);
  });

  it('WFLW: 60 and 72; COFW: 8 and 9; points as {x, y} objects too', () => {
    const gtW = points(98, (i) => (i === 72 ? [0, 20] : [0, 0]));
    // two points off by 5 and 15 → 20 / (20·98)
    const pW = gtW.map((p, i) => (i === 0 ? { x: 5, y: 0 } : i === 97 ? { x: 0, y: 15 } : { x: p[0], y: p[1] }));
    expect(computeNme([pW], [gtW])[0]).toBeCloseTo(1 / 98, 12);
    const gtC = points(29, (i) => (i === 9 ? [3, 4] : [0, 0])); // |p8 − p9| = 5
    expect(computeNme([shift(gtC, 0, 1)], [gtC])[0]).toBeCloseTo(29 / (5 * 29), 12);
    // moving a normalisation point moves the normaliser (it is taken from the ground truth only)
    expect(computeNme([gtC], [gtC])[0]).toBe(0);
  });

  it('AFLW: normalised by the given box size', () => {
    const gt = points(19, (i) => [i, 2 * i]);
    // all 19 off by 1 → 19 / (50·19) = 0.02
    expect(computeNme([shift(gt, 1, 0)], [gt], { boxSizes: [50] })[0]).toBeCloseTo(0.02, 12);
    expect(() => computeNme([gt], [gt])).toThrow(/boxSizes\[0\]/);
  });

  it('needs a normalisation for other landmark counts, and matching inputs', () => {
    const gt = points(5, (i) => [i, 0]);
    expect(() => computeNme([gt], [gt])).toThrow(InputError);
    expect(computeNme([shift(gt, 0, 2)], [gt], { normalization: { kind: 'interocular', indices: [0, 4], description: 'ends' } })[0]).toBeCloseTo(0.5, 12);
    expect(computeNme([shift(gt, 0, 2)], [gt], { normalization: SCHEMES.aflw, boxSizes: [4] })[0]).toBeCloseTo(0.5, 12);
    expect(() => computeNme([gt.slice(1)], [gt], { normalization: SCHEMES.aflw, boxSizes: [4] })).toThrow(/4 predicted landmarks but 5/);
    expect(() => computeNme([gt, gt], [gt])).toThrow(/2 predicted faces but 1/);
    const degenerate = points(68);
    expect(() => computeNme([degenerate], [degenerate])).toThrow(/normaliser 0/);
  });
});

describe('summarizeNme: failure rate and AUC at 0.1, worked by hand', () => {
  it('four faces', () => {
    // mean (0.02+0.05+0.08+0.12)/4 = 0.0675; one failure (0.12 > 0.1) → 0.25;
    // AUC = mean(max(0, 0.1 − e)) / 0.1 = (0.08 + 0.05 + 0.02 + 0) / 4 / 0.1 = 0.375
    const s = summarizeNme([0.02, 0.05, 0.08, 0.12]);
    expect(s.nme).toBeCloseTo(0.0675, 12);
    expect(s.failureRate).toBe(0.25);
    expect(s.auc).toBeCloseTo(0.375, 12);
    expect(s.count).toBe(4);
  });

  it('a face exactly at the threshold is not a failure (official `nme > 0.10`); 0.08 threshold too', () => {
    expect(summarizeNme([0.1, 0]).failureRate).toBe(0);
    expect(summarizeNme([0.1, 0]).auc).toBeCloseTo(0.5, 12);
    const s8 = summarizeNme([0.02, 0.05, 0.08, 0.12], 0.08);
    expect(s8.failureRate).toBe(0.25);
    // (0.06 + 0.03 + 0 + 0) / 4 / 0.08
    expect(s8.auc).toBeCloseTo(0.09 / 4 / 0.08, 12);
  });

  it('the exact AUC is what a fine numeric integration of the CED curve approaches', () => {
    const nmes = [0.013, 0.031, 0.047, 0.052, 0.066, 0.094, 0.108, 0.25];
    const step = 1e-5;
    let area = 0;
    const ced = (e: number) => nmes.filter((v) => v <= e).length / nmes.length;
    for (let e = 0; e < 0.1 - step / 2; e += step) area += ((ced(e) + ced(e + step)) / 2) * step; // trapezoid
    expect(Math.abs(summarizeNme(nmes).auc - area / 0.1)).toBeLessThan(1e-3);
  });

  it('rejects empty or invalid input', () => {
    expect(() => summarizeNme([])).toThrow(InputError);
    expect(() => summarizeNme([Number.NaN])).toThrow(InputError);
    expect(() => summarizeNme([0.1], 0)).toThrow(InputError);
  });
});
