/**
 * mmpose's own code as the reference (fixtures/mmpose, see its README): every mmpose face entry's key
 * manifest (mmpose 0.x, which wrote the published face files) maps exactly onto the network its zoo name builds.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { manifestFit, useBackend } from '@hrnetjs/core/testing';
import { FACE_ZOO, createFaceAlignmentModel } from '../src/index.js';

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
