import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { BatchNorm2d, ConvTranspose2d, ShapeError } from '../../src/index.js';
import { NODE_TEST_BACKENDS, compare, hashedInput, hashedStateDict, nhwcToNchw, useBackend } from '../../src/testing.js';

/** torch.nn.ConvTranspose2d outputs (torch 1.13, hashed weights and inputs; see the fixture README). */
interface Case {
  inChannels: number;
  outChannels: number;
  kernel: number;
  stride: number;
  padding: number;
  outputPadding: number;
  bias: boolean;
  inputShape: [number, number, number, number];
  outputShape: number[];
  output: number[];
}
const cases: Case[] = JSON.parse(readFileSync(new URL('../fixtures/nn/conv_transpose.json', import.meta.url), 'utf8'));

function build(c: Case): ConvTranspose2d {
  const layer = new ConvTranspose2d(c.inChannels, c.outChannels, c.kernel, {
    stride: c.stride, padding: c.padding, outputPadding: c.outputPadding, bias: c.bias,
  });
  const shapes = [...layer.stateDict()].map(([k, t]) => [k, t.shape] as [string, number[]]);
  layer.loadStateDict(hashedStateDict(shapes));
  return layer;
}

function input(c: Case): tf.Tensor4D {
  const [n, ch, h, w] = c.inputShape;
  return tf.tidy(() => tf.transpose(tf.tensor4d(hashedInput('deconv_input', n * ch * h * w), [n, ch, h, w]), [0, 2, 3, 1]));
}

describe.each(NODE_TEST_BACKENDS)('ConvTranspose2d (%s)', (backend) => {
  beforeAll(() => useBackend(backend));

  it.each(cases.map((c) => [`k${c.kernel} s${c.stride} p${c.padding} op${c.outputPadding} bias ${c.bias}`, c] as const))(
    'equals torch.nn.ConvTranspose2d: %s',
    (_, c) => {
      const layer = build(c);
      const x = input(c);
      const before = tf.memory().numTensors;
      const y = layer.forward(x);
      expect(y.shape).toEqual([c.outputShape[0], c.outputShape[2], c.outputShape[3], c.outputShape[1]]);
      expect(layer.outputSize(c.inputShape[2], c.inputShape[3])).toEqual([c.outputShape[2], c.outputShape[3]]);
      expect(compare(nhwcToNchw(y), c.output).relative).toBeLessThan(1e-6);
      y.dispose();
      expect(tf.memory().numTensors).toBe(before);
      // state dict round trip: PyTorch IOHW shape
      expect(layer.stateDict().get('weight')!.shape).toEqual([c.inChannels, c.outChannels, c.kernel, c.kernel]);
      x.dispose();
      layer.dispose();
    },
  );

  it('folds a BatchNorm and ReLU into one op with the same result', () => {
    const c = cases[1]!;
    const layer = build(c);
    const bn = new BatchNorm2d(c.outChannels);
    bn.loadStateDict(hashedStateDict([...bn.stateDict()].map(([k, t]) => [k, t.shape] as [string, number[]])));
    const x = input(c);
    const plain = layer.forwardWith(x, bn, 'relu');
    layer.foldBatchNorm(bn, 'relu');
    expect(layer.isFolded).toBe(true);
    const folded = layer.forward(x);
    expect(compare(folded.dataSync(), plain.dataSync()).relative).toBeLessThan(1e-6);
    // a BatchNorm with non-trivial statistics really changed the output
    expect(compare(plain.dataSync(), tf.relu(tf.tensor(c.output)).dataSync()).relative).toBeGreaterThan(1e-3);
    tf.dispose([x, plain, folded]);
    layer.dispose();
    bn.dispose();
  });
});

describe('ConvTranspose2d options', () => {
  it('rejects output_padding ≥ stride, padding > k − 1 and a wrong channel count', () => {
    expect(() => new ConvTranspose2d(2, 2, 3, { stride: 2, outputPadding: 2 })).toThrow(ShapeError);
    expect(() => new ConvTranspose2d(2, 2, 3, { stride: 2, padding: 3 })).toThrow(ShapeError);
    const layer = new ConvTranspose2d(2, 3, 4, { stride: 2, padding: 1 });
    expect(() => layer.forward(tf.zeros([1, 4, 4, 5]))).toThrow(/2 channels/);
    layer.dispose();
  });
});
