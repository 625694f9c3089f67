/**
 * Lite-HRNet in the playground: the bundled small Lite-HRNet (head-pose's golden fixture as tfjs shards) gives
 * the Node API's numbers on the exact pixels the page used, on wasm, webgl and webgpu (both in SwiftShader here:
 * float32 with another op order, hence their looser tolerance; where this Chromium has no WebGPU adapter the page
 * must say so and why); an official-size preset builds with random weights; webcam live mode (chromium's
 * synthetic camera) shows frames per second and leaks no tensor.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { loadTfjsWeights } from '@hrnetjs/core';
import { createPoseEstimator, parseLitePoseModelDict } from '@hrnetjs/head-pose';
import { beforeAll, describe, expect, it } from 'vitest';
import liteSmall from '../src/configs/litehrnet_small.json';
import { poseTask } from '../src/tasks/pose.js';
import type { PoseResult } from '../src/tasks/types.js';
import { act, runOnce, screenshot } from './browser.js';
import { TOLERANCE, expectClean, inputPixels, lastRun, relDiff, useApp } from './harness.js';

const weightsFile = (p: string) => readFileSync(fileURLToPath(new URL(`../public/weights/litehrnet_small/${p}`, import.meta.url)));
const app = useApp();

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe.each(['wasm', 'webgl', 'webgpu'])('Lite-HRNet small on %s', (backend) => {
  it('the bundled small Lite-HRNet equals the Node API on the same pixels', async () => {
    const t = await app.open(`?backend=${backend}&task=pose&preset=litehrnet_small`);
    const { page } = t;
    const listed = await page.$eval(`#backends li[data-backend="${backend}"]`, (li) => ({ ok: li.className === 'available', reason: li.querySelector('.reason')?.textContent ?? '' }));
    if (backend === 'webgpu' && !listed.ok) {
      // tf.setBackend('webgpu') returned false (no adapter in this Chromium): the page says so, with the reason,
      // and runs on another backend instead of failing
      expect(listed.reason.length, 'webgpu unavailable without a reason').toBeGreaterThan(0);
      expect(await page.getAttribute('#active-backend', 'data-backend')).not.toBe('webgpu');
      console.info(`Lite-HRNet small on webgpu: unavailable here: ${listed.reason}`);
      expectClean(t);
      await page.close();
      return;
    }
    expect(listed.ok, `${backend}: ${listed.reason}`).toBe(true);
    expect(await page.getAttribute('#active-backend', 'data-backend')).toBe(backend);
    await act(page, () => page.click('#weights-bundled'));
    const info = await page.textContent('#weights-info');
    expect(info).toContain('tfjs-model-json');
    expect(info).toContain('pose Lite-HRNet, width 16, 17 joints (COCO)');
    expect(await page.getAttribute('#model-info', 'data-random')).toBe('false');
    await runOnce(page);
    expect(await page.isHidden('#error'), (await page.textContent('#error')) ?? '').toBe(true);
    const run = await lastRun(page);
    expect(run.backend).toBe(backend);
    const pose = run.result as PoseResult;

    // Node: the same weights files, the package's own estimatePoses on the page's pixels (cpu)
    const json = weightsFile('model.json').toString('utf8');
    const paths = (JSON.parse(json) as { weightsManifest: { paths: string[] }[] }).weightsManifest.flatMap((g) => g.paths);
    const sd = loadTfjsWeights(json, paths.map(weightsFile));
    const pixels = await inputPixels(page);
    const runner = await poseTask.create('litehrnet_small', sd, {});
    const ref = (await runner.run(pixels, {})).result as PoseResult;
    runner.dispose();
    const model = parseLitePoseModelDict(liteSmall.model, { imageSize: liteSmall.imageSize as [number, number] });
    const estimator = await createPoseEstimator({ model, weights: sd });
    expect(estimator.keyMapping).toBe('mmpose-pose');
    const [official] = await estimator.estimatePoses({ ...pixels, channels: 4 }, { boxes: [[0, 0, pixels.width, pixels.height]] });
    estimator.dispose();

    const tol = TOLERANCE[backend]!;
    const heatmapDiff = relDiff(run.heatmapData, ref.heatmaps.data);
    expect(heatmapDiff).toBeLessThan(tol);
    expect(pose.keypoints).toHaveLength(17);
    for (const [j, k] of pose.keypoints.entries()) {
      const r = official!.keypoints[j]!;
      expect(k.name).toBe(r.name);
      expect(Math.abs(k.x - r.x), `${k.name} x`).toBeLessThan(1e-3);
      expect(Math.abs(k.y - r.y), `${k.name} y`).toBeLessThan(1e-3);
      expect(Math.abs(k.score - r.score) / Math.max(1, Math.abs(r.score)), `${k.name} score`).toBeLessThan(tol * 10);
    }
    console.info(`Lite-HRNet small on ${backend}: heatmaps max rel diff ${heatmapDiff.toExponential(2)}`);
    expectClean(t);
    await page.close();
  });
});

describe('Lite-HRNet webcam on wasm', () => {

  it('webcam live mode on litehrnet_18_coco_256x192 (random weights) shows a rising frame count and fps, and leaks no tensor', async () => {
    const t = await app.open('?backend=wasm&task=pose&preset=litehrnet_18_coco_256x192');
    const { page } = t;
    expect(await page.textContent('#model-info')).toContain('input: 192x256');
    expect(await page.getAttribute('#model-info', 'data-random')).toBe('true');
    await act(page, () => page.click('#webcam'));
    expect(await page.textContent('#webcam')).toBe('Stop webcam');

    await page.check('#live');
    const frames = () => page.evaluate(() => Number(document.querySelector<HTMLElement>('#fps')!.dataset.frames ?? '0'));
    await page.waitForFunction(() => Number(document.querySelector<HTMLElement>('#fps')!.dataset.frames ?? '0') >= 2, undefined, { timeout: 120_000 });
    const first = await frames();
    const fpsText = (await page.textContent('#fps'))!;
    expect(fpsText).toMatch(/^\d+\.\d fps \(\d+ frames\)$/);
    expect(Number(await page.getAttribute('#fps', 'data-fps'))).toBeGreaterThan(0);
    // the figure updates: more frames run and are counted while the box stays ticked
    await page.waitForFunction((n) => Number(document.querySelector<HTMLElement>('#fps')!.dataset.frames) >= n + 2, first, { timeout: 120_000 });
    expect(await page.textContent('#fps')).not.toBe(fpsText);
    expect(Number(await page.getAttribute('#fps', 'data-fps'))).toBeGreaterThan(0);

    await page.uncheck('#live');
    await page.waitForFunction(() => document.body.dataset.live === 'off');
    expect(await page.textContent('#fps')).toMatch(/^stopped: \d+\.\d fps/);
    type Live = { frames: number; tensors: number[] };
    const live = await page.evaluate(() => (window as unknown as { playground: { state: { live: Live } } }).playground.state.live);
    expect(live.frames).toBeGreaterThanOrEqual(4);
    // tf.memory() in the worker after every frame: the same count each time (only the network's weights stay)
    expect(new Set(live.tensors).size, `tensors per frame ${live.tensors}`).toBe(1);
    expect(live.tensors[0]).toBeGreaterThan(0);
    // and a still run afterwards leaves the same count
    await runOnce(page);
    expect((await lastRun(page)).memory.numTensors).toBe(live.tensors[0]);
    await screenshot(page, 'webcam-live-litehrnet-wasm');
    await act(page, () => page.click('#webcam'));
    expectClean(t);
    await page.close();
  });
});
