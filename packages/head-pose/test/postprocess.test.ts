import { describe, expect, it } from 'vitest';
import { InputError } from '@hrnetjs/core';
import {
  COCO_KEYPOINTS,
  boxToCenterScale,
  evaluateKeypoints,
  gaussianKernel,
  getAffineTransform,
  getFinalPreds,
  oksIou,
  oksNms,
  softOksNms,
  rescorePose,
  toCocoResults,
  transformPreds,
} from '../src/index.js';

const K = 17;
/** A 17-keypoint pose: a fixed layout moved by (dx, dy), every keypoint scored `s`. */
function pose(dx: number, dy: number, score: number, area = 10_000, s = 0.9) {
  const keypoints = Array.from({ length: K }, (_, j) => [100 + 7 * j + dx, 50 + 11 * j + dy, s]).flat();
  return { keypoints, area, score };
}

describe('rescoring (official COCODataset.evaluate)', () => {
  it('box score × mean of keypoint scores strictly above 0.2', () => {
    const kps = [0.1, 0.3, 0.5, 0.2].map((score) => ({ score }));
    expect(rescorePose(kps, 0.5)).toBeCloseTo(0.5 * 0.4, 15);
    expect(rescorePose(kps, 1, 0.4)).toBeCloseTo(0.5, 15);
    expect(rescorePose([{ score: 0.2 }, { score: -1 }], 0.9)).toBe(0); // none above: kpt_score stays 0
  });
});

describe('OKS (official oks_iou)', () => {
  it('matches the formula on a hand-worked pair', () => {
    // one keypoint, sigma 0.1: vars = 0.04; e = 25 / 0.04 / ((50+50)/2 + eps) / 2 = 6.25
    expect(oksIou([0, 0, 1], [3, 4, 1], 50, 50, { sigmas: [0.1] })).toBeCloseTo(Math.exp(-6.25), 15);
    // two keypoints, the second 0 px away: (exp(-6.25) + 1) / 2
    expect(oksIou([0, 0, 1, 9, 9, 1], [3, 4, 1, 9, 9, 1], 50, 50, { sigmas: [0.1, 0.1] })).toBeCloseTo((Math.exp(-6.25) + 1) / 2, 15);
    // COCO sigmas, a 1-pixel shift of every joint, area 10000
    const a = pose(0, 0, 1).keypoints;
    const b = pose(1, 0, 1).keypoints;
    const expected = COCO_KEYPOINTS.sigmas!.reduce((s, sg) => s + Math.exp(-1 / (2 * sg) ** 2 / 10_000 / 2), 0) / K;
    expect(oksIou(a, b, 10_000, 10_000)).toBeCloseTo(expected, 14);
  });

  it('with inVisThreshold only the detection keypoints above it count (the official `and` on lists)', () => {
    const g = [0, 0, 0.0, 10, 10, 0.0]; // gt scores low: ignored by the official expression
    const d = [3, 4, 0.9, 10, 10, 0.1];
    const only1 = oksIou([0, 0, 1], [3, 4, 1], 50, 50, { sigmas: [0.1] });
    expect(oksIou(g, d, 50, 50, { sigmas: [0.1, 0.1], inVisThreshold: 0.2 })).toBeCloseTo(only1, 15);
    expect(oksIou(g, [3, 4, 0.1, 10, 10, 0.1], 50, 50, { sigmas: [0.1, 0.1], inVisThreshold: 0.2 })).toBe(0);
  });

  it('rejects keypoint arrays that do not fit the sigmas', () => {
    expect(() => oksIou([0, 0, 1], [0, 0, 1, 1, 1, 1], 1, 1, { sigmas: [0.1] })).toThrow(InputError);
  });
});

describe('OKS-NMS (official oks_nms)', () => {
  it('keeps the best pose, drops near-duplicates above the threshold, keeps distant ones', () => {
    const poses = [
      pose(0, 0, 0.9), // 0: kept
      pose(1, 0, 0.8), // 1: OKS with 0 ≈ 0.98 > 0.9: dropped
      pose(200, 0, 0.7), // 2: far: kept
      pose(0, 300, 0.95), // 3: best, far from all: kept first
      pose(200, 1, 0.6), // 4: duplicate of 2: dropped
    ];
    expect(oksNms(poses, 0.9)).toEqual([3, 0, 2]);
    expect(oksNms(poses, 0.999)).toEqual([3, 0, 1, 2, 4]);
    expect(oksNms([], 0.9)).toEqual([]);
  });

  it('keeps a pose whose OKS equals the threshold (drops only oks > thresh) and orders ties like numpy', () => {
    const a = pose(0, 0, 0.5);
    const b = pose(3, 0, 0.5);
    const oks = oksIou(a.keypoints, b.keypoints, a.area, b.area);
    expect(oksNms([a, b], oks)).toEqual([1, 0]); // equal scores: argsort()[::-1] puts the later index first
    expect(oksNms([a, b], oks - 1e-9)).toEqual([1]);
  });

  it('accepts estimator poses ({x, y, score} keypoints)', () => {
    const obj = (p: ReturnType<typeof pose>) => ({
      ...p,
      keypoints: Array.from({ length: K }, (_, j) => ({ x: p.keypoints[3 * j]!, y: p.keypoints[3 * j + 1]!, score: p.keypoints[3 * j + 2]! })),
    });
    expect(oksNms([obj(pose(0, 0, 0.9)), obj(pose(1, 0, 0.8))], 0.9)).toEqual([0]);
  });
});

describe('soft OKS-NMS (official soft_oks_nms)', () => {
  it('keeps everything but reorders by decayed scores, at most 20', () => {
    const poses = [pose(0, 0, 0.9), pose(1, 0, 0.85), pose(200, 0, 0.8)];
    // the duplicate's score decays to 0.85·exp(−oks²/0.9) ≈ 0.29, below the distant pose's (OKS ≈ 0: unchanged)
    const oks = oksIou(poses[0]!.keypoints, poses[1]!.keypoints, 10_000, 10_000);
    expect(0.85 * Math.exp(-(oks ** 2) / 0.9)).toBeLessThan(0.8);
    expect(softOksNms(poses, 0.9)).toEqual([0, 2, 1]);
    expect(softOksNms(Array.from({ length: 25 }, (_, i) => pose(300 * i, 0, 1 - i / 100)), 0.9)).toHaveLength(20);
    expect(softOksNms([], 0.9)).toEqual([]);
  });
});

describe('COCO results and evaluation', () => {
  it('writes NMS-ed COCO results that evaluate to AP 1 against matching ground truth', () => {
    const gtPose = pose(0, 0, 2);
    const gt = {
      images: [{ id: 7 }, { id: 8 }],
      categories: [{ id: 1, name: 'person' }],
      annotations: [
        { id: 1, image_id: 7, category_id: 1, bbox: [100, 50, 112, 176], area: 10_000, iscrowd: 0, keypoints: gtPose.keypoints, num_keypoints: K },
        { id: 2, image_id: 8, category_id: 1, bbox: [300, 50, 112, 176], area: 10_000, iscrowd: 0, keypoints: pose(200, 0, 2).keypoints, num_keypoints: K },
      ],
    };
    const results = toCocoResults([
      { imageId: 7, poses: [{ ...pose(0, 0, 0.9), center: [1, 2], scale: [3, 4] }, pose(1, 0, 0.5)] },
      { imageId: 8, poses: [pose(200, 0, 0.8)] },
      { imageId: 9, poses: [] },
    ]);
    expect(results).toHaveLength(2); // the duplicate on image 7 is suppressed
    expect(results[0]).toEqual({ image_id: 7, category_id: 1, keypoints: pose(0, 0, 0.9).keypoints, score: 0.9, center: [1, 2], scale: [3, 4] });
    const parsed = JSON.parse(JSON.stringify(results));
    const ev = evaluateKeypoints(gt, parsed);
    expect(ev.stats[0]).toBeCloseTo(1, 12); // AP
    expect(ev.stats[5]).toBeCloseTo(1, 12); // AR
    // without NMS the duplicate stays and is a false positive at a lower score: AP still 1, one more result
    expect(toCocoResults([{ imageId: 7, poses: [pose(0, 0, 0.9), pose(1, 0, 0.5)] }], { nms: false })).toHaveLength(2);
    // moving every detection by 40 px lowers AP below 1
    const off = evaluateKeypoints(gt, toCocoResults([{ imageId: 7, poses: [pose(40, 0, 0.9)] }, { imageId: 8, poses: [pose(240, 0, 0.9)] }]));
    expect(off.stats[0]).toBeLessThan(0.5);
  });
});

describe('box → center/scale and the affine maps (official _xywh2cs, get_affine_transform)', () => {
  it('pads to the aspect ratio, × 1.25, in units of 200 px', () => {
    // the meta.json case of pose_small: [100, 50, 120, 200] at 96x128 → center (160, 150), scale (0.9375, 1.25)
    expect(boxToCenterScale([100, 50, 120, 200], 96 / 128)).toEqual({ center: [160, 150], scale: [0.9375, 1.25] });
    // wider than 3:4 → height grows
    expect(boxToCenterScale([0, 0, 300, 100], 0.75)).toEqual({ center: [150, 50], scale: [1.875, 2.5] });
    // zero width is padded from the height (as the official code does)
    expect(boxToCenterScale([10, 10, 0, 40], 0.75).scale).toEqual([0.1875, 0.25]);
  });

  it('rejects boxes it cannot crop, with the box in the message', () => {
    expect(() => boxToCenterScale([0, 0, 0, 0], 0.75)).toThrow(InputError);
    expect(() => boxToCenterScale([0, 0, -5, 10], 0.75)).toThrow(/-5x10/);
    expect(() => boxToCenterScale([0, NaN, 5, 10], 0.75)).toThrow(/finite/);
    expect(() => boxToCenterScale([0, 0, 5], 0.75)).toThrow(InputError);
  });

  it('maps the box to the crop and back', () => {
    const cs = boxToCenterScale([100, 50, 120, 200], 0.75);
    const m = getAffineTransform(cs.center, cs.scale, 0, [96, 128]);
    // centre → crop centre; the padded box (187.5 x 250 px) fills the crop: 0.512 crop px per image px
    expect(m[0]).toBeCloseTo(96 / 187.5, 12);
    expect(m[0] * 160 + m[2]).toBeCloseTo(48, 10);
    expect(m[4] * 150 + m[5]).toBeCloseTo(64, 10);
    const back = transformPreds([12, 16, 0, 0], cs.center, cs.scale, [24, 32]);
    expect(back[0]).toBeCloseTo(160, 10);
    expect(back[1]).toBeCloseTo(150, 10);
    expect(back[2]).toBeCloseTo(160 - 187.5 / 2, 10);
    expect(back[3]).toBeCloseTo(150 - 250 / 2, 10);
    // a 90° rotation turns the x axis into the y axis
    const r = getAffineTransform([0, 0], [1, 1], 90, [200, 200]);
    expect(r[0]).toBeCloseTo(0, 12);
    expect(Math.abs(r[1])).toBeCloseTo(1, 12);
  });
});

describe('decoding', () => {
  /** One-person, one-joint heatmap from a function of (x, y). */
  function heatmap(w: number, h: number, f: (x: number, y: number) => number) {
    const data = new Float32Array(w * h);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data[y * w + x] = f(x, y);
    return { data, shape: [1, h, w, 1] as const };
  }
  const identity = { center: [[12, 16]] as [number, number][], scale: [[0.12, 0.16]] as [number, number][] }; // 24x32 crop = heatmap

  it('official: argmax plus a quarter pixel towards the higher neighbour, not at the border', () => {
    const g = (cx: number, cy: number) => (x: number, y: number) => Math.exp(-((x - cx) ** 2 + (y - cy) ** 2) / 8);
    const { preds, maxvals } = getFinalPreds(heatmap(24, 32, g(10.3, 20.8)), identity.center, identity.scale);
    expect(preds[0]).toBeCloseTo(10.25, 4);
    expect(preds[1]).toBeCloseTo(20.75, 4);
    expect(maxvals[0]).toBeGreaterThan(0.9);
    // a peak at x = 1 is on the official border (1 < px is false): no shift
    const border = getFinalPreds(heatmap(24, 32, g(1.3, 20)), identity.center, identity.scale);
    expect(border.preds[0]).toBeCloseTo(1, 4);
    // argmax only
    const plain = getFinalPreds(heatmap(24, 32, g(10.3, 20.8)), identity.center, identity.scale, { method: 'argmax' });
    expect([plain.preds[0], plain.preds[1]]).toEqual([expect.closeTo(10, 4), expect.closeTo(21, 4)]);
  });

  it('a joint whose maximum is ≤ 0 lands at heatmap (0, 0) with its (negative) score', () => {
    const { preds, maxvals } = getFinalPreds(heatmap(24, 32, (x, y) => -1 - Math.abs(x - 10) - Math.abs(y - 12)), identity.center, identity.scale);
    expect(maxvals[0]).toBe(-1);
    expect(preds[0]).toBeCloseTo(0, 4);
    expect(preds[1]).toBeCloseTo(0, 4);
    // the same peak raised above 0 is found at (10, 12)
    const up = getFinalPreds(heatmap(24, 32, (x, y) => 1 - Math.abs(x - 10) - Math.abs(y - 12)), identity.center, identity.scale);
    expect([up.preds[0], up.preds[1]]).toEqual([expect.closeTo(10, 4), expect.closeTo(12, 4)]);
  });

  it('DARK recovers a sub-pixel Gaussian peak far better than the quarter-pixel rule', () => {
    const [cx, cy] = [11.37, 14.62];
    const hm = heatmap(48, 64, (x, y) => Math.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * 2 * 2)));
    const c = { center: [[24, 32]] as [number, number][], scale: [[0.24, 0.32]] as [number, number][] };
    const dark = getFinalPreds(hm, c.center, c.scale, { method: 'dark' });
    const official = getFinalPreds(hm, c.center, c.scale);
    expect(Math.hypot(dark.preds[0]! - cx, dark.preds[1]! - cy)).toBeLessThan(0.02);
    expect(Math.hypot(official.preds[0]! - cx, official.preds[1]! - cy)).toBeGreaterThan(0.1);
  });

  it('DARK blur kernels are OpenCV getGaussianKernel(k, 0)', () => {
    expect(Array.from(gaussianKernel(3))).toEqual([0.25, 0.5, 0.25]);
    const k11 = gaussianKernel(11); // sigma 2
    expect(k11.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 14);
    expect(k11[5]! / k11[4]!).toBeCloseTo(Math.exp(1 / 8), 12);
    expect(() => gaussianKernel(4)).toThrow(InputError);
  });
});
