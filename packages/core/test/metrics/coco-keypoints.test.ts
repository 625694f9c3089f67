/**
 * Hand-worked keypoint (OKS) cases for evaluateCoco and keypointOks. Stats order:
 * AP, AP50, AP75, APm, APl, AR, AR50, AR75, ARm, ARl.
 */
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import {
  COCO_KEYPOINT_SIGMAS,
  evaluateCoco,
  keypointOks,
  type CocoAnnotation,
  type CocoGroundTruth,
  type CocoKeypointResult,
} from '../../src/metrics/index.js';

/** 17 keypoints on a 5-column grid: x 100…150, y 100…175 (+ offset); extent 50 × 75 = 3750 (medium). */
function person(dx = 0, dy = 0, v = 2): number[] {
  const kps: number[] = [];
  for (let i = 0; i < 17; i++) kps.push(100 + dx + (i % 5) * 12.5, 100 + dy + Math.floor(i / 5) * 25, v);
  return kps;
}

function moved(kps: number[], indices: number[], dx: number): number[] {
  const out = [...kps];
  for (const i of indices) out[3 * i]! += dx;
  return out;
}

const base: CocoAnnotation = {
  image_id: 1,
  category_id: 1,
  bbox: [100, 100, 50, 75],
  area: 3750,
  iscrowd: 0,
  keypoints: person(),
  num_keypoints: 17,
};

function gtOf(...anns: Partial<CocoAnnotation>[]): CocoGroundTruth {
  return {
    images: [{ id: 1 }],
    categories: [{ id: 1, name: 'person' }],
    annotations: anns.map((a, i) => ({ ...base, ...a, id: i + 1 }) as CocoAnnotation),
  };
}

function det(keypoints: number[], score: number, extra: Partial<CocoKeypointResult> = {}): CocoKeypointResult {
  return { image_id: 1, category_id: 1, keypoints, score, ...extra };
}

const stats = (gt: CocoGroundTruth, dts: CocoKeypointResult[]) => evaluateCoco(gt, dts, { iouType: 'keypoints' }).stats;

/** Exact -1 where nothing was evaluated, otherwise within 1e-12 (pycocotools' eps in precision). */
function expectStats(actual: readonly number[], expected: readonly number[]): void {
  expect(actual.length).toBe(expected.length);
  expected.forEach((e, i) => {
    if (e === -1) expect(actual[i], `stat ${i}`).toBe(-1);
    else expect(Math.abs(actual[i]! - e), `stat ${i}: ${actual[i]} vs ${e}`).toBeLessThanOrEqual(1e-12);
  });
}

/** One term of OKS: exp(-d² / (2σ)² / area / 2). */
const term = (d: number, sigma: number, area: number) => Math.exp(-(d * d) / ((2 * sigma) ** 2) / area / 2);

describe('keypointOks', () => {
  const gt = { keypoints: person(), bbox: [100, 100, 50, 75], area: 3750 };

  it('is 1 for identical keypoints', () => {
    expect(keypointOks(person(0, 0, 1), gt)).toBe(1);
  });

  it('one displaced keypoint: (16 + exp(-d²/(2σ)²/area/2)) / 17', () => {
    // nose (σ = .026) off by 5 px: e = 25 / .002704 / 3750 / 2 = 1.2327… → exp(-e) = .29149…
    expect(keypointOks(moved(person(), [0], 5), gt)).toBeCloseTo((16 + term(5, 0.026, 3750)) / 17, 15);
    expect((16 + term(5, 0.026, 3750)) / 17).toBeCloseTo(0.958323, 6);
    // left shoulder (σ = .079) off by 5 px: a wider tolerance, e = .13356…
    expect(keypointOks(moved(person(), [5], 5), gt)).toBeCloseTo((16 + term(5, 0.079, 3750)) / 17, 15);
    // far away: contributes nothing, OKS = 16/17
    expect(keypointOks(moved(person(), [0], 1000), gt)).toBeCloseTo(16 / 17, 15);
  });

  it('averages over labelled gt keypoints only', () => {
    const kps = person();
    kps[2] = 0; // nose not labelled
    expect(keypointOks(moved(person(), [0], 1000), { ...gt, keypoints: kps })).toBe(1);
  });

  it('without labelled keypoints, measures the distance to the gt box enlarged to x-w…x+2w', () => {
    // box [400, 100, 50, 75] → x ∈ [350, 500], y ∈ [25, 250]. All keypoints inside but the nose at
    // x = 550, 50 px beyond: its term is exp(-2500/(2σ)²/area/2); all 17 keypoints are averaged.
    const blank = { keypoints: new Array<number>(51).fill(0), bbox: [400, 100, 50, 75], area: 3750 };
    const kps = person(300, 0);
    expect(keypointOks(kps, blank)).toBe(1);
    kps[0] = 550;
    expect(keypointOks(kps, blank)).toBeCloseTo((16 + term(50, 0.026, 3750)) / 17, 15);
  });

  it('uses the given sigmas', () => {
    const sig = [0.1, 0.1, 0.1];
    const g = { keypoints: [0, 0, 2, 10, 0, 2, 0, 10, 2], bbox: [0, 0, 10, 10], area: 100 };
    // only keypoint 2 off by 2 px: (2 + exp(-4 / .04 / 100 / 2)) / 3 = (2 + e^-.5) / 3
    expect(keypointOks([0, 0, 1, 10, 0, 1, 2, 10, 1], g, sig)).toBeCloseTo((2 + Math.exp(-0.5)) / 3, 15);
    // numpy computes .26 / 10.0 = 0.026000000000000002; the same double keeps ties identical.
    expect(COCO_KEYPOINT_SIGMAS[0]).toBe(0.26 / 10);
    expect(COCO_KEYPOINT_SIGMAS[11]).toBeCloseTo(0.107, 15);
    expect(COCO_KEYPOINT_SIGMAS).toHaveLength(17);
  });
});

describe('evaluateCoco keypoints', () => {
  it('perfect match: OKS 1, AP 1; no large object gives -1', () => {
    expectStats(stats(gtOf({}), [det(person(0, 0, 0.9), 0.9)]), [1, 1, 1, 1, -1, 1, 1, 1, 1, -1]);
  });

  it('one missed keypoint: OKS 16/17 = .941 passes thresholds .5 … .9, not .95 → AP .9', () => {
    expectStats(stats(gtOf({}), [det(moved(person(), [0], 1000), 0.9)]), [0.9, 1, 1, 0.9, -1, 0.9, 1, 1, 0.9, -1]);
  });

  it('four missed keypoints: OKS 13/17 = .765 passes .5 … .75 → AP .6', () => {
    expectStats(stats(gtOf({}), [det(moved(person(), [0, 5, 10, 15], 1000), 0.9)]), [0.6, 1, 1, 0.6, -1, 0.6, 1, 1, 0.6, -1]);
  });

  it('a false positive ranked first halves precision', () => {
    // dts: FP (OKS ~0) .9, TP .8 → rc [0, 1], pr [0, .5] → envelope .5 at every recall: AP .5.
    // The FP's keypoint extent (3750) is medium, so it also counts in the medium range.
    const s = stats(gtOf({}), [det(person(1000, 1000), 0.9), det(person(), 0.8)]);
    expectStats(s, [0.5, 0.5, 0.5, 0.5, -1, 1, 1, 1, 1, -1]);
  });

  it("with a bbox on the results, a detection's area is the box area (pycocotools' loadRes)", () => {
    // The FP's box is 200 × 200 = 40000: outside 'medium', so there it is ignored (APm 1), while
    // in 'all' it still counts (AP .5).
    const s = stats(gtOf({}), [
      det(person(1000, 1000), 0.9, { bbox: [0, 0, 200, 200] }),
      det(person(), 0.8, { bbox: [100, 100, 50, 75] }),
    ]);
    expectStats(s, [0.5, 0.5, 0.5, 1, -1, 1, 1, 1, 1, -1]);
    expect(() => stats(gtOf({}), [det(person(), 0.9, { bbox: [0, 0, 1, 1] }), det(person(), 0.8)])).toThrow(
      /results\[1\].*missing field "bbox"/,
    );
  });

  it('detections on an object without labelled keypoints or on a crowd are ignored, not false positives', () => {
    // gt 2 has no labelled keypoint (num_keypoints 0 → ignored); its dt, scored highest, lies in
    // its enlarged box (OKS 1) and is absorbed. gt 3 is a crowd: both dts on it are absorbed.
    const gt = gtOf(
      {},
      { bbox: [400, 100, 50, 75], keypoints: new Array<number>(51).fill(0), num_keypoints: 0 },
      { bbox: [700, 100, 50, 75], keypoints: person(600, 0), iscrowd: 1 },
    );
    const dts = [det(person(300, 0), 0.95), det(person(600, 0), 0.93), det(person(601, 1), 0.92), det(person(), 0.8)];
    expectStats(stats(gt, dts), [1, 1, 1, 1, -1, 1, 1, 1, 1, -1]);
    // Without the crowd flag, and with labelled keypoints on gt 2, the same dts are real matches
    // or false positives: gt 2 and gt 3 are found, but gt 3's second dt is a duplicate (FP).
    const gtReal = gtOf(
      {},
      { bbox: [400, 100, 50, 75], keypoints: person(300, 0) },
      { bbox: [700, 100, 50, 75], keypoints: person(600, 0) },
    );
    // order: TP .95, TP .93, FP .92, TP .8 → rc [1/3, 2/3, 2/3, 1], pr [1, 1, 2/3, 3/4]
    // → envelope [1, 1, 3/4, 3/4]: recall ≤ .66 (67 thresholds) → 1, the other 34 → 3/4.
    const ap = (67 + 34 * 0.75) / 101;
    const s = stats(gtReal, dts);
    expect(s[0]).toBeCloseTo(ap, 12);
    expect(s[5]).toBeCloseTo(1, 12);
  });

  it('num_keypoints defaults to the count of labelled keypoints', () => {
    const { num_keypoints: _, ...noCount } = { ...base, keypoints: new Array<number>(51).fill(0) };
    const gt: CocoGroundTruth = { images: [{ id: 1 }], categories: [{ id: 1 }], annotations: [{ id: 1, ...noCount }] };
    // the only gt is ignored → nothing to evaluate anywhere
    expectStats(stats(gt, [det(person(), 0.9)]), [-1, -1, -1, -1, -1, -1, -1, -1, -1, -1]);
  });

  it('area ranges: medium and large objects are split by the gt area field', () => {
    // M (3750, medium) found; L (area field 20000, large) missed.
    // all: npig 2, one TP → rc [.5], pr [1] → AP = 51/101 (recall thresholds ≤ .5), AR .5.
    // medium: AP 1. large: M's dt matches the ignored M gt → ignored; L not found → AP 0, AR 0.
    const gt = gtOf({}, { bbox: [400, 100, 50, 75], keypoints: person(300, 0), area: 20000 });
    const s = stats(gt, [det(person(), 0.9)]);
    expectStats(s, [51 / 101, 51 / 101, 51 / 101, 1, 0, 0.5, 0.5, 0.5, 1, 0]);
  });

  it('validates keypoint lengths and sigmas', () => {
    const bad = (fn: () => unknown, pattern: RegExp) => {
      expect(fn).toThrow(InputError);
      expect(fn).toThrow(pattern);
    };
    bad(() => stats(gtOf({ keypoints: person().slice(0, 50) }), []), /"keypoints" has 50 values, expected 51 \(3 × 17 keypoints\)/);
    bad(() => stats(gtOf({}), [det(person().slice(3), 0.9)]), /results\[0\]: "keypoints" has 48 values, expected 51/);
    bad(() => stats(gtOf({}), [{ image_id: 1, category_id: 1, score: 0.9 } as unknown as CocoKeypointResult]), /missing field "keypoints"/);
    bad(() => evaluateCoco(gtOf({}), [], { iouType: 'keypoints', sigmas: [0.1, 0.1] }), /expected 6 \(3 × 2 keypoints\)/);
    bad(() => evaluateCoco(gtOf({}), [], { iouType: 'keypoints', sigmas: [0.1, -1] }), /sigmas\[1\] must be a positive number/);
    bad(() => stats(gtOf({}), [det(person(), 0.9, { image_id: 5 })]), /unknown image_id 5/);
  });
});
