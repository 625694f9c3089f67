/**
 * The Vite recipe of packages/core/README.md ("tfjs wasm with a bundler") works as written: a minimal app
 * (test/vite-recipe/) built by Vite with no aliases and no copied .wasm files, served statically, run in
 * Chromium. The wasm backend must start from the hashed asset URLs Vite emitted and compute a known conv.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Browser, launchBrowser } from './browser.js';
import { type StaticServer, serveStatic } from './server.js';

let browser: Browser;
let server: StaticServer;
let outDir: string;

beforeAll(async () => {
  outDir = mkdtempSync(join(tmpdir(), 'hrnet-vite-recipe-'));
  // the recipe's own vite.config.ts (found in its root); only where the output goes is the test's
  await build({ root: fileURLToPath(new URL('./vite-recipe/', import.meta.url)), base: './', logLevel: 'warn', build: { outDir } });
  server = await serveStatic(outDir, '/');
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  rmSync(outDir, { recursive: true, force: true });
});

it('tfjs wasm starts from the .wasm URLs Vite emitted and runs a conv', async () => {
  // Vite emits the three tfjs builds (and onnxruntime-web's, which core's optional engine imports on demand)
  const emitted = readdirSync(join(outDir, 'assets')).filter((f) => f.startsWith('tfjs-backend-wasm') && f.endsWith('.wasm'));
  expect(emitted).toHaveLength(3);
  const page = await browser.context.newPage();
  await page.goto(server.url);
  await page.waitForFunction(() => (window as unknown as { recipe?: unknown }).recipe !== undefined, undefined, { timeout: 60_000 });
  const r = (await page.evaluate(() => (window as unknown as { recipe: unknown }).recipe)) as {
    error?: string;
    backend: string;
    values: number[];
    urls: string[];
  };
  expect(r.error).toBeUndefined();
  expect(r.backend).toBe('wasm');
  // served cross-origin isolated, so tfjs took the threaded build (the one minification breaks)
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  // every URL is one of the files Vite emitted (hashed), none the package path
  for (const url of r.urls) expect(emitted.some((f) => url.endsWith(f))).toBe(true);
  expect(r.values).toEqual([8, 12, 12, 8, 12, 18, 18, 12, 12, 18, 18, 12, 8, 12, 12, 8]);
  await page.close();
});
