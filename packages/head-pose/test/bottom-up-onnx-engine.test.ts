import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRunner, exportOnnx, loadOnnxRuntime, onnxOpCounts, readNpy } from '@hrnetjs/core';
import { compare, hashedInput, hashedStateDict, useBackend } from '@hrnetjs/core/testing';
import { aggregateResults, createBottomUpPoseModel, createMultiPoseEstimator, getMultiStageOutputs, parseBottomUpYaml } from '../src/index.js';
import { hashedImage, smallNetwork, yaml } from './helpers/bottom-up.js';

// Beyond the network outputs (onnx-bottom-up.test.ts): the NCHW file on a bare onnxruntime session, the official
// multi-scale flip pipeline with the onnxruntime runner, and the estimator on engine 'onnxruntime'.
const dir = new URL('./fixtures/higherhrnet_small/', import.meta.url);
const official = (f: string) => readNpy(new Uint8Array(readFileSync(new URL(f, dir))));
const TOL = 1e-5;

describe('higherhrnet_small: the onnxruntime engine through the bottom-up pipeline', () => {
  beforeAll(() => useBackend('cpu'));

  it("layout 'NCHW': one ConvTranspose (the deconv), the official input as it is", async () => {
    const model = smallNetwork();
    model.fuse();
    const file = exportOnnx(model, { inputSize: [96, 64], layout: 'NCHW' });
    model.dispose();
    const ops = onnxOpCounts(file);
    expect(ops.ConvTranspose).toBe(1);
    type Ort = { InferenceSession: { create(b: Uint8Array): Promise<any> }; Tensor: new (t: 'float32', d: Float32Array, dims: number[]) => unknown };
    const { ort } = await loadOnnxRuntime<Ort>();
    const session = await ort.InferenceSession.create(file);
    const x = hashedInput('input', 1 * 3 * 64 * 96);
    const r = await session.run({ input: new ort.Tensor('float32', Float32Array.from(x), [1, 3, 64, 96]) });
    await session.release();
    for (const i of [0, 1]) {
      const ref = official(`output_${i}.npy`);
      expect([...r[`output_${i}`].dims]).toEqual(ref.shape);
      expect(compare(r[`output_${i}`].data as Float32Array, ref.data).relative, `output_${i}`).toBeLessThan(TOL);
    }
  });

  it('the onnxruntime runner in the official multi-scale flip pipeline gives the official heatmaps and tags', async () => {
    const config = parseBottomUpYaml(yaml);
    const model = smallNetwork();
    model.fuse();
    const runner = await createRunner('onnxruntime', model as never, { threads: 1 });
    const run = (x: tf.Tensor4D) => runner.run(x) as Promise<tf.Tensor[]>;
    let final: tf.Tensor4D | null = null;
    const tagsList: tf.Tensor[] = [];
    for (const [s, shape] of [[2, [1, 3, 64, 128]], [1, [1, 3, 32, 64]]] as const) {
      const x = hashedImage(`pipeline_s${s}`, [...shape]);
      const outputs = await getMultiStageOutputs(run, x, config, { flip: true, sizeProjected: [64, 32] });
      x.dispose();
      final = aggregateResults(config, s, 2, true, final, tagsList, outputs);
    }
    const toOfficial = (t: tf.Tensor) => tf.tidy(() => tf.transpose(t, t.rank === 4 ? [0, 3, 1, 2] : [0, 3, 1, 2, 4]).dataSync() as Float32Array);
    const heatmaps = tf.div(final!, 2);
    const tags = tf.concat(tagsList, 4);
    const hm = compare(toOfficial(heatmaps), official('pipeline_heatmaps.npy').data);
    const tg = compare(toOfficial(tags), official('pipeline_tags.npy').data);
    expect(hm.maxAbsRef).toBeGreaterThan(1);
    expect(hm.relative).toBeLessThan(TOL);
    expect(tg.relative).toBeLessThan(TOL);
    tf.dispose([final!, heatmaps, tags, ...tagsList]);
    runner.dispose();
    model.dispose();
  });

  it("createMultiPoseEstimator with engine 'onnxruntime' finds the tfjs engine's people, and leaks nothing over repeated calls", async () => {
    const img = official('pipeline_image.npy');
    const image = { data: Uint8Array.from(img.data), width: img.shape[1]!, height: img.shape[0]!, channels: 3 as const };
    const weights = () => {
      const m = createBottomUpPoseModel(yaml);
      const shapes = [...m.stateDict()].map(([k, t]) => [k, t.shape] as [string, number[]]);
      m.dispose();
      return hashedStateDict(shapes);
    };
    const tfjs = await createMultiPoseEstimator({ model: yaml, weights: weights() });
    const onnx = await createMultiPoseEstimator({ model: yaml, weights: weights(), engine: 'onnxruntime', engineOptions: { threads: 1 } });
    expect(onnx.engine).toBe('onnxruntime');
    const a = await tfjs.estimatePoses(image, { flipTest: true });
    const before = tf.memory().numTensors;
    const b = await onnx.estimatePoses(image, { flipTest: true });
    expect(tf.memory().numTensors).toBe(before);
    // repeated calls: the same people, no tensor left behind (flat count)
    for (let i = 0; i < 2; i++) expect(await onnx.estimatePoses(image, { flipTest: true })).toEqual(b);
    expect(tf.memory().numTensors).toBe(before);
    expect(a.length).toBeGreaterThan(1);
    expect(b.length).toBe(a.length);
    a.forEach((p, i) => {
      expect(Math.abs(b[i]!.score - p.score)).toBeLessThan(1e-4 * Math.max(1, Math.abs(p.score)));
      p.keypoints.forEach((k, j) => {
        expect(Math.abs(b[i]!.keypoints[j]!.x - k.x)).toBeLessThan(1e-3);
        expect(Math.abs(b[i]!.keypoints[j]!.y - k.y)).toBeLessThan(1e-3);
      });
    });
    tfjs.dispose();
    onnx.dispose();
  });
});
