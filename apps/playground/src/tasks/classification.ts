import { CLASSIFICATION_PRESETS, CLASSIFIER_DEFAULTS, createClassifier, topK } from '@hrnetjs/hrnet-backbone';
import clsSmallYaml from '../configs/cls_small.yaml?raw';
import { engineLabel, now } from './common.js';
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
  // its stages call model.predict directly (each timed on its own): tfjs only
  engines: ['tfjs'],
  async create(preset, weights): Promise<TaskRunner> {
    // the backbone's classifier: its official validation crop, strict load, BatchNorm folding
    const classifier = await createClassifier({ model: preset === SMALL ? clsSmallYaml : preset, weights: weights ?? null });
    const { model } = classifier;
    return {
      model,
      inputSize: [CROP, CROP],
      engine: engineLabel('tfjs'),
      async run(pixels, ctx, clock = now) {
        const t0 = clock();
        const input = classifier.preprocess(pixels);
        await input.data();
        const t1 = clock();
        const logits = model.predict(input);
        input.dispose();
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
