import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  CheckpointError,
  HrnetError,
  MAX_MESSAGE_LENGTH,
  imageToTensor,
  loadCheckpoint,
  loadCheckpointMeta,
  loadTfjsWeights,
  readNpy,
  readSafetensors,
  saveTfjsWeights,
} from '../../../src/index.js';
import { useBackend } from '../../../src/testing.js';
import { FIXTURES } from '../helpers.js';
import { floats, safetensorsRaw, stateDictPickle, torchZip } from './build.js';

/**
 * Seeded mutation fuzzing of every reader and of the image validator (issue 15). Each case mutates a real seed
 * file (byte flips, interesting values, truncation, duplication, deletion, targeted at the headers and zip
 * directory as often as at the data) and must load or fail with a CheckpointError whose message is capped —
 * never another error type, never a hang. Sized for CI (a few seconds); `pnpm fuzz` runs FUZZ_CASES of each
 * (e.g. 20000). A failure prints the seed and case to replay: FUZZ_SEED=<seed> FUZZ_CASES=<case + 1>.
 */
const CASES = Number(process.env.FUZZ_CASES ?? 300);
const SEED = Number(process.env.FUZZ_SEED ?? 0x15);

/** mulberry32: small, fast, and the same on every platform. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const INTERESTING = [0, 1, 0x7f, 0x80, 0xff, 0x7fffffff, 0x80000000, 0xffffffff, 0xffff, 46, 1 << 30];

/** One mutated copy of `seed`: 1–4 edits, half of them in the first or last 256 bytes (headers, directory). */
export function mutate(seed: Uint8Array, r: () => number): Uint8Array {
  let b = seed.slice();
  const edits = 1 + Math.floor(r() * 4);
  const at = () => {
    const u = r();
    if (b.length === 0) return 0;
    if (u < 0.25) return Math.floor(r() * Math.min(256, b.length));
    if (u < 0.5) return Math.max(0, b.length - 1 - Math.floor(r() * Math.min(256, b.length)));
    return Math.floor(r() * b.length);
  };
  for (let e = 0; e < edits; e++) {
    const kind = Math.floor(r() * 6);
    const p = at();
    if (kind === 0 && b.length) b[p] = b[p]! ^ (1 << Math.floor(r() * 8));
    else if (kind === 1 && b.length) b[p] = Math.floor(r() * 256);
    else if (kind === 2 && p + 4 <= b.length) new DataView(b.buffer).setUint32(p, INTERESTING[Math.floor(r() * INTERESTING.length)]! >>> 0, true);
    else if (kind === 3) b = b.slice(0, p);
    else if (kind === 4) {
      const n = Math.floor(r() * 64);
      const out = new Uint8Array(b.length + n);
      out.set(b.subarray(0, p));
      out.set(b.subarray(p, Math.min(b.length, p + n)), p);
      out.set(b.subarray(p), p + Math.min(n, b.length - p));
      b = out;
    } else if (b.length) {
      const n = Math.floor(r() * 64);
      b = Uint8Array.from([...b.subarray(0, p), ...b.subarray(Math.min(b.length, p + n))]);
    }
  }
  return b;
}

function expectLoadsOrRefuses(name: string, i: number, fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    const where = `${name} case ${i} (FUZZ_SEED=${SEED})`;
    if (!(e instanceof CheckpointError)) throw new Error(`${where}: ${String((e as Error)?.name)} escaped: ${String((e as Error)?.message).slice(0, 300)}`);
    expect(e.message.length, where).toBeLessThanOrEqual(MAX_MESSAGE_LENGTH);
  }
}

const seedFile = (n: string) => new Uint8Array(readFileSync(FIXTURES + n));

describe('seeded mutation fuzzing of the readers', () => {
  const seeds: Record<string, Uint8Array> = {
    'torch zip': seedFile('dtypes.pth'),
    'torch zip (views)': seedFile('views.pth'),
    'torch zip (deflated)': seedFile('zip_deflated.pth'),
    'torch zip (built, stride 0)': torchZip(stateDictPickle([{ name: 'w', storage: '0', storageNumel: 2, shape: [4, 2], stride: [0, 1] }]), { '0': floats([1, 2]) }),
    'torch legacy': seedFile('views_legacy.pth'),
    'torch legacy (dtypes)': seedFile('dtypes_legacy.pth'),
    safetensors: seedFile('tensors.safetensors'),
    'safetensors (built)': safetensorsRaw({ __metadata__: { format: 'pt' }, a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'I64', shape: [1], data_offsets: [8, 16] } }, new Uint8Array(16)),
    npy: seedFile('float32.npy'),
  };
  for (const [name, seed] of Object.entries(seeds)) {
    it(`${name}: ${CASES} mutants load or are refused with a capped CheckpointError`, () => {
      const r = rng(SEED ^ seed.length);
      for (let i = 0; i < CASES; i++) {
        const m = mutate(seed, r);
        expectLoadsOrRefuses(name, i, () => loadCheckpoint(m));
        if (name.startsWith('torch')) expectLoadsOrRefuses(`${name} meta`, i, () => loadCheckpointMeta(m));
        if (name.startsWith('safetensors')) expectLoadsOrRefuses(name, i, () => readSafetensors(m));
        if (name === 'npy') expectLoadsOrRefuses(name, i, () => readNpy(m));
      }
    });
  }

  it(`tfjs manifest and shards: ${CASES} mutants of each load or are refused`, () => {
    const { modelJson, shards } = saveTfjsWeights(
      new Map([
        ['a', { dtype: 'float32' as const, shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) }],
        ['b', { dtype: 'int32' as const, shape: [2], data: Int32Array.from([7, 8]) }],
      ]),
      { shardSizeBytes: 16 },
    );
    const json = new TextEncoder().encode(JSON.stringify(modelJson));
    const data = shards.map((s) => s.data);
    const r = rng(SEED + 7);
    for (let i = 0; i < CASES; i++) {
      const mj = mutate(json, r);
      expectLoadsOrRefuses('tfjs model.json', i, () => loadTfjsWeights(mj, data));
      const k = Math.floor(r() * data.length);
      const ms = data.map((d, j) => (j === k ? mutate(d, r) : d));
      expectLoadsOrRefuses('tfjs shard', i, () => loadTfjsWeights(modelJson, ms));
    }
  });
});

describe('fuzzing the image validator', () => {
  beforeAll(() => useBackend('cpu'));

  it(`${CASES} odd images become a tensor or an InputError/ShapeError, leaking nothing`, () => {
    const r = rng(SEED + 11);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
    const dims = [0, 1, 2, 3, -1, 0.5, Number.NaN, Number.POSITIVE_INFINITY, 1e9, undefined, '3', null];
    const before = tf.memory().numTensors;
    for (let i = 0; i < CASES; i++) {
      const w = pick(dims);
      const h = pick(dims);
      const c = pick([1, 3, 4, 2, 0, undefined, Number.NaN]);
      const len = typeof w === 'number' && typeof h === 'number' && Number.isFinite(w * h) && w * h < 64 ? Math.max(0, Math.floor(w * h * (typeof c === 'number' && c > 0 ? c : 3))) : Math.floor(r() * 16);
      const data = pick([
        () => new Uint8Array(len),
        () => Float32Array.from({ length: len }, () => pick([0, 255, Number.NaN, -1, 1e30])),
        () => new Uint16Array(len),
        () => Array.from({ length: len }, () => 1),
        () => null,
      ])();
      const image = pick([
        () => ({ data, width: w, height: h, channels: c }),
        () => ({ width: w, height: h }),
        () => pick([null, undefined, 0, 'x', {}, [], () => 1]),
        () => tf.zeros(pick([[2, 2, 3], [2, 2], [0, 2, 3], [2, 2, 5], [1, 1, 1, 3]]) as number[]),
      ])();
      try {
        tf.dispose(imageToTensor(image as never));
      } catch (e) {
        if (!(e instanceof HrnetError)) throw new Error(`image case ${i}: ${String((e as Error)?.name)} escaped: ${String((e as Error)?.message).slice(0, 200)}`);
      } finally {
        if (image instanceof tf.Tensor) image.dispose();
      }
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});
