import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NODE_TEST_BACKENDS, compare, useBackend } from '@hrnetjs/core/testing';
import { type SegmentOptions, type SegmentationResult, type Segmenter, createSegmenter } from '../src/index.js';

// createSegmenter with engine 'onnxruntime' (the network exported to ONNX once per input size and run by
// onnxruntime-node; scales, flip, sliding windows and the upsampling of the scores are the same tfjs code) gives
// the labels engine 'tfjs' gives, on the golden seg_small and seg_ocr_small networks.
const fixture = (p: string) => new URL(`./fixtures/${p}`, import.meta.url);
const cases = {
  seg_small: { yaml: readFileSync(fixture('seg_small/config.yaml'), 'utf8'), weights: readFileSync(fixture('seg_small/weights.pth')) },
  seg_ocr_small: { yaml: readFileSync(fixture('seg_ocr_small/config.yaml'), 'utf8'), weights: readFileSync(fixture('seg_ocr_small/weights.pth')) },
};

/** A smooth RGB test image, so that the labels are not a field of near-ties. */
function testImage(width: number, height: number) {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      for (let c = 0; c < 3; c++) data[(y * width + x) * 3 + c] = Math.round(128 + 100 * Math.sin(x / (5 + 2 * c)) * Math.cos(y / (6 + c)));
  return { data, width, height, channels: 3 };
}

/** Labels equal, probabilities within 1e-5 (of their max, 1). */
function expectSame(got: SegmentationResult, want: SegmentationResult): void {
  expect([got.width, got.height, got.numClasses]).toEqual([want.width, want.height, want.numClasses]);
  expect(compare(got.probabilities!, want.probabilities!).maxAbsDiff).toBeLessThan(1e-5);
  // a label may differ only where the two best classes are tied to float32 rounding
  const n = want.numClasses;
  const p = want.probabilities!;
  let differing = 0;
  for (let i = 0; i < want.labels.length; i++) {
    if (got.labels[i] === want.labels[i]) continue;
    differing++;
    expect(Math.abs(p[i * n + got.labels[i]!]! - p[i * n + want.labels[i]!]!), `pixel ${i}`).toBeLessThan(1e-5);
  }
  expect(differing).toBeLessThanOrEqual(want.labels.length * 1e-3);
}

describe.each(NODE_TEST_BACKENDS)('createSegmenter, engine tfjs vs onnxruntime (%s)', (backend) => {
  const made: Segmenter[] = [];
  beforeAll(() => useBackend(backend));
  afterAll(() => made.forEach((s) => s.dispose()));

  it.each(Object.keys(cases) as (keyof typeof cases)[])('%s: the same labels, one scale and multi-scale + flip + sliding windows', async (name) => {
    const { yaml, weights } = cases[name];
    const tfjs = await createSegmenter({ model: yaml, weights, backend });
    const onnx = await createSegmenter({ model: yaml, weights, backend, engine: 'onnxruntime', engineOptions: { threads: 1 } });
    made.push(tfjs, onnx);
    expect(onnx.engine).toBe('onnxruntime');
    const image = testImage(70, 45);
    const settings: SegmentOptions[] = [{}, { scales: [0.75, 1.25], flipTest: true, cropSize: [32, 48] }];
    for (const options of settings) {
      const want = await tfjs.segment(image, { ...options, probabilities: true });
      const before = tf.memory().numTensors;
      const got = await onnx.segment(image, { ...options, probabilities: true });
      expect(tf.memory().numTensors).toBe(before);
      expectSame(got, want);
    }
  });
});
