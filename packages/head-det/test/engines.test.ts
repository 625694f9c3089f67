import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NODE_TEST_BACKENDS, useBackend } from '@hrnetjs/core/testing';
import { DETECTION_INPUT_DEFAULTS, type Detection, type Detector, createDetector } from '../src/index.js';
import { npy, smallConfig, weightsBytes } from './helpers.js';

// createDetector with engine 'onnxruntime' (the network exported to ONNX once per padded input size and run by
// onnxruntime-node; resizing, padding, box decoding and NMS are the same code) gives the detections engine
// 'tfjs' gives, on the golden det_fcos_small network.
const config = () => {
  const c = smallConfig();
  c.input = { ...c.input, minSize: 128, maxSize: 160 };
  return c;
};

/** The fixture's network input as RGB pixels: + mean, BGR → RGB. */
function fixtureImage(): tf.Tensor3D {
  const x = npy('input');
  const [, , h, w] = x.shape as number[];
  const mean = DETECTION_INPUT_DEFAULTS.pixelMean;
  const data = new Float32Array(h! * w! * 3);
  for (let c = 0; c < 3; c++) for (let i = 0; i < h! * w!; i++) data[i * 3 + (2 - c)] = x.data[c * h! * w! + i]! + mean[c]!;
  return tf.tensor3d(data, [h!, w!, 3]);
}

function expectSameDetections(got: Detection[], want: Detection[]): void {
  expect(want.length).toBeGreaterThan(0);
  expect(got.map((d) => d.label)).toEqual(want.map((d) => d.label));
  got.forEach((d, i) => {
    const w = want[i]!;
    expect(d.className).toBe(w.className);
    expect(Math.abs(d.score - w.score), `score ${i}`).toBeLessThan(1e-5);
    d.box.forEach((v, j) => expect(Math.abs(v - w.box[j]!), `box ${i}[${j}]`).toBeLessThan(1e-3));
  });
}

describe.each(NODE_TEST_BACKENDS)('createDetector, engine tfjs vs onnxruntime (%s)', (backend) => {
  let tfjs: Detector;
  let onnx: Detector;
  beforeAll(async () => {
    await useBackend(backend);
    tfjs = await createDetector({ model: config(), weights: weightsBytes(), resize: 'bilinear', backend });
    onnx = await createDetector({ model: config(), weights: weightsBytes(), resize: 'bilinear', backend, engine: 'onnxruntime', engineOptions: { threads: 1 } });
  });
  afterAll(() => {
    tfjs.dispose();
    onnx.dispose();
  });

  it('the same boxes, labels and scores, on two image sizes (two sessions), and no tensor left behind', async () => {
    expect(onnx.engine).toBe('onnxruntime');
    const full = fixtureImage();
    // another aspect ratio: another padded network input
    const part = tf.slice(full, [0, 0, 0], [full.shape[0], Math.round(full.shape[1] * 0.6), 3]);
    for (const img of [full, part]) {
      const want = await tfjs.detect(img);
      const before = tf.memory().numTensors;
      const got = await onnx.detect(img);
      expect(tf.memory().numTensors).toBe(before);
      expectSameDetections(got, want);
    }
    tf.dispose([full, part]);
  });
});
