import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { NODE_TEST_BACKENDS, useBackend } from '@hrnetjs/core/testing';
import { type ClassScore, createClassificationModel, createClassifier } from '../src/index.js';
import { formulaStateDict } from './formula-weights.js';

// createClassifier with engine 'onnxruntime' (the network exported to ONNX and run by onnxruntime-node; resize,
// centre crop and softmax/top-k are the same tfjs code, on each backend) gives the classes engine 'tfjs' gives,
// on cls_small. The tfjs answer is computed once on wasm: the cpu backend takes ~50 s for the 224x224 pass.
const yaml = readFileSync(new URL('./fixtures/cls_small/config.yaml', import.meta.url), 'utf8');
const pixels = () => tf.tidy(() => tf.mul(tf.randomUniform([200, 300, 3], 0, 1, 'float32', 7), 255) as tf.Tensor3D);
let weights: ReturnType<typeof formulaStateDict>;
let want: ClassScore[];

beforeAll(async () => {
  await useBackend('wasm');
  const reference = createClassificationModel(yaml);
  weights = formulaStateDict(reference.shapes());
  reference.dispose();
  const tfjs = await createClassifier({ model: yaml, weights, backend: 'wasm' });
  const image = pixels();
  want = await tfjs.classify(image, { topK: 5 });
  image.dispose();
  tfjs.dispose();
});

describe.each(NODE_TEST_BACKENDS)('createClassifier, engine onnxruntime vs tfjs (%s)', (backend) => {
  it('the same top-5 classes and probabilities, and no tensor left behind', async () => {
    await useBackend(backend);
    const onnx = await createClassifier({ model: yaml, weights, backend, engine: 'onnxruntime', engineOptions: { threads: 1 } });
    expect(onnx.engine).toBe('onnxruntime');
    const image = pixels();
    const before = tf.memory().numTensors;
    const got = await onnx.classify(image, { topK: 5 });
    expect(tf.memory().numTensors).toBe(before);
    expect(got.map((c) => c.index)).toEqual(want.map((c) => c.index));
    got.forEach((c, i) => expect(Math.abs(c.probability - want[i]!.probability)).toBeLessThan(1e-5));
    image.dispose();
    onnx.dispose();
  });
});
