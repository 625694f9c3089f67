import * as tf from '@tensorflow/tfjs-core';
import type { EngineName } from '@hrnetjs/core';

/** The engine in words, as the page shows it. */
export function engineLabel(engine: EngineName): string {
  return engine === 'onnxruntime' ? 'onnxruntime-web wasm' : `tfjs ${tf.getBackend()}`;
}

export const now = (): number => performance.now();

/** Reads a tensor back and frees it: on webgl/webgpu this is when the queued GPU work has finished. */
export async function download(t: tf.Tensor): Promise<Float32Array> {
  try {
    return (await t.data()) as Float32Array;
  } finally {
    t.dispose();
  }
}
