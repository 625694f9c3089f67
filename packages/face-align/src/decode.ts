import type * as tf from '@tensorflow/tfjs-core';
import { InputError, ShapeError } from '@hrnetjs/core';
import { type FaceCenterScale, getTransform, invertTransform } from './transforms.js';

/**
 * How heatmaps become image coordinates. Both take the argmax and the official quarter-pixel shift
 * towards the higher neighbour; they differ after that:
 *
 * - `official`: `decode_preds` of `lib/core/evaluation.py` exactly — 1-based argmax, maps whose maximum is
 *   not positive set to (0, 0), `+ 0.5`, then `transform_preds`, whose `transform_pixel` truncates to an
 *   integer and adds 1. Results are integers; use it to reproduce the published NME.
 * - `subpixel` (default): the same position without the truncation: `x = (i + 0.5 + shift) · 200·scale / W
 *   + cx − 100·scale` for argmax column `i` (0-based), the centre of the heatmap cell the training labels put
 *   a landmark in. `official = trunc(subpixel) + 1` exactly, so `official` sits on average 0.5 px right of
 *   and below `subpixel`, and moves in whole pixels. Maps with no positive value keep their argmax (look at
 *   `score`).
 */
export type DecodeMethod = 'subpixel' | 'official';

export interface Landmark {
  x: number;
  y: number;
  /** The heatmap's maximum (the network regresses Gaussians peaking at 1). */
  score: number;
}

/** Host heatmaps, NHWC `[faces, height, width, landmarks]` (what the model outputs). */
export interface HostHeatmaps {
  data: ArrayLike<number>;
  shape: [number, number, number, number];
}

function sign(v: number): number {
  return v > 0 ? 1 : v < 0 ? -1 : 0;
}

/**
 * Decodes NHWC heatmaps into landmarks in image pixels, one list per face. `faces[n]` is the center/scale
 * the n-th crop was cut with.
 */
export function decodeHeatmaps(heatmaps: HostHeatmaps, faces: readonly FaceCenterScale[], mode: DecodeMethod = 'subpixel'): Landmark[][] {
  const [n, h, w, k] = heatmaps.shape;
  const { data } = heatmaps;
  if (data.length !== n * h * w * k) throw new ShapeError(`heatmaps: shape [${heatmaps.shape.join(', ')}] needs ${n * h * w * k} values, found ${data.length}`);
  if (faces.length !== n) throw new InputError(`decodeHeatmaps: ${n} heatmap sets but ${faces.length} faces`);
  if (mode !== 'official' && mode !== 'subpixel') throw new InputError(`decode mode: expected 'subpixel' or 'official', found ${String(mode)}`);
  // the official code passes res = [64, 64] and indexes it as (x, y) in the shift test, (rows, cols) in get_transform
  const res: [number, number] = [w, h];
  const out: Landmark[][] = [];
  for (let b = 0; b < n; b++) {
    const { center, scale } = faces[b]!;
    const inv = invertTransform(getTransform(center, scale, [res[1], res[0]]));
    const at = (row: number, col: number, p: number) => data[((b * h + row) * w + col) * k + p]!;
    const list: Landmark[] = [];
    for (let p = 0; p < k; p++) {
      // torch.max: the first index of the maximum (a NaN map decodes to its first cell with score NaN)
      let best = -Infinity;
      let idx = 0;
      for (let i = 0; i < h * w; i++) {
        const v = at(Math.floor(i / w), i % w, p);
        if (v > best) {
          best = v;
          idx = i;
        } else if (Number.isNaN(v)) {
          best = v;
          idx = i;
          break;
        }
      }
      const col = idx % w;
      const row = Math.floor(idx / w);
      if (mode === 'official') {
        // 1-based coordinates, zeroed where maxval <= 0 (get_preds' pred_mask)
        let cx = best > 0 ? col + 1 : 0;
        let cy = best > 0 ? row + 1 : 0;
        const px = Math.floor(cx);
        const py = Math.floor(cy);
        if (px > 1 && px < res[0] && py > 1 && py < res[1]) {
          cx += sign(at(py - 1, px, p) - at(py - 1, px - 2, p)) * 0.25;
          cy += sign(at(py, px - 1, p) - at(py - 2, px - 1, p)) * 0.25;
        }
        cx += 0.5;
        cy += 0.5;
        // transform_pixel(invert=1): subtract 1, apply the inverse, truncate toward zero, add 1
        const x = Math.trunc(inv[0] * (cx - 1) + inv[1] * (cy - 1) + inv[2]) + 1;
        const y = Math.trunc(inv[3] * (cx - 1) + inv[4] * (cy - 1) + inv[5]) + 1;
        list.push({ x, y, score: best });
      } else {
        let cx = col;
        let cy = row;
        if (col > 0 && col < w - 1 && row > 0 && row < h - 1) {
          cx += sign(at(row, col + 1, p) - at(row, col - 1, p)) * 0.25;
          cy += sign(at(row + 1, col, p) - at(row - 1, col, p)) * 0.25;
        }
        cx += 0.5;
        cy += 0.5;
        list.push({ x: inv[0] * cx + inv[1] * cy + inv[2], y: inv[3] * cx + inv[4] * cy + inv[5], score: best });
      }
    }
    out.push(list);
  }
  return out;
}

/** `decodeHeatmaps` for a tensor (read back asynchronously; the tensor is not disposed). */
export async function decodeHeatmapTensor(heatmaps: tf.Tensor, faces: readonly FaceCenterScale[], mode: DecodeMethod = 'subpixel'): Promise<Landmark[][]> {
  if (heatmaps.rank !== 4) throw new ShapeError(`heatmaps: expected NHWC [faces, height, width, landmarks], found shape [${heatmaps.shape.join(', ')}]`);
  const data = (await heatmaps.data()) as Float32Array;
  return decodeHeatmaps({ data, shape: heatmaps.shape as [number, number, number, number] }, faces, mode);
}
