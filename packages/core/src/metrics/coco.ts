/**
 * COCO detection / keypoint evaluation with the semantics of pycocotools' `COCOeval`
 * (`iouType: 'bbox'` and `'keypoints'`): the box AP of head-det and the keypoint (OKS) AP of
 * head-pose both come from here, so the two heads report numbers comparable with the papers.
 *
 * The pipeline is the reference one: per image × category matching (`evaluateImg`), accumulation
 * into precision [T,R,K,A,M] and recall [T,K,A,M] tables (`accumulate`), then the 12 (bbox) or 10
 * (keypoints) summary numbers (`summarize`). Floating-point details that can move a number across
 * a threshold (linspace thresholds, `np.spacing(1)`, numpy's pairwise means) are reproduced.
 */
import { InputError } from '../errors.js';
import { NP_SPACING_1, linspace, npMean, pairwiseSum } from './numeric.js';

// ---------------------------------------------------------------------------------------------
// Public types (the COCO JSON formats, typed loosely enough to accept parsed JSON as is)
// ---------------------------------------------------------------------------------------------

export type CocoIouType = 'bbox' | 'keypoints';

/** `[x, y, width, height]` in pixels, top-left origin (COCO convention). */
export type CocoBox = readonly number[];

export interface CocoImage {
  id: number;
  [key: string]: unknown;
}

export interface CocoCategory {
  id: number;
  name?: string;
  [key: string]: unknown;
}

/** One ground-truth object of the COCO annotation format. */
export interface CocoAnnotation {
  /** Annotation id; optional here (defaults to its index + 1), must be unique when given. */
  id?: number;
  image_id: number;
  category_id: number;
  bbox: CocoBox;
  /** Object area (segment area in COCO); selects the area range and scales OKS. */
  area: number;
  /** 1 for crowd regions: never a false negative, absorb detections. Defaults to 0. */
  iscrowd?: number | boolean;
  /** Keypoints mode: `[x1, y1, v1, x2, y2, v2, …]`, v > 0 means labelled. */
  keypoints?: readonly number[];
  /** Keypoints mode: labelled keypoints; 0 makes the object ignored. Defaults to the count of v > 0. */
  num_keypoints?: number;
  [key: string]: unknown;
}

/** Ground truth in the COCO annotation JSON format. */
export interface CocoGroundTruth {
  images: readonly CocoImage[];
  annotations: readonly CocoAnnotation[];
  categories: readonly CocoCategory[];
  [key: string]: unknown;
}

/** One detection in the COCO results format (box results). */
export interface CocoBoxResult {
  image_id: number;
  category_id: number;
  bbox: CocoBox;
  score: number;
  [key: string]: unknown;
}

/** One detection in the COCO results format (keypoint results). */
export interface CocoKeypointResult {
  image_id: number;
  category_id: number;
  keypoints: readonly number[];
  score: number;
  /** Optional; when the first result has one, pycocotools takes every detection's area from it. */
  bbox?: CocoBox;
  [key: string]: unknown;
}

export type CocoResult = CocoBoxResult | CocoKeypointResult;

export interface CocoEvalOptions {
  iouType: CocoIouType;
  /**
   * Per-keypoint OKS sigmas (keypoints mode). Defaults to {@link COCO_KEYPOINT_SIGMAS}; the
   * number of sigmas fixes the number of keypoints every annotation and result must have.
   */
  sigmas?: ArrayLike<number>;
  /** Images to evaluate (pycocotools `params.imgIds`); default: every image of the ground truth. */
  imgIds?: readonly number[];
  /** Categories to evaluate (pycocotools `params.catIds`); default: every category. */
  catIds?: readonly number[];
  /**
   * Max detections per image (pycocotools `params.maxDets`); default `[1, 10, 100]` for bbox,
   * `[20]` for keypoints. The bbox summary reads three values; the keypoint summary reads 20.
   */
  maxDets?: readonly number[];
}

/** The evaluation parameters actually used (the pycocotools `Params` fields we support). */
export interface CocoEvalParams {
  iouType: CocoIouType;
  imgIds: number[];
  catIds: number[];
  iouThrs: number[];
  recThrs: number[];
  maxDets: number[];
  areaRng: [number, number][];
  areaRngLbl: string[];
  /** Keypoints mode only. */
  sigmas?: number[];
}

export interface CocoEvalResult {
  params: CocoEvalParams;
  /** Summary numbers, `-1` where there was nothing to evaluate (pycocotools `stats`). */
  stats: number[];
  /** A short name for each of `stats` (`AP`, `AP50`, … `ARl`). */
  statNames: readonly string[];
  /** Interpolated precision, C order, shape `precisionShape` = [T, R, K, A, M]; -1 where absent. */
  precision: Float64Array;
  precisionShape: [number, number, number, number, number];
  /** Max recall, C order, shape `recallShape` = [T, K, A, M]; -1 where absent. */
  recall: Float64Array;
  recallShape: [number, number, number, number];
}

/** COCO-17 person keypoint OKS sigmas (pycocotools `kpt_oks_sigmas`). */
export const COCO_KEYPOINT_SIGMAS: readonly number[] = Object.freeze(
  [0.26, 0.25, 0.25, 0.35, 0.35, 0.79, 0.79, 0.72, 0.72, 0.62, 0.62, 1.07, 1.07, 0.87, 0.87, 0.89, 0.89].map(
    // Divided (not written as .026 …) so the doubles equal numpy's `np.array([...]) / 10.0`.
    (s) => s / 10,
  ),
);

export const COCO_BBOX_STAT_NAMES: readonly string[] = Object.freeze([
  'AP', 'AP50', 'AP75', 'APs', 'APm', 'APl', 'AR1', 'AR10', 'AR100', 'ARs', 'ARm', 'ARl',
]);

export const COCO_KEYPOINT_STAT_NAMES: readonly string[] = Object.freeze([
  'AP', 'AP50', 'AP75', 'APm', 'APl', 'AR', 'AR50', 'AR75', 'ARm', 'ARl',
]);

// ---------------------------------------------------------------------------------------------
// Similarity measures
// ---------------------------------------------------------------------------------------------

/**
 * IoU of a detection box with a ground-truth box, pycocotools' crowd rule included: for a crowd
 * gt the overlap is divided by the detection's area only, so any detection lying inside a crowd
 * region scores high and is absorbed (ignored) instead of counted as a false positive.
 */
export function boxIou(dt: CocoBox, gt: CocoBox, gtIsCrowd = false): number {
  const w = Math.min(dt[0]! + dt[2]!, gt[0]! + gt[2]!) - Math.max(dt[0]!, gt[0]!);
  if (w <= 0) return 0;
  const h = Math.min(dt[1]! + dt[3]!, gt[1]! + gt[3]!) - Math.max(dt[1]!, gt[1]!);
  if (h <= 0) return 0;
  const inter = w * h;
  const da = dt[2]! * dt[3]!;
  const union = gtIsCrowd ? da : da + gt[2]! * gt[3]! - inter;
  return inter / union;
}

/** The parts of a ground-truth object that OKS needs. */
export interface OksGroundTruth {
  keypoints: readonly number[];
  bbox: CocoBox;
  area: number;
}

/**
 * Object keypoint similarity between detected keypoints `[x, y, s, …]` and a ground truth.
 * Averaged over the labelled (v > 0) gt keypoints; when the gt has none, pycocotools measures
 * each keypoint's distance to the gt box enlarged to 3× its size around it (x − w … x + 2w), so
 * detections near an unlabelled object still get a similarity.
 */
export function keypointOks(
  dtKeypoints: readonly number[],
  gt: OksGroundTruth,
  sigmas: ArrayLike<number> = COCO_KEYPOINT_SIGMAS,
): number {
  const k = sigmas.length;
  const g = gt.keypoints;
  let visible = 0;
  for (let i = 0; i < k; i++) if (g[3 * i + 2]! > 0) visible++;
  const [bx, by, bw, bh] = gt.bbox as [number, number, number, number];
  const x0 = bx - bw;
  const x1 = bx + bw * 2;
  const y0 = by - bh;
  const y1 = by + bh * 2;
  const scale = gt.area + NP_SPACING_1;
  const terms: number[] = [];
  for (let i = 0; i < k; i++) {
    const xd = dtKeypoints[3 * i]!;
    const yd = dtKeypoints[3 * i + 1]!;
    let dx: number;
    let dy: number;
    if (visible > 0) {
      if (!(g[3 * i + 2]! > 0)) continue;
      dx = xd - g[3 * i]!;
      dy = yd - g[3 * i + 1]!;
    } else {
      dx = Math.max(0, x0 - xd) + Math.max(0, xd - x1);
      dy = Math.max(0, y0 - yd) + Math.max(0, yd - y1);
    }
    const s2 = sigmas[i]! * 2;
    // Same operation order as the reference so the rounding (and thus threshold ties) agree.
    const e = (dx * dx + dy * dy) / (s2 * s2) / scale / 2;
    terms.push(Math.exp(-e));
  }
  return pairwiseSum(terms) / terms.length;
}

// ---------------------------------------------------------------------------------------------
// Internal records
// ---------------------------------------------------------------------------------------------

interface Gt {
  imageId: number;
  catId: number;
  bbox: CocoBox;
  area: number;
  crowd: boolean;
  /** Ignored before any area range: crowd, or (keypoints) no labelled keypoint. */
  ignore: boolean;
  keypoints?: readonly number[];
}

interface Dt {
  imageId: number;
  catId: number;
  bbox?: CocoBox;
  keypoints?: readonly number[];
  area: number;
  score: number;
}

/**
 * One image × category evaluation for every area range (pycocotools' `evalImgs` entries of that
 * pair, one per range), reduced to what accumulation needs.
 */
interface ImgEval {
  /** Scores of the kept detections (top maxDet), highest first. */
  dtScores: Float64Array;
  /**
   * [A × T × D]: 0 the detection is ignored, 1 true positive, 2 false positive, for area range a
   * and IoU threshold t.
   */
  status: Uint8Array;
  /** Per area range, the number of gts that are not ignored. */
  npig: Int32Array;
}

// ---------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isFiniteNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

function numberField(obj: Record<string, unknown>, key: string, where: string): number {
  if (!(key in obj) || obj[key] === undefined) throw new InputError(`${where}: missing field "${key}"`);
  const v = obj[key];
  if (!isFiniteNumber(v)) throw new InputError(`${where}: "${key}" must be a finite number, found ${JSON.stringify(v)}`);
  return v;
}

function numberArrayField(
  obj: Record<string, unknown>,
  key: string,
  where: string,
  expectedLength: number,
  lengthHint: string,
): number[] {
  if (!(key in obj) || obj[key] === undefined) throw new InputError(`${where}: missing field "${key}"`);
  const v = obj[key];
  if (!Array.isArray(v)) throw new InputError(`${where}: "${key}" must be an array of numbers, found ${typeof v}`);
  if (v.length !== expectedLength) {
    throw new InputError(`${where}: "${key}" has ${v.length} values, expected ${expectedLength} (${lengthHint})`);
  }
  for (let i = 0; i < v.length; i++) {
    if (!isFiniteNumber(v[i])) {
      throw new InputError(`${where}: "${key}"[${i}] must be a finite number, found ${JSON.stringify(v[i])}`);
    }
  }
  return v as number[];
}

function boxField(obj: Record<string, unknown>, where: string): number[] {
  const b = numberArrayField(obj, 'bbox', where, 4, '[x, y, width, height]');
  if (b[2]! < 0 || b[3]! < 0) throw new InputError(`${where}: "bbox" has a negative width or height: [${b.join(', ')}]`);
  return b;
}

function describe(kind: string, i: number, obj: Record<string, unknown>): string {
  return 'id' in obj ? `${kind}[${i}] (id ${String(obj.id)})` : `${kind}[${i}]`;
}

function sortedUnique(xs: readonly number[]): number[] {
  return [...new Set(xs)].sort((a, b) => a - b);
}

function resolveSigmas(options: CocoEvalOptions): number[] | undefined {
  if (options.iouType !== 'keypoints') return undefined;
  const s = Array.from(options.sigmas ?? COCO_KEYPOINT_SIGMAS);
  if (s.length === 0) throw new InputError('sigmas: expected at least one keypoint sigma, found none');
  s.forEach((v, i) => {
    if (!isFiniteNumber(v) || v <= 0) throw new InputError(`sigmas[${i}] must be a positive number, found ${String(v)}`);
  });
  return s;
}

function parseGroundTruth(
  gtJson: CocoGroundTruth,
  iouType: CocoIouType,
  numKeypoints: number,
): { imageIds: Set<number>; catIds: Set<number>; gts: Gt[] } {
  if (!isRecord(gtJson)) throw new InputError('ground truth must be a COCO annotation object {images, annotations, categories}');
  for (const key of ['images', 'annotations', 'categories'] as const) {
    if (!Array.isArray(gtJson[key])) throw new InputError(`ground truth: missing array "${key}"`);
  }
  const imageIds = new Set<number>();
  gtJson.images.forEach((img, i) => {
    if (!isRecord(img)) throw new InputError(`ground truth images[${i}] must be an object`);
    const id = numberField(img, 'id', `ground truth images[${i}]`);
    if (imageIds.has(id)) throw new InputError(`ground truth images[${i}]: duplicate image id ${id}`);
    imageIds.add(id);
  });
  const catIds = new Set<number>();
  gtJson.categories.forEach((cat, i) => {
    if (!isRecord(cat)) throw new InputError(`ground truth categories[${i}] must be an object`);
    const id = numberField(cat, 'id', `ground truth categories[${i}]`);
    if (catIds.has(id)) throw new InputError(`ground truth categories[${i}]: duplicate category id ${id}`);
    catIds.add(id);
  });
  const annIds = new Set<number>();
  const gts: Gt[] = gtJson.annotations.map((ann, i) => {
    if (!isRecord(ann)) throw new InputError(`ground truth annotations[${i}] must be an object`);
    const where = `ground truth ${describe('annotations', i, ann)}`;
    if (ann.id !== undefined) {
      const id = numberField(ann, 'id', where);
      // pycocotools indexes annotations by id; a repeated id silently replaces the first object.
      if (annIds.has(id)) throw new InputError(`${where}: duplicate annotation id ${id}`);
      annIds.add(id);
    }
    const imageId = numberField(ann, 'image_id', where);
    if (!imageIds.has(imageId)) throw new InputError(`${where}: unknown image_id ${imageId} (not in "images")`);
    const catId = numberField(ann, 'category_id', where);
    if (!catIds.has(catId)) throw new InputError(`${where}: unknown category_id ${catId} (not in "categories")`);
    const bbox = boxField(ann, where);
    const area = numberField(ann, 'area', where);
    if (area < 0) throw new InputError(`${where}: "area" must be >= 0, found ${area}`);
    let crowd = false;
    if (ann.iscrowd !== undefined) {
      const c = ann.iscrowd;
      if (c !== 0 && c !== 1 && c !== true && c !== false) {
        throw new InputError(`${where}: "iscrowd" must be 0 or 1, found ${JSON.stringify(c)}`);
      }
      crowd = c === 1 || c === true;
    }
    // pycocotools overwrites any `ignore` field of the annotation with `iscrowd` before use, so
    // `ignore` is deliberately not read here either.
    let ignore = crowd;
    let keypoints: number[] | undefined;
    if (iouType === 'keypoints') {
      keypoints = numberArrayField(ann, 'keypoints', where, 3 * numKeypoints, `3 × ${numKeypoints} keypoints`);
      let numKpts = 0;
      for (let k = 0; k < numKeypoints; k++) if (keypoints[3 * k + 2]! > 0) numKpts++;
      if (ann.num_keypoints !== undefined) numKpts = numberField(ann, 'num_keypoints', where);
      ignore = ignore || numKpts === 0;
    }
    return { imageId, catId, bbox, area, crowd, ignore, keypoints };
  });
  return { imageIds, catIds, gts };
}

function parseResults(
  results: readonly CocoResult[],
  iouType: CocoIouType,
  numKeypoints: number,
  imageIds: Set<number>,
  catIds: Set<number>,
): Dt[] {
  if (!Array.isArray(results)) throw new InputError('results must be an array of COCO result objects');
  // pycocotools' loadRes chooses how to read every result from the first one: with a non-empty
  // `bbox` the area of each detection is the box area, otherwise the keypoints' extent.
  const first = results[0] as unknown;
  const areaFromBox =
    iouType === 'bbox' ||
    (isRecord(first) && Array.isArray(first.bbox) && (first.bbox as unknown[]).length > 0);
  return results.map((r, i) => {
    if (!isRecord(r)) throw new InputError(`results[${i}] must be an object`);
    const where = `results[${i}]`;
    const imageId = numberField(r, 'image_id', where);
    if (!imageIds.has(imageId)) {
      throw new InputError(`${where}: unknown image_id ${imageId} (results must refer to images of the ground truth)`);
    }
    const catId = numberField(r, 'category_id', where);
    if (!catIds.has(catId)) throw new InputError(`${where}: unknown category_id ${catId} (not in the ground truth "categories")`);
    const score = numberField(r, 'score', where);
    if (iouType === 'bbox') {
      const bbox = boxField(r, where);
      return { imageId, catId, bbox, area: bbox[2]! * bbox[3]!, score };
    }
    const keypoints = numberArrayField(r, 'keypoints', where, 3 * numKeypoints, `3 × ${numKeypoints} keypoints`);
    let area: number;
    if (areaFromBox) {
      const bbox = boxField(r, `${where} (results[0] has a "bbox", so every result needs one)`);
      area = bbox[2]! * bbox[3]!;
    } else {
      let x0 = Infinity;
      let x1 = -Infinity;
      let y0 = Infinity;
      let y1 = -Infinity;
      for (let k = 0; k < numKeypoints; k++) {
        const x = keypoints[3 * k]!;
        const y = keypoints[3 * k + 1]!;
        x0 = Math.min(x0, x);
        x1 = Math.max(x1, x);
        y0 = Math.min(y0, y);
        y1 = Math.max(y1, y);
      }
      area = (x1 - x0) * (y1 - y0);
    }
    return { imageId, catId, keypoints, area, score };
  });
}

function resolveIdList(name: string, ids: readonly number[] | undefined, known: Set<number>): number[] {
  if (ids === undefined) return sortedUnique([...known]);
  if (!Array.isArray(ids)) throw new InputError(`${name} must be an array of ids`);
  for (const id of ids) {
    if (!known.has(id)) throw new InputError(`${name}: unknown id ${String(id)} (not in the ground truth)`);
  }
  return sortedUnique(ids);
}

function resolveParams(options: CocoEvalOptions, imageIds: Set<number>, catIds: Set<number>): CocoEvalParams {
  const { iouType } = options;
  const isKp = iouType === 'keypoints';
  let maxDets = options.maxDets ? [...options.maxDets] : isKp ? [20] : [1, 10, 100];
  if (maxDets.length === 0 || maxDets.some((m) => !Number.isInteger(m) || m <= 0)) {
    throw new InputError(`maxDets must be positive integers, found [${maxDets.join(', ')}]`);
  }
  maxDets = maxDets.sort((a, b) => a - b);
  if (!isKp && maxDets.length !== 3) {
    throw new InputError(`maxDets for bbox must have 3 values (the summary reads AR@1/10/100 from them), found [${maxDets.join(', ')}]`);
  }
  const big = 1e5 ** 2;
  const areaRng: [number, number][] = isKp
    ? [[0, big], [32 ** 2, 96 ** 2], [96 ** 2, big]]
    : [[0, big], [0, 32 ** 2], [32 ** 2, 96 ** 2], [96 ** 2, big]];
  const areaRngLbl = isKp ? ['all', 'medium', 'large'] : ['all', 'small', 'medium', 'large'];
  return {
    iouType,
    imgIds: resolveIdList('imgIds', options.imgIds, imageIds),
    catIds: resolveIdList('catIds', options.catIds, catIds),
    // Built like numpy's linspace: the summary later finds .5 and .75 by exact equality.
    iouThrs: linspace(0.5, 0.95, Math.round((0.95 - 0.5) / 0.05) + 1),
    recThrs: linspace(0, 1, Math.round(1 / 0.01) + 1),
    maxDets,
    areaRng,
    areaRngLbl,
    sigmas: resolveSigmas(options),
  };
}

// ---------------------------------------------------------------------------------------------
// Evaluation
// ---------------------------------------------------------------------------------------------

/** Items bucketed by `k * I + i` (category index k, image index i); others are dropped. */
function bucket<T extends { imageId: number; catId: number }>(
  items: readonly T[],
  imgIndex: Map<number, number>,
  catIndex: Map<number, number>,
): Map<number, T[]> {
  const I = imgIndex.size;
  const m = new Map<number, T[]>();
  for (const it of items) {
    const i = imgIndex.get(it.imageId);
    const k = catIndex.get(it.catId);
    // Outside params.imgIds / params.catIds: not evaluated, as in pycocotools' _prepare.
    if (i === undefined || k === undefined) continue;
    const key = k * I + i;
    const list = m.get(key);
    if (list) list.push(it);
    else m.set(key, [it]);
  }
  return m;
}

/** Detections by score, highest first; a stable sort, as pycocotools' mergesort keeps input order on ties. */
function sortByScore(dts: readonly Dt[]): Dt[] {
  return dts
    .map((d, i) => [d, i] as const)
    .sort((a, b) => b[0].score - a[0].score || a[1] - b[1])
    .map(([d]) => d);
}

/** Similarity matrix [D × G] (row-major) between score-sorted detections and gts in input order. */
function similarities(dts: readonly Dt[], gts: readonly Gt[], p: CocoEvalParams): Float64Array {
  const D = dts.length;
  const G = gts.length;
  const out = new Float64Array(D * G);
  for (let d = 0; d < D; d++) {
    for (let g = 0; g < G; g++) {
      const gt = gts[g]!;
      out[d * G + g] =
        p.iouType === 'bbox'
          ? boxIou(dts[d]!.bbox!, gt.bbox, gt.crowd)
          : keypointOks(dts[d]!.keypoints!, { keypoints: gt.keypoints!, bbox: gt.bbox, area: gt.area }, p.sigmas);
    }
  }
  return out;
}

/**
 * Matches one image's detections (score-sorted, at most maxDet) to its gts for one area range,
 * writing [T × D] statuses into `status` at `offset`; returns the number of non-ignored gts.
 */
function evaluateImg(
  gtsIn: readonly Gt[],
  dts: readonly Dt[],
  ious: Float64Array,
  aRng: [number, number],
  iouThrs: readonly number[],
  status: Uint8Array,
  offset: number,
): number {
  const G = gtsIn.length;
  const D = dts.length;
  const T = iouThrs.length;
  const gtIgnoreIn = gtsIn.map((g) => g.ignore || g.area < aRng[0] || g.area > aRng[1]);
  // Non-ignored gts first (stable), so that a detection prefers a real object over an ignored one.
  const order = gtsIn.map((_, i) => i).sort((a, b) => Number(gtIgnoreIn[a]) - Number(gtIgnoreIn[b]) || a - b);
  const gtIgnore = order.map((i) => gtIgnoreIn[i]!);
  const crowd = order.map((i) => gtsIn[i]!.crowd);
  let npig = 0;
  for (const ig of gtIgnore) if (!ig) npig++;
  const gtMatched = new Uint8Array(G);
  for (let t = 0; t < T; t++) {
    gtMatched.fill(0);
    for (let d = 0; d < D; d++) {
      // Greedy matching in score order: the best still-available gt above the threshold wins.
      let best = Math.min(iouThrs[t]!, 1 - 1e-10);
      let m = -1;
      for (let gi = 0; gi < G; gi++) {
        // A gt already taken can only be matched again if it is a crowd region.
        if (gtMatched[gi] && !crowd[gi]) continue;
        // Once matched to a real gt, the (trailing) ignored gts cannot take the detection away.
        if (m > -1 && !gtIgnore[m] && gtIgnore[gi]) break;
        const iou = ious[d * G + order[gi]!]!;
        if (iou < best) continue;
        best = iou;
        m = gi;
      }
      let st: number;
      if (m === -1) {
        // An unmatched detection outside the area range is neither right nor wrong for this range.
        const area = dts[d]!.area;
        st = area < aRng[0] || area > aRng[1] ? 0 : 2;
      } else {
        gtMatched[m] = 1;
        // Matched to an ignored gt (crowd, outside the range, no keypoints): ignored too.
        st = gtIgnore[m] ? 0 : 1;
      }
      status[offset + t * D + d] = st;
    }
  }
  return npig;
}

function accumulate(
  evals: (ImgEval | undefined)[],
  p: CocoEvalParams,
): { precision: Float64Array; recall: Float64Array } {
  const T = p.iouThrs.length;
  const R = p.recThrs.length;
  const K = p.catIds.length;
  const A = p.areaRng.length;
  const M = p.maxDets.length;
  const I = p.imgIds.length;
  const precision = new Float64Array(T * R * K * A * M).fill(-1);
  const recall = new Float64Array(T * K * A * M).fill(-1);
  for (let k = 0; k < K; k++) {
    // Images with a gt or a detection of this category, in params.imgIds order.
    const E: ImgEval[] = [];
    for (let i = 0; i < I; i++) {
      const e = evals[k * I + i];
      if (e) E.push(e);
    }
    if (E.length === 0) continue;
    let total = 0;
    for (const e of E) total += e.dtScores.length;
    // The reference stable-sorts the concatenation of each image's top maxDet detections by
    // score. Sorting all kept detections once and filtering by rank < maxDet gives the same
    // sequence for every maxDet.
    const refDet = new Int32Array(total); // rank of the detection within its image
    const refScore = new Float64Array(total);
    let n = 0;
    for (const e of E) {
      for (let d = 0; d < e.dtScores.length; d++, n++) {
        refDet[n] = d;
        refScore[n] = e.dtScores[d]!;
      }
    }
    const order = Int32Array.from({ length: total }, (_, j) => j).sort(
      (x, y) => refScore[y]! - refScore[x]! || x - y,
    );
    const keptByM = p.maxDets.map((maxDet) => order.filter((j) => refDet[j]! < maxDet));
    const rc = new Float64Array(total);
    const pr = new Float64Array(total);
    // Statuses of one area range in concatenation order, [T × total], gathered image by image so
    // that the loops below read one contiguous array instead of chasing images in score order.
    const status = new Uint8Array(T * total);
    for (let a = 0; a < A; a++) {
      let npig = 0;
      for (const e of E) npig += e.npig[a]!;
      // Nothing to find in this category and range: precision and recall stay -1.
      if (npig === 0) continue;
      let n0 = 0;
      for (const e of E) {
        const D = e.dtScores.length;
        for (let t = 0; t < T; t++) {
          for (let d = 0; d < D; d++) status[t * total + n0 + d] = e.status[(a * T + t) * D + d]!;
        }
        n0 += D;
      }
      for (let m = 0; m < M; m++) {
        const kept = keptByM[m]!;
        const nd = kept.length;
        for (let t = 0; t < T; t++) {
          let tp = 0;
          let fp = 0;
          const base = t * total;
          for (let j = 0; j < nd; j++) {
            const st = status[base + kept[j]!]!;
            if (st === 1) tp++;
            else if (st === 2) fp++;
            rc[j] = tp / npig;
            pr[j] = tp / (fp + tp + NP_SPACING_1);
          }
          recall[((t * K + k) * A + a) * M + m] = nd ? rc[nd - 1]! : 0;
          // Precision envelope: make precision monotone non-increasing in recall.
          for (let j = nd - 1; j > 0; j--) if (pr[j]! > pr[j - 1]!) pr[j - 1] = pr[j]!;
          // For each recall threshold, the first position whose recall reaches it
          // (np.searchsorted side='left'); thresholds never reached keep precision 0.
          let j = 0;
          for (let r = 0; r < R; r++) {
            const thr = p.recThrs[r]!;
            while (j < nd && rc[j]! < thr) j++;
            precision[(((t * R + r) * K + k) * A + a) * M + m] = j < nd ? pr[j]! : 0;
          }
        }
      }
    }
  }
  return { precision, recall };
}

function summarizeOne(
  p: CocoEvalParams,
  precision: Float64Array,
  recall: Float64Array,
  ap: boolean,
  iouThr: number | undefined,
  areaLbl: string,
  maxDets: number,
): number {
  const R = p.recThrs.length;
  const K = p.catIds.length;
  const A = p.areaRng.length;
  const M = p.maxDets.length;
  const ts = p.iouThrs.map((thr, t) => [thr, t] as const).filter(([thr]) => iouThr === undefined || thr === iouThr);
  const a = p.areaRngLbl.indexOf(areaLbl);
  const m = p.maxDets.indexOf(maxDets);
  if (a < 0 || m < 0) return -1;
  // Values in the reference's C order (t, r, k) so the numpy-style mean rounds the same way.
  const vals: number[] = [];
  for (const [, t] of ts) {
    if (ap) {
      for (let r = 0; r < R; r++) {
        for (let k = 0; k < K; k++) {
          const v = precision[(((t * R + r) * K + k) * A + a) * M + m]!;
          if (v > -1) vals.push(v);
        }
      }
    } else {
      for (let k = 0; k < K; k++) {
        const v = recall[((t * K + k) * A + a) * M + m]!;
        if (v > -1) vals.push(v);
      }
    }
  }
  return vals.length === 0 ? -1 : npMean(vals);
}

interface StatSpec {
  ap: boolean;
  iouThr?: number;
  area: string;
  maxDets: number;
}

function statSpecs(p: CocoEvalParams): StatSpec[] {
  if (p.iouType === 'bbox') {
    const [m0, m1, m2] = p.maxDets as [number, number, number];
    return [
      { ap: true, area: 'all', maxDets: m2 },
      { ap: true, iouThr: 0.5, area: 'all', maxDets: m2 },
      { ap: true, iouThr: 0.75, area: 'all', maxDets: m2 },
      { ap: true, area: 'small', maxDets: m2 },
      { ap: true, area: 'medium', maxDets: m2 },
      { ap: true, area: 'large', maxDets: m2 },
      { ap: false, area: 'all', maxDets: m0 },
      { ap: false, area: 'all', maxDets: m1 },
      { ap: false, area: 'all', maxDets: m2 },
      { ap: false, area: 'small', maxDets: m2 },
      { ap: false, area: 'medium', maxDets: m2 },
      { ap: false, area: 'large', maxDets: m2 },
    ];
  }
  // The keypoint summary of pycocotools is written for maxDets = 20.
  return [
    { ap: true, area: 'all', maxDets: 20 },
    { ap: true, iouThr: 0.5, area: 'all', maxDets: 20 },
    { ap: true, iouThr: 0.75, area: 'all', maxDets: 20 },
    { ap: true, area: 'medium', maxDets: 20 },
    { ap: true, area: 'large', maxDets: 20 },
    { ap: false, area: 'all', maxDets: 20 },
    { ap: false, iouThr: 0.5, area: 'all', maxDets: 20 },
    { ap: false, iouThr: 0.75, area: 'all', maxDets: 20 },
    { ap: false, area: 'medium', maxDets: 20 },
    { ap: false, area: 'large', maxDets: 20 },
  ];
}

/**
 * Evaluates COCO-format results against COCO-format ground truth exactly as pycocotools'
 * `COCOeval(gt, dt, iouType)` followed by `evaluate(); accumulate(); summarize()`.
 *
 * @example
 * ```ts
 * const gt = {
 *   images: [{ id: 1 }],
 *   categories: [{ id: 1, name: 'person' }],
 *   annotations: [{ id: 1, image_id: 1, category_id: 1, bbox: [10, 10, 50, 80], area: 4000, iscrowd: 0 }],
 * };
 * const res = evaluateCoco(gt, [{ image_id: 1, category_id: 1, bbox: [10, 10, 50, 80], score: 0.9 }], { iouType: 'bbox' });
 * res.stats[0]; // AP@[.5:.95] = 1
 * ```
 * @throws InputError when the ground truth or the results are malformed (missing field, wrong
 *   keypoint count, unknown image or category id, …).
 */
export function evaluateCoco(
  groundTruth: CocoGroundTruth,
  results: readonly CocoResult[],
  options: CocoEvalOptions,
): CocoEvalResult {
  if (!isRecord(options) || (options.iouType !== 'bbox' && options.iouType !== 'keypoints')) {
    throw new InputError(`options.iouType must be 'bbox' or 'keypoints', found ${JSON.stringify(isRecord(options) ? options.iouType : options)}`);
  }
  const sigmas = resolveSigmas(options);
  const numKeypoints = sigmas?.length ?? 0;
  const { imageIds, catIds, gts } = parseGroundTruth(groundTruth, options.iouType, numKeypoints);
  const dts = parseResults(results, options.iouType, numKeypoints, imageIds, catIds);
  const p = resolveParams(options, imageIds, catIds);

  const I = p.imgIds.length;
  const K = p.catIds.length;
  const A = p.areaRng.length;
  const T = p.iouThrs.length;
  const imgIndex = new Map(p.imgIds.map((id, i) => [id, i]));
  const catIndex = new Map(p.catIds.map((id, k) => [id, k]));
  const gtGroups = bucket(gts, imgIndex, catIndex);
  const dtGroups = bucket(dts, imgIndex, catIndex);
  const maxDet = p.maxDets[p.maxDets.length - 1]!;
  // Pairs with neither gt nor detection are skipped (pycocotools' evaluateImg returns None).
  const evals: (ImgEval | undefined)[] = new Array<ImgEval | undefined>(K * I);
  for (const key of new Set([...gtGroups.keys(), ...dtGroups.keys()])) {
    const g = gtGroups.get(key) ?? [];
    // Only the top maxDet detections of an image take part, in score order.
    const d = sortByScore(dtGroups.get(key) ?? []).slice(0, maxDet);
    const ious = similarities(d, g, p);
    const D = d.length;
    const status = new Uint8Array(A * T * D);
    const npig = new Int32Array(A);
    p.areaRng.forEach((aRng, a) => {
      npig[a] = evaluateImg(g, d, ious, aRng, p.iouThrs, status, a * T * D);
    });
    evals[key] = { dtScores: Float64Array.from(d, (x) => x.score), status, npig };
  }
  const { precision, recall } = accumulate(evals, p);
  const stats = statSpecs(p).map((s) => summarizeOne(p, precision, recall, s.ap, s.iouThr, s.area, s.maxDets));
  const R = p.recThrs.length;
  const M = p.maxDets.length;
  return {
    params: p,
    stats,
    statNames: p.iouType === 'bbox' ? COCO_BBOX_STAT_NAMES : COCO_KEYPOINT_STAT_NAMES,
    precision,
    precisionShape: [T, R, K, A, M],
    recall,
    recallShape: [T, K, A, M],
  };
}

/**
 * AP@[.5:.95] of each category (area 'all', largest maxDets), -1 where the category has no
 * ground truth: the per-class table detection papers print beside the summary.
 */
export function cocoPerCategoryAp(result: CocoEvalResult): Map<number, number> {
  const [T, R, K, A, M] = result.precisionShape;
  const out = new Map<number, number>();
  for (let k = 0; k < K; k++) {
    const vals: number[] = [];
    for (let t = 0; t < T; t++) {
      for (let r = 0; r < R; r++) {
        const v = result.precision[(((t * R + r) * K + k) * A + 0) * M + (M - 1)]!;
        if (v > -1) vals.push(v);
      }
    }
    out.set(result.params.catIds[k]!, vals.length ? npMean(vals) : -1);
  }
  return out;
}

/** The summary as pycocotools prints it, one line per stat. */
export function formatCocoStats(result: CocoEvalResult): string {
  const p = result.params;
  const specs = statSpecs(p);
  const lo = p.iouThrs[0]!.toFixed(2);
  const hi = p.iouThrs[p.iouThrs.length - 1]!.toFixed(2);
  return specs
    .map((s, i) => {
      const title = s.ap ? 'Average Precision  (AP)' : 'Average Recall     (AR)';
      const iou = (s.iouThr === undefined ? `${lo}:${hi}` : s.iouThr.toFixed(2)).padEnd(9);
      const v = result.stats[i]!;
      return ` ${title} @[ IoU=${iou} | area=${s.area.padStart(6)} | maxDets=${String(s.maxDets).padStart(3)} ] = ${v.toFixed(3)}`;
    })
    .join('\n');
}
