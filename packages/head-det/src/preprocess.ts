import * as tf from '@tensorflow/tfjs-core';
import { InputError } from '@hrnetjs/core';
import type { DetectionInputConfig } from './config.js';

/** Python 3 `round()`: halves go to the even neighbour. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * `Resize.get_size` of `maskrcnn_benchmark/data/transforms/transforms.py`: the shorter side becomes `minSize`
 * unless the longer side would then exceed `maxSize`, in which case the shorter side is
 * `round(maxSize · short / long)`; the other side is `int(size · long / short)` (truncated).
 * Returns `[height, width]`.
 */
export function officialResizeShape(height: number, width: number, minSize: number, maxSize: number | null): [number, number] {
  let size = minSize;
  if (maxSize !== null) {
    const minOrig = Math.min(width, height);
    const maxOrig = Math.max(width, height);
    if ((maxOrig / minOrig) * size > maxSize) size = roundHalfEven((maxSize * minOrig) / maxOrig);
  }
  if ((width <= height && width === size) || (height <= width && height === size)) return [height, width];
  if (width < height) return [Math.trunc((size * height) / width), size];
  return [size, Math.trunc((size * width) / height)];
}

const PRECISION_BITS = 32 - 8 - 2;

/**
 * Pillow's `precompute_coeffs` for the bilinear (triangle) filter, normalised to 8-bit fixed point
 * (`normalize_coeffs_8bpc`): the filter widens with the downscale factor, i.e. PIL antialiases.
 */
function pilCoefficients(inSize: number, outSize: number): { bounds: Int32Array; kk: Int32Array; ksize: number } {
  const scale = inSize / outSize;
  const filterscale = Math.max(scale, 1);
  const support = 1 * filterscale;
  const ksize = Math.ceil(support) * 2 + 1;
  const bounds = new Int32Array(outSize * 2);
  const kk = new Int32Array(outSize * ksize);
  const w = new Float64Array(ksize);
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    const ss = 1 / filterscale;
    const xmin = Math.max(0, Math.trunc(center - support + 0.5));
    const xmax = Math.min(inSize, Math.trunc(center + support + 0.5)) - xmin;
    let ww = 0;
    for (let x = 0; x < xmax; x++) {
      const t = Math.abs((x + xmin - center + 0.5) * ss);
      w[x] = t < 1 ? 1 - t : 0;
      ww += w[x]!;
    }
    for (let x = 0; x < xmax; x++) {
      const v = ww !== 0 ? w[x]! / ww : w[x]!;
      kk[xx * ksize + x] = Math.trunc(v < 0 ? -0.5 + v * (1 << PRECISION_BITS) : 0.5 + v * (1 << PRECISION_BITS));
    }
    bounds[2 * xx] = xmin;
    bounds[2 * xx + 1] = xmax;
  }
  return { bounds, kk, ksize };
}

/**
 * `PIL.Image.resize((w, h), Image.BILINEAR)` on an 8-bit RGB image (HWC, 3 channels), reproducing Pillow's
 * two-pass fixed-point resampler (horizontal pass first, each pass rounded to uint8). This is what
 * torchvision's `F.resize` does in the official test transform, antialiasing included.
 */
export function pilResizeBilinear(src: Uint8Array, height: number, width: number, outHeight: number, outWidth: number): Uint8Array {
  const half = 1 << (PRECISION_BITS - 1);
  const clip8 = (v: number) => {
    const r = v >> PRECISION_BITS;
    return r < 0 ? 0 : Math.min(r , 255);
  };
  let img = src;
  let w = width;
  if (outWidth !== width) {
    const { bounds, kk, ksize } = pilCoefficients(width, outWidth);
    const out = new Uint8Array(height * outWidth * 3);
    for (let y = 0; y < height; y++) {
      const row = y * width * 3;
      for (let xx = 0; xx < outWidth; xx++) {
        const xmin = bounds[2 * xx]!;
        const n = bounds[2 * xx + 1]!;
        let s0 = half;
        let s1 = half;
        let s2 = half;
        for (let x = 0; x < n; x++) {
          const k = kk[xx * ksize + x]!;
          const p = row + (x + xmin) * 3;
          s0 += img[p]! * k;
          s1 += img[p + 1]! * k;
          s2 += img[p + 2]! * k;
        }
        const o = (y * outWidth + xx) * 3;
        out[o] = clip8(s0);
        out[o + 1] = clip8(s1);
        out[o + 2] = clip8(s2);
      }
    }
    img = out;
    w = outWidth;
  }
  if (outHeight !== height) {
    const { bounds, kk, ksize } = pilCoefficients(height, outHeight);
    const out = new Uint8Array(outHeight * w * 3);
    for (let yy = 0; yy < outHeight; yy++) {
      const ymin = bounds[2 * yy]!;
      const n = bounds[2 * yy + 1]!;
      for (let x = 0; x < w * 3; x++) {
        let s = half;
        for (let y = 0; y < n; y++) s += img[(y + ymin) * w * 3 + x]! * kk[yy * ksize + y]!;
        out[yy * w * 3 + x] = clip8(s);
      }
    }
    img = out;
  }
  return img === src ? src.slice() : img;
}

export type ResizeMethod = 'pil' | 'bilinear';

/**
 * mmcv's `rescale_size((w, h), (maxSize, minSize))` as mmdet's `Resize(keep_ratio=True)` uses it: scale =
 * min(long edge / max(h, w), short edge / min(h, w)), each side `int(side · scale + 0.5)`. Returns `[h, w]`.
 */
export function mmdetResizeShape(height: number, width: number, minSize: number, maxSize: number): [number, number] {
  const long = Math.max(minSize, maxSize);
  const short = Math.min(minSize, maxSize);
  const scale = Math.min(long / Math.max(height, width), short / Math.min(height, width));
  return [Math.trunc(height * scale + 0.5), Math.trunc(width * scale + 0.5)];
}

/** The test size `[h, w]` an input config gives an image (the official rule or mmdet's). */
export function testResizeShape(height: number, width: number, config: DetectionInputConfig): [number, number] {
  return config.resizeRule === 'mmdet' ? mmdetResizeShape(height, width, config.minSize, config.maxSize ?? config.minSize) : officialResizeShape(height, width, config.minSize, config.maxSize);
}

/** The network input of one image and how it maps back. */
export interface PreparedImage {
  /** `[1, Hp, Wp, 3]`, BGR − mean (or as the config says), zero-padded bottom/right. */
  input: tf.Tensor4D;
  /** Size of the image before resizing. */
  original: { height: number; width: number };
  /** Size after resizing, before padding (`image_sizes` of the official `ImageList`: boxes are clipped to it). */
  resized: { height: number; width: number };
}

/**
 * The official test-time transform: resize (`officialResizeShape`), to BGR 0–255, minus `PIXEL_MEAN`, divided
 * by `PIXEL_STD`, then `to_image_list` zero-padding to a multiple of `sizeDivisibility`.
 * `image` is RGB 0–255 `[H, W, 3]` (as `imageToTensor` returns). With `resize: 'pil'` (default) the pixels are
 * rounded to 8 bits and resized with Pillow's antialiased bilinear filter exactly as the official
 * `T.Resize` does (on the CPU, in JS); `'bilinear'` resizes on the tfjs backend with `tf.image.resizeBilinear`
 * (half-pixel centres, no antialiasing: faster on GPU backends, slightly different when downscaling).
 */
export function prepareImage(image: tf.Tensor3D, config: DetectionInputConfig, resize: ResizeMethod = 'pil'): PreparedImage {
  const [height, width, channels] = image.shape;
  if (channels !== 3) throw new InputError(`prepareImage: expected an RGB [H, W, 3] image, found [${image.shape.join(', ')}]`);
  const [rh, rw] = testResizeShape(height, width, config);
  const mmdet = config.resizeRule === 'mmdet';
  const div = config.sizeDivisibility;
  const [ph, pw] = div > 0 ? [Math.ceil(rh / div) * div, Math.ceil(rw / div) * div] : [rh, rw];
  const input = tf.tidy(() => {
    let rgb: tf.Tensor3D;
    if (resize === 'pil') {
      const pixels = tf.tidy(() => tf.cast(tf.clipByValue(tf.round(image), 0, 255), 'int32'));
      const bytes = Uint8Array.from(pixels.dataSync());
      pixels.dispose();
      const out = rh === height && rw === width ? bytes : pilResizeBilinear(bytes, height, width, rh, rw);
      rgb = tf.tensor3d(Float32Array.from(out), [rh, rw, 3], 'float32');
    } else {
      rgb = rh === height && rw === width ? tf.cast(image, 'float32') : tf.image.resizeBilinear(image, [rh, rw], false, true);
      // mmcv's cv2.resize of a uint8 image gives uint8 pixels again
      if (mmdet) rgb = tf.clipByValue(tf.round(rgb), 0, 255);
    }
    if (mmdet) {
      // mmcv imnormalize on the BGR uint8 image (LoadImageFromFile reads BGR): (v − mean) · (1 / std), float32
      const ordered = config.toBgr255 ? tf.reverse(rgb, 2) : rgb;
      const normed = tf.mul(tf.sub(ordered, config.pixelMean), config.pixelStd.map((s) => 1 / s));
      return tf.expandDims(tf.pad(normed, [[0, ph - rh], [0, pw - rw], [0, 0]]), 0) as tf.Tensor4D;
    }
    // ToTensor divides by 255 and TO_BGR255 multiplies back, in float32: (v / 255) · 255 is not always v
    const unit = tf.div(rgb, 255);
    const ordered = config.toBgr255 ? tf.mul(tf.reverse(unit, 2), 255) : unit;
    const normed = tf.div(tf.sub(ordered, config.pixelMean), config.pixelStd);
    return tf.expandDims(tf.pad(normed, [[0, ph - rh], [0, pw - rw], [0, 0]]), 0) as tf.Tensor4D;
  });
  return { input, original: { height, width }, resized: { height: rh, width: rw } };
}
