export * from './model.js';
export * from './inference.js';
export * from './munkres.js';
export * from './group.js';
export * from './estimator.js';
export * from './zoo.js';
export * from './coco.js';
