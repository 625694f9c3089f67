import * as tf from '@tensorflow/tfjs-core';
import { affineCrops, imageToTensor, normalizeImageNet } from '@hrnetjs/core';
import {
  FACE_PRESETS,
  createFaceAligner,
  decodeHeatmaps,
  officialCrop,
  toCenterScale,
} from '@hrnetjs/face-align';
import faceSmallYaml from '../configs/face_small.yaml?raw';
import { download, now } from './common.js';
import type { FaceResult, TaskDefinition, TaskRunner } from './types.js';

const SMALL = 'small';

/**
 * Facial landmarks with `createFaceAligner` (which checks the landmark count before the strict load), run
 * stage by stage with the package's pieces: the official crop of the face box (drawn on the image; the whole
 * image by default), the network, sub-pixel heatmap decoding.
 */
export const faceTask: TaskDefinition = {
  id: 'face',
  label: 'Face landmarks (one face box)',
  presets: [
    { id: SMALL, label: 'small (test config: 300W 68 landmarks, 64x64)' },
    ...FACE_PRESETS.map((id) => ({ id, label: `w18_${id}`, heavy: true })),
  ],
  engines: ['tfjs', 'onnxruntime'],
  async create(preset, weights, options = {}): Promise<TaskRunner> {
    // the package's factory: landmark-count check, strict load, BatchNorm folding (random weights stay on the
    // device); the network runs on the chosen engine (aligner.runNetwork), crop and decoding on tfjs
    const aligner = await createFaceAligner({
      model: preset === SMALL ? faceSmallYaml : preset,
      weights: weights ?? null,
      engine: options.engine,
      engineOptions: options.engineOptions,
    });
    const { model } = aligner;
    const scheme = aligner.scheme;
    const [inW, inH] = model.faceConfig.imageSize;
    const names = scheme?.names;
    return {
      model,
      inputSize: [inW, inH],
      engine: aligner.engineDescription,
      async run(pixels, ctx, clock = now) {
        const t0 = clock();
        const box = ctx.box ?? [0, 0, pixels.width, pixels.height];
        const region = toCenterScale({ box });
        const crop = officialCrop(region, pixels, [inH, inW]);
        const input = tf.tidy(() => normalizeImageNet(affineCrops(imageToTensor(pixels), [crop.imageToCrop], { width: inW, height: inH })) as tf.Tensor4D);
        await input.data();
        const t1 = clock();
        let heatmaps: tf.Tensor4D;
        try {
          heatmaps = await aligner.runNetwork<tf.Tensor4D>(input);
        } finally {
          input.dispose();
        }
        const shape = heatmaps.shape as [number, number, number, number];
        const data = await download(heatmaps);
        const t2 = clock();
        const [landmarks] = decodeHeatmaps({ data, shape }, [region], 'subpixel');
        const result: FaceResult = {
          kind: 'face',
          box: [...box] as FaceResult['box'],
          landmarks: landmarks!.map((l, i) => ({ x: l.x, y: l.y, score: l.score, ...(names && { name: names[i] }) })),
        };
        return { result, timings: { preprocess: t1 - t0, network: t2 - t1, decode: clock() - t2 } };
      },
      dispose: () => aligner.dispose(),
    };
  },
};
