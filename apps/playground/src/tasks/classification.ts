import type * as tf from '@tensorflow/tfjs-core';
import { CLASSIFICATION_PRESETS, CLASSIFIER_DEFAULTS, createClassifier, topK } from '@hrnetjs/hrnet-backbone';
import clsSmallYaml from '../configs/cls_small.yaml?raw';
import { now } from './common.js';
import type { TaskDefinition, TaskRunner } from './types.js';

const SMALL = 'small';
const CROP = CLASSIFIER_DEFAULTS.cropSize;

export const classificationTask: TaskDefinition = {
  id: 'classification',
  label: 'Classification (ImageNet top-k)',
  presets: [
    { id: SMALL, label: 'small (test config)' },
    ...CLASSIFICATION_PRESETS.map((id) => ({ id, label: id, heavy: !id.includes('small') })),
  ],
  engines: ['tfjs', 'onnxruntime'],
  async create(preset, weights, options = {}): Promise<TaskRunner> {
    // the backbone's classifier: its official validation crop, strict load, BatchNorm folding; the network runs
    // on the chosen engine (classifier.runNetwork), the crop and top-k on tfjs
    const classifier = await createClassifier({
      model: preset === SMALL ? clsSmallYaml : preset,
      weights: weights ?? null,
      engine: options.engine,
      engineOptions: options.engineOptions,
    });
    const { model } = classifier;
    return {
      model,
      inputSize: [CROP, CROP],
      engine: classifier.engineDescription,
      async run(pixels, ctx, clock = now) {
        const t0 = clock();
        const input = classifier.preprocess(pixels);
        await input.data();
        const t1 = clock();
        let logits: tf.Tensor;
        try {
          logits = await classifier.runNetwork<tf.Tensor>(input);
        } finally {
          input.dispose();
        }
        await logits.data();
        const t2 = clock();
        const [top] = await topK(logits, ctx.topK ?? 5);
        logits.dispose();
        return { result: { kind: 'classification', top: top! }, timings: { preprocess: t1 - t0, network: t2 - t1, decode: clock() - t2 } };
      },
      dispose: () => classifier.dispose(),
    };
  },
};
