/**
 * Our COCO evaluation against pycocotools' COCOeval on random cases (see make_coco_reference.py,
 * which wrote coco_reference.json with pycocotools 2.0.11).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  COCO_KEYPOINT_SIGMAS,
  evaluateCoco,
  keypointOks,
  type CocoEvalOptions,
  type CocoGroundTruth,
  type CocoResult,
} from '../../src/metrics/index.js';

interface RefCase {
  name: string;
  iouType: 'bbox' | 'keypoints';
  gt: CocoGroundTruth;
  results: CocoResult[];
  options: { sigmas?: number[]; imgIds?: number[] };
  reference: {
    stats: number[];
    precisionMeanOverR: number[];
    recall: number[];
    shape: number[];
    oks?: { image_id: number; category_id: number; oks: number[][] }[];
  };
}

const ref = JSON.parse(readFileSync(new URL('./coco_reference.json', import.meta.url), 'utf8')) as { cases: RefCase[] };

// Math.exp and numpy's exp may differ in the last bit; everything else is reproduced exactly.
const TOL = 1e-12;

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = TOL): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(actual[i]! - expected[i]!);
    if (!(d <= tol)) expect.fail(`index ${i}: ${actual[i]} vs reference ${expected[i]}`);
  }
}

describe('evaluateCoco vs pycocotools', () => {
  expect(ref.cases.length).toBe(4);
  for (const c of ref.cases) {
    it(c.name, () => {
      const options: CocoEvalOptions = { iouType: c.iouType, ...c.options };
      const out = evaluateCoco(c.gt, c.results, options);
      expect(out.stats.length).toBe(c.iouType === 'bbox' ? 12 : 10);
      expectClose(out.stats, c.reference.stats);
      expect(out.precisionShape).toEqual(c.reference.shape);
      const [T, R, K, A, M] = out.precisionShape;
      const meanOverR: number[] = [];
      for (let t = 0; t < T; t++)
        for (let k = 0; k < K; k++)
          for (let a = 0; a < A; a++)
            for (let m = 0; m < M; m++) {
              let s = 0;
              for (let r = 0; r < R; r++) s += out.precision[(((t * R + r) * K + k) * A + a) * M + m]!;
              meanOverR.push(s / R);
            }
      expectClose(meanOverR, c.reference.precisionMeanOverR, 1e-9);
      expectClose(out.recall, c.reference.recall);
    });
  }

  it('keypointOks reproduces every OKS matrix of pycocotools', () => {
    let checked = 0;
    for (const c of ref.cases.filter((x) => x.iouType === 'keypoints')) {
      const sigmas = c.options.sigmas ?? COCO_KEYPOINT_SIGMAS;
      for (const { image_id, category_id, oks } of c.reference.oks!) {
        const gts = c.gt.annotations.filter((a) => a.image_id === image_id && a.category_id === category_id);
        const dts = c.results
          .map((r, i) => [r, i] as const)
          .filter(([r]) => r.image_id === image_id && r.category_id === category_id)
          .sort((a, b) => b[0].score - a[0].score || a[1] - b[1])
          .slice(0, 20)
          .map(([r]) => r as unknown as { keypoints: number[] });
        expect(oks.length).toBe(dts.length);
        dts.forEach((d, i) =>
          gts.forEach((g, j) => {
            const v = keypointOks(d.keypoints, { keypoints: g.keypoints!, bbox: g.bbox, area: g.area }, sigmas);
            expect(Math.abs(v - oks[i]![j]!)).toBeLessThanOrEqual(TOL);
            checked++;
          }),
        );
      }
    }
    expect(checked).toBeGreaterThan(100);
  });
});
