export * from './config.js';
export { HRFPN } from './hrfpn.js';
export { FCOSHead, Scale, type FcosHeadOutput } from './fcos-head.js';
export { FcosHRNet, HRNetFPNBackbone, FCOSModule, computeLocations, createDetectionModel, type FcosDetailedOutput } from './model.js';
