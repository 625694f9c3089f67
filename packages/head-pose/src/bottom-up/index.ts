export * from './model.js';
export * from './inference.js';
