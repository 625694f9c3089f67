import type { TaskId } from './tasks/types.js';

/** Bundled photos (public/samples), with the credit their licence asks for. */
export const SAMPLES = [
  { file: 'people_7.jpg', width: 640, height: 480 },
  { file: 'people_6.jpg', width: 500, height: 375 },
  { file: 'people_1.jpg', width: 1280, height: 720 },
] as const;

export const SAMPLE_CREDIT =
  'Sample photos: demo images of deep-high-resolution-net.pytorch (MIT licence, Copyright (c) 2019 Leo Xiao).';

/**
 * Weights shipped with the app (public/weights): the small golden test networks of the project, with random
 * (not trained) weights, each in another file format so every reader is exercised. Outputs are not
 * meaningful; they are the same numbers the official PyTorch code gives for these weights.
 */
export const BUNDLED_WEIGHTS: { task: TaskId; preset: string; url: string }[] = [
  { task: 'pose', preset: 'small', url: 'weights/pose_small.pth' },
  { task: 'pose', preset: 'litehrnet_small', url: 'weights/litehrnet_small/model.json' },
  { task: 'segmentation', preset: 'small', url: 'weights/seg_small.safetensors' },
  { task: 'detection', preset: 'small', url: 'weights/det_fcos_small.pth' },
  { task: 'face', preset: 'small', url: 'weights/face_small/model.json' },
];
