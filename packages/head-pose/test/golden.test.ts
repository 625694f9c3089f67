import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCheckpoint, readNpy } from '@hrnetjs/core';
import { NODE_TEST_BACKENDS, compare, nchwToNhwc, useBackend } from '@hrnetjs/core/testing';
import { COCO_KEYPOINTS, createPoseModel, flipTest, getFinalPreds, getMaxPreds, type HostHeatmaps } from '../src/index.js';

const dir = new URL('./fixtures/pose_small/', import.meta.url);
const bytes = (f: string) => new Uint8Array(readFileSync(new URL(f, dir)));
const meta = JSON.parse(readFileSync(new URL('meta.json', dir), 'utf8'));
const weights = loadCheckpoint(bytes('weights.pth'));
const yaml = readFileSync(new URL('config.yaml', dir), 'utf8');
const TOL = 1e-5;

/** NCHW .npy → NHWC host heatmaps. */
function hostHeatmaps(file: string): HostHeatmaps {
  const t = nchwToNhwc(readNpy(bytes(file)));
  const out = { data: t.dataSync() as Float32Array, shape: t.shape as [number, number, number, number] };
  t.dispose();
  return out;
}

async function toHost(t: tf.Tensor4D): Promise<HostHeatmaps> {
  return { data: (await t.data()) as Float32Array, shape: t.shape };
}

const flat = (nested: number[][][]) => nested.flat(2);

describe.each(NODE_TEST_BACKENDS)('pose_small golden (%s)', (backend) => {
  beforeAll(() => useBackend(backend));

  it('heatmaps, flip test and decode match the official code, before and after fuse()', async () => {
    const model = createPoseModel(yaml);
    model.loadStateDict(weights);
    const input = nchwToNhwc(readNpy(bytes('input.npy')));
    const expected = hostHeatmaps('output.npy');
    const expectedFlip = hostHeatmaps('output_fliptest.npy');
    const { center, scale } = meta.decode;

    for (const fused of [false, true]) {
      if (fused) model.fuse();
      const before = tf.memory().numTensors;
      const out = model.predict(input) as tf.Tensor4D;
      const flipped = await flipTest((x) => model.predict(x) as tf.Tensor4D, input, { flipPairs: COCO_KEYPOINTS.flipPairs });
      const hm = await toHost(out);
      const hmFlip = await toHost(flipped);
      tf.dispose([out, flipped]);
      expect(tf.memory().numTensors).toBe(before);

      const plain = compare(hm.data, expected.data);
      const flip = compare(hmFlip.data, expectedFlip.data);
      expect(plain.relative, `heatmaps fused=${fused}`).toBeLessThan(TOL);
      expect(flip.relative, `flip test fused=${fused}`).toBeLessThan(TOL);

      // our heatmaps decoded with the official center/scale give the official preds/maxvals
      for (const [ours, official] of [[hm, meta.decode], [hmFlip, meta.flip_test]] as const) {
        const { preds, maxvals } = getFinalPreds(ours, center, scale);
        const p = compare(preds, flat(official.preds));
        const m = compare(maxvals, flat(official.maxvals));
        expect(p.relative).toBeLessThan(TOL);
        expect(m.relative).toBeLessThan(TOL);
      }
    }
    input.dispose();
    model.dispose();
  });
});

describe('official decode on the official heatmaps (host only)', () => {
  it('get_max_preds coordinates and get_final_preds are reproduced to float precision', () => {
    const hm = hostHeatmaps('output.npy');
    const { coords, maxvals } = getMaxPreds(hm);
    expect(Array.from(coords)).toEqual(flat(meta.decode.get_max_preds_coords));
    expect(compare(maxvals, flat(meta.decode.maxvals)).maxAbsDiff).toBe(0);
    const { preds } = getFinalPreds(hm, meta.decode.center, meta.decode.scale);
    // the official preds are float32 numpy values: agree to float32 rounding of ~250-pixel coordinates
    expect(compare(preds, flat(meta.decode.preds)).maxAbsDiff).toBeLessThan(1e-4);
    const flip = getFinalPreds(hostHeatmaps('output_fliptest.npy'), meta.decode.center, meta.decode.scale);
    expect(compare(flip.preds, flat(meta.flip_test.preds)).maxAbsDiff).toBeLessThan(1e-4);
  });
});
