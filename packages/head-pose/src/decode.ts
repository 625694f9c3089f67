import { InputError } from '@hrnetjs/core';
import { transformPreds } from './transforms.js';

/** Heatmaps on the host, NHWC like the network output: `data[((n·H + y)·W + x)·K + k]`. */
export interface HostHeatmaps {
  data: Float32Array;
  /** `[persons, height, width, joints]`. */
  shape: readonly [number, number, number, number];
}

/**
 * How heatmaps become coordinates.
 * - `'official'` (default): the official `get_final_preds` with `TEST.POST_PROCESS: true`: argmax, then a
 *   quarter-pixel step towards the higher neighbour in x and y (only for peaks with `1 < px < W-1` and
 *   `1 < py < H-1`, the official border rule). The numbers of the HRNet paper use this.
 * - `'argmax'`: the integer argmax only (`TEST.POST_PROCESS: false`).
 * - `'dark'`: distribution-aware decoding (Zhang et al., "Distribution-Aware Coordinate Representation for
 *   Human Pose Estimation", CVPR 2020, as in their DarkPose code): each heatmap is blurred with a Gaussian
 *   (`blurKernel`, default 11, zero padding, σ as OpenCV picks for sigma 0) and rescaled to its original
 *   maximum, clamped at 1e-10 and log-transformed; then one Newton step `−H⁻¹∇` of the second-order Taylor
 *   expansion at the argmax (only for `1 < px < W-2`, `1 < py < H-2`; skipped where the Hessian is singular).
 *   Made for checkpoints trained with DARK's unbiased targets, it also helps the official ones a little.
 * In every mode the score of a joint is the maximum of its raw heatmap, and a joint whose maximum is ≤ 0
 * (or NaN) is placed at heatmap pixel (0, 0) before the inverse affine, exactly as the official code does.
 */
export type DecodeMethod = 'official' | 'argmax' | 'dark';

export interface DecodeOptions {
  method?: DecodeMethod;
  /** DARK's Gaussian kernel size (odd; `TEST.BLUR_KERNEL`, 11 in DarkPose's configs). */
  blurKernel?: number;
}

export interface DecodedJoints {
  /** `[n][k] → (x, y)` as `coords[(n·K + k)·2 + {0,1}]`. */
  coords: Float64Array;
  /** Raw heatmap maxima, `maxvals[n·K + k]`. */
  maxvals: Float32Array;
}

function checkShape(hm: HostHeatmaps): void {
  const [n, h, w, k] = hm.shape;
  if (hm.data.length !== n * h * w * k) {
    throw new InputError(`heatmaps: shape [${hm.shape.join(', ')}] needs ${n * h * w * k} values, found ${hm.data.length}`);
  }
}

/**
 * The official `get_max_preds`: per joint the first argmax and the maximum; coordinates of joints whose
 * maximum is not > 0 are zeroed. A NaN anywhere in a heatmap wins the argmax and gives maxval NaN (numpy).
 */
export function getMaxPreds(hm: HostHeatmaps): DecodedJoints {
  checkShape(hm);
  const [n, h, w, k] = hm.shape;
  const coords = new Float64Array(n * k * 2);
  const maxvals = new Float32Array(n * k);
  const { data } = hm;
  for (let b = 0; b < n; b++) {
    const base = b * h * w * k;
    for (let j = 0; j < k; j++) {
      let best = -Infinity;
      let idx = 0;
      for (let p = 0; p < h * w; p++) {
        const v = data[base + p * k + j]!;
        if (v > best) {
          best = v;
          idx = p;
        } else if (Number.isNaN(v)) {
          best = NaN;
          idx = p;
          break;
        }
      }
      const o = b * k + j;
      maxvals[o] = best;
      if (best > 0) {
        coords[o * 2] = idx % w;
        coords[o * 2 + 1] = Math.floor(idx / w);
      }
    }
  }
  return { coords, maxvals };
}

/** The official quarter-pixel refinement (in place on `coords`). */
export function refineQuarterOffset(hm: HostHeatmaps, coords: Float64Array): void {
  const [n, h, w, k] = hm.shape;
  const { data } = hm;
  const at = (b: number, y: number, x: number, j: number) => data[((b * h + y) * w + x) * k + j]!;
  for (let b = 0; b < n; b++) {
    for (let j = 0; j < k; j++) {
      const o = (b * k + j) * 2;
      const px = Math.floor(coords[o]! + 0.5);
      const py = Math.floor(coords[o + 1]! + 0.5);
      if (1 < px && px < w - 1 && 1 < py && py < h - 1) {
        coords[o] += Math.sign(at(b, py, px + 1, j) - at(b, py, px - 1, j)) * 0.25;
        coords[o + 1] += Math.sign(at(b, py + 1, px, j) - at(b, py - 1, px, j)) * 0.25;
      }
    }
  }
}

/** `cv2.getGaussianKernel(size, 0)`: fixed tables up to 7, else σ = 0.3·((size−1)/2 − 1) + 0.8, normalised. */
export function gaussianKernel(size: number): Float64Array {
  if (!Number.isInteger(size) || size < 1 || size % 2 === 0) throw new InputError(`blurKernel: expected an odd positive integer, found ${size}`);
  const fixed: Record<number, number[]> = {
    1: [1],
    3: [0.25, 0.5, 0.25],
    5: [0.0625, 0.25, 0.375, 0.25, 0.0625],
    7: [0.03125, 0.109375, 0.21875, 0.28125, 0.21875, 0.109375, 0.03125],
  };
  if (fixed[size]) return Float64Array.from(fixed[size]!);
  const sigma = 0.3 * ((size - 1) * 0.5 - 1) + 0.8;
  const r = (size - 1) / 2;
  const kernel = Float64Array.from({ length: size }, (_, i) => Math.exp(-((i - r) ** 2) / (2 * sigma * sigma)));
  const sum = kernel.reduce((a, b) => a + b, 0);
  return kernel.map((v) => v / sum);
}

const f32 = Math.fround;
/** `np.maximum(hm, 1e-10)` on a float32 array compares with float32(1e-10). */
const LOG_FLOOR = Math.fround(1e-10);

/** One heatmap blurred with zero padding and rescaled to its original maximum (DarkPose `gaussian_blur`). */
function blurred(plane: Float64Array, h: number, w: number, kernel: Float64Array): Float64Array {
  const r = (kernel.length - 1) / 2;
  const tmp = new Float64Array(h * w);
  const out = new Float64Array(h * w);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let t = -r; t <= r; t++) if (x + t >= 0 && x + t < w) s += kernel[t + r]! * plane[y * w + x + t]!;
      tmp[y * w + x] = s;
    }
  }
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let t = -r; t <= r; t++) if (y + t >= 0 && y + t < h) s += kernel[t + r]! * tmp[(y + t) * w + x]!;
      out[y * w + x] = s;
    }
  }
  let originMax = -Infinity;
  let newMax = -Infinity;
  for (let i = 0; i < plane.length; i++) {
    originMax = Math.max(originMax, plane[i]!);
    newMax = Math.max(newMax, out[i]!);
  }
  // DarkPose stores the blurred map in the float32 heatmap array and rescales it in float32
  for (let i = 0; i < out.length; i++) out[i] = f32(out[i]!);
  newMax = f32(newMax);
  if (newMax !== 0 && Number.isFinite(newMax)) {
    const f = f32(originMax / newMax);
    for (let i = 0; i < out.length; i++) out[i] = f32(out[i]! * f);
  }
  return out;
}

/** DARK refinement (in place on `coords`): blur, log, one Taylor/Newton step at the argmax. */
export function refineDark(hm: HostHeatmaps, coords: Float64Array, blurKernel = 11): void {
  const [n, h, w, k] = hm.shape;
  const kernel = gaussianKernel(blurKernel);
  const plane = new Float64Array(h * w);
  for (let b = 0; b < n; b++) {
    for (let j = 0; j < k; j++) {
      for (let p = 0; p < h * w; p++) plane[p] = hm.data[(b * h * w + p) * k + j]!;
      const lg = blurred(plane, h, w, kernel).map((v) => f32(Math.log(Math.max(v, LOG_FLOOR))));
      const o = (b * k + j) * 2;
      const px = Math.trunc(coords[o]!);
      const py = Math.trunc(coords[o + 1]!);
      if (!(1 < px && px < w - 2 && 1 < py && py < h - 2)) continue;
      const at = (y: number, x: number) => lg[y * w + x]!;
      // the precision of DarkPose's numpy expressions: float32 differences, float64 where a Python
      // number enters (2·hm, 0.5·…), dxy summed in float32; it matters for near-singular Hessians
      const dx = 0.5 * f32(at(py, px + 1) - at(py, px - 1));
      const dy = 0.5 * f32(at(py + 1, px) - at(py - 1, px));
      const dxx = 0.25 * (at(py, px + 2) - 2 * at(py, px) + at(py, px - 2));
      const dxy = 0.25 * f32(f32(f32(at(py + 1, px + 1) - at(py - 1, px + 1)) - at(py + 1, px - 1)) + at(py - 1, px - 1));
      const dyy = 0.25 * (at(py + 2, px) - 2 * at(py, px) + at(py - 2, px));
      const det = dxx * dyy - dxy * dxy;
      if (det === 0 || !Number.isFinite(det)) continue;
      // offset = −H⁻¹ · ∇ with H⁻¹ = [dyy, −dxy; −dxy, dxx] / det
      coords[o] -= (dyy * dx - dxy * dy) / det;
      coords[o + 1] -= (-dxy * dx + dxx * dy) / det;
    }
  }
}

export interface FinalPreds {
  /** Image coordinates: `preds[(n·K + k)·2 + {0,1}]`. */
  preds: Float64Array;
  maxvals: Float32Array;
}

/**
 * The official `get_final_preds(config, heatmaps, center, scale)`: heatmaps → image coordinates and scores
 * for each person's (center, scale). `method` chooses the sub-pixel refinement (see {@link DecodeMethod}).
 */
export function getFinalPreds(
  hm: HostHeatmaps,
  centers: readonly (readonly [number, number])[],
  scales: readonly (readonly [number, number])[],
  options: DecodeOptions = {},
): FinalPreds {
  const [n, h, w, k] = hm.shape;
  if (centers.length !== n || scales.length !== n) {
    throw new InputError(`getFinalPreds: ${n} heatmap sets need ${n} centers and scales, found ${centers.length} and ${scales.length}`);
  }
  const { coords, maxvals } = getMaxPreds(hm);
  const method = options.method ?? 'official';
  if (method === 'official') refineQuarterOffset(hm, coords);
  else if (method === 'dark') refineDark(hm, coords, options.blurKernel ?? 11);
  else if (method !== 'argmax') throw new InputError(`decode method: expected 'official', 'argmax' or 'dark', found ${String(method)}`);
  const preds = new Float64Array(coords.length);
  for (let b = 0; b < n; b++) {
    preds.set(transformPreds(coords.subarray(b * k * 2, (b + 1) * k * 2), centers[b]!, scales[b]!, [w, h]), b * k * 2);
  }
  return { preds, maxvals };
}
