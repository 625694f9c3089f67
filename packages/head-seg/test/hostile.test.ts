import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '@hrnetjs/core';
import { useBackend } from '@hrnetjs/core/testing';
import { type Segmenter, createSegmenter } from '../src/index.js';

/**
 * Issue 15 finding 3 for seg: `scales: [100]` on a 64x64 image ran wasm out of memory, which aborts its module
 * (every later call failed). The working size (scales × image, the network pass) is checked first now.
 */
const fixture = (p: string) => fileURLToPath(new URL(`./fixtures/${p}`, import.meta.url));
const yaml = readFileSync(fixture('seg_small/config.yaml'), 'utf8');
const weights = readFileSync(fixture('seg_small/weights.pth'));
const image = { data: new Uint8Array(64 * 64 * 3).map((_, i) => (i * 53) % 256), width: 64, height: 64, channels: 3 };

describe('seg: working size (wasm, the backend that cannot recover)', () => {
  let segmenter: Segmenter;
  beforeAll(async () => {
    await useBackend('wasm');
    segmenter = await createSegmenter({ model: yaml, weights, backend: 'wasm' });
  });
  afterAll(() => segmenter.dispose());

  it('scales [100] on a 64x64 image is refused before allocating, and the segmenter keeps working', async () => {
    expect(segmenter.limits.maxWorkingBytes).toBe(2 ** 31);
    const before = tf.memory().numTensors;
    const e = (await segmenter.segment(image, { scales: [100] }).catch((x: unknown) => x)) as Error;
    expect(e).toBeInstanceOf(InputError);
    expect(e.message).toMatch(/segment: this call would need about [\d.]+ GiB of working memory \(scale 100: image \d+ MiB, scores [\d.]+ GiB, a network pass [\d.]+ GiB/);
    expect(e.message).toMatch(/cropSize \(sliding windows\)/);
    expect(tf.memory().numTensors).toBe(before);
    const r = await segmenter.segment(image);
    expect(r.labels).toHaveLength(64 * 64);
  });

  it('with a sliding window only the window runs the network, but a huge scale is still refused for its scores', async () => {
    // 6400x6400 scores still cost 19 classes × 12 bytes a pixel: over 2 GiB, refused naming the scores
    await expect(segmenter.segment(image, { scales: [100], cropSize: 64 })).rejects.toThrow(/scores/);
    const r = await segmenter.segment(image, { scales: [2], cropSize: 64 });
    expect(r.width).toBe(64);
  });

  it('a 20000x20000 image is refused by its size; bad scales are InputErrors', async () => {
    await expect(segmenter.segment({ width: 20000, height: 20000, getContext: () => null } as never)).rejects.toThrow(/more than maxImagePixels/);
    await expect(segmenter.segment(image, { scales: [] })).rejects.toThrow(InputError);
    await expect(segmenter.segment(image, { scales: [Number.NaN] })).rejects.toThrow(InputError);
  });
});
