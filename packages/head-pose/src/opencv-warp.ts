import * as tf from '@tensorflow/tfjs-core';
import { type Affine, InputError, invertAffine } from '@hrnetjs/core';

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
  // the uint8 pixels of the part of the image the crops read; sample coordinates stay the image's, offset below
  const { src, x0: rx, y0: ry, width: RW, height: RH } = toUint8(image, sourceRegion(imageToCrop, W, H, w, h));
  const out = new Float32Array(n * h * w * C);
  const adelta = new Int32Array(w);
  const bdelta = new Int32Array(w);
  const rowStride = RW * C;
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
        // region coordinates: a neighbour outside the region is outside the image (the region holds every
        // in-image pixel a crop reads)
        const sx = (X >> 5) - rx;
        const sy = (Y >> 5) - ry;
        const ax = X & 31;
        const ay = Y & 31;
        const w00 = (32 - ay) * (32 - ax) * 32;
        const w01 = (32 - ay) * ax * 32;
        const w10 = ay * (32 - ax) * 32;
        const w11 = ay * ax * 32;
        const in0 = sy >= 0 && sy < RH;
        const in1 = sy + 1 >= 0 && sy + 1 < RH;
        const inL = sx >= 0 && sx < RW;
        const inR = sx + 1 >= 0 && sx + 1 < RW;
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
export function warpAffineOpenCV(
  image: tf.Tensor3D | HostPixels,
  imageToCrop: readonly Affine[],
  outSize: { width: number; height: number },
): tf.Tensor4D {
  if (imageToCrop.length === 0) throw new InputError('warpAffineOpenCV: no crops requested');
  // a tensor is read back synchronously: fine on cpu/wasm; on GPU backends pass host pixels read with an async
  // `data()` (webgpu's sync read fails in Chromium: "A valid external Instance reference no longer exists")
  const host = image instanceof tf.Tensor ? { data: image.dataSync(), width: image.shape[1], height: image.shape[0], channels: image.shape[2] } : image;
  const crops = warpAffineOpenCVPixels(host, imageToCrop, outSize);
  return tf.tensor4d(crops, [imageToCrop.length, outSize.height, outSize.width, host.channels]);
}

/** Rows `y0..y1` and columns `x0..x1` (inclusive) of the image any crop reads: the crops' corners, mapped back, ±2. */
interface Region {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

function sourceRegion(imageToCrop: readonly Affine[], W: number, H: number, w: number, h: number): Region {
  let x0 = Infinity;
  let x1 = -Infinity;
  let y0 = Infinity;
  let y1 = -Infinity;
  for (const m of imageToCrop) {
    let inv: Affine;
    try {
      inv = invertAffine(m);
    } catch {
      return { x0: 0, x1: W - 1, y0: 0, y1: H - 1 }; // a singular map (the warp reads pixel 0 for all): read everything
    }
    // an affine map's extremes over the crop are at its corners
    for (const [x, y] of [[0, 0], [w, 0], [0, h], [w, h]] as const) {
      const sx = inv[0] * x + inv[1] * y + inv[2];
      const sy = inv[3] * x + inv[4] * y + inv[5];
      x0 = Math.min(x0, sx);
      x1 = Math.max(x1, sx);
      y0 = Math.min(y0, sy);
      y1 = Math.max(y1, sy);
    }
  }
  const clip = (v: number, hi: number) => Math.min(hi, Math.max(0, v));
  // non-finite maps (a zero-size crop) read the whole image
  if (![x0, x1, y0, y1].every(Number.isFinite)) return { x0: 0, x1: W - 1, y0: 0, y1: H - 1 };
  return { x0: clip(Math.floor(x0) - 2, W - 1), x1: clip(Math.ceil(x1) + 2, W - 1), y0: clip(Math.floor(y0) - 2, H - 1), y1: clip(Math.ceil(y1) + 2, H - 1) };
}

/**
 * The values a uint8 image holds, of the `region` the crops read (a copy of that part only, so a call allocates
 * little: large typed arrays each call cost garbage collections): rounded half to even (as `tf.round`,
 * `cvRound`), clipped to 0–255, NaN → 0, which is exactly the typed-array conversion ToUint8Clamp, done natively
 * row by row (a JS loop with Math.round over a whole VGA image took 3× as long). 8-bit data is used as it is.
 */
function toUint8(image: HostPixels, region: Region): { src: ArrayLike<number>; x0: number; y0: number; width: number; height: number } {
  const { data, width: W, height: H, channels: C } = image;
  if (data instanceof Uint8Array || data instanceof Uint8ClampedArray) return { src: data, x0: 0, y0: 0, width: W, height: H };
  const width = region.x1 - region.x0 + 1;
  const height = region.y1 - region.y0 + 1;
  const src = new Uint8ClampedArray(width * height * C);
  const typed = ArrayBuffer.isView(data) ? (data as unknown as Float32Array) : Float32Array.from(data);
  for (let y = 0; y < height; y++) {
    const from = ((region.y0 + y) * W + region.x0) * C;
    src.set(typed.subarray(from, from + width * C), y * width * C);
  }
  return { src, x0: region.x0, y0: region.y0, width, height };
}

/** `cvRound` of a double: nearest integer, ties to even (`lrint` in the default rounding mode). */
function cvRound(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
