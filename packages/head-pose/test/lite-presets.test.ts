import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, KEY_MAPPINGS, applyZooKeyMapping, countMultiplyAdds, type StateDict } from '@hrnetjs/core';
import { useBackend } from '@hrnetjs/core/testing';
import type { LiteHRModule } from '@hrnetjs/hrnet-backbone';
import { LITE_POSE_PRESETS, PoseLiteHRNet, createPoseModel, litePosePresetConfig, litePosePresetName, parseLitePoseConfig } from '../src/index.js';
import { readPythonConfig } from '@hrnetjs/hrnet-backbone';

// Key manifests made by the official code (HRNet/Lite-HRNet `LiteHRNet` + mmpose 0.13 `TopDownSimpleHead`) from the
// official configs: every state_dict key and shape, the parameter count and the conv multiply-adds (see
// fixtures/manifests/LITEHRNET.md).
interface Manifest {
  preset: string;
  config: string;
  param_count: number;
  num_joints: number;
  image_size: [number, number];
  conv_multiply_adds: Record<string, number>;
  state_dict: Record<string, number[]>;
}
const manifest = (name: string): Manifest =>
  JSON.parse(gunzipSync(readFileSync(new URL(`./fixtures/manifests/${name}.json.gz`, import.meta.url))).toString('utf8'));

/**
 * The manifest's keys through mmpose's key rule (what a published checkpoint becomes before the strict load; core's
 * key rules drop the `num_batches_tracked` counters, which inference never reads).
 */
function mappedShapes(m: Manifest): [string, number[]][] {
  const sd: StateDict = new Map(
    Object.entries(m.state_dict).map(([k, shape]) => [k, { dtype: 'float32', shape, data: new Float32Array(0) }] as const),
  );
  return [...applyZooKeyMapping(sd, KEY_MAPPINGS['mmpose-pose']!)].map(([k, t]) => [k, [...t.shape]]);
}

/** The parameter counts the brief and the official summaries give (COCO 17 joints / MPII 16). */
const PARAMS: Record<string, number> = {
  litehrnet_18_coco_256x192: 1_130_769,
  litehrnet_18_coco_384x288: 1_130_769,
  litehrnet_30_coco_256x192: 1_763_717,
  litehrnet_30_coco_384x288: 1_763_717,
  litehrnet_18_mpii_256x256: 1_130_728,
  litehrnet_30_mpii_256x256: 1_763_676,
};

describe('Lite-HRNet pose presets', () => {
  beforeAll(() => useBackend('wasm'));

  it.each(Object.entries(LITE_POSE_PRESETS))('%s has the official keys in order, shapes, parameters and multiply-adds (less one redundant official pass)', (name, spec) => {
    const m = manifest(name);
    expect(m.config).toContain(spec.config);
    const model = createPoseModel(name) as PoseLiteHRNet;
    expect(model).toBeInstanceOf(PoseLiteHRNet);
    const ours = [...model.shapes()];
    expect(ours.filter(([k]) => !k.endsWith('.num_batches_tracked'))).toEqual(mappedShapes(m));
    // every key, counters included, is the official one without the `backbone.` / `keypoint_head.` scope
    expect(ours.map(([k]) => k)).toEqual(Object.keys(m.state_dict).map((k) => k.replace(/^(backbone|keypoint_head)\./, '')));
    expect(model.numParameters()).toBe(m.param_count);
    expect(model.numParameters()).toBe(PARAMS[name]);
    expect(model.poseConfig.numJoints).toBe(m.num_joints);
    expect(model.poseConfig.imageSize).toEqual(m.image_size);
    expect(model.poseConfig.heatmapSize).toEqual([m.image_size[0] / 4, m.image_size[1] / 4]);
    const [w, h] = m.image_size;
    const x = tf.zeros([1, h, w, 3]);
    const before = tf.memory().numTensors;
    const macs = countMultiplyAdds(() => model.predict(x));
    // The official fuse runs each row's first path f_i0 twice on the same input (`y = f_i0(out[0]); y += f_i0(out[0])`,
    // see LiteHRModule.forward); we run it once and double it. So ours = official − one pass of every f_i0.
    let twice = 0;
    model.stages.forEach((stage, s) => {
      const c0 = model.config.stages[s]!.numChannels[0]!;
      for (const module of stage.layers as unknown as LiteHRModule[]) {
        for (let i = 1; i < module.fuseLayers!.length; i++) {
          const f = module.fuseLayers!.at(i)!.at(0)!;
          twice += countMultiplyAdds(() => f.forward(tf.zeros([1, h / 4, w / 4, c0])));
        }
      }
    });
    expect(twice).toBeGreaterThan(0);
    expect(macs + twice).toBe(m.conv_multiply_adds[`${h}x${w}`]);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    model.dispose();
  });

  it.each(Object.entries(LITE_POSE_PRESETS))('%s equals its official config file (read as it is)', (name, spec) => {
    const text = readFileSync(new URL(`./fixtures/configs/${name}.py`, import.meta.url), 'utf8');
    expect(text.split('\n')[0]).toContain(spec.config);
    expect(parseLitePoseConfig(text)).toEqual(litePosePresetConfig(name));
    const model = createPoseModel(text);
    expect(model).toBeInstanceOf(PoseLiteHRNet);
    expect(model.numParameters()).toBe(PARAMS[name]);
    model.dispose();
  });

  it('the Python config reader: literals, dict(), names, subscripts, list(range()); what it cannot read is a ConfigError', () => {
    const text = [
      "a = dict(x=1, y=(2, 3), z=[4.5, -1e-3], s='q#x', t=True, n=None)  # comment",
      "b = {'k': a['y'][1], 'r': list(range(3)), 'one': (7), 'cat': 'x'\n  \"y\"}",
      "c = f'{a}/x'",
      'd = a["z"][-1]',
    ].join('\n');
    expect(readPythonConfig(text, ['a', 'b', 'd'])).toEqual({
      a: { x: 1, y: [2, 3], z: [4.5, -1e-3], s: 'q#x', t: true, n: null },
      b: { k: 3, r: [0, 1, 2], one: 7, cat: 'xy' },
      d: -1e-3,
    });
    expect(() => readPythonConfig(text, ['c'])).toThrow(ConfigError);
    expect(() => readPythonConfig(text, ['nope'])).toThrow(/'nope' is not assigned/);
    const bad = readFileSync(new URL('./fixtures/configs/litehrnet_18_coco_256x192.py', import.meta.url), 'utf8').replace("module_type=('LITE', 'LITE', 'LITE')", "module_type=('LITE', 'FAST', 'LITE')");
    expect(() => parseLitePoseConfig(bad)).toThrow(/module_type\[1\]/);
  });

  it('reads the official config names, mmpose checkpoint names and short names; rejects others with the list', () => {
    expect(litePosePresetName('litehrnet18_coco_256x192-6bace359_20211230'.split('-')[0]!)).toBe('litehrnet_18_coco_256x192');
    expect(litePosePresetConfig('litehrnet-30_384x288')).toEqual(litePosePresetConfig('litehrnet_30_coco_384x288'));
    expect(litePosePresetConfig('LiteHRNet18_mpii_256x256').numJoints).toBe(16);
    expect(() => litePosePresetConfig('litehrnet_18_mpii_256x192')).toThrow(ConfigError);
    expect(() => litePosePresetConfig('litehrnet_18_mpii_256x192')).toThrow(/litehrnet_30_mpii_256x256/);
    // an unknown name through createPoseModel lists both families
    expect(() => createPoseModel('w18_256x192')).toThrow(/litehrnet_18_coco_256x192/);
  });
});
