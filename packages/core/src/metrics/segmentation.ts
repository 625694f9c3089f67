/**
 * Semantic segmentation metrics with the definitions of the official HRNet-Semantic-Segmentation
 * code (`get_confusion_matrix` in lib/utils/utils.py, `validate`/`testval` in lib/core/function.py),
 * so mIoU numbers reproduce the paper tables:
 *
 * - confusion matrix `C[gt][pred]` (rows: ground truth, columns: prediction), pixels whose ground
 *   truth is the ignore label (255 by default) skipped, summed over all images of the set;
 * - `IoU[c] = tp / max(1, pos + res - tp)` with `pos` the row sums, `res` the column sums;
 * - mean IoU = the mean over **all** `numClasses` classes. A class that never occurs in the ground
 *   truth nor in the predictions has IoU 0 (0 / max(1, 0)) and still counts in the mean, exactly
 *   as the official `IoU_array.mean()`; over a full validation set every class is present;
 * - pixel accuracy `Σtp / Σpos`, mean accuracy = mean over all classes of `tp / max(1, pos)`.
 */
import { InputError } from '../errors.js';
import { npMean } from './numeric.js';

/** A label map, one class index per pixel, any row-major layout (both maps must share it). */
export type LabelMap = ArrayLike<number>;

export interface ConfusionMatrixOptions {
  numClasses: number;
  /** Ground-truth label skipped when counting (official `IGNORE_LABEL`); `null` for none. Default 255. */
  ignoreLabel?: number | null;
}

export interface SegmentationScores {
  numClasses: number;
  /** Per-class IoU, `tp / max(1, pos + res - tp)`. */
  iou: Float64Array;
  /** Mean of `iou` over all classes (official definition: absent classes count as 0). */
  meanIoU: number;
  /** Correct pixels / counted pixels (NaN when no pixel was counted, as numpy's 0/0). */
  pixelAccuracy: number;
  /** Per-class accuracy (recall) `tp / max(1, pos)`. */
  classAccuracy: Float64Array;
  /** Mean of `classAccuracy` over all classes. */
  meanAccuracy: number;
  /** The confusion matrix the scores come from, row-major `[gt][pred]`, numClasses². */
  confusionMatrix: Float64Array;
}

function checkNumClasses(numClasses: number): void {
  if (!Number.isInteger(numClasses) || numClasses <= 0) {
    throw new InputError(`numClasses must be a positive integer, found ${String(numClasses)}`);
  }
}

/**
 * Adds the pixels of one image to a confusion matrix (row-major `[gt][pred]`, numClasses²) in place.
 * Counts are kept in a Float64Array: exact up to 2^53 pixels, enough for any dataset.
 */
export function accumulateConfusionMatrix(
  matrix: Float64Array,
  pred: LabelMap,
  gt: LabelMap,
  options: ConfusionMatrixOptions,
): Float64Array {
  const { numClasses } = options;
  checkNumClasses(numClasses);
  const ignore = options.ignoreLabel === undefined ? 255 : options.ignoreLabel;
  if (matrix.length !== numClasses * numClasses) {
    throw new InputError(`confusion matrix has ${matrix.length} cells, expected ${numClasses}² = ${numClasses * numClasses}`);
  }
  if (pred.length !== gt.length) {
    throw new InputError(`prediction and ground truth differ in size: ${pred.length} vs ${gt.length} pixels`);
  }
  for (let i = 0; i < gt.length; i++) {
    const g = gt[i]!;
    if (g === ignore) continue;
    const p = pred[i]!;
    // The official code would silently fold an out-of-range label into a wrong cell; say so instead.
    if (!Number.isInteger(g) || g < 0 || g >= numClasses) {
      throw new InputError(`ground truth pixel ${i} has label ${g}, expected 0…${numClasses - 1} or the ignore label ${String(ignore)}`);
    }
    if (!Number.isInteger(p) || p < 0 || p >= numClasses) {
      throw new InputError(`prediction pixel ${i} has label ${p}, expected 0…${numClasses - 1}`);
    }
    matrix[g * numClasses + p]! += 1;
  }
  return matrix;
}

/** The confusion matrix of one image (row-major `[gt][pred]`, numClasses²). */
export function confusionMatrix(pred: LabelMap, gt: LabelMap, options: ConfusionMatrixOptions): Float64Array {
  checkNumClasses(options.numClasses);
  return accumulateConfusionMatrix(new Float64Array(options.numClasses * options.numClasses), pred, gt, options);
}

/** IoU, mean IoU, pixel and mean accuracy from a confusion matrix, with the official definitions. */
export function segmentationScores(matrix: ArrayLike<number>, numClasses: number): SegmentationScores {
  checkNumClasses(numClasses);
  if (matrix.length !== numClasses * numClasses) {
    throw new InputError(`confusion matrix has ${matrix.length} cells, expected ${numClasses}² = ${numClasses * numClasses}`);
  }
  const iou = new Float64Array(numClasses);
  const classAccuracy = new Float64Array(numClasses);
  let tpSum = 0;
  let posSum = 0;
  for (let c = 0; c < numClasses; c++) {
    let pos = 0;
    let res = 0;
    for (let j = 0; j < numClasses; j++) {
      pos += matrix[c * numClasses + j]!;
      res += matrix[j * numClasses + c]!;
    }
    const tp = matrix[c * numClasses + c]!;
    iou[c] = tp / Math.max(1, pos + res - tp);
    classAccuracy[c] = tp / Math.max(1, pos);
    tpSum += tp;
    posSum += pos;
  }
  return {
    numClasses,
    iou,
    meanIoU: npMean(iou),
    pixelAccuracy: tpSum / posSum,
    classAccuracy,
    meanAccuracy: npMean(classAccuracy),
    confusionMatrix: Float64Array.from(matrix),
  };
}

/**
 * Accumulates a confusion matrix over a data set, image by image, then scores it: the streaming
 * form of the official validation loop (`confusion_matrix += get_confusion_matrix(...)`).
 *
 * @example
 * ```ts
 * const metric = new SegmentationMetric({ numClasses: 19 }); // Cityscapes, ignore label 255
 * for (const { pred, gt } of images) metric.update(pred, gt);
 * const { meanIoU, iou } = metric.compute();
 * ```
 */
export class SegmentationMetric {
  readonly numClasses: number;
  readonly ignoreLabel: number | null;
  /** Row-major `[gt][pred]` pixel counts so far. */
  readonly matrix: Float64Array;

  constructor(options: ConfusionMatrixOptions) {
    checkNumClasses(options.numClasses);
    this.numClasses = options.numClasses;
    this.ignoreLabel = options.ignoreLabel === undefined ? 255 : options.ignoreLabel;
    this.matrix = new Float64Array(this.numClasses * this.numClasses);
  }

  /** Adds one image's predicted and ground-truth label maps (same length). */
  update(pred: LabelMap, gt: LabelMap): this {
    accumulateConfusionMatrix(this.matrix, pred, gt, { numClasses: this.numClasses, ignoreLabel: this.ignoreLabel });
    return this;
  }

  compute(): SegmentationScores {
    return segmentationScores(this.matrix, this.numClasses);
  }

  reset(): void {
    this.matrix.fill(0);
  }
}
