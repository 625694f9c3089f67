import * as tf from '@tensorflow/tfjs-core';
import { InputError, ShapeError } from '../errors.js';
import { describeValue } from '../task/describe.js';

/** Raw pixels, as Node image decoders (sharp, jpeg-js, pngjs) give them; `ImageData` fits too. */
export interface PixelData {
  data: Uint8Array | Uint8ClampedArray | Float32Array;
  width: number;
  height: number;
  /** 1 (gray), 3 (RGB) or 4 (RGBA); inferred from the data length when absent. */
  channels?: number;
}

/** Browser images `tf.browser.fromPixels` reads (declared structurally so Node builds need no DOM). */
export type BrowserImage =
  | { readonly naturalWidth: number; readonly naturalHeight: number } // HTMLImageElement
  | { readonly videoWidth: number; readonly videoHeight: number } // HTMLVideoElement
  | { readonly width: number; readonly height: number; getContext?: unknown } // canvases
  | { readonly width: number; readonly height: number; close(): void }; // ImageBitmap

/** Everything the task APIs accept as an image. */
export type ImageInput = tf.Tensor3D | PixelData | BrowserImage;

function isPixelData(x: unknown): x is PixelData {
  if (typeof x !== 'object' || x === null) return false;
  const d = (x as PixelData).data;
  return d instanceof Uint8Array || d instanceof Uint8ClampedArray || d instanceof Float32Array;
}

/** Gray or RGBA → RGB, on an `[H, W, C]` tensor. */
function toThreeChannels(t: tf.Tensor3D): tf.Tensor3D {
  const c = t.shape[2];
  if (c === 3) return t;
  if (c === 1) return tf.tile(t, [1, 1, 3]);
  if (c === 4) return tf.slice(t, [0, 0, 0], [-1, -1, 3]);
  throw new ShapeError(`image: expected 1 (gray), 3 (RGB) or 4 (RGBA) channels, found ${c}`);
}

function checkSize(width: number, height: number): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new InputError(`image: expected a positive integer width and height, found ${describeValue(width)}x${describeValue(height)}`);
  }
}

/**
 * Any supported image → float32 RGB `[H, W, 3]` with values 0–255 (the caller disposes it).
 * Gray is repeated to three channels and alpha dropped. Float input must be finite (NaN/∞ → InputError).
 */
export function imageToTensor(image: ImageInput): tf.Tensor3D {
  if (image instanceof tf.Tensor) {
    if (image.rank !== 3) throw new ShapeError(`image: expected a [height, width, channels] tensor, found shape [${image.shape.join(', ')}]`);
    checkSize(image.shape[1]!, image.shape[0]!);
    return tf.tidy(() => {
      const rgb = toThreeChannels(tf.cast(image, 'float32') as tf.Tensor3D);
      if (image.dtype === 'float32' && !tf.all(tf.isFinite(rgb)).dataSync()[0]) {
        throw new InputError('image: the tensor holds NaN or infinite values');
      }
      return rgb;
    });
  }
  if (isPixelData(image)) {
    const { data, width, height } = image;
    checkSize(width, height);
    const channels = image.channels ?? data.length / (width * height);
    if (![1, 3, 4].includes(channels)) {
      throw new ShapeError(`image: expected 1, 3 or 4 channels, found ${image.channels ?? `${data.length} values for ${width}x${height} pixels`}`);
    }
    if (data.length !== width * height * channels) {
      throw new ShapeError(`image: ${width}x${height}x${channels} needs ${width * height * channels} values, found ${data.length}`);
    }
    if (data instanceof Float32Array && !data.every(Number.isFinite)) throw new InputError('image: pixel data holds NaN or infinite values');
    const values = data instanceof Float32Array ? data : Float32Array.from(data);
    return tf.tidy(() => toThreeChannels(tf.tensor3d(values, [height, width, channels])));
  }
  if (typeof image === 'object' && image !== null && 'data' in image) {
    throw new InputError(`image: pixel data must be a Uint8Array, Uint8ClampedArray or Float32Array, found ${describeValue((image as { data: unknown }).data)}`);
  }
  const browser = (tf as { browser?: { fromPixels?: (img: unknown, c: number) => tf.Tensor3D } }).browser;
  if (browser?.fromPixels && looksLikeBrowserImage(image)) {
    const { width, height } = imageSize(image);
    checkSize(width, height);
    try {
      return tf.tidy(() => tf.cast(browser.fromPixels!(image, 3), 'float32') as tf.Tensor3D);
    } catch (e) {
      throw new InputError(`image: the browser image could not be read (${String((e as Error)?.message).slice(0, 200)})`);
    }
  }
  throw new InputError(`image: expected a tf.Tensor3D, { data, width, height, channels } pixels, or a browser image/canvas/video/bitmap, found ${describeValue(image)}`);
}

function looksLikeBrowserImage(x: unknown): boolean {
  if (typeof x !== 'object' || x === null) return false;
  const o = x as Record<string, unknown>;
  return typeof o.naturalWidth === 'number' || typeof o.videoWidth === 'number' || (typeof o.width === 'number' && typeof o.height === 'number');
}

/** Width and height of any supported image without reading its pixels. */
export function imageSize(image: ImageInput): { width: number; height: number } {
  if (image instanceof tf.Tensor) {
    if (image.rank !== 3) throw new ShapeError(`image: expected a [height, width, channels] tensor, found shape [${image.shape.join(', ')}]`);
    return { width: image.shape[1]!, height: image.shape[0]! };
  }
  if (typeof image !== 'object' || image === null) throw new InputError(`image: expected a tensor, pixel data or a browser image, found ${describeValue(image)}`);
  const o = image as unknown as Record<string, number>;
  const size =
    typeof o.naturalWidth === 'number' && o.naturalWidth > 0
      ? { width: o.naturalWidth, height: o.naturalHeight! }
      : typeof o.videoWidth === 'number' && o.videoWidth > 0
        ? { width: o.videoWidth, height: o.videoHeight! }
        : { width: o.width!, height: o.height! };
  checkSize(size.width, size.height);
  return size;
}
