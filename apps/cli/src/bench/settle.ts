import * as tf from '@tensorflow/tfjs-core';

/** Waits for every tensor in a network's output (a tensor, or arrays / objects of them), then frees them. */
export async function settle(out: unknown): Promise<void> {
  const tensors: tf.Tensor[] = [];
  const walk = (v: unknown): void => {
    if (v instanceof tf.Tensor) tensors.push(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(out);
  await Promise.all(tensors.map((t) => t.data()));
  tf.dispose(tensors);
}
