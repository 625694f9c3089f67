import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { KEY_MAPPINGS, applyZooKeyMapping, detectKeyMapping, loadCheckpoint, readNpy } from '@hrnetjs/core';
import { NODE_TEST_BACKENDS, compare, nchwToNhwc, useBackend } from '@hrnetjs/core/testing';
import { type PoseLiteHRNet, createPoseModel, parseLitePoseModelDict } from '../src/index.js';

// litehrnet_small: the official Lite-HRNet code (LITE modules, IterativeHead) on a 128x96 input, weights in the
// published mmpose 0.x checkpoint layout (`backbone.*`, `keypoint_head.*`); see fixtures/litehrnet_small/README.md.
const dir = new URL('./fixtures/litehrnet_small/', import.meta.url);
const bytes = (f: string) => new Uint8Array(readFileSync(new URL(f, dir)));
const meta = JSON.parse(readFileSync(new URL('meta.json', dir), 'utf8'));
const checkpoint = loadCheckpoint(new Uint8Array(gunzipSync(bytes('weights.pth.gz'))));
const TOL = 1e-5;

function smallModel(): PoseLiteHRNet {
  return createPoseModel(parseLitePoseModelDict(meta.model_cfg, { imageSize: [96, 128] }));
}

describe('litehrnet_small structure', () => {
  beforeAll(() => useBackend('cpu'));

  it('the official model dict builds the official key set: 776 keys in order, 118,481 parameters', () => {
    const model = smallModel();
    expect(model.poseConfig.backbone.stages.map((s) => s.numModules)).toEqual([1, 2, 1]);
    expect(model.numParameters()).toBe(meta.param_count);
    const ours = [...model.shapes().keys()];
    expect(ours).toHaveLength(meta.state_dict_num_keys);
    // mmpose's rule: `backbone.` stripped, `keypoint_head.final_layer.` → `final_layer.`; same order, same shapes
    expect(detectKeyMapping('pose', checkpoint.keys())).toBe('mmpose-pose');
    const mapped = applyZooKeyMapping(checkpoint, KEY_MAPPINGS['mmpose-pose']!);
    // (core's reader drops the int64 `num_batches_tracked` counters, which inference never reads: 113 of them)
    const counters = ours.filter((k) => k.endsWith('num_batches_tracked'));
    expect(counters).toHaveLength(113);
    expect(ours.filter((k) => !counters.includes(k))).toEqual([...mapped.keys()].filter((k) => !k.endsWith('num_batches_tracked')));
    for (const [k, shape] of model.shapes()) if (mapped.has(k)) expect(mapped.get(k)!.shape, k).toEqual(shape);
    model.dispose();
  });
});

describe.each(NODE_TEST_BACKENDS)('litehrnet_small golden (%s)', (backend) => {
  beforeAll(() => useBackend(backend));

  it('heatmaps equal the official output within 1e-5 of max|output|, before and after fuse(), leak-free', () => {
    const model = smallModel();
    model.loadStateDict(applyZooKeyMapping(checkpoint, KEY_MAPPINGS['mmpose-pose']!));
    const input = nchwToNhwc(readNpy(bytes('input.npy')));
    const expected = nchwToNhwc(readNpy(bytes('output.npy')));
    const want = expected.dataSync();
    for (const fused of [false, true]) {
      if (fused) model.fuse();
      const before = tf.memory().numTensors;
      const out = model.predict(input) as tf.Tensor4D;
      expect(out.shape).toEqual([1, 32, 24, 17]);
      const c = compare(out.dataSync(), want);
      out.dispose();
      expect(tf.memory().numTensors).toBe(before);
      expect(c.relative, `fused=${fused} maxAbsDiff=${c.maxAbsDiff}`).toBeLessThan(TOL);
    }
    tf.dispose([input, expected]);
    model.dispose();
  });
});
