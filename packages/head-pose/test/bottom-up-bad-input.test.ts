import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, InputError, type StateDict, StateDictError } from '@hrnetjs/core';
import { hashedStateDict, useBackend } from '@hrnetjs/core/testing';
import {
  type MultiPoseEstimator,
  checkpointPoseKind,
  createBottomUpPoseModel,
  createMultiPoseEstimator,
  createPoseEstimator,
  createPoseModel,
} from '../src/index.js';
import { yaml } from './helpers/bottom-up.js';

const topDownYaml = readFileSync(new URL('./fixtures/pose_small/config.yaml', import.meta.url), 'utf8');

function hashed(shapesOf: { stateDict(): StateDict; dispose(): void }, zeroHeads = false): StateDict {
  const shapes = [...shapesOf.stateDict()].map(([k, t]) => [k, t.shape] as [string, number[]]);
  shapesOf.dispose();
  const sd = hashedStateDict(shapes);
  if (zeroHeads) for (const [k, t] of sd) if (k.startsWith('final_layers.')) t.data.fill(0);
  return sd;
}
const prefixed = (sd: StateDict, head: (k: string) => boolean) =>
  new Map([...sd].map(([k, t]) => [head(k) ? `keypoint_head.${k}` : `backbone.${k}`, t])) as StateDict;

describe('bottom-up bad input (cpu)', () => {
  let est: MultiPoseEstimator;
  let blank: MultiPoseEstimator;
  beforeAll(async () => {
    await useBackend('cpu');
    est = await createMultiPoseEstimator({ model: yaml, weights: hashed(createBottomUpPoseModel(yaml)) });
    // all-zero final layers: every heatmap is 0, below every detection threshold
    blank = await createMultiPoseEstimator({ model: yaml, weights: hashed(createBottomUpPoseModel(yaml), true) });
  });
  afterAll(() => {
    est.dispose();
    blank.dispose();
  });

  it('an image smaller than the stride (32) on either side is an InputError naming its size; 32x32 runs', async () => {
    for (const [h, w] of [[31, 64], [64, 31], [1, 1]] as const) {
      const x = tf.zeros([h, w, 3]) as tf.Tensor3D;
      await expect(est.estimatePoses(x)).rejects.toThrow(InputError);
      await expect(est.estimatePoses(x)).rejects.toThrow(`${w}x${h} is smaller than the network stride (32 pixels)`);
      x.dispose();
    }
    const zero = tf.zeros([0, 0, 3]) as tf.Tensor3D;
    await expect(est.estimatePoses(zero)).rejects.toThrow(InputError);
    zero.dispose();
    const ok = tf.zeros([32, 32, 3]) as tf.Tensor3D;
    const before = tf.memory().numTensors;
    const people = await est.estimatePoses(ok, { flipTest: false });
    expect(tf.memory().numTensors).toBe(before);
    for (const p of people) for (const k of p.keypoints) expect(Number.isFinite(k.x) && Number.isFinite(k.y)).toBe(true);
    ok.dispose();
  });

  it('NaN or infinite pixels (tensor or pixel data) are InputErrors, and nothing leaks', async () => {
    const before = tf.memory().numTensors;
    for (const v of [NaN, Infinity, -Infinity]) {
      const x = tf.fill([64, 64, 3], v) as tf.Tensor3D;
      await expect(est.estimatePoses(x)).rejects.toThrow(/NaN or infinite/);
      x.dispose();
    }
    const data = new Float32Array(64 * 64 * 3).fill(100);
    data[5000] = NaN;
    await expect(est.estimatePoses({ data, width: 64, height: 64, channels: 3 } as never)).rejects.toThrow(InputError);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('no person found → [] (plain and flipped), and maxPeople 0 on an image with people', async () => {
    const x = tf.randomUniform([32, 48, 3], 0, 255, 'float32', 1) as tf.Tensor3D;
    expect(await blank.estimatePoses(x, { flipTest: false })).toEqual([]);
    expect(await blank.estimatePoses(x, { flipTest: true })).toEqual([]);
    expect((await est.estimatePoses(x, { flipTest: false })).length).toBeGreaterThan(0);
    expect(await est.estimatePoses(x, { flipTest: false, maxPeople: 0 })).toEqual([]);
    x.dispose();
  });
});

describe('top-down and bottom-up pose mixed up (cpu)', () => {
  beforeAll(() => useBackend('cpu'));
  const both = /PoseHighResolutionNet.*PoseHigherResolutionNet|PoseHigherResolutionNet.*PoseHighResolutionNet/;

  it('tells the kinds of checkpoint apart, with or without the mmpose prefixes', () => {
    const td = hashed(createPoseModel(topDownYaml));
    const bu = hashed(createBottomUpPoseModel(yaml));
    expect(checkpointPoseKind(td.keys())).toBe('top-down');
    expect(checkpointPoseKind(bu.keys())).toBe('bottom-up');
    expect(checkpointPoseKind(prefixed(td, (k) => k.startsWith('final_layer')).keys())).toBe('top-down');
    expect(checkpointPoseKind(prefixed(bu, (k) => /^(final|deconv)_layers/.test(k)).keys())).toBe('bottom-up');
    expect(checkpointPoseKind(['conv1.weight', 'classifier.weight'])).toBeUndefined();
  });

  it('a top-down checkpoint given to the bottom-up model is a StateDictError naming both (official and mmpose layouts)', async () => {
    const td = hashed(createPoseModel(topDownYaml));
    for (const weights of [td, prefixed(td, (k) => k.startsWith('final_layer'))]) {
      const err = await createMultiPoseEstimator({ model: yaml, weights }).catch((e) => e);
      expect(err).toBeInstanceOf(StateDictError);
      expect(err.message).toMatch(/top-down pose checkpoint \(PoseHighResolutionNet .*not a bottom-up PoseHigherResolutionNet/);
      expect(err.message).toContain('use createPoseEstimator');
    }
    expect(tf.memory().numTensors).toBe(0);
  });

  it('a bottom-up checkpoint given to the top-down model is a StateDictError naming both', async () => {
    const bu = hashed(createBottomUpPoseModel(yaml));
    for (const weights of [bu, prefixed(bu, (k) => /^(final|deconv)_layers/.test(k))]) {
      const err = await createPoseEstimator({ model: topDownYaml, weights }).catch((e) => e);
      expect(err).toBeInstanceOf(StateDictError);
      expect(err.message).toMatch(/bottom-up pose checkpoint \(PoseHigherResolutionNet .*not a top-down PoseHighResolutionNet/);
      expect(err.message).toContain('use createMultiPoseEstimator');
    }
  });

  it('a network, zoo name, preset or YAML of the other kind is a ConfigError naming the right factory', async () => {
    const td = createPoseModel(topDownYaml);
    const bu = createBottomUpPoseModel(yaml);
    for (const model of [td, 'pose_hrnet_w32_coco_256x192', 'coco_w32_256x192', 'w48_384x288', 'litehrnet_18_coco_256x192']) {
      const err = await createMultiPoseEstimator({ model: model as never, weights: null }).catch((e) => e);
      expect(err, String(model)).toBeInstanceOf(ConfigError);
      expect(err.message).toMatch(both);
      expect(err.message).toContain('pass it to createPoseEstimator');
    }
    for (const model of [bu, 'pose_higher_hrnet_w32_512', 'higherhrnet_w48_640', 'w32_640']) {
      const err = await createPoseEstimator({ model: model as never, weights: null }).catch((e) => e);
      expect(err, String(model)).toBeInstanceOf(ConfigError);
      expect(err.message).toMatch(both);
      expect(err.message).toContain('pass it to createMultiPoseEstimator');
    }
    await expect(createMultiPoseEstimator({ model: topDownYaml, weights: null })).rejects.toThrow(/not a HigherHRNet .*createPoseModel/);
    await expect(createPoseEstimator({ model: yaml, weights: null })).rejects.toThrow(/HigherHRNet \(bottom-up\) config.*createMultiPoseEstimator/);
    // the caller's networks stay the caller's
    expect(td.stateDict().size).toBeGreaterThan(0);
    td.dispose();
    bu.dispose();
  });
});
