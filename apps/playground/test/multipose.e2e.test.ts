/**
 * The bottom-up (HigherHRNet) task end to end on wasm: the small official-architecture network with hashed
 * weights uploaded as safetensors, every person the page finds compared with `createMultiPoseEstimator` run here
 * in Node on the same pixels, and the joints drawn.
 */
import { saveSafetensors, selectBackend } from '@hrnetjs/core';
import { hashedStateDict } from '@hrnetjs/core/testing';
import { createBottomUpPoseModel, createMultiPoseEstimator } from '@hrnetjs/head-pose';
import { beforeAll, describe, expect, it } from 'vitest';
import { STYLE } from '../src/draw.js';
import type { MultiPoseResult } from '../src/tasks/types.js';
import higherSmallYaml from '../src/configs/higherhrnet_small.yaml?raw';
import { act, runOnce, screenshot } from './browser.js';
import { expectClean, expectColourAt, hexRgb, inputPixels, lastRun, useApp } from './harness.js';

const app = useApp();
const BACKEND = 'wasm';

function weights() {
  const m = createBottomUpPoseModel(higherSmallYaml);
  const shapes = [...m.stateDict()].map(([k, t]) => [k, t.shape] as [string, number[]]);
  m.dispose();
  return hashedStateDict(shapes);
}

beforeAll(async () => {
  await selectBackend(BACKEND);
});

describe('bottom-up pose small on wasm', () => {
  it('finds the people createMultiPoseEstimator finds in Node and draws their joints', async () => {
    const t = await app.open(`?backend=${BACKEND}&task=multipose&preset=small`);
    const buffer = Buffer.from(saveSafetensors(weights()));
    await act(t.page, () => t.page.setInputFiles('#weights-file', { name: 'higherhrnet_small.safetensors', mimeType: 'application/octet-stream', buffer }));
    expect(await t.page.textContent('#weights-info')).toContain('bottom-up pose HigherHRNet, width 8, 17 joints');
    await runOnce(t.page);
    expect(await t.page.isHidden('#error'), (await t.page.textContent('#error')) ?? '').toBe(true);
    const first = await lastRun(t.page);
    await runOnce(t.page);
    const run = await lastRun(t.page);
    expect(run.memory.numTensors).toBe(first.memory.numTensors);
    expect(run.model.random).toBe(false);
    const r = run.result as MultiPoseResult;
    const pixels = await inputPixels(t.page);
    const est = await createMultiPoseEstimator({ model: higherSmallYaml, weights: weights(), backend: BACKEND });
    const ref = await est.estimatePoses({ ...pixels, channels: 4 });
    est.dispose();
    expect(ref.length).toBeGreaterThan(0);
    expect(r.people).toHaveLength(ref.length);
    r.people.forEach((p, i) => {
      expect(Math.abs(p.score - ref[i]!.score)).toBeLessThan(1e-4 * Math.max(1, Math.abs(ref[i]!.score)));
      p.keypoints.forEach((k, j) => {
        expect(Math.abs(k.x - ref[i]!.keypoints[j]!.x), `person ${i} joint ${j} x`).toBeLessThan(1e-3);
        expect(Math.abs(k.y - ref[i]!.keypoints[j]!.y), `person ${i} joint ${j} y`).toBeLessThan(1e-3);
      });
    });
    const seen = r.people.flatMap((p) => p.keypoints).filter((k) => k.score >= STYLE.visibleScore && k.x >= 4 && k.y >= 4 && k.x < pixels.width - 4 && k.y < pixels.height - 4);
    for (const k of seen.slice(-5)) await expectColourAt(t.page, k.x, k.y, hexRgb(STYLE.keypoint), 2, 'joint');
    await screenshot(t.page, 'multipose-wasm');
    expectClean(t);
    await t.page.close();
  });
});
