export { imageToTensor, imageSize, type ImageInput, type PixelData, type BrowserImage } from './input.js';
export { affineCrops, affineFromPoints, applyAffine, invertAffine, type Affine } from './affine.js';
export { normalizeImageNet, IMAGENET_MEAN, IMAGENET_STD } from './normalize.js';
export * from './flip.js';
