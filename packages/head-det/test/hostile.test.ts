import type * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '@hrnetjs/core';
import { useBackend } from '@hrnetjs/core/testing';
import { type Detector, createDetector } from '../src/index.js';
import { smallConfig, smallStateDict } from './helpers.js';

/**
 * Issue 15 finding 6 for det: options were validated only after the forward pass (seconds on a real model), and
 * `preNmsTopN: 1e9` ran NMS over every candidate for 27 s. Both are refused before the network runs.
 */
describe('det: options before the forward pass', () => {
  let detector: Detector;
  let calls = 0;
  beforeAll(async () => {
    await useBackend('cpu');
    const config = smallConfig();
    config.input = { ...config.input, minSize: 128, maxSize: 160 }; // a small test size: one quick pass
    detector = await createDetector({ model: config, weights: smallStateDict(), backend: 'cpu' });
    // count forward passes: a refused call must not run one
    const run = (detector as unknown as { runner: { run: (x: tf.Tensor4D) => Promise<unknown> } }).runner;
    const original = run.run.bind(run);
    run.run = (x) => {
      calls++;
      return original(x);
    };
  });
  afterAll(() => detector.dispose());
  const image = { data: new Uint8Array(64 * 64 * 3).fill(90), width: 64, height: 64, channels: 3 };

  it('bad post-processing options are InputErrors before any network pass', async () => {
    for (const bad of [{ scoreThreshold: 2 }, { iouThreshold: Number.NaN }, { maxDetections: -1 }, { preNmsTopN: 0 }, { preNmsTopN: 1e9 }]) {
      await expect(detector.detect(image, bad)).rejects.toThrow(InputError);
    }
    await expect(detector.detect(image, { preNmsTopN: 1e9 })).rejects.toThrow(/preNmsTopN: expected a positive integer up to 10000 \(NMS is quadratic in it\), found 1000000000/);
    expect(calls).toBe(0);
    await detector.detect(image, { preNmsTopN: 10_000 });
    expect(calls).toBe(1);
  });
});
