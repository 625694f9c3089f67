import { type Affine, InputError, affineFromPoints, applyAffine, describeValue } from '@hrnetjs/core';

/** A person box `[x, y, width, height]` in image pixels (COCO `bbox` convention). */
export type Box = readonly [number, number, number, number] | readonly number[];

/** The official `pixel_std`: scales are in units of 200 pixels. */
export const PIXEL_STD = 200;
/** The official enlargement of every person box before cropping (`_xywh2cs`, `scale * 1.25`). */
export const BOX_PADDING = 1.25;

export interface CenterScale {
  /** Box centre in image pixels. */
  center: [number, number];
  /** Crop size / 200 in x and y, after padding to the model's aspect ratio and × 1.25. */
  scale: [number, number];
}

const f32 = Math.fround;

/**
 * Box → (center, scale), exactly `COCODataset._xywh2cs`: centre of the box; the box grown (never shrunk) to
 * the aspect ratio `aspect = width / height` of the network input; scale = size / 200 × 1.25. Values are
 * rounded to float32 like the official numpy arrays.
 *
 * Throws InputError for non-finite values, a negative width or height, or a box with no extent at all.
 */
/** Smallest box side (pixels) that still gives an invertible crop. */
export const MIN_BOX_SIZE = 0.01;

export function boxToCenterScale(box: Box, aspect: number): CenterScale {
  if (!Array.isArray(box) || box.length !== 4 || !box.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    const found = Array.isArray(box) && box.length <= 8 ? `[${box.map((v) => describeValue(v, 20)).join(', ')}]` : describeValue(box);
    throw new InputError(`box: expected [x, y, width, height] with 4 finite numbers, found ${found}`);
  }
  const [x, y, bw, bh] = box as [number, number, number, number];
  if (bw < 0 || bh < 0 || (bw === 0 && bh === 0)) {
    throw new InputError(`box: expected a non-negative width and height, not both zero, found ${bw}x${bh} in [${box.join(', ')}]`);
  }
  if (Math.max(bw, bh) < MIN_BOX_SIZE) {
    // a crop of a box this small is degenerate (its affine map has no inverse): say so in box terms
    throw new InputError(`box: ${bw}x${bh} in [${box.join(', ')}] is smaller than ${MIN_BOX_SIZE} pixel on both sides: too small to crop`);
  }
  let w = bw;
  let h = bh;
  if (w > aspect * h) h = (w * 1.0) / aspect;
  else if (w < aspect * h) w = h * aspect;
  return {
    center: [f32(x + bw * 0.5), f32(y + bh * 0.5)],
    scale: [f32(f32(w / PIXEL_STD) * BOX_PADDING), f32(f32(h / PIXEL_STD) * BOX_PADDING)],
  };
}

function third(a: [number, number], b: [number, number]): [number, number] {
  const dx = f32(a[0] - b[0]);
  const dy = f32(a[1] - b[1]);
  return [f32(b[0] - dy), f32(b[1] + dx)];
}

/**
 * The official `get_affine_transform(center, scale, rot, output_size, inv)`: the map from image pixels to
 * output pixels (or back with `inverse`), built from three point pairs held in float32 as the official code
 * holds them. Only `scale[0]` is used: the box was already padded to the output's aspect ratio.
 * `rotation` is in degrees (0 at test time).
 */
export function getAffineTransform(
  center: readonly [number, number],
  scale: readonly [number, number],
  rotation: number,
  outputSize: readonly [number, number],
  inverse = false,
): Affine {
  const srcW = scale[0] * PIXEL_STD;
  const [dstW, dstH] = outputSize;
  const rad = (Math.PI * rotation) / 180;
  const [sn, cs] = [Math.sin(rad), Math.cos(rad)];
  // get_dir([0, -srcW/2], rad)
  const dir: [number, number] = [0 * cs - srcW * -0.5 * sn, 0 * sn + srcW * -0.5 * cs];
  const src0: [number, number] = [f32(center[0]), f32(center[1])];
  const src1: [number, number] = [f32(center[0] + dir[0]), f32(center[1] + dir[1])];
  const dst0: [number, number] = [f32(dstW * 0.5), f32(dstH * 0.5)];
  const dst1: [number, number] = [f32(dstW * 0.5), f32(dstH * 0.5 + dstW * -0.5)];
  const src = [src0, src1, third(src0, src1)];
  const dst = [dst0, dst1, third(dst0, dst1)];
  return inverse ? affineFromPoints(dst, src) : affineFromPoints(src, dst);
}

/**
 * Heatmap coordinates → image coordinates (the official `transform_preds`), for one person's joints.
 * `coords` is `[x0, y0, x1, y1, …]` in heatmap pixels; returns a new array of the same layout.
 */
export function transformPreds(
  coords: ArrayLike<number>,
  center: readonly [number, number],
  scale: readonly [number, number],
  heatmapSize: readonly [number, number],
): Float64Array {
  const m = getAffineTransform(center, scale, 0, heatmapSize, true);
  const out = new Float64Array(coords.length);
  for (let i = 0; i + 1 < coords.length; i += 2) {
    const [x, y] = applyAffine(m, coords[i]!, coords[i + 1]!);
    out[i] = x;
    out[i + 1] = y;
  }
  return out;
}
