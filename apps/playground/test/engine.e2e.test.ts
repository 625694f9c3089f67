/**
 * The engine picker end to end, in the built app in headless chromium (the page is cross-origin isolated).
 * - pose: the small network with its bundled weights on onnxruntime-web wasm gives the heatmaps Node's tfjs cpu
 *   gives on the same pixels, and the page says which engine ran, with its threads;
 * - every other task (segmentation, detection, face, classification): its factory's engine (`runNetwork`) on
 *   onnxruntime-web wasm gives the labels / boxes / landmarks / classes tfjs wasm gives in the same page, on the
 *   same pixels and the same weights (the golden small networks; classification's are written here), and a
 *   second onnxruntime run leaks no tensor;
 * - a browser without WebGPU: the WebGPU execution provider alone is an EngineError shown in the page, and
 *   'webgpu, else wasm' runs on wasm and says so;
 * - bad input: an unknown engine in the address, and onnxruntime-web's code missing from the server, are
 *   EngineErrors shown in the page, and the app keeps working.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { loadCheckpoint, saveSafetensors } from '@hrnetjs/core';
import { createClassificationModel, loadYamlSupport } from '@hrnetjs/hrnet-backbone';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import clsSmallYaml from '../src/configs/cls_small.yaml?raw';
import type { RunOutput } from '../src/protocol.js';
import { poseTask } from '../src/tasks/pose.js';
import type { ClassificationResult, DetectionResult, FaceResult, PoseResult, SegmentationResult, TaskId } from '../src/tasks/types.js';
import { CHROMIUM_ARGS, type TrackedPage, act, runOnce } from './browser.js';
import { expectClean, inputPixels, lastRun, relDiff, useApp } from './harness.js';

const POSE_WEIGHTS = fileURLToPath(new URL('../public/weights/pose_small.pth', import.meta.url));

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** The engine as the page says it: onnxruntime-web, the provider, and every core of the machine as threads. */
async function expectOrtWasm(page: Page, run: RunOutput, suffix = ''): Promise<void> {
  const cores = await page.evaluate(() => navigator.hardwareConcurrency);
  const want = `onnxruntime-web wasm, ${cores} thread${cores === 1 ? '' : 's'}${suffix}`;
  expect(run.model.engine).toBe(want);
  expect(await page.getAttribute('#active-engine', 'data-engine')).toBe('onnxruntime');
  expect(await page.textContent('#active-engine')).toBe(`engine: ${want}`);
  expect(await page.textContent('#model-info')).toContain(`engine: ${want}`);
  expect(await page.textContent('#status')).toContain(`on ${want}`);
}

async function expectNoError(page: Page): Promise<void> {
  expect(await page.isHidden('#error'), (await page.textContent('#error')) ?? '').toBe(true);
}

async function errorText(page: Page): Promise<string> {
  expect(await page.isVisible('#error')).toBe(true);
  return (await page.textContent('#error')) ?? '';
}

describe('engine picker', () => {
  const app = useApp();

  it('pose on onnxruntime: a result appears, the page shows which engine ran, and it equals tfjs in Node', async () => {
    const t = await app.open('?backend=wasm&task=pose&preset=small');
    const { page } = t;
    // the picker, next to the backends; tfjs by default, the execution provider only for onnxruntime
    expect(await page.inputValue('#engine')).toBe('tfjs');
    expect(await page.getAttribute('#active-engine', 'data-engine')).toBe('tfjs');
    expect(await page.isDisabled('#ort-ep')).toBe(true);
    await act(page, () => page.selectOption('#engine', 'onnxruntime'));
    expect(await page.isDisabled('#ort-ep')).toBe(false);
    await act(page, () => page.click('#weights-bundled'));
    await runOnce(page);
    await expectNoError(page);

    const run = await lastRun(page);
    await expectOrtWasm(page, run);
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
    expect(await page.isDisabled('#ort-ep')).toBe(true);
    expectClean(t);
    await page.close();
  });

  describe('every other task: onnxruntime-web wasm equals tfjs wasm on the same pixels and weights', () => {
    // one page for the four tasks (each page start probes every backend); network size 320 keeps them quick
    let t: TrackedPage;
    beforeAll(async () => {
      t = await app.open('?backend=wasm&task=segmentation&preset=small&size=320');
    });
    afterAll(async () => {
      await t?.page.close();
    });

    /** Runs the task on tfjs, then on onnxruntime (same weights, same image); returns both runs. */
    type Run = Awaited<ReturnType<typeof lastRun>>;
    async function bothEngines(task: TaskId, loadWeights: (page: Page) => Promise<void>): Promise<[Run, Run]> {
      const { page } = t;
      await act(page, () => page.selectOption('#engine', 'tfjs'));
      if ((await page.inputValue('#task')) !== task) await act(page, () => page.selectOption('#task', task));
      expect(await page.isDisabled('#engine option[value=onnxruntime]')).toBe(false);
      await act(page, () => loadWeights(page));
      expect(await page.getAttribute('#weights-info', 'data-loaded')).toBe('true');
      await runOnce(page);
      await expectNoError(page);
      const tfjs = await lastRun(page);
      expect(tfjs.model.engine).toBe('tfjs wasm');
      expect(tfjs.model.random).toBe(false);
      await act(page, () => page.selectOption('#engine', 'onnxruntime'));
      await runOnce(page);
      await expectNoError(page);
      const ort = await lastRun(page);
      await expectOrtWasm(page, ort);
      expect(ort.model.weights).toBe(tfjs.model.weights);
      // a second run on the cached session leaves exactly as many tfjs tensors as the first: nothing leaks per run
      await runOnce(page);
      expect((await lastRun(page)).memory.numTensors).toBe(ort.memory.numTensors);
      expect(ort.result.kind).toBe(task === 'face' ? 'face' : task);
      return [tfjs, ort];
    }
    const bundled = (page: Page) => page.click('#weights-bundled');

    it('segmentation: the same label at (almost) every pixel and the same class coverage', async () => {
      const [a, b] = await bothEngines('segmentation', bundled);
      const ra = a.result as SegmentationResult;
      const rb = b.result as SegmentationResult;
      expect([rb.width, rb.height]).toEqual([ra.width, ra.height]);
      const la = a.labelData;
      const lb = b.labelData;
      expect(lb.length).toBe(ra.width * ra.height);
      let differ = 0;
      for (let i = 0; i < la.length; i++) if (la[i] !== lb[i]) differ++;
      // float32 in another order flips a pixel where two classes tie; a wrong network flips most of them
      expect(differ / la.length).toBeLessThan(1e-3);
      // the random small network still uses several classes, so the comparison can tell them apart
      expect(ra.coverage.filter((c) => c > 0.01).length).toBeGreaterThan(1);
      for (const [i, c] of ra.coverage.entries()) expect(Math.abs(rb.coverage[i]! - c), ra.classes[i]).toBeLessThan(1e-3);
    });

    it('detection: the same boxes, classes and scores', async () => {
      const [a, b] = await bothEngines('detection', bundled);
      const da = (a.result as DetectionResult).boxes;
      const db = (b.result as DetectionResult).boxes;
      expect(da.length).toBeGreaterThan(0);
      expect(db.map((d) => d.label)).toEqual(da.map((d) => d.label));
      for (const [i, d] of da.entries()) {
        const e = db[i]!;
        expect(Math.abs(e.score - d.score), `box ${i} score`).toBeLessThan(1e-4);
        for (const k of ['x', 'y', 'width', 'height'] as const) expect(Math.abs(e[k] - d[k]), `box ${i} ${k}`).toBeLessThan(0.05);
      }
    });

    it('face: the same 68 landmarks', async () => {
      const [a, b] = await bothEngines('face', bundled);
      const la = (a.result as FaceResult).landmarks;
      const lb = (b.result as FaceResult).landmarks;
      expect(la).toHaveLength(68);
      expect(lb).toHaveLength(68);
      for (const [i, l] of la.entries()) {
        expect(Math.abs(lb[i]!.x - l.x), `landmark ${i} x`).toBeLessThan(1e-2);
        expect(Math.abs(lb[i]!.y - l.y), `landmark ${i} y`).toBeLessThan(1e-2);
        expect(Math.abs(lb[i]!.score - l.score), `landmark ${i} score`).toBeLessThan(1e-4);
      }
    });

    it('classification: the same top-5 classes and probabilities', async () => {
      // no bundled weights for cls_small: the network's own random initialisation, written once as a file
      await loadYamlSupport();
      const model = createClassificationModel(clsSmallYaml);
      const bytes = saveSafetensors(model.stateDict());
      model.dispose();
      const [a, b] = await bothEngines('classification', (page) =>
        page.setInputFiles('#weights-file', { name: 'cls_small.safetensors', mimeType: 'application/octet-stream', buffer: Buffer.from(bytes) }),
      );
      const ta = (a.result as ClassificationResult).top;
      const tb = (b.result as ClassificationResult).top;
      expect(ta).toHaveLength(5);
      expect(tb.map((c) => c.index)).toEqual(ta.map((c) => c.index));
      for (const [i, c] of ta.entries()) expect(Math.abs(tb[i]!.probability - c.probability), `class ${c.index}`).toBeLessThan(1e-4);
      // the probabilities are not all the same (a comparison of ties would prove nothing)
      expect(ta[0]!.probability).toBeGreaterThan(ta[4]!.probability);
      expectClean(t);
    });
  });

  it('bad input: an unknown engine in the address and onnxruntime-web missing are EngineErrors in the page; the app keeps working', async () => {
    // the address names an engine there is none of: the factory's own EngineError, the picker stays on tfjs
    const t = await app.open('?backend=wasm&task=face&preset=small&engine=onnxruntim');
    const { page } = t;
    expect(await errorText(page)).toBe(`EngineError: engine: expected one of 'tfjs', 'onnxruntime', found "onnxruntim"`);
    expect(await page.inputValue('#engine')).toBe('tfjs');
    await act(page, () => page.selectOption('#engine', 'onnxruntime'));
    await expectNoError(page);
    await runOnce(page);
    await expectNoError(page);
    expect((await lastRun(page)).result.kind).toBe('face');
    expectClean(t);
    await page.close();

    // onnxruntime-web's code (the chunk core's engine imports on demand) cannot be loaded, as if not installed
    const blocked: string[] = [];
    const m = await app.open('?backend=wasm&task=classification&preset=small', (p) =>
      p.route(/\/assets\/ort\.min-[\w-]+\.js$/, (route) => {
        blocked.push(route.request().url());
        return route.abort();
      }),
    );
    await act(m.page, () => m.page.selectOption('#engine', 'onnxruntime'));
    expect(blocked).toHaveLength(1);
    expect(await errorText(m.page)).toMatch(/^EngineError: engine 'onnxruntime' needs the package onnxruntime-web \(an optional peer dependency\): install it/);
    expect(await m.page.getAttribute('#model-info', 'data-random')).toBe('');
    // tfjs still builds and runs
    await act(m.page, () => m.page.selectOption('#engine', 'tfjs'));
    await expectNoError(m.page);
    await runOnce(m.page);
    await expectNoError(m.page);
    const run = await lastRun(m.page);
    expect(run.model.engine).toBe('tfjs wasm');
    expect((run.result as ClassificationResult).top).toHaveLength(5);
    // the browser logs the blocked request itself (and the failed import); nothing else may be logged
    expect(m.errors.filter((e) => !/ERR_FAILED|Failed to fetch dynamically imported module|ort\.min-/.test(e))).toEqual([]);
    await m.page.close();
  });
});

describe('a browser without WebGPU', () => {
  // SwiftShader's WebGPU needs --enable-unsafe-webgpu: without it navigator.gpu has no adapter
  const app = useApp(CHROMIUM_ARGS.filter((a) => a !== '--enable-unsafe-webgpu'));

  it("the 'webgpu' provider alone is an EngineError in the page; 'webgpu, else wasm' runs on wasm and says why", async () => {
    const t = await app.open('?backend=wasm&task=pose&preset=small&engine=onnxruntime&ep=webgpu');
    const { page } = t;
    expect(await page.getAttribute('#backends li[data-backend=webgpu]', 'class')).toBe('unavailable');
    expect(await errorText(page)).toBe(
      "EngineError: engineOptions.executionProviders: 'webgpu' needs a browser with WebGPU, and this one has none (navigator.gpu.requestAdapter() found no adapter); ask for ['webgpu', 'wasm'] to fall back to wasm, or ['wasm']",
    );
    await act(page, () => page.click('#weights-bundled'));
    await act(page, () => page.selectOption('#ort-ep', 'webgpu,wasm'));
    await runOnce(page);
    await expectNoError(page);
    const ort = await lastRun(page);
    await expectOrtWasm(page, ort, ' (webgpu unavailable: navigator.gpu.requestAdapter() found no adapter)');
    // and it is the right answer: tfjs wasm in the same page
    await act(page, () => page.selectOption('#engine', 'tfjs'));
    await runOnce(page);
    const tfjs = await lastRun(page);
    expect(tfjs.model.engine).toBe('tfjs wasm');
    expect(relDiff(ort.heatmapData, tfjs.heatmapData)).toBeLessThan(1e-4);
    expectClean(t);
    await page.close();
  });
});
