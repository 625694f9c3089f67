/**
 * Small numeric helpers that reproduce numpy's floating-point behaviour bit for bit where the
 * reference evaluators depend on it. Threshold comparisons (IoU >= 0.75, recall >= 0.29) and the
 * final means are sensitive to the last bit, so "close to numpy" is not enough to reproduce
 * pycocotools' numbers exactly.
 */

/** `np.spacing(1)`: the gap between 1 and the next double, which pycocotools adds to avoid 0/0. */
export const NP_SPACING_1 = Number.EPSILON;

/**
 * `np.linspace(start, stop, num)` with numpy's exact arithmetic: `i * step + start`, and the last
 * point set to `stop`. pycocotools builds its IoU and recall thresholds this way and later looks
 * thresholds up with `==` (e.g. `iouThr == .75`), so the doubles must be the same ones.
 */
export function linspace(start: number, stop: number, num: number): number[] {
  if (num <= 0) return [];
  if (num === 1) return [start];
  const step = (stop - start) / (num - 1);
  const out: number[] = [];
  for (let i = 0; i < num; i++) out.push(i * step + start);
  out[num - 1] = stop;
  return out;
}

/**
 * numpy's pairwise summation of a contiguous float64 array (what `np.sum`/`np.mean` use):
 * below 8 values a plain loop, up to 128 values eight interleaved accumulators, above that a
 * recursive split at a multiple of 8. Summing in the same order gives the same rounding.
 */
export function pairwiseSum(a: ArrayLike<number>, start = 0, n = a.length - start): number {
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res += a[start + i]!;
    return res;
  }
  if (n <= 128) {
    const r = [0, 0, 0, 0, 0, 0, 0, 0];
    for (let j = 0; j < 8; j++) r[j] = a[start + j]!;
    let i = 8;
    const end = n - (n % 8);
    for (; i < end; i += 8) {
      for (let j = 0; j < 8; j++) r[j]! += a[start + i + j]!;
    }
    let res = r[0]! + r[1]! + (r[2]! + r[3]!) + (r[4]! + r[5]! + (r[6]! + r[7]!));
    for (; i < n; i++) res += a[start + i]!;
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return pairwiseSum(a, start, n2) + pairwiseSum(a, start + n2, n - n2);
}

/** `np.mean` of a 1-D float64 array (pairwise sum, then one division). NaN for an empty array. */
export function npMean(a: ArrayLike<number>): number {
  return pairwiseSum(a) / a.length;
}
