/**
 * Benchmark cases of face alignment (`@hrnetjs/face-align/bench`): HRNetV2-W18 (300W head, 68 landmarks) at
 * 256x256, batch 1 and 8 — the network alone (BatchNorm folded, as `createFaceAligner` runs it) and the whole
 * `estimateLandmarks` call (crop, normalisation, network, read-back, decoding) for 1 and 8 faces.
 * Random weights: timing does not depend on values.
 */
import * as tf from '@tensorflow/tfjs-core';
import { type BenchCase, countMultiplyAdds, networkBenchCase } from '@hrnetjs/core';
import { createFaceAligner } from './aligner.js';
import { createFaceAlignmentModel } from './model.js';
import type { FaceRegion } from './transforms.js';

function networkCase(batch: number): BenchCase {
  return networkBenchCase(`face w18 300w 256x256 batch ${batch} network`, () => createFaceAlignmentModel('300w').fuse(), [batch, 256, 256, 3]);
}

function alignerCase(faces: number): BenchCase {
  return {
    name: `face w18 300w 256x256 batch ${faces} estimateLandmarks`,
    async setup() {
      const random = createFaceAlignmentModel('300w');
      const weights = random.stateDict();
      random.dispose();
      // no backend preference: keep whichever backend the runner activated
      const aligner = await createFaceAligner({ model: '300w', weights, backend: tf.getBackend() as 'wasm' });
      const image = tf.tidy(() => tf.mul(tf.randomUniform([480, 640, 3]), 255) as tf.Tensor3D);
      const regions: FaceRegion[] = Array.from({ length: faces }, (_, i) => ({ box: [40 + 60 * i, 60 + 20 * (i % 3), 180, 200] }));
      const multiplyAdds = countMultiplyAdds(() => aligner.model.predict(tf.zeros([faces, 256, 256, 3])));
      return {
        multiplyAdds,
        items: faces,
        run: async () => {
          await aligner.estimateLandmarks(image, { faces: regions });
        },
        dispose() {
          image.dispose();
          aligner.dispose();
        },
      };
    },
  };
}

export function benchCases(): BenchCase[] {
  return [networkCase(1), networkCase(8), alignerCase(1), alignerCase(8)];
}
