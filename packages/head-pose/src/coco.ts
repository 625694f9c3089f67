import {
  COCO_KEYPOINT_SIGMAS,
  type CocoEvalOptions,
  type CocoEvalResult,
  type CocoGroundTruth,
  type CocoKeypointResult,
  InputError,
  evaluateCoco,
} from '@hrnetjs/core';

/** `TEST.IN_VIS_THRE` of every official config: keypoints scoring above it count in the rescoring. */
export const IN_VIS_THRESHOLD = 0.2;
/** `TEST.OKS_THRE` of every official COCO config. */
export const OKS_THRESHOLD = 0.9;
/** `np.spacing(1)`, the official guard against a zero area. */
const EPS = 2.220446049250313e-16;

/**
 * The official test-time rescoring (`COCODataset.evaluate`): the mean of the keypoint scores above
 * `inVisThreshold` (0 when none is), times the box score.
 */
export function rescorePose(keypoints: readonly { score: number }[], boxScore: number, inVisThreshold = IN_VIS_THRESHOLD): number {
  let sum = 0;
  let valid = 0;
  for (const { score } of keypoints) {
    if (score > inVisThreshold) {
      sum += score;
      valid++;
    }
  }
  return (valid !== 0 ? sum / valid : 0) * boxScore;
}

/** What OKS-NMS needs of a pose: flat `[x, y, score, …]` keypoints or `{x, y, score}` objects, an area and a score. */
export interface OksCandidate {
  keypoints: readonly number[] | Float32Array | Float64Array | readonly { x: number; y: number; score: number }[];
  /** The official code uses the crop area, `prod(scale · 200)` (a {@link Pose}'s `area`). */
  area: number;
  score: number;
}

export interface OksOptions {
  /** Per-keypoint sigmas (default COCO-17's, as the official `oks_iou`). */
  sigmas?: ArrayLike<number>;
  /**
   * Keypoints whose score is not above this are left out of the OKS (default: none left out, as the
   * official evaluation calls it). The official `oks_iou` writes `vg > t and vd > t` on Python lists, which
   * evaluates to the detection's mask alone; this port does the same.
   */
  inVisThreshold?: number;
}

function flat(k: OksCandidate['keypoints']): ArrayLike<number> {
  if (k.length > 0 && typeof k[0] === 'object') {
    return (k as readonly { x: number; y: number; score: number }[]).flatMap((p) => [p.x, p.y, p.score]);
  }
  return k as ArrayLike<number>;
}

/** The official `oks_iou(g, d, a_g, a_d)` for one pair: object keypoint similarity of two poses. */
export function oksIou(g: ArrayLike<number>, d: ArrayLike<number>, areaG: number, areaD: number, options: OksOptions = {}): number {
  const sigmas = options.sigmas ?? COCO_KEYPOINT_SIGMAS;
  if (g.length !== sigmas.length * 3 || d.length !== sigmas.length * 3) {
    throw new InputError(`oksIou: expected ${sigmas.length} keypoints (${sigmas.length * 3} values), found ${g.length} and ${d.length}`);
  }
  let sum = 0;
  let count = 0;
  for (let j = 0; j < sigmas.length; j++) {
    if (options.inVisThreshold !== undefined && !(d[j * 3 + 2]! > options.inVisThreshold)) continue;
    const v = (sigmas[j]! * 2) ** 2;
    const dx = d[j * 3]! - g[j * 3]!;
    const dy = d[j * 3 + 1]! - g[j * 3 + 1]!;
    const e = (dx ** 2 + dy ** 2) / v / ((areaG + areaD) / 2 + EPS) / 2;
    sum += Math.exp(-e);
    count++;
  }
  return count !== 0 ? sum / count : 0;
}

/**
 * Indices in the official order `scores.argsort()[::-1]`: descending score; equal scores come out with the
 * higher index first (a stable ascending sort reversed, which is what numpy does for the short per-image lists
 * of COCO); NaN first (numpy sorts NaN last).
 */
function descendingOrder(scores: readonly number[]): number[] {
  const key = (s: number) => (Number.isNaN(s) ? Infinity : s);
  return scores
    .map((_, i) => i)
    .sort((a, b) => key(scores[a]!) - key(scores[b]!) || a - b)
    .reverse();
}

/**
 * The official `oks_nms(kpts_db, thresh)` (lib/nms/nms.py): greedily keep the best-scoring pose and drop every
 * remaining one whose OKS with it is above `threshold` (0.9 in the official COCO configs). Returns the kept
 * indices, best first.
 */
export function oksNms(poses: readonly OksCandidate[], threshold = OKS_THRESHOLD, options: OksOptions = {}): number[] {
  if (poses.length === 0) return [];
  const kpts = poses.map((p) => flat(p.keypoints));
  let order = descendingOrder(poses.map((p) => p.score));
  const keep: number[] = [];
  while (order.length > 0) {
    const i = order[0]!;
    keep.push(i);
    order = order.slice(1).filter((o) => oksIou(kpts[i]!, kpts[o]!, poses[i]!.area, poses[o]!.area, options) <= threshold);
  }
  return keep;
}

/**
 * The official `soft_oks_nms(kpts_db, thresh)` (`TEST.SOFT_NMS`, off in the official configs): repeatedly take
 * the best remaining pose and decay the others' scores by `exp(−oks² / threshold)`, re-sorting after each
 * step; at most `maxDets` (20, hard-coded officially) poses. Returns the kept indices in the order taken; like
 * the official code it does not return the decayed scores.
 */
export function softOksNms(poses: readonly OksCandidate[], threshold = OKS_THRESHOLD, options: OksOptions & { maxDets?: number } = {}): number[] {
  if (poses.length === 0) return [];
  const kpts = poses.map((p) => flat(p.keypoints));
  let order = descendingOrder(poses.map((p) => p.score));
  let scores = order.map((i) => poses[i]!.score);
  const maxDets = options.maxDets ?? 20;
  const keep: number[] = [];
  while (order.length > 0 && keep.length < maxDets) {
    const i = order[0]!;
    const rest = order.slice(1);
    const decayed = rest.map((o, r) => scores[r + 1]! * Math.exp(-(oksIou(kpts[i]!, kpts[o]!, poses[i]!.area, poses[o]!.area, options) ** 2) / threshold));
    const resort = descendingOrder(decayed);
    order = resort.map((r) => rest[r]!);
    scores = [NaN, ...resort.map((r) => decayed[r]!)]; // slot 0 is the next pose taken
    keep.push(i);
  }
  return keep;
}

/** Poses of one image for {@link toCocoResults}. */
export interface ImagePoses {
  imageId: number;
  poses: readonly (OksCandidate & { center?: readonly number[]; scale?: readonly number[] })[];
}

export interface CocoResultsOptions {
  /** COCO category (1, `person`). */
  categoryId?: number;
  /** OKS-NMS per image as the official evaluation does (default true), `'soft'` for `soft_oks_nms`, false keeps every pose. */
  nms?: boolean | 'soft';
  oksThreshold?: number;
  sigmas?: ArrayLike<number>;
}

/**
 * Estimator outputs → the COCO keypoint results JSON, as the official `evaluate` writes it: per image, OKS-NMS
 * over the (already rescored) poses, then one `{ image_id, category_id, keypoints: [x, y, score, …], score,
 * center, scale }` a kept pose. `JSON.stringify` the array to get a results file pycocotools and
 * {@link evaluateKeypoints} read.
 */
export function toCocoResults(images: readonly ImagePoses[], options: CocoResultsOptions = {}): CocoKeypointResult[] {
  const out: CocoKeypointResult[] = [];
  for (const { imageId, poses } of images) {
    if (poses.length === 0) continue;
    const thresh = options.oksThreshold ?? OKS_THRESHOLD;
    const keep =
      options.nms === false
        ? poses.map((_, i) => i)
        : options.nms === 'soft'
          ? softOksNms(poses, thresh, { sigmas: options.sigmas })
          : oksNms(poses, thresh, { sigmas: options.sigmas });
    for (const i of keep) {
      const p = poses[i]!;
      out.push({
        image_id: imageId,
        category_id: options.categoryId ?? 1,
        keypoints: Array.from(flat(p.keypoints)),
        score: p.score,
        ...(p.center ? { center: [...p.center] } : {}),
        ...(p.scale ? { scale: [...p.scale] } : {}),
      });
    }
  }
  return out;
}

/**
 * COCO keypoint AP/AR of a results list against ground truth (a `person_keypoints_*.json` object), with
 * pycocotools' COCOeval semantics (core's `evaluateCoco`): no Python needed. `stats` are AP, AP50, AP75,
 * APm, APl, AR, AR50, AR75, ARm, ARl.
 */
export function evaluateKeypoints(
  groundTruth: CocoGroundTruth,
  results: readonly CocoKeypointResult[],
  options: Omit<CocoEvalOptions, 'iouType'> = {},
): CocoEvalResult {
  return evaluateCoco(groundTruth, results, { ...options, iouType: 'keypoints' });
}
