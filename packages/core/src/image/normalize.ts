import * as tf from '@tensorflow/tfjs-core';

/** ImageNet statistics in 0–1 units (torchvision `Normalize`), used by every HRNet task but detection. */
export const IMAGENET_MEAN: readonly [number, number, number] = [0.485, 0.456, 0.406];
export const IMAGENET_STD: readonly [number, number, number] = [0.229, 0.224, 0.225];

/**
 * RGB 0–255 → (x/255 − mean)/std per channel, as `ToTensor()` + `Normalize(mean, std)`.
 * Works on `[…, 3]` tensors (any rank).
 */
export function normalizeImageNet(rgb255: tf.Tensor, mean = IMAGENET_MEAN, std = IMAGENET_STD): tf.Tensor {
  return tf.tidy(() => {
    const scale = tf.tensor1d(std.map((s) => 1 / (255 * s)));
    const shift = tf.tensor1d(mean.map((m, i) => -m / std[i]!));
    return tf.add(tf.mul(rgb255, scale), shift);
  });
}
