/**
 * Helpers for golden tests against the official PyTorch code, shared by every package's tests
 * (`@hrnetjs/core/testing`). Test-runner agnostic.
 */
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend, type BackendName } from './backend.js';
import type { HostTensor, StateDict } from './io/state-dict.js';
import { applyZooKeyMapping } from './zoo/keys.js';
import type { ZooKeyMapping } from './zoo/types.js';

/** Backends every numeric test runs on in Node (browser backends run in Chromium). */
export const NODE_TEST_BACKENDS: readonly BackendName[] = ['cpu', 'wasm'];

/** Activates a backend for a test suite, failing loudly if it cannot start. */
export async function useBackend(name: BackendName): Promise<void> {
  await selectBackend(name);
}

/** NCHW host tensor (PyTorch layout) → NHWC tfjs tensor. */
export function nchwToNhwc(t: HostTensor): tf.Tensor4D {
  return tf.tidy(() => tf.transpose(tf.tensor4d(Float32Array.from(t.data), t.shape as [number, number, number, number]), [0, 2, 3, 1]));
}

/** NHWC tfjs tensor → NCHW values, for comparing with PyTorch outputs. */
export function nhwcToNchw(t: tf.Tensor): Float32Array {
  return tf.tidy(() => tf.transpose(t, [0, 3, 1, 2]).dataSync() as Float32Array);
}

export interface Closeness {
  maxAbsDiff: number;
  maxAbsRef: number;
  /** maxAbsDiff / maxAbsRef: the figure DESIGN.md's golden tolerance (about 1e-5) applies to. */
  relative: number;
}

export function compare(actual: ArrayLike<number>, expected: ArrayLike<number>): Closeness {
  if (actual.length !== expected.length) throw new Error(`length ${actual.length} vs expected ${expected.length}`);
  let maxAbsDiff = 0;
  let maxAbsRef = 0;
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(actual[i]! - expected[i]!);
    if (!(d <= maxAbsDiff)) maxAbsDiff = Number.isNaN(d) ? Infinity : d;
    maxAbsRef = Math.max(maxAbsRef, Math.abs(expected[i]!));
  }
  return { maxAbsDiff, maxAbsRef, relative: maxAbsDiff / (maxAbsRef || 1) };
}

/**
 * Deterministic pseudo-random numbers in [0, 1) from a name and an element index, computed identically by the
 * golden-data generators (Python/numpy): u = lowbias32(fnv1a32(key) + i·0x9E3779B9 mod 2³²) >> 8, / 2²⁴. They let
 * a golden test rebuild its weights and inputs instead of storing megabytes of random floats.
 */
export function hashedUniform(key: string, n: number): Float64Array {
  let seed = 0x811c9dc5;
  for (const b of new TextEncoder().encode(key)) seed = Math.imul(seed ^ b, 0x01000193) >>> 0;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let x = (seed + Math.imul(i, 0x9e3779b9)) >>> 0;
    x ^= x >>> 16;
    x = Math.imul(x, 0x7feb352d) >>> 0;
    x ^= x >>> 15;
    x = Math.imul(x, 0x846ca68b) >>> 0;
    x ^= x >>> 16;
    out[i] = (x >>> 8) / 16777216;
  }
  return out;
}

/** `(2u − 1)·amplitude` as float32: a hashed input tensor's values (NCHW order, as the generator wrote them). */
export function hashedInput(key: string, n: number, amplitude = 2): Float32Array {
  return Float32Array.from(hashedUniform(key, n), (u) => (2 * u - 1) * amplitude);
}

/**
 * A state dict with the given keys and PyTorch shapes filled by the generators' rule: weights of rank ≥ 2
 * uniform with variance 1/fan_in, 1-D `*.weight` and `running_var` 0.5 + u, biases and `running_mean`
 * (2u − 1)·0.1, `num_batches_tracked` 0.
 */
export function hashedStateDict(shapes: Iterable<[string, readonly number[]]>): Map<string, HostTensor> {
  const sd = new Map<string, HostTensor>();
  for (const [key, shape] of shapes) {
    const n = shape.reduce((a, b) => a * b, 1);
    if (key.endsWith('num_batches_tracked')) {
      sd.set(key, { dtype: 'int32', shape: [...shape], data: new Int32Array(n) });
      continue;
    }
    const u = hashedUniform(key, n);
    let f: (u: number) => number;
    if (shape.length >= 2) {
      const a = Math.sqrt(3 / shape.slice(1).reduce((x, y) => x * y, 1));
      f = (v) => (2 * v - 1) * a;
    } else if (key.endsWith('running_var') || key.endsWith('.weight') || key === 'weight') f = (v) => 0.5 + v;
    else f = (v) => (2 * v - 1) * 0.1;
    sd.set(key, { dtype: 'float32', shape: [...shape], data: Float32Array.from(u, f) });
  }
  return sd;
}

/** How a checkpoint's key manifest (key → PyTorch shape) fits a network through a key mapping. */
export interface ManifestFit {
  /** The network's keys the mapped manifest lacks. */
  missing: string[];
  /** Mapped manifest keys the network does not have. */
  unexpected: string[];
  /** `key: manifest shape vs network shape` where both have the key. */
  misshaped: string[];
}

/**
 * Maps a manifest's keys with `mapping` exactly as a load would (key rules, zero biases, 0-d scalars as
 * vectors) and compares them with the network's `shapes()`: a clean fit is three empty lists.
 */
export function manifestFit(manifest: Record<string, readonly number[]>, mapping: ZooKeyMapping, shapes: Map<string, number[]>): ManifestFit {
  // shapes only: the mapping never reads values, so no megabytes of zeros for a full-size network
  const sd: StateDict = new Map(Object.entries(manifest).map(([k, shape]) => [k, { dtype: 'float32', shape: [...shape], data: new Float32Array(0) }]));
  const mapped = applyZooKeyMapping(sd, mapping);
  // BatchNorm counters are optional on both sides (dropped by the key rules, never required by a strict load)
  const missing = [...shapes.keys()].filter((k) => !mapped.has(k) && !/(^|\.)num_batches_tracked$/.test(k));
  const unexpected = [...mapped.keys()].filter((k) => !shapes.has(k));
  const misshaped: string[] = [];
  for (const [k, t] of mapped) {
    const s = shapes.get(k);
    if (s && s.join('x') !== t.shape.join('x')) misshaped.push(`${k}: [${t.shape.join(', ')}] vs [${s.join(', ')}]`);
  }
  return { missing, unexpected, misshaped };
}
