import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type Affine,
  InputError,
  ShapeError,
  affineCrops,
  affineFromPoints,
  applyAffine,
  imageToTensor,
  invertAffine,
  normalizeImageNet,
} from '../../src/index.js';
import { NODE_TEST_BACKENDS, compare, useBackend } from '../../src/testing.js';

const golden = JSON.parse(readFileSync(new URL('../fixtures/image/warp_affine.json', import.meta.url), 'utf8')) as {
  image: { shape: [number, number, number]; data: number[] };
  matrix: Affine;
  crop: { shape: number[]; data: number[] };
};

describe('affine maps', () => {
  it('invert and compose back to the identity', () => {
    const m: Affine = [0.8, -0.3, 5, 0.3, 0.8, -2];
    const inv = invertAffine(m);
    const [x, y] = applyAffine(inv, ...applyAffine(m, 3.5, -7));
    expect(x).toBeCloseTo(3.5, 12);
    expect(y).toBeCloseTo(-7, 12);
    expect(() => invertAffine([1, 2, 0, 2, 4, 0])).toThrowError(InputError);
  });
  it('affineFromPoints equals the map that produced the points', () => {
    const m: Affine = [1.5, 0.25, -3, -0.5, 2, 7];
    const src: [number, number][] = [[0, 0], [10, 1], [3, 8]];
    const got = affineFromPoints(src, src.map(([x, y]) => applyAffine(m, x, y)));
    got.forEach((v, i) => expect(v).toBeCloseTo(m[i]!, 10));
  });
});

describe.each(NODE_TEST_BACKENDS)('image tensors on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it('gray, RGB and RGBA pixels become RGB 0–255 float', () => {
    const before = tf.memory().numTensors;
    const gray = imageToTensor({ data: new Uint8Array([0, 128, 255, 7]), width: 2, height: 2 });
    expect(gray.shape).toEqual([2, 2, 3]);
    expect(Array.from(gray.dataSync().slice(0, 6))).toEqual([0, 0, 0, 128, 128, 128]);
    const rgba = imageToTensor({ data: new Uint8ClampedArray([1, 2, 3, 255, 4, 5, 6, 0]), width: 2, height: 1 });
    expect(Array.from(rgba.dataSync())).toEqual([1, 2, 3, 4, 5, 6]);
    tf.dispose([gray, rgba]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects wrong channel counts, sizes and NaN with typed errors', () => {
    expect(() => imageToTensor({ data: new Uint8Array(8), width: 2, height: 2 })).toThrowError(ShapeError);
    expect(() => imageToTensor({ data: new Uint8Array(12), width: 2, height: 2, channels: 4 })).toThrowError(/needs 16 values, found 12/);
    expect(() => imageToTensor({ data: new Uint8Array(0), width: 0, height: 0 })).toThrowError(InputError);
    expect(() => imageToTensor({ data: new Float32Array([1, NaN, 3]), width: 1, height: 1 })).toThrowError(/NaN/);
    const t = tf.zeros([4, 4, 2]) as tf.Tensor3D;
    expect(() => imageToTensor(t)).toThrowError(/1 \(gray\), 3 \(RGB\) or 4 \(RGBA\) channels, found 2/);
    t.dispose();
  });

  it('affineCrops equals cv2.warpAffine (INTER_LINEAR, zero border) of a rotated, scaled crop', () => {
    const img = tf.tensor3d(golden.image.data, golden.image.shape);
    const crop = affineCrops(img, [golden.matrix], { width: 16, height: 20 });
    expect(crop.shape).toEqual([1, 20, 16, 3]);
    // cv2 quantises sample positions to 1/32 pixel. Inside the image the steepest slope is 7 a pixel; within a
    // pixel of the border the samples blend with the zero border, a slope of up to ~170 a pixel.
    const [h, w] = golden.image.shape;
    const inv = invertAffine(golden.matrix);
    const values = crop.dataSync();
    let inside = 0;
    let border = 0;
    for (let i = 0; i < values.length; i++) {
      const p = Math.floor(i / 3);
      const [sx, sy] = applyAffine(inv, p % 16, Math.floor(p / 16));
      const d = Math.abs(values[i]! - golden.crop.data[i]!);
      if (sx >= 0 && sy >= 0 && sx <= w - 1 && sy <= h - 1) inside = Math.max(inside, d);
      else border = Math.max(border, d);
    }
    expect(inside).toBeLessThan(7 / 32);
    expect(border).toBeLessThan(170 / 32);
    expect(compare(values, golden.crop.data).maxAbsDiff).toBeGreaterThan(0); // the data is not trivial
    tf.dispose([img, crop]);
  });

  it('affineCrops: integer and half-pixel shifts, zeros outside, one crop a map', () => {
    const img = tf.tensor3d([0, 10, 20, 30, 40, 50, 60, 70, 80], [3, 3, 1]);
    // crop pixel (x, y) = image (x + 1, y): shift left by one
    const [shifted, half] = tf.split(affineCrops(img, [[1, 0, -1, 0, 1, 0], [1, 0, -0.5, 0, 1, 0]], { width: 3, height: 3 }), 2);
    expect(Array.from(shifted!.dataSync())).toEqual([10, 20, 0, 40, 50, 0, 70, 80, 0]);
    expect(Array.from(half!.dataSync()).slice(0, 2)).toEqual([5, 15]);
    tf.dispose([img, shifted!, half!]);
  });

  it('normalizeImageNet is ToTensor + Normalize', () => {
    const x = tf.tensor1d([255, 0, 127.5]);
    const y = normalizeImageNet(x).dataSync();
    expect(y[0]).toBeCloseTo((1 - 0.485) / 0.229, 5);
    expect(y[1]).toBeCloseTo((0 - 0.456) / 0.224, 5);
    expect(y[2]).toBeCloseTo((0.5 - 0.406) / 0.225, 5);
    x.dispose();
  });
});
