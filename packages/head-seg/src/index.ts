export * from './datasets.js';
export * from './model.js';
export { OcrHead, spatialGather, type OcrConfig } from './ocr.js';
