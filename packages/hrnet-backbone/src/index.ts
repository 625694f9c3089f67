export * from './config.js';
export { BasicBlock, Bottleneck, makeLayer, expansionOf, type ResidualBlock } from './blocks.js';
export { HighResolutionModule } from './high-resolution-module.js';
export { HighResolutionTrunk, HighResolutionNet } from './hrnet.js';
export { hrnetV1, hrnetV2, hrnetV2p } from './representations.js';
export {
  ClassificationHRNet,
  CLASSIFICATION_PRESETS,
  createClassificationModel,
  normalizePresetName,
  topK,
  type ClassScore,
} from './classification.js';
export { IMAGENET_CLASSES } from './imagenet-classes.js';
export * from './classifier.js';
export { CLASSIFY_ZOO } from './zoo.js';
export {
  LITEHRNET_PRESETS,
  liteHRNetPreset,
  parseLiteHRNetExtra,
  validateLiteConfig,
  SpatialWeighting,
  CrossResolutionWeighting,
  ConditionalChannelWeighting,
  ShuffleUnit,
  Stem,
  IterativeHead,
  LiteHRModule,
  LiteHRNetTrunk,
  LiteHRNet,
  createLiteHRNet,
  type LiteHRNetConfig,
  type LiteHRNetPreset,
  type LiteStageConfig,
  type LiteModuleType,
} from './lite-hrnet.js';
export { readPythonConfig } from './py-config.js';
