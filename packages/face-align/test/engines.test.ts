import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IMAGENET_MEAN, IMAGENET_STD } from '@hrnetjs/core';
import { readCheckpointFile, readNpyFile } from '@hrnetjs/core/node';
import { NODE_TEST_BACKENDS, useBackend } from '@hrnetjs/core/testing';
import { type FaceAligner, type FaceLandmarks, createFaceAligner } from '../src/index.js';

// createFaceAligner with engine 'onnxruntime' (the network exported to ONNX and run by onnxruntime-node; crops,
// flip test and decoding are the same tfjs code) gives the landmarks engine 'tfjs' gives, on the golden face_small.
const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/face_small/${name}`, import.meta.url));
const config = readFileSync(fixture('config.yaml'), 'utf8');

/** The fixture's input un-normalised: an image whose official crop (center 32,32, scale 0.32) is that input. */
async function goldenImage(): Promise<tf.Tensor3D> {
  const input = await readNpyFile(fixture('input.npy'));
  const px = new Float32Array(64 * 64 * 3);
  for (let c = 0; c < 3; c++) for (let i = 0; i < 64 * 64; i++) px[i * 3 + c] = (input.data[c * 4096 + i]! * IMAGENET_STD[c]! + IMAGENET_MEAN[c]!) * 255;
  return tf.tensor3d(px, [64, 64, 3]);
}

function expectSameLandmarks(got: FaceLandmarks[], want: FaceLandmarks[]): void {
  expect(got).toHaveLength(want.length);
  got.forEach((f, i) => {
    expect(f.box).toEqual(want[i]!.box);
    const maxScore = Math.max(...want[i]!.landmarks.map((l) => Math.abs(l.score)));
    f.landmarks.forEach((l, j) => {
      const w = want[i]!.landmarks[j]!;
      expect(l.name).toBe(w.name);
      expect(Math.abs(l.x - w.x), `${l.name} x`).toBeLessThan(1e-3);
      expect(Math.abs(l.y - w.y), `${l.name} y`).toBeLessThan(1e-3);
      expect(Math.abs(l.score - w.score), `${l.name} score`).toBeLessThan(1e-5 * maxScore);
    });
  });
}

describe.each(NODE_TEST_BACKENDS)('createFaceAligner, engine tfjs vs onnxruntime (%s)', (backend) => {
  let tfjs: FaceAligner;
  let onnx: FaceAligner;
  let image: tf.Tensor3D;
  beforeAll(async () => {
    await useBackend(backend);
    const weights = await readCheckpointFile(fixture('weights.pth'));
    tfjs = await createFaceAligner({ model: config, weights, backend });
    onnx = await createFaceAligner({ model: config, weights, backend, engine: 'onnxruntime', engineOptions: { threads: 1 } });
    image = await goldenImage();
  });
  afterAll(() => {
    tfjs.dispose();
    onnx.dispose();
    image.dispose();
  });

  it('the same landmarks (official and sub-pixel decoding, flip test), and no tensor left behind', async () => {
    expect(onnx.engine).toBe('onnxruntime');
    const faces = [{ center: [32, 32] as [number, number], scale: 0.32 }, { box: [10, 5, 30, 40] as [number, number, number, number] }];
    for (const options of [{ decode: 'official' as const }, { flipTest: true }]) {
      const want = await tfjs.estimateLandmarks(image, { faces, ...options });
      const before = tf.memory().numTensors;
      const got = await onnx.estimateLandmarks(image, { faces, ...options });
      expect(tf.memory().numTensors).toBe(before);
      expectSameLandmarks(got, want);
    }
  });
});
