import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { readNpy } from '@hrnetjs/core';
import { NODE_TEST_BACKENDS, compare, nhwcToNchw, useBackend } from '@hrnetjs/core/testing';
import { createBottomUpPoseModel, parseBottomUpYaml } from '../src/index.js';
import { hashedImage, smallNetwork, yaml } from './helpers/bottom-up.js';

const dir = new URL('./fixtures/higherhrnet_small/', import.meta.url);
const bytes = (f: string) => new Uint8Array(readFileSync(new URL(f, dir)));
const TOL = 1e-5;

describe('higherhrnet_small config', () => {
  beforeAll(() => useBackend('cpu'));

  it('reads the official YAML keys: deconv head, loss stages and TEST', () => {
    const c = parseBottomUpYaml(yaml);
    expect(c.deconv).toEqual({ numDeconvs: 1, numChannels: [32], kernelSize: [4], numBasicBlocks: 4, catOutput: [true] });
    expect(c.withAeLoss).toEqual([true, false]);
    expect(c.test).toMatchObject({ flipTest: true, detectionThreshold: 0.1, nmsKernel: 5, nmsPadding: 2, project2image: true,
      withHeatmaps: [true, true], withAe: [true, false], tagThreshold: 1, useDetectionVal: true, ignoreTooMuch: false, maxNumPeople: 30 });
    expect(c.inputSize).toBe(64);
  });

  it('has the official key set: 766 keys, 1,074,739 parameters (the official state_dict)', () => {
    const model = createBottomUpPoseModel(yaml);
    const sd = model.stateDict();
    expect(sd.size).toBe(766);
    let params = 0;
    for (const [k, t] of sd) if (!/running_|num_batches/.test(k)) params += t.data.length;
    expect(params).toBe(1074739);
    expect(sd.get('deconv_layers.0.0.0.weight')!.shape).toEqual([42, 32, 4, 4]);
    expect(sd.get('final_layers.0.weight')!.shape).toEqual([34, 8, 1, 1]);
    expect(sd.get('final_layers.1.weight')!.shape).toEqual([17, 32, 1, 1]);
    expect(sd.has('deconv_layers.0.4.0.bn2.running_var')).toBe(true);
    model.dispose();
  });
});

describe.each(NODE_TEST_BACKENDS)('higherhrnet_small network golden (%s)', (backend) => {
  beforeAll(() => useBackend(backend));

  it('both outputs equal the official forward, before and after fuse()', () => {
    const model = smallNetwork();
    const x = hashedImage('input', [1, 3, 64, 96]);
    const expected = [readNpy(bytes('output_0.npy')), readNpy(bytes('output_1.npy'))];
    for (const fused of [false, true]) {
      if (fused) model.fuse();
      const before = tf.memory().numTensors;
      const out = model.predict(x);
      expect(out.map((t) => t.shape)).toEqual([[1, 16, 24, 34], [1, 32, 48, 17]]);
      out.forEach((t, i) => {
        const c = compare(nhwcToNchw(t), expected[i]!.data);
        expect(c.maxAbsRef).toBeGreaterThan(10);
        expect(c.relative, `output_${i} fused=${fused}`).toBeLessThan(TOL);
      });
      tf.dispose(out);
      expect(tf.memory().numTensors).toBe(before);
    }
    x.dispose();
    model.dispose();
  });
});
