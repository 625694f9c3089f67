/**
 * mmdetection's own code as the reference (fixtures/mmdet, see its README): every mmdet zoo entry's key
 * manifest maps exactly onto the network its zoo name builds; an mmdet-format FCOS checkpoint loads through
 * createDetector by zoo name and gives mmdet's head outputs; the post-processing equals mmdet's
 * `get_bboxes` with the config's `test_cfg`; the zoo's preprocessing equals each config's test pipeline.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCheckpointMeta, readNpy } from '@hrnetjs/core';
import { NODE_TEST_BACKENDS, compare, manifestFit, useBackend } from '@hrnetjs/core/testing';
import { DET_ZOO, type FcosHeadOutput, type FcosLevelOutput, createDetectionModel, createDetector, mmdetResizeShape, postprocessMmdetFcos, prepareImage } from '../src/index.js';

const dir = new URL('./fixtures/mmdet/', import.meta.url);
const bytes = (f: string) => new Uint8Array(readFileSync(new URL(f, dir)));
const json = (f: string) => JSON.parse(readFileSync(new URL(f, dir), 'utf8'));
const manifest = (name: string) => (JSON.parse(gunzipSync(bytes(`manifests/${name}.json.gz`)).toString('utf8')) as { keys: Record<string, number[]> }).keys;
const mmdet = DET_ZOO.filter((e) => e.origin === 'mmdetection');
const f32 = Math.fround;

describe('mmdet key manifests', () => {
  beforeAll(() => useBackend('cpu'));

  it('cover every mmdet entry', () => expect(mmdet.length).toBe(7));

  it.each(mmdet.map((e) => [e.name, e] as const))("%s: the file's keys map exactly onto the network of its zoo name", (name, entry) => {
    const model = createDetectionModel(name);
    const w = /hrnetv2p_(w18|w32|w40)/.exec(name)![1];
    const fit = manifestFit(manifest(`mmdet_fcos_hrnetv2p_${w}`), entry.keys, model.shapes());
    model.dispose();
    expect(fit).toEqual({ missing: [], unexpected: [], misshaped: [] });
  });

  it('a manifest of another width is caught (the check can fail)', () => {
    const model = createDetectionModel(mmdet[0]!.name);
    const fit = manifestFit(manifest('mmdet_fcos_hrnetv2p_w32'), mmdet[0]!.keys, model.shapes());
    model.dispose();
    expect(fit.misshaped.length).toBeGreaterThan(100);
  });
});

describe("mmdet configs' test settings", () => {
  const settings = json('mmdet_test_settings.json') as Record<string, { img_scale: number[]; transforms: Record<string, unknown>[]; test_cfg: Record<string, any> }>;
  it.each(mmdet.map((e) => [e.name, e] as const))('%s: preprocessing and test_cfg as its config', (name) => {
    const s = settings[name.replace(/^mmdet_/, '')]!;
    expect(s).toBeDefined();
    const model = createDetectionModel(name);
    const { input, inference } = model.detConfig;
    model.dispose();
    const norm = s.transforms.find((t) => t.type === 'Normalize') as { mean: number[]; std: number[]; to_rgb: boolean };
    const pad = s.transforms.find((t) => t.type === 'Pad') as { size_divisor: number };
    expect(s.transforms.find((t) => t.type === 'Resize')).toEqual({ type: 'Resize', keep_ratio: true });
    // LoadImageFromFile reads BGR; to_rgb false keeps it: the network sees BGR, mean/std in B, G, R order
    expect(input.toBgr255).toBe(!norm.to_rgb);
    expect(input.pixelMean).toEqual(norm.mean);
    expect(input.pixelStd).toEqual(norm.std);
    expect([input.maxSize, input.minSize]).toEqual(s.img_scale);
    expect(input.resizeRule).toBe('mmdet');
    expect(input.sizeDivisibility).toBe(pad.size_divisor);
    expect(inference).toEqual({
      postprocess: 'mmdet',
      preNmsTopN: s.test_cfg.nms_pre,
      scoreThreshold: s.test_cfg.score_thr,
      nmsThreshold: s.test_cfg.nms.iou_threshold,
      detectionsPerImage: s.test_cfg.max_per_img,
    });
    expect(s.test_cfg.nms.type).toBe('nms');
    expect(s.test_cfg.min_bbox_size).toBe(0);
  });

  it("test sizes are mmcv's rescale_size(w, h), (1333, 800)", () => {
    for (const { wh, resized_wh } of json('mmdet_rescale_sizes.json') as { wh: [number, number]; resized_wh: [number, number] }[]) {
      expect(mmdetResizeShape(wh[1], wh[0], 800, 1333), `${wh}`).toEqual([resized_wh[1], resized_wh[0]]);
    }
  });

  it("a fixed image becomes the config's network input: mmcv rescale, BGR, (v − mean) / std, zero pad to 32", () => {
    const cfg = createDetectionModel(mmdet[0]!.name).detConfig.input;
    // 80x60 → scale min(1333/80, 800/60) = 13.33: 800x1067 (then padded to 800x1088); a flat colour stays flat
    const rgb = tf.tidy(() => tf.mul(tf.ones([60, 80, 3]), tf.tensor1d([200, 100, 50])) as tf.Tensor3D);
    const p = prepareImage(rgb, cfg, 'bilinear');
    expect(p.resized).toEqual({ height: 800, width: 1067 });
    expect(p.input.shape).toEqual([1, 800, 1088, 3]);
    const px = tf.tidy(() => tf.slice(p.input, [0, 400, 500, 0], [1, 1, 1, 3]).dataSync());
    const padPx = tf.tidy(() => tf.slice(p.input, [0, 400, 1080, 0], [1, 1, 1, 3]).dataSync());
    const want = [50, 100, 200].map((v, c) => f32(f32(v - cfg.pixelMean[c]!) * f32(1 / cfg.pixelStd[c]!)));
    for (let c = 0; c < 3; c++) expect(px[c]).toBeCloseTo(want[c]!, 5);
    expect([...padPx]).toEqual([0, 0, 0]);
    tf.dispose([rgb, p.input]);
  });
});

const ref = 'mmdet_fcos_w18/';
const meta = json(`${ref}meta.json`);
const checkpoint = () => gunzipSync(gunzipSync(bytes(`${ref}weights.pth.gz.gz`)));
const npy = (f: string) => readNpy(bytes(`${ref}${f}`));

describe('mmdet checkpoint format', () => {
  it('reads the mmcv meta as data (CLASSES, config text, hook_msgs)', () => {
    const m = loadCheckpointMeta(checkpoint()) as Record<string, unknown>;
    expect(Object.keys(m).sort()).toEqual(meta.meta_keys);
    expect((m.CLASSES as string[]).length).toBe(80);
    expect((m.CLASSES as string[])[0]).toBe('person');
  });
});

describe.each(NODE_TEST_BACKENDS)('mmdet reference checkpoint through the factory (%s)', (backend) => {
  beforeAll(() => useBackend(backend));

  it(`${meta.zoo} by zoo name gives mmdet's cls / reg / centerness maps at every level (1e-5 of max|output|)`, async () => {
    const detector = await createDetector({ model: meta.zoo, weights: checkpoint(), backend });
    expect(detector.zooEntry?.name).toBe(meta.zoo);
    expect(detector.resize).toBe('bilinear');
    const x = npy('input.npy');
    const input = tf.tensor4d(x.data as Float32Array, x.shape as [number, number, number, number]);
    const raw = detector.model.predict(input) as unknown as FcosHeadOutput;
    const worst: Record<string, number> = {};
    for (let l = 0; l < 5; l++) {
      for (const [name, t] of [['cls', raw.boxCls[l]!], ['reg', raw.boxRegression[l]!], ['ctr', raw.centerness[l]!]] as const) {
        const want = npy(`${name}_${l}.npy`);
        expect(t.shape, `${name}_${l}`).toEqual(want.shape);
        const c = compare(await t.data(), want.data);
        worst[`${name}_${l}`] = c.relative;
      }
    }
    tf.dispose([input, raw.boxCls, raw.boxRegression, raw.centerness]);
    detector.dispose();
    for (const [k, v] of Object.entries(worst)) expect(v, k).toBeLessThan(1e-5);
  }, 120_000);
});

describe("mmdet's post-processing", () => {
  it("equals get_bboxes with the config's test_cfg on the reference maps (boxes, scores, classes, order)", () => {
    const levels: FcosLevelOutput[] = [8, 16, 32, 64, 128].map((stride, l) => {
      const cls = npy(`cls_${l}.npy`);
      return {
        height: cls.shape[1]!,
        width: cls.shape[2]!,
        stride,
        boxCls: Float32Array.from(cls.data as Float32Array, (v) => f32(f32(v * f32(0.1)) - 2.5)),
        boxRegression: npy(`reg_${l}.npy`).data as Float32Array,
        centerness: npy(`ctr_${l}.npy`).data as Float32Array,
      };
    });
    const tc = meta.test_cfg;
    const det = postprocessMmdetFcos(levels, meta.img_shape[0], meta.img_shape[1], 80, {
      preNmsTopN: tc.nms_pre,
      scoreThreshold: tc.score_thr,
      nmsThreshold: tc.nms.iou_threshold,
      detectionsPerImage: tc.max_per_img,
    });
    const want = npy('dets.npy');
    const labels = npy('labels.npy');
    expect(det.scores.length).toBe(want.shape[0]);
    expect(Array.from(det.labels, (v) => v - 1)).toEqual(Array.from(labels.data as ArrayLike<number>, Number));
    const wb: number[] = [];
    const ws: number[] = [];
    for (let i = 0; i < want.shape[0]!; i++) {
      wb.push(...Array.from((want.data as Float32Array).subarray(5 * i, 5 * i + 4)));
      ws.push(want.data[5 * i + 4]!);
    }
    expect(compare(det.boxes, wb).maxAbsDiff).toBeLessThan(1e-4);
    expect(compare(det.scores, ws).maxAbsDiff).toBeLessThan(1e-6);
  });
});
