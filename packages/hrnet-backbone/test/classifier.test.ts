import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { ConfigError, DisposedError, InputError } from '@hrnetjs/core';
import { useBackend } from '@hrnetjs/core/testing';
import { createClassificationModel, createClassifier, topK } from '../src/index.js';
import { formulaStateDict } from './formula-weights.js';

const yaml = readFileSync(new URL('./fixtures/cls_small/config.yaml', import.meta.url), 'utf8');

describe('createClassifier (the factory contract)', () => {
  it('crops like the official validation transform and returns the top-k of the fused network; frees what it made', async () => {
    await useBackend('wasm'); // the cpu backend takes ~10x longer on 224x224
    const reference = createClassificationModel(yaml);
    const weights = formulaStateDict(reference.shapes());
    reference.loadStateDict(weights);
    const before = tf.memory().numTensors;
    const classifier = await createClassifier({ model: yaml, weights });
    expect(classifier.engine).toBe('tfjs');
    // a 300x200 image: short side → 256 (384x256), centre crop 224 at (80, 16)
    const image = tf.tidy(() => tf.mul(tf.randomUniform([200, 300, 3], 0, 1, 'float32', 7), 255) as tf.Tensor3D);
    const input = classifier.preprocess(image);
    expect(input.shape).toEqual([1, 224, 224, 3]);
    const expected = tf.tidy(() => {
      const resized = tf.image.resizeBilinear(image, [256, 384], false, true);
      const crop = tf.slice(resized, [16, 80, 0], [224, 224, 3]);
      return tf.div(tf.sub(crop, tf.mul([0.485, 0.456, 0.406], 255)), tf.mul([0.229, 0.224, 0.225], 255));
    });
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(tf.squeeze(input), expected))).dataSync()[0])).toBeLessThan(1e-4);
    const logits = reference.predict(input);
    const [want] = await topK(logits, 3);
    tf.dispose([input, expected, logits]);
    const got = await classifier.classify(image, { topK: 3 });
    expect(got.map((c) => c.index)).toEqual(want!.map((c) => c.index));
    for (const [i, c] of got.entries()) expect(c.probability).toBeCloseTo(want![i]!.probability, 4);
    await expect(classifier.classify(image, { topK: 0 })).rejects.toThrow(InputError);
    classifier.dispose();
    image.dispose();
    expect(tf.memory().numTensors).toBe(before);
    await expect(classifier.classify(image)).rejects.toThrow(DisposedError);
    reference.dispose();
  });

  it('needs weights (null for random) and refuses a zoo name of another task', async () => {
    await expect(createClassifier({ model: 'w18' } as never)).rejects.toThrow(ConfigError);
    await expect(createClassifier({ model: 'pose_hrnet_w32_coco_256x192', weights: null })).rejects.toThrow(/unknown backbone preset "pose-hrnet-w32-coco-256x192".*closest zoo names: cls_hrnet/);
  });
});
