import * as tf from '@tensorflow/tfjs-core';
import { describeValue, flipPermutation, IMAGE_BYTES_PER_PIXEL, InputError, NETWORK_BYTES_PER_PIXEL, normalizeImageNet, resizeBilinear } from '@hrnetjs/core';
import type { SegmentationNet } from './model.js';

/** Test-time options of the official pipeline (`BaseDataset.multi_scale_inference`). */
export interface InferenceOptions {
  /** Scales (`TEST.SCALE_LIST`); the results of all scales are summed. Default `[1]`. */
  scales?: number[];
  /** Also run the mirrored image and average the logits (`TEST.FLIP_TEST`). Default false. */
  flipTest?: boolean;
  /**
   * Sliding-window crop `[width, height]` (the YAML's `TEST.IMAGE_SIZE` order; or one number for a square).
   * Each scaled image is padded with black to at least this size and covered by overlapping crops, so memory
   * depends on the crop, not the image. Default: none, the whole (scaled) image in one pass.
   */
  cropSize?: number | [number, number] | null;
  /** Window step `[width, height]`; default ⌊2/3 · crop⌋ as the official code. Only with `cropSize`. */
  stride?: number | [number, number];
  /**
   * Long side (pixels) that scale 1 maps to (`TEST.BASE_SIZE`, `multi_scale_aug`). Default: the image's
   * own long side, so scale 1 keeps the size.
   */
  baseSize?: number;
  /** Channel pairs to swap in the mirrored output (LIP's left/right parts); default from the preset's data set. */
  flipPairs?: readonly (readonly [number, number])[];
  /**
   * Whose sliding window `cropSize` means: `'official'` (default: the image padded with black to whole crops,
   * exp-logits averaged) or `'mmseg'` (mmsegmentation's `slide_inference`: windows shifted back inside the
   * image, never padded, logits averaged; the scores are exp of that average, so their normalisation is
   * mmseg's softmax).
   */
  slideMode?: 'official' | 'mmseg';
}

/** `[width, height]` (or a number) → `[height, width]`, the order the tensors use. */
function pair(v: number | [number, number], what: string): [number, number] {
  const p: [number, number] = typeof v === 'number' ? [v, v] : Array.isArray(v) ? [v[1], v[0]] : [Number.NaN, Number.NaN];
  if (!p.every((x) => Number.isInteger(x) && x > 0)) {
    throw new InputError(`${what}: expected a positive integer or [width, height] of positive integers, found ${describeValue(v)}`);
  }
  return p;
}

/**
 * The network's inference output (`TEST.OUTPUT_INDEX`) for an NHWC batch, on any engine: NHWC logits at a
 * quarter of the input size. The caller disposes the result.
 */
export type SegLogits = (x: tf.Tensor4D) => Promise<tf.Tensor4D>;

/** Picks the inference output (`TEST.OUTPUT_INDEX`) from the network's outputs (one tensor, or `[aux, out]` for OCR), freeing the others. */
export function selectLogits(model: SegmentationNet<unknown>, outputs: tf.Tensor4D | tf.Tensor4D[]): tf.Tensor4D {
  if (!Array.isArray(outputs)) return outputs;
  const i = model.segConfig.outputIndex;
  const chosen = outputs[i < 0 ? outputs.length + i : i]!;
  tf.dispose(outputs.filter((o) => o !== chosen));
  return chosen;
}

/** The tfjs engine's `SegLogits`: the network's own `predict`. */
export function modelLogits(model: SegmentationNet<unknown>): SegLogits {
  return async (x) => selectLogits(model, model.predict(x) as tf.Tensor4D | tf.Tensor4D[]);
}

/**
 * Size after `multi_scale_aug`: the long side becomes `int(base·scale + 0.5)`, the short side keeps the
 * aspect ratio (`int(short·long/longSide + 0.5)`). Sides that would round to 0 are kept at 1 (the
 * official code would fail in cv2.resize there).
 */
export function scaledSize(height: number, width: number, scale: number, baseSize = Math.max(height, width)): [number, number] {
  if (!(scale > 0) || !Number.isFinite(scale)) throw new InputError(`scales: expected positive numbers, found ${scale}`);
  const long = Math.max(1, Math.floor(baseSize * scale + 0.5));
  if (height > width) return [long, Math.max(1, Math.floor((width * long) / height + 0.5))];
  return [Math.max(1, Math.floor((height * long) / width + 0.5)), long];
}

/**
 * `BaseDataset.inference` on one NHWC crop: logits of the model's test output upsampled (bilinear,
 * `ALIGN_CORNERS` of the config) to the crop size, averaged with the un-mirrored logits of the mirrored
 * crop when `flip`, then `exp` — what the official pipeline accumulates. `[1, h, w, classes]`.
 */
export async function inferCrop(
  model: SegmentationNet<unknown>,
  crop: tf.Tensor4D,
  flip: boolean,
  flipPairs: readonly (readonly [number, number])[] = [],
  logits: SegLogits = modelLogits(model),
  exponentiate = true,
): Promise<tf.Tensor4D> {
  const [, h, w] = crop.shape;
  const ac = model.segConfig.alignCorners;
  const plain = await logits(crop);
  let mirrored: tf.Tensor4D | undefined;
  try {
    if (flip) {
      const m = tf.reverse(crop, 2) as tf.Tensor4D;
      try {
        mirrored = await logits(m);
      } finally {
        m.dispose();
      }
    }
    return tf.tidy(() => {
      let pred: tf.Tensor4D = resizeBilinear(plain, [h, w], ac);
      if (mirrored) {
        let flipped: tf.Tensor4D = resizeBilinear(mirrored, [h, w], ac);
        if (flipPairs.length > 0) {
          const perm = flipPermutation(flipped.shape[3], flipPairs);
          flipped = tf.gather(flipped, perm, 3);
        }
        pred = tf.mul(tf.add(pred, tf.reverse(flipped, 2)), 0.5);
      }
      return exponentiate ? tf.exp(pred) : pred;
    });
  } finally {
    plain.dispose();
    mirrored?.dispose();
  }
}

/** RGB 0–255 → ImageNet-normalised, as `input_transform`. */
function normalize(x: tf.Tensor4D): tf.Tensor4D {
  return normalizeImageNet(x) as tf.Tensor4D;
}

/**
 * mmsegmentation's `EncoderDecoder.slide_inference` on one normalised image: windows every `stride`, each
 * shifted back inside the image (`y1 = max(min(y1 + crop, h) − crop, 0)`), logits resized to the window
 * (`encode_decode`), summed where windows overlap and divided by the count. Returns exp of the averaged logits,
 * row-major `[h, w, classes]`.
 */
async function mmsegSlidingScores(
  model: SegmentationNet<unknown>,
  image: tf.Tensor4D,
  crop: [number, number],
  stride: [number, number],
  flip: boolean,
  flipPairs: readonly (readonly [number, number])[],
  logits: SegLogits,
): Promise<Float32Array> {
  const [, height, width] = image.shape;
  const k = model.numClasses;
  const rows = Math.floor(Math.max(height - crop[0] + stride[0] - 1, 0) / stride[0]) + 1;
  const cols = Math.floor(Math.max(width - crop[1] + stride[1] - 1, 0) / stride[1]) + 1;
  const acc = new Float32Array(height * width * k);
  const count = new Uint16Array(height * width);
  const normalized = normalize(image);
  try {
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        const y2 = Math.min(r * stride[0] + crop[0], height);
        const x2 = Math.min(c * stride[1] + crop[1], width);
        const y1 = Math.max(y2 - crop[0], 0);
        const x1 = Math.max(x2 - crop[1], 0);
        const part = tf.slice(normalized, [0, y1, x1, 0], [1, y2 - y1, x2 - x1, 3]);
        let window: tf.Tensor4D;
        try {
          window = await inferCrop(model, part, flip, flipPairs, logits, false);
        } finally {
          part.dispose();
        }
        const values = (await window.data()) as Float32Array;
        window.dispose();
        const vw = x2 - x1;
        for (let y = 0; y < y2 - y1; y++) {
          const dst = ((y1 + y) * width + x1) * k;
          const src = y * vw * k;
          for (let i = 0; i < vw * k; i++) acc[dst + i]! += values[src + i]!;
          for (let x = 0; x < vw; x++) count[(y1 + y) * width + x1 + x]! += 1;
        }
      }
    }
  } finally {
    normalized.dispose();
  }
  for (let p = 0, i = 0; p < count.length; p++) {
    const n = count[p]!;
    for (let j = 0; j < k; j++, i++) acc[i] = Math.exp(acc[i]! / n);
  }
  return acc;
}

/**
 * One scale of `multi_scale_inference` with sliding windows, accumulated on the host so that only one
 * crop's activations live on the backend at a time. `image`: RGB 0–255 `[1, h, w, 3]` (padding with
 * black before normalising is the official `padvalue = -mean/std` after it). Returns the window-averaged
 * scores, row-major `[h, w, classes]`.
 */
async function slidingScores(
  model: SegmentationNet<unknown>,
  image: tf.Tensor4D,
  crop: [number, number],
  stride: [number, number],
  flip: boolean,
  flipPairs: readonly (readonly [number, number])[],
  logits: SegLogits,
): Promise<Float32Array> {
  const [, height, width] = image.shape;
  const k = model.numClasses;
  // the canvas is the image padded (bottom/right) to at least one crop; windows start every `stride`
  const H = Math.max(height, crop[0]);
  const W = Math.max(width, crop[1]);
  const rows = Math.ceil((H - crop[0]) / stride[0]) + 1;
  const cols = Math.ceil((W - crop[1]) / stride[1]) + 1;
  const acc = new Float32Array(height * width * k);
  const count = new Uint16Array(height * width);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const h0 = r * stride[0];
      const w0 = c * stride[1];
      // the part of the window inside the real image (never empty: h0 < H and H = height unless one crop covers all)
      const vh = Math.min(h0 + crop[0], height) - h0;
      const vw = Math.min(w0 + crop[1], width) - w0;
      const padded = tf.tidy(() => {
        const part = tf.slice(image, [0, h0, w0, 0], [1, vh, vw, 3]);
        return normalize(tf.pad(part, [[0, 0], [0, crop[0] - vh], [0, crop[1] - vw], [0, 0]], 0) as tf.Tensor4D);
      });
      let window: tf.Tensor4D;
      try {
        window = await inferCrop(model, padded, flip, flipPairs, logits);
      } finally {
        padded.dispose();
      }
      const pred = tf.slice(window, [0, 0, 0, 0], [1, vh, vw, k]);
      window.dispose();
      const values = (await pred.data()) as Float32Array;
      pred.dispose();
      for (let y = 0; y < vh; y++) {
        const dst = ((h0 + y) * width + w0) * k;
        const src = y * vw * k;
        for (let i = 0; i < vw * k; i++) acc[dst + i]! += values[src + i]!;
        const p = (h0 + y) * width + w0;
        for (let x = 0; x < vw; x++) count[p + x]! += 1;
      }
    }
  }
  for (let p = 0, i = 0; p < count.length; p++) {
    const n = count[p]!;
    for (let j = 0; j < k; j++, i++) acc[i] = acc[i]! / n;
  }
  return acc;
}

/**
 * What `inferScores` will allocate at most, by estimate, for an image of `height × width`: the largest scale's
 * resized image, its scores (exp-logits, resized back) and one network pass (the whole scaled image, or one
 * sliding window), plus the running sum over scales. Checks the options as `inferScores` does (InputError), so
 * a call is refused before anything exists. Keys name the parts for the message.
 */
export function segWorkingBytes(numClasses: number, height: number, width: number, options: InferenceOptions = {}): Record<string, number> {
  const scales = options.scales ?? [1];
  if (!Array.isArray(scales) || scales.length === 0) throw new InputError(`scales: expected a non-empty list, found ${describeValue(scales)}`);
  const crop = options.cropSize == null ? null : pair(options.cropSize, 'cropSize');
  if (options.baseSize !== undefined && !(Number.isInteger(options.baseSize) && options.baseSize > 0)) {
    throw new InputError(`baseSize: expected a positive integer, found ${describeValue(options.baseSize)}`);
  }
  let worst = { scale: scales[0]!, bytes: -1, image: 0, scores: 0, pass: 0 };
  for (const scale of scales) {
    const [h, w] = scaledSize(height, width, scale, options.baseSize);
    const image = h * w * IMAGE_BYTES_PER_PIXEL;
    const scores = h * w * numClasses * 4 * 3; // logits upsampled, exp, resized back
    const pass = (crop ? crop[0] * crop[1] : h * w) * NETWORK_BYTES_PER_PIXEL; // windows are padded to the crop size
    const bytes = image + scores + pass;
    if (bytes > worst.bytes) worst = { scale, bytes, image, scores, pass };
  }
  return {
    [`scale ${worst.scale}: image`]: worst.image,
    scores: worst.scores,
    [crop ? 'a window pass' : 'a network pass']: worst.pass,
    'sum over scales': scales.length > 1 ? height * width * numClasses * 4 * 2 : 0,
  };
}

/**
 * The official `multi_scale_inference` on an RGB 0–255 `[H, W, 3]` image: per scale, resize (bilinear, as
 * cv2.INTER_LINEAR), infer (whole image, or black-padded overlapping crops), resize the scores back to
 * `H x W` (bilinear, `ALIGN_CORNERS`), and sum over scales. Returns `[H, W, classes]` scores (sums of
 * exp-logits, the official `final_pred`; their argmax is the label map).
 */
export async function inferScores(
  model: SegmentationNet<unknown>,
  rgb: tf.Tensor3D,
  options: InferenceOptions = {},
  logits: SegLogits = modelLogits(model),
): Promise<tf.Tensor3D> {
  const [height, width] = rgb.shape;
  const scales = options.scales ?? [1];
  if (!Array.isArray(scales) || scales.length === 0) throw new InputError(`scales: expected a non-empty list, found ${describeValue(scales)}`);
  const crop = options.cropSize == null ? null : pair(options.cropSize, 'cropSize');
  const stride = crop
    ? options.stride === undefined
      ? ([Math.max(1, Math.floor((crop[0] * 2) / 3)), Math.max(1, Math.floor((crop[1] * 2) / 3))] as [number, number])
      : pair(options.stride, 'stride')
    : null;
  if (crop && stride && (stride[0] > crop[0] || stride[1] > crop[1])) {
    throw new InputError(`stride [${[stride[1], stride[0]].join(', ')}] is larger than cropSize [${[crop[1], crop[0]].join(', ')}] ([width, height]): windows would leave gaps`);
  }
  if (options.baseSize !== undefined && !(Number.isInteger(options.baseSize) && options.baseSize > 0)) {
    throw new InputError(`baseSize: expected a positive integer, found ${options.baseSize}`);
  }
  const flip = options.flipTest ?? false;
  const flipPairs = options.flipPairs ?? [];
  const k = model.numClasses;
  const ac = model.segConfig.alignCorners;
  const input = tf.expandDims(rgb, 0) as tf.Tensor4D;
  let total: tf.Tensor3D | null = null;
  try {
    for (const scale of scales) {
      const [h, w] = scaledSize(height, width, scale, options.baseSize);
      // cv2.resize INTER_LINEAR samples at half-pixel centres, as tfjs's halfPixelCenters; resizing before
      // normalising equals the official order (normalising is per-channel affine, bilinear weights sum to 1)
      const image = h === height && w === width ? input : tf.tidy(() => resizeBilinear(input, [h, w], false));
      let scores: tf.Tensor3D;
      try {
        if (crop && stride) {
          const slide = options.slideMode === 'mmseg' ? mmsegSlidingScores : slidingScores;
          const host = await slide(model, image, crop, stride, flip, flipPairs, logits);
          scores = tf.tensor3d(host, [h, w, k]);
        } else {
          const normalized = normalize(image);
          let pred: tf.Tensor4D;
          try {
            pred = await inferCrop(model, normalized, flip, flipPairs, logits);
          } finally {
            normalized.dispose();
          }
          scores = tf.squeeze(pred, [0]) as tf.Tensor3D;
          pred.dispose();
        }
      } finally {
        if (image !== input) image.dispose();
      }
      const back = h === height && w === width ? scores : tf.tidy(() => tf.image.resizeBilinear(scores, [height, width], ac, !ac));
      if (back !== scores) scores.dispose();
      if (total === null) total = back;
      else {
        const sum: tf.Tensor3D = tf.add(total, back);
        total.dispose();
        back.dispose();
        total = sum;
      }
    }
  } catch (e) {
    total?.dispose();
    throw e;
  } finally {
    input.dispose();
  }
  return total!;
}
