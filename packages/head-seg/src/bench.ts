/**
 * Benchmark cases of the segmentation package (`@hrnetjs/head-seg/bench`): the whole `segment` pipeline
 * (normalise, network, logits upsampled to the image, exp, argmax) on a Cityscapes-size 1024x2048 image,
 * for HRNetV2-W18-Small-v2 and HRNetV2-W48, on the whole image in one pass and with the official sliding
 * window (512x1024 crops, stride ⌊2/3 crop⌋ = 341x682, so 3x3 overlapping windows). BatchNorm folded;
 * random weights (timing does not depend on values). W48 at full size is slow on wasm: one run is enough.
 */
import * as tf from '@tensorflow/tfjs-core';
import { type BenchCase, countMultiplyAdds } from '@hrnetjs/core';
import { scaledSize } from './inference.js';
import { createSegmentationModel } from './model.js';
import { type Segmenter, createSegmenter } from './segmenter.js';

export const BENCH_IMAGE: [number, number] = [1024, 2048];
/** Sliding-window crop `[width, height]` (as `segment`'s `cropSize`). */
export const BENCH_CROP: [number, number] = [1024, 512];
const CROP_HW: [number, number] = [BENCH_CROP[1], BENCH_CROP[0]];

/**
 * Conv multiply-adds of one network pass on `h x w`, counted on a 1/16-area probe and scaled: every conv
 * output scales exactly with the area when the sides are multiples of 32 (avoids a full-size counting run).
 */
function passMacs(preset: string, h: number, w: number): number {
  const model = createSegmentationModel(preset);
  try {
    const probe = tf.zeros([1, h / 4, w / 4, 3]);
    const macs = countMultiplyAdds(() => model.logits(probe));
    probe.dispose();
    return macs * 16;
  } finally {
    model.dispose();
  }
}

/** Number of windows the sliding inference runs on an `h x w` image. */
export function windowCount(h: number, w: number, crop: [number, number]): number {
  const stride = [Math.floor((crop[0] * 2) / 3), Math.floor((crop[1] * 2) / 3)];
  const rows = Math.ceil((Math.max(h, crop[0]) - crop[0]) / stride[0]!) + 1;
  const cols = Math.ceil((Math.max(w, crop[1]) - crop[1]) / stride[1]!) + 1;
  return rows * cols;
}

export function segCase(preset: string, sliding: boolean): BenchCase {
  const [h, w] = BENCH_IMAGE;
  return {
    name: `seg ${preset} ${h}x${w} ${sliding ? `sliding ${CROP_HW.join('x')}` : 'whole image'} fused`,
    async setup() {
      const multiplyAdds = sliding
        ? windowCount(h, w, CROP_HW) * passMacs(preset, ...CROP_HW)
        : passMacs(preset, ...scaledSize(h, w, 1));
      const segmenter: Segmenter = await createSegmenter({ model: preset, weights: null });
      const image = tf.randomUniform([h, w, 3], 0, 255) as tf.Tensor3D;
      return {
        multiplyAdds,
        extra: () => ({ windows: sliding ? windowCount(h, w, CROP_HW) : 1 }),
        run: async () => {
          await segmenter.segment(image, sliding ? { cropSize: BENCH_CROP } : {});
        },
        dispose() {
          image.dispose();
          segmenter.dispose();
        },
      };
    },
  };
}

export function benchCases(): BenchCase[] {
  return ['w18-small-v2_cityscapes', 'w48_cityscapes'].flatMap((p) => [segCase(p, false), segCase(p, true)]);
}
