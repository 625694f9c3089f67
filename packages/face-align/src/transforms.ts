/**
 * The geometry of HRNet-Facial-Landmark-Detection (`lib/utils/transforms.py`), in plain numbers:
 * faces are a `center` and a `scale` where `scale * 200` is the side of the square crop in image pixels
 * (the "200-pixel convention"), `get_transform` maps image pixels to a crop or heatmap of a given
 * resolution, `transform_pixel` applies it with the official integer truncation, and `crop` cuts the
 * integer box `[ul, br)` and resizes it to the network input.
 */
import { type Affine, InputError, describeValue } from '@hrnetjs/core';

/** A face as the official datasets give it: centre in image pixels, crop side `200 * scale` pixels. */
export interface FaceCenterScale {
  center: [number, number];
  scale: number;
}

/** A face box `[x, y, width, height]` in image pixels (top-left corner and size). */
export type FaceBox = [number, number, number, number];

/**
 * A face to align: a detector's box (`{ box }` or the bare `[x, y, w, h]`), or the official center/scale
 * (already including the 1.25 margin).
 */
export type FaceRegion = FaceBox | { box: FaceBox } | FaceCenterScale;

/** The margin every official dataset loader applies (`scale *= 1.25`) to the face's size / 200. */
export const OFFICIAL_BOX_MARGIN = 1.25;

/** A 3x3 matrix, row-major. */
export type Matrix3 = [number, number, number, number, number, number, number, number, number];

function finite(v: number, what: string): void {
  if (!Number.isFinite(v)) throw new InputError(`${what}: expected a finite number, found ${v}`);
}

/**
 * A face region → the official center/scale. A box gives its centre and `margin * max(w, h) / 200`
 * (as the COFW loader computes scale from the landmarks' extent, then `*= 1.25`); a center/scale is
 * taken as it is (it is what the official CSVs hold AFTER the loader's `*= 1.25`).
 * Zero-size, negative or non-finite regions throw an InputError.
 */
export function toCenterScale(face: FaceRegion, margin = OFFICIAL_BOX_MARGIN): FaceCenterScale {
  if (!(margin > 0) || !Number.isFinite(margin)) throw new InputError(`box margin: expected a positive number, found ${margin}`);
  if (face === null || typeof face !== 'object') throw new InputError(`face: expected { box } or { center, scale }, found ${describeValue(face)}`);
  if (Array.isArray(face) || 'box' in face) {
    const b = Array.isArray(face) ? face : face.box;
    if (!Array.isArray(b) || b.length !== 4) throw new InputError(`face.box: expected [x, y, width, height], found ${describeValue(b)}`);
    b.forEach((v, i) => finite(v, `face.box[${i}]`));
    const [x, y, w, h] = b;
    if (!(w > 0 && h > 0)) throw new InputError(`face.box: expected a positive width and height, found ${w}x${h}`);
    // a crop of a box this small is degenerate (its affine map has no inverse): say so in box terms
    if (Math.max(w, h) < 0.01) throw new InputError(`face.box: ${w}x${h} is smaller than 0.01 pixel: too small to crop`);
    return { center: [x + w / 2, y + h / 2], scale: (margin * Math.max(w, h)) / 200 };
  }
  const { center, scale } = face as FaceCenterScale;
  if (!Array.isArray(center) || center.length !== 2) {
    throw new InputError(`face.center: expected [x, y], found ${describeValue(center)}`);
  }
  finite(center[0], 'face.center[0]');
  finite(center[1], 'face.center[1]');
  finite(scale, 'face.scale');
  if (!(scale > 0)) throw new InputError(`face.scale: expected a positive number (crop side / 200), found ${scale}`);
  if (scale * 200 < 0.01) throw new InputError(`face.scale: ${scale} makes a crop smaller than 0.01 pixel: too small to crop`);
  return { center: [center[0], center[1]], scale };
}

/** The square an official center/scale covers, as a box `[x, y, side, side]`. */
export function centerScaleToBox({ center, scale }: FaceCenterScale): FaceBox {
  const side = 200 * scale;
  return [center[0] - side / 2, center[1] - side / 2, side, side];
}

/**
 * `get_transform(center, scale, output_size)` with rot = 0: image pixels → a grid of `outputSize`
 * (`[rows, cols]` as the official code indexes it: x uses `outputSize[1]`, y `outputSize[0]`).
 */
export function getTransform(center: readonly [number, number], scale: number, outputSize: readonly [number, number]): Matrix3 {
  const h = 200 * scale;
  return [
    outputSize[1] / h, 0, outputSize[1] * (-center[0] / h + 0.5),
    0, outputSize[0] / h, outputSize[0] * (-center[1] / h + 0.5),
    0, 0, 1,
  ];
}

/**
 * The inverse of a `getTransform` matrix, computed as numpy's `np.linalg.inv` computes it for this
 * upper-triangular form (reciprocal of the diagonal, then `-(t · 1/d)`), so that results that the
 * official code truncates to integers come out bit-identical (checked against numpy on 20 000 cases).
 */
export function invertTransform(t: Matrix3): Matrix3 {
  const ix = 1 / t[0];
  const iy = 1 / t[4];
  return [ix, 0, -(t[2] * ix), 0, iy, -(t[5] * iy), 0, 0, 1];
}

/**
 * `transform_pixel(pt, center, scale, output_size, invert)`: subtracts 1 (1-based input), applies the
 * transform (or its inverse), truncates toward zero (`.astype(int)`) and adds 1. With `truncate: false`
 * it returns the exact position, with neither the `- 1` nor the `+ 1` (they only pair with the truncation).
 */
export function transformPixel(
  pt: readonly [number, number],
  center: readonly [number, number],
  scale: number,
  outputSize: readonly [number, number],
  invert: boolean,
  options: { truncate?: boolean } = {},
): [number, number] {
  let t = getTransform(center, scale, outputSize);
  if (invert) t = invertTransform(t);
  const truncate = options.truncate ?? true;
  const x = truncate ? pt[0] - 1 : pt[0];
  const y = truncate ? pt[1] - 1 : pt[1];
  // same summation order as np.dot(t, [x, y, 1]); the zero off-diagonal terms are exact
  const nx = t[0] * x + t[1] * y + t[2];
  const ny = t[3] * x + t[4] * y + t[5];
  return truncate ? [Math.trunc(nx) + 1, Math.trunc(ny) + 1] : [nx, ny];
}

export interface OfficialCrop {
  /** Image pixels → network-input pixels (what `affineCrops` takes). */
  imageToCrop: Affine;
  /** The integer box `[ul, br)` the official `crop` copies (in the possibly pre-shrunk image's pixels). */
  ul: [number, number];
  br: [number, number];
  /** The official pre-shrink factor `sf` (1 when the face is small enough). */
  shrink: number;
}

/**
 * The geometry of the official `crop(img, center, scale, output_size)` (rot = 0): when the face is at least
 * twice the input size (`sf = scale * 200 / output_size[0] >= 2`) the image is first shrunk to
 * `floor(h / sf) x floor(w / sf)` (center and scale divided by sf); then the integer box from
 * `transform_pixel([0, 0])` to `transform_pixel(output_size)` (inverted) is cut (zeros outside the image) and
 * resized to `output_size`. Both resizes sample pixel centres (`(i + 0.5) · ratio − 0.5`) as PIL does; the
 * result is one affine map from image pixels to crop pixels.
 *
 * Throws an InputError when the box is empty (a scale so small that the crop holds no pixel), when it
 * lies wholly outside the image (the crop would be all zeros), or when the official code would return an
 * all-zero crop (the shrunk image smaller than 2 pixels). Boxes partly outside are zero-padded, as officially.
 */
export function officialCrop(
  face: FaceCenterScale,
  imageSize: { width: number; height: number },
  outputSize: readonly [number, number],
): OfficialCrop {
  const { width: wd, height: ht } = imageSize;
  let center: [number, number] = [face.center[0], face.center[1]];
  let scale = face.scale;
  let sf = (scale * 200) / outputSize[0];
  // image pixel → shrunk-image pixel (identity when not shrunk)
  let rx = 1;
  let ry = 1;
  if (sf < 2) {
    sf = 1;
  } else {
    const newSize = Math.floor(Math.max(ht, wd) / sf);
    const newHt = Math.floor(ht / sf);
    const newWd = Math.floor(wd / sf);
    if (newSize < 2 || newHt < 1 || newWd < 1) {
      throw new InputError(`face: the crop (side ${(scale * 200).toFixed(1)} px) is so much larger than the ${wd}x${ht} image that the official crop is empty`);
    }
    center = [center[0] / sf, center[1] / sf];
    scale = scale / sf;
    rx = newWd / wd;
    ry = newHt / ht;
  }
  const ul = transformPixel([0, 0], center, scale, outputSize, true);
  const br = transformPixel([outputSize[0], outputSize[1]], center, scale, outputSize, true);
  const bw = br[0] - ul[0];
  const bh = br[1] - ul[1];
  if (bw < 1 || bh < 1) {
    throw new InputError(`face: scale ${face.scale} gives an empty crop box (${bw}x${bh} pixels); the crop side must be at least a few pixels`);
  }
  const [sw, sh] = [Math.round(wd * rx), Math.round(ht * ry)];
  if (ul[0] >= sw || ul[1] >= sh || br[0] <= 0 || br[1] <= 0) {
    throw new InputError(
      `face: the crop around (${face.center[0]}, ${face.center[1]}) with side ${(face.scale * 200).toFixed(1)} px lies outside the ${wd}x${ht} image`,
    );
  }
  // image x → shrunk x' = (x + 0.5)·rx − 0.5 → crop u = (x' − ul + 0.5)·(outW / bw) − 0.5
  const ox = outputSize[1] / bw;
  const oy = outputSize[0] / bh;
  const imageToCrop: Affine = [rx * ox, 0, (0.5 * rx - 0.5 - ul[0] + 0.5) * ox - 0.5, 0, ry * oy, (0.5 * ry - 0.5 - ul[1] + 0.5) * oy - 0.5];
  return { imageToCrop, ul, br, shrink: sf };
}
