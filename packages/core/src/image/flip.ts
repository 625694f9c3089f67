import * as tf from '@tensorflow/tfjs-core';

/**
 * Channel permutation that swaps every left/right pair (identity elsewhere): channel i of the result is
 * `perm[i]`. The one place the flip tests of every head (pose `flip_back`, face, LIP segmentation) get it.
 */
export function flipPermutation(numChannels: number, flipPairs: readonly (readonly [number, number])[]): number[] {
  const perm = Array.from({ length: numChannels }, (_, i) => i);
  for (const [a, b] of flipPairs) {
    perm[a] = b;
    perm[b] = a;
  }
  return perm;
}

/**
 * Maps computed on a mirrored NHWC input, brought back: mirrored along x, then every flip pair of channels
 * swapped (the official `flip_back`).
 */
export function flipBack(maps: tf.Tensor4D, flipPairs: readonly (readonly [number, number])[]): tf.Tensor4D {
  return tf.tidy(() => {
    const mirrored = tf.reverse(maps, 2) as tf.Tensor4D;
    const perm = flipPermutation(maps.shape[3], flipPairs);
    if (perm.every((p, i) => p === i)) return mirrored;
    return tf.gather(mirrored, tf.tensor1d(perm, 'int32'), 3) as tf.Tensor4D;
  });
}
