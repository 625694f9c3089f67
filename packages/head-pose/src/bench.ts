/**
 * Benchmark cases of the pose package (`@hrnetjs/head-pose/bench`): the whole `estimatePoses` pipeline
 * (crop, normalise, network, flip test, decode) for COCO w32 256x192 and w48 384x288, 1 and 8 people, with
 * and without the flip test, BatchNorm folded (`fuse()`). Random weights: timing does not depend on values.
 * `items` is the number of people, so `ms / item` is the latency per person. w48 384x288 with 8 people runs
 * in passes of 4 (`maxBatch`), since one pass of 8 exceeds the wasm heap.
 */
import * as tf from '@tensorflow/tfjs-core';
import { type BenchCase, countMultiplyAdds } from '@hrnetjs/core';
import { createPoseEstimator } from './estimator.js';

/** A 640x480 test image and `n` person boxes spread over it. */
function scene(n: number): { image: tf.Tensor3D; boxes: [number, number, number, number][] } {
  const image = tf.randomUniform([480, 640, 3], 0, 255) as tf.Tensor3D;
  const boxes = Array.from({ length: n }, (_, i) => [20 + 70 * i, 30 + 10 * i, 90, 260] as [number, number, number, number]);
  return { image, boxes };
}

function poseCase(preset: string, batch: number, flipTest: boolean, maxBatch?: number): BenchCase {
  return {
    name: `pose ${preset} batch ${batch}${maxBatch ? ` (${maxBatch} a pass)` : ''} ${flipTest ? 'flip' : 'no flip'} fused`,
    async setup() {
      const estimator = await createPoseEstimator({ model: preset, weights: null, flipTest, maxBatch });
      const [w, h] = estimator.inputSize;
      const probe = tf.zeros([1, h, w, 3]);
      const perPerson = countMultiplyAdds(() => estimator.model.predict(probe));
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
      // w48 384x288 needs ~0.5 GB a person in a pass: 8 at once exceed the wasm backend's 4 GB heap
      const maxBatch = preset === 'coco_w48_384x288' && batch === 8 ? 4 : undefined;
      for (const flip of [false, true]) cases.push(poseCase(preset, batch, flip, maxBatch));
    }
  }
  return cases;
}
