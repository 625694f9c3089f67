/**
 * Helpers for golden tests against the official PyTorch code, shared by every package's tests
 * (`@hrnetjs/core/testing`). Test-runner agnostic.
 */
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend, type BackendName } from './backend.js';
import type { HostTensor } from './io/state-dict.js';

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
