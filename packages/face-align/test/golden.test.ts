import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readCheckpointFile, readNpyFile } from '@hrnetjs/core/node';
import { NODE_TEST_BACKENDS, compare, nchwToNhwc, nhwcToNchw, useBackend } from '@hrnetjs/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { createFaceAlignmentModel, decodeHeatmaps } from '../src/index.js';

const fixture = (name: string) => new URL(`./fixtures/face_small/${name}`, import.meta.url);
const meta = JSON.parse(readFileSync(fixture('meta.json'), 'utf8'));
const config = readFileSync(fixture('config.yaml'), 'utf8');
// float32 vs float64 noise of the official output is 7.5e-7 of max|output| (meta.json): 1e-5 leaves room
// for a different summation order, never for a wrong layer
const TOLERANCE = 1e-5;

describe.each(NODE_TEST_BACKENDS)('face_small golden output (%s)', (backend) => {
  beforeAll(() => useBackend(backend));

  it('matches the official heatmaps, before and after fuse()', async () => {
    const sd = await readCheckpointFile(fileURLToPath(fixture('weights.pth')));
    const model = createFaceAlignmentModel(config);
    expect(model.loadStateDict(sd)).toEqual({ missing: [], unexpected: [] });
    expect(model.numParameters()).toBe(meta.param_count);
    const input = nchwToNhwc(await readNpyFile(fileURLToPath(fixture('input.npy'))));
    const expected = (await readNpyFile(fileURLToPath(fixture('output.npy')))).data;

    const out = model.predict(input);
    expect(out.shape).toEqual([1, 16, 16, 68]);
    const raw = compare(nhwcToNchw(out), expected);
    out.dispose();
    expect(raw.relative).toBeLessThan(TOLERANCE);

    model.fuse();
    const fusedOut = model.predict(input);
    const fused = compare(nhwcToNchw(fusedOut), expected);
    fusedOut.dispose();
    expect(fused.relative).toBeLessThan(TOLERANCE);
    console.log(`${backend}: relative ${raw.relative.toExponential(2)} (fused ${fused.relative.toExponential(2)})`);

    input.dispose();
    model.dispose();
  });
});

describe('face_small official decode_preds', () => {
  it('reproduces meta.json decode outputs exactly (official mode)', async () => {
    const hm = await readNpyFile(fileURLToPath(fixture('output.npy')));
    const [n, k, h, w] = hm.shape as [number, number, number, number];
    // NCHW → NHWC on the host
    const data = new Float32Array(n * h * w * k);
    for (let b = 0; b < n; b++)
      for (let p = 0; p < k; p++)
        for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data[((b * h + y) * w + x) * k + p] = hm.data[((b * k + p) * h + y) * w + x]!;
    const d = meta.decode;
    expect(d.res).toEqual([w, h]);
    const faces = d.center.map((c: [number, number], i: number) => ({ center: c, scale: d.scale[i] }));
    const official = decodeHeatmaps({ data, shape: [n, h, w, k] }, faces, 'official');
    expect(official.map((f) => f.map((l) => [l.x, l.y]))).toEqual(d.preds);

    // sub-pixel mode is the same position before truncation: official = trunc(subpixel) + 1 wherever the
    // official mask (maxval > 0) keeps the map
    const sub = decodeHeatmaps({ data, shape: [n, h, w, k] }, faces, 'subpixel');
    let kept = 0;
    sub[0]!.forEach((l, p) => {
      const o = official[0]![p]!;
      expect(l.score).toBe(o.score);
      if (l.score > 0) {
        kept++;
        expect([Math.trunc(l.x) + 1, Math.trunc(l.y) + 1]).toEqual([o.x, o.y]);
      } else {
        expect(d.get_preds_1based[0][p]).toEqual([0, 0]);
      }
    });
    expect(kept).toBe(k - meta.verification.decode_robustness.num_masked_maps_maxval_le_0);
  });
});
