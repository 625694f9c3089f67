import { describe, expect, it } from 'vitest';
import { type CocoAnnotation, type CocoGroundTruth, InputError, evaluateCoco } from '@hrnetjs/core';
import { COCO_CATEGORY_IDS, COCO_CLASSES, type Detection, toCocoResults } from '../src/index.js';

/** Stats indices of the bbox summary (values compared to 1e-12: numpy-style means leave 1 − 2⁻⁵² at times). */
const AP = 0, AP50 = 1, AP75 = 2, APS = 3, APM = 4, APL = 5;

const det = (box: [number, number, number, number], score: number, label = 0): Detection => ({ box, score, label, className: COCO_CLASSES[label]! });

function gt(boxes: { bbox: [number, number, number, number]; iscrowd?: number; category_id?: number }[]): CocoGroundTruth {
  const annotations: CocoAnnotation[] = boxes.map((b, i) => ({
    id: i + 1,
    image_id: 1,
    category_id: b.category_id ?? 1,
    bbox: b.bbox,
    area: b.bbox[2] * b.bbox[3],
    iscrowd: b.iscrowd ?? 0,
  }));
  return { images: [{ id: 1 }], annotations, categories: COCO_CATEGORY_IDS.map((id, i) => ({ id, name: COCO_CLASSES[i] })) };
}

/** Detections whose COCO boxes (with the official +1) are the boxes written on paper. */
const paper = (d: Detection[]): Detection[] => d.map((x) => ({ ...x, box: [x.box[0], x.box[1], x.box[2] - 1, x.box[3] - 1] }));
const evalBoxes = (g: CocoGroundTruth, d: Detection[]) => evaluateCoco(g, toCocoResults(paper(d), 1), { iouType: 'bbox', catIds: [1, 90] }).stats;

describe('COCO results JSON', () => {
  it('maps class indices to COCO category ids and adds the official +1 to width and height', () => {
    const r = toCocoResults([det([1, 2, 3, 4], 0.5, 0), det([5, 6, 7, 8], 0.25, 79)], 42);
    expect(r).toEqual([
      { image_id: 42, category_id: 1, bbox: [1, 2, 4, 5], score: 0.5 },
      { image_id: 42, category_id: 90, bbox: [5, 6, 8, 9], score: 0.25 },
    ]);
    expect(() => toCocoResults([det([0, 0, 1, 1], 0.5, 80)], 1)).toThrow(InputError);
  });
});

describe('box AP through core evaluateCoco, worked on paper', () => {
  it('perfect detections: AP = AP50 = AP75 = 1', () => {
    const g = gt([{ bbox: [10, 10, 100, 100] }, { bbox: [300, 300, 50, 80] }]);
    const s = evalBoxes(g, [det([10, 10, 100, 100], 0.9), det([300, 300, 50, 80], 0.8)]);
    for (const v of [s[AP], s[AP50], s[AP75]]) expect(v).toBeCloseTo(1, 12);
  });

  it('a box shifted by 10 px (IoU 9000/11000 = 0.818) matches at 7 of the 10 IoU thresholds: AP 0.7', () => {
    const s = evalBoxes(gt([{ bbox: [0, 0, 100, 100] }]), [det([10, 0, 100, 100], 0.9)]);
    expect(s[AP]).toBeCloseTo(0.7, 10);
    expect(s[AP50]).toBeCloseTo(1, 12);
    expect(s[AP75]).toBeCloseTo(1, 12);
  });

  it('a duplicate between two hits: ranks TP, FP, TP → (51 · 1 + 50 · 2/3) / 101', () => {
    const g = gt([{ bbox: [0, 0, 100, 100] }, { bbox: [200, 0, 100, 100] }]);
    const s = evalBoxes(g, [det([0, 0, 100, 100], 0.9), det([0, 0, 100, 100], 0.8), det([200, 0, 100, 100], 0.7)]);
    expect(s[AP]).toBeCloseTo((51 + (50 * 2) / 3) / 101, 10);
  });

  it('a detection inside a crowd region is ignored, not a false positive', () => {
    const withCrowd = gt([{ bbox: [300, 300, 50, 50] }, { bbox: [0, 0, 200, 200], iscrowd: 1 }]);
    const withoutCrowd = gt([{ bbox: [300, 300, 50, 50] }]);
    const dets = [det([10, 10, 40, 40], 0.95), det([300, 300, 50, 50], 0.9)];
    expect(evalBoxes(withCrowd, dets)[AP]).toBeCloseTo(1, 12);
    // without the crowd region the same detection is a false positive ranked first: precision 1/2 at every recall
    expect(evalBoxes(withoutCrowd, dets)[AP]).toBeCloseTo(0.5, 10);
  });

  it('area ranges: small (< 32²) and large (> 96²) objects are scored apart; no medium gt → -1', () => {
    const g = gt([{ bbox: [0, 0, 20, 20] }, { bbox: [100, 100, 200, 200] }]);
    const both = evalBoxes(g, [det([0, 0, 20, 20], 0.9), det([100, 100, 200, 200], 0.8)]);
    [both[AP], both[APS], both[APM], both[APL]].forEach((v, i) => expect(v).toBeCloseTo([1, 1, -1, 1][i]!, 12));
    const largeOnly = evalBoxes(g, [det([100, 100, 200, 200], 0.8)]);
    expect(largeOnly[APS]).toBe(0);
    expect(largeOnly[APL]).toBeCloseTo(1, 12);
    // overall: recall reaches 1/2 at precision 1 → 51 of 101 recall points
    expect(largeOnly[AP]).toBeCloseTo(51 / 101, 10);
  });

  it('classes are evaluated apart: a right box with the wrong class scores nothing', () => {
    const g = gt([{ bbox: [0, 0, 100, 100], category_id: 90 }]);
    expect(evalBoxes(g, [det([0, 0, 100, 100], 0.9, 0)])[AP]).toBe(0);
    expect(evalBoxes(g, [det([0, 0, 100, 100], 0.9, 79)])[AP]).toBeCloseTo(1, 12);
  });
});
