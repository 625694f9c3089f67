import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ShapeError, loadCheckpoint, saveSafetensors, saveTfjsWeights, loadTfjsWeights } from '@hrnetjs/core';
import { NODE_TEST_BACKENDS, compare, useBackend } from '@hrnetjs/core/testing';
import { HighResolutionNet, backbonePreset, hrnetV1, hrnetV2, hrnetV2p } from '../src/index.js';

const bilinear = { fuseUpsample: { mode: 'bilinear', alignCorners: false }, multiScaleOutput: true } as const;

describe.each(NODE_TEST_BACKENDS)('HRNet trunk on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it('outputs four resolutions (strides 4…32) and the V1/V2/V2p representations', () => {
    const net = new HighResolutionNet(backbonePreset('w18-small-v1', bilinear));
    expect(net.featureChannels).toEqual([16, 32, 64, 128]);
    const x = tf.randomNormal([2, 64, 96, 3]);
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const feats = net.forward(x);
      expect(feats.map((f) => f.shape)).toEqual([
        [2, 16, 24, 16],
        [2, 8, 12, 32],
        [2, 4, 6, 64],
        [2, 2, 3, 128],
      ]);
      expect(hrnetV1(feats)).toBe(feats[0]);
      const v2 = hrnetV2(feats);
      expect(v2.shape).toEqual([2, 16, 24, 240]);
      // the first 16 channels are the stride-4 branch untouched
      expect(compare(tf.slice(v2, [0, 0, 0, 0], [-1, -1, -1, 16]).dataSync(), feats[0]!.dataSync()).maxAbsDiff).toBe(0);
      const pyramid = hrnetV2p(feats, 4);
      expect(pyramid.map((p) => p.shape)).toEqual([
        [2, 16, 24, 240],
        [2, 8, 12, 240],
        [2, 4, 6, 240],
        [2, 2, 3, 240],
      ]);
      // level 1 is the mean of 2x2 blocks of level 0
      const v = v2.arraySync() as number[][][][];
      const expected = (v[1]![2]![4]![7]! + v[1]![2]![5]![7]! + v[1]![3]![4]![7]! + v[1]![3]![5]![7]!) / 4;
      expect((pyramid[1]!.arraySync() as number[][][][])[1]![1]![2]![7]).toBeCloseTo(expected, 5);
    });
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    net.dispose();
  });

  it('rejects an input that is not an NHWC RGB batch', () => {
    const net = new HighResolutionNet(backbonePreset('w18-small-v1', bilinear));
    const gray = tf.zeros([1, 32, 32, 1]);
    expect(() => net.predict(gray)).toThrowError(ShapeError);
    expect(() => net.predict(gray)).toThrowError(/3 channels, found shape \[1, 32, 32, 1\]/);
    gray.dispose();
    net.dispose();
  });

  it('state dict → safetensors / tfjs weights → a new model: identical outputs; load + dispose leaks nothing', () => {
    const before = tf.memory().numTensors;
    const a = new HighResolutionNet(backbonePreset('w18-small-v1', bilinear));
    const b = new HighResolutionNet(backbonePreset('w18-small-v1', bilinear));
    const c = new HighResolutionNet(backbonePreset('w18-small-v1', bilinear));
    const sd = a.stateDict();
    b.loadStateDict(loadCheckpoint(saveSafetensors(sd)));
    const tfjs = saveTfjsWeights(sd);
    c.loadStateDict(loadTfjsWeights(tfjs.modelJson, tfjs.shards.map((s) => s.data)));
    const x = tf.randomNormal([1, 32, 32, 3]);
    const [ya, yb, yc] = [a, b, c].map((m) => tf.tidy(() => m.forward(x)[0]!));
    expect(compare(yb!.dataSync(), ya!.dataSync()).maxAbsDiff, 'via safetensors').toBe(0);
    expect(compare(yc!.dataSync(), ya!.dataSync()).maxAbsDiff, 'via tfjs weights').toBe(0);
    tf.dispose([x, ya!, yb!, yc!]);
    [a, b, c].forEach((m) => m.dispose());
    expect(tf.memory().numTensors).toBe(before);
  });
});
