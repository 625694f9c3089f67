/**
 * Benchmark cases of the pose package (`@hrnetjs/head-pose/bench`): the whole `estimatePoses` pipeline
 * (crop, normalise, network, flip test, decode) for COCO w32 256x192 and w48 384x288, 1 and 8 people, with
 * and without the flip test, BatchNorm folded (`fuse()`). Random weights: timing does not depend on values.
 * `items` is the number of people, so `ms / item` is the latency per person.
 */
import * as tf from '@tensorflow/tfjs-core';
import { type BenchCase, countMultiplyAdds } from '@hrnetjs/core';
import { PoseEstimator } from './estimator.js';
import { COCO_KEYPOINTS } from './keypoints.js';
import { createPoseModel } from './model.js';

/** A 640x480 test image and `n` person boxes spread over it. */
function scene(n: number): { image: tf.Tensor3D; boxes: [number, number, number, number][] } {
  const image = tf.randomUniform([480, 640, 3], 0, 255) as tf.Tensor3D;
  const boxes = Array.from({ length: n }, (_, i) => [20 + 70 * i, 30 + 10 * i, 90, 260] as [number, number, number, number]);
  return { image, boxes };
}

function poseCase(preset: string, batch: number, flipTest: boolean): BenchCase {
  return {
    name: `pose ${preset} batch ${batch} ${flipTest ? 'flip' : 'no flip'} fused`,
    setup() {
      const model = createPoseModel(preset).fuse();
      const estimator = new PoseEstimator(model, COCO_KEYPOINTS, { flipTest, shiftHeatmap: true, roundCrop: true, decode: {} });
      const [w, h] = estimator.inputSize;
      const probe = tf.zeros([1, h, w, 3]);
      const perPerson = countMultiplyAdds(() => model.predict(probe));
      probe.dispose();
      const { image, boxes } = scene(batch);
      return {
        multiplyAdds: perPerson * batch * (flipTest ? 2 : 1),
        items: batch,
        run: async () => {
          await estimator.estimatePoses(image, { boxes });
        },
        dispose() {
          image.dispose();
          estimator.dispose();
        },
      };
    },
  };
}

export function benchCases(): BenchCase[] {
  const cases: BenchCase[] = [];
  for (const preset of ['coco_w32_256x192', 'coco_w48_384x288']) {
    for (const batch of [1, 8]) {
      for (const flip of [false, true]) cases.push(poseCase(preset, batch, flip));
    }
  }
  return cases;
}
