/**
 * mmpose's own code as the reference (fixtures/mmpose, see its README): every mmpose face entry's key
 * manifest (mmpose 0.x, which wrote the published face files) maps exactly onto the network its zoo name builds,
 * and a checkpoint in mmpose 0.x's published format (zip, mmcv meta) loads through createFaceAligner by zoo name
 * and gives mmpose's heatmaps.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCheckpointMeta, readNpy } from '@hrnetjs/core';
import { NODE_TEST_BACKENDS, compare, manifestFit, useBackend } from '@hrnetjs/core/testing';
import { FACE_ZOO, createFaceAligner, createFaceAlignmentModel } from '../src/index.js';

const dir = new URL('./fixtures/mmpose/', import.meta.url);
const manifest = (name: string) =>
  (JSON.parse(gunzipSync(readFileSync(new URL(`manifests/${name}.json.gz`, dir))).toString('utf8')) as { keys: Record<string, number[]> }).keys;
const mmpose = FACE_ZOO.filter((e) => e.origin === 'mmpose');

describe('mmpose face key manifests', () => {
  beforeAll(() => useBackend('cpu'));

  it('cover every mmpose face entry', () => expect(mmpose.length).toBe(4));

  it.each(mmpose.map((e) => [e.name, e] as const))("%s: the file's keys map exactly onto the network of its zoo name", (name, entry) => {
    const model = createFaceAlignmentModel(name);
    const fit = manifestFit(manifest(name), entry.keys, model.shapes());
    model.dispose();
    expect(fit).toEqual({ missing: [], unexpected: [], misshaped: [] });
  });

  it('a manifest of another landmark count is caught (the check can fail)', () => {
    const entry = mmpose.find((e) => e.name.includes('wflw'))!;
    const model = createFaceAlignmentModel(entry.name);
    const fit = manifestFit(manifest(mmpose.find((e) => e.name.includes('300w'))!.name), entry.keys, model.shapes());
    model.dispose();
    expect(fit.misshaped.length).toBe(2); // the last conv's weight and bias: 68 vs 98 landmarks
  });
});

const ref = 'mmpose_face_300w/';
const bytes = (f: string) => new Uint8Array(readFileSync(new URL(`${ref}${f}`, dir)));
const meta = JSON.parse(readFileSync(new URL(`${ref}meta.json`, dir), 'utf8'));
const checkpoint = () => gunzipSync(gunzipSync(bytes('weights.pth.gz.gz')));

describe('mmpose 0.x face checkpoint', () => {
  it('reads its mmcv meta as data', () => {
    const m = loadCheckpointMeta(checkpoint()) as Record<string, unknown>;
    expect(Object.keys(m).sort()).toEqual(meta.meta_keys);
    expect(m.config).toContain('hrnetv2_w18');
  });
});

describe.each(NODE_TEST_BACKENDS)('mmpose face reference checkpoint through the factory (%s)', (backend) => {
  beforeAll(() => useBackend(backend));

  it(`${meta.zoo} by zoo name gives mmpose's heatmaps (1e-5 of max|output|)`, async () => {
    const aligner = await createFaceAligner({ model: meta.zoo, weights: checkpoint(), backend });
    expect(aligner.zooEntry?.name).toBe(meta.zoo);
    const x = readNpy(bytes('input.npy'));
    const want = readNpy(bytes('output.npy'));
    const input = tf.tensor4d(x.data as Float32Array, x.shape as [number, number, number, number]);
    const out = aligner.model.predict(input) as tf.Tensor4D;
    expect(out.shape).toEqual(want.shape);
    const c = compare(await out.data(), want.data);
    tf.dispose([input, out]);
    aligner.dispose();
    expect(c.maxAbsRef).toBeCloseTo(meta.max_abs_output, 3);
    expect(c.relative).toBeLessThan(1e-5);
  }, 120_000);
});
