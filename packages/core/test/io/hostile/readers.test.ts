import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CheckpointError, MAX_MESSAGE_LENGTH, loadCheckpoint, loadTfjsWeights, readSafetensors, saveSafetensors, saveTfjsWeights } from '../../../src/index.js';
import { crc32, crc32Table } from '../../../src/io/crc32.js';
import { readCheckpointFile } from '../../../src/node.js';
import { PickleWriter, entryDataOffset, floats, safetensorsRaw, stateDictPickle, torchZip } from './build.js';

/** The error a call throws (undefined when it does not throw). */
function thrown(fn: () => unknown): Error | undefined {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  return undefined;
}

async function rejected(p: Promise<unknown>): Promise<Error | undefined> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  return undefined;
}

const tfjs = () =>
  saveTfjsWeights(
    new Map([
      ['a', { dtype: 'float32' as const, shape: [2], data: Float32Array.from([1, 2]) }],
      ['b', { dtype: 'float32' as const, shape: [3], data: Float32Array.from([3, 4, 5]) }],
    ]),
  );

describe('finding 1: what a reader materialises is bounded by the bytes the file holds', () => {
  // 2^22 elements (16 MiB) from a 4-byte storage: over the default budget (4 × file + 1 MiB), small enough to load on request
  const expand = torchZip(stateDictPickle([{ name: 'w', storage: '0', storageNumel: 1, shape: [2 ** 22], stride: [0] }]), { '0': floats([2.5]) });

  it('a stride-0 expand is refused by default, naming the tensor and the option', () => {
    const e = thrown(() => loadCheckpoint(expand));
    expect(e).toBeInstanceOf(CheckpointError);
    expect(e!.message).toMatch(/at tensor 'w', shape \[4194304\], stride \[0\]\) would materialise 16777216 bytes from a \d+-byte file/);
    expect(e!.message).toMatch(/maxTensorBytes/);
  });

  it('maxTensorBytes lets a caller who trusts the file load it, with the expanded values', () => {
    const sd = loadCheckpoint(expand, { maxTensorBytes: 2 ** 25 });
    const w = sd.get('w')!;
    expect(w.shape).toEqual([2 ** 22]);
    expect(w.data[0]).toBe(2.5);
    expect(w.data[2 ** 22 - 1]).toBe(2.5);
  });

  it('maxTensorBytes also tightens: a 16-byte tensor refused under a 8-byte budget', () => {
    const honest = torchZip(stateDictPickle([{ name: 'w', storage: '0', storageNumel: 4, shape: [4] }]), { '0': floats([1, 2, 3, 4]) });
    expect(Array.from(loadCheckpoint(honest).get('w')!.data)).toEqual([1, 2, 3, 4]);
    expect(() => loadCheckpoint(honest, { maxTensorBytes: 8 })).toThrow(/would materialise 16 bytes.*more than the 8 allowed/);
    expect(() => loadCheckpoint(honest, { maxTensorBytes: -1 })).toThrow(/maxTensorBytes must be a non-negative number/);
  });

  it('many keys over one storage are refused once they exceed the budget, and a few (tied weights) still load', () => {
    const tied = torchZip(stateDictPickle(['a', 'b'].map((name) => ({ name, storage: '0', storageNumel: 2 ** 18, shape: [2 ** 18] }))), { '0': new Uint8Array(2 ** 20) });
    expect(loadCheckpoint(tied).size).toBe(2);
    const many = torchZip(stateDictPickle(Array.from({ length: 8 }, (_, i) => ({ name: `k${i}`, storage: '0', storageNumel: 2 ** 18, shape: [2 ** 18] }))), { '0': new Uint8Array(2 ** 20) });
    expect(() => loadCheckpoint(many)).toThrow(/at tensor 'k\d'.*would materialise/);
  });

  it('safetensors sizes must equal dtype size × shape (no view can read more than its bytes)', () => {
    const b = safetensorsRaw({ a: { dtype: 'F32', shape: [1 << 20], data_offsets: [0, 4] } }, floats([1]));
    expect(() => readSafetensors(b)).toThrow(/data_offsets \[0, 4\] do not hold 4194304 bytes/);
  });
});

describe('finding 5: silent wrong values are refused', () => {
  it('zip CRC-32: one flipped byte in a stored weight is refused (it loaded as a changed weight before)', () => {
    const good = torchZip(stateDictPickle([{ name: 'w', storage: '0', storageNumel: 4, shape: [4] }]), { '0': floats([1, 2, 3, 4]) });
    expect(Array.from(loadCheckpoint(good).get('w')!.data)).toEqual([1, 2, 3, 4]);
    const bad = good.slice();
    bad[entryDataOffset(bad, 'archive/data/0') + 2] ^= 0x40;
    expect(() => loadCheckpoint(bad)).toThrow(CheckpointError);
    expect(() => loadCheckpoint(bad)).toThrow(/entry "archive\/data\/0" fails its CRC-32 check \(the directory says 0x[0-9a-f]{8}, the bytes give 0x[0-9a-f]{8}\)/);
  });

  it('CRC-32: the table version (browsers) equals the one in use here (zlib’s in Node) on lengths 0..64 and a megabyte', () => {
    const data = new Uint8Array(2 ** 20).map((_, i) => (i * 2654435761) >>> 24);
    for (let n = 0; n <= 64; n++) expect(crc32Table(data.subarray(0, n))).toBe(crc32(data.subarray(0, n)));
    // views that start off a 4-byte boundary (zip entries lie anywhere in the file)
    for (let off = 1; off < 8; off++) expect(crc32Table(data.subarray(off, off + 1001))).toBe(crc32(data.subarray(off, off + 1001)));
    expect(crc32Table(data)).toBe(crc32(data));
    expect(crc32Table(new TextEncoder().encode('123456789'))).toBe(0xcbf43926); // the standard check value
  });

  const f32 = (n: number) => new Uint8Array(4 * n);
  const st = (offsets: [number, number][], dataBytes: number) =>
    safetensorsRaw(Object.fromEntries(offsets.map((o, i) => [`t${i}`, { dtype: 'F32', shape: [(o[1] - o[0]) / 4], data_offsets: o }])), f32(dataBytes / 4));

  it('safetensors offsets must tile the data: a gap, an overlap, a shifted start and trailing bytes are refused', () => {
    expect(readSafetensors(st([[0, 8], [8, 16]], 16)).size).toBe(2);
    expect(() => readSafetensors(st([[0, 8], [12, 20]], 20))).toThrow(/'?"t1"'?: data_offsets start at 12, but the previous tensor ends at 8 \(a gap/);
    expect(() => readSafetensors(st([[0, 8], [4, 12]], 12))).toThrow(/an overlap/);
    expect(() => readSafetensors(st([[4, 12]], 12))).toThrow(/start at 4, but the previous tensor ends at 0/);
    expect(() => readSafetensors(st([[0, 8]], 12))).toThrow(/tensors end at data byte 8, but 12 data bytes follow the header/);
  });

  it('safetensors: __metadata__ must map strings to strings, offsets must be integers', () => {
    expect(() => readSafetensors(safetensorsRaw({ __metadata__: { a: 1 } }, f32(0)))).toThrow(/__metadata__ is not a map of strings/);
    expect(() => readSafetensors(safetensorsRaw({ a: { dtype: 'F32', shape: [1], data_offsets: ['0', 4] } }, f32(1)))).toThrow(/lacks dtype\/shape\/data_offsets/);
    // what we write passes our own checks
    const sd = readSafetensors(saveSafetensors(new Map([['x', { dtype: 'float32' as const, shape: [3], data: Float32Array.from([1, 2, 3]) }]])));
    expect(Array.from(sd.get('x')!.data)).toEqual([1, 2, 3]);
  });

  it('tfjs manifest: a dropped entry leaves shard bytes over and is refused (it shifted every later weight before)', () => {
    const { modelJson, shards } = tfjs();
    expect(loadTfjsWeights(modelJson, shards.map((s) => s.data)).size).toBe(2);
    const dropped = structuredClone(modelJson);
    dropped.weightsManifest[0]!.weights.shift();
    expect(() => loadTfjsWeights(dropped, shards.map((s) => s.data))).toThrow(/weights use 12 bytes but their shards hold 20/);
  });

  it('tfjs manifest: NaN or infinite quantization scale/min are refused', () => {
    const m = { weightsManifest: [{ paths: ['s.bin'], weights: [{ name: 'q', shape: [2], dtype: 'float32', quantization: { dtype: 'uint8' as const, scale: NaN, min: 0 } }] }] };
    expect(() => loadTfjsWeights(m, [new Uint8Array(2)])).toThrow(/quantization scale is NaN, expected a finite number/);
  });
});

describe('finding 4: every reader failure is a short, typed CheckpointError', () => {
  it('a 100,000-deep tuple as a state dict key: typed, not a stack overflow while formatting the message', () => {
    const deep = stateDictPickle([{ name: 'w', storage: '0', storageNumel: 1, shape: [1] }], (p) => {
      p.op(0x29);
      for (let i = 0; i < 100_000; i++) p.op(0x85); // TUPLE1 around the previous value
    });
    const e = thrown(() => loadCheckpoint(torchZip(deep, { '0': floats([1]) })));
    expect(e).toBeInstanceOf(CheckpointError);
    expect(e!.message).toMatch(/state dict key an array of 1 is not a string/);
  });

  it('a deep tuple as a storage key in a persistent id is typed too', () => {
    const p = new PickleWriter();
    p.mark().str('storage').global('torch', 'FloatStorage').op(0x29);
    for (let i = 0; i < 100_000; i++) p.op(0x85);
    p.str('cpu').int(1).tuple().op(0x51);
    const e = thrown(() => loadCheckpoint(torchZip(p.bytes(), {})));
    expect(e).toBeInstanceOf(CheckpointError);
    expect(e!.message).toMatch(/storage key is an array of 1, not a string/);
  });

  it('a megabyte-long key makes a message of at most MAX_MESSAGE_LENGTH characters', () => {
    const name = 'k'.repeat(2 ** 20);
    const file = torchZip(stateDictPickle([{ name, storage: '0', storageNumel: 1, shape: [2 ** 22], stride: [0] }]), { '0': floats([1]) });
    const e = thrown(() => loadCheckpoint(file));
    expect(e).toBeInstanceOf(CheckpointError);
    expect(e!.message.length).toBeLessThanOrEqual(MAX_MESSAGE_LENGTH);
    expect(e!.message).toMatch(/characters left out.*maxTensorBytes/);
  });

  it('a set with a million items (ADDITEMS) is read without a stack overflow', () => {
    const p = new PickleWriter();
    p.op(0x8f).mark();
    for (let i = 0; i < 1_000_000; i++) p.op(0x88);
    p.op(0x90);
    const e = thrown(() => loadCheckpoint(torchZip(p.bytes(), {})));
    expect(e).toBeInstanceOf(CheckpointError);
    expect(e!.message).toMatch(/not a dict of tensors/);
  });

  it('tfjs: a null weight entry, a non-string shard path, a missing shard file are CheckpointErrors', async () => {
    const nullEntry = { weightsManifest: [{ paths: ['s.bin'], weights: [null] }] };
    expect(thrown(() => loadTfjsWeights(nullEntry as never, [new Uint8Array(0)]))).toBeInstanceOf(CheckpointError);
    expect(() => loadTfjsWeights(nullEntry as never, [new Uint8Array(0)])).toThrow(/weight 0 is null, expected \{ name, shape, dtype \}/);
    const badPath = { weightsManifest: [{ paths: [7], weights: [] }] };
    expect(() => loadTfjsWeights(badPath as never, [new Uint8Array(0)])).toThrow(/shard path 0 is 7, expected a file name/);
    const { modelJson } = tfjs();
    const enoent = Object.assign(new Error("ENOENT: no such file or directory, open 'x'"), { code: 'ENOENT' });
    const e = await rejected(loadTfjsWeights(modelJson, () => Promise.reject(enoent)));
    expect(e).toBeInstanceOf(CheckpointError);
    expect(e!.message).toMatch(/could not read shard 'group1-shard1of1\.bin' of model\.json: Error \(ENOENT/);
  });

  const dir = mkdtempSync(join(tmpdir(), 'hrnet-readers-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('readCheckpointFile: a missing file and a model.json whose shard is missing are CheckpointErrors', async () => {
    const e = await rejected(readCheckpointFile(join(dir, 'nope.pth')));
    expect(e).toBeInstanceOf(CheckpointError);
    expect(e!.message).toMatch(/could not read '.*nope\.pth': Error \(ENOENT/);
    const { modelJson } = tfjs();
    writeFileSync(join(dir, 'model.json'), JSON.stringify(modelJson));
    const f = await rejected(readCheckpointFile(join(dir, 'model.json')));
    expect(f).toBeInstanceOf(CheckpointError);
    expect(f!.message).toMatch(/group1-shard1of1\.bin/);
    expect(await rejected(readCheckpointFile(42 as never))).toBeInstanceOf(CheckpointError);
  });

  it('non-bytes input is a CheckpointError', () => {
    for (const bad of [null, undefined, {}, 'x', 3]) {
      expect(thrown(() => loadCheckpoint(bad as never))).toBeInstanceOf(CheckpointError);
      expect(thrown(() => readSafetensors(bad as never))).toBeInstanceOf(CheckpointError);
    }
  });
});
