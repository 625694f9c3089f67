export * from './config.js';
export { HRFPN } from './hrfpn.js';
export { FCOSHead, FcosTower, Scale, type FcosHeadOutput } from './fcos-head.js';
export { FcosHRNet, HRNetFPNBackbone, FCOSModule, computeLocations, createDetectionModel, type FcosDetailedOutput } from './model.js';
export { COCO_CLASSES, COCO_CATEGORY_IDS } from './coco-classes.js';
export { postprocessFcos, nms, type FcosLevelOutput, type FcosDetections, type PostprocessOptions } from './postprocess.js';
export { officialResizeShape, pilResizeBilinear, prepareImage, type PreparedImage, type ResizeMethod } from './preprocess.js';
export { createDetector, readFcosLevels, toImageDetections, type Detection, type DetectOptions, type Detector, type DetectorConfig } from './detector.js';
export { toCocoResults } from './coco-results.js';
