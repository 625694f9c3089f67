import { COCO_KEYPOINT_SIGMAS } from '@hrnetjs/core';

/**
 * A keypoint scheme as data: what each heatmap channel means, how to draw it, and how it mirrors.
 * Indices are 0-based channel indices of the network output.
 */
export interface KeypointSet {
  /** `'coco'`, `'mpii'`, or a name of your own. */
  name: string;
  /** Name of joint i (channel i of the heatmaps). */
  names: readonly string[];
  /** Pairs of joints joined by a limb, for drawing. */
  skeleton: readonly (readonly [number, number])[];
  /**
   * Left/right pairs swapped when an image is mirrored (the flip test). Exactly the official
   * `flip_pairs` of `lib/dataset/coco.py` / `mpii.py`.
   */
  flipPairs: readonly (readonly [number, number])[];
  /** Per-joint OKS sigmas (COCO only): for OKS-NMS and COCO evaluation. */
  sigmas?: readonly number[];
}

/**
 * COCO-17 person keypoints (`lib/dataset/coco.py`, the COCO `person` category). The skeleton is the COCO
 * annotation file's, converted from 1-based to 0-based indices.
 */
export const COCO_KEYPOINTS: KeypointSet = Object.freeze({
  name: 'coco',
  names: Object.freeze([
    'nose', 'left_eye', 'right_eye', 'left_ear', 'right_ear',
    'left_shoulder', 'right_shoulder', 'left_elbow', 'right_elbow', 'left_wrist', 'right_wrist',
    'left_hip', 'right_hip', 'left_knee', 'right_knee', 'left_ankle', 'right_ankle',
  ]),
  skeleton: Object.freeze(
    ([
      [16, 14], [14, 12], [17, 15], [15, 13], [12, 13], [6, 12], [7, 13], [6, 7], [6, 8],
      [7, 9], [8, 10], [9, 11], [2, 3], [1, 2], [1, 3], [2, 4], [3, 5], [4, 6], [5, 7],
    ] as const).map(([a, b]) => Object.freeze([a - 1, b - 1] as const)),
  ),
  flipPairs: Object.freeze(
    ([[1, 2], [3, 4], [5, 6], [7, 8], [9, 10], [11, 12], [13, 14], [15, 16]] as const).map((p) => Object.freeze(p)),
  ),
  // the same doubles as pycocotools and the official oks_iou (np.array([.26, …]) / 10.0)
  sigmas: COCO_KEYPOINT_SIGMAS,
});

/**
 * MPII-16 joints in the order of the official MPII json annotations (`lib/dataset/mpii.py`). The skeleton
 * joins each joint to its official `parent_ids` entry (self-loops of the pelvis/thorax roots removed).
 */
export const MPII_KEYPOINTS: KeypointSet = Object.freeze({
  name: 'mpii',
  names: Object.freeze([
    'right_ankle', 'right_knee', 'right_hip', 'left_hip', 'left_knee', 'left_ankle',
    'pelvis', 'thorax', 'upper_neck', 'head_top',
    'right_wrist', 'right_elbow', 'right_shoulder', 'left_shoulder', 'left_elbow', 'left_wrist',
  ]),
  skeleton: Object.freeze(
    ([1, 2, 6, 6, 3, 4, 6, 6, 7, 8, 11, 12, 7, 7, 13, 14] as const)
      .map((parent, child) => [child, parent] as const)
      .filter(([child, parent]) => child !== parent)
      .map((p) => Object.freeze(p)),
  ),
  flipPairs: Object.freeze(
    ([[0, 5], [1, 4], [2, 3], [10, 15], [11, 14], [12, 13]] as const).map((p) => Object.freeze(p)),
  ),
});

/** The keypoint set of a dataset name (`'coco'`, `'mpii'`), or undefined. */
export function keypointSetFor(dataset: string): KeypointSet | undefined {
  return dataset === 'coco' ? COCO_KEYPOINTS : dataset === 'mpii' ? MPII_KEYPOINTS : undefined;
}

/** `flipPermutation` lives in core (one copy for every head's flip test); re-exported for pose users. */
export { flipPermutation } from '@hrnetjs/core';
