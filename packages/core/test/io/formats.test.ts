import { describe, expect, it } from 'vitest';
import {
  CheckpointError, type StateDict, detectCheckpointFormat, hostTensor, loadCheckpoint, loadCheckpointAsync,
  loadTfjsWeights, readNpy, readSafetensors, saveSafetensors, saveTfjsWeights, writeNpy,
} from '../../src/index.js';
import { floatToHalf, halfToFloat } from '../../src/io/bytes.js';
import { type ExpectedTensor, expectSameStateDict, expectStateDict, expectTensor, expected, expectedCheckpoint, firstDifference, fixture } from './helpers.js';

describe('npy', () => {
  for (const name of ['float32.npy', 'float64.npy', 'float16.npy', 'int64.npy', 'int32.npy', 'bigendian.npy', 'scalar.npy']) {
    it(`${name}: exact values`, () => {
      const t = readNpy(fixture(name));
      expectTensor(t, expected[name] as ExpectedTensor, name.startsWith('int'));
    });
  }

  it('loadCheckpoint gives a one-entry state dict', () => {
    const sd = loadCheckpoint(fixture('float32.npy'), { npyName: 'x' });
    expect([...sd.keys()]).toEqual(['x']);
    expect(detectCheckpointFormat(fixture('float32.npy'))).toBe('npy');
  });

  it('writeNpy round-trips', () => {
    for (const name of ['float32.npy', 'int32.npy', 'scalar.npy']) {
      const t = readNpy(fixture(name));
      expect(readNpy(writeNpy(t))).toEqual(t);
    }
  });
});

describe('safetensors', () => {
  it('reads every dtype exactly, in file order', () => {
    const bytes = fixture('tensors.safetensors');
    expect(detectCheckpointFormat(bytes)).toBe('safetensors');
    const e = expectedCheckpoint('tensors.safetensors');
    expectStateDict(readSafetensors(bytes), e);
    expectStateDict(loadCheckpoint(bytes), e);
  });

  it('refuses a header whose offsets do not match the shape', () => {
    const header = JSON.stringify({ a: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } });
    const b = new Uint8Array(8 + header.length + 12);
    new DataView(b.buffer).setUint32(0, header.length, true);
    b.set(new TextEncoder().encode(header), 8);
    expect(() => readSafetensors(b)).toThrow(/data_offsets \[0, 8\] do not hold 12 bytes/);
  });
});

describe('half precision', () => {
  it('floatToHalf ∘ halfToFloat is the identity on all 65536 halves (NaNs stay NaN)', () => {
    for (let h = 0; h < 0x10000; h++) {
      const f = halfToFloat(h);
      if (Number.isNaN(f)) expect(Number.isNaN(halfToFloat(floatToHalf(f)))).toBe(true);
      else expect(floatToHalf(f)).toBe(h);
    }
  });

  it('rounds to nearest even like numpy', () => {
    expect(floatToHalf(1 + 2 ** -11)).toBe(0x3c00); // tie → even
    expect(floatToHalf(1 + 3 * 2 ** -11)).toBe(0x3c02);
    expect(floatToHalf(65520)).toBe(0x7c00); // overflow → inf
    expect(halfToFloat(floatToHalf(2 ** -24))).toBe(2 ** -24); // smallest subnormal
  });
});

function pose(): StateDict {
  return loadCheckpoint(fixture('pose_small.pth'));
}

function expectWithinHalf(a: StateDict, b: StateDict): void {
  expect([...b.keys()]).toEqual([...a.keys()]);
  for (const [k, t] of a) {
    const u = b.get(k)!;
    expect(u.shape).toEqual(t.shape);
    // half has an 11-bit significand: relative error ≤ 2^-11 for normal values, 2^-25 absolute below
    expect(firstDifference(u.data, t.data, (x) => Math.max(Math.abs(x) * 2 ** -11, 2 ** -25)), k).toBe(-1);
  }
}

describe('writers round-trip', () => {
  it('safetensors float32: bytes → sd → bytes → sd is exact, and bytes are stable', () => {
    const sd = pose();
    const bytes = saveSafetensors(sd);
    const back = loadCheckpoint(bytes);
    expectSameStateDict(sd, back);
    expect(firstDifference(saveSafetensors(back), bytes)).toBe(-1);
    // the header is padded to 8 bytes like the reference writer, so float data stays aligned
    expect(Number(new DataView(bytes.buffer).getBigUint64(0, true)) % 8).toBe(0);
  });

  it('safetensors float16 stays within half precision; int tensors stay exact', () => {
    const sd = loadCheckpoint(fixture('dtypes.pth'));
    const back = readSafetensors(saveSafetensors(sd, { float16: true }));
    expectWithinHalf(sd, back);
    expect(back.get('i64')).toEqual(sd.get('i64'));
    expectWithinHalf(pose(), readSafetensors(saveSafetensors(pose(), { float16: true })));
  });

  it('tfjs weights: several shards, exact round trip, PyTorch names and shapes kept', () => {
    const sd = pose();
    const { modelJson, shards } = saveTfjsWeights(sd, { shardSizeBytes: 1 << 20 });
    expect(shards.length).toBe(Math.ceil(shards.reduce((a, s) => a + s.data.length, 0) / (1 << 20)));
    expect(shards.length).toBeGreaterThan(2);
    expect(shards[0]!.path).toBe(`group1-shard1of${shards.length}.bin`);
    expect(modelJson.weightsManifest[0]!.weights[0]).toEqual({ name: 'conv1.weight', shape: [64, 3, 3, 3], dtype: 'float32' });
    const back = loadTfjsWeights(JSON.stringify(modelJson), shards.map((s) => s.data));
    expectSameStateDict(sd, back);
    const again = saveTfjsWeights(back, { shardSizeBytes: 1 << 20 });
    expect(again.shards.length).toBe(shards.length);
    again.shards.forEach((s, i) => expect(firstDifference(s.data, shards[i]!.data)).toBe(-1));
  });

  it('tfjs weights float16 through loadCheckpointAsync with a fetcher', async () => {
    const sd = pose();
    const { modelJson, shards } = saveTfjsWeights(sd, { float16: true });
    expect(modelJson.weightsManifest[0]!.weights[0]!.quantization).toEqual({ dtype: 'float16' });
    const json = new TextEncoder().encode(JSON.stringify(modelJson));
    expect(detectCheckpointFormat(json)).toBe('tfjs-model-json');
    expect(() => loadCheckpoint(json)).toThrow(/tfjs model\.json.*group1-shard1of1\.bin.*fetchShard/);
    const fetched: string[] = [];
    const back = await loadCheckpointAsync(json, {
      fetchShard: async (p) => {
        fetched.push(p);
        return shards.find((s) => s.path === p)!.data;
      },
    });
    expect(fetched).toEqual(shards.map((s) => s.path));
    expectWithinHalf(sd, back);
  });

  it('tfjs weights: int tensors, uint8 quantization and missing shards', () => {
    const sd: StateDict = new Map([
      ['a', hostTensor(Int32Array.of(1, -2, 3), [3])],
      ['b', hostTensor(Float32Array.of(0.5, 1.5), [2, 1])],
    ]);
    const { modelJson, shards } = saveTfjsWeights(sd, { shardSizeBytes: 5 });
    expect(shards.map((s) => s.data.length)).toEqual([5, 5, 5, 5]);
    expectSameStateDict(sd, loadTfjsWeights(modelJson, shards.map((s) => s.data)));
    expect(() => loadTfjsWeights(modelJson, shards.slice(1).map((s) => s.data))).toThrow(/lists 4 shard files.*3 were given/);
    const q = {
      weightsManifest: [{ paths: ['q.bin'], weights: [{ name: 'w', shape: [3], dtype: 'float32', quantization: { dtype: 'uint8' as const, scale: 0.5, min: -1 } }] }],
    };
    expect(Array.from(loadTfjsWeights(q, [Uint8Array.of(0, 2, 255)]).get('w')!.data)).toEqual([-1, 0, 126.5]);
    expect(() => loadTfjsWeights(q, [Uint8Array.of(0, 2)])).toThrow(CheckpointError);
  });

  it('legacy and zip PyTorch files convert to safetensors and tfjs without loss', () => {
    for (const name of ['legacy_module.pth', 'views_legacy.pth', 'dtypes.pth']) {
      const sd = loadCheckpoint(fixture(name));
      expectSameStateDict(sd, readSafetensors(saveSafetensors(sd)));
      const { modelJson, shards } = saveTfjsWeights(sd);
      expectSameStateDict(sd, loadTfjsWeights(modelJson, shards.map((s) => s.data)));
    }
  });
});
