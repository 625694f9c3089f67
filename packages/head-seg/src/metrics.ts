import { InputError, SegmentationMetric, type SegmentationScores } from '@hrnetjs/core';
import type { SegmentationResult } from './segmenter.js';

export interface EvaluateOptions {
  /** Ground-truth label that is skipped (official `TRAIN.IGNORE_LABEL`); default 255, `null` for none. */
  ignoreLabel?: number | null;
}

/**
 * mIoU, per-class IoU and pixel accuracy of segmentation results against ground-truth label maps of the
 * same size, with the official definitions (`get_confusion_matrix` summed over the set, IoU =
 * tp / max(1, pos + res − tp), mean over all classes). Uses core's `SegmentationMetric`.
 */
export function evaluateSegmentation(
  results: readonly Pick<SegmentationResult, 'labels' | 'width' | 'height' | 'numClasses'>[],
  groundTruths: readonly ArrayLike<number>[],
  options: EvaluateOptions = {},
): SegmentationScores {
  if (results.length === 0) throw new InputError('evaluateSegmentation: no results');
  if (results.length !== groundTruths.length) {
    throw new InputError(`evaluateSegmentation: ${results.length} results but ${groundTruths.length} ground-truth maps`);
  }
  const numClasses = results[0]!.numClasses;
  const metric = new SegmentationMetric({ numClasses, ignoreLabel: options.ignoreLabel === undefined ? 255 : options.ignoreLabel });
  results.forEach((r, i) => {
    if (r.numClasses !== numClasses) throw new InputError(`evaluateSegmentation: result ${i} has ${r.numClasses} classes, result 0 has ${numClasses}`);
    const gt = groundTruths[i]!;
    if (gt.length !== r.width * r.height) {
      throw new InputError(`evaluateSegmentation: ground truth ${i} has ${gt.length} pixels, the result is ${r.width}x${r.height}`);
    }
    metric.update(r.labels, gt);
  });
  return metric.compute();
}
