/**
 * End-to-end on every backend: the BUILT app (served by global-setup with COOP/COEP from a sub-folder) in
 * Debian's chromium runs the small pose network with bundled weights on a sample photo. The page's numbers
 * are compared with the same pipeline and the package's `estimatePoses` run here in Node (cpu) on the exact
 * pixels the page used; the drawing is checked pixel by pixel; the console must stay clean.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { loadCheckpoint } from '@hrnetjs/core';
import { type Pose, createPoseEstimator } from '@hrnetjs/head-pose';
import { beforeAll, describe, expect, it } from 'vitest';
import { STYLE } from '../src/draw.js';
import type { Pixels } from '../src/protocol.js';
import { poseTask } from '../src/tasks/pose.js';
import type { PoseResult } from '../src/tasks/types.js';
import poseSmallYaml from '../src/configs/pose_small.yaml?raw';
import { act, runOnce, screenshot } from './browser.js';
import { TOLERANCE, changedPixels, expectClean, expectColourAt, hexRgb, inputPixels, lastRun, relDiff, useApp } from './harness.js';

const POSE_WEIGHTS = fileURLToPath(new URL('../public/weights/pose_small.pth', import.meta.url));
const app = useApp();

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Node reference, once per distinct input (every backend's page shows the same sample). */
const references = new Map<string, Promise<{ ref: PoseResult; official: Pose }>>();
function poseReference(pixels: Pixels): Promise<{ ref: PoseResult; official: Pose }> {
  const key = `${pixels.width}x${pixels.height}:${pixels.data.reduce((a, v, i) => (a * 31 + v * (i + 1)) % 2 ** 31, 0)}`;
  if (!references.has(key)) {
    references.set(
      key,
      (async () => {
        const sd = loadCheckpoint(readFileSync(POSE_WEIGHTS));
        const runner = await poseTask.create('small', sd, {});
        const ref = (await runner.run(pixels, {})).result as PoseResult;
        runner.dispose();
        const estimator = await createPoseEstimator({ model: poseSmallYaml, weights: sd });
        const [official] = await estimator.estimatePoses({ ...pixels, channels: 4 }, { boxes: [[0, 0, pixels.width, pixels.height]] });
        estimator.dispose();
        return { ref, official: official! };
      })(),
    );
  }
  return references.get(key)!;
}

describe('backends', () => {
  it('lists every backend with its state and reason, and says which one runs', async () => {
    const t = await app.open('?backend=cpu');
    const items = await t.page.$$eval('#backends li', (lis) =>
      lis.map((li) => ({ name: li.getAttribute('data-backend'), text: li.textContent ?? '', reason: li.querySelector('.reason')?.textContent ?? '' })),
    );
    expect(items.map((i) => i.name)).toEqual(['webgpu', 'webgl', 'wasm', 'cpu']);
    for (const i of items) {
      expect(i.text).toMatch(/available|unavailable/);
      expect(i.reason.length).toBeGreaterThan(0);
    }
    expect(items.find((i) => i.name === 'wasm')!.reason).toMatch(/build, (single-threaded|\d+ threads?)/);
    expect(await t.page.getAttribute('#active-backend', 'data-backend')).toBe('cpu');
    expect(await t.page.textContent('#isolation')).toContain('cross-origin isolated');
    expectClean(t);
    await t.page.close();
  });
});

describe.each(['cpu', 'wasm', 'webgl', 'webgpu'])('pose small on %s', (backend) => {
  it('matches the Node result, draws it, and keeps the console clean', async () => {
    const t = await app.open(`?backend=${backend}&task=pose&preset=small`);
    const { page } = t;
    expect(await page.getAttribute('#active-backend', 'data-backend')).toBe(backend);

    // cpu reads the file through the file picker, the others through the bundled URL
    if (backend === 'cpu') await act(page, () => page.setInputFiles('#weights-file', POSE_WEIGHTS));
    else await act(page, () => page.click('#weights-bundled'));
    const info = await page.textContent('#weights-info');
    expect(info).toContain('torch-zip');
    expect(info).toContain('pose HRNet, width 8, 17 joints (COCO)');
    expect(info).toContain('592 keys');
    expect(await page.getAttribute('#model-info', 'data-random')).toBe('false');

    // two runs in a row: the first carries the warm-up (shader compilation on webgl/webgpu), the second not
    await page.fill('#repeat', '2');
    await runOnce(page);
    expect(await page.isHidden('#error'), (await page.textContent('#error')) ?? '').toBe(true);
    const run = await lastRun(page);
    expect(run.allTimings).toHaveLength(2);
    expect(await page.textContent('#timings')).toContain('median of 1');
    expect(run.backend).toBe(backend);
    const pose = run.result as PoseResult;

    const pixels = await inputPixels(page);
    const { ref, official } = await poseReference(pixels);
    const tol = TOLERANCE[backend]!;
    const heatmapDiff = relDiff(run.heatmapData, ref.heatmaps.data);
    expect(heatmapDiff).toBeLessThan(tol);
    for (const [j, k] of pose.keypoints.entries()) {
      const r = official.keypoints[j]!;
      expect(k.name).toBe(r.name);
      expect(Math.abs(k.x - r.x), `${k.name} x`).toBeLessThan(1e-3);
      expect(Math.abs(k.y - r.y), `${k.name} y`).toBeLessThan(1e-3);
      expect(Math.abs(k.score - r.score) / Math.max(1, Math.abs(r.score)), `${k.name} score`).toBeLessThan(tol * 10);
    }

    // drawn: every visible keypoint inside the image carries the keypoint colour
    const inside = pose.keypoints.filter((k) => k.score >= STYLE.visibleScore && k.x >= 4 && k.y >= 4 && k.x < pixels.width - 4 && k.y < pixels.height - 4);
    expect(inside.length).toBeGreaterThan(3);
    for (const k of inside) await expectColourAt(page, k.x, k.y, hexRgb(STYLE.keypoint), 2, k.name);
    // the heatmap overlay (all joints) colours more of the picture than keypoints and limbs alone
    const withoutHeatmaps = await changedPixels(page);
    expect(withoutHeatmaps).toBeGreaterThan(500);
    await page.selectOption('#heatmap-joint', '-2');
    expect(await changedPixels(page)).toBeGreaterThan(withoutHeatmaps + 5000);
    // timings and memory are reported for this run
    expect(run.timings.network).toBeGreaterThan(0);
    expect(run.memory.numTensors).toBeGreaterThan(0);
    expect(await page.textContent('#timings')).toContain('network');

    await screenshot(page, `pose-${backend}`);
    const ms = (v: number) => `${v.toFixed(0)} ms`;
    const net = run.allTimings.map((x) => x.network);
    console.info(`pose small on ${backend}: heatmaps max rel diff ${heatmapDiff.toExponential(2)}; network first ${ms(net[0]!)}, then ${net.slice(1).map(ms).join(', ')}`);
    expectClean(t);
    await page.close();
  });
});
