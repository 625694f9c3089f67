import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { countMultiplyAdds } from '@hrnetjs/core';
import { useBackend } from '@hrnetjs/core/testing';
import { BOTTOM_UP_PRESETS, bottomUpPresetConfig, createBottomUpPoseModel, parseBottomUpYaml } from '../src/index.js';

interface Manifest {
  param_count: number;
  state_dict_num_keys: number;
  state_dict: Record<string, number[]>;
  conv_linear_multiply_adds: Record<string, number>;
  output_shapes: Record<string, number[][]>;
}
const fixture = (p: string) => readFileSync(new URL(`./fixtures/${p}`, import.meta.url), 'utf8');

describe('bottom-up presets', () => {
  beforeAll(() => useBackend('wasm'));

  it('higherhrnet_w32_512 has the official keys in order, shapes, 28,645,331 parameters and the official multiply-adds', () => {
    // manifest from the official PoseHigherResolutionNet with the official w32_512 YAML (see manifests/HIGHERHRNET.md)
    const manifest = JSON.parse(fixture('manifests/higherhrnet_w32_512.json')) as Manifest;
    const model = createBottomUpPoseModel('higherhrnet_w32_512');
    expect([...model.shapes()]).toEqual(Object.entries(manifest.state_dict));
    expect(model.shapes().size).toBe(1810);
    expect(model.numParameters()).toBe(manifest.param_count);
    expect(model.numParameters()).toBe(28_645_331);
    // 128x128 rather than 512x512 keeps the test quick; every map size divides evenly, so 512 is exactly 16x
    const x = tf.zeros([1, 128, 128, 3]);
    let shapes: number[][] = [];
    const macs = countMultiplyAdds(() => {
      const out = model.predict(x);
      shapes = out.map((t) => t.shape);
      return out;
    });
    expect(macs).toBe(manifest.conv_linear_multiply_adds['128x128']);
    expect(16 * macs).toBe(manifest.conv_linear_multiply_adds['512x512']);
    expect(16 * macs).toBe(46_203_404_288);
    // NHWC here, NCHW in the manifest
    expect(shapes).toEqual(manifest.output_shapes['128x128']!.map(([n, c, h, w]) => [n, h, w, c]));
    x.dispose();
    model.dispose();
  });

  it('higherhrnet_w32_640 is the same network (only the input size differs)', () => {
    const manifest = JSON.parse(fixture('manifests/higherhrnet_w32_512.json')) as Manifest;
    const model = createBottomUpPoseModel('w32_640');
    expect([...model.shapes()]).toEqual(Object.entries(manifest.state_dict));
    expect(model.bottomUpConfig.inputSize).toBe(640);
    model.dispose();
  });

  it.each(Object.entries(BOTTOM_UP_PRESETS))('%s equals its official YAML', (name, spec) => {
    const text = fixture(`configs/${name}.yaml`);
    expect(text.split('\n')[0]).toContain(spec.config);
    expect(parseBottomUpYaml(text)).toEqual(bottomUpPresetConfig(name));
  });
});
