import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, ShapeError, loadCheckpoint, readNpy } from '@hrnetjs/core';
import { NODE_TEST_BACKENDS, compare, nchwToNhwc, useBackend } from '@hrnetjs/core/testing';
import { LITEHRNET_PRESETS, LiteHRNet, createLiteHRNet, liteHRNetPreset, parseLiteHRNetExtra } from '../src/index.js';

// naive_litehrnet_small: the official LiteHRNet with NAIVE (shuffle-unit) modules; see its README. The LITE modules
// are checked against the official code in head-pose (litehrnet_small, the published checkpoint layout).
const dir = new URL('./fixtures/naive_litehrnet_small/', import.meta.url);
const bytes = (f: string) => new Uint8Array(readFileSync(new URL(f, dir)));
const meta = JSON.parse(readFileSync(new URL('meta.json', dir), 'utf8'));
const TOL = 1e-5;

describe('Lite-HRNet configs', () => {
  beforeAll(() => useBackend('cpu'));

  it('the official extra dict parses; bad ones throw ConfigError naming the field', () => {
    const c = parseLiteHRNetExtra(meta.extra);
    expect(c.stages.map((s) => [s.numModules, s.moduleType, s.numChannels.length])).toEqual([[1, 'NAIVE', 2], [2, 'NAIVE', 3], [1, 'NAIVE', 4]]);
    const bad = structuredClone(meta.extra);
    bad.stages_spec.module_type[1] = 'FAST';
    expect(() => parseLiteHRNetExtra(bad)).toThrow(/module_type\[1\].*'LITE' or 'NAIVE'.*FAST/);
    const short = structuredClone(meta.extra);
    short.stages_spec.num_channels[2] = [8, 16, 32];
    expect(() => parseLiteHRNetExtra(short)).toThrow(ConfigError);
    expect(() => liteHRNetPreset('litehrnet_42')).toThrow(/litehrnet_18, litehrnet_30/);
  });

  it('backbone parameter counts equal the official code (LiteHRNet of the official configs, no keypoint head)', () => {
    // from the official litehrnet.py on the official configs: sum(p.numel() for p in LiteHRNet(extra).parameters())
    const official = { litehrnet_18: 1_130_072, litehrnet_30: 1_763_020, naive_litehrnet_18: 759_838 };
    for (const [name, n] of Object.entries(official)) {
      const net = createLiteHRNet(name);
      expect(net.numParameters(), name).toBe(n);
      net.dispose();
    }
    expect(Object.keys(LITEHRNET_PRESETS)).toEqual(Object.keys(official));
    expect(liteHRNetPreset('LiteHRNet-30')).toEqual(LITEHRNET_PRESETS.litehrnet_30);
  });

  it('refuses an input whose size the four resolutions cannot halve exactly', () => {
    const net = new LiteHRNet(parseLiteHRNetExtra(meta.extra));
    const x = tf.zeros([1, 120, 96, 3]);
    expect(() => net.predict(x)).toThrow(ShapeError);
    expect(() => net.predict(x)).toThrow(/multiples of 32, found 120x96/);
    x.dispose();
    net.dispose();
  });
});

describe.each(NODE_TEST_BACKENDS)('naive_litehrnet_small golden (%s)', (backend) => {
  beforeAll(() => useBackend(backend));

  it('the official state_dict loads strictly; output within 1e-5 of max|output|, before and after fuse(), leak-free', () => {
    const net = new LiteHRNet(parseLiteHRNetExtra(meta.extra));
    expect(net.numParameters()).toBe(meta.param_count);
    expect(net.shapes().size).toBe(meta.state_dict_num_keys);
    net.loadStateDict(loadCheckpoint(bytes('weights.pth')));
    const input = nchwToNhwc(readNpy(bytes('input.npy')));
    const expected = nchwToNhwc(readNpy(bytes('output.npy')));
    const want = expected.dataSync();
    for (const fused of [false, true]) {
      if (fused) net.fuse();
      const before = tf.memory().numTensors;
      const [out, ...rest] = net.predict(input);
      expect(rest).toHaveLength(0);
      expect(out!.shape).toEqual([1, 32, 24, 8]);
      const c = compare(out!.dataSync(), want);
      out!.dispose();
      expect(tf.memory().numTensors).toBe(before);
      expect(c.relative, `fused=${fused} maxAbsDiff=${c.maxAbsDiff}`).toBeLessThan(TOL);
    }
    tf.dispose([input, expected]);
    net.dispose();
  });
});
