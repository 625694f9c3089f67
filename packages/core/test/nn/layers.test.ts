import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  BatchNorm2d,
  Conv2d,
  GroupNorm,
  Linear,
  ReLU,
  Sequential,
  StateDictError,
  ShapeError,
  countMultiplyAdds,
  releaseUnfusedWeights,
  globalAvgPool,
  resizeBilinear,
  upsampleNearest,
  type Module,
  type StateDict,
} from '../../src/index.js';
import { NODE_TEST_BACKENDS, compare, nchwToNhwc, nhwcToNchw, useBackend } from '../../src/testing.js';

interface Arr {
  shape: number[];
  data: number[];
}
interface Case {
  name: string;
  input: Arr;
  state_dict: Record<string, Arr>;
  output: Arr;
  [extra: string]: unknown;
}
const fixture = JSON.parse(readFileSync(new URL('../fixtures/nn/layers.json', import.meta.url), 'utf8')) as { cases: Case[] };
const byName = (n: string): Case => fixture.cases.find((c) => c.name === n)!;

function toStateDict(c: Case): StateDict {
  return new Map(Object.entries(c.state_dict).map(([k, v]) => [k, { dtype: 'float32' as const, shape: v.shape, data: Float32Array.from(v.data) }]));
}
const host = (a: Arr) => ({ dtype: 'float32' as const, shape: a.shape, data: Float32Array.from(a.data) });

/** Runs an NCHW golden case through `run` (NHWC) and returns the relative max error. */
function runCase(c: Case, run: (x: tf.Tensor4D) => tf.Tensor): number {
  return tf.tidy(() => {
    const y = run(nchwToNhwc(host(c.input)));
    expect(y.shape).toEqual([c.output.shape[0], c.output.shape[2], c.output.shape[3], c.output.shape[1]]);
    return compare(nhwcToNchw(y), c.output.data).relative;
  });
}

describe.each(NODE_TEST_BACKENDS)('layers equal torch.nn on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  const convCases = ['conv3x3_s1_p1', 'conv3x3_s2_p1_bias', 'conv3x3_dil2_p2', 'conv3x3_groups2', 'conv3x3_depthwise', 'conv1x1'];
  it.each(convCases)('Conv2d %s', (name) => {
    const c = byName(name);
    const [o, i] = c.state_dict.weight!.shape as [number, number];
    const conv = new Conv2d(i * (c.groups as number), o, c.kernel as number, {
      stride: c.stride as number,
      padding: c.padding as number,
      dilation: c.dilation as number,
      groups: c.groups as number,
      bias: c.bias as boolean,
    });
    conv.loadStateDict(toStateDict(c));
    const before = tf.memory().numTensors;
    expect(runCase(c, (x) => conv.predict(x))).toBeLessThan(1e-5);
    expect(tf.memory().numTensors).toBe(before);
    // the state dict round-trips to PyTorch layout exactly
    const back = conv.stateDict().get('weight')!;
    expect(Array.from(back.data)).toEqual(Array.from(Float32Array.from(c.state_dict.weight!.data)));
    conv.dispose();
  });

  it('BatchNorm2d uses eps 1e-5 and running statistics', () => {
    const c = byName('batchnorm');
    const bn = new BatchNorm2d(6);
    bn.loadStateDict(toStateDict(c));
    expect(runCase(c, (x) => bn.predict(x))).toBeLessThan(1e-5);
    bn.dispose();
  });

  it('GroupNorm', () => {
    const c = byName('groupnorm');
    const gn = new GroupNorm(3, 6);
    gn.loadStateDict(toStateDict(c));
    expect(runCase(c, (x) => gn.predict(x))).toBeLessThan(1e-5);
    gn.dispose();
  });

  it('Sequential(conv, bn, relu) before and after fusion', () => {
    const c = byName('conv_bn_relu');
    const seq = new Sequential(new Conv2d(6, 4, 3, { stride: 2, padding: 1, bias: false }), new BatchNorm2d(4), new ReLU());
    seq.loadStateDict(toStateDict(c));
    expect(runCase(c, (x) => seq.predict(x))).toBeLessThan(1e-5);
    seq.fuse();
    expect((seq.layers[0] as Conv2d).isFolded).toBe(true);
    expect(runCase(c, (x) => seq.predict(x))).toBeLessThan(1e-5);
    // fusion keeps the PyTorch state dict
    expect([...seq.stateDict().keys()]).toEqual(['0.weight', '1.weight', '1.bias', '1.running_mean', '1.running_var', '1.num_batches_tracked']);
    seq.dispose();
  });

  it('Linear and global average pooling', () => {
    const lin = byName('linear');
    const layer = new Linear(6, 3);
    layer.loadStateDict(toStateDict(lin));
    const y = layer.predict(tf.tensor2d(lin.input.data, lin.input.shape as [number, number]));
    expect(compare(y.dataSync(), lin.output.data).relative).toBeLessThan(1e-5);
    y.dispose();
    layer.dispose();
    const gap = byName('global_avg_pool');
    const pooled = tf.tidy(() => globalAvgPool(nchwToNhwc(host(gap.input))).dataSync());
    expect(compare(pooled, gap.output.data).relative).toBeLessThan(1e-5);
  });

  it.each(['bilinear_align_false', 'bilinear_align_true', 'bilinear_down_align_false'])('resizeBilinear %s', (name) => {
    const c = byName(name);
    expect(runCase(c, (x) => resizeBilinear(x, c.size as [number, number], c.align_corners as boolean))).toBeLessThan(1e-5);
  });

  it('upsampleNearest by 4', () => {
    const c = byName('nearest_x4');
    expect(runCase(c, (x) => upsampleNearest(x, 4))).toBe(0);
  });
});

describe('Module', () => {
  beforeAll(() => useBackend('cpu'));

  const seq = (): Module => new Sequential(new Conv2d(3, 4, 3, { padding: 1, bias: false }), new BatchNorm2d(4), new ReLU());

  it('names tensors as PyTorch and counts parameters', () => {
    const m = seq();
    expect([...m.shapes()]).toEqual([
      ['0.weight', [4, 3, 3, 3]],
      ['1.weight', [4]],
      ['1.bias', [4]],
      ['1.running_mean', [4]],
      ['1.running_var', [4]],
      ['1.num_batches_tracked', []],
    ]);
    expect(m.numParameters()).toBe(4 * 3 * 9 + 8);
    m.dispose();
  });

  it('strict load reports missing and unexpected keys; wrong shapes name the key and both shapes', () => {
    const m = seq();
    const sd = m.stateDict();
    sd.delete('1.running_var');
    sd.set('2.weight', { dtype: 'float32', shape: [1], data: new Float32Array(1) });
    expect(() => m.loadStateDict(sd)).toThrowError(/missing keys \(1\): 1\.running_var.*unexpected keys \(1\): 2\.weight/);
    const loose = m.loadStateDict(sd, { strict: false });
    expect(loose).toEqual({ missing: ['1.running_var'], unexpected: ['2.weight'] });
    const bad = m.stateDict();
    bad.set('0.weight', { dtype: 'float32', shape: [4, 3, 1, 1], data: new Float32Array(12) });
    try {
      m.loadStateDict(bad, { strict: false });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(StateDictError);
      expect((e as Error).message).toContain('0.weight expected [4, 3, 3, 3] found [4, 3, 1, 1]');
    }
    m.dispose();
  });

  it('num_batches_tracked may be absent from a checkpoint', () => {
    const m = seq();
    const sd = m.stateDict();
    sd.delete('1.num_batches_tracked');
    expect(m.loadStateDict(sd).missing).toEqual([]);
    m.dispose();
  });

  it('leaks nothing: predict, load, fuse and dispose', () => {
    const before = tf.memory().numTensors;
    const m = seq();
    const sd = m.stateDict();
    m.loadStateDict(sd);
    const x = tf.ones([1, 5, 5, 3]);
    m.predict(x).dispose();
    m.fuse();
    m.predict(x).dispose();
    x.dispose();
    m.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('releaseUnfusedWeights frees what a fused model no longer reads; outputs unchanged, state dict refused', () => {
    const m = seq();
    const x = tf.randomNormal([1, 6, 6, 3]);
    m.fuse();
    const before = m.predict(x);
    const bytes = tf.memory().numBytes;
    expect(releaseUnfusedWeights(m)).toBe((4 * 3 * 9 + 4 * 4) * 4); // conv weight + BN weight, bias, mean, var
    expect(tf.memory().numBytes).toBe(bytes - (4 * 3 * 9 + 4 * 4) * 4);
    const after = m.predict(x);
    expect(compare(after.dataSync(), before.dataSync()).maxAbsDiff).toBe(0);
    expect(() => m.stateDict()).toThrowError(StateDictError);
    expect(() => m.stateDict()).toThrowError(/fused for inference and its unfused weights released \(first: 0\.weight\)/);
    expect(() => m.loadStateDict(new Map())).toThrowError(StateDictError);
    tf.dispose([x, before, after]);
    m.dispose();
  });

  it('rejects inputs with the wrong channel count', () => {
    const conv = new Conv2d(3, 4, 3);
    expect(() => conv.predict(tf.zeros([1, 4, 4, 2]))).toThrowError(ShapeError);
    conv.dispose();
  });

  it('counts conv and linear multiply-adds', () => {
    const conv = new Conv2d(3, 8, 3, { stride: 2, padding: 1 });
    expect(countMultiplyAdds(() => conv.predict(tf.zeros([2, 8, 6, 3])))).toBe(2 * 4 * 3 * 8 * 3 * 9);
    conv.dispose();
  });
});
