import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import jpeg from 'jpeg-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckpointError, ConfigError, InputError, ShapeError, StateDictError, loadCheckpoint } from '@hrnetjs/core';
import { NODE_TEST_BACKENDS, useBackend } from '@hrnetjs/core/testing';
import { type Pose, type PoseEstimator, createPoseEstimator } from '../src/index.js';

const fixture = (p: string) => new URL(`./fixtures/${p}`, import.meta.url);
const weightBytes = new Uint8Array(readFileSync(fixture('pose_small/weights.pth')));
const yaml = readFileSync(fixture('pose_small/config.yaml'), 'utf8');
// people_6.jpg: 500x375, two people (demo image of the official repository, MIT)
const photo = jpeg.decode(readFileSync(fixture('samples/people_6.jpg')), { useTArray: true, formatAsRGBA: false });
const image = { data: photo.data, width: photo.width, height: photo.height, channels: 3 };
/** Person boxes whose padded crops stay inside the image. */
const BOXES = [
  [90, 60, 110, 250],
  [260, 70, 120, 240],
] as const;

const results: Record<string, Pose[]> = {};

describe.each(NODE_TEST_BACKENDS)('createPoseEstimator + estimatePoses on a photo (%s)', (backend) => {
  let estimator: PoseEstimator;
  beforeAll(async () => {
    estimator = await createPoseEstimator({ model: yaml, weights: weightBytes, backend });
  });
  afterAll(() => estimator.dispose());

  it('returns one pose a box with 17 named keypoints inside the crop, deterministically', async () => {
    expect(tf.getBackend()).toBe(backend);
    const poses = await estimator.estimatePoses(image, { boxes: BOXES, boxScores: [0.9, 0.5] });
    expect(poses).toHaveLength(2);
    poses.forEach((p, i) => {
      expect(p.box).toEqual(BOXES[i]);
      expect(p.keypoints.map((k) => k.name)).toEqual(estimator.keypointSet.names);
      const half = [(p.scale[0] * 200) / 2, (p.scale[1] * 200) / 2];
      for (const k of p.keypoints) {
        expect(Number.isFinite(k.x) && Number.isFinite(k.y) && Number.isFinite(k.score)).toBe(true);
        // inside the (padded) crop, which lies inside the photo
        expect(Math.abs(k.x - p.center[0])).toBeLessThanOrEqual(half[0]!);
        expect(Math.abs(k.y - p.center[1])).toBeLessThanOrEqual(half[1]!);
        expect(k.x).toBeGreaterThanOrEqual(0);
        expect(k.x).toBeLessThan(photo.width);
        expect(k.y).toBeGreaterThanOrEqual(0);
        expect(k.y).toBeLessThan(photo.height);
      }
      expect(p.area).toBeCloseTo(p.scale[0] * p.scale[1] * 40_000, 6);
      expect(p.boxScore).toBe([0.9, 0.5][i]);
    });
    const again = await estimator.estimatePoses(image, { boxes: BOXES, boxScores: [0.9, 0.5] });
    expect(again).toEqual(poses);
    // each person alone gives the same pose as in the batch
    const alone = await estimator.estimatePoses(image, { boxes: [BOXES[1]], boxScores: [0.5] });
    for (const [j, k] of alone[0]!.keypoints.entries()) {
      expect(k.x).toBeCloseTo(poses[1]!.keypoints[j]!.x, 3);
      expect(k.score).toBeCloseTo(poses[1]!.keypoints[j]!.score, 3);
    }
    results[backend] = poses;
  });

  it('is leak-free over repeated calls, with and without flip test, and on errors', async () => {
    await estimator.estimatePoses(image, { boxes: BOXES });
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      await estimator.estimatePoses(image, { boxes: BOXES, flipTest: i % 2 === 0 });
    }
    await expect(estimator.estimatePoses({ ...image, data: image.data.subarray(1) }, { boxes: BOXES })).rejects.toThrow();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('handles bad input with documented results or typed errors', async () => {
    const before = tf.memory().numTensors;
    expect(await estimator.estimatePoses(image, { boxes: [] })).toEqual([]);
    // a box entirely outside the image is still cropped (zeros) and gets a pose, with finite coordinates
    const outside = await estimator.estimatePoses(image, { boxes: [[1000, 1000, 50, 80]] });
    expect(outside[0]!.keypoints.every((k) => Number.isFinite(k.x) && k.x > 500)).toBe(true);
    await expect(estimator.estimatePoses(image, { boxes: [[10, 10, 0, 0]] })).rejects.toThrow(InputError);
    await expect(estimator.estimatePoses(image, { boxes: [[10, 10, -4, 20]] })).rejects.toThrow(InputError);
    await expect(estimator.estimatePoses(image, { boxes: [[10, NaN, 4, 20]] })).rejects.toThrow(InputError);
    await expect(estimator.estimatePoses(image, { boxes: BOXES, boxScores: [1] })).rejects.toThrow(InputError);
    await expect(estimator.estimatePoses(image, {} as never)).rejects.toThrow(InputError);
    const nan = new Float32Array(photo.width * photo.height * 3).fill(NaN);
    await expect(estimator.estimatePoses({ data: nan, width: photo.width, height: photo.height, channels: 3 }, { boxes: BOXES })).rejects.toThrow(InputError);
    const twoChannels = { data: new Uint8Array(40 * 30 * 2), width: 40, height: 30, channels: 2 };
    await expect(estimator.estimatePoses(twoChannels, { boxes: BOXES })).rejects.toThrow(ShapeError);
    // gray and RGBA pixels and tensors are accepted
    const gray = await estimator.estimatePoses({ data: new Uint8Array(40 * 30).fill(128), width: 40, height: 30, channels: 1 }, { boxes: [[5, 5, 20, 20]] });
    expect(gray).toHaveLength(1);
    const t = tf.tensor3d(image.data, [photo.height, photo.width, 3], 'int32');
    const fromTensor = await estimator.estimatePoses(t, { boxes: BOXES });
    t.dispose();
    expect(fromTensor[0]!.keypoints[0]!.x).toBeCloseTo(results[backend]![0]!.keypoints[0]!.x, 6);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('cpu and wasm agree end to end', () => {
  it('keypoints and scores match within float32 noise', () => {
    const [a, b] = [results.cpu!, results.wasm!];
    expect(a).toHaveLength(2);
    expect(b).toHaveLength(2);
    const maxScore = Math.max(...a.flatMap((p) => p.keypoints.map((k) => Math.abs(k.score))));
    a.forEach((p, i) => {
      p.keypoints.forEach((k, j) => {
        const o = b[i]!.keypoints[j]!;
        expect(Math.abs(k.x - o.x)).toBeLessThan(1e-3);
        expect(Math.abs(k.y - o.y)).toBeLessThan(1e-3);
        expect(Math.abs(k.score - o.score) / maxScore).toBeLessThan(1e-5);
      });
      expect(p.score).toBeCloseTo(b[i]!.score, 4);
    });
  });
});

describe('createPoseEstimator errors', () => {
  beforeAll(() => useBackend('cpu'));

  it('a checkpoint for another architecture is a StateDictError naming the keys; nothing leaks', async () => {
    const before = tf.memory().numTensors;
    await expect(createPoseEstimator({ model: 'coco_w32_256x192', weights: weightBytes })).rejects.toThrow(StateDictError);
    await expect(createPoseEstimator({ model: 'coco_w32_256x192', weights: weightBytes })).rejects.toThrow(/conv1.weight|stage/);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('maxBatch splits the passes without changing the poses; bad options are ConfigErrors', async () => {
    const start = tf.memory().numTensors;
    const whole = await createPoseEstimator({ model: yaml, weights: weightBytes });
    const split = await createPoseEstimator({ model: yaml, weights: weightBytes, maxBatch: 1 });
    const before = tf.memory().numTensors;
    const a = await whole.estimatePoses(image, { boxes: BOXES });
    const b = await split.estimatePoses(image, { boxes: BOXES });
    expect(tf.memory().numTensors).toBe(before);
    a.forEach((p, i) =>
      p.keypoints.forEach((k, j) => {
        expect(b[i]!.keypoints[j]!.x).toBeCloseTo(k.x, 3);
        expect(b[i]!.keypoints[j]!.score).toBeCloseTo(k.score, 3);
      }),
    );
    whole.dispose();
    split.dispose();
    await expect(createPoseEstimator({ model: yaml, weights: weightBytes, maxBatch: 0 })).rejects.toThrow(ConfigError);
    await expect(createPoseEstimator({ model: yaml, weights: weightBytes, crop: 'nearest' as never })).rejects.toThrow(ConfigError);
    await expect(createPoseEstimator({ model: yaml, weights: weightBytes, decode: 'soft-argmax' as never })).rejects.toThrow(ConfigError);
    expect(tf.memory().numTensors).toBe(start);
  });

  it('weights from a URL are fetched; an unreachable URL or bad bytes are CheckpointErrors', async () => {
    const url = `data:application/octet-stream;base64,${Buffer.from(weightBytes).toString('base64')}`;
    const fromUrl = await createPoseEstimator({ model: yaml, weights: url, flipTest: false });
    const fromDict = await createPoseEstimator({ model: yaml, weights: loadCheckpoint(weightBytes), flipTest: false });
    const box = { boxes: [BOXES[0]] };
    expect(await fromUrl.estimatePoses(image, box)).toEqual(await fromDict.estimatePoses(image, box));
    fromUrl.dispose();
    fromDict.dispose();
    await expect(createPoseEstimator({ model: yaml, weights: 'file:///nonexistent.pth' })).rejects.toThrow(CheckpointError);
    await expect(createPoseEstimator({ model: yaml, weights: new Uint8Array([1, 2, 3]) })).rejects.toThrow(CheckpointError);
  });
});
