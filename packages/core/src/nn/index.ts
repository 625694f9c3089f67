export { Module, type LoadStateDictOptions, type LoadStateDictResult } from './module.js';
export { Parameter, type TorchLayout } from './parameter.js';
export { Conv2d, type Conv2dOptions, type Activation } from './conv.js';
export { ConvTranspose2d, type ConvTranspose2dOptions } from './conv-transpose.js';
export { BatchNorm2d, BATCHNORM_EPS } from './batchnorm.js';
export { Sequential, ModuleList } from './containers.js';
export {
  ReLU,
  Identity,
  Linear,
  GroupNorm,
  UpsampleNearest,
  globalAvgPool,
  avgPool2d,
  upsampleNearest,
  resizeBilinear,
  adaptiveAvgPool2d,
  channelShuffle,
} from './layers.js';
export { ConvModule, DepthwiseSeparableConvModule, type ConvModuleActivation, type ConvModuleOptions } from './conv-module.js';
export { countMultiplyAdds } from './cost.js';
export { isFused, releaseUnfusedWeights } from './release.js';
