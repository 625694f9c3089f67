import * as tf from '@tensorflow/tfjs-core';
import { flipBack } from '@hrnetjs/core';

/** The official `flip_back` (core's `flipBack`), re-exported for pose users. */
export { flipBack } from '@hrnetjs/core';

/**
 * `TEST.SHIFT_HEATMAP`: the flipped-back heatmaps moved one pixel right (`out[..., 1:] = out[..., :-1]`;
 * column 0 keeps its value), because a mirrored stride-4 feature map is misaligned by one heatmap pixel.
 */
export function shiftHeatmapRight(heatmaps: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const w = heatmaps.shape[2];
    if (w < 2) return heatmaps.clone();
    const first = tf.slice(heatmaps, [0, 0, 0, 0], [-1, -1, 1, -1]);
    const rest = tf.slice(heatmaps, [0, 0, 0, 0], [-1, -1, w - 1, -1]);
    return tf.concat([first, rest], 2) as tf.Tensor4D;
  });
}

export interface FlipTestOptions {
  flipPairs: readonly (readonly [number, number])[];
  /** Official `TEST.SHIFT_HEATMAP` (true in every official config). */
  shiftHeatmap?: boolean;
}

/**
 * The official flip test: the network also sees every crop mirrored (`input.flip(3)`); its heatmaps are
 * flipped back, pairs swapped, shifted one pixel, and averaged with the plain ones. Two forward passes, as
 * the official code runs them, one after the other so that the first pass's intermediates are freed before
 * the second (peak memory of one pass). `run` maps an NHWC batch to NHWC heatmaps on any engine (the task
 * objects pass their runner); the caller disposes the result.
 */
export async function flipTest(
  run: (x: tf.Tensor4D) => tf.Tensor4D | Promise<tf.Tensor4D>,
  input: tf.Tensor4D,
  options: FlipTestOptions,
): Promise<tf.Tensor4D> {
  const plain = await run(input);
  let flipped: tf.Tensor4D | undefined;
  try {
    const mirrored = tf.reverse(input, 2) as tf.Tensor4D;
    try {
      flipped = await run(mirrored);
    } finally {
      mirrored.dispose();
    }
    return tf.tidy(() => {
      let back = flipBack(flipped!, options.flipPairs);
      if (options.shiftHeatmap ?? true) back = shiftHeatmapRight(back);
      return tf.mul(tf.add(plain, back), 0.5) as tf.Tensor4D;
    });
  } finally {
    plain.dispose();
    flipped?.dispose();
  }
}
