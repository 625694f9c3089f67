import { InputError, ShapeError, describeValue } from '@hrnetjs/core';
import { type FcosInferenceConfig, FCOS_INFERENCE_DEFAULTS } from './config.js';
import { computeLocations } from './model.js';

const f32 = Math.fround;

/** One pyramid level of raw FCOS outputs for one image, on the host, in NHWC order (location-major). */
export interface FcosLevelOutput {
  height: number;
  width: number;
  stride: number;
  /** Class logits, `height · width · numClasses` values (location-major, then class). */
  boxCls: ArrayLike<number>;
  /** (l, t, r, b) distances, `height · width · 4` values (already `exp(scale · x)`). */
  boxRegression: ArrayLike<number>;
  /** Centerness logits, `height · width` values. */
  centerness: ArrayLike<number>;
}

/** Detections in network-input pixels (`xyxy`), official labels 1…C. Parallel arrays. */
export interface FcosDetections {
  /** `[x1, y1, x2, y2]` per detection, clipped to `[0, width − 1] × [0, height − 1]` (the official `TO_REMOVE`). */
  boxes: Float32Array;
  /** sigmoid(cls) × sigmoid(centerness). */
  scores: Float32Array;
  /** Official label (1-based; class index + 1). */
  labels: Int32Array;
}

export type PostprocessOptions = Partial<FcosInferenceConfig>;

/**
 * Most candidates a level may keep before NMS: 10× the official 1000. NMS is quadratic in the candidates, so
 * `preNmsTopN: 1e9` with a low threshold ran for half a minute; refused instead.
 */
export const MAX_PRE_NMS_TOP_N = 10_000;

/** Checks post-processing options (InputError); the detector calls it before the forward pass. */
export function checkPostprocessOptions(o: FcosInferenceConfig): void {
  checkOptions(o);
}

function checkOptions(o: FcosInferenceConfig): void {
  const bad = (name: string, what: string, v: unknown) => new InputError(`${name}: expected ${what}, found ${describeValue(v)}`);
  if (!(o.scoreThreshold >= 0 && o.scoreThreshold < 1)) throw bad('scoreThreshold', 'a number in [0, 1)', o.scoreThreshold);
  if (!(Number.isInteger(o.preNmsTopN) && o.preNmsTopN > 0 && o.preNmsTopN <= MAX_PRE_NMS_TOP_N)) {
    throw bad('preNmsTopN', `a positive integer up to ${MAX_PRE_NMS_TOP_N} (NMS is quadratic in it)`, o.preNmsTopN);
  }
  if (!(o.nmsThreshold <= 1) || Number.isNaN(o.nmsThreshold)) throw bad('nmsThreshold', 'a number ≤ 1 (≤ 0 turns NMS off, as officially)', o.nmsThreshold);
  if (!(Number.isInteger(o.detectionsPerImage) && o.detectionsPerImage >= 0)) {
    throw bad('detectionsPerImage', 'a non-negative integer (0 keeps all)', o.detectionsPerImage);
  }
}

function sigmoid(x: number): number {
  return f32(1 / (1 + Math.exp(-x)));
}

interface Candidates {
  boxes: number[];
  scores: number[];
  labels: number[];
}

/**
 * `FCOSPostProcessor.forward_for_single_feature_map` for one image: candidates are (location, class) pairs
 * with sigmoid(logit) > threshold (tested before the centerness product); score = that × sigmoid(centerness);
 * when more than `preNmsTopN` qualify, the `preNmsTopN` best scores stay (ties: the earlier candidate, as
 * torch's topk order is unspecified); boxes = location ∓ distances, clipped to the image with the `−1`
 * convention; `remove_small_boxes(min_size=0)` only drops NaN boxes.
 */
function selectLevel(level: FcosLevelOutput, imageHeight: number, imageWidth: number, numClasses: number, o: FcosInferenceConfig, out: Candidates): void {
  const { height: h, width: w, stride } = level;
  const n = h * w;
  if (level.boxCls.length !== n * numClasses || level.boxRegression.length !== n * 4 || level.centerness.length !== n) {
    throw new ShapeError(
      `FCOS level (stride ${stride}): expected ${n * numClasses} class logits, ${n * 4} box values and ${n} centerness values for ${h}x${w}, ` +
        `found ${level.boxCls.length}, ${level.boxRegression.length}, ${level.centerness.length}`,
    );
  }
  const loc = computeLocations(h, w, stride);
  const thresh = f32(o.scoreThreshold);
  const candLoc: number[] = [];
  const candCls: number[] = [];
  const candScore: number[] = [];
  for (let i = 0; i < n; i++) {
    let ctr = -1;
    for (let c = 0; c < numClasses; c++) {
      const p = sigmoid(level.boxCls[i * numClasses + c]!);
      if (p > thresh) {
        if (ctr < 0) ctr = sigmoid(level.centerness[i]!);
        candLoc.push(i);
        candCls.push(c);
        candScore.push(f32(p * ctr));
      }
    }
  }
  let order = candScore.map((_, k) => k);
  if (order.length > o.preNmsTopN) {
    order.sort((a, b) => candScore[b]! - candScore[a]! || a - b);
    order = order.slice(0, o.preNmsTopN);
  }
  const maxX = imageWidth - 1;
  const maxY = imageHeight - 1;
  const clamp = (v: number, hi: number) => (v < 0 ? 0 : Math.min(v , hi)); // NaN passes through, as clamp_
  for (const k of order) {
    const i = candLoc[k]!;
    const [x, y] = [loc[2 * i]!, loc[2 * i + 1]!];
    const r = level.boxRegression;
    const x1 = clamp(f32(x - r[4 * i]!), maxX);
    const y1 = clamp(f32(y - r[4 * i + 1]!), maxY);
    const x2 = clamp(f32(x + r[4 * i + 2]!), maxX);
    const y2 = clamp(f32(y + r[4 * i + 3]!), maxY);
    // remove_small_boxes(min_size=0): w = x2 − x1 + 1 ≥ 0; after clipping only NaN fails
    if (!(f32(x2 - x1 + 1) >= 0 && f32(y2 - y1 + 1) >= 0)) continue;
    out.boxes.push(x1, y1, x2, y2);
    out.scores.push(candScore[k]!);
    out.labels.push(candCls[k]! + 1);
  }
}

/**
 * `maskrcnn_benchmark` NMS (`csrc/cpu/nms_cpu.cpp`) on `xyxy` boxes: visit by descending score, suppress a
 * later box when IoU ≥ threshold, with the `+1` pixel convention (area = (x2 − x1 + 1)(y2 − y1 + 1)), in
 * float32. Returns the kept indices in ascending index order (`nonzero(suppressed == 0)`), not by score.
 * Equal scores are visited in index order (torch's sort leaves that order unspecified).
 */
export function nms(boxes: ArrayLike<number>, scores: ArrayLike<number>, iouThreshold: number): number[] {
  const n = scores.length;
  if (boxes.length !== 4 * n) throw new ShapeError(`nms: expected ${4 * n} box values for ${n} scores, found ${boxes.length}`);
  const area = new Float32Array(n);
  for (let i = 0; i < n; i++) area[i] = f32(f32(boxes[4 * i + 2]! - boxes[4 * i]! + 1) * f32(boxes[4 * i + 3]! - boxes[4 * i + 1]! + 1));
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b]! - scores[a]! || a - b);
  const suppressed = new Uint8Array(n);
  const thr = f32(iouThreshold);
  for (let oi = 0; oi < n; oi++) {
    const i = order[oi]!;
    if (suppressed[i]) continue;
    for (let oj = oi + 1; oj < n; oj++) {
      const j = order[oj]!;
      if (suppressed[j]) continue;
      const w = Math.max(0, f32(f32(Math.min(boxes[4 * i + 2]!, boxes[4 * j + 2]!) - Math.max(boxes[4 * i]!, boxes[4 * j]!)) + 1));
      const h = Math.max(0, f32(f32(Math.min(boxes[4 * i + 3]!, boxes[4 * j + 3]!) - Math.max(boxes[4 * i + 1]!, boxes[4 * j + 1]!)) + 1));
      const inter = f32(w * h);
      const ovr = f32(inter / f32(f32(area[i]! + area[j]!) - inter));
      if (ovr >= thr) suppressed[j] = 1;
    }
  }
  const keep: number[] = [];
  for (let i = 0; i < n; i++) if (!suppressed[i]) keep.push(i);
  return keep;
}

/**
 * The official FCOS post-processing (`modeling/rpn/fcos/inference.py`, `FCOSPostProcessor`) for one image:
 * per-level candidate selection (see above), all levels concatenated, class-wise NMS (classes in label
 * order, kept boxes in candidate order), then — when more than `detectionsPerImage` remain — every detection
 * scoring at least the `detectionsPerImage`-th best score is kept (`torch.kthvalue`; ties can keep a few more).
 * `imageHeight`/`imageWidth` are the network-input size before padding (boxes are clipped to it).
 */
export function postprocessFcos(
  levels: FcosLevelOutput[],
  imageHeight: number,
  imageWidth: number,
  numClasses: number,
  options: PostprocessOptions = {},
): FcosDetections {
  const o: FcosInferenceConfig = { ...FCOS_INFERENCE_DEFAULTS, ...options };
  checkOptions(o);
  const all: Candidates = { boxes: [], scores: [], labels: [] };
  for (const level of levels) selectLevel(level, imageHeight, imageWidth, numClasses, o, all);

  const keepIdx: number[] = [];
  const byClass = new Map<number, number[]>();
  all.labels.forEach((label, i) => {
    const list = byClass.get(label);
    if (list) list.push(i);
    else byClass.set(label, [i]);
  });
  for (let label = 1; label <= numClasses; label++) {
    const idx = byClass.get(label);
    if (!idx) continue;
    if (o.nmsThreshold <= 0) {
      keepIdx.push(...idx); // boxlist_nms returns the list unchanged for a threshold ≤ 0
      continue;
    }
    const b = new Float32Array(idx.length * 4);
    idx.forEach((i, k) => b.set(all.boxes.slice(4 * i, 4 * i + 4), 4 * k));
    for (const k of nms(b, idx.map((i) => all.scores[i]!), o.nmsThreshold)) keepIdx.push(idx[k]!);
  }

  let kept = keepIdx;
  const max = o.detectionsPerImage;
  if (kept.length > max && max > 0) {
    // torch.kthvalue(scores, n − max + 1): the max-th largest score; keep everything at or above it
    const sorted = kept.map((i) => all.scores[i]!).sort((a, b) => a - b);
    const thresh = sorted[kept.length - max]!;
    kept = kept.filter((i) => all.scores[i]! >= thresh);
  }
  const boxes = new Float32Array(kept.length * 4);
  const scores = new Float32Array(kept.length);
  const labels = new Int32Array(kept.length);
  kept.forEach((i, k) => {
    boxes.set(all.boxes.slice(4 * i, 4 * i + 4), 4 * k);
    scores[k] = all.scores[i]!;
    labels[k] = all.labels[i]!;
  });
  return { boxes, scores, labels };
}

/**
 * mmdetection 2.x FCOS post-processing (`FCOSHead._get_bboxes_single`, `multiclass_nms`, mmcv `batched_nms`)
 * for one image, in float32: per level, when it has more than `preNmsTopN` locations, the `preNmsTopN` with
 * the best max-over-classes sigmoid(cls) × sigmoid(centerness) (torch `topk` order); boxes = location ∓
 * distances clamped to `[0, width] × [0, height]` (no `−1`); then every (location, class) with
 * sigmoid(cls) × sigmoid(centerness) > `scoreThreshold` is a candidate, class-aware NMS (boxes offset by
 * class · (max coordinate + 1), IoU > threshold suppresses, area without `+1`), kept in descending score
 * order, at most `detectionsPerImage`. Labels are returned 1-based like `postprocessFcos`'s.
 */
export function postprocessMmdetFcos(
  levels: FcosLevelOutput[],
  imageHeight: number,
  imageWidth: number,
  numClasses: number,
  options: PostprocessOptions = {},
): FcosDetections {
  const o: FcosInferenceConfig = { ...FCOS_INFERENCE_DEFAULTS, ...options };
  checkOptions(o);
  const boxes: number[] = [];
  const scores: number[] = [];
  const labels: number[] = [];
  const clamp = (v: number, hi: number) => (v < 0 ? 0 : Math.min(v , hi));
  for (const level of levels) {
    const { height: h, width: w, stride } = level;
    const n = h * w;
    if (level.boxCls.length !== n * numClasses || level.boxRegression.length !== n * 4 || level.centerness.length !== n) {
      throw new ShapeError(`FCOS level (stride ${stride}): expected ${n * numClasses}, ${n * 4} and ${n} values for ${h}x${w}, found ${level.boxCls.length}, ${level.boxRegression.length}, ${level.centerness.length}`);
    }
    const loc = computeLocations(h, w, stride);
    const ctr = Float32Array.from(level.centerness, sigmoid);
    const cls = Float32Array.from(level.boxCls, sigmoid);
    let order = Array.from({ length: n }, (_, i) => i);
    if (o.preNmsTopN > 0 && n > o.preNmsTopN) {
      const best = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        let m = -Infinity;
        for (let c = 0; c < numClasses; c++) m = Math.max(m, f32(cls[i * numClasses + c]! * ctr[i]!));
        best[i] = m;
      }
      order = order.sort((a, b) => best[b]! - best[a]! || a - b).slice(0, o.preNmsTopN);
    }
    const r = level.boxRegression;
    for (const i of order) {
      const [x, y] = [loc[2 * i]!, loc[2 * i + 1]!];
      const box = [clamp(f32(x - r[4 * i]!), imageWidth), clamp(f32(y - r[4 * i + 1]!), imageHeight), clamp(f32(x + r[4 * i + 2]!), imageWidth), clamp(f32(y + r[4 * i + 3]!), imageHeight)];
      for (let c = 0; c < numClasses; c++) {
        const s = f32(cls[i * numClasses + c]! * ctr[i]!);
        if (s > f32(o.scoreThreshold)) {
          boxes.push(...box);
          scores.push(s);
          labels.push(c);
        }
      }
    }
  }
  const m = scores.length;
  let maxCoord = -Infinity;
  for (const v of boxes) maxCoord = Math.max(maxCoord, v);
  // batched_nms: offsetting each class's boxes apart makes one NMS class-aware (in float32, as mmcv)
  const off = new Float32Array(4 * m);
  for (let k = 0; k < m; k++) {
    const d = f32(labels[k]! * f32(maxCoord + 1));
    for (let j = 0; j < 4; j++) off[4 * k + j] = f32(boxes[4 * k + j]! + d);
  }
  const area = new Float32Array(m);
  for (let k = 0; k < m; k++) area[k] = f32(f32(off[4 * k + 2]! - off[4 * k]!) * f32(off[4 * k + 3]! - off[4 * k + 1]!));
  const order = Array.from({ length: m }, (_, k) => k).sort((a, b) => scores[b]! - scores[a]! || a - b);
  const suppressed = new Uint8Array(m);
  const keep: number[] = [];
  const thr = f32(o.nmsThreshold);
  for (let oi = 0; oi < m; oi++) {
    const i = order[oi]!;
    if (suppressed[i]) continue;
    keep.push(i);
    if (o.detectionsPerImage > 0 && keep.length >= o.detectionsPerImage) break; // dets[:max_per_img]
    for (let oj = oi + 1; oj < m; oj++) {
      const j = order[oj]!;
      if (suppressed[j]) continue;
      const iw = Math.max(0, f32(Math.min(off[4 * i + 2]!, off[4 * j + 2]!) - Math.max(off[4 * i]!, off[4 * j]!)));
      const ih = Math.max(0, f32(Math.min(off[4 * i + 3]!, off[4 * j + 3]!) - Math.max(off[4 * i + 1]!, off[4 * j + 1]!)));
      const inter = f32(iw * ih);
      if (f32(inter / f32(f32(area[i]! + area[j]!) - inter)) > thr) suppressed[j] = 1;
    }
  }
  const out: FcosDetections = { boxes: new Float32Array(4 * keep.length), scores: new Float32Array(keep.length), labels: new Int32Array(keep.length) };
  keep.forEach((k, q) => {
    out.boxes.set(boxes.slice(4 * k, 4 * k + 4), 4 * q);
    out.scores[q] = scores[k]!;
    out.labels[q] = labels[k]! + 1;
  });
  return out;
}
