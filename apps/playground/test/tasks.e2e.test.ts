/**
 * Every other head end to end on the wasm backend, the browsers' CPU path (all four backends are covered by
 * the pose suite; the GPU ones run in slow software renderers here): bundled weights in each file format the
 * app reads, the page's output compared with the package's own high-level API run here in Node (wasm too,
 * to keep the suite quick on 2 cores) on the exact same pixels, the drawing checked in pixels, a screenshot
 * per task.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadCheckpoint, loadTfjsWeights, selectBackend } from '@hrnetjs/core';
import { createDetector, parseDetectionYaml } from '@hrnetjs/head-det';
import { createFaceAligner, parseFaceYaml } from '@hrnetjs/face-align';
import { loadYamlSupport } from '@hrnetjs/hrnet-backbone';
import { createSegmenter, parseSegmentationYaml } from '@hrnetjs/head-seg';
import { beforeAll, describe, expect, it } from 'vitest';
import { STYLE } from '../src/draw.js';
import type { ClassificationResult, DetectionResult, FaceResult, SegmentationResult } from '../src/tasks/types.js';
import detYaml from '../src/configs/det_fcos_small.yaml?raw';
import faceYaml from '../src/configs/face_small.yaml?raw';
import segYaml from '../src/configs/seg_small.yaml?raw';
import { act, runOnce, screenshot } from './browser.js';
import { changedPixels, canvasPixel, expectClean, expectColourAt, hexRgb, inputPixels, lastRun, useApp } from './harness.js';

const weights = (p: string) => fileURLToPath(new URL(`../public/weights/${p}`, import.meta.url));
const SIZE = 256; // network size for segmentation (long side) and detection (short side): quick on 2 cores
const app = useApp();

const BACKEND = 'wasm';

beforeAll(async () => {
  await selectBackend(BACKEND);
  // the Node references parse the small YAML configs themselves: the parser is loaded on demand
  await loadYamlSupport();
});

/** Opens the page on wasm for a task's small preset, loads its bundled weights and runs once. */
async function runTask(task: string, format: RegExp, architecture: string) {
  const t = await app.open(`?backend=${BACKEND}&task=${task}&preset=small&size=${SIZE}`);
  await act(t.page, () => t.page.click('#weights-bundled'));
  const info = (await t.page.textContent('#weights-info')) ?? '';
  expect(info).toMatch(format);
  expect(info).toContain(architecture);
  await runOnce(t.page);
  expect(await t.page.isHidden('#error'), (await t.page.textContent('#error')) ?? '').toBe(true);
  const first = await lastRun(t.page);
  // a second run leaves exactly as many tensors behind as the first: nothing leaks per run
  await runOnce(t.page);
  const run = await lastRun(t.page);
  expect(run.memory.numTensors).toBe(first.memory.numTensors);
  expect(run.backend).toBe(BACKEND);
  expect(run.model.random).toBe(false);
  expect(run.timings.network).toBeGreaterThan(0);
  return { t, run, pixels: await inputPixels(t.page) };
}

describe('segmentation small (safetensors) on wasm', () => {
  it('matches createSegmenter in Node and draws the mask with its legend', async () => {
    const { t, run, pixels } = await runTask('segmentation', /safetensors/, 'segmentation HRNetV2, width 8, 19 classes');
    const r = run.result as SegmentationResult;
    expect([r.width, r.height]).toEqual([pixels.width, pixels.height]);

    const sd = loadCheckpoint(readFileSync(weights('seg_small.safetensors')));
    const segmenter = await createSegmenter({ model: parseSegmentationYaml(segYaml), weights: sd, backend: BACKEND });
    const ref = await segmenter.segment({ ...pixels, channels: 4 }, { baseSize: SIZE });
    segmenter.dispose();
    let differ = 0;
    for (let i = 0; i < ref.labels.length; i++) if (ref.labels[i] !== run.labelData[i]) differ++;
    expect(differ / ref.labels.length).toBeLessThan(1e-4);

    // drawn: each pixel is the image blended with its class colour at the slider's opacity
    const opacity = Number(await t.page.inputValue('#opacity'));
    const src = pixels.data;
    for (const [x, y] of [[10, 10], [pixels.width >> 1, pixels.height >> 1], [pixels.width - 20, pixels.height - 30]] as const) {
      const c = r.palette[run.labelData[y * pixels.width + x]!]!;
      const i = (y * pixels.width + x) * 4;
      const want = [0, 1, 2].map((k) => src[i + k]! * (1 - opacity) + c[k]! * opacity);
      await expectColourAt(t.page, x, y, want, 3, 'mask');
    }
    const legend = await t.page.$$eval('#results .legend > div', (d) => d.length);
    expect(legend).toBe(r.coverage.filter((f) => f > 0).length);
    // the opacity slider redraws
    await t.page.fill('#opacity', '0');
    expect(await changedPixels(t.page)).toBe(0);
    await t.page.fill('#opacity', '0.55');
    await screenshot(t.page, 'segmentation-wasm');
    expectClean(t);
    await t.page.close();
  });
});

describe('detection small (.pth) on wasm', () => {
  it('matches createDetector in Node and draws boxes with labels', async () => {
    const { t, run, pixels } = await runTask('detection', /torch-zip/, 'detection HRNet-FCOS (HRFPN + FCOS head), width 8, 80 classes');
    const r = run.result as DetectionResult;

    const base = parseDetectionYaml(detYaml);
    const config = { ...base, input: { ...base.input, minSize: SIZE, maxSize: Math.round((SIZE * 1333) / 800) } };
    const detector = await createDetector({ model: config, weights: loadCheckpoint(readFileSync(weights('det_fcos_small.pth'))), backend: BACKEND });
    const threshold = Number(await t.page.inputValue('#score-threshold'));
    const ref = await detector.detect({ ...pixels, channels: 4 }, { scoreThreshold: threshold, maxDetections: 30 });
    detector.dispose();
    expect(r.boxes.length).toBe(ref.length);
    expect(r.boxes.length).toBeGreaterThan(0);
    for (const [i, b] of r.boxes.entries()) {
      const d = ref[i]!;
      expect(b.label).toBe(d.className);
      expect(Math.abs(b.score - d.score)).toBeLessThan(1e-4);
      expect(Math.max(...[b.x, b.y, b.width, b.height].map((v, k) => Math.abs(v - d.box[k]!)))).toBeLessThan(1e-3);
    }
    // drawn: the middle of the top edge of the last box drawn (on top of the others) is box-coloured
    const last = r.boxes.at(-1)!;
    const [x, y] = [last.x + last.width / 2, last.y];
    if (x >= 2 && y >= 2 && x < pixels.width - 2 && y < pixels.height - 2) await expectColourAt(t.page, x, y, hexRgb(STYLE.box), 2, 'box edge');
    expect(await changedPixels(t.page)).toBeGreaterThan(200);
    expect(await t.page.$$eval('#results tr', (rows) => rows.length)).toBe(r.boxes.length + 1);
    await screenshot(t.page, 'detection-wasm');
    expectClean(t);
    await t.page.close();
  });
});

describe('face small (tfjs model.json + shards) on wasm', () => {
  it('matches createFaceAligner in Node and draws the landmarks', async () => {
    const { t, run, pixels } = await runTask('face', /tfjs-model-json/, 'face landmark HRNetV2, width 8, 68 landmarks');
    const r = run.result as FaceResult;
    expect(r.landmarks).toHaveLength(68);
    // the weights panel names the folder and counts the shards' bytes too (4.2 MB, not model.json's 51 kB)
    expect(await t.page.textContent('#weights-info')).toMatch(/face_small\/model\.json \(tfjs-model-json, 4\.\d\d MB\)/);

    const dir = weights('face_small/');
    const modelJson = readFileSync(`${dir}model.json`, 'utf8');
    const paths = (JSON.parse(modelJson) as { weightsManifest: { paths: string[] }[] }).weightsManifest.flatMap((g) => g.paths);
    const sd = loadTfjsWeights(modelJson, paths.map((p) => readFileSync(`${dir}${p}`)));
    const aligner = await createFaceAligner({ model: parseFaceYaml(faceYaml), weights: sd, backend: BACKEND });
    const [ref] = await aligner.estimateLandmarks({ ...pixels, channels: 4 }, { faces: [{ box: [0, 0, pixels.width, pixels.height] }] });
    aligner.dispose();
    for (const [i, l] of r.landmarks.entries()) {
      const e = ref!.landmarks[i]!;
      expect(Math.abs(l.x - e.x), `landmark ${i} x`).toBeLessThan(1e-3);
      expect(Math.abs(l.y - e.y), `landmark ${i} y`).toBeLessThan(1e-3);
      expect(Math.abs(l.score - e.score)).toBeLessThan(1e-4 * Math.max(1, Math.abs(e.score)));
    }
    const inside = r.landmarks.filter((l) => l.x >= 4 && l.y >= 4 && l.x < pixels.width - 4 && l.y < pixels.height - 4);
    expect(inside.length).toBeGreaterThan(0);
    for (const l of inside.slice(0, 10)) await expectColourAt(t.page, l.x, l.y, hexRgb(STYLE.landmark), 2, 'landmark');
    await screenshot(t.page, 'face-wasm');
    expectClean(t);
    await t.page.close();
  });
});

describe('classification small (random initialisation) on wasm', () => {
  it('lists the top-k classes and labels the weights as random', async () => {
    const t = await app.open('?backend=cpu&task=classification&preset=small');
    const { page } = t;
    expect(await page.getAttribute('#model-info', 'data-random')).toBe('true');
    expect(await page.textContent('#model-info')).toContain('RANDOM INITIALISATION');
    expect(await page.isDisabled('#weights-bundled')).toBe(true);
    await page.fill('#topk', '3');
    await runOnce(page);
    const run = await lastRun(page);
    const top = (run.result as ClassificationResult).top;
    expect(top).toHaveLength(3);
    expect(top[0]!.probability).toBeGreaterThanOrEqual(top[2]!.probability);
    expect((await page.$$('#results .bar')).length).toBe(3);
    expect(await page.textContent('#status')).toContain('random initialisation');
    // classification draws nothing over the image
    expect(await changedPixels(page)).toBe(0);
    expect((await canvasPixel(page, 5, 5))[3]).toBe(255);
    await screenshot(page, 'classification-cpu');
    expectClean(t);
    await page.close();
  });
});
