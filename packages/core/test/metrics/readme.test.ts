/** The README's Metrics examples, kept honest. */
import { expect, it } from 'vitest';
import { SegmentationMetric, evaluateCoco, formatCocoStats } from '../../src/metrics/index.js';

it('README: COCO box AP example', () => {
  const groundTruth = {
    images: [{ id: 1 }],
    categories: [{ id: 1, name: 'person' }],
    annotations: [
      { id: 1, image_id: 1, category_id: 1, bbox: [10, 20, 100, 200], area: 20000, iscrowd: 0 },
      { id: 2, image_id: 1, category_id: 1, bbox: [300, 20, 100, 200], area: 20000, iscrowd: 0 },
    ],
  };
  const detections = [
    { image_id: 1, category_id: 1, bbox: [10, 20, 100, 200], score: 0.9 },
    { image_id: 1, category_id: 1, bbox: [300, 20, 75, 200], score: 0.8 },
  ];
  const result = evaluateCoco(groundTruth, detections, { iouType: 'bbox' });
  expect(result.stats[0]).toBeCloseTo((6 + (4 * 51) / 101) / 10, 12);
  expect(result.stats[0]!.toFixed(3)).toBe('0.802');
  expect(formatCocoStats(result).split('\n')[0]).toMatch(/= 0\.802$/);
});

it('README: segmentation example', () => {
  const metric = new SegmentationMetric({ numClasses: 3 });
  metric.update(Int32Array.from([0, 1, 1, 1, 2, 0, 0, 2]), Uint8Array.from([0, 0, 1, 1, 2, 2, 255, 255]));
  const { iou, meanIoU } = metric.compute();
  expect([...iou].map((v) => v.toFixed(3))).toEqual(['0.333', '0.667', '0.500']);
  expect(meanIoU).toBeCloseTo(0.5, 15);
});
