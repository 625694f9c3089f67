import * as tf from '@tensorflow/tfjs-core';
import type { Module, StateDict } from '@hrnetjs/core';

export const now = (): number => performance.now();

/**
 * Loads weights strictly into a freshly built network (a file for another architecture throws the
 * StateDictError that names the missing/unexpected/mismatched keys), then folds BatchNorm, as every task
 * API does after loading. Without weights the random initialisation is kept unfused.
 */
export function loadInto<M extends Module<any, any>>(model: M, weights: StateDict | null): M {
  if (!weights) return model;
  try {
    model.loadStateDict(weights, { strict: true });
    model.fuse();
    return model;
  } catch (e) {
    model.dispose();
    throw e;
  }
}

/** Reads a tensor back and frees it: on webgl/webgpu this is when the queued GPU work has finished. */
export async function download(t: tf.Tensor): Promise<Float32Array> {
  try {
    return (await t.data()) as Float32Array;
  } finally {
    t.dispose();
  }
}
