/**
 * Hand-worked box cases for evaluateCoco. Every expected number is derived in the comments;
 * stats order: AP, AP50, AP75, APs, APm, APl, AR1, AR10, AR100, ARs, ARm, ARl.
 */
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import {
  boxIou,
  cocoPerCategoryAp,
  evaluateCoco,
  formatCocoStats,
  type CocoAnnotation,
  type CocoBoxResult,
  type CocoGroundTruth,
} from '../../src/metrics/index.js';

interface SimpleGt {
  bbox: number[];
  area: number;
  iscrowd?: number;
  ignore?: number;
}

/** Ground truth on image 1, category 1 (image 2 and category 2 exist but have no objects). */
function gtOf(annotations: SimpleGt[]): CocoGroundTruth {
  return {
    images: [{ id: 1 }, { id: 2 }],
    categories: [{ id: 1, name: 'thing' }, { id: 2, name: 'other' }],
    annotations: annotations.map((a, i): CocoAnnotation => ({ id: i + 1, image_id: 1, category_id: 1, iscrowd: 0, ...a })),
  };
}

function det(bbox: number[], score: number, extra: Partial<CocoBoxResult> = {}): CocoBoxResult {
  return { image_id: 1, category_id: 1, bbox, score, ...extra };
}

const stats = (gt: CocoGroundTruth, dts: CocoBoxResult[]) => evaluateCoco(gt, dts, { iouType: 'bbox' }).stats;

/**
 * Precision is tp / (tp + fp + np.spacing(1)) in pycocotools, so a perfect AP is
 * 0.9999999999999998 there and here; compare to the paper values within 1e-12, -1 exactly.
 */
function expectStats(actual: readonly number[], expected: readonly number[]): void {
  expect(actual.length).toBe(expected.length);
  expected.forEach((e, i) => {
    if (e === -1) expect(actual[i], `stat ${i}`).toBe(-1);
    else expect(Math.abs(actual[i]! - e), `stat ${i}: ${actual[i]} vs ${e}`).toBeLessThanOrEqual(1e-12);
  });
}

describe('boxIou', () => {
  it('intersection over union, and over the detection area for a crowd gt', () => {
    expect(boxIou([0, 0, 10, 10], [5, 0, 10, 10])).toBeCloseTo(50 / 150, 15);
    expect(boxIou([0, 0, 10, 10], [10, 0, 10, 10])).toBe(0); // touching edges: no overlap
    expect(boxIou([0, 0, 10, 10], [0, 0, 100, 100], true)).toBeCloseTo(1, 12); // inside a crowd region
    expect(boxIou([0, 0, 10, 10], [5, 5, 100, 100], true)).toBe(25 / 100);
  });
});

describe('evaluateCoco bbox', () => {
  const big = { bbox: [0, 0, 100, 100], area: 10000 }; // 10000 > 96² = 9216: large

  it('perfect match: AP 1; empty small/medium ranges give -1', () => {
    // A second category with only a false positive has no gt: it is absent (-1), not AP 0.
    const s = stats(gtOf([big]), [det([0, 0, 100, 100], 0.9), det([5, 5, 10, 10], 0.99, { category_id: 2 })]);
    expectStats(s, [1, 1, 1, -1, -1, 1, 1, 1, 1, -1, -1, 1]);
  });

  it('IoU just below / at thresholds: the number of thresholds passed sets AP', () => {
    // dt [0,0,w,100] vs gt [0,0,100,100]: IoU = w/100 exactly. Single gt, single dt: AP_t is 1
    // where IoU >= t, else 0, so AP = (#thresholds passed)/10 and AR the same.
    const ap = (w: number) => stats(gtOf([big]), [det([0, 0, w, 100], 0.9)]);
    expectStats(ap(49).slice(0, 3), [0, 0, 0]); // below .5
    expectStats(ap(50).slice(0, 3), [0.1, 1, 0]); // exactly .5 passes .5 only
    expectStats(ap(74).slice(0, 3), [0.5, 1, 0]); // .5 … .7
    expectStats(ap(75).slice(0, 3), [0.6, 1, 1]); // .5 … .75 (.75 is exactly representable)
    expect(ap(90)[0]).toBeCloseTo(0.9, 12); // numpy's linspace gives .8999999999999999, so .9 passes it
    expect(ap(94)[0]).toBeCloseTo(0.9, 12);
    expect(ap(95)[0]).toBeCloseTo(1, 12);
    expect(ap(74)[8]).toBeCloseTo(0.5, 12); // AR100
    // The 7400-px dt is medium-sized but its gt is large: medium has no gt (-1).
    expect(ap(74)[4]).toBe(-1);
  });

  it('a duplicate detection scored above a true positive lowers precision', () => {
    // gts A, B. dts: A .9 (TP), duplicate of A .8 (FP: A already taken), B .7 (TP).
    // rc = [.5, .5, 1], pr = [1, .5, 2/3] → envelope [1, 2/3, 2/3].
    // recall thresholds 0….50 (51 of them) → 1; .51…1 (50) → 2/3.  AP = (51 + 50·2/3)/101 = 253/303.
    const gt = gtOf([{ bbox: [0, 0, 100, 100], area: 10000 }, { bbox: [200, 0, 100, 100], area: 10000 }]);
    const s = stats(gt, [det([0, 0, 100, 100], 0.9), det([0, 0, 100, 100], 0.8), det([200, 0, 100, 100], 0.7)]);
    expect(s[0]).toBeCloseTo(253 / 303, 14);
    expect(s[1]).toBeCloseTo(253 / 303, 14);
    expect(s[2]).toBeCloseTo(253 / 303, 14);
    expect(s[6]).toBeCloseTo(0.5, 12); // AR@1: only the top detection of the image counts → 1 of 2 gts
    expect(s[7]).toBeCloseTo(1, 12);
    expect(s[8]).toBeCloseTo(1, 12);
  });

  it('a duplicate scored below the true positive costs nothing', () => {
    // tp = [1, 1], fp = [0, 1]: every recall threshold is reached at the first detection.
    const s = stats(gtOf([big]), [det([0, 0, 100, 100], 0.9), det([0, 0, 100, 100], 0.8)]);
    expect(s[0]).toBeCloseTo(1, 12);
  });

  it('a crowd region absorbs detections: ignored, not false positives', () => {
    // Two high-scored dts inside the crowd (IoU = inter / dt area = 1) match the crowd, which may
    // be matched many times, and are ignored; the real object is found: AP 1. AR@1 is 0: the
    // image's single top detection is an absorbed one.
    const gt = gtOf([big, { bbox: [200, 0, 200, 200], area: 40000, iscrowd: 1 }]);
    const dts = [det([210, 10, 50, 50], 0.95), det([300, 100, 50, 50], 0.9), det([0, 0, 100, 100], 0.8)];
    expectStats(stats(gt, dts), [1, 1, 1, -1, -1, 1, 0, 1, 1, -1, -1, 1]);
    // The same two detections without the crowd flag are plain false positives ranked first:
    // rc = [0, 0, .5], pr = [0, 0, 1/3] → envelope 1/3 up to recall .5, 0 above (51 of 101 thresholds).
    const gt2 = gtOf([big, { bbox: [200, 0, 200, 200], area: 40000, iscrowd: 0 }]);
    const s2 = stats(gt2, dts);
    expect(s2[0]).toBeCloseTo((51 * (1 / 3)) / 101, 14);
  });

  it("the gt 'ignore' field is not read (pycocotools overwrites it with iscrowd)", () => {
    expect(stats(gtOf([{ ...big, ignore: 1 }]), [])[0]).toBe(0);
  });

  it('area ranges split gts and detections: small / medium / large', () => {
    // gts S (400, small), M (2500, medium), L (10000, large). dts: small FP .95, S .9, M .8.
    // all: rc [0, 1/3, 2/3], pr [0, .5, 2/3] → envelope 2/3 up to recall .66 (67 thresholds).
    // small: M's dt matches the ignored M gt → ignored; FP counts: pr [0,.5,.5] → .5 everywhere.
    // medium: FP (area 100) unmatched outside the range → ignored; S's dt on an ignored gt → ignored.
    // large: L not found and every dt ignored → AP 0, AR 0.
    const gt = gtOf([
      { bbox: [0, 0, 20, 20], area: 400 },
      { bbox: [100, 0, 50, 50], area: 2500 },
      { bbox: [200, 0, 100, 100], area: 10000 },
    ]);
    const s = stats(gt, [det([500, 500, 10, 10], 0.95), det([0, 0, 20, 20], 0.9), det([100, 0, 50, 50], 0.8)]);
    const apAll = (67 * (2 / 3)) / 101;
    expect(s[0]).toBeCloseTo(apAll, 14);
    expect(s[1]).toBeCloseTo(apAll, 14);
    expect(s[2]).toBeCloseTo(apAll, 14);
    expectStats(s.slice(3), [0.5, 1, 0, 0, 2 / 3, 2 / 3, 1, 1, 0]);
  });

  it("the gt's area field, not its box, selects the range", () => {
    const s = stats(gtOf([{ bbox: [0, 0, 100, 100], area: 900 }]), [det([0, 0, 100, 100], 0.9)]);
    expect(s[3]).toBeCloseTo(1, 12); // small
    // The dt is matched (to the gt ignored in 'large'), so it is ignored rather than false there.
    expect(s[5]).toBe(-1);
  });

  it('maxDets truncates detections per image', () => {
    // 100 higher-scored false positives push the true positive out of the top 100.
    const fps = Array.from({ length: 100 }, (_, i) => det([500 + i, 500, 10, 10], 0.99));
    expect(stats(gtOf([big]), [...fps, det([0, 0, 100, 100], 0.5)])[8]).toBe(0);
    expect(stats(gtOf([big]), [...fps.slice(1), det([0, 0, 100, 100], 0.5)])[8]).toBeCloseTo(1, 12);
  });

  it('per-category AP and the printed summary', () => {
    const r = evaluateCoco(gtOf([big]), [det([0, 0, 75, 100], 0.9)], { iouType: 'bbox' });
    const perCat = cocoPerCategoryAp(r);
    expect([...perCat.keys()]).toEqual([1, 2]);
    expect(perCat.get(1)).toBeCloseTo(0.6, 12);
    expect(perCat.get(2)).toBe(-1);
    const lines = formatCocoStats(r).split('\n');
    expect(lines).toHaveLength(12);
    expect(lines[0]).toBe(' Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 0.600');
    expect(lines[9]).toBe(' Average Recall     (AR) @[ IoU=0.50:0.95 | area= small | maxDets=100 ] = -1.000');
  });
});

describe('evaluateCoco input validation', () => {
  const gt = gtOf([{ bbox: [0, 0, 10, 10], area: 100 }]);
  const bad = (g: unknown, r: unknown, pattern: RegExp) => {
    expect(() => evaluateCoco(g as CocoGroundTruth, r as CocoBoxResult[], { iouType: 'bbox' })).toThrow(InputError);
    expect(() => evaluateCoco(g as CocoGroundTruth, r as CocoBoxResult[], { iouType: 'bbox' })).toThrow(pattern);
  };

  it('names what is wrong', () => {
    bad({ images: [], annotations: [] }, [], /missing array "categories"/);
    bad(gt, [{ image_id: 1, category_id: 1, score: 0.5 }], /results\[0\]: missing field "bbox"/);
    bad(gt, [{ image_id: 7, category_id: 1, bbox: [0, 0, 1, 1], score: 0.5 }], /unknown image_id 7/);
    bad(gt, [{ image_id: 1, category_id: 9, bbox: [0, 0, 1, 1], score: 0.5 }], /unknown category_id 9/);
    bad(gt, [{ image_id: 1, category_id: 1, bbox: [0, 0, 1], score: 0.5 }], /"bbox" has 3 values, expected 4/);
    bad(gt, [{ image_id: 1, category_id: 1, bbox: [0, 0, -1, 1], score: 0.5 }], /negative width/);
    bad(gt, [{ image_id: 1, category_id: 1, bbox: [0, 0, 1, 1], score: Number.NaN }], /"score" must be a finite number/);
    bad(gt, {}, /results must be an array/);
    const noArea = { ...gt, annotations: [{ id: 1, image_id: 1, category_id: 1, bbox: [0, 0, 1, 1] }] };
    bad(noArea, [], /annotations\[0\] \(id 1\): missing field "area"/);
    const dupIds = { ...gt, annotations: [gt.annotations[0], gt.annotations[0]] };
    bad(dupIds, [], /duplicate annotation id 1/);
    expect(() => evaluateCoco(gt, [], { iouType: 'segm' as 'bbox' })).toThrow(/iouType must be 'bbox' or 'keypoints'/);
    expect(() => evaluateCoco(gt, [], { iouType: 'bbox', imgIds: [3] })).toThrow(/imgIds: unknown id 3/);
  });

  it('accepts no results (every AP 0 where there is ground truth)', () => {
    expect(evaluateCoco(gt, [], { iouType: 'bbox' }).stats).toEqual([0, 0, 0, 0, -1, -1, 0, 0, 0, 0, -1, -1]);
  });
});
