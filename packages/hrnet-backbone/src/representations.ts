import * as tf from '@tensorflow/tfjs-core';
import { ShapeError, avgPool2d, resizeBilinear } from '@hrnetjs/core';

/** HRNetV1: only the highest-resolution output (pose estimation). */
export function hrnetV1(features: tf.Tensor[]): tf.Tensor {
  if (features.length === 0) throw new ShapeError('hrnetV1: no feature maps');
  return features[0]!;
}

/**
 * HRNetV2: every branch bilinearly upsampled to the highest resolution and concatenated along channels
 * (segmentation, facial landmarks). `alignCorners` follows the checkpoint's config.
 */
export function hrnetV2(features: tf.Tensor[], alignCorners = false): tf.Tensor4D {
  if (features.length === 0) throw new ShapeError('hrnetV2: no feature maps');
  const [, h, w] = features[0]!.shape as number[];
  return tf.concat(
    features.map((f, i) => (i === 0 ? (f as tf.Tensor4D) : resizeBilinear(f, [h!, w!], alignCorners))),
    3,
  );
}

/**
 * HRNetV2p: the HRNetV2 map plus a pyramid made by average pooling it by 2, 4, 8, … (`levels` maps in
 * all, the first being HRNetV2 itself). Detection necks (HRFPN) reduce channels before pooling and add a
 * conv per level; this is the parameter-free representation of the paper.
 */
export function hrnetV2p(features: tf.Tensor[], levels = 4, alignCorners = false): tf.Tensor4D[] {
  const base = hrnetV2(features, alignCorners);
  const out: tf.Tensor4D[] = [base];
  for (let l = 1; l < levels; l++) out.push(avgPool2d(base, 2 ** l));
  return out;
}
