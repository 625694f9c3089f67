export * from './model.js';
export * from './schemes.js';
export * from './transforms.js';
export * from './decode.js';
export * from './metrics.js';
export * from './aligner.js';
export * from './constants.js';
export { FACE_ZOO, type FaceZooOverrides } from './zoo.js';
