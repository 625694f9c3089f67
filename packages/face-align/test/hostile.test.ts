import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError, ShapeError } from '@hrnetjs/core';
import { useBackend } from '@hrnetjs/core/testing';
import { type FaceAligner, createFaceAligner } from '../src/index.js';

/** Issue 15 finding 3 for face: 10,000 faces in one call ran wasm out of memory; now refused up front. */
const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/face_small/${name}`, import.meta.url));
const config = readFileSync(fixture('config.yaml'), 'utf8');
const weights = readFileSync(fixture('weights.pth'));
const image = { data: new Uint8Array(64 * 64 * 3).map((_, i) => (i * 29) % 256), width: 64, height: 64, channels: 3 };

describe('face: working size (wasm)', () => {
  let aligner: FaceAligner;
  beforeAll(async () => {
    await useBackend('wasm');
    aligner = await createFaceAligner({ model: config, weights, backend: 'wasm' });
  });
  afterAll(() => aligner.dispose());

  it('10,000 faces are refused before any crop exists, and the aligner keeps working', async () => {
    const before = tf.memory().numTensors;
    const faces = Array.from({ length: 10_000 }, () => ({ box: [8, 8, 40, 40] as [number, number, number, number] }));
    const e = (await aligner.estimateLandmarks(image, { faces }).catch((x: unknown) => x)) as Error;
    expect(e).toBeInstanceOf(InputError);
    expect(e.message).toMatch(/estimateLandmarks: this call would need about [\d.]+ GiB of working memory \(image \d+ MiB, 10000 crops \d+ MiB, a pass of 10000 [\d.]+ GiB/);
    expect(tf.memory().numTensors).toBe(before);
    const [face] = await aligner.estimateLandmarks(image, { faces: [{ box: [8, 8, 40, 40] }] });
    expect(face!.landmarks.every((l) => Number.isFinite(l.x))).toBe(true);
  });

  it('null, deeply nested and tiny faces are InputErrors in face words (not "the source points are collinear")', async () => {
    let deep: unknown = [];
    for (let i = 0; i < 100_000; i++) deep = [deep];
    await expect(aligner.estimateLandmarks(image, { faces: [null as never] })).rejects.toThrow(/face: expected \{ box \} or \{ center, scale \}, found null/);
    await expect(aligner.estimateLandmarks(image, { faces: [{ box: deep as never }] })).rejects.toThrow(/face\.box: expected \[x, y, width, height\], found an array of 1/);
    await expect(aligner.estimateLandmarks(image, { faces: [{ box: [3, 3, 1e-9, 1e-9] }] })).rejects.toThrow(/smaller than 0\.01 pixel: too small to crop/);
    await expect(aligner.estimateLandmarks(image, { faces: [{ center: [3, 3], scale: 1e-12 }] })).rejects.toThrow(/too small to crop/);
  });

  it('a 20000x20000 image and odd images are typed errors', async () => {
    await expect(aligner.estimateLandmarks({ width: 20000, height: 20000, getContext: () => null } as never, { faces: [{ box: [0, 0, 9, 9] }] })).rejects.toThrow(/more than maxImagePixels/);
    for (const bad of [null, {}, { data: new Uint16Array(12), width: 2, height: 2 }]) {
      const err = (await aligner.estimateLandmarks(bad as never, { faces: [{ box: [0, 0, 9, 9] }] }).catch((x: unknown) => x)) as Error;
      expect(err instanceof InputError || err instanceof ShapeError, String(err)).toBe(true);
    }
  });
});
