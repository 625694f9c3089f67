export type { EngineName, EngineOptions, NetworkRunner, NetworkSpec, PreparedNetwork, TaskConfig } from './types.js';
export { ENGINE_NAMES } from './types.js';
export { createRunner, createTfjsRunner, validateEngine } from './engine.js';
export { prepareNetwork } from './prepare.js';
export { TaskObject } from './task-object.js';
export { describeValue } from './describe.js';
export {
  DEFAULT_MAX_IMAGE_PIXELS, IMAGE_BYTES_PER_PIXEL, NETWORK_BYTES_PER_PIXEL, type WorkingSizeLimits, type WorkingSizeOptions,
  checkImagePixels, checkWorkingBytes, defaultMaxWorkingBytes, resolveLimits, validateWorkingSizeOptions,
} from './working-size.js';
