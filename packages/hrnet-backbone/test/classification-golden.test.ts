import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NODE_TEST_BACKENDS, compare, nchwToNhwc, useBackend } from '@hrnetjs/core/testing';
import { type ClassificationHRNet, createClassificationModel, topK } from '../src/index.js';
import { formulaStateDict } from './formula-weights.js';

const fixture = (name: string) => new URL(`./fixtures/cls_small/${name}`, import.meta.url);
const input = JSON.parse(readFileSync(fixture('input.json'), 'utf8')) as { shape: number[]; data: number[] };
const output = JSON.parse(readFileSync(fixture('output.json'), 'utf8')) as { data: number[]; top5: number[]; num_keys: number };

describe.each(NODE_TEST_BACKENDS)('ImageNet classifier equals the official cls_hrnet.py on %s', (backend) => {
  let model: ClassificationHRNet;
  let x: tf.Tensor4D;
  beforeAll(async () => {
    await useBackend(backend);
    model = createClassificationModel(readFileSync(fixture('config.yaml'), 'utf8'));
    expect(model.shapes().size).toBe(output.num_keys);
    model.loadStateDict(formulaStateDict(model.shapes()));
    x = nchwToNhwc({ dtype: 'float32', shape: input.shape, data: Float32Array.from(input.data) });
  });
  afterAll(() => {
    x.dispose();
    model.dispose();
  });

  it('logits within 1e-5 of max|logit|, top-5 identical, no leak', async () => {
    const before = tf.memory().numTensors;
    const logits = model.predict(x);
    const { relative } = compare(logits.dataSync(), output.data);
    expect(relative).toBeLessThan(1e-5);
    const top = await topK(logits, 5);
    expect(top[0]!.map((c) => c.index)).toEqual(output.top5);
    logits.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('the same after folding BatchNorm and fusing ReLU', () => {
    model.fuse();
    const logits = model.predict(x);
    expect(compare(logits.dataSync(), output.data).relative).toBeLessThan(1e-5);
    logits.dispose();
  });
});
