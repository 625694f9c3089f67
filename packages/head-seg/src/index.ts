export * from './datasets.js';
export * from './model.js';
export { SEG_ZOO, type SegZooOverrides, type SegZooProcessing } from './zoo.js';
export { OcrHead, spatialGather, type OcrConfig } from './ocr.js';
export { type InferenceOptions, inferCrop, inferScores, scaledSize } from './inference.js';
export {
  type LabelArray,
  type SegmentOptions,
  type SegmentationResult,
  type Segmenter,
  type SegmenterConfig,
  createSegmenter,
} from './segmenter.js';
export { type ColorizeOptions, colorize } from './colorize.js';
export { type EvaluateOptions, evaluateSegmentation } from './metrics.js';
