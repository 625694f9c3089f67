import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import jpeg from 'jpeg-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DisposedError, EngineError, ShapeError, exportOnnx, setOnnxRuntimeLoader } from '@hrnetjs/core';
import { NODE_TEST_BACKENDS, useBackend } from '@hrnetjs/core/testing';
import { type Pose, type PoseEstimator, createPoseEstimator } from '../src/index.js';

// createPoseEstimator with engine 'onnxruntime' (the network exported to ONNX and run by onnxruntime-node; crops,
// flip test and decoding are the same tfjs code) gives the poses engine 'tfjs' gives, on the golden pose_small.
const fixture = (p: string) => new URL(`./fixtures/${p}`, import.meta.url);
const weightBytes = new Uint8Array(readFileSync(fixture('pose_small/weights.pth')));
const yaml = readFileSync(fixture('pose_small/config.yaml'), 'utf8');
const photo = jpeg.decode(readFileSync(fixture('samples/people_6.jpg')), { useTArray: true, formatAsRGBA: false });
const image = { data: photo.data, width: photo.width, height: photo.height, channels: 3 };
const BOXES = [
  [90, 60, 110, 250],
  [260, 70, 120, 240],
] as const;

function expectSamePoses(got: Pose[], want: Pose[]): void {
  expect(got).toHaveLength(want.length);
  const maxScore = Math.max(...want.flatMap((p) => p.keypoints.map((k) => Math.abs(k.score))));
  got.forEach((p, i) => {
    expect(p.box).toEqual(want[i]!.box);
    expect(p.keypoints.map((k) => k.name)).toEqual(want[i]!.keypoints.map((k) => k.name));
    p.keypoints.forEach((k, j) => {
      const w = want[i]!.keypoints[j]!;
      // heatmaps agree to ~1e-6 of their max: the argmax and quarter-pixel shift are the same, so are the pixels;
      // scores (heatmap maxima, up to ~190 here with random-ish small weights) to 1e-5 of the largest
      expect(Math.abs(k.x - w.x), `${k.name} x`).toBeLessThan(1e-3);
      expect(Math.abs(k.y - w.y), `${k.name} y`).toBeLessThan(1e-3);
      expect(Math.abs(k.score - w.score), `${k.name} score`).toBeLessThan(1e-5 * maxScore);
    });
  });
}

describe.each(NODE_TEST_BACKENDS)('createPoseEstimator, engine tfjs vs onnxruntime (%s)', (backend) => {
  let tfjs: PoseEstimator;
  let onnx: PoseEstimator;
  beforeAll(async () => {
    await useBackend(backend);
    tfjs = await createPoseEstimator({ model: yaml, weights: weightBytes, backend });
    onnx = await createPoseEstimator({ model: yaml, weights: weightBytes, backend, engine: 'onnxruntime', engineOptions: { threads: 1 } });
  });
  afterAll(() => {
    tfjs.dispose();
    onnx.dispose();
  });

  it('the same keypoints, with and without flip test, and no tensor left behind', async () => {
    expect([tfjs.engine, onnx.engine]).toEqual(['tfjs', 'onnxruntime']);
    for (const flipTest of [false, true]) {
      const want = await tfjs.estimatePoses(image, { boxes: BOXES, flipTest });
      const before = tf.memory().numTensors;
      const got = await onnx.estimatePoses(image, { boxes: BOXES, flipTest });
      expect(tf.memory().numTensors).toBe(before);
      expectSamePoses(got, want);
    }
  });
});

describe('createPoseEstimator engine errors and lifecycle', () => {
  beforeAll(() => useBackend('wasm')); // the cpu backend's crops and tfjs passes take seconds each
  afterAll(() => setOnnxRuntimeLoader(null));

  it('an unknown engine is an EngineError before anything is read', async () => {
    await expect(createPoseEstimator({ model: yaml, weights: weightBytes, engine: 'tensorrt' as never })).rejects.toThrow(
      /engine: expected one of 'tfjs', 'onnxruntime', found "tensorrt"/,
    );
  });

  it('onnxruntime absent: an EngineError naming the package, and the network it built is freed', async () => {
    setOnnxRuntimeLoader(async (pkg) => {
      throw new Error(`Cannot find package '${pkg}'`);
    });
    const before = tf.memory().numTensors;
    const err = await createPoseEstimator({ model: yaml, weights: weightBytes, engine: 'onnxruntime' }).catch((e: unknown) => e);
    setOnnxRuntimeLoader(null);
    expect(err).toBeInstanceOf(EngineError);
    expect((err as Error).message).toMatch(/needs the package onnxruntime-node .*npm install onnxruntime-node/);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('an exported file of another input size is refused at the first call, saying expected and found', async () => {
    const tfjs = await createPoseEstimator({ model: yaml, weights: weightBytes });
    const wrong = exportOnnx(tfjs.model, { inputSize: [64, 64] });
    const onnx = await createPoseEstimator({ model: yaml, weights: weightBytes, engine: 'onnxruntime', engineOptions: { onnxModel: wrong, threads: 1 } });
    const err = await onnx.estimatePoses(image, { boxes: BOXES }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ShapeError);
    // pose_small's input is 96x128 (MODEL.IMAGE_SIZE)
    expect((err as Error).message).toMatch(/exported for input 64x64x3 .*found an input of 96x128x3/);
    // the file of the right size gives the exported network's poses
    const right = exportOnnx(tfjs.model, { inputSize: [96, 128] });
    const fromFile = await createPoseEstimator({ model: yaml, weights: weightBytes, engine: 'onnxruntime', engineOptions: { onnxModel: right, threads: 1 } });
    expectSamePoses(await fromFile.estimatePoses(image, { boxes: BOXES }), await tfjs.estimatePoses(image, { boxes: BOXES }));
    [tfjs, onnx, fromFile].forEach((e) => e.dispose());
  });

  it('dispose() releases the sessions it opened and frees the network; later calls throw DisposedError', async () => {
    let created = 0;
    let released = 0;
    type Session = { run: (...a: unknown[]) => unknown; release: () => Promise<void> };
    type Ort = { InferenceSession: { create: (...a: unknown[]) => Promise<Session> } };
    // the real onnxruntime-node, its sessions counted (a module namespace is frozen, so a new object)
    setOnnxRuntimeLoader(async (_pkg, importDefault) => {
      const ort = (await importDefault()) as Ort;
      return {
      ...ort,
      InferenceSession: {
        create: async (bytes: Uint8Array, options: never) => {
          const s = await ort.InferenceSession.create(bytes, options);
          created++;
          return { run: s.run.bind(s), release: async () => {
            released++;
            await s.release();
          } };
        },
      },
      };
    });
    const before = tf.memory().numTensors;
    const onnx = await createPoseEstimator({ model: yaml, weights: weightBytes, engine: 'onnxruntime', engineOptions: { threads: 1 } });
    setOnnxRuntimeLoader(null);
    await onnx.estimatePoses(image, { boxes: BOXES, flipTest: true });
    expect(created).toBe(1); // one input size, one session (flip test runs the same size)
    onnx.dispose();
    onnx.dispose();
    await new Promise((r) => setTimeout(r, 0));
    expect(released).toBe(1);
    expect(tf.memory().numTensors).toBe(before);
    await expect(onnx.estimatePoses(image, { boxes: BOXES })).rejects.toThrow(DisposedError);
  });
});
