/**
 * mmpose's own code as the reference (fixtures/mmpose, see its README): every mmpose zoo entry's key manifest
 * maps exactly onto the network its zoo name builds, and a checkpoint in mmpose 1.x's published format
 * (legacy pickle, mmengine meta with numpy arrays) loads through createPoseEstimator by zoo name and gives
 * mmpose's heatmaps.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { CheckpointError, ConfigError, loadCheckpointMeta, readNpy } from '@hrnetjs/core';
import { NODE_TEST_BACKENDS, compare, manifestFit, useBackend } from '@hrnetjs/core/testing';
import { BOTTOM_UP_ZOO, POSE_ZOO, bottomUpZooConfig, createBottomUpPoseModel, createMultiPoseEstimator, createPoseEstimator, createPoseModel } from '../src/index.js';

const dir = new URL('./fixtures/mmpose/', import.meta.url);
const bytes = (f: string) => new Uint8Array(readFileSync(new URL(f, dir)));
const manifest = (name: string) => (JSON.parse(gunzipSync(bytes(`manifests/${name}.json.gz`)).toString('utf8')) as { keys: Record<string, number[]> }).keys;

/** The manifest each mmpose entry's file was written by (same network for DARK and for every input size). */
function manifestFor(name: string): string {
  const m = /hrnet-(w32|w48)(?:_dark-|_)8xb(?:64|32)-210e_(coco|mpii)/.exec(name);
  if (m) return m[2] === 'coco' ? `mmpose_td-hm_hrnet-${m[1]}_8xb${m[1] === 'w32' ? 64 : 32}-210e_coco-256x192` : `mmpose_td-hm_hrnet-${m[1]}_8xb64-210e_mpii-256x256`;
  // Lite-HRNet: the keys do not depend on the input size, so the 256x192 manifest serves 384x288 too
  const lite = /litehrnet-(18|30)_8xb(?:64|32)-210e_(coco|mpii)/.exec(name);
  if (lite) return `mmpose_td-hm_litehrnet-${lite[1]}_8xb64-210e_${lite[2]}-${lite[2] === 'coco' ? '256x192' : '256x256'}`;
  const ae = /higherhrnet_(w32|w48)_coco/.exec(name);
  if (ae) return `mmpose_higherhrnet_${ae[1]}_coco_512x512`;
  throw new Error(`no manifest for ${name}`);
}

describe('mmpose key manifests', () => {
  beforeAll(() => useBackend('cpu'));
  const topDown = POSE_ZOO.filter((e) => e.origin === 'mmpose');
  const bottomUp = BOTTOM_UP_ZOO.filter((e) => e.origin === 'mmpose');

  it('cover every mmpose entry', () => {
    expect(topDown.length).toBe(16);
    expect(bottomUp.length).toBe(3);
  });

  it.each(topDown.map((e) => [e.name, e] as const))('%s: the file\'s keys map exactly onto the network of its zoo name', (name, entry) => {
    const model = createPoseModel(name);
    const fit = manifestFit(manifest(manifestFor(name)), entry.keys, model.shapes());
    model.dispose();
    expect(fit).toEqual({ missing: [], unexpected: [], misshaped: [] });
  });

  it.each(bottomUp.map((e) => [e.name, e] as const))('%s: the file\'s keys map exactly onto the network of its zoo name', (name, entry) => {
    const model = createBottomUpPoseModel(bottomUpZooConfig(entry));
    const fit = manifestFit(manifest(manifestFor(name)), entry.keys, model.shapes());
    model.dispose();
    expect(fit).toEqual({ missing: [], unexpected: [], misshaped: [] });
  });

  it('a manifest of another width is caught (the check can fail)', () => {
    const entry = topDown.find((e) => e.name.includes('w48_8xb32-210e_coco-256x192'))!;
    const model = createPoseModel(entry.name);
    const fit = manifestFit(manifest('mmpose_td-hm_hrnet-w32_8xb64-210e_coco-256x192'), entry.keys, model.shapes());
    model.dispose();
    expect(fit.misshaped.length).toBeGreaterThan(100);
  });
});

const ref = 'mmpose_coco_w32/';
const meta = JSON.parse(readFileSync(new URL(`${ref}meta.json`, dir), 'utf8'));
// gzip of a gzip: the weights are windows of one random cycle, so the first pass's match codes repeat too
const checkpoint = () => gunzipSync(gunzipSync(bytes(`${ref}weights.pth.gz.gz`)));

describe('mmpose 1.x checkpoint format', () => {
  it('keeps its mmengine meta as data: dataset_meta numpy arrays read, nothing executed', () => {
    const m = loadCheckpointMeta(checkpoint()) as Record<string, unknown>;
    expect(Object.keys(m).sort()).toEqual(meta.meta_keys);
    const ds = m.dataset_meta as Record<string, unknown>;
    expect(ds.dataset_name).toBe('coco');
    expect(ds.num_keypoints).toBe(17);
    const sigmas = ds.sigmas as { shape: number[]; data: ArrayLike<number> };
    expect(sigmas.shape).toEqual([17]);
    expect(sigmas.data[0]).toBeCloseTo(0.026, 6);
  });
});

describe.each(NODE_TEST_BACKENDS)('mmpose reference checkpoint through the factory (%s)', (backend) => {
  beforeAll(() => useBackend(backend));

  it(`${meta.zoo} by zoo name gives mmpose's heatmaps (1e-5 of max|output|)`, async () => {
    const estimator = await createPoseEstimator({ model: meta.zoo, weights: checkpoint(), backend });
    expect(estimator.zooEntry?.name).toBe(meta.zoo);
    expect(estimator.keyMapping).toBe('zoo');
    const x = readNpy(bytes(`${ref}input.npy`));
    const want = readNpy(bytes(`${ref}output.npy`));
    const input = tf.tensor4d(x.data as Float32Array, x.shape as [number, number, number, number]);
    const out = estimator.model.predict(input) as tf.Tensor4D;
    expect(out.shape).toEqual(want.shape);
    const c = compare(await out.data(), want.data);
    tf.dispose([input, out]);
    estimator.dispose();
    expect(c.maxAbsRef).toBeCloseTo(meta.max_abs_output, 3);
    expect(c.relative).toBeLessThan(1e-5);
  }, 120_000);
});

const ae = 'mmpose_higherhrnet_w32/';
const aeMeta = JSON.parse(readFileSync(new URL(`${ae}meta.json`, dir), 'utf8'));

describe.each(NODE_TEST_BACKENDS)('mmpose 0.x associative-embedding checkpoint through the factory (%s)', (backend) => {
  beforeAll(() => useBackend(backend));

  it(`${aeMeta.zoo} by zoo name gives mmpose's two output maps (1e-5 of max|output|)`, async () => {
    const weights = gunzipSync(gunzipSync(bytes(`${ae}weights.pth.gz.gz`)));
    const estimator = await createMultiPoseEstimator({ model: aeMeta.zoo, weights, backend });
    expect(estimator.zooEntry?.name).toBe(aeMeta.zoo);
    expect(estimator.keyMapping).toBe('zoo');
    const x = readNpy(bytes(`${ae}input.npy`));
    const input = tf.tensor4d(x.data as Float32Array, x.shape as [number, number, number, number]);
    const outs = estimator.model.predict(input) as tf.Tensor4D[];
    const rel: number[] = [];
    for (let i = 0; i < 2; i++) {
      const want = readNpy(bytes(`${ae}output_${i}.npy`));
      expect(outs[i]!.shape).toEqual(want.shape);
      rel.push(compare(await outs[i]!.data(), want.data).relative);
    }
    tf.dispose([input, ...outs]);
    estimator.dispose();
    for (const r of rel) expect(r).toBeLessThan(1e-5);
  }, 120_000);
});

describe('bad input through the factory: typed errors, nothing executed', () => {
  const bad = (f: string) => new Uint8Array(readFileSync(new URL(`../../core/test/fixtures/checkpoints/mm/${f}`, import.meta.url)));
  beforeAll(() => useBackend('cpu'));

  it('a zoo name that does not exist is a ConfigError naming the closest zoo names', async () => {
    await expect(createPoseEstimator({ model: 'mmpose_td-hm_hrnet-w32_8xb64-210e_coco-256x19', weights: null })).rejects.toThrow(ConfigError);
    await expect(createPoseEstimator({ model: 'mmpose_td-hm_hrnet-w32_8xb64-210e_coco-256x19', weights: null })).rejects.toThrow(
      /closest zoo names: mmpose_td-hm_hrnet-w32_8xb64-210e_coco-256x192/,
    );
  });

  it('numpy objects outside the data-only subset, or a meta holding os.system, are CheckpointErrors naming them', async () => {
    const model = 'mmpose_td-hm_hrnet-w32_8xb64-210e_coco-256x192';
    await expect(createPoseEstimator({ model, weights: bad('numpy_object_array.pth') })).rejects.toThrow(CheckpointError);
    await expect(createPoseEstimator({ model, weights: bad('numpy_object_array.pth') })).rejects.toThrow(/refusing numpy dtype "O8"/);
    await expect(createPoseEstimator({ model, weights: bad('meta_malicious.pth') })).rejects.toThrow(/refusing pickle global 'posix\.system'/);
  });
});
