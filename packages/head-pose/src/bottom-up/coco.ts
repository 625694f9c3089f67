import type { CocoKeypointResult } from '@hrnetjs/core';
import type { MultiPose } from './estimator.js';

/** Bottom-up poses of one image for {@link toBottomUpCocoResults}. */
export interface ImageMultiPoses {
  imageId: number;
  poses: readonly Pick<MultiPose, 'keypoints' | 'score'>[];
}

/**
 * Bottom-up results → the COCO keypoint results JSON, as the official HigherHRNet `COCODataset.evaluate` writes it
 * (`_coco_keypoint_results_one_category_kernel`): every person the parser returned (the official code keeps all,
 * no OKS-NMS, no rescoring), keypoints `[x, y, score, …]`, the parser's person score, and `bbox` = the extent of
 * all keypoints, so pycocotools (and core's `evaluateCoco`) take each detection's area from it. Evaluate with
 * {@link evaluateKeypoints}; the format is the top-down one.
 */
export function toBottomUpCocoResults(images: readonly ImageMultiPoses[], options: { categoryId?: number } = {}): CocoKeypointResult[] {
  const out: CocoKeypointResult[] = [];
  for (const { imageId, poses } of images) {
    for (const p of poses) {
      const xs = p.keypoints.map((k) => k.x);
      const ys = p.keypoints.map((k) => k.y);
      const [x0, y0] = [Math.min(...xs), Math.min(...ys)];
      out.push({
        image_id: imageId,
        category_id: options.categoryId ?? 1,
        keypoints: p.keypoints.flatMap((k) => [k.x, k.y, k.score]),
        score: p.score,
        bbox: [x0, y0, Math.max(...xs) - x0, Math.max(...ys) - y0],
      });
    }
  }
  return out;
}
