export {
  evaluateCoco,
  formatCocoStats,
  cocoPerCategoryAp,
  boxIou,
  keypointOks,
  COCO_KEYPOINT_SIGMAS,
  COCO_BBOX_STAT_NAMES,
  COCO_KEYPOINT_STAT_NAMES,
} from './coco.js';
export type {
  CocoIouType,
  CocoBox,
  CocoImage,
  CocoCategory,
  CocoAnnotation,
  CocoGroundTruth,
  CocoBoxResult,
  CocoKeypointResult,
  CocoResult,
  CocoEvalOptions,
  CocoEvalParams,
  CocoEvalResult,
  OksGroundTruth,
} from './coco.js';
export {
  confusionMatrix,
  accumulateConfusionMatrix,
  segmentationScores,
  SegmentationMetric,
} from './segmentation.js';
export type { LabelMap, ConfusionMatrixOptions, SegmentationScores } from './segmentation.js';
