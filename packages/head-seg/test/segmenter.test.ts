import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckpointError, ConfigError, DisposedError, EngineError, InputError, ShapeError, StateDictError } from '@hrnetjs/core';
import { NODE_TEST_BACKENDS, useBackend } from '@hrnetjs/core/testing';
import {
  CITYSCAPES,
  LIP,
  type Segmenter,
  bitPalette,
  cityscapesToTrainIds,
  colorize,
  createSegmentationModel,
  createSegmenter,
  evaluateSegmentation,
  scaledSize,
} from '../src/index.js';

const fixture = (p: string) => fileURLToPath(new URL(`./fixtures/${p}`, import.meta.url));
const smallYaml = readFileSync(fixture('seg_small/config.yaml'), 'utf8');
const smallWeights = readFileSync(fixture('seg_small/weights.pth'));
const ocrWeights = readFileSync(fixture('seg_ocr_small/weights.pth'));

/** A smooth RGB test image (uint8), so the labels are not a field of near-ties. */
function testImage(width: number, height: number, channels = 3): { data: Uint8Array; width: number; height: number; channels: number } {
  const data = new Uint8Array(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < channels; c++) {
        data[(y * width + x) * channels + c] = c === 3 ? 200 : Math.round(128 + 100 * Math.sin(x / (5 + 2 * c)) * Math.cos(y / (6 + c)));
      }
    }
  }
  return { data, width, height, channels };
}

describe.each(NODE_TEST_BACKENDS)('createSegmenter (%s)', (backend) => {
  let segmenter: Segmenter;
  let baseline: number;

  beforeAll(async () => {
    await useBackend(backend);
    baseline = tf.memory().numTensors;
    segmenter = await createSegmenter({ model: smallYaml, weights: smallWeights, backend });
  });

  afterAll(() => {
    segmenter.dispose();
    // every tensor the segmenter made (weights, folded filters) is gone again
    expect(tf.memory().numTensors).toBe(baseline);
  });

  it('segments at the image resolution with class names, and leaks no tensor', async () => {
    const image = testImage(70, 45);
    const before = tf.memory().numTensors;
    const r = await segmenter.segment(image);
    expect(tf.memory().numTensors).toBe(before);
    expect([r.width, r.height, r.numClasses, r.labels.length]).toEqual([70, 45, 19, 70 * 45]);
    expect(r.classNames).toBe(CITYSCAPES.classNames);
    expect(r.labels).toBeInstanceOf(Uint8Array);
    expect(r.probabilities).toBeUndefined();
    expect(Math.max(...r.labels)).toBeLessThan(19);
    // every option at once, twice: still no leak
    for (let i = 0; i < 2; i++) {
      await segmenter.segment(image, { scales: [0.75, 1.25], flipTest: true, cropSize: [32, 48], probabilities: true });
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('returns per-class probabilities that sum to 1 and agree with the labels', async () => {
    const r = await segmenter.segment(testImage(40, 30), { probabilities: true, flipTest: true });
    const p = r.probabilities!;
    expect(p.length).toBe(40 * 30 * 19);
    for (let i = 0; i < 40 * 30; i++) {
      let sum = 0;
      let best = 0;
      for (let c = 0; c < 19; c++) {
        sum += p[i * 19 + c]!;
        if (p[i * 19 + c]! > p[i * 19 + best]!) best = c;
      }
      expect(sum).toBeCloseTo(1, 5);
      expect(r.labels[i]).toBe(best);
    }
  });

  it('pads an image smaller than the crop with black (official pad_image) and crops the answer back', async () => {
    const small = testImage(12, 10);
    const r = await segmenter.segment(small, { cropSize: 32 });
    expect([r.width, r.height]).toEqual([12, 10]);
    // the same as running the black-padded 32x32 canvas whole and cutting out the image
    const canvas = new Uint8Array(32 * 32 * 3);
    for (let y = 0; y < 10; y++) canvas.set(small.data.subarray(y * 36, (y + 1) * 36), y * 32 * 3);
    const whole = await segmenter.segment({ data: canvas, width: 32, height: 32, channels: 3 });
    const cut = Array.from({ length: 120 }, (_, i) => whole.labels[Math.floor(i / 12) * 32 + (i % 12)]);
    expect(Array.from(r.labels)).toEqual(cut);
  });

  it('takes sizes that are not multiples of 32, and 1-pixel images', async () => {
    for (const [w, h] of [[37, 53], [1, 1], [1, 9], [33, 1]] as const) {
      const r = await segmenter.segment(testImage(w, h), { flipTest: true });
      expect([r.width, r.height, r.labels.length]).toEqual([w, h, w * h]);
    }
    const one = await segmenter.segment(testImage(1, 1), { cropSize: [16, 16], scales: [0.5, 2] });
    expect(one.labels.length).toBe(1);
  });

  it('reads gray as RGB with equal channels and drops alpha', async () => {
    const rgb = testImage(24, 20);
    const rgba = new Uint8Array(24 * 20 * 4);
    const gray = new Uint8Array(24 * 20);
    const grayRgb = new Uint8Array(24 * 20 * 3);
    for (let i = 0; i < 24 * 20; i++) {
      rgba.set(rgb.data.subarray(3 * i, 3 * i + 3), 4 * i);
      rgba[4 * i + 3] = 17;
      gray[i] = rgb.data[3 * i]!;
      grayRgb.fill(rgb.data[3 * i]!, 3 * i, 3 * i + 3);
    }
    const a = await segmenter.segment(rgb);
    const b = await segmenter.segment({ data: rgba, width: 24, height: 20, channels: 4 });
    expect(Array.from(b.labels)).toEqual(Array.from(a.labels));
    const c = await segmenter.segment({ data: gray, width: 24, height: 20, channels: 1 });
    const d = await segmenter.segment({ data: grayRgb, width: 24, height: 20, channels: 3 });
    expect(Array.from(c.labels)).toEqual(Array.from(d.labels));
  });

  it('rejects bad images and options with typed errors, leaking nothing', async () => {
    const before = tf.memory().numTensors;
    await expect(segmenter.segment({ data: new Uint8Array(10), width: 2, height: 2, channels: 3 })).rejects.toThrow(ShapeError);
    await expect(segmenter.segment({ data: new Float32Array([NaN, 0, 0]), width: 1, height: 1, channels: 3 })).rejects.toThrow(InputError);
    await expect(segmenter.segment(testImage(8, 8), { cropSize: [0, 8] })).rejects.toThrow(/cropSize/);
    await expect(segmenter.segment(testImage(8, 8), { cropSize: 8, stride: 9 })).rejects.toThrow(/larger than cropSize/);
    await expect(segmenter.segment(testImage(8, 8), { scales: [] })).rejects.toThrow(InputError);
    await expect(segmenter.segment(testImage(8, 8), { scales: [-1] })).rejects.toThrow(InputError);
    await expect(segmenter.segment(testImage(8, 8), { baseSize: 0 })).rejects.toThrow(/baseSize/);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('checkpoint checks', () => {
  beforeAll(() => useBackend('cpu'));

  it('names a class-count mismatch between weights and config', async () => {
    const before = tf.memory().numTensors;
    const ade = smallYaml.replace('NUM_CLASSES: 19', 'NUM_CLASSES: 150');
    const err = await createSegmenter({ model: ade, weights: smallWeights }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StateDictError);
    expect(String((err as Error).message)).toMatch(/19 classes .*has 150/);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('names an OCR / non-OCR mismatch, and other misfits are StateDictErrors', async () => {
    await expect(createSegmenter({ model: smallYaml, weights: ocrWeights })).rejects.toThrow(/OCR .*ocr_\* preset/);
    const wider = smallYaml.replace(/NUM_CHANNELS:\n {6}- 32/, 'NUM_CHANNELS:\n      - 16');
    await expect(createSegmenter({ model: wider, weights: smallWeights })).rejects.toThrow(StateDictError);
    await expect(createSegmenter({ model: smallYaml, weights: new Uint8Array([1, 2, 3]) })).rejects.toThrow(CheckpointError);
  });

  it('refuses to work after dispose', async () => {
    const s = await createSegmenter({ model: smallYaml, weights: null });
    s.dispose();
    await expect(s.segment(testImage(4, 4))).rejects.toThrow(/disposed/);
  });
});

describe('colorize, scaledSize, data sets, mIoU', () => {
  it('colours labels with a palette; unknown labels are transparent', () => {
    const rgba = colorize([0, 18, 255], CITYSCAPES.palette);
    expect(Array.from(rgba)).toEqual([128, 64, 128, 255, 119, 11, 32, 255, 0, 0, 0, 0]);
    expect(Array.from(colorize([1], bitPalette(3), { alpha: 128 }))).toEqual([128, 0, 0, 128]);
  });

  it('has the official bit palette, class tables and Cityscapes id mapping', () => {
    expect(bitPalette(4)).toEqual([[0, 0, 0], [128, 0, 0], [0, 128, 0], [128, 128, 0]]);
    expect(CITYSCAPES.classNames).toHaveLength(19);
    expect(CITYSCAPES.palette).toHaveLength(19);
    expect(LIP.flipPairs).toEqual([[14, 15], [16, 17], [18, 19]]);
    expect(Array.from(cityscapesToTrainIds([7, 8, 0, 33, 26, 255]))).toEqual([0, 1, 255, 18, 13, 255]);
  });

  it('resizes like multi_scale_aug', () => {
    expect(scaledSize(1024, 2048, 1, 2048)).toEqual([1024, 2048]);
    expect(scaledSize(1024, 2048, 0.75, 2048)).toEqual([768, 1536]);
    expect(scaledSize(50, 90, 1.25)).toEqual([63, 113]);
    expect(scaledSize(375, 500, 1, 520)).toEqual([390, 520]);
    expect(scaledSize(500, 375, 0.5, 520)).toEqual([260, 195]);
    expect(scaledSize(1, 1, 0.1)).toEqual([1, 1]);
  });

  it('scores hand-made label maps with the official mIoU', () => {
    // gt row: 0 1 1 1 2 ignore; prediction: 0 0 1 1 2 2
    const result = { labels: Uint8Array.from([0, 0, 1, 1, 2, 2]), width: 3, height: 2, numClasses: 3 };
    const s = evaluateSegmentation([result], [[0, 1, 1, 1, 2, 255]]);
    expect(Array.from(s.iou)).toEqual([1 / 2, 2 / 3, 1]);
    expect(s.meanIoU).toBeCloseTo((1 / 2 + 2 / 3 + 1) / 3, 12);
    expect(s.pixelAccuracy).toBe(4 / 5);
    // summed over images, not averaged per image; an absent class counts as IoU 0 in the mean
    const two = evaluateSegmentation([result, { ...result, labels: Uint8Array.from([1, 1, 1, 1, 1, 1]) }], [[0, 1, 1, 1, 2, 255], [1, 1, 1, 1, 1, 1]]);
    expect(two.iou[1]).toBeCloseTo(8 / 9, 12);
    const absent = evaluateSegmentation([{ labels: Uint8Array.from([0, 0]), width: 2, height: 1, numClasses: 4 }], [[0, 0]]);
    expect(absent.meanIoU).toBe(0.25);
    expect(() => evaluateSegmentation([result], [[0, 1]])).toThrow(InputError);
    expect(() => evaluateSegmentation([result], [[0, 1, 1, 1, 2, 7]], { ignoreLabel: null })).toThrow(InputError);
  });
});

describe('the factory contract', () => {
  beforeAll(() => useBackend('cpu'));

  it('a built network stays the caller\'s: used as it is, not freed by dispose(); use after dispose is a DisposedError', async () => {
    const model = createSegmentationModel(smallYaml);
    const s = await createSegmenter({ model });
    expect(s.model).toBe(model);
    expect(s.engine).toBe('tfjs');
    expect(s.backend.name).toBe('cpu');
    s.dispose();
    s.dispose(); // idempotent
    await expect(s.segment(testImage(4, 4))).rejects.toThrow(DisposedError);
    // the caller's network still runs
    const out = model.predict(tf.zeros([1, 32, 32, 3])) as tf.Tensor;
    expect(out.shape).toEqual([1, 8, 8, 19]);
    out.dispose();
    model.dispose();
  });

  it('checks options before anything is loaded', async () => {
    await expect(createSegmenter({ model: smallYaml } as never)).rejects.toThrow(ConfigError);
    await expect(createSegmenter({ model: smallYaml, weights: null, engine: 'tensorrt' as never })).rejects.toThrow(EngineError);
    await expect(createSegmenter({ model: smallYaml, weights: null, backend: 'cuda' as never })).rejects.toThrow(ConfigError);
    await expect(createSegmenter({ model: 'pose_hrnet_w32_coco_256x192', weights: null })).rejects.toThrow(/unknown segmentation preset "pose_hrnet_w32_coco_256x192".*closest zoo names: seg_hrnet/); // a zoo name of another head;
  });
});
