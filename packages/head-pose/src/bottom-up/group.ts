import * as tf from '@tensorflow/tfjs-core';
import { ShapeError } from '@hrnetjs/core';
import { transformPreds } from '../transforms.js';
import type { BottomUpModelConfig } from './model.js';
import { munkres } from './munkres.js';

const f32 = Math.fround;

/** numpy's `round` (`rint`): to the nearest integer, halves to even. */
export function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** The official grouping settings (`lib/core/group.py` `Params` + `HeatmapParser`). */
export interface GroupingParams {
  numJoints: number;
  /** Top-k a joint and most people grouped (`DATASET.MAX_NUM_PEOPLE`, 30). */
  maxNumPeople: number;
  detectionThreshold: number;
  tagThreshold: number;
  useDetectionVal: boolean;
  ignoreTooMuch: boolean;
  nmsKernel: number;
  nmsPadding: number;
  tagPerJoint: boolean;
  /** Order in which joints join people: COCO's `[0..6, 11, 12, 7..10, 13..16]` (torso before limbs). */
  jointOrder: readonly number[];
  adjust: boolean;
  refine: boolean;
}

/** The official `Params.joint_order` for COCO without the centre joint. */
export const COCO_JOINT_ORDER: readonly number[] = Object.freeze([1, 2, 3, 4, 5, 6, 7, 12, 13, 8, 9, 10, 11, 14, 15, 16, 17].map((i) => i - 1));

export function groupingParams(c: BottomUpModelConfig): GroupingParams {
  const t = c.test;
  const order = c.numJoints === 17 ? COCO_JOINT_ORDER : Array.from({ length: c.numJoints }, (_, i) => i);
  return {
    numJoints: c.numJoints,
    maxNumPeople: t.maxNumPeople,
    detectionThreshold: t.detectionThreshold,
    tagThreshold: t.tagThreshold,
    useDetectionVal: t.useDetectionVal,
    ignoreTooMuch: t.ignoreTooMuch,
    nmsKernel: t.nmsKernel,
    nmsPadding: t.nmsPadding,
    tagPerJoint: c.tagPerJoint,
    jointOrder: order,
    adjust: t.adjust,
    refine: t.refine,
  };
}

/** Heatmaps and tags of one image on the host, in the official layout: det `[K, H, W]`, tag `[K, H, W, T]`. */
export interface HostDetTag {
  det: Float32Array;
  tag: Float32Array;
  numJoints: number;
  height: number;
  width: number;
  /** Tag values a pixel: 1, or 2 with the flip test (plain, flipped), more with several tag stages. */
  tagDim: number;
}

/** The official `top_k` result: for each joint the k best NMS peaks. */
export interface TopK {
  /** `[K, k]` peak values, descending. */
  val: Float32Array;
  /** `[K, k, 2]` integer `(x, y)`. */
  loc: Int32Array;
  /** `[K, k, T]` tags at the peaks. */
  tag: Float32Array;
  k: number;
}

function checkMaps(heatmaps: tf.Tensor4D, tags: tf.Tensor, params: GroupingParams) {
  if (heatmaps.rank !== 4 || heatmaps.shape[0] !== 1) throw new ShapeError(`heatmaps: expected [1, H, W, K], found [${heatmaps.shape.join(', ')}]`);
  const [, H, W, K] = heatmaps.shape;
  if (tags.rank !== 5 || tags.shape[0] !== 1 || tags.shape[1] !== H || tags.shape[2] !== W) {
    throw new ShapeError(`tags: expected [1, ${H}, ${W}, K, T], found [${tags.shape.join(', ')}]`);
  }
  const Kt = tags.shape[3]!;
  const T = tags.shape[4]!;
  if (Kt !== K && !(Kt === 1 && !params.tagPerJoint)) throw new ShapeError(`tags: ${Kt} tag maps for ${K} joints`);
  return { H, W, K, Kt, T, k: Math.min(params.maxNumPeople, H * W) };
}

/** The tags at each top-k peak, `[K, k, T]`, and the peaks' `(x, y)`. */
function peakTags(ind: ArrayLike<number>, maps: HostDetTag, k: number): { loc: Int32Array; tag: Float32Array } {
  const { numJoints: K, height: H, width: W, tagDim: T } = maps;
  const loc = new Int32Array(K * k * 2);
  const tag = new Float32Array(K * k * T);
  for (let j = 0; j < K; j++) {
    for (let m = 0; m < k; m++) {
      const i = ind[j * k + m]!;
      loc[(j * k + m) * 2] = i % W;
      loc[(j * k + m) * 2 + 1] = Math.floor(i / W);
      for (let t = 0; t < T; t++) tag[(j * k + m) * T + t] = maps.tag[(j * H * W + i) * T + t]!;
    }
  }
  return { loc, tag };
}

/**
 * Device tensors → host arrays in the official layout: heatmaps NHWC `[1, H, W, K]` and tags `[1, H, W, K, T]`
 * (from `multiScaleHeatmaps`), plus the official `top_k`: NMS = max-pool (kernel, stride 1, padding) keeping the
 * pixels equal to their pool, then the top `maxNumPeople` a joint (ties: lower index first).
 *
 * One download of each map, then plain loops (one pass with a k-long sorted list for the top-k, the pool's
 * window read only for a pixel that would enter it): the same values as {@link topKByTensorOps}, without its transposes of the full maps on the
 * device. Maps with a non-finite value (a broken checkpoint) take the tensor ops, whose NaN rules the loops do not copy.
 */
export async function topKOnDevice(
  heatmaps: tf.Tensor4D,
  tags: tf.Tensor,
  params: GroupingParams,
): Promise<{ maps: HostDetTag; top: TopK }> {
  const { H, W, K, Kt, T, k } = checkMaps(heatmaps, tags, params);
  const p = params.nmsPadding;
  if (params.nmsKernel !== 2 * p + 1) return topKByTensorOps(heatmaps, tags, params);
  const [hwk, hwkt] = (await Promise.all([heatmaps.data(), tags.data()])) as [Float32Array, Float32Array];
  const hw = H * W;
  for (let i = 0; i < hwk.length; i++) if (!Number.isFinite(hwk[i]!)) return topKByTensorOps(heatmaps, tags, params);
  // [H, W, K] → [K, H, W]; [H, W, Kt, T] → [Kt, H, W, T]
  const det = new Float32Array(K * hw);
  for (let i = 0; i < hw; i++) for (let j = 0; j < K; j++) det[j * hw + i] = hwk[i * K + j]!;
  const tagKt = new Float32Array(Kt * hw * T);
  for (let i = 0; i < hw; i++) {
    for (let j = 0; j < Kt; j++) for (let t = 0; t < T; t++) tagKt[(j * hw + i) * T + t] = hwkt[(i * Kt + j) * T + t]!;
  }
  const maps: HostDetTag = { det, tag: expandTags(tagKt, Kt, K, hw, T), numJoints: K, height: H, width: W, tagDim: T };
  const val = new Float32Array(K * k);
  const ind = new Int32Array(K * k);
  for (let j = 0; j < K; j++) {
    const d = det.subarray(j * hw, (j + 1) * hw);
    // top-k of `value · (pool == value)`, in a list sorted by value, then index (scan order); later equals lose
    let n = 0;
    const v = val.subarray(j * k, (j + 1) * k);
    const at = ind.subarray(j * k, (j + 1) * k);
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const i = y * W + x;
        const di = d[i]!;
        // kept is di or ±0: neither enters a full list whose last is at least both
        if (n === k && !(di > v[k - 1]!) && !(0 > v[k - 1]!)) continue;
        // the pool of the (2p+1)² window (cells outside the map left out) equals di unless a neighbour is larger
        let peak = true;
        for (let yy = Math.max(0, y - p); peak && yy <= Math.min(H - 1, y + p); yy++) {
          for (let xx = Math.max(0, x - p); xx <= Math.min(W - 1, x + p); xx++) {
            if (d[yy * W + xx]! > di) {
              peak = false;
              break;
            }
          }
        }
        const kept = di * (peak ? 1 : 0);
        if (n === k && !(kept > v[k - 1]!)) continue;
        let q = n < k ? n++ : k - 1;
        while (q > 0 && kept > v[q - 1]!) {
          v[q] = v[q - 1]!;
          at[q] = at[q - 1]!;
          q--;
        }
        v[q] = kept;
        at[q] = i;
      }
    }
  }
  const { loc, tag } = peakTags(ind, maps, k);
  return { maps, top: { val, loc, tag, k } };
}

/** {@link topKOnDevice} with tfjs ops (max-pool, equal, transpose, topk on the device), then the downloads. */
export async function topKByTensorOps(
  heatmaps: tf.Tensor4D,
  tags: tf.Tensor,
  params: GroupingParams,
): Promise<{ maps: HostDetTag; top: TopK }> {
  const { H, W, K, Kt, T, k } = checkMaps(heatmaps, tags, params);
  const [detT, tagT, valT, indT] = tf.tidy(() => {
    const p = params.nmsPadding;
    // an explicit padding of NMS_PADDING on every side, as torch.nn.MaxPool2d(kernel, 1, padding) (padded cells never win)
    const pooled = tf.maxPool(heatmaps, params.nmsKernel, 1, p);
    const kept = tf.mul(heatmaps, tf.cast(tf.equal(pooled, heatmaps), 'float32'));
    const flat = tf.reshape(tf.transpose(kept, [0, 3, 1, 2]), [K, H * W]);
    const { values, indices } = tf.topk(flat, k, true);
    const det = tf.transpose(heatmaps, [0, 3, 1, 2]);
    const tg = tf.transpose(tags, [0, 3, 1, 2, 4]);
    return [det, tg, values, indices];
  });
  try {
    const [det, tagAll, val, ind] = await Promise.all([detT.data(), tagT.data(), valT.data(), indT.data()]);
    const maps: HostDetTag = { det: det as Float32Array, tag: expandTags(tagAll as Float32Array, Kt, K, H * W, T), numJoints: K, height: H, width: W, tagDim: T };
    const { loc, tag } = peakTags(ind, maps, k);
    return { maps, top: { val: val as Float32Array, loc, tag, k } };
  } finally {
    tf.dispose([detT, tagT, valT, indT]);
  }
}

/** One shared tag map (`TAG_PER_JOINT` false) repeated for every joint, as the official `expand`/`np.tile`. */
function expandTags(tag: Float32Array, Kt: number, K: number, hw: number, T: number): Float32Array {
  if (Kt === K) return tag;
  const out = new Float32Array(K * hw * T);
  for (let j = 0; j < K; j++) out.set(tag, j * hw * T);
  return out;
}

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

/** A person being built: `[K, 3 + T]` rows `(x, y, val, tags…)`, and the tags of its joints. */
interface Group {
  joints: Float64Array;
  tags: Float32Array[];
}

/**
 * The official `match_by_tag`: joints taken in `jointOrder`, detections ≤ `detectionThreshold` dropped; the first
 * joint type starts one person a detection; each later one is matched to the first `maxNumPeople` people by the
 * L2 distance of its tag to their mean tag (cost `round(d)·100 − val` with `useDetectionVal`, padded with 1e10
 * columns), solved by {@link munkres}; a match further than `tagThreshold` starts a new person. People are
 * keyed by the first tag value of the detection that started them (a later detection with the same value
 * lands in that person, as in the official dict). Returns `[P, K, 3 + T]` in creation order, float32.
 */
export function matchByTag(top: TopK, params: GroupingParams): Float32Array[] {
  const K = params.numJoints;
  const T = top.tag.length / (K * top.k);
  const D = 3 + T;
  const people = new Map<number, Group>();
  for (let i = 0; i < K; i++) {
    const idx = params.jointOrder[i]!;
    const rows: Float64Array[] = [];
    const tags: Float32Array[] = [];
    for (let m = 0; m < top.k; m++) {
      const v = top.val[idx * top.k + m]!;
      if (!(v > params.detectionThreshold)) continue;
      const row = new Float64Array(D);
      row[0] = top.loc[(idx * top.k + m) * 2]!;
      row[1] = top.loc[(idx * top.k + m) * 2 + 1]!;
      row[2] = v;
      const tg = top.tag.slice((idx * top.k + m) * T, (idx * top.k + m + 1) * T);
      row.set(tg, 3);
      rows.push(row);
      tags.push(tg);
    }
    if (rows.length === 0) continue;
    const start = (row: Float64Array, tg: Float32Array) => {
      const key = tg[0]!;
      let g = people.get(key);
      if (!g) {
        g = { joints: new Float64Array(K * D), tags: [] };
        people.set(key, g);
      }
      g.joints.set(row, idx * D);
      g.tags = [tg];
    };
    if (i === 0 || people.size === 0) {
      rows.forEach((r, n) => start(r, tags[n]!));
      continue;
    }
    const groupedKeys = [...people.keys()].slice(0, params.maxNumPeople);
    const groupedTags = groupedKeys.map((key) => meanRows(people.get(key)!.tags, T));
    if (params.ignoreTooMuch && groupedKeys.length === params.maxNumPeople) continue;
    const added = rows.length;
    const grouped = groupedKeys.length;
    const saved: number[][] = [];
    const cost: number[][] = rows.map((r) => {
      const d = groupedTags.map((g) => {
        let s = 0;
        for (let t = 0; t < T; t++) {
          const x = r[3 + t]! - g[t]!;
          s += x * x;
        }
        return Math.sqrt(s);
      });
      saved.push(d);
      const c = params.useDetectionVal ? d.map((x) => roundHalfEven(x) * 100 - r[2]!) : [...d];
      for (let p = grouped; p < added; p++) c.push(1e10);
      return c;
    });
    for (const [row, col] of munkres(cost)) {
      if (row < added && col < grouped && saved[row]![col]! < params.tagThreshold) {
        const g = people.get(groupedKeys[col]!)!;
        g.joints.set(rows[row]!, idx * D);
        g.tags.push(tags[row]!);
      } else {
        start(rows[row]!, tags[row]!);
      }
    }
  }
  return [...people.values()].map((g) => Float32Array.from(g.joints));
}

/** The official `adjust`: each found joint moved a quarter pixel toward its higher neighbour in x and y, then +0.5. */
export function adjust(people: Float32Array[], maps: HostDetTag): void {
  const { det, height: H, width: W, numJoints: K } = maps;
  const D = 3 + maps.tagDim;
  for (const p of people) {
    for (let j = 0; j < K; j++) {
      if (!(p[j * D + 2]! > 0)) continue;
      let x = p[j * D]!;
      let y = p[j * D + 1]!;
      const c = Math.trunc(x);
      const r = Math.trunc(y);
      const at = (rr: number, cc: number) => det[(j * H + rr) * W + cc]!;
      x += at(r, Math.min(c + 1, W - 1)) > at(r, Math.max(c - 1, 0)) ? 0.25 : -0.25;
      y += at(Math.min(r + 1, H - 1), c) > at(Math.max(0, r - 1), c) ? 0.25 : -0.25;
      p[j * D] = x + 0.5;
      p[j * D + 1] = y + 0.5;
    }
  }
}

/** numpy's float32 `mean` of a strided 1-D float32 slice: pairwise with 8 accumulators, then ÷ n. */
function meanFloat32(values: readonly number[]): number {
  const n = values.length;
  let s: number;
  if (n < 8) {
    s = 0;
    for (const v of values) s = f32(s + v);
  } else {
    const r = values.slice(0, 8).map(f32);
    let i = 8;
    for (; i < n - (n % 8); i += 8) for (let j = 0; j < 8; j++) r[j] = f32(r[j]! + values[i + j]!);
    s = f32(f32(f32(r[0]! + r[1]!) + f32(r[2]! + r[3]!)) + f32(f32(r[4]! + r[5]!) + f32(r[6]! + r[7]!)));
    for (; i < n; i++) s = f32(s + values[i]!);
  }
  return f32(s / n);
}

/** The official person score: the mean detection value over all K joints (missing ones count 0), after adjust. */
export function personScores(people: Float32Array[], K: number, D: number): number[] {
  return people.map((p) => meanFloat32(Array.from({ length: K }, (_, j) => p[j * D + 2]!)));
}

/** Sides of the square pixel blocks that {@link RefineIndex} summarizes: coarse blocks of fine blocks. */
const COARSE_BLOCK = 32;
const FINE_BLOCK = 8;

/** One level of {@link RefineIndex}: for every block of every joint its largest det value, where, and tag ranges. */
export interface BlockSummary {
  /** Block side in pixels. */
  side: number;
  blocksX: number;
  blocksY: number;
  /** `[K, blocks]` largest det value of the block (−∞ when it holds none). */
  maxDet: Float32Array;
  /** `[K, blocks]` flat pixel index (`y·W + x`) of that value. */
  argMax: Int32Array;
  /** `[K, blocks, T]` smallest and largest tag value of the block. */
  tagLo: Float32Array;
  tagHi: Float32Array;
}

/**
 * Per-joint summaries of the maps that let {@link refine} skip pixels without changing its answer, made once
 * per image: the official refine scans all H·W pixels of all K joints for every person, which with hundreds of
 * candidate people (random weights, crowds) took ~0.5 s a person at 512x512.
 */
export interface RefineIndex {
  coarse: BlockSummary;
  fine: BlockSummary;
}

function blockSummary(maps: HostDetTag, side: number): BlockSummary {
  const { det, tag, height: H, width: W, numJoints: K, tagDim: T } = maps;
  const blocksX = Math.ceil(W / side);
  const blocksY = Math.ceil(H / side);
  const nb = blocksX * blocksY;
  const maxDet = new Float32Array(K * nb);
  const argMax = new Int32Array(K * nb);
  const tagLo = new Float32Array(K * nb * T);
  const tagHi = new Float32Array(K * nb * T);
  for (let j = 0; j < K; j++) {
    for (let by = 0; by < blocksY; by++) {
      const y1 = Math.min((by + 1) * side, H);
      for (let bx = 0; bx < blocksX; bx++) {
        const x1 = Math.min((bx + 1) * side, W);
        const b = j * nb + by * blocksX + bx;
        let m = -Infinity;
        let am = 0;
        for (let y = by * side; y < y1; y++) {
          for (let x = bx * side; x < x1; x++) {
            const v = det[j * H * W + y * W + x]!;
            if (v > m) {
              m = v;
              am = y * W + x;
            }
          }
        }
        maxDet[b] = m;
        argMax[b] = am;
        for (let t = 0; t < T; t++) {
          let lo = Infinity;
          let hi = -Infinity;
          for (let y = by * side; y < y1; y++) {
            for (let x = bx * side; x < x1; x++) {
              const g = tag[(j * H * W + y * W + x) * T + t]!;
              if (g < lo) lo = g;
              if (g > hi) hi = g;
            }
          }
          tagLo[b * T + t] = lo;
          tagHi[b * T + t] = hi;
        }
      }
    }
  }
  return { side, blocksX, blocksY, maxDet, argMax, tagLo, tagHi };
}

/** The summary of `factor`² blocks of `fine` at a time (the largest of the largest, the widest ranges). */
function coarsen(fine: BlockSummary, factor: number, K: number, T: number): BlockSummary {
  const blocksX = Math.ceil(fine.blocksX / factor);
  const blocksY = Math.ceil(fine.blocksY / factor);
  const nb = blocksX * blocksY;
  const nf = fine.blocksX * fine.blocksY;
  const maxDet = new Float32Array(K * nb).fill(-Infinity);
  const argMax = new Int32Array(K * nb);
  const tagLo = new Float32Array(K * nb * T).fill(Infinity);
  const tagHi = new Float32Array(K * nb * T).fill(-Infinity);
  for (let j = 0; j < K; j++) {
    for (let fy = 0; fy < fine.blocksY; fy++) {
      for (let fx = 0; fx < fine.blocksX; fx++) {
        const f = j * nf + fy * fine.blocksX + fx;
        const b = j * nb + Math.floor(fy / factor) * blocksX + Math.floor(fx / factor);
        if (fine.maxDet[f]! > maxDet[b]!) {
          maxDet[b] = fine.maxDet[f]!;
          argMax[b] = fine.argMax[f]!;
        }
        for (let t = 0; t < T; t++) {
          if (fine.tagLo[f * T + t]! < tagLo[b * T + t]!) tagLo[b * T + t] = fine.tagLo[f * T + t]!;
          if (fine.tagHi[f * T + t]! > tagHi[b * T + t]!) tagHi[b * T + t] = fine.tagHi[f * T + t]!;
        }
      }
    }
  }
  return { side: fine.side * factor, blocksX, blocksY, maxDet, argMax, tagLo, tagHi };
}

export function refineIndex(maps: HostDetTag): RefineIndex {
  const fine = blockSummary(maps, FINE_BLOCK);
  return { coarse: coarsen(fine, COARSE_BLOCK / FINE_BLOCK, maps.numJoints, maps.tagDim), fine };
}

/**
 * The most `det − round(‖tag − mean‖)` can reach in block `b` of joint `j`: its largest det minus the rounded
 * distance from the mean to the block's tag ranges. Every float32 step of the exact value is monotone, so the
 * same steps on the nearest range edges bound it; NaN (a NaN or infinite map) never prunes.
 */
function blockBound(s: BlockSummary, j: number, b: number, prev: Float32Array): number {
  const T = prev.length;
  const at = j * s.blocksX * s.blocksY + b;
  let sum = 0;
  for (let t = 0; t < T; t++) {
    const p = prev[t]!;
    const lo = s.tagLo[at * T + t]!;
    const hi = s.tagHi[at * T + t]!;
    const g = p < lo ? f32(lo - p) : p > hi ? f32(p - hi) : 0;
    sum = f32(sum + f32(g * g));
  }
  return f32(s.maxDet[at]! - roundHalfEven(f32(Math.sqrt(sum))));
}

/**
 * The official `refine`: for a person, the mean tag at its found joints; for every joint the pixel maximising
 * `det − round(‖tag − mean‖)` (first in row-major order), +0.5 and a quarter pixel toward the higher
 * neighbour; the joints the person lacks are filled with it when its det value is > 0 (their tags stay 0).
 *
 * The same answer as scanning every pixel, from fewer: coarse blocks are visited by their upper bound (see
 * `blockBound`), best first, then their fine blocks, and a block whose bound is below a value already found
 * (at first the best value at the coarse blocks' largest det) cannot hold the winner. Ties keep the lowest
 * pixel index, which is what the row-major scan keeps.
 */
export function refine(person: Float32Array, maps: HostDetTag, index: RefineIndex = refineIndex(maps)): void {
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
  const { coarse, fine } = index;
  const nc = coarse.blocksX * coarse.blocksY;
  const per = coarse.side / fine.side;
  const bound = new Float32Array(nc);
  const order = new Int32Array(nc);
  for (let j = 0; j < K; j++) {
    const base = j * H * W;
    const value = (i: number) => {
      let s = 0;
      for (let t = 0; t < T; t++) {
        const d = f32(tag[(base + i) * T + t]! - prev[t]!);
        s = f32(s + f32(d * d));
      }
      return f32(det[base + i]! - roundHalfEven(f32(Math.sqrt(s))));
    };
    // a first lower bound of the maximum: the best value at the coarse blocks' largest det
    let floor = -Infinity;
    for (let b = 0; b < nc; b++) {
      const v = value(coarse.argMax[j * nc + b]!);
      if (v > floor) floor = v;
      bound[b] = blockBound(coarse, j, b, prev);
      order[b] = b;
    }
    // highest bound first; NaN bounds (never pruned) at the front
    order.sort((a, b) => {
      const x = bound[a]!;
      const y = bound[b]!;
      if (Number.isNaN(x) || Number.isNaN(y)) return Number.isNaN(x) ? (Number.isNaN(y) ? a - b : -1) : 1;
      return y - x || a - b;
    });
    let best = -Infinity;
    let bi = 0;
    for (const c of order) {
      if (bound[c]! < Math.max(floor, best)) break; // every later block's bound is lower still
      const cy = Math.floor(c / coarse.blocksX) * per;
      const cx = (c % coarse.blocksX) * per;
      for (let fy = cy; fy < Math.min(cy + per, fine.blocksY); fy++) {
        for (let fx = cx; fx < Math.min(cx + per, fine.blocksX); fx++) {
          if (blockBound(fine, j, fy * fine.blocksX + fx, prev) < Math.max(floor, best)) continue;
          for (let yy = fy * fine.side; yy < Math.min((fy + 1) * fine.side, H); yy++) {
            for (let xx = fx * fine.side; xx < Math.min((fx + 1) * fine.side, W); xx++) {
              const i = yy * W + xx;
              const v = value(i);
              if (v > best || (v === best && i < bi)) {
                best = v;
                bi = i;
              }
            }
          }
        }
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

/** What {@link parseHeatmaps} returns: people `[K, 3 + T]` (heatmap pixels) and their scores. */
export interface ParsedPeople {
  people: Float32Array[];
  scores: number[];
  /** Columns of each joint row: 3 + T. */
  rowSize: number;
}

/** The official `HeatmapParser.parse(det, tag, adjust, refine)` on host maps and their top-k. */
export function parseHeatmaps(maps: HostDetTag, top: TopK, params: GroupingParams): ParsedPeople {
  const people = matchByTag(top, params);
  const D = 3 + maps.tagDim;
  if (params.adjust) adjust(people, maps);
  const scores = personScores(people, maps.numJoints, D);
  if (params.refine && people.length > 0) {
    const index = refineIndex(maps);
    for (const p of people) refine(p, maps, index);
  }
  return { people, scores, rowSize: D };
}

/**
 * The official `get_final_preds`: every person's `(x, y)` from heatmap pixels to image pixels with the inverse
 * of `get_affine_transform(center, scale, 0, heatmap_size)`; the other columns unchanged (float32, as numpy).
 */
export function bottomUpFinalPreds(
  people: readonly Float32Array[],
  rowSize: number,
  center: readonly [number, number],
  scale: readonly [number, number],
  heatmapSize: readonly [number, number],
): Float32Array[] {
  return people.map((p) => {
    const K = p.length / rowSize;
    const xy = new Float64Array(K * 2);
    for (let j = 0; j < K; j++) {
      xy[j * 2] = p[j * rowSize]!;
      xy[j * 2 + 1] = p[j * rowSize + 1]!;
    }
    const t = transformPreds(xy, center, scale, heatmapSize);
    const out = Float32Array.from(p);
    for (let j = 0; j < K; j++) {
      out[j * rowSize] = t[j * 2]!;
      out[j * rowSize + 1] = t[j * 2 + 1]!;
    }
    return out;
  });
}
