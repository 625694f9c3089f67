import * as tf from '@tensorflow/tfjs-core';
import { affineCrops, normalizeImageNet } from '@hrnetjs/core';
import { type CenterScale, getAffineTransform } from './transforms.js';

export interface CropOptions {
  /**
   * Round crop values to whole numbers, as the official `cv2.warpAffine` on a uint8 image does (default
   * true). See the README ("Crops and OpenCV") for how close either choice is to OpenCV.
   */
  roundCrop?: boolean;
}

/**
 * Person crops from an RGB 0–255 `[H, W, 3]` image: one `get_affine_transform(center, scale, 0, size)` warp a
 * person, bilinear with zeros outside the image (`cv2.warpAffine(…, INTER_LINEAR)`). Returns `[N, h, w, 3]`
 * still in 0–255.
 */
export function cropPersons(
  image: tf.Tensor3D,
  people: readonly CenterScale[],
  inputSize: readonly [number, number],
  options: CropOptions = {},
): tf.Tensor4D {
  const maps = people.map((p) => getAffineTransform(p.center, p.scale, 0, inputSize));
  return tf.tidy(() => {
    const crops = affineCrops(image, maps, { width: inputSize[0], height: inputSize[1] });
    return (options.roundCrop ?? true ? tf.round(crops) : crops) as tf.Tensor4D;
  });
}

/** Crops → network input: ImageNet mean/std normalisation of RGB (`ToTensor()` + `Normalize`). */
export function preprocessCrops(crops: tf.Tensor4D): tf.Tensor4D {
  return normalizeImageNet(crops) as tf.Tensor4D;
}
