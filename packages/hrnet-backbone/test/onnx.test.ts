import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRunner } from '@hrnetjs/core';
import { compare, nchwToNhwc, useBackend } from '@hrnetjs/core/testing';
import { createClassificationModel } from '../src/index.js';
import { formulaStateDict } from './formula-weights.js';

// The cls_small classifier exported to ONNX (core's exportOnnx, through the onnxruntime engine) and run in
// onnxruntime-node gives the official cls_hrnet.py logits, not just the tfjs ones.
const fixture = (name: string) => new URL(`./fixtures/cls_small/${name}`, import.meta.url);
const input = JSON.parse(readFileSync(fixture('input.json'), 'utf8')) as { shape: number[]; data: number[] };
const output = JSON.parse(readFileSync(fixture('output.json'), 'utf8')) as { data: number[]; top5: number[] };

describe('cls_small on onnxruntime-node', () => {
  beforeAll(() => useBackend('cpu'));

  it('logits equal the official outputs within 1e-5 of max|logit|', async () => {
    const model = createClassificationModel(readFileSync(fixture('config.yaml'), 'utf8'));
    model.loadStateDict(formulaStateDict(model.shapes()));
    model.fuse();
    const runner = await createRunner('onnxruntime', model as never, { threads: 1 });
    const x = nchwToNhwc({ dtype: 'float32', shape: input.shape, data: Float32Array.from(input.data) });
    const logits = (await runner.run(x)) as tf.Tensor;
    expect(compare(logits.dataSync(), output.data).relative).toBeLessThan(1e-5);
    runner.dispose();
    tf.dispose([x, logits]);
    model.dispose();
  });
});
