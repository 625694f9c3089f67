import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { KEY_MAPPINGS, applyZooKeyMapping, createRunner, loadCheckpoint, readNpy } from '@hrnetjs/core';
import { compare, nchwToNhwc, useBackend } from '@hrnetjs/core/testing';
import jpeg from 'jpeg-js';
import { createPoseEstimator, createPoseModel, parseLitePoseModelDict } from '../src/index.js';

// litehrnet_small exported to ONNX (core's exportOnnx, through the onnxruntime engine: depthwise convs, the 5-D
// reshape + transpose of channel_shuffle, adaptive pooling, nearest and align_corners bilinear resizes, sigmoid
// weighting) and run in onnxruntime-node gives the official PyTorch heatmaps.
const dir = new URL('./fixtures/litehrnet_small/', import.meta.url);
const bytes = (f: string) => new Uint8Array(readFileSync(new URL(f, dir)));
const meta = JSON.parse(readFileSync(new URL('meta.json', dir), 'utf8'));

describe('litehrnet_small on onnxruntime-node', () => {
  beforeAll(() => useBackend('cpu'));

  it('heatmaps equal the official outputs within 1e-5 of max|output|', async () => {
    const model = createPoseModel(parseLitePoseModelDict(meta.model_cfg, { imageSize: [96, 128] }));
    model.loadStateDict(applyZooKeyMapping(loadCheckpoint(new Uint8Array(gunzipSync(bytes('weights.pth.gz')))), KEY_MAPPINGS['mmpose-pose']!));
    model.fuse();
    const runner = await createRunner('onnxruntime', model as never, { threads: 1 });
    const input = nchwToNhwc(readNpy(bytes('input.npy')));
    const expected = nchwToNhwc(readNpy(bytes('output.npy')));
    const out = (await runner.run(input)) as tf.Tensor4D;
    expect(out.shape).toEqual(expected.shape);
    expect(compare(out.dataSync(), expected.dataSync()).relative).toBeLessThan(1e-5);
    runner.dispose();
    tf.dispose([input, expected, out]);
    model.dispose();
  });
});

describe('Lite-HRNet estimator, engine tfjs vs onnxruntime', () => {
  beforeAll(() => useBackend('wasm'));

  it('the same keypoints with the flip test, leak-free', async () => {
    const photo = jpeg.decode(readFileSync(new URL('./fixtures/samples/people_6.jpg', import.meta.url)), { useTArray: true, formatAsRGBA: false });
    const image = { data: photo.data, width: photo.width, height: photo.height, channels: 3 };
    const model = parseLitePoseModelDict(meta.model_cfg, { imageSize: [96, 128] });
    const weights = new Uint8Array(gunzipSync(bytes('weights.pth.gz')));
    const tfjs = await createPoseEstimator({ model, weights });
    const onnx = await createPoseEstimator({ model, weights, engine: 'onnxruntime', engineOptions: { threads: 1 } });
    const boxes = [[90, 60, 110, 250], [260, 70, 120, 240]] as const;
    const want = await tfjs.estimatePoses(image, { boxes });
    const before = tf.memory().numTensors;
    const got = await onnx.estimatePoses(image, { boxes });
    expect(tf.memory().numTensors).toBe(before);
    const flat = (ps: typeof want) => ps.flatMap((p) => p.keypoints.flatMap((k) => [k.x, k.y]));
    const scores = (ps: typeof want) => ps.flatMap((p) => p.keypoints.map((k) => k.score));
    expect(compare(flat(got), flat(want)).maxAbsDiff).toBeLessThan(1e-3);
    expect(compare(scores(got), scores(want)).relative).toBeLessThan(1e-5);
    tfjs.dispose();
    onnx.dispose();
  });
});
