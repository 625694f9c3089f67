import { InputError } from '@hrnetjs/core';
import { describe, expect, it } from 'vitest';
import { FACE_PRESETS, SCHEMES, centerScaleToBox, decodeHeatmaps, getTransform, landmarkIndex, officialCrop, toCenterScale, transformPixel } from '../src/index.js';

describe('transforms, worked by hand', () => {
  it('get_transform / transform_pixel with the 200-pixel convention', () => {
    // h = 200: x' = 0.32·x + 64·(0.5 − 100/200) = 0.32·x; y' = 0.32·y + 64·(0.5 − 50/200) = 0.32·y + 16
    expect(getTransform([100, 50], 1, [64, 64])).toEqual([0.32, 0, 0, 0, 0.32, 16, 0, 0, 1]);
    // 1-based in, 1-based out: (101, 51) → (100, 50) → (32, 32) → (33, 33)
    expect(transformPixel([101, 51], [100, 50], 1, [64, 64], false)).toEqual([33, 33]);
    expect(transformPixel([33, 33], [100, 50], 1, [64, 64], true)).toEqual([101, 51]);
    // truncation toward zero: (32.9, 32.9) → 0-based (31.9, 31.9) → (99.6875, 49.6875) → (99, 49) → (100, 50)
    expect(transformPixel([32.9, 32.9], [100, 50], 1, [64, 64], true)).toEqual([100, 50]);
    expect(transformPixel([31.9, 31.9], [100, 50], 1, [64, 64], true, { truncate: false })).toEqual([99.6875, 49.6875]);
  });

  it('boxes become center/scale with the 1.25 margin; center/scale pass through', () => {
    expect(toCenterScale({ box: [10, 20, 100, 50] })).toEqual({ center: [60, 45], scale: 0.625 });
    expect(toCenterScale({ box: [10, 20, 100, 50] }, 1)).toEqual({ center: [60, 45], scale: 0.5 });
    expect(toCenterScale({ center: [1, 2], scale: 3 })).toEqual({ center: [1, 2], scale: 3 });
    expect(toCenterScale([10, 20, 100, 50])).toEqual({ center: [60, 45], scale: 0.625 });
    expect(() => toCenterScale([10, 20, 100, 50], 0)).toThrow(/box margin/);
    expect(centerScaleToBox({ center: [100, 100], scale: 0.5 })).toEqual([50, 50, 100, 100]);
  });

  it('zero-size, negative, non-finite regions are InputErrors', () => {
    expect(() => toCenterScale({ box: [0, 0, 0, 10] })).toThrow(/positive width and height, found 0x10/);
    expect(() => toCenterScale({ box: [0, 0, -5, 10] })).toThrow(InputError);
    expect(() => toCenterScale({ box: [0, Number.NaN, 5, 10] })).toThrow(/face.box\[1\]/);
    expect(() => toCenterScale({ center: [0, 0], scale: 0 })).toThrow(/face.scale/);
    expect(() => toCenterScale({ box: [1, 2, 3] as unknown as [number, number, number, number] })).toThrow(InputError);
  });

  it('official crop: a crop that is the image itself is the identity map', () => {
    // h = 64 over 64 output pixels: ul = trunc(−1 + 32 − 32) + 1 = 0, br = trunc(63) + 1 = 64
    const c = officialCrop({ center: [32, 32], scale: 0.32 }, { width: 64, height: 64 }, [64, 64]);
    expect(c.ul).toEqual([0, 0]);
    expect(c.br).toEqual([64, 64]);
    expect(c.imageToCrop).toEqual([1, 0, 0, 0, 1, 0]);
  });

  it("official crop: the box [1, 200) is one pixel short of the face's 200 pixels", () => {
    // h = 200, 256 px: ul = trunc(−200/256) + 1 = 1, br = trunc(255·200/256) + 1 = trunc(199.22) + 1 = 200
    const c = officialCrop({ center: [100, 100], scale: 1 }, { width: 300, height: 300 }, [256, 256]);
    expect(c.ul).toEqual([1, 1]);
    expect(c.br).toEqual([200, 200]);
    const o = 256 / 199;
    // pixel centres: image x = 1 (the box's first pixel) → crop u = 0.5·o − 0.5
    expect(c.imageToCrop[0]).toBeCloseTo(o, 14);
    expect(c.imageToCrop[2]).toBeCloseTo(-o - 0.5 + 0.5 * o, 12);
  });

  it('official crop: faces of at least twice the input shrink the image first (sf >= 2)', () => {
    // side 128 for 64 output pixels: sf = 2, a 200x100 image becomes 100x50, center (32, 32), scale 0.32
    const c = officialCrop({ center: [64, 64], scale: 0.64 }, { width: 200, height: 100 }, [64, 64]);
    expect(c.shrink).toBe(2);
    expect([c.ul, c.br]).toEqual([[0, 0], [64, 64]]);
    // two image pixels per crop pixel, centred: image x = 0.5 → u = 0
    expect(c.imageToCrop).toEqual([0.5, 0, -0.25, 0, 0.5, -0.25]);
  });

  it('crops outside the image, or empty, are InputErrors', () => {
    expect(() => officialCrop({ center: [-500, -500], scale: 1 }, { width: 100, height: 100 }, [256, 256])).toThrow(/outside the 100x100 image/);
    expect(() => officialCrop({ center: [600, 50], scale: 1 }, { width: 100, height: 100 }, [256, 256])).toThrow(InputError);
    // partly outside is fine (zero padding, as officially)
    expect(() => officialCrop({ center: [0, 0], scale: 1 }, { width: 100, height: 100 }, [256, 256])).not.toThrow();
    // h = 0.2 px at 50.5: ul = trunc(50.399…) + 1 = 51 = br → an empty box
    expect(() => officialCrop({ center: [50.5, 50.5], scale: 0.001 }, { width: 100, height: 100 }, [256, 256])).toThrow(/empty crop box/);
  });
});

describe('decodeHeatmaps, worked by hand', () => {
  // one 4x4 map: peak 1 at (row 1, col 2); right 0.5 > left 0.2 → x + 0.25; down 0.1 < up 0.3 → y − 0.25
  const map = [
    [0, 0, 0.3, 0],
    [0, 0.2, 1, 0.5],
    [0, 0, 0.1, 0],
    [0, 0, 0, 0],
  ];
  // center (100, 100), scale 0.32: h = 64, 16 image px per heatmap px, offset 100 − 32 = 68
  const face = { center: [100, 100] as [number, number], scale: 0.32 };
  const hm = { data: map.flat(), shape: [1, 4, 4, 1] as [number, number, number, number] };

  it('subpixel: (2 + 0.5 + 0.25)·16 + 68 = 112, (1 + 0.5 − 0.25)·16 + 68 = 88', () => {
    expect(decodeHeatmaps(hm, [face])).toEqual([[{ x: 112, y: 88, score: 1 }]]);
  });

  it('official: trunc(112) + 1, trunc(88) + 1', () => {
    expect(decodeHeatmaps(hm, [face], 'official')).toEqual([[{ x: 113, y: 89, score: 1 }]]);
  });

  it('official masks maps with no positive value to (0, 0) → trunc(16·(0.5 − 1) + 68) + 1 = 61', () => {
    const neg = { data: map.flat().map((v) => v - 2), shape: hm.shape };
    expect(decodeHeatmaps(neg, [face], 'official')[0]![0]).toEqual({ x: 61, y: 61, score: -1 });
    // sub-pixel keeps the argmax and reports the (negative) score
    expect(decodeHeatmaps(neg, [face])[0]![0]).toEqual({ x: 112, y: 88, score: -1 });
  });

  it('no shift on the border; bad inputs are typed errors', () => {
    const edge = { data: [1, 0.5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], shape: hm.shape };
    expect(decodeHeatmaps(edge, [face])[0]![0]).toMatchObject({ x: 0.5 * 16 + 68, y: 0.5 * 16 + 68 });
    expect(() => decodeHeatmaps(hm, [])).toThrow(InputError);
    expect(() => decodeHeatmaps({ data: [1, 2], shape: hm.shape }, [face])).toThrow(/needs 16 values/);
    expect(() => decodeHeatmaps(hm, [face], 'argmax' as 'official')).toThrow(InputError);
  });
});

describe('landmark schemes', () => {
  it.each(FACE_PRESETS)('%s: names, flip pairs and connections are consistent', (name) => {
    const s = SCHEMES[name];
    expect(s.names).toHaveLength(s.numLandmarks);
    expect(new Set(s.names).size).toBe(s.numLandmarks);
    const flipped = s.flipPairs.flat();
    expect(new Set(flipped).size).toBe(flipped.length); // each point in at most one pair
    for (const i of [...flipped, ...s.connections.flat()]) expect(i >= 0 && i < s.numLandmarks).toBe(true);
    if (s.normalization.kind === 'interocular') {
      const [a, b] = s.normalization.indices;
      // the normalising points are a left/right pair
      expect(s.flipPairs.some(([p, q]) => (p === a && q === b) || (p === b && q === a))).toBe(true);
    }
  });

  it('official indices by name', () => {
    expect([landmarkIndex('300w', 'right_eye_0'), landmarkIndex('300w', 'left_eye_3')]).toEqual([36, 45]);
    expect([landmarkIndex('wflw', 'right_eye_0'), landmarkIndex('wflw', 'left_eye_4'), landmarkIndex('wflw', 'left_pupil')]).toEqual([60, 72, 97]);
    expect(landmarkIndex('aflw', 'chin_center')).toBe(18);
    // 300W's 1-based table: [37, 46] → 36 ↔ 45
    expect(SCHEMES['300w'].flipPairs).toContainEqual([36, 45]);
    expect(SCHEMES.wflw.flipPairs).toContainEqual([96, 97]);
  });
});
