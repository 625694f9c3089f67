/**
 * Benchmark cases of head-det (`@hrnetjs/head-det/bench`): HRNet-W18 FCOS (5 levels) on an 800x1333 image,
 * the size the official test transform gives a 3:5 photo (padded to 800x1344). Random weights (timing does
 * not depend on values), BatchNorm folded as `createDetector` does.
 * - `network`: the raw network; extra columns give the share of the time in the HRFPN neck and the FCOS head,
 *   timed part by part on the same inputs (medians of 3).
 * - `detect()`: the whole call on an 800x1333 image: Pillow-exact resize (a no-op here: already 800 short),
 *   BGR/mean/pad, network, downloads, official post-processing.
 */
import * as tf from '@tensorflow/tfjs-core';
import { type BenchCase, countMultiplyAdds, timeMedian } from '@hrnetjs/core';
import { createDetector } from './detector.js';
import { createDetectionModel } from './model.js';

function networkCase(preset: string, height: number, width: number): BenchCase {
  const [ph, pw] = [Math.ceil(height / 32) * 32, Math.ceil(width / 32) * 32];
  return {
    name: `det ${preset} network ${height}x${width} (input ${ph}x${pw})`,
    async setup() {
      const model = createDetectionModel(preset).fuse();
      const x = tf.randomNormal([1, ph, pw, 3]);
      const multiplyAdds = countMultiplyAdds(() => model.predict(x) as unknown as tf.TensorContainer);
      // per-part timing on fixed inputs: trunk, neck (HRFPN), head (FCOS towers and outputs)
      const body = tf.tidy(() => model.backbone.body.forward(x));
      const fpn = tf.tidy(() => model.backbone.fpn.forward(body));
      const tBody = await timeMedian(() => tf.tidy(() => model.backbone.body.forward(x)));
      const tNeck = await timeMedian(() => tf.tidy(() => model.backbone.fpn.forward(body)));
      const tHead = await timeMedian(() => tf.tidy(() => model.rpn.forward(fpn) as unknown as tf.TensorContainer));
      tf.dispose([body, fpn]);
      const total = tBody + tNeck + tHead;
      const pct = (t: number) => `${((100 * t) / total).toFixed(0)}%`;
      return {
        multiplyAdds,
        run: () => model.predict(x) as unknown as tf.TensorContainer,
        extra: () => ({ 'trunk share': pct(tBody), 'neck share': pct(tNeck), 'head share': pct(tHead) }),
        dispose() {
          x.dispose();
          model.dispose();
        },
      };
    },
  };
}

function detectCase(preset: string, height: number, width: number): BenchCase {
  return {
    name: `det ${preset} detect() ${height}x${width} image`,
    async setup() {
      const detector = await createDetector({ model: preset, weights: null });
      const image = tf.tidy(() => tf.floor(tf.randomUniform([height, width, 3], 0, 256)) as tf.Tensor3D);
      return {
        run: async () => {
          await detector.detect(image);
        },
        dispose() {
          image.dispose();
          detector.dispose();
        },
      };
    },
  };
}

export function benchCases(): BenchCase[] {
  return [networkCase('fcos_w18_5l', 800, 1333), detectCase('fcos_w18_5l', 800, 1333)];
}
