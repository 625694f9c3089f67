export * from './state-dict.js';
