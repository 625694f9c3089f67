/** Hand-worked mIoU cases with the official HRNet-Semantic-Segmentation definitions. */
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import {
  SegmentationMetric,
  accumulateConfusionMatrix,
  confusionMatrix,
  segmentationScores,
} from '../../src/metrics/index.js';

// 2 × 4 image, 3 classes, two ignored pixels (255) whose predictions must not count.
const gt = Uint8Array.from([0, 0, 1, 1, 2, 2, 255, 255]);
const pred = Int32Array.from([0, 1, 1, 1, 2, 0, 0, 2]);
// counted (gt, pred) pairs: (0,0) (0,1) (1,1) (1,1) (2,2) (2,0)
const expectedMatrix = [
  1, 1, 0, // gt 0
  0, 2, 0, // gt 1
  1, 0, 1, // gt 2
];

function close(actual: ArrayLike<number>, expected: number[]): void {
  expect(actual.length).toBe(expected.length);
  expected.forEach((e, i) => expect(actual[i]).toBeCloseTo(e, 15));
}

describe('confusionMatrix', () => {
  it('counts [gt][pred] and skips the ignore label', () => {
    expect([...confusionMatrix(pred, gt, { numClasses: 3 })]).toEqual(expectedMatrix);
  });

  it('honours a custom ignore label, or none', () => {
    const g = Int32Array.from([0, -1, 1]);
    const p = Int32Array.from([0, 1, 1]);
    expect([...confusionMatrix(p, g, { numClasses: 2, ignoreLabel: -1 })]).toEqual([1, 0, 0, 1]);
    expect(() => confusionMatrix(p, g, { numClasses: 2, ignoreLabel: null })).toThrow(/ground truth pixel 1 has label -1/);
  });

  it('rejects bad input', () => {
    const bad = (fn: () => unknown, pattern: RegExp) => {
      expect(fn).toThrow(InputError);
      expect(fn).toThrow(pattern);
    };
    bad(() => confusionMatrix(pred.subarray(1), gt, { numClasses: 3 }), /differ in size: 7 vs 8/);
    bad(() => confusionMatrix(pred, gt, { numClasses: 2 }), /ground truth pixel 4 has label 2, expected 0…1/);
    bad(() => confusionMatrix(Int32Array.from([3]), Int32Array.from([0]), { numClasses: 3 }), /prediction pixel 0 has label 3/);
    bad(() => confusionMatrix(pred, gt, { numClasses: 0 }), /numClasses must be a positive integer/);
    bad(() => accumulateConfusionMatrix(new Float64Array(4), pred, gt, { numClasses: 3 }), /has 4 cells, expected 3² = 9/);
  });
});

describe('segmentationScores', () => {
  it('IoU = tp / max(1, pos + res - tp), mean over all classes', () => {
    // pos (row sums) [2, 2, 2], res (column sums) [2, 3, 1], tp [1, 2, 1]
    // IoU [1/3, 2/3, 1/2] → mIoU .5; pixel acc 4/6; class acc [1/2, 1, 1/2] → 2/3
    const s = segmentationScores(expectedMatrix, 3);
    close(s.iou, [1 / 3, 2 / 3, 1 / 2]);
    expect(s.meanIoU).toBeCloseTo(0.5, 15);
    expect(s.pixelAccuracy).toBeCloseTo(2 / 3, 15);
    close(s.classAccuracy, [0.5, 1, 0.5]);
    expect(s.meanAccuracy).toBeCloseTo(2 / 3, 15);
  });

  it('a class absent from both maps has IoU 0 and still counts in the mean (official definition)', () => {
    const s = segmentationScores(confusionMatrix(pred, gt, { numClasses: 4 }), 4);
    close(s.iou, [1 / 3, 2 / 3, 1 / 2, 0]);
    expect(s.meanIoU).toBeCloseTo(1.5 / 4, 15);
    expect(s.meanAccuracy).toBeCloseTo(2 / 4, 15);
  });

  it('no counted pixel: IoU 0 everywhere, pixel accuracy NaN (0/0 as numpy)', () => {
    const s = segmentationScores(new Float64Array(4), 2);
    expect(s.meanIoU).toBe(0);
    expect(s.pixelAccuracy).toBeNaN();
  });
});

describe('SegmentationMetric', () => {
  it('accumulates over images before scoring', () => {
    // image 2 adds (gt 3, pred 3) and (gt 3, pred 0): row 3 = [1, 0, 0, 1].
    // pos [2, 2, 2, 2], res [3, 3, 1, 1], tp [1, 2, 1, 1]
    // IoU [1/4, 2/3, 1/2, 1/2] → mIoU 23/48; pixel acc 5/8.
    const m = new SegmentationMetric({ numClasses: 4 });
    m.update(pred, gt).update(Int32Array.from([3, 0]), Uint8Array.from([3, 3]));
    const s = m.compute();
    close(s.iou, [1 / 4, 2 / 3, 1 / 2, 1 / 2]);
    expect(s.meanIoU).toBeCloseTo(23 / 48, 15);
    expect(s.pixelAccuracy).toBeCloseTo(5 / 8, 15);
    expect(s.confusionMatrix[3 * 4 + 0]).toBe(1);
    m.reset();
    expect(m.matrix.every((v) => v === 0)).toBe(true);
  });
});
