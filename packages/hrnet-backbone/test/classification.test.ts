import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { countMultiplyAdds } from '@hrnetjs/core';
import { useBackend } from '@hrnetjs/core/testing';
import { CLASSIFICATION_PRESETS, IMAGENET_CLASSES, createClassificationModel, topK } from '../src/index.js';

interface Manifest {
  param_count: number;
  state_dict: Record<string, number[]>;
  conv_linear_multiply_adds: Record<string, number>;
}
const manifest = JSON.parse(readFileSync(new URL('./fixtures/manifests/cls_w18.json', import.meta.url), 'utf8')) as Manifest;

describe('classification presets', () => {
  beforeAll(() => useBackend('wasm'));

  it('w18 has exactly the official keys, shapes and order, parameter count and multiply-adds', () => {
    const model = createClassificationModel('w18');
    expect([...model.shapes()]).toEqual(Object.entries(manifest.state_dict));
    expect(model.numParameters()).toBe(manifest.param_count);
    const macs = countMultiplyAdds(() => model.predict(tf.zeros([1, 224, 224, 3])));
    expect(macs).toBe(manifest.conv_linear_multiply_adds['224x224']);
    model.dispose();
  });

  it('the official YAML builds the same network as the preset', () => {
    const text = readFileSync(new URL('./fixtures/configs/cls_w18_small_v2.yaml', import.meta.url), 'utf8');
    const a = createClassificationModel(text);
    const b = createClassificationModel('w18_small_v2');
    expect([...a.shapes()]).toEqual([...b.shapes()]);
    a.dispose();
    b.dispose();
  });

  it('every preset builds and classifies without leaking', async () => {
    expect(CLASSIFICATION_PRESETS).toHaveLength(9);
    const model = createClassificationModel('w18-small-v1');
    const input = tf.zeros([2, 64, 64, 3]);
    const before = tf.memory().numTensors;
    const logits = model.predict(input);
    expect(logits.shape).toEqual([2, 1000]);
    const top = await topK(logits, 3);
    logits.dispose();
    expect(top).toHaveLength(2);
    expect(top[0]).toHaveLength(3);
    expect(top[0]![0]!.name).toBe(IMAGENET_CLASSES[top[0]![0]!.index]);
    expect(top[0]![0]!.probability).toBeGreaterThanOrEqual(top[0]![1]!.probability);
    expect(tf.memory().numTensors).toBe(before);
    input.dispose();
    model.dispose();
  });

  it('knows the ImageNet class names', () => {
    expect(IMAGENET_CLASSES).toHaveLength(1000);
    expect(IMAGENET_CLASSES[0]).toBe('tench, Tinca tinca');
    expect(IMAGENET_CLASSES[999]).toBe('toilet tissue, toilet paper, bathroom tissue');
  });
});
