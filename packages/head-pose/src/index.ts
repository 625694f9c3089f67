export * from './model.js';
export * from './keypoints.js';
export * from './transforms.js';
export * from './decode.js';
export * from './flip.js';
export * from './preprocess.js';
export * from './coco.js';
export * from './estimator.js';
