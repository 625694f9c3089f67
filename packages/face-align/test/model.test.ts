import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { ConfigError, countMultiplyAdds, normalizeStateDictKeys } from '@hrnetjs/core';
import { readCheckpointFile } from '@hrnetjs/core/node';
import { useBackend } from '@hrnetjs/core/testing';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { FACE_PRESETS, SCHEMES, createFaceAlignmentModel, facePresetConfig, parseFaceYaml } from '../src/index.js';

interface Manifest {
  param_count: number;
  state_dict: Record<string, number[]>;
  conv_linear_multiply_adds: Record<string, number>;
  num_joints: number;
}
const manifest = JSON.parse(readFileSync(new URL('./fixtures/manifests/face_w18_300w.json', import.meta.url), 'utf8')) as Manifest;
const yaml = (name: string) => readFileSync(new URL(`./fixtures/configs/face_w18_${name}.yaml`, import.meta.url), 'utf8');

describe('face presets', () => {
  beforeAll(() => useBackend('wasm'));

  it('300w has exactly the official keys, shapes and order, parameter count and multiply-adds', () => {
    const model = createFaceAlignmentModel('300w');
    expect([...model.shapes()]).toEqual(Object.entries(manifest.state_dict));
    expect(model.numParameters()).toBe(manifest.param_count);
    expect(model.numLandmarks).toBe(manifest.num_joints);
    const macs = countMultiplyAdds(() => model.predict(tf.zeros([1, 256, 256, 3])));
    expect(macs).toBe(manifest.conv_linear_multiply_adds['256x256']);
    model.dispose();
  });

  it.each(FACE_PRESETS)('the official %s YAML builds the preset (landmarks from the scheme)', (name) => {
    const fromYaml = parseFaceYaml(yaml(name));
    const preset = facePresetConfig(name);
    expect(fromYaml).toEqual(preset);
    expect(preset.numLandmarks).toBe(SCHEMES[name].numLandmarks);
    const a = createFaceAlignmentModel(yaml(name));
    const b = createFaceAlignmentModel(name);
    expect([...a.shapes()]).toEqual([...b.shapes()]);
    // only the last conv depends on the dataset
    expect(a.shapes().get('head.3.weight')).toEqual([SCHEMES[name].numLandmarks, 270, 1, 1]);
    a.dispose();
    b.dispose();
  });

  it('accepts the usual spellings of a preset and rejects unknown ones', () => {
    for (const n of ['w18_300w', 'face_w18_300w', 'HR18-300W', 'hrnetv2_w18_300w', 'face_alignment_300w_hrnet_w18', '300W']) {
      expect(facePresetConfig(n).dataset).toBe('300w');
    }
    expect(facePresetConfig('HR18-WFLW.pth').numLandmarks).toBe(98);
    expect(() => facePresetConfig('w32_300w')).toThrow(ConfigError);
    expect(() => facePresetConfig('menpo')).toThrow(/expected one of 300w, wflw, cofw, aflw/);
  });

  it('rejects YAMLs whose landmark count contradicts the dataset, or that are malformed', () => {
    expect(() => parseFaceYaml(yaml('wflw').replace('NUM_JOINTS: 98', 'NUM_JOINTS: 68'))).toThrow(/WFLW has 98 landmarks, found 68/);
    expect(() => parseFaceYaml(yaml('300w').replace('FINAL_CONV_KERNEL: 1', 'FINAL_CONV_KERNEL: 5'))).toThrow(ConfigError);
    expect(() => parseFaceYaml('MODEL: [')).toThrow(ConfigError);
    // a custom landmark set keeps its count
    const custom = parseFaceYaml(yaml('300w').replace('DATASET: 300W', 'DATASET: MINE').replace('NUM_JOINTS: 68', 'NUM_JOINTS: 5'));
    expect(custom.dataset).toBe('custom');
    expect(custom.numLandmarks).toBe(5);
  });

  it("HR18-300W.pth's `module.` prefix: the core key rules make such a state dict load", async () => {
    const sd = await readCheckpointFile(fileURLToPath(new URL('./fixtures/face_small/weights.pth', import.meta.url)));
    const wrapped = new Map([...sd].map(([k, v]) => [`module.${k}`, v]));
    const model = createFaceAlignmentModel(readFileSync(new URL('./fixtures/face_small/config.yaml', import.meta.url), 'utf8'));
    expect(() => model.loadStateDict(wrapped)).toThrow(/missing/);
    expect(model.loadStateDict(normalizeStateDictKeys(wrapped))).toEqual({ missing: [], unexpected: [] });
    model.dispose();
  });
});
