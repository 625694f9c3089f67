import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DisposedError, InputError, ShapeError } from '@hrnetjs/core';
import { useBackend } from '@hrnetjs/core/testing';
import { type PoseEstimator, createMultiPoseEstimator, createPoseEstimator } from '../src/index.js';

/**
 * Issue 15 findings 3 and 4 for pose: working-size checks before any tensor exists (a refused call allocates
 * nothing, so the backend and the estimator stay usable), typed errors for odd images, and the disposed state.
 */
const fixture = (p: string) => new URL(`./fixtures/${p}`, import.meta.url);
const weights = new Uint8Array(readFileSync(fixture('pose_small/weights.pth')));
const yaml = readFileSync(fixture('pose_small/config.yaml'), 'utf8');
const image = { data: new Uint8Array(64 * 48 * 3).map((_, i) => (i * 37) % 256), width: 48, height: 64, channels: 3 };
const box = [4, 4, 40, 56] as const;

describe('pose: working size and odd inputs (cpu)', () => {
  let estimator: PoseEstimator;
  beforeAll(async () => {
    await useBackend('cpu');
    estimator = await createPoseEstimator({ model: yaml, weights, backend: 'cpu', maxWorkingBytes: 2 ** 30 });
  });
  afterAll(() => estimator.dispose());

  it('a 20000x20000 image is refused by its size, before its pixels are read', async () => {
    const before = tf.memory().numTensors;
    const huge = { width: 20000, height: 20000, getContext: () => null };
    await expect(estimator.estimatePoses(huge as never, { boxes: [box] })).rejects.toThrow(InputError);
    await expect(estimator.estimatePoses(huge as never, { boxes: [box] })).rejects.toThrow(/20000x20000 = 400000000 pixels, more than maxImagePixels 100000000/);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('too many boxes for maxWorkingBytes are refused before any crop exists, and the estimator still works', async () => {
    const before = tf.memory().numTensors;
    const many = Array.from({ length: 100_000 }, () => box);
    const e = (await estimator.estimatePoses(image, { boxes: many }).catch((x: unknown) => x)) as Error;
    expect(e).toBeInstanceOf(InputError);
    expect(e.message).toMatch(/estimatePoses: this call would need about [\d.]+ GiB of working memory \(image \d+ MiB, 100000 crops [\d.]+ GiB, a pass of 1 \d+ MiB\), more than maxWorkingBytes 1\.0 GiB/);
    expect(tf.memory().numTensors).toBe(before);
    const [pose] = await estimator.estimatePoses(image, { boxes: [box] });
    expect(pose!.keypoints.every((k) => Number.isFinite(k.x) && Number.isFinite(k.score))).toBe(true);
  });

  it('without maxBatch, crops go in passes that fit maxWorkingBytes, with the same poses as one batch', async () => {
    const boxes = [box, [0, 0, 30, 50], [10, 8, 30, 40]] as const;
    const whole = await estimator.estimatePoses(image, { boxes, flipTest: false });
    const [iw, ih] = estimator.inputSize;
    // room for about one crop a pass: the same poses in three passes
    const small = await createPoseEstimator({ model: yaml, weights, backend: 'cpu', maxWorkingBytes: iw * ih * (1024 * 1.5 + 24 * 2 * 3) + 48 * 64 * 24, flipTest: false });
    try {
      const split = await small.estimatePoses(image, { boxes });
      for (let i = 0; i < boxes.length; i++) {
        for (let j = 0; j < whole[i]!.keypoints.length; j++) {
          expect(split[i]!.keypoints[j]!.x).toBeCloseTo(whole[i]!.keypoints[j]!.x, 4);
          expect(split[i]!.keypoints[j]!.score).toBeCloseTo(whole[i]!.keypoints[j]!.score, 5);
        }
      }
    } finally {
      small.dispose();
    }
  });

  it('odd images are InputError/ShapeError, never raw TypeErrors or tfjs errors', async () => {
    for (const bad of [null, undefined, {}, 3, 'img', { data: new Uint16Array(12), width: 2, height: 2, channels: 3 }, { width: 0, height: 5 }]) {
      const e = (await estimator.estimatePoses(bad as never, { boxes: [box] }).catch((x: unknown) => x)) as Error;
      expect(e instanceof InputError || e instanceof ShapeError, `${String(e)}`).toBe(true);
    }
    const e = (await estimator.estimatePoses(image, { boxes: [null as never] }).catch((x: unknown) => x)) as Error;
    expect(e).toBeInstanceOf(InputError);
    expect(e.message).toMatch(/box: expected \[x, y, width, height\] with 4 finite numbers, found null/);
    await expect(estimator.estimatePoses(image, { boxes: [[3, 3, 1e-9, 1e-9]] })).rejects.toThrow(/smaller than 0\.01 pixel on both sides: too small to crop/);
  });

  it('options maxImagePixels / maxWorkingBytes are checked before anything is loaded', async () => {
    await expect(createPoseEstimator({ model: yaml, weights: 'http://127.0.0.1:9/never', maxWorkingBytes: -1 })).rejects.toThrow(/maxWorkingBytes: expected a positive number, found -1/);
    await expect(createPoseEstimator({ model: yaml, weights: 'http://127.0.0.1:9/never', maxImagePixels: 'x' as never })).rejects.toThrow(/maxImagePixels: expected a positive number/);
  });

  it('after dispose every call throws DisposedError, even with no boxes; dispose again is a no-op', async () => {
    const e = await createPoseEstimator({ model: yaml, weights, backend: 'cpu' });
    e.dispose();
    await expect(e.estimatePoses(image, { boxes: [] })).rejects.toThrow(DisposedError);
    await expect(e.estimatePoses(image, { boxes: [box] })).rejects.toThrow(DisposedError);
    expect(() => e.dispose()).not.toThrow();
  });
});

describe('bottom-up pose: working size (scales × image)', () => {
  it('a scale of 100 is refused before allocating; the estimator and dispose keep working', async () => {
    const { yaml: buYaml } = await import('./helpers/bottom-up.js');
    const est = await createMultiPoseEstimator({ model: buYaml, weights: null, backend: 'cpu' });
    try {
      const before = tf.memory().numTensors;
      const img = { data: new Uint8Array(64 * 64 * 3).fill(100), width: 64, height: 64, channels: 3 };
      await expect(est.estimatePoses(img, { scales: [100] })).rejects.toThrow(/estimatePoses: this call would need about [\d.]+ GiB of working memory \(image \d+ MiB, a network pass at the largest scale/);
      await expect(est.estimatePoses(img, { scales: [Number.NaN] })).rejects.toThrow(/scales: expected positive numbers/);
      await expect(est.estimatePoses(img, { scales: 3 as never })).rejects.toThrow(/scales: expected a list of positive numbers, found 3/);
      await expect(est.estimatePoses({ width: 20000, height: 20000, getContext: () => null } as never)).rejects.toThrow(/more than maxImagePixels/);
      expect(tf.memory().numTensors).toBe(before);
      expect(Array.isArray(await est.estimatePoses(img))).toBe(true);
    } finally {
      est.dispose();
    }
    expect(() => est.dispose()).not.toThrow();
  });
});
