import * as tf from '@tensorflow/tfjs-core';

export const now = (): number => performance.now();

/** Reads a tensor back and frees it: on webgl/webgpu this is when the queued GPU work has finished. */
export async function download(t: tf.Tensor): Promise<Float32Array> {
  try {
    return (await t.data()) as Float32Array;
  } finally {
    t.dispose();
  }
}
