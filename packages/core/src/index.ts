export * from './errors.js';
export * from './io/index.js';
export * from './metrics/index.js';
export * from './nn/index.js';
export * from './backend.js';
export * from './image/index.js';
export * from './bench.js';
export * from './zoo/index.js';
