import { describe, expect, it } from 'vitest';
import type { CocoGroundTruth } from '@hrnetjs/core';
import { COCO_KEYPOINTS, evaluateKeypoints, toBottomUpCocoResults, toCocoResults } from '../src/index.js';

/** A standing figure's 17 joints around (cx, cy), spread over about 60x110 pixels (deterministic, distinct). */
function skeleton(cx: number, cy: number): [number, number][] {
  return Array.from({ length: 17 }, (_, j) => [cx + ((j * 7) % 60) - 30, cy + j * 6.5 - 55] as [number, number]);
}
const person = (pts: [number, number][], score: number, kptScore = 0.9) => ({
  score,
  keypoints: pts.map(([x, y], j) => ({ x, y, score: kptScore, name: COCO_KEYPOINTS.names[j]! })),
});

// two labelled people, area 10000 each (COCO "large": > 96²)
const g1 = skeleton(100, 100);
const g2 = skeleton(300, 100);
const gt: CocoGroundTruth = {
  images: [{ id: 1, width: 400, height: 200 }],
  categories: [{ id: 1, name: 'person' }],
  annotations: [g1, g2].map((pts, i) => ({
    id: i + 1, image_id: 1, category_id: 1, iscrowd: 0, area: 10000, num_keypoints: 17,
    bbox: [pts[0]![0] - 40, 30, 80, 140] as [number, number, number, number],
    keypoints: pts.flatMap(([x, y]) => [x, y, 2]),
  })),
};

describe('bottom-up COCO results and OKS AP', () => {
  it('writes the official results: every person (no OKS-NMS), parser score, bbox = extent of all keypoints', () => {
    const a = person(g1, 0.9);
    const twin = person(g1.map(([x, y]) => [x + 1, y]), 0.5, 0.3); // overlaps a: OKS-NMS would drop it
    const res = toBottomUpCocoResults([{ imageId: 1, poses: [a, twin] }, { imageId: 2, poses: [] }]);
    expect(res).toHaveLength(2);
    expect(res[0]).toEqual({
      image_id: 1, category_id: 1, score: 0.9,
      keypoints: g1.flatMap(([x, y]) => [x, y, 0.9]),
      bbox: [70, 45, 56, 104], // x 100-30 .. 100+26, y 100-55 .. 100+49
    });
    expect(res[1]!.score).toBe(0.5);
    // the top-down writer's OKS-NMS would keep one of the two
    expect(toCocoResults([{ imageId: 1, poses: [{ ...a, area: 10000 }, { ...twin, area: 10000 }] }])).toHaveLength(1);
  });

  it('AP on a known case: an exact match, a false positive, and a match at OKS 0.734', () => {
    // sigmas are COCO's; an 8-pixel shift of every joint at area 10000 gives OKS = mean exp(-64 / (8 σ² · 10000))
    const shifted = g2.map(([x, y]) => [x + 8, y] as [number, number]);
    const sig = COCO_KEYPOINTS.sigmas!;
    const oks = sig.reduce((s, v) => s + Math.exp(-64 / (8 * v * v * 10000)), 0) / 17;
    expect(oks).toBeGreaterThan(0.7);
    expect(oks).toBeLessThan(0.75);
    const far = skeleton(200, 400);
    const results = toBottomUpCocoResults([{ imageId: 1, poses: [person(g1, 0.9), person(far, 0.8), person(shifted, 0.7)] }]);
    const ev = evaluateKeypoints(gt, results);
    // at OKS thresholds .50–.70 the ranked list is TP, FP, TP: 101-point interpolated precision 1 up to recall .5,
    // then 2/3 → (51 + 50 · 2/3) / 101; at .75–.95 it is TP, FP, FP: 51 / 101
    const high = (51 + (50 * 2) / 3) / 101;
    const low = 51 / 101;
    const [ap, ap50, ap75, apM, apL, ar, ar50, ar75] = ev.stats;
    expect(ap).toBeCloseTo((5 * high + 5 * low) / 10, 10);
    expect(ap50).toBeCloseTo(high, 10);
    expect(ap75).toBeCloseTo(low, 10);
    expect(apM).toBe(-1); // no medium person in the ground truth
    // "large" (> 96²): the false positive's area is its bbox, 56 x 104 < 96², so it is ignored there: TP, TP at
    // .50–.70 (precision 1), TP, FP at .75–.95 (51 / 101)
    expect(apL).toBeCloseTo((5 * 1 + 5 * low) / 10, 10);
    expect(ar).toBeCloseTo(0.75, 10); // recall 1 at 5 thresholds, 0.5 at 5
    expect(ar50).toBe(1);
    expect(ar75).toBe(0.5);
  });

  it('every person found exactly → AP 1; nothing found → AP 0', () => {
    const all = evaluateKeypoints(gt, toBottomUpCocoResults([{ imageId: 1, poses: [person(g2, 0.4), person(g1, 0.6)] }]));
    expect(all.stats[0]).toBe(1);
    const none = evaluateKeypoints(gt, toBottomUpCocoResults([{ imageId: 1, poses: [person(skeleton(200, 400), 0.9)] }]));
    expect(none.stats[0]).toBe(0);
  });
});
