/**
 * The official evaluation of HRNet-Facial-Landmark-Detection (`compute_nme` in `lib/core/evaluation.py`,
 * failure counts in `lib/core/function.py`), plus the area under the cumulative error curve that WFLW
 * results quote.
 */
import { InputError } from '@hrnetjs/core';
import { type LandmarkScheme, type NmeNormalization, schemeFor } from './schemes.js';

/** A point as `[x, y]` or `{ x, y }`. */
export type PointLike = readonly [number, number] | { readonly x: number; readonly y: number };

function xy(p: PointLike): [number, number] {
  return Array.isArray(p) ? [p[0]!, p[1]!] : [(p as { x: number }).x, (p as { y: number }).y];
}

function dist(a: [number, number], b: [number, number]): number {
  return Math.hypot(a[0] - b[0], a[1] - b[1]);
}

export interface NmeOptions {
  /**
   * How to normalise. Default: by landmark count as the official code does (68 → 300W outer eye corners
   * 36/45, 98 → WFLW 60/72, 29 → COFW 8/9, 19 → AFLW box size); any other count needs this option.
   */
  normalization?: NmeNormalization | LandmarkScheme;
  /** Per-face normaliser for `{ kind: 'box' }` (AFLW: the CSV's `box_size`). */
  boxSizes?: readonly number[];
}

/**
 * Normalised mean error of each face: `sum_i ||pred_i − gt_i|| / (d · L)` with `d` the normaliser of
 * that face and `L` the landmark count — `compute_nme` of the official code.
 */
export function computeNme(preds: readonly (readonly PointLike[])[], gts: readonly (readonly PointLike[])[], options: NmeOptions = {}): number[] {
  if (preds.length !== gts.length) throw new InputError(`computeNme: ${preds.length} predicted faces but ${gts.length} ground-truth faces`);
  const out: number[] = [];
  preds.forEach((pred, i) => {
    const gt = gts[i]!;
    const L = gt.length;
    if (pred.length !== L) throw new InputError(`computeNme: face ${i} has ${pred.length} predicted landmarks but ${L} ground-truth ones`);
    let norm: NmeNormalization;
    if (options.normalization) {
      norm = 'normalization' in options.normalization ? options.normalization.normalization : options.normalization;
    } else {
      const scheme = schemeFor(L);
      // the official code raises ValueError('Number of landmarks is wrong') here
      if (!scheme) throw new InputError(`computeNme: no official normalisation for ${L} landmarks (68, 98, 29, 19); pass options.normalization`);
      norm = scheme.normalization;
    }
    let d: number;
    if (norm.kind === 'box') {
      const size = options.boxSizes?.[i];
      if (size === undefined) throw new InputError(`computeNme: box normalisation needs options.boxSizes[${i}] (AFLW's box_size)`);
      d = size;
    } else {
      const [a, b] = norm.indices;
      if (a >= L || b >= L) throw new InputError(`computeNme: normalisation indices ${a}, ${b} are out of range for ${L} landmarks`);
      d = dist(xy(gt[a]!), xy(gt[b]!));
    }
    if (!(d > 0) || !Number.isFinite(d)) throw new InputError(`computeNme: face ${i} has normaliser ${d}; expected a positive distance`);
    let sum = 0;
    for (let j = 0; j < L; j++) sum += dist(xy(pred[j]!), xy(gt[j]!));
    out.push(sum / (d * L));
  });
  return out;
}

export interface NmeSummary {
  /** Mean NME over faces. */
  nme: number;
  /** Fraction of faces whose NME is above `threshold` (the official `nme > 0.08` / `> 0.10` counts, as a fraction). */
  failureRate: number;
  /** Area under the cumulative error distribution on [0, threshold], divided by threshold (1 = every face perfect). */
  auc: number;
  threshold: number;
  count: number;
}

/**
 * Failure rate and AUC at `threshold` (0.1 by the WFLW convention) of per-face NMEs.
 *
 * The AUC is the exact integral of the step-shaped CED curve `F(e) = #{nme_i <= e} / N` over [0, t],
 * over t, which is `mean_i(max(0, t − nme_i)) / t`. Published WFLW figures integrate the same curve
 * numerically (trapezoid or Simpson on a 1e-4 grid), which differs from the exact value by ~1e-4.
 */
export function summarizeNme(nmes: readonly number[], threshold = 0.1): NmeSummary {
  if (nmes.length === 0) throw new InputError('summarizeNme: no faces');
  if (!(threshold > 0)) throw new InputError(`summarizeNme: threshold must be positive, found ${threshold}`);
  let sum = 0;
  let failures = 0;
  let area = 0;
  for (const e of nmes) {
    if (!Number.isFinite(e) || e < 0) throw new InputError(`summarizeNme: NME values must be finite and non-negative, found ${e}`);
    sum += e;
    if (e > threshold) failures++;
    area += Math.max(0, threshold - e);
  }
  const n = nmes.length;
  return { nme: sum / n, failureRate: failures / n, auc: area / n / threshold, threshold, count: n };
}
