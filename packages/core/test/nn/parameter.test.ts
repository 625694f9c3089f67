import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { Parameter, permuteHost } from '../../src/nn/parameter.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function ramp(n: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => i * 0.5 - 7);
}

describe('permuteHost', () => {
  it.each([
    [[5, 7], [1, 0]],
    [[2, 3, 4], [2, 0, 1]],
    [[4, 3, 2, 5], [2, 3, 1, 0]],
    [[6, 1, 3, 2], [2, 3, 0, 1]],
    [[3, 4, 2, 2], [0, 1, 2, 3]],
  ])('shape %j perm %j equals tf.transpose', (shape, perm) => {
    const data = ramp(shape.reduce((a, b) => a * b, 1));
    const expected = tf.tidy(() => tf.transpose(tf.tensor(data, shape), perm).dataSync());
    expect(Array.from(permuteHost(data, shape, perm))).toEqual(Array.from(expected));
  });

  it('refuses a perm of another rank', () => {
    expect(() => permuteHost(ramp(6), [2, 3], [0, 1, 2])).toThrow(/rank 2 with perm \[0, 1, 2\]/);
  });
});

describe('Parameter layouts round-trip through the host', () => {
  it.each([
    ['conv', [8, 4, 3, 3], [3, 3, 4, 8]],
    ['depthwise', [6, 1, 3, 3], [3, 3, 6, 1]],
    ['linear', [10, 7], [7, 10]],
    ['convTranspose', [4, 5, 2, 2], [2, 2, 5, 4]],
    ['plain', [9], [9]],
  ] as const)('%s: assign puts PyTorch %j into tfjs %j and toHost gives it back', (layout, torch, tfjs) => {
    const p = new Parameter([...torch], layout, 'parameter');
    const data = ramp((torch as readonly number[]).reduce((a, b) => a * b, 1));
    const before = tf.memory().numTensors;
    p.assign({ dtype: 'float32', shape: [...torch], data }, 'w');
    expect(p.value.shape).toEqual(tfjs);
    // element [o=1, i=2, kh=0, kw=1] of a conv sits at tfjs [kh, kw, i, o]
    if (layout === 'conv') {
      const v = p.value.arraySync() as number[][][][];
      expect(v[0]![1]![2]![1]).toBe(data[((1 * 4 + 2) * 3 + 0) * 3 + 1]);
    }
    const back = p.toHost();
    expect(back.shape).toEqual(torch);
    expect(Array.from(back.data)).toEqual(Array.from(data));
    expect(back.data).not.toBe(data);
    p.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
