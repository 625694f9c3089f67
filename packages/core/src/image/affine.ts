import * as tf from '@tensorflow/tfjs-core';
import { InputError } from '../errors.js';

/**
 * A 2x3 affine map `[a, b, c, d, e, f]`: (x, y) → (a·x + b·y + c, d·x + e·y + f), in pixel coordinates
 * where integer coordinates are pixel centres (OpenCV's `warpAffine` convention).
 */
export type Affine = [number, number, number, number, number, number];

export function applyAffine(m: Affine, x: number, y: number): [number, number] {
  return [m[0] * x + m[1] * y + m[2], m[3] * x + m[4] * y + m[5]];
}

export function invertAffine(m: Affine): Affine {
  const [a, b, c, d, e, f] = m;
  const det = a * e - b * d;
  if (!Number.isFinite(det) || Math.abs(det) < 1e-12) throw new InputError(`affine map is not invertible (determinant ${det})`);
  const ia = e / det;
  const ib = -b / det;
  const id = -d / det;
  const ie = a / det;
  return [ia, ib, -(ia * c + ib * f), id, ie, -(id * c + ie * f)];
}

/**
 * The affine map taking three source points to three destination points (`cv2.getAffineTransform`).
 */
export function affineFromPoints(src: [number, number][], dst: [number, number][]): Affine {
  // Solve [x y 1] · [a d; b e; c f] = [x' y'] for the three pairs (Cramer's rule on the 3x3 system).
  const [[x0, y0], [x1, y1], [x2, y2]] = src as [[number, number], [number, number], [number, number]];
  const det = x0 * (y1 - y2) - y0 * (x1 - x2) + (x1 * y2 - x2 * y1);
  if (Math.abs(det) < 1e-12) throw new InputError('affineFromPoints: the source points are collinear');
  const solve = (v0: number, v1: number, v2: number): [number, number, number] => [
    (v0 * (y1 - y2) - y0 * (v1 - v2) + (v1 * y2 - v2 * y1)) / det,
    (x0 * (v1 - v2) - v0 * (x1 - x2) + (x1 * v2 - x2 * v1)) / det,
    (x0 * (y1 * v2 - y2 * v1) - y0 * (x1 * v2 - x2 * v1) + v0 * (x1 * y2 - x2 * y1)) / det,
  ];
  const [a, b, c] = solve(dst[0]![0], dst[1]![0], dst[2]![0]);
  const [d, e, f] = solve(dst[0]![1], dst[1]![1], dst[2]![1]);
  return [a, b, c, d, e, f];
}

/**
 * Warps crops out of one image: for each `imageToCrop` map (image pixels → crop pixels, as the official
 * `get_affine_transform` returns), samples the image bilinearly like `cv2.warpAffine(…, INTER_LINEAR)`
 * with zeros outside. `image` is `[H, W, C]`; returns `[N, outH, outW, C]`.
 */
export function affineCrops(image: tf.Tensor3D, imageToCrop: Affine[], outSize: { width: number; height: number }): tf.Tensor4D {
  if (imageToCrop.length === 0) throw new InputError('affineCrops: no crops requested');
  return tf.tidy(() => {
    const batch = tf.expandDims(image, 0) as tf.Tensor4D;
    // tf.image.transform maps each output pixel to an input pixel, so it takes the inverse map
    const crops = imageToCrop.map((m) => {
      const [a, b, c, d, e, f] = invertAffine(m);
      const t = tf.tensor2d([[a, b, c, d, e, f, 0, 0]]);
      return tf.image.transform(batch, t, 'bilinear', 'constant', 0, [outSize.height, outSize.width]);
    });
    return crops.length === 1 ? crops[0]! : tf.concat(crops, 0);
  });
}
