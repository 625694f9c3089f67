import { type HostDetTag, roundHalfEven } from '../../src/index.js';

// The refine of commit 9563654 (a full scan of every pixel of every joint a person), kept as the reference the
// pruned refine must equal bit for bit.

const f32 = Math.fround;

/** float32 mean over rows of `[n, T]` float32 rows, as `np.mean(list_of_float32_rows, axis=0)`. */
function meanRows(rows: readonly Float32Array[], T: number): Float32Array {
  const out = new Float32Array(T);
  for (let t = 0; t < T; t++) {
    let s = 0;
    for (const r of rows) s = f32(s + r[t]!);
    out[t] = f32(s / rows.length);
  }
  return out;
}

/**
 * The official `refine`: for a person, the mean tag at its found joints; for every joint the pixel maximising
 * `det − round(‖tag − mean‖)` (first in row-major order), +0.5 and a quarter pixel toward the higher
 * neighbour; the joints the person lacks are filled with it when its det value is > 0 (their tags stay 0).
 */
export function naiveRefine(person: Float32Array, maps: HostDetTag): void {
  const { det, tag, height: H, width: W, numJoints: K, tagDim: T } = maps;
  const D = 3 + T;
  const found: Float32Array[] = [];
  for (let j = 0; j < K; j++) {
    if (person[j * D + 2]! > 0) {
      const x = Math.trunc(person[j * D]!);
      const y = Math.trunc(person[j * D + 1]!);
      found.push(tag.slice(((j * H + y) * W + x) * T, ((j * H + y) * W + x + 1) * T));
    }
  }
  if (found.length === 0) return; // the official code would average nothing (NaN) and fill nothing
  const prev = meanRows(found, T);
  for (let j = 0; j < K; j++) {
    let best = -Infinity;
    let bi = 0;
    for (let i = 0; i < H * W; i++) {
      let s = 0;
      for (let t = 0; t < T; t++) {
        const d = f32(tag[(j * H * W + i) * T + t]! - prev[t]!);
        s = f32(s + f32(d * d));
      }
      const v = f32(det[j * H * W + i]! - roundHalfEven(f32(Math.sqrt(s))));
      if (v > best) {
        best = v;
        bi = i;
      }
    }
    const yy = Math.floor(bi / W);
    const xx = bi % W;
    const at = (r: number, c: number) => det[(j * H + r) * W + c]!;
    const val = at(yy, xx);
    let x = xx + 0.5;
    let y = yy + 0.5;
    x += at(yy, Math.min(xx + 1, W - 1)) > at(yy, Math.max(xx - 1, 0)) ? 0.25 : -0.25;
    y += at(Math.min(yy + 1, H - 1), xx) > at(Math.max(0, yy - 1), xx) ? 0.25 : -0.25;
    if (val > 0 && person[j * D + 2] === 0) {
      person[j * D] = x;
      person[j * D + 1] = y;
      person[j * D + 2] = val;
    }
  }
}

