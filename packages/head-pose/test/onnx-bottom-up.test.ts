import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRunner, readNpy } from '@hrnetjs/core';
import { hashedStateDict } from '@hrnetjs/core/testing';
import { compare, nhwcToNchw, useBackend } from '@hrnetjs/core/testing';
import { createBottomUpPoseModel, createMultiPoseEstimator } from '../src/index.js';
import { hashedImage, smallNetwork, yaml } from './helpers/bottom-up.js';

// higherhrnet_small (HigherHRNet: the trunk, a ConvTranspose2d deconv head on the concatenated 1/4 maps, two
// resolutions of outputs) exported to ONNX and run in onnxruntime-node gives the official outputs.
const dir = new URL('./fixtures/higherhrnet_small/', import.meta.url);
const bytes = (f: string) => new Uint8Array(readFileSync(new URL(f, dir)));

describe('higherhrnet_small on onnxruntime-node', () => {
  beforeAll(() => useBackend('cpu'));

  it('both outputs equal the official forward within 1e-5 of max|output|', async () => {
    const model = smallNetwork();
    model.fuse();
    const runner = await createRunner('onnxruntime', model as never, { threads: 1 });
    const x = hashedImage('input', [1, 3, 64, 96]);
    const out = (await runner.run(x)) as tf.Tensor4D[];
    expect(out.map((t) => t.shape)).toEqual([[1, 16, 24, 34], [1, 32, 48, 17]]);
    out.forEach((t, i) => {
      const c = compare(nhwcToNchw(t), readNpy(bytes(`output_${i}.npy`)).data);
      expect(c.relative, `output_${i}`).toBeLessThan(1e-5);
    });
    runner.dispose();
    tf.dispose([x, ...out]);
    model.dispose();
  });
});

describe('createMultiPoseEstimator, engine tfjs vs onnxruntime (cpu)', () => {
  beforeAll(() => useBackend('cpu'));

  it('the same people and keypoints (multi-scale heatmaps, flip, tag grouping on the same maps to 1e-5)', async () => {
    const img = readNpy(bytes('pipeline_image.npy'));
    const image = { data: Uint8Array.from(img.data), width: img.shape[1]!, height: img.shape[0]!, channels: 3 };
    const shapes = [...createBottomUpPoseModel(yaml).stateDict()].map(([k, t]) => [k, t.shape] as [string, number[]]);
    const weights = hashedStateDict(shapes);
    const tfjs = await createMultiPoseEstimator({ model: yaml, weights });
    const onnx = await createMultiPoseEstimator({ model: yaml, weights, engine: 'onnxruntime', engineOptions: { threads: 1 } });
    const want = await tfjs.estimatePoses(image, { flipTest: true });
    const before = tf.memory().numTensors;
    const got = await onnx.estimatePoses(image, { flipTest: true });
    expect(tf.memory().numTensors).toBe(before);
    expect(want.length).toBeGreaterThan(0);
    expect(got).toHaveLength(want.length);
    const top = Math.max(...want.flatMap((p) => p.keypoints.map((k) => Math.abs(k.score))));
    got.forEach((p, i) => {
      expect(Math.abs(p.score - want[i]!.score)).toBeLessThan(1e-5 * Math.max(1, Math.abs(want[i]!.score)));
      p.keypoints.forEach((k, j) => {
        const w = want[i]!.keypoints[j]!;
        expect(Math.abs(k.x - w.x), `${i} ${k.name} x`).toBeLessThan(1e-3);
        expect(Math.abs(k.y - w.y), `${i} ${k.name} y`).toBeLessThan(1e-3);
        expect(Math.abs(k.score - w.score), `${i} ${k.name} score`).toBeLessThan(1e-5 * top);
      });
    });
    tfjs.dispose();
    onnx.dispose();
  });
});
