import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError, KEY_MAPPINGS, type StateDict, StateDictError, loadCheckpoint, readNpy } from '@hrnetjs/core';
import { NODE_TEST_BACKENDS, useBackend } from '@hrnetjs/core/testing';
import {
  COCO_CLASSES,
  DETECTION_INPUT_DEFAULTS,
  type DetectionModelConfig,
  type Detector,
  createDetectionModel,
  createDetector,
  officialResizeShape,
  pilResizeBilinear,
  prepareImage,
} from '../src/index.js';
import { npy, smallConfig, smallStateDict, weightsBytes } from './helpers.js';

interface GoldenCase {
  name: string;
  boxes: number[][];
  scores: number[];
  labels: number[];
}
const golden = JSON.parse(readFileSync(new URL('./fixtures/postprocess_golden.json', import.meta.url), 'utf8')) as { cases: GoldenCase[] };

describe('official preprocessing', () => {
  it('resize shape follows Resize.get_size (short side 800, long side ≤ 1333, Python rounding)', () => {
    expect(officialResizeShape(480, 640, 800, 1333)).toEqual([800, 1066]);
    expect(officialResizeShape(640, 480, 800, 1333)).toEqual([1066, 800]);
    expect(officialResizeShape(800, 1200, 800, 1333)).toEqual([800, 1200]);
    expect(officialResizeShape(1000, 3000, 800, 1333)).toEqual([444, 1332]);
    // 1333 · 1 / 2 = 666.5 rounds to the even 666 (Python 3 round)
    expect(officialResizeShape(1, 2, 800, 1333)).toEqual([666, 1332]);
    expect(officialResizeShape(3, 2, 800, 1333)).toEqual([1200, 800]);
  });

  it('pilResizeBilinear equals PIL.Image.resize(BILINEAR) byte for byte (down, up, mixed)', () => {
    const dir = new URL('./fixtures/pil_resize/', import.meta.url);
    const load = (n: string) => readNpy(new Uint8Array(readFileSync(new URL(`${n}.npy`, dir))));
    const src = load('src');
    const [h, w] = src.shape as [number, number];
    for (const [oh, ow] of [[23, 31], [80, 111], [50, 20], [37, 90], [12, 53]] as const) {
      const ref = load(`dst_${oh}x${ow}`);
      const out = pilResizeBilinear(Uint8Array.from(src.data), h, w, oh, ow);
      expect(Array.from(out), `${oh}x${ow}`).toEqual(Array.from(ref.data));
    }
  });

  it('to BGR, minus the official mean, zero-padded to a multiple of 32', async () => {
    await useBackend('cpu');
    const img = tf.tensor3d([10, 20, 30, 40, 50, 60], [1, 2, 3]);
    const cfg = { ...DETECTION_INPUT_DEFAULTS, minSize: 1, maxSize: 2 };
    const p = prepareImage(img, cfg);
    expect(p.input.shape).toEqual([1, 32, 32, 3]);
    expect(p.resized).toEqual({ height: 1, width: 2 });
    const v = await p.input.data();
    const m = cfg.pixelMean;
    const f = Math.fround;
    // ToTensor (÷255) then TO_BGR255 (×255), each rounded to float32, then minus the mean
    const px = (v: number) => f(f(v / 255) * 255);
    expect(Array.from(v.slice(0, 6))).toEqual([px(30) - f(m[0]), px(20) - f(m[1]), px(10) - f(m[2]), px(60) - f(m[0]), px(50) - f(m[1]), px(40) - f(m[2])].map(f));
    expect(Array.from(v.slice(6, 9))).toEqual([0, 0, 0]); // padding is zero after normalisation
    tf.dispose([img, p.input]);
  });
});

/** The small fixture model with the test sizes of its input (no resize for a 160x128 image). */
function fixtureModelConfig(): DetectionModelConfig {
  const c = smallConfig();
  c.input = { ...c.input, minSize: 128, maxSize: 160 };
  return c;
}

/** The fixture's network input as RGB pixels: + mean, BGR → RGB (so preprocessing gives it back). */
function fixtureImage(): tf.Tensor3D {
  const x = npy('input');
  const [, , h, w] = x.shape as number[];
  const mean = DETECTION_INPUT_DEFAULTS.pixelMean;
  const data = new Float32Array(h! * w! * 3);
  for (let c = 0; c < 3; c++) for (let i = 0; i < h! * w!; i++) data[i * 3 + (2 - c)] = x.data[c * h! * w! + i]! + mean[c]!;
  return tf.tensor3d(data, [h!, w!, 3]);
}

describe.each(NODE_TEST_BACKENDS)('createDetector (%s)', (backend) => {
  let detector: Detector;
  beforeAll(async () => {
    await useBackend(backend);
    detector = await createDetector({ model: fixtureModelConfig(), weights: weightsBytes(), resize: 'bilinear' });
  });
  afterAll(() => detector.dispose());

  it('end to end equals the official post-processor on the official raw outputs, without leaks', async () => {
    const img = fixtureImage();
    const before = tf.memory().numTensors;
    const dets = await detector.detect(img);
    expect(tf.memory().numTensors).toBe(before);
    img.dispose();
    const ref = golden.cases.find((c) => c.name === 'full_image')!;
    expect(dets).toHaveLength(ref.scores.length);
    // sorted by score; each official detection found (ratio 1: x, y, x2 − x1 + 1, y2 − y1 + 1)
    for (let i = 1; i < dets.length; i++) expect(dets[i]!.score).toBeLessThanOrEqual(dets[i - 1]!.score);
    const matched = ref.scores.filter((s, i) => {
      const [x1, y1, x2, y2] = ref.boxes[i]!;
      return dets.some(
        (d) =>
          d.label === ref.labels[i]! - 1 &&
          Math.abs(d.score - s) < 1e-4 &&
          Math.abs(d.box[0] - x1!) < 2e-3 && Math.abs(d.box[1] - y1!) < 2e-3 &&
          Math.abs(d.box[2] - (x2! - x1!)) < 2e-3 && Math.abs(d.box[3] - (y2! - y1!)) < 2e-3,
      );
    });
    expect(matched.length).toBe(ref.scores.length);
    expect(dets[0]!.className).toBe(COCO_CLASSES[dets[0]!.label]);
  });

  it("loads an mmdetection-layout FCOS state dict (keyMapping 'mmdet-fcos', mmcv Scale as 0-d tensors) to the same detections", async () => {
    // the fixture's official keys written the way mmdet's FCOS-HRNet names them (inverse of the zoo's rules)
    const { rules } = KEY_MAPPINGS['mmdet-fcos']!;
    const inverse = [...rules.rename!].sort((a, b) => b[1].length - a[1].length);
    const mm: StateDict = new Map();
    for (const [key, t] of smallStateDict()) {
      const rule = inverse.find(([, ours]) => key.startsWith(ours));
      expect(rule, key).toBeDefined();
      const mmKey = rule![0] + key.slice(rule![1].length);
      mm.set(mmKey, key.startsWith('rpn.head.scales.') ? { ...t, shape: [] } : t);
    }
    expect(mm.get('bbox_head.scales.0.scale')!.shape).toEqual([]);
    const mmDetector = await createDetector({ model: fixtureModelConfig(), weights: mm, keyMapping: 'mmdet-fcos', resize: 'bilinear' });
    try {
      const img = fixtureImage();
      const [a, b] = [await detector.detect(img), await mmDetector.detect(img)];
      img.dispose();
      expect(b.length).toBeGreaterThan(0);
      expect(b).toEqual(a);
    } finally {
      mmDetector.dispose();
    }
  });

  it('maps boxes back to the original image size (ratio per axis) and honours the options', async () => {
    // a 320x256 image (twice the network input) resizes to 160x128: boxes scale by 2
    const small = fixtureImage();
    const big = tf.image.resizeNearestNeighbor(small, [256, 320]);
    const a = await detector.detect(small, { maxDetections: 5 });
    const b = await detector.detect(big, { maxDetections: 5 });
    expect(a.length).toBeGreaterThanOrEqual(5);
    for (const d of b) {
      expect(d.box[0]).toBeGreaterThanOrEqual(0);
      expect(d.box[0] + d.box[2]).toBeLessThanOrEqual(320);
    }
    const none = await detector.detect(small, { scoreThreshold: 0.999 });
    expect(none).toEqual([]); // documented: no detections → empty array
    tf.dispose([small, big]);
  });

  it('tiny images are upscaled like the official transform; extreme aspect ratios and huge images are InputErrors', async () => {
    const tiny = tf.fill([2, 3, 3], 128) as tf.Tensor3D;
    const before = tf.memory().numTensors;
    const res = await detector.detect(tiny);
    expect(Array.isArray(res)).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
    const thin = tf.zeros([1, 400, 3]) as tf.Tensor3D;
    await expect(detector.detect(thin)).rejects.toThrow(InputError);
    const capped = await createDetector({ model: fixtureModelConfig(), weights: smallStateDict(), maxImagePixels: 1000 });
    // the default Pillow-exact resize path, leak-free too
    const n0 = tf.memory().numTensors;
    await expect(capped.detect(tiny)).resolves.toBeDefined();
    expect(tf.memory().numTensors).toBe(n0);
    await expect(capped.detect({ data: new Uint8Array(40 * 40 * 3), width: 40, height: 40, channels: 3 } as never)).rejects.toThrow(/maxImagePixels/);
    capped.dispose();
    await expect(capped.detect(tiny)).rejects.toThrow(/disposed/);
    tf.dispose([tiny, thin]);
  });
});

describe('checkpoints', () => {
  beforeAll(() => useBackend('cpu'));

  it('a checkpoint for another head is a StateDictError naming the expected keys', async () => {
    // what a pose checkpoint looks like: trunk keys at the root plus final_layer
    const pose = new Map([...smallStateDict()].filter(([k]) => k.startsWith('backbone.body.')).map(([k, v]) => [k.slice('backbone.body.'.length), v]));
    pose.set('final_layer.weight', { dtype: 'float32', shape: [17, 8, 1, 1], data: new Float32Array(136) });
    await expect(createDetector({ model: fixtureModelConfig(), weights: pose })).rejects.toThrow(StateDictError);
    await expect(createDetector({ model: fixtureModelConfig(), weights: pose })).rejects.toThrow(/backbone\.body\., backbone\.fpn\. and rpn\.head\./);
  });

  it('a released-style checkpoint ({model: {"module." + key}}, legacy torch format) unwraps to the official keys', () => {
    const bytes = new Uint8Array(readFileSync(new URL('./fixtures/wrapped_head_subset.pth', import.meta.url)));
    const sd = loadCheckpoint(bytes);
    expect([...sd.keys()].sort()).toEqual(
      ['rpn.head.bbox_pred.bias', 'rpn.head.bbox_pred.weight', 'rpn.head.centerness.bias', 'rpn.head.centerness.weight', ...[0, 1, 2, 3, 4].map((l) => `rpn.head.scales.${l}.scale`)].sort(),
    );
    const model = createDetectionModel(fixtureModelConfig());
    const res = model.loadStateDict(sd, { strict: false });
    expect(res.unexpected).toEqual([]);
    const ref = smallStateDict();
    for (const key of sd.keys()) expect(Array.from(model.stateDict().get(key)!.data)).toEqual(Array.from(ref.get(key)!.data));
    model.dispose();
  });

  it('an HRNet-FCOS checkpoint of another size is a StateDictError listing the shapes', async () => {
    const tf0 = tf.memory().numTensors;
    await expect(createDetector({ model: 'fcos_w18_5l', weights: smallStateDict() })).rejects.toThrow(StateDictError);
    await expect(createDetector({ model: fixtureModelConfig(), weights: null, classNames: ['a', 'b'] })).rejects.toThrow(/80 classes, found 2 names/);
    expect(tf.memory().numTensors).toBe(tf0);
  });
});
