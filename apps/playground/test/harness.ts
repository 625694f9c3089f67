import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, inject } from 'vitest';
import type { Pixels, RunOutput } from '../src/protocol.js';
import { type Browser, type TrackedPage, launchBrowser, openPage } from './browser.js';

/** One browser per test file (launched with `args`, default CHROMIUM_ARGS), on the app that global-setup built and serves. */
export function useApp(args?: readonly string[]): { open(query: string, setup?: (page: Page) => Promise<unknown>): Promise<TrackedPage> } {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchBrowser(args);
  });
  afterAll(async () => {
    await browser?.close();
  });
  return { open: (query, setup) => openPage(browser, `${inject('appUrl')}${query}`, setup) };
}

/** The last run as the page holds it (typed arrays as plain arrays). */
export async function lastRun(page: Page): Promise<RunOutput & { heatmapData: number[]; labelData: number[] }> {
  return page.evaluate(() => {
    const run = (window as any).playground.state.lastRun;
    const r = run.result;
    return {
      ...run,
      heatmapData: r.kind === 'pose' ? Array.from(r.heatmaps.data as Float32Array) : [],
      labelData: r.kind === 'segmentation' ? Array.from(r.labels as Uint8Array) : [],
    };
  });
}

/** The exact RGBA pixels the page sent to the network (so JPEG decoding cannot differ from Node's). */
export async function inputPixels(page: Page): Promise<Pixels> {
  const p = await page.evaluate(() => (window as any).playground.inputPixels());
  return { width: p.width, height: p.height, data: Uint8ClampedArray.from(p.data) };
}

/** One RGBA pixel of the output canvas, as drawn. */
export async function canvasPixel(page: Page, x: number, y: number): Promise<number[]> {
  return page.evaluate(
    ([px, py]) => Array.from(document.querySelector<HTMLCanvasElement>('#output')!.getContext('2d')!.getImageData(px!, py!, 1, 1).data),
    [Math.round(x), Math.round(y)],
  );
}

/** How many pixels of the output canvas differ from the input image (what the overlays drew). */
export async function changedPixels(page: Page): Promise<number> {
  return page.evaluate(() => (window as any).playground.changedPixels());
}

export function hexRgb(hex: string): number[] {
  return [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
}

/** Expects the drawn pixel at (x, y) to be `rgb` within `tol` levels per channel. */
export async function expectColourAt(page: Page, x: number, y: number, rgb: number[], tol = 2, what = ''): Promise<void> {
  const px = await canvasPixel(page, x, y);
  for (let c = 0; c < 3; c++) expect(Math.abs(px[c]! - rgb[c]!), `${what} pixel (${x.toFixed(0)}, ${y.toFixed(0)}) = ${px}`).toBeLessThanOrEqual(tol);
}

/** max|a − b| / max|b|. */
export function relDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let d = 0;
  let m = 0;
  for (let i = 0; i < b.length; i++) {
    d = Math.max(d, Math.abs(a[i]! - b[i]!));
    m = Math.max(m, Math.abs(b[i]!));
  }
  return d / (m || 1);
}

export function expectClean(t: TrackedPage): void {
  expect(t.errors, t.errors.join('\n')).toEqual([]);
}

/** Largest difference allowed, relative to max|reference| (GPU backends in SwiftShader: float32, other op order). */
export const TOLERANCE: Record<string, number> = { cpu: 1e-5, wasm: 1e-4, webgl: 1e-3, webgpu: 1e-3 };
