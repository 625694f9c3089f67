import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, countMultiplyAdds } from '@hrnetjs/core';
import { useBackend } from '@hrnetjs/core/testing';
import { COCO_KEYPOINTS, MPII_KEYPOINTS, POSE_PRESETS, createPoseModel, parsePoseYaml, posePresetConfig } from '../src/index.js';

interface Manifest {
  param_count: number;
  state_dict: Record<string, number[]>;
  conv_linear_multiply_adds: Record<string, number>;
}
const fixture = (p: string) => readFileSync(new URL(`./fixtures/${p}`, import.meta.url), 'utf8');

describe('pose presets', () => {
  beforeAll(() => useBackend('wasm'));

  it('coco_w32_256x192 has the official keys in order, shapes, parameter count and 7.645e9 multiply-adds', () => {
    const manifest = JSON.parse(fixture('manifests/pose_coco_w32_256x192.json')) as Manifest;
    const model = createPoseModel('coco_w32_256x192');
    expect([...model.shapes()]).toEqual(Object.entries(manifest.state_dict));
    expect(model.numParameters()).toBe(manifest.param_count);
    const x = tf.zeros([1, 256, 192, 3]);
    const macs = countMultiplyAdds(() => model.predict(x));
    expect(macs).toBe(manifest.conv_linear_multiply_adds['256x192']);
    expect(macs).toBe(7_645_003_776);
    x.dispose();
    model.dispose();
  });

  it.each(Object.entries(POSE_PRESETS))('%s equals its official YAML (input size, joints, trunk)', (name, spec) => {
    const file = `configs/pose_${name}.yaml`;
    expect(fixture(file).split('\n')[0]).toContain(spec.config);
    expect(parsePoseYaml(fixture(file))).toEqual(posePresetConfig(name));
    const c = posePresetConfig(name);
    expect(c.imageSize).toEqual(spec.imageSize);
    expect(c.heatmapSize).toEqual([spec.imageSize[0] / 4, spec.imageSize[1] / 4]);
    expect(c.numJoints).toBe((spec.dataset === 'coco' ? COCO_KEYPOINTS : MPII_KEYPOINTS).names.length);
    expect(spec.checkpoint).toMatch(new RegExp(`^pose_${spec.dataset}/pose_hrnet_${spec.width}_${spec.imageSize[1]}x${spec.imageSize[0]}\\.pth$`));
  });

  it('accepts the short names and rejects unknown ones with the list', () => {
    expect(posePresetConfig('w48_384x288')).toEqual(posePresetConfig('coco_w48_384x288'));
    expect(() => posePresetConfig('w18_256x192')).toThrow(ConfigError);
    expect(() => posePresetConfig('w18_256x192')).toThrow(/coco_w32_256x192/);
  });
});

describe('keypoint sets', () => {
  it('COCO-17 and MPII-16 are the official names, flip pairs and sigmas', () => {
    expect(COCO_KEYPOINTS.names).toHaveLength(17);
    expect(COCO_KEYPOINTS.skeleton).toHaveLength(19);
    expect(COCO_KEYPOINTS.sigmas).toHaveLength(17);
    expect(COCO_KEYPOINTS.sigmas![0]).toBe(0.26 / 10); // numpy: np.array([.26, …]) / 10.0
    // every flip pair is a left/right pair of the same body part
    for (const set of [COCO_KEYPOINTS, MPII_KEYPOINTS]) {
      for (const [a, b] of set.flipPairs) {
        const [na, nb] = [set.names[a]!, set.names[b]!];
        expect(na.replace(/^(left|right)_/, '')).toBe(nb.replace(/^(left|right)_/, ''));
        expect(na).not.toBe(nb);
      }
      for (const [a, b] of set.skeleton) expect(Math.max(a, b)).toBeLessThan(set.names.length);
    }
    expect(MPII_KEYPOINTS.names).toHaveLength(16);
    expect(MPII_KEYPOINTS.skeleton).toHaveLength(15);
    expect(MPII_KEYPOINTS.flipPairs).toEqual([[0, 5], [1, 4], [2, 3], [10, 15], [11, 14], [12, 13]]);
  });
});
