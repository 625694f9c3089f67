import * as tf from '@tensorflow/tfjs-core';
import { affineCrops, normalizeImageNet } from '@hrnetjs/core';
import { type HostPixels, warpAffineOpenCV, warpAffineOpenCVPixels } from './opencv-warp.js';
import { type CenterScale, getAffineTransform } from './transforms.js';

/**
 * How person crops are sampled (all bilinear, zeros outside the image):
 * - `'opencv'` (default): bit-exact `cv2.warpAffine(…, INTER_LINEAR)` on a uint8 image, as the official
 *   pipeline crops (1/32-pixel coordinates, integer weights, rounded result); see {@link warpAffineOpenCV}.
 * - `'rounded'`: `tf.image.transform` at exact coordinates, rounded to integers (within 3 levels of OpenCV).
 * - `'exact'`: `tf.image.transform` at exact coordinates, no rounding (float crops; also for float images
 *   whose values are not whole numbers).
 */
export type CropMethod = 'opencv' | 'rounded' | 'exact';

export interface CropOptions {
  method?: CropMethod;
}

/**
 * Person crops from an RGB 0–255 `[H, W, 3]` image: one `get_affine_transform(center, scale, 0, size)` warp a
 * person. Returns `[N, h, w, 3]` still in 0–255.
 */
export function cropPersons(
  image: tf.Tensor3D,
  people: readonly CenterScale[],
  inputSize: readonly [number, number],
  options: CropOptions = {},
): tf.Tensor4D {
  const maps = cropMaps(people, inputSize);
  const size = { width: inputSize[0], height: inputSize[1] };
  const method = options.method ?? 'opencv';
  if (method === 'opencv') return warpAffineOpenCV(image, maps, size);
  return tf.tidy(() => {
    const crops = affineCrops(image, maps, size);
    return (method === 'rounded' ? tf.round(crops) : crops) as tf.Tensor4D;
  });
}

/**
 * The 'opencv' person crops of {@link cropPersons} from host pixels (RGB 0–255), without tfjs: `[N, h, w, C]`
 * as one Float32Array, the same values as `cropPersons(…, { method: 'opencv' })`.
 */
export function cropPersonsHost(image: HostPixels, people: readonly CenterScale[], inputSize: readonly [number, number]): Float32Array {
  return warpAffineOpenCVPixels(image, cropMaps(people, inputSize), { width: inputSize[0], height: inputSize[1] });
}

function cropMaps(people: readonly CenterScale[], inputSize: readonly [number, number]) {
  return people.map((p) => getAffineTransform(p.center, p.scale, 0, inputSize));
}

/** Crops → network input: ImageNet mean/std normalisation of RGB (`ToTensor()` + `Normalize`). */
export function preprocessCrops(crops: tf.Tensor4D): tf.Tensor4D {
  return normalizeImageNet(crops) as tf.Tensor4D;
}
