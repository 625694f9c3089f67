/**
 * End-to-end: the BUILT app, served statically with COOP/COEP from a sub-folder, driven in Debian's
 * chromium. Each backend runs the small pose network with bundled weights on a sample photo; the page's
 * numbers are compared with the same pipeline run here in Node (cpu), the drawing is checked pixel by pixel,
 * and the console must stay clean.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { loadCheckpoint } from '@hrnetjs/core';
import { type Pose, createPoseEstimator } from '@hrnetjs/head-pose';
import type { Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STYLE } from '../src/draw.js';
import type { Pixels, RunOutput } from '../src/protocol.js';
import { poseTask } from '../src/tasks/pose.js';
import type { PoseResult } from '../src/tasks/types.js';
import poseSmallYaml from '../src/configs/pose_small.yaml?raw';
import { type Browser, type TrackedPage, act, launchBrowser, openPage, runOnce, screenshot } from './browser.js';
import { type StaticServer, serveStatic } from './server.js';

const APP = fileURLToPath(new URL('..', import.meta.url));
const DIST = fileURLToPath(new URL('../dist', import.meta.url));
const POSE_WEIGHTS = fileURLToPath(new URL('../public/weights/pose_small.pth', import.meta.url));

/** Largest difference allowed, relative to max|reference| (GPU backends in SwiftShader: float32, other op order). */
const TOLERANCE: Record<string, number> = { cpu: 1e-5, wasm: 1e-4, webgl: 1e-3, webgpu: 1e-3 };

let server: StaticServer;
let browser: Browser;

beforeAll(async () => {
  // the test always checks the current sources: build (a few seconds), then serve the output folder
  await build({ root: APP, logLevel: 'warn' });
  server = await serveStatic(DIST, '/some/folder/');
  browser = await launchBrowser();
  await tf.setBackend('cpu');
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function lastRun(page: Page): Promise<RunOutput & { heatmapData: number[] }> {
  return page.evaluate(() => {
    const run = (window as any).playground.state.lastRun;
    const hm = run.result.kind === 'pose' ? Array.from(run.result.heatmaps.data as Float32Array) : [];
    return { ...run, heatmapData: hm };
  });
}

async function inputPixels(page: Page): Promise<Pixels> {
  const p = await page.evaluate(() => (window as any).playground.inputPixels());
  return { width: p.width, height: p.height, data: Uint8ClampedArray.from(p.data) };
}

async function canvasPixel(page: Page, x: number, y: number): Promise<number[]> {
  return page.evaluate(
    ([px, py]) => Array.from(document.querySelector<HTMLCanvasElement>('#output')!.getContext('2d')!.getImageData(px!, py!, 1, 1).data),
    [Math.round(x), Math.round(y)],
  );
}

function hexRgb(hex: string): number[] {
  return [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
}

function relDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  let m = 0;
  for (let i = 0; i < b.length; i++) {
    d = Math.max(d, Math.abs(a[i]! - b[i]!));
    m = Math.max(m, Math.abs(b[i]!));
  }
  return d / (m || 1);
}

function expectClean(t: TrackedPage): void {
  expect(t.errors, t.errors.join('\n')).toEqual([]);
}

/**
 * Node reference (cpu), once per distinct input: the app's own pose pipeline and the package's
 * `estimatePoses`, on the exact pixels the page used (so JPEG decoding differences cannot enter).
 */
const references = new Map<string, Promise<{ ref: PoseResult; official: Pose }>>();
function poseReference(pixels: Pixels): Promise<{ ref: PoseResult; official: Pose }> {
  const key = `${pixels.width}x${pixels.height}:${pixels.data.reduce((a, v, i) => (a * 31 + v * (i + 1)) % 2 ** 31, 0)}`;
  if (!references.has(key)) {
    references.set(key, (async () => {
      const sd = loadCheckpoint(readFileSync(POSE_WEIGHTS));
      const runner = poseTask.create('small', sd);
      const ref = (await runner.run(pixels, {})).result as PoseResult;
      runner.dispose();
      const estimator = await createPoseEstimator({ model: poseSmallYaml, weights: sd });
      const [official] = await estimator.estimatePoses({ ...pixels, channels: 4 }, { boxes: [[0, 0, pixels.width, pixels.height]] });
      estimator.dispose();
      return { ref, official: official! };
    })());
  }
  return references.get(key)!;
}

describe('backends', () => {
  it('lists every backend with its state and reason, and says which one runs', async () => {
    const t = await openPage(browser, `${server.url}?backend=cpu`);
    const items = await t.page.$$eval('#backends li', (lis) =>
      lis.map((li) => ({ name: li.getAttribute('data-backend'), text: li.textContent ?? '', reason: li.querySelector('.reason')?.textContent ?? '' })),
    );
    expect(items.map((i) => i.name)).toEqual(['webgpu', 'webgl', 'wasm', 'cpu']);
    for (const i of items) {
      expect(i.text).toMatch(/available|unavailable/);
      expect(i.reason.length).toBeGreaterThan(0);
    }
    expect(await t.page.getAttribute('#active-backend', 'data-backend')).toBe('cpu');
    expect(await t.page.textContent('#isolation')).toContain('cross-origin isolated');
    expectClean(t);
    await t.page.close();
  });
});

describe.each(['cpu', 'wasm', 'webgl', 'webgpu'])('pose small on %s', (backend) => {
  it('matches the Node result, draws it, and keeps the console clean', async () => {
    const t = await openPage(browser, `${server.url}?backend=${backend}&task=pose&preset=small`);
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

    await runOnce(page);
    expect(await page.isHidden('#error'), (await page.textContent('#error')) ?? '').toBe(true);
    const run = await lastRun(page);
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
    const want = hexRgb(STYLE.keypoint);
    for (const k of inside) {
      const px = await canvasPixel(page, k.x, k.y);
      for (let c = 0; c < 3; c++) expect(Math.abs(px[c]! - want[c]!), `${k.name} pixel ${px}`).toBeLessThanOrEqual(2);
    }
    // timings and memory are reported for this run
    expect(run.timings.network).toBeGreaterThan(0);
    expect(run.memory.numTensors).toBeGreaterThan(0);
    expect(await page.textContent('#timings')).toContain('network');

    await screenshot(page, `pose-${backend}`);
    console.info(`pose small on ${backend}: heatmaps max rel diff ${heatmapDiff.toExponential(2)}; timings ${JSON.stringify(run.timings)}`);
    expectClean(t);
    await page.close();
  });
});

describe('classification small (random initialisation) on cpu', () => {
  it('lists the top-k classes and labels the weights as random', async () => {
    const t = await openPage(browser, `${server.url}?backend=cpu&task=classification&preset=small`);
    const { page } = t;
    expect(await page.getAttribute('#model-info', 'data-random')).toBe('true');
    expect(await page.textContent('#model-info')).toContain('RANDOM INITIALISATION');
    await page.fill('#topk', '3');
    await runOnce(page);
    const run = await lastRun(page);
    expect(run.result.kind).toBe('classification');
    const top = (run.result as { top: { probability: number; name: string }[] }).top;
    expect(top).toHaveLength(3);
    expect(top[0]!.probability).toBeGreaterThanOrEqual(top[2]!.probability);
    expect((await page.$$('#results .bar')).length).toBe(3);
    expect(await page.textContent('#status')).toContain('random initialisation');
    await screenshot(page, 'classification-cpu');
    expectClean(t);
    await page.close();
  });
});

describe('bad weights', () => {
  it('shows corrupt and mismatched files in the page and keeps working', async () => {
    const t = await openPage(browser, `${server.url}?backend=cpu&task=pose&preset=small`);
    const { page } = t;
    const errorText = async () => {
      expect(await page.isVisible('#error')).toBe(true);
      return (await page.textContent('#error')) ?? '';
    };

    // not a checkpoint at all
    await act(page, () => page.setInputFiles('#weights-file', { name: 'broken.pth', mimeType: 'application/octet-stream', buffer: Buffer.from('this is not a checkpoint') }));
    expect(await errorText()).toMatch(/^CheckpointError: unknown checkpoint format/);
    expect(await page.getAttribute('#weights-info', 'data-loaded')).toBe('false');

    // a zip cut in half
    const pth = readFileSync(POSE_WEIGHTS);
    await act(page, () => page.setInputFiles('#weights-file', { name: 'truncated.pth', mimeType: 'application/octet-stream', buffer: pth.subarray(0, pth.length >> 1) }));
    expect(await errorText()).toMatch(/^CheckpointError: /);

    // a tfjs model.json without its shard
    const modelJson = JSON.stringify({ format: 'graph-model', weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: [{ name: 'conv1.weight', shape: [64, 3, 3, 3], dtype: 'float32' }] }] });
    await act(page, () => page.setInputFiles('#weights-file', { name: 'model.json', mimeType: 'application/json', buffer: Buffer.from(modelJson) }));
    expect(await errorText()).toContain('group1-shard1of1.bin');

    // pose weights for a classification network: recognised, and the mismatch said in words
    await act(page, () => page.selectOption('#task', 'classification'));
    await act(page, () => page.setInputFiles('#weights-file', POSE_WEIGHTS));
    expect(await errorText()).toContain('These weights are for pose');
    expect(await page.textContent('#weights-info')).toContain('pose HRNet, width 8');
    // running anyway gives the strict loader's key report
    await runOnce(page);
    expect(await errorText()).toMatch(/^StateDictError: .*(missing|unexpected)/s);

    // back to pose with the same weights: it runs
    await act(page, () => page.selectOption('#task', 'pose'));
    await runOnce(page);
    expect(await page.isHidden('#error')).toBe(true);
    expect((await lastRun(page)).result.kind).toBe('pose');

    // a missing URL
    await page.fill('#weights-url', 'weights/does-not-exist.pth');
    await act(page, () => page.click('#weights-url-load'));
    expect(await errorText()).toMatch(/HTTP 404/);
    // and random initialisation still works after all that
    await act(page, () => page.click('#weights-clear'));
    await runOnce(page);
    expect(await page.isHidden('#error')).toBe(true);
    expect(await page.getAttribute('#model-info', 'data-random')).toBe('true');
    await screenshot(page, 'bad-weights-recovered');
    // a failed fetch is reported by the browser itself as a console error; nothing else may be
    expect(t.errors.filter((e) => !/404 \(Not Found\)/.test(e))).toEqual([]);
    await page.close();
  });
});
