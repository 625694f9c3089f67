import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeHeatmaps, officialCrop, transformPixel } from '../src/index.js';

/** Made by scripts/make_official_cases.py from the official transforms.py / evaluation.py. */
const cases = JSON.parse(readFileSync(new URL('./fixtures/official_cases.json', import.meta.url), 'utf8'));

describe('official geometry (lib/utils/transforms.py)', () => {
  it('transform_pixel: forward and inverse, with the integer truncation', () => {
    expect(cases.transform_pixel.length).toBe(200);
    for (const c of cases.transform_pixel) {
      expect(transformPixel(c.pt, c.center, c.scale, c.res, c.invert === 1)).toEqual(c.out);
    }
  });

  it("crop(): the integer box [ul, br) the official crop copies", () => {
    for (const c of cases.crop_box) {
      // a large image so that no case is rejected as outside; sf < 2 for every case here (scale <= 3.125)
      const crop = officialCrop({ center: c.center, scale: c.scale }, { width: 4000, height: 4000 }, c.size);
      if (crop.shrink === 1) {
        expect(crop.ul).toEqual(c.ul);
        expect(crop.br).toEqual(c.br);
      }
    }
    expect(cases.crop_box.filter((c: { scale: number }) => (c.scale * 200) / 256 < 2).length).toBeGreaterThan(80);
  });
});

describe('official decode_preds (lib/core/evaluation.py)', () => {
  it('matches on random heatmaps, masked maps and plateaus', () => {
    for (const c of cases.decode) {
      const [n, k, h, w] = c.shape_nkhw as number[];
      const src = Float32Array.from(c.heatmaps as number[]);
      const data = new Float32Array(src.length);
      for (let b = 0; b < n!; b++)
        for (let p = 0; p < k!; p++)
          for (let y = 0; y < h!; y++) for (let x = 0; x < w!; x++) data[((b * h! + y) * w! + x) * k! + p] = src[((b * k! + p) * h! + y) * w! + x]!;
      const faces = (c.center as [number, number][]).map((center, i) => ({ center, scale: c.scale[i] as number }));
      const got = decodeHeatmaps({ data, shape: [n!, h!, w!, k!] }, faces, 'official');
      expect(got.map((f) => f.map((l) => [l.x, l.y]))).toEqual(c.preds);
    }
  });
});
