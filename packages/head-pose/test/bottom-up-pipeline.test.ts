import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { readNpy } from '@hrnetjs/core';
import { NODE_TEST_BACKENDS, compare, useBackend } from '@hrnetjs/core/testing';
import {
  aggregateResults,
  getAffineTransform,
  getMultiScaleSize,
  getMultiStageOutputs,
  parseBottomUpYaml,
  resizeAlignMultiScale,
} from '../src/index.js';
import { hashedImage, smallNetwork } from './helpers/bottom-up.js';

const dir = new URL('./fixtures/higherhrnet_small/', import.meta.url);
const bytes = (f: string) => new Uint8Array(readFileSync(new URL(f, dir)));
const meta = JSON.parse(readFileSync(new URL('official_meta.json', dir), 'utf8'));
const config = parseBottomUpYaml(readFileSync(new URL('config.yaml', dir), 'utf8'));

/** [1, H, W, K] or [1, H, W, K, T] NHWC → NCHW(+T) order of the official arrays. */
function toOfficial(t: tf.Tensor): Float32Array {
  return tf.tidy(() => (t.rank === 4 ? tf.transpose(t, [0, 3, 1, 2]) : tf.transpose(t, [0, 3, 1, 2, 4])).dataSync() as Float32Array);
}

describe('official get_multi_scale_size and its affine transforms', () => {
  beforeAll(() => useBackend('cpu'));

  it('reproduces every row of the official table (sizes, centre, scale, forward and inverse maps)', () => {
    const table = meta.multi_scale_size_table as {
      image_hw: [number, number]; input_size: number; scale_factors: number[]; current_scale: number;
      size_resized_wh: [number, number]; center: [number, number]; scale: [number, number]; trans: number[][]; trans_inv: number[][];
    }[];
    expect(table.length).toBeGreaterThan(5);
    for (const row of table) {
      const [h, w] = row.image_hw;
      const ms = getMultiScaleSize(w, h, row.input_size, row.current_scale, Math.min(...row.scale_factors));
      expect(ms.size).toEqual(row.size_resized_wh);
      expect(ms.center).toEqual(row.center);
      expect(compare(ms.scale, row.scale).maxAbsDiff).toBeLessThan(1e-12);
      const fwd = getAffineTransform(ms.center, ms.scale, 0, ms.size);
      const inv = getAffineTransform(ms.center, ms.scale, 0, ms.size, true);
      expect(compare(Array.from(fwd), row.trans.flat()).maxAbsDiff).toBeLessThan(1e-9);
      expect(compare(Array.from(inv), row.trans_inv.flat()).maxAbsDiff).toBeLessThan(1e-7);
    }
  });
});

describe.each(NODE_TEST_BACKENDS)('bottom-up pipeline golden (%s)', (backend) => {
  beforeAll(() => useBackend(backend));

  it('resize_align_multi_scale gives the official uint8 image bit for bit', () => {
    const img = readNpy(bytes('pipeline_image.npy'));
    const expected = readNpy(bytes('pipeline_resized_s1.npy'));
    const image = tf.tensor3d(Float32Array.from(img.data), img.shape as [number, number, number]);
    const { resized, size, center, scale } = resizeAlignMultiScale(image, 64, 1, 1);
    expect(size).toEqual(meta.pipeline.per_scale[0].size_resized_wh);
    expect(center).toEqual(meta.pipeline.center_base);
    expect(scale).toEqual(meta.pipeline.scale_base);
    expect(resized.shape).toEqual([1, ...expected.shape]);
    expect(compare(resized.dataSync(), expected.data).maxAbsDiff).toBe(0);
    tf.dispose([image, resized]);
  });

  it('get_multi_stage_outputs (flip, PROJECT2IMAGE) + aggregate_results over scales 2 and 1 equal the official maps', async () => {
    const model = smallNetwork();
    const run = (x: tf.Tensor4D) => model.predict(x);
    const before = tf.memory().numTensors;
    let final: tf.Tensor4D | null = null;
    const tagsList: tf.Tensor[] = [];
    for (const [s, shape] of [[2, [1, 3, 64, 128]], [1, [1, 3, 32, 64]]] as const) {
      const x = hashedImage(`pipeline_s${s}`, [...shape]);
      const outputs = await getMultiStageOutputs(run, x, config, { flip: true, sizeProjected: [64, 32] });
      expect(outputs.heatmaps.length).toBe(2);
      expect(outputs.tags.length).toBe(2); // stage 0 only (WITH_AE (True, False)), plain and flipped
      x.dispose();
      final = aggregateResults(config, s, 2, true, final, tagsList, outputs);
    }
    const heatmaps = tf.div(final!, 2);
    const tags = tf.concat(tagsList, 4);
    expect(tagsList.length).toBe(2); // scale 1 only
    const hm = compare(toOfficial(heatmaps), readNpy(bytes('pipeline_heatmaps.npy')).data);
    const tg = compare(toOfficial(tags), readNpy(bytes('pipeline_tags.npy')).data);
    expect(hm.maxAbsRef).toBeGreaterThan(1);
    expect(hm.relative).toBeLessThan(1e-5);
    expect(tg.relative).toBeLessThan(1e-5);
    tf.dispose([final!, heatmaps, tags, ...tagsList]);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });
});
