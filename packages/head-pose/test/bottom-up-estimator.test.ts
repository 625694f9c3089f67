import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { InputError, StateDictError, readNpy } from '@hrnetjs/core';
import { hashedStateDict, useBackend } from '@hrnetjs/core/testing';
import { createBottomUpPoseModel, createMultiPoseEstimator, createPoseModel } from '../src/index.js';
import { yaml } from './helpers/bottom-up.js';

const dir = new URL('./fixtures/higherhrnet_small/', import.meta.url);
const img = readNpy(new Uint8Array(readFileSync(new URL('pipeline_image.npy', dir))));
const image = { data: Uint8Array.from(img.data), width: img.shape[1]!, height: img.shape[0]!, channels: 3 };

function weights(zeroHeads = false) {
  const shapes = [...createBottomUpPoseModel(yaml).stateDict()].map(([k, t]) => [k, t.shape] as [string, number[]]);
  const sd = hashedStateDict(shapes);
  if (zeroHeads) for (const [k, t] of sd) if (k.startsWith('final_layers.')) t.data.fill(0);
  return sd;
}

describe('createMultiPoseEstimator (cpu)', () => {
  beforeAll(() => useBackend('cpu'));

  it('runs the official pipeline on an image, with the Pose fields, and leaks nothing over repeated calls', async () => {
    const est = await createMultiPoseEstimator({ model: yaml, weights: weights() });
    const first = await est.estimatePoses(image, { flipTest: true });
    expect(first.length).toBeGreaterThan(0);
    const p = first[0]!;
    expect(p.keypoints.map((k) => k.name)).toEqual(
      ['nose', 'left_eye', 'right_eye', 'left_ear', 'right_ear', 'left_shoulder', 'right_shoulder', 'left_elbow', 'right_elbow',
        'left_wrist', 'right_wrist', 'left_hip', 'right_hip', 'left_knee', 'right_knee', 'left_ankle', 'right_ankle'],
    );
    expect(Number.isFinite(p.score)).toBe(true);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 2; i++) {
      const again = await est.estimatePoses(image, { flipTest: true });
      expect(again).toEqual(first);
    }
    expect(tf.memory().numTensors).toBe(before);
    const top2 = await est.estimatePoses(image, { flipTest: true, maxPeople: 2 });
    expect(top2.length).toBe(Math.min(2, first.length));
    expect(top2[0]!.score).toBe(Math.max(...first.map((q) => q.score)));
    est.dispose();
  });

  it('no person → []; bad images and a top-down checkpoint → typed errors', async () => {
    const est = await createMultiPoseEstimator({ model: yaml, weights: weights(true) });
    expect(await est.estimatePoses(image)).toEqual([]);
    const nan = tf.fill([64, 64, 3], NaN) as tf.Tensor3D;
    await expect(est.estimatePoses(nan)).rejects.toThrow(InputError);
    nan.dispose();
    const tiny = tf.zeros([20, 100, 3]) as tf.Tensor3D;
    await expect(est.estimatePoses(tiny)).rejects.toThrow(/smaller than the network stride/);
    tiny.dispose();
    est.dispose();
    const topDownYaml = readFileSync(new URL('./fixtures/pose_small/config.yaml', import.meta.url), 'utf8');
    const td = createPoseModel(topDownYaml);
    const sd = td.stateDict();
    td.dispose();
    const err = await createMultiPoseEstimator({ model: yaml, weights: sd }).catch((e) => e);
    expect(err).toBeInstanceOf(StateDictError);
    expect(String(err.message)).toMatch(/top-down .*PoseHighResolutionNet.*PoseHigherResolutionNet/);
  });
});
