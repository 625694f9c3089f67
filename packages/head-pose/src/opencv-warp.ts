import * as tf from '@tensorflow/tfjs-core';
import { type Affine, InputError } from '@hrnetjs/core';

/** Pixels on the host, `data[(y·width + x)·channels + c]`. */
export interface HostPixels {
  data: ArrayLike<number>;
  width: number;
  height: number;
  channels: number;
}

/**
 * `cv2.warpAffine(img, M, (w, h), flags=INTER_LINEAR)` on a uint8 image with the default zero border, bit
 * for bit (OpenCV 4.x `WarpAffineInvoker` + `remapBilinear`), which is how the official pipeline crops:
 * - the map is inverted like `invertAffineTransform`;
 * - source coordinates are fixed point: `X = (round(M0·x·1024) + round((M1·y + M2)·1024) + 16) >> 5`, i.e.
 *   1/32 pixel (AB_BITS = 10, INTER_BITS = 5; `round` is `cvRound`, half to even);
 * - the four bilinear weights are integers summing to 32768 (`(32−ay)(32−ax)·32`, …) and the result is
 *   `(Σ w·v + 2^14) >> 15`; neighbours outside the image read 0.
 * Input values are rounded (half to even) and clipped to 0–255 first, as a uint8 image would hold them.
 * Every intermediate is an integer below 2^24, so the result does not depend on float precision.
 *
 * It runs on the host, on typed arrays: a loop over the crop's pixels costs about 1 ms a 256x192 crop, where
 * the same sampling as tfjs ops (a gather of 4 neighbours a pixel, weights, a sum) cost ~30 ms on tfjs-wasm,
 * and on GPU backends uploads index and weight tensors larger than the image. Returns the crops
 * `[N, h, w, C]` as one Float32Array.
 */
export function warpAffineOpenCVPixels(image: HostPixels, imageToCrop: readonly Affine[], outSize: { width: number; height: number }): Float32Array {
  if (imageToCrop.length === 0) throw new InputError('warpAffineOpenCV: no crops requested');
  const { width: W, height: H, channels: C } = image;
  if (image.data.length !== W * H * C) {
    throw new InputError(`warpAffineOpenCV: a ${W}x${H}x${C} image needs ${W * H * C} values, found ${image.data.length}`);
  }
  const { width: w, height: h } = outSize;
  const n = imageToCrop.length;
  const src = toUint8(image.data);
  const out = new Float32Array(n * h * w * C);
  const adelta = new Int32Array(w);
  const bdelta = new Int32Array(w);
  const rowStride = W * C;
  imageToCrop.forEach((m, b) => {
    // cv::invertAffineTransform
    let d = m[0] * m[4] - m[1] * m[3];
    d = d !== 0 ? 1 / d : 0;
    const a11 = m[4] * d;
    const a22 = m[0] * d;
    const a12 = -m[1] * d;
    const a21 = -m[3] * d;
    const b1 = -a11 * m[2] - a12 * m[5];
    const b2 = -a21 * m[2] - a22 * m[5];
    for (let x = 0; x < w; x++) {
      adelta[x] = cvRound(a11 * x * 1024);
      bdelta[x] = cvRound(a21 * x * 1024);
    }
    for (let y = 0; y < h; y++) {
      const x0 = cvRound((a12 * y + b1) * 1024) + 16;
      const y0 = cvRound((a22 * y + b2) * 1024) + 16;
      let o = ((b * h + y) * w) * C;
      for (let x = 0; x < w; x++, o += C) {
        const X = (x0 + adelta[x]!) >> 5;
        const Y = (y0 + bdelta[x]!) >> 5;
        const sx = X >> 5;
        const sy = Y >> 5;
        const ax = X & 31;
        const ay = Y & 31;
        const w00 = (32 - ay) * (32 - ax) * 32;
        const w01 = (32 - ay) * ax * 32;
        const w10 = ay * (32 - ax) * 32;
        const w11 = ay * ax * 32;
        const in0 = sy >= 0 && sy < H;
        const in1 = sy + 1 >= 0 && sy + 1 < H;
        const inL = sx >= 0 && sx < W;
        const inR = sx + 1 >= 0 && sx + 1 < W;
        const p = sy * rowStride + sx * C;
        for (let c = 0; c < C; c++) {
          // a neighbour outside the image reads 0 (BORDER_CONSTANT)
          const v00 = in0 && inL ? src[p + c]! : 0;
          const v01 = in0 && inR ? src[p + C + c]! : 0;
          const v10 = in1 && inL ? src[p + rowStride + c]! : 0;
          const v11 = in1 && inR ? src[p + rowStride + C + c]! : 0;
          out[o + c] = (w00 * v00 + w01 * v01 + w10 * v10 + w11 * v11 + 16384) >> 15;
        }
      }
    }
  });
  return out;
}

/**
 * {@link warpAffineOpenCVPixels} on a tensor `[H, W, C]`: returns `[N, h, w, C]`. It reads the image back
 * synchronously (`dataSync`); async callers with the pixels at hand (`estimatePoses`) call the host version.
 */
export function warpAffineOpenCV(image: tf.Tensor3D, imageToCrop: readonly Affine[], outSize: { width: number; height: number }): tf.Tensor4D {
  if (imageToCrop.length === 0) throw new InputError('warpAffineOpenCV: no crops requested');
  const [H, W, C] = image.shape;
  const data = image.dataSync();
  const crops = warpAffineOpenCVPixels({ data, width: W, height: H, channels: C }, imageToCrop, outSize);
  return tf.tensor4d(crops, [imageToCrop.length, outSize.height, outSize.width, C]);
}

/**
 * The values a uint8 image holds: rounded half to even (as `tf.round`, `cvRound`), clipped to 0–255, NaN → 0.
 * That is exactly the typed-array conversion ToUint8Clamp, done natively (a JS loop with Math.round took 3×).
 */
function toUint8(data: ArrayLike<number>): Uint8Array | Uint8ClampedArray {
  if (data instanceof Uint8Array || data instanceof Uint8ClampedArray) return data;
  return ArrayBuffer.isView(data) ? new Uint8ClampedArray(data as unknown as ArrayLike<number>) : Uint8ClampedArray.from(data);
}

/** `cvRound` of a double: nearest integer, ties to even (`lrint` in the default rounding mode). */
function cvRound(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
