import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { readNpy } from '@hrnetjs/core';
import { NODE_TEST_BACKENDS, useBackend } from '@hrnetjs/core/testing';
import { boxToCenterScale, cropPersons, getAffineTransform } from '../src/index.js';

/**
 * Our crops against OpenCV's (test/fixtures/crop, made by scripts/make_crop_fixture.py with cv2 4.6):
 * `crops_uint8` is what the official pipeline feeds the network (cv2.warpAffine on the uint8 image),
 * `crops_float` the same warp on a float32 copy (no rounding of the result).
 * The default crop method, 'opencv', reproduces cv2.warpAffine on uint8 bit for bit. The other two use
 * tf.image.transform, which interpolates at the exact coordinates where OpenCV quantises them to 1/32 pixel
 * (INTER_BITS = 5) and, for uint8, weights to 1/32768. Measured for those (cpu and wasm agree):
 *   box  grid-aligned?  rounded vs cv2 uint8: mean / max / exact   unrounded vs cv2 float: max
 *   0    no             0.17 / 3 / 83%                             3.3
 *   1    yes            0.011 / 1 / 99%                            0.000
 *   2    no (outside)   0.070 / 3 / 94%                            2.7
 *   3    no (9x zoom)   0.24 / 3 / 77%                             2.9
 * (levels of 0–255).
 */
const dir = new URL('./fixtures/crop/', import.meta.url);
const npy = (f: string) => readNpy(new Uint8Array(readFileSync(new URL(f, dir))));
const meta = JSON.parse(readFileSync(new URL('meta.json', dir), 'utf8')) as { boxes_xywh: number[][]; image_to_crop_affine: number[][] };

describe.each(NODE_TEST_BACKENDS)('crops vs OpenCV (%s)', (backend) => {
  beforeAll(() => useBackend(backend));

  it('the affine maps equal the official ones; opencv crops are identical to cv2.warpAffine, the others within the documented distance', () => {
    const img = npy('image.npy');
    const u8 = npy('crops_uint8.npy');
    const fl = npy('crops_float.npy');
    const image = tf.tensor3d(Float32Array.from(img.data), img.shape as [number, number, number]);
    const people = meta.boxes_xywh.map((b) => boxToCenterScale(b, 96 / 128));
    people.forEach((p, i) => {
      const m = getAffineTransform(p.center, p.scale, 0, [96, 128]);
      m.forEach((v, j) => expect(v).toBeCloseTo(meta.image_to_crop_affine[i]![j]!, 9));
    });
    const before = tf.memory().numTensors;
    const opencv = cropPersons(image, people, [96, 128]);
    // bit-exact: every value of every crop equals OpenCV's uint8 crop
    expect(Array.from(opencv.dataSync())).toEqual(Array.from(u8.data));
    opencv.dispose();
    const rounded = cropPersons(image, people, [96, 128], { method: 'rounded' });
    const exact = cropPersons(image, people, [96, 128], { method: 'exact' });
    expect(rounded.shape).toEqual([4, 128, 96, 3]);
    const r = rounded.dataSync();
    const e = exact.dataSync();
    tf.dispose([rounded, exact]);
    expect(tf.memory().numTensors).toBe(before);
    const n = 128 * 96 * 3;
    const limits = [
      { mean: 0.2, exact: 0.8, floatMax: 3.5 },
      { mean: 0.02, exact: 0.98, floatMax: 1e-3 },
      { mean: 0.1, exact: 0.9, floatMax: 3.5 },
      { mean: 0.3, exact: 0.75, floatMax: 3.5 },
    ];
    limits.forEach((lim, i) => {
      let sum = 0;
      let max = 0;
      let same = 0;
      let floatMax = 0;
      for (let p = i * n; p < (i + 1) * n; p++) {
        const d = Math.abs(r[p]! - u8.data[p]!);
        sum += d;
        max = Math.max(max, d);
        if (d === 0) same++;
        floatMax = Math.max(floatMax, Math.abs(e[p]! - fl.data[p]!));
      }
      expect(sum / n, `box ${i} mean`).toBeLessThan(lim.mean);
      expect(max, `box ${i} max`).toBeLessThanOrEqual(3);
      expect(same / n, `box ${i} exact share`).toBeGreaterThan(lim.exact);
      expect(floatMax, `box ${i} float max`).toBeLessThan(lim.floatMax);
    });
    image.dispose();
  });
});
