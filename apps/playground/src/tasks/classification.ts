import * as tf from '@tensorflow/tfjs-core';
import { imageToTensor, normalizeImageNet } from '@hrnetjs/core';
import { CLASSIFICATION_PRESETS, createClassificationModel, topK } from '@hrnetjs/hrnet-backbone';
import clsSmallYaml from '../configs/cls_small.yaml?raw';
import { loadInto, now } from './common.js';
import type { TaskDefinition, TaskRunner } from './types.js';

const SMALL = 'small';
/** The official ImageNet evaluation: resize the short side to 256 (= 224 / 0.875), centre crop 224. */
const CROP = 224;
const RESIZE = 256;

/** Short side to `resize`, centre `crop`x`crop`, as torchvision's Resize + CenterCrop. */
export function centreCrop(rgb: tf.Tensor3D, resize: number, crop: number): tf.Tensor4D {
  return tf.tidy(() => {
    const [h, w] = rgb.shape;
    const s = resize / Math.min(h, w);
    const [rh, rw] = [Math.max(crop, Math.round(h * s)), Math.max(crop, Math.round(w * s))];
    const resized = tf.image.resizeBilinear(rgb, [rh, rw], false, true);
    const top = Math.round((rh - crop) / 2);
    const left = Math.round((rw - crop) / 2);
    return tf.expandDims(tf.slice(resized, [top, left, 0], [crop, crop, 3])) as tf.Tensor4D;
  });
}

export const classificationTask: TaskDefinition = {
  id: 'classification',
  label: 'Classification (ImageNet top-k)',
  presets: [
    { id: SMALL, label: 'small (test config)' },
    ...CLASSIFICATION_PRESETS.map((id) => ({ id, label: id, heavy: !id.includes('small') })),
  ],
  create(preset, weights): TaskRunner {
    const model = loadInto(createClassificationModel(preset === SMALL ? clsSmallYaml : preset), weights);
    return {
      model,
      inputSize: [CROP, CROP],
      async run(pixels, ctx, clock = now) {
        const t0 = clock();
        const input = tf.tidy(() => normalizeImageNet(centreCrop(imageToTensor(pixels), RESIZE, CROP)));
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
      dispose: () => model.dispose(),
    };
  },
};
