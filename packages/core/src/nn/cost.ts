import * as tf from '@tensorflow/tfjs-core';

/** Active multiply-add tally (null outside `countMultiplyAdds`), fed by Conv2d and Linear. */
let tally: { macs: number } | null = null;

/** Called by layers with the multiply-adds of the call they just made. */
export function recordMultiplyAdds(macs: number): void {
  if (tally) tally.macs += macs;
}

/**
 * Multiply-adds of the conv and linear layers in one pass of `run` (the convention of the official
 * model summaries: FLOPs = 2 × this). Runs `run` once and frees what it returns.
 */
export function countMultiplyAdds(run: () => tf.TensorContainer): number {
  const previous = tally;
  tally = { macs: 0 };
  try {
    tf.dispose(tf.tidy(run));
    return tally.macs;
  } finally {
    tally = previous;
  }
}
