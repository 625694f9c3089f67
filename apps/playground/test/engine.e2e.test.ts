/**
 * The engine picker end to end: the built app in chromium runs the small pose network with its bundled weights
 * on onnxruntime-web (wasm, the page is cross-origin isolated), says so in the header and the model panel, and
 * gives the heatmaps Node's tfjs cpu gives on the same pixels; switching back to tfjs says tfjs. Tasks whose
 * playground stages call the network directly offer tfjs only.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { loadCheckpoint } from '@hrnetjs/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { poseTask } from '../src/tasks/pose.js';
import type { PoseResult } from '../src/tasks/types.js';
import { act, runOnce } from './browser.js';
import { expectClean, inputPixels, lastRun, relDiff, useApp } from './harness.js';

const POSE_WEIGHTS = fileURLToPath(new URL('../public/weights/pose_small.pth', import.meta.url));
const app = useApp();

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('engine picker', () => {
  it('pose on onnxruntime: a result appears, the page shows which engine ran, and it equals tfjs in Node', async () => {
    const t = await app.open('?backend=wasm&task=pose&preset=small');
    const { page } = t;
    // the picker, next to the backends; tfjs by default
    expect(await page.inputValue('#engine')).toBe('tfjs');
    expect(await page.getAttribute('#active-engine', 'data-engine')).toBe('tfjs');
    await act(page, () => page.selectOption('#engine', 'onnxruntime'));
    await act(page, () => page.click('#weights-bundled'));
    await runOnce(page);
    expect(await page.isHidden('#error'), (await page.textContent('#error')) ?? '').toBe(true);

    const run = await lastRun(page);
    expect(run.model.engine).toBe('onnxruntime-web wasm');
    expect(await page.getAttribute('#active-engine', 'data-engine')).toBe('onnxruntime');
    expect(await page.textContent('#active-engine')).toBe('engine: onnxruntime-web wasm');
    expect(await page.textContent('#model-info')).toContain('engine: onnxruntime-web wasm');
    expect(await page.textContent('#status')).toContain('on onnxruntime-web wasm');
    const pose = run.result as PoseResult;
    expect(pose.keypoints).toHaveLength(17);
    expect(run.timings.network).toBeGreaterThan(0);

    // the same pipeline in Node on tfjs cpu, on the exact pixels the page used
    const runner = await poseTask.create('small', loadCheckpoint(readFileSync(POSE_WEIGHTS)), {});
    const ref = (await runner.run(await inputPixels(page), {})).result as PoseResult;
    runner.dispose();
    expect(relDiff(run.heatmapData, ref.heatmaps.data)).toBeLessThan(1e-4);
    for (const [j, k] of pose.keypoints.entries()) {
      expect(Math.abs(k.x - ref.keypoints[j]!.x), `${k.name} x`).toBeLessThan(1e-2);
      expect(Math.abs(k.y - ref.keypoints[j]!.y), `${k.name} y`).toBeLessThan(1e-2);
    }

    // back to tfjs: the page says so
    await act(page, () => page.selectOption('#engine', 'tfjs'));
    await runOnce(page);
    expect((await lastRun(page)).model.engine).toBe('tfjs wasm');
    expect(await page.getAttribute('#active-engine', 'data-engine')).toBe('tfjs');
    expectClean(t);
    await page.close();
  });

  it('a task that runs on tfjs only has onnxruntime disabled and keeps tfjs', async () => {
    const t = await app.open('?backend=cpu&task=detection&engine=onnxruntime');
    const { page } = t;
    expect(await page.inputValue('#engine')).toBe('tfjs');
    expect(await page.$eval('#engine option[value=onnxruntime]', (o) => (o as HTMLOptionElement).disabled)).toBe(true);
    expect(await page.textContent('#engine-note')).toContain('tfjs only');
    expect(await page.textContent('#active-engine')).toBe('engine: tfjs cpu');
    expectClean(t);
    await page.close();
  });
});
