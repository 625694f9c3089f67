import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  BatchNorm2d,
  ConfigError,
  Conv2d,
  DisposedError,
  EngineError,
  isFused,
  type NetworkSpec,
  type PreparedNetwork,
  prepareNetwork,
  ReLU,
  Sequential,
  type StateDict,
  StateDictError,
  TaskObject,
  type ZooEntry,
  describeValue,
} from '../../src/index.js';
import { useBackend } from '../../src/testing.js';

/** A tiny "head": conv → BN → ReLU, its channel count given by the preset name (`'tiny4'`). */
class TinyNet extends Sequential {
  constructor(readonly channels: number) {
    super(new Conv2d(3, channels, 3, { padding: 1 }), new BatchNorm2d(channels), new ReLU());
  }
}

const ZOO: ZooEntry[] = [
  {
    name: 'mm_tiny4',
    task: 'pose',
    origin: 'mmpose',
    description: 'a tiny test entry in the mmpose layout',
    dataset: 'none',
    model: { preset: 'tiny4' },
    config: 'none',
    file: { url: 'none', fileName: 'none.pth', direct: true },
    keys: { rules: { stripPrefix: ['backbone.'] } },
    processing: { meanStd: 'mmpose' },
  },
];

const built: string[] = [];
const SPEC: NetworkSpec<TinyNet, { channels: number }> = {
  factory: 'createTiny',
  task: 'pose',
  zoo: ZOO,
  build: (model, entry) => {
    built.push(entry ? `zoo ${entry.name}` : typeof model === 'string' ? model : 'config');
    if (typeof model !== 'string') return new TinyNet(model.channels);
    const m = /^tiny(\d+)$/.exec(model);
    if (!m) throw new ConfigError(`unknown preset "${model}"`);
    return new TinyNet(Number(m[1]));
  },
  isNetwork: (v): v is TinyNet => v instanceof TinyNet,
  checkWeights: (sd, model) => {
    const w = sd.get('0.weight');
    if (w && w.shape[0] !== model.channels) throw new StateDictError(`checkpoint has ${w.shape[0]} channels, the network ${model.channels}`);
  },
};

class Tiny extends TaskObject<TinyNet> {
  constructor(p: PreparedNetwork<TinyNet>) {
    super(p);
  }
  async run(x: tf.Tensor4D): Promise<tf.Tensor4D> {
    this.assertLive('run');
    return this.runNetwork<tf.Tensor4D>(x);
  }
}

/** A state dict for TinyNet(c) with `prefix` on every key, values from a counter (so a wrong mapping shows). */
function weights(c: number, prefix = ''): StateDict {
  const net = new TinyNet(c);
  const sd: StateDict = new Map();
  let v = 0;
  for (const [k, shape] of net.shapes()) {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = Float32Array.from({ length: n }, () => ((v++ % 7) + 1) / 10);
    sd.set(prefix + k, { dtype: 'float32', shape, data });
  }
  net.dispose();
  return sd;
}

describe('prepareNetwork: the one factory path', () => {
  beforeAll(() => useBackend('cpu'));

  it('a zoo name builds the entry\'s preset, applies its key mapping, fuses, and exposes the entry', async () => {
    const before = tf.memory().numTensors;
    const p = await prepareNetwork({ model: 'MM_TINY4', weights: weights(4, 'backbone.') }, SPEC);
    expect(built.at(-1)).toBe('zoo mm_tiny4');
    expect(p.zooEntry?.processing).toEqual({ meanStd: 'mmpose' });
    expect(p.keyMapping).toBe('zoo');
    expect(p.ownsModel).toBe(true);
    expect(isFused(p.model)).toBe(true);
    expect(p.runner.engine).toBe('tfjs');
    const t = new Tiny(p);
    const x = tf.ones([1, 2, 2, 3]) as tf.Tensor4D;
    const y = await t.run(x);
    // the same as the unfused network with the unprefixed weights
    const ref = new TinyNet(4);
    ref.loadStateDict(weights(4));
    const want = ref.predict(x);
    const [got, exp] = [await y.data(), await want.data()];
    expect(got.length).toBe(16);
    for (let i = 0; i < got.length; i++) expect(got[i]).toBeCloseTo(exp[i]!, 5);
    expect(Math.max(...exp)).toBeGreaterThan(0.1); // a real signal, not all zeros
    tf.dispose([x, y, want]);
    ref.dispose();
    t.dispose();
    t.dispose(); // idempotent
    expect(tf.memory().numTensors).toBe(before);
    await expect(t.run(tf.zeros([1, 1, 1, 3]) as tf.Tensor4D)).rejects.toThrow(DisposedError);
  });

  it('without a zoo name the key mapping is detected from the keys, or named by keyMapping', async () => {
    // `backbone.` + `keypoint_head.` is mmpose's layout: detected for task pose
    const mm = weights(4, 'backbone.');
    mm.set('keypoint_head.final_layer.weight', { dtype: 'float32', shape: [1], data: new Float32Array(1) });
    await expect(prepareNetwork({ model: 'tiny4', weights: mm }, SPEC)).rejects.toThrow(/unexpected keys.*final_layer/);
    const p = await prepareNetwork({ model: 'tiny4', weights: weights(4, 'module.') }, SPEC);
    expect(p.keyMapping).toBe('official');
    p.model.dispose();
    const q = await prepareNetwork({ model: 'tiny4', weights: weights(4, 'backbone.'), keyMapping: { rules: { stripPrefix: ['backbone.'] } } }, SPEC);
    expect(q.keyMapping).toBe('custom');
    q.model.dispose();
    await expect(prepareNetwork({ model: 'tiny4', weights: weights(4), keyMapping: 'no-such-mapping' }, SPEC)).rejects.toThrow(/unknown key mapping/);
  });

  it('a network passed in stays the caller\'s: never fused, never freed; weights beside it are refused', async () => {
    const net = new TinyNet(2);
    const p = await prepareNetwork({ model: net }, SPEC);
    expect(p.model).toBe(net);
    expect(p.ownsModel).toBe(false);
    expect(isFused(net)).toBe(false);
    const t = new Tiny(p);
    t.dispose();
    expect(net.stateDict().size).toBe(7); // still alive and readable (conv 2 + BN 5)
    await expect(prepareNetwork({ model: net, weights: weights(2) }, SPEC)).rejects.toThrow(/used as it is/);
    net.dispose();
  });

  it('checks every option before loading anything, and frees what it built when a later step fails', async () => {
    const before = tf.memory().numTensors;
    const bad: [Record<string, unknown>, RegExp, new (...args: never[]) => Error][] = [
      [{ model: 'tiny4' }, /weights is required/, ConfigError],
      [{ weights: null }, /model is required/, ConfigError],
      [{ model: 42, weights: null }, /model: expected a zoo name.*found 42/, ConfigError],
      [{ model: 'tiny4', weights: null, engine: 'tensorrt' }, /engine: expected one of 'tfjs', 'onnxruntime', found "tensorrt"/, EngineError],
      [{ model: 'tiny4', weights: null, engineOptions: { threads: 0 } }, /threads/, EngineError],
      [{ model: 'tiny4', weights: null, backend: 'cuda' }, /backend: expected one of/, ConfigError],
      [{ model: 'tiny4', weights: null, fuse: 'yes' }, /fuse: expected true or false/, ConfigError],
      [{ model: 'tiny4', weights: null, wasmThreads: 1.5 }, /wasmThreads/, ConfigError],
      [{ model: 'tiny4', weights: null, keyMapping: 7 }, /keyMapping/, ConfigError],
      [{ model: 'tiny99x', weights: null }, /unknown preset "tiny99x" \(closest zoo names: mm_tiny4\)/, ConfigError],
    ];
    for (const [config, message, type] of bad) {
      const err = await prepareNetwork(config as never, SPEC).catch((e: unknown) => e);
      expect(err, JSON.stringify(config)).toBeInstanceOf(type);
      expect(String((err as Error).message)).toMatch(message);
    }
    // the head's plain-words check runs before the strict load; the network it built is freed
    await expect(prepareNetwork({ model: 'tiny4', weights: weights(8) }, SPEC)).rejects.toThrow(/checkpoint has 8 channels, the network 4/);
    await expect(prepareNetwork({ model: 'tiny4', weights: new Uint8Array([1, 2, 3]) }, SPEC)).rejects.toThrow(/checkpoint|format/i);
    expect(tf.memory().numTensors).toBe(before);
  });

});

describe('describeValue', () => {
  it('describes any value briefly, without recursion or calling user code', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(describeValue(deep)).toBe('an array of 1');
    expect(describeValue('x'.repeat(10_000)).length).toBeLessThan(90);
    const hostile = { toString: () => { throw new Error('called'); } };
    expect(describeValue(hostile)).toBe('an object');
    expect(describeValue(new Uint16Array(3))).toBe('a Uint16Array of 3');
    expect(describeValue(null)).toBe('null');
    expect(describeValue(Number.NaN)).toBe('NaN');
  });
});
