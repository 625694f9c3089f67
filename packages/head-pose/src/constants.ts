/** Defaults of `createPoseEstimator` (the official test settings of deep-high-resolution-net.pytorch). */
export const POSE_DEFAULTS = Object.freeze({
  /** `TEST.FLIP_TEST`: true in every official config. */
  flipTest: true,
  /** `TEST.SHIFT_HEATMAP`: true in every official config. */
  shiftHeatmap: true,
  /** Bit-exact OpenCV `warpAffine` crops, as the official data loader makes them. */
  crop: 'opencv' as const,
});
