/**
 * mmsegmentation's own code as the reference (fixtures/mmseg, see its README): every mmseg zoo entry's key
 * manifest maps exactly onto the network its zoo name builds, a checkpoint in mmseg's published format (zip,
 * mmcv meta) loads through createSegmenter by zoo name and gives mmseg's logits, and test mode `whole`
 * (logits resized to the image, align_corners=False) gives mmseg's `encode_decode`.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCheckpointMeta, readNpy } from '@hrnetjs/core';
import { NODE_TEST_BACKENDS, compare, manifestFit, useBackend } from '@hrnetjs/core/testing';
import { SEG_ZOO, type SegZooOverrides, type SegZooProcessing, createSegmentationModel, createSegmenter, inferCrop, inferScores } from '../src/index.js';

const dir = new URL('./fixtures/mmseg/', import.meta.url);
const bytes = (f: string) => new Uint8Array(readFileSync(new URL(f, dir)));
const manifest = (name: string) => (JSON.parse(gunzipSync(bytes(`manifests/${name}.json.gz`)).toString('utf8')) as { keys: Record<string, number[]> }).keys;
const mmseg = SEG_ZOO.filter((e) => e.origin === 'mmsegmentation');

/** `fcn_hr18s_4xb2-40k_cityscapes-512x1024` → its architecture's manifest (trunk x data set). */
function manifestFor(name: string): string {
  const arch = /fcn_(hr18s|hr18|hr48)_/.exec(name)![1];
  const ds = name.includes('pascal-context-59') ? 'pascal-context-59' : name.includes('pascal-context') ? 'pascal-context' : /_(cityscapes|ade20k|voc12aug)-/.exec(name)![1];
  return `mmseg_fcn_${arch}_${ds}`;
}

/** The mmseg 0.x config an entry's (1.x-named) config was called: `fcn_hr18s_512x1024_40k_cityscapes`. */
function config0x(name: string): string {
  const m = /fcn_(hr18s|hr18|hr48)_4xb\d-(\d+k)_(.+)-(\d+x\d+)$/.exec(name.replace(/^mmseg_/, ''))!;
  const ds = { cityscapes: 'cityscapes', ade20k: 'ade20k', voc12aug: 'voc12aug', 'pascal-context': 'pascal_context', 'pascal-context-59': 'pascal_context_59' }[m[3]!]!;
  return `fcn_${m[1]}_${m[4]}_${m[2]}_${ds}`;
}

describe('mmseg key manifests', () => {
  beforeAll(() => useBackend('cpu'));

  it('cover every mmseg entry', () => expect(mmseg.length).toBe(25));

  it.each(mmseg.map((e) => [e.name, e] as const))("%s: the file's keys map exactly onto the network of its zoo name", (name, entry) => {
    const model = createSegmentationModel(name);
    const fit = manifestFit(manifest(manifestFor(name)), entry.keys, model.shapes());
    model.dispose();
    expect(fit).toEqual({ missing: [], unexpected: [], misshaped: [] });
  });

  it('a manifest of another class count is caught (the check can fail)', () => {
    const entry = mmseg.find((e) => e.name.includes('hr48_4xb4-80k_ade20k'))!;
    const model = createSegmentationModel(entry.name);
    const fit = manifestFit(manifest('mmseg_fcn_hr48_cityscapes'), entry.keys, model.shapes());
    model.dispose();
    expect(fit.misshaped).toEqual(['last_layer.3.weight: [19, 720, 1, 1] vs [150, 720, 1, 1]', 'last_layer.3.bias: [19] vs [150]']);
  });
});

describe("mmseg configs' test settings", () => {
  const settings = JSON.parse(readFileSync(new URL('mmseg_test_settings.json', dir), 'utf8')) as Record<string, { test_cfg: { mode: string; crop_size?: number[]; stride?: number[] }; img_scale: number[]; img_norm_cfg: { mean: number[]; std: number[]; to_rgb: boolean }; align_corners: boolean }>;
  it.each(mmseg.filter((e) => !e.name.includes('pascal-context-59')).map((e) => [e.name, e] as const))('%s: RGB, ImageNet mean/std, align_corners false as its config', (name, entry) => {
    const s = settings[config0x(name)]!;
    expect(s, config0x(name)).toBeDefined();
    expect(s.img_norm_cfg).toEqual({ mean: [123.675, 116.28, 103.53], std: [58.395, 57.12, 57.375], to_rgb: true });
    expect(s.align_corners).toBe(false);
    expect((entry.model.overrides as SegZooOverrides).alignCorners).toBe(false);
    expect(s.test_cfg.mode).toBe(name.includes('pascal-context') ? 'slide' : 'whole');
    // segment()'s defaults for the entry: the config's Resize img_scale and sliding window (mmseg's [h, w] → [w, h])
    const p = entry.processing as SegZooProcessing;
    expect(p.imgScale).toEqual(s.img_scale);
    if (s.test_cfg.mode === 'slide') {
      expect(p.slide).toEqual({ cropSize: [s.test_cfg.crop_size![1], s.test_cfg.crop_size![0]], stride: [s.test_cfg.stride![1], s.test_cfg.stride![0]] });
    } else expect(p.slide).toBeUndefined();
  });
});

const ref = 'mmseg_fcn_hr18s_cityscapes/';
const meta = JSON.parse(readFileSync(new URL(`${ref}meta.json`, dir), 'utf8'));
const checkpoint = () => gunzipSync(gunzipSync(bytes(`${ref}weights.pth.gz.gz`)));
const tensor = (f: string) => {
  const t = readNpy(bytes(`${ref}${f}`));
  return tf.tensor4d(t.data as Float32Array, t.shape as [number, number, number, number]);
};

describe('mmseg checkpoint format', () => {
  it('reads the mmcv meta as data (classes, palette, config text)', () => {
    const m = loadCheckpointMeta(checkpoint()) as Record<string, unknown>;
    expect(Object.keys(m).sort()).toEqual(meta.meta_keys);
    expect((m.CLASSES as string[])[0]).toBe('road');
    expect((m.CLASSES as string[]).length).toBe(19);
    expect(m.config).toContain('fcn_hr18_512x1024_40k_cityscapes.py');
  });
});

describe.each(NODE_TEST_BACKENDS)('mmseg reference checkpoint through the factory (%s)', (backend) => {
  beforeAll(() => useBackend(backend));

  it(`${meta.zoo} by zoo name gives mmseg's logits, and whole-image test mode its encode_decode (1e-5 of max|output|)`, async () => {
    const segmenter = await createSegmenter({ model: meta.zoo, weights: checkpoint(), backend });
    expect(segmenter.zooEntry?.name).toBe(meta.zoo);
    expect(segmenter.classNames[0]).toBe('road');
    const input = tensor('input.npy');
    const want = readNpy(bytes(`${ref}output.npy`));
    const wantFull = readNpy(bytes(`${ref}output_full.npy`));
    const out = segmenter.model.predict(input) as tf.Tensor4D;
    expect(out.shape).toEqual(want.shape);
    const c = compare(await out.data(), want.data);
    // whole mode: logits bilinearly resized to the input (align_corners=False); inferCrop returns their exp
    const scores = await inferCrop(segmenter.model, input, false);
    const logits = tf.log(scores);
    expect(logits.shape).toEqual(wantFull.shape);
    const full = compare(await logits.data(), wantFull.data);
    // mmseg's slide mode (crop 64x64, stride 32: two windows shifted inside the 64x96 image, logits averaged):
    // the RGB image whose ImageNet normalisation is the reference input
    const rgb = tf.tidy(() => tf.squeeze(tf.add(tf.mul(input, [58.395, 57.12, 57.375]), [123.675, 116.28, 103.53]), [0]) as tf.Tensor3D);
    const slid = await inferScores(segmenter.model, rgb, { cropSize: 64, stride: 32, slideMode: 'mmseg' });
    const slidLogits = tf.log(slid);
    const slide = compare(await slidLogits.data(), readNpy(bytes(`${ref}output_slide.npy`)).data);
    tf.dispose([input, out, scores, logits, rgb, slid, slidLogits]);
    expect(slide.relative, 'slide').toBeLessThan(1e-5);
    segmenter.dispose();
    expect(c.maxAbsRef).toBeCloseTo(meta.max_abs_output, 3);
    expect(c.relative).toBeLessThan(1e-5);
    expect(full.relative).toBeLessThan(1e-5);
  }, 120_000);
});
