import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConvModule, DepthwiseSeparableConvModule, ShapeError, adaptiveAvgPool2d, channelShuffle } from '../../src/index.js';
import { NODE_TEST_BACKENDS, useBackend } from '../../src/testing.js';

describe.each(NODE_TEST_BACKENDS)('mmcv bricks (%s)', (backend) => {
  beforeAll(() => useBackend(backend));

  it('channelShuffle(x, 2) puts input channel i·(C/2) + k at output k·2 + i (PyTorch view/transpose/flatten)', () => {
    const x = tf.tensor4d([0, 1, 2, 3, 4, 5], [1, 1, 1, 6]);
    const y = channelShuffle(x, 2);
    expect(Array.from(y.dataSync())).toEqual([0, 3, 1, 4, 2, 5]);
    expect(() => channelShuffle(x, 4)).toThrow(ShapeError);
    tf.dispose([x, y]);
  });

  it('adaptiveAvgPool2d uses PyTorch bins, divisible or not', () => {
    const x = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1]);
    // bins rows/cols {0,1},{1,2}: means of the four 2x2 windows
    expect(Array.from(adaptiveAvgPool2d(x, [2, 2]).dataSync())).toEqual([3, 4, 6, 7]);
    const z = tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]);
    expect(Array.from(adaptiveAvgPool2d(z, [1, 1]).dataSync())).toEqual([2.5]);
    tf.dispose([x, z]);
  });

  it('ConvModule keys follow mmcv (conv bias only without norm) and fuse keeps the output', () => {
    const withBn = new ConvModule(4, 8, 3, { padding: 1, activation: 'sigmoid' });
    const noBn = new ConvModule(4, 2, 1, { norm: false });
    expect([...withBn.shapes().keys()]).toEqual([
      'conv.weight', 'bn.weight', 'bn.bias', 'bn.running_mean', 'bn.running_var', 'bn.num_batches_tracked',
    ]);
    expect([...noBn.shapes().keys()]).toEqual(['conv.weight', 'conv.bias']);
    const ds = new DepthwiseSeparableConvModule(4, 6, 3, { padding: 1, dwActivation: 'none' });
    expect(ds.shapes().get('depthwise_conv.conv.weight')).toEqual([4, 1, 3, 3]);
    expect(ds.shapes().get('pointwise_conv.conv.weight')).toEqual([6, 4, 1, 1]);
    const x = tf.randomNormal([1, 5, 5, 4]);
    for (const m of [withBn, ds]) {
      const before = m.predict(x).dataSync().slice();
      m.fuse();
      const start = tf.memory().numTensors;
      const after = m.predict(x);
      expect(tf.memory().numTensors).toBe(start + 1);
      const a = after.dataSync();
      for (let i = 0; i < a.length; i++) expect(Math.abs(a[i]! - before[i]!)).toBeLessThan(1e-5);
      after.dispose();
    }
    tf.dispose(x);
    [withBn, noBn, ds].forEach((m) => m.dispose());
  });
});
