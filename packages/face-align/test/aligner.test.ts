import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { CheckpointError, DisposedError, IMAGENET_MEAN, IMAGENET_STD, InputError, type StateDict, StateDictError } from '@hrnetjs/core';
import { readCheckpointFile, readNpyFile } from '@hrnetjs/core/node';
import { NODE_TEST_BACKENDS, compare, useBackend } from '@hrnetjs/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FaceAligner, createFaceAligner, createFaceAlignmentModel, decodeHeatmaps } from '../src/index.js';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/face_small/${name}`, import.meta.url));
const config = readFileSync(fixture('config.yaml'), 'utf8');

/**
 * An image whose official crop is exactly face_small's input: a 64x64 image with center (32, 32) and scale
 * 0.32 crops with the identity map (see geometry.test.ts), so its pixels are the input un-normalised.
 */
async function goldenImage(): Promise<{ image: tf.Tensor3D; heatmapsNhwc: Float32Array }> {
  const input = await readNpyFile(fixture('input.npy')); // 1x3x64x64
  const output = await readNpyFile(fixture('output.npy')); // 1x68x16x16
  const px = new Float32Array(64 * 64 * 3);
  for (let c = 0; c < 3; c++)
    for (let i = 0; i < 64 * 64; i++) px[i * 3 + c] = (input.data[c * 4096 + i]! * IMAGENET_STD[c]! + IMAGENET_MEAN[c]!) * 255;
  const hm = new Float32Array(16 * 16 * 68);
  for (let p = 0; p < 68; p++) for (let i = 0; i < 256; i++) hm[i * 68 + p] = output.data[p * 256 + i]!;
  return { image: tf.tensor3d(px, [64, 64, 3]), heatmapsNhwc: hm };
}

describe.each(NODE_TEST_BACKENDS)('createFaceAligner (%s)', (backend) => {
  let weights: StateDict;
  let aligner: FaceAligner;
  let image: tf.Tensor3D;
  let heatmaps: Float32Array;

  beforeAll(async () => {
    await useBackend(backend);
    weights = await readCheckpointFile(fixture('weights.pth'));
    aligner = await createFaceAligner({ model: config, weights, backend });
    ({ image, heatmapsNhwc: heatmaps } = await goldenImage());
  });
  afterAll(() => {
    aligner.dispose();
    image.dispose();
  });

  it('image → official crop → network → landmarks: equal to decoding the official heatmaps', async () => {
    expect(aligner.backend.reason).toMatch(new RegExp(`using ${backend}`));
    const face = { center: [32, 32] as [number, number], scale: 0.32 };
    const expected = decodeHeatmaps({ data: heatmaps, shape: [1, 16, 16, 68] }, [face], 'official')[0]!;
    const [got] = await aligner.estimateLandmarks(image, { faces: [face], decode: 'official' });
    expect(got!.landmarks.map((l) => [l.x, l.y])).toEqual(expected.map((l) => [l.x, l.y]));
    expect(compare(got!.landmarks.map((l) => l.score), expected.map((l) => l.score)).relative).toBeLessThan(1e-5);
    expect(got!.landmarks[36]!.name).toBe('right_eye_0');
    expect(got!.box).toEqual([0, 0, 64, 64]);
    // the same face as a box (margin 1): same crop, same result; sub-pixel by default
    const [fromBox] = await aligner.estimateLandmarks(image, { faces: [{ box: [0, 0, 64, 64] }], boxMargin: 1 });
    const sub = decodeHeatmaps({ data: heatmaps, shape: [1, 16, 16, 68] }, [face], 'subpixel')[0]!;
    fromBox!.landmarks.forEach((l, i) => {
      expect(l.x).toBeCloseTo(sub[i]!.x, 9);
      expect(l.y).toBeCloseTo(sub[i]!.y, 9);
    });
    expect(fromBox!.box).toEqual([0, 0, 64, 64]);
    expect(fromBox!.scale).toBeCloseTo(0.32, 15);
  });

  it('batches several faces; flip test runs; no tensor leaks', async () => {
    const before = tf.memory().numTensors;
    const faces = [{ center: [32, 32] as [number, number], scale: 0.32 }, { box: [10, 5, 30, 40] as [number, number, number, number] }];
    const res = await aligner.estimateLandmarks(image, { faces });
    expect(res).toHaveLength(2);
    // a bare [x, y, w, h] is a box
    const bare = await aligner.estimateLandmarks(image, { faces: [[10, 5, 30, 40]] });
    expect(bare[0]).toEqual(res[1]);
    expect(res[1]!.landmarks).toHaveLength(68);
    const flipped = await aligner.estimateLandmarks(image, { faces, flipTest: true });
    expect(flipped[1]!.landmarks.every((l) => Number.isFinite(l.x) && Number.isFinite(l.score))).toBe(true);
    expect(await aligner.estimateLandmarks(image, { faces: [] })).toEqual([]);
    // pixel data input too
    const px = { data: image.dataSync() as Float32Array, width: 64, height: 64, channels: 3 };
    expect((await aligner.estimateLandmarks(px, { faces: faces.slice(0, 1) }))[0]!.landmarks).toEqual(res[0]!.landmarks);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('bad input: typed errors, nothing leaked', async () => {
    const before = tf.memory().numTensors;
    await expect(aligner.estimateLandmarks(image, { faces: [{ box: [500, 500, 20, 20] }] })).rejects.toThrow(/outside the 64x64 image/);
    await expect(aligner.estimateLandmarks(image, { faces: [{ box: [0, 0, 0, 20] }] })).rejects.toThrow(InputError);
    await expect(aligner.estimateLandmarks(image, { faces: [{ center: [1, 1], scale: -1 }] })).rejects.toThrow(InputError);
    await expect(aligner.estimateLandmarks(image, { faces: [{ box: [0, 0, 9, 9] }], decode: 'dark' as 'official' })).rejects.toThrow(InputError);
    await expect(aligner.estimateLandmarks(image, {} as never)).rejects.toThrow(InputError);
    const bad = tf.zeros([2, 64, 64, 3]);
    await expect(aligner.estimateLandmarks(bad as never, { faces: [{ box: [0, 0, 9, 9] }] })).rejects.toThrow();
    bad.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('createFaceAligner: checkpoints', () => {
  beforeAll(() => useBackend('cpu'));

  it('a checkpoint with another landmark count is a CheckpointError naming the dataset; nothing leaks', async () => {
    const sd = await readCheckpointFile(fixture('weights.pth'));
    const cut = new Map(sd);
    const w = sd.get('head.3.weight')!;
    const b = sd.get('head.3.bias')!;
    // keep the first 29 rows of the last conv: a COFW-sized head
    cut.set('head.3.weight', { ...w, shape: [29, ...w.shape.slice(1)], data: w.data.slice(0, 29 * w.shape[1]!) });
    cut.set('head.3.bias', { ...b, shape: [29], data: b.data.slice(0, 29) });
    const before = tf.memory().numTensors;
    await expect(createFaceAligner({ model: config, weights: cut })).rejects.toThrow(StateDictError);
    await expect(createFaceAligner({ model: config, weights: cut })).rejects.toThrow(/predicts 29 landmarks .* COFW checkpoint: use model 'cofw'/);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("a `module.`-prefixed state dict (HR18-300W.pth) loads; a model's own keys missing is a StateDictError", async () => {
    const sd = await readCheckpointFile(fixture('weights.pth'));
    const a = await createFaceAligner({ model: config, weights: new Map([...sd].map(([k, v]) => [`module.${k}`, v])) });
    a.dispose();
    const partial = new Map([...sd].filter(([k]) => !k.startsWith('stage4.')));
    await expect(createFaceAligner({ model: config, weights: partial })).rejects.toThrow(StateDictError);
    await expect(createFaceAligner({ model: config, weights: new Uint8Array([1, 2, 3]) })).rejects.toThrow(CheckpointError);
  });

  it('a model passed in is the caller’s: used as is, not disposed', async () => {
    const model = createFaceAlignmentModel(config);
    model.loadStateDict(await readCheckpointFile(fixture('weights.pth')));
    // weights beside a built network are a mistake the contract names
    await expect(createFaceAligner({ model, weights: new Map() })).rejects.toThrow(/used as it is/);
    const a = await createFaceAligner({ model });
    expect(a.model).toBe(model);
    a.dispose();
    expect(model.numParameters()).toBe(1049740);
    expect(() => model.predict(tf.zeros([1, 64, 64, 3])).dispose()).not.toThrow();
    model.dispose();
    await expect(a.estimateLandmarks({ data: new Uint8Array(12), width: 2, height: 2 }, { faces: [] })).rejects.toThrow(DisposedError);
  });
});
