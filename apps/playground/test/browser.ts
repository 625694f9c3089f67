import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, type Page, chromium } from 'playwright-core';

/** Debian's chromium (apt-get install chromium): no browser download at install. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Headless flags for a machine without a GPU: SwiftShader gives WebGL and (with unsafe-webgpu) WebGPU in
 * software; no network services, no first-run UI.
 */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // containers often have a tiny /dev/shm: let chromium use /tmp instead of crashing
  '--disable-dev-shm-usage',
  '--enable-unsafe-swiftshader',
  '--enable-unsafe-webgpu',
  // a synthetic camera (moving test pattern) and no permission prompt, for the webcam input
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
];

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** One browser for the whole suite, in a fresh profile folder that is removed at the end; `args` replace CHROMIUM_ARGS. */
export async function launchBrowser(args: readonly string[] = CHROMIUM_ARGS): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`no chromium at ${CHROMIUM}: install Debian's (apt-get install chromium) or set CHROMIUM_PATH to a Chromium/Chrome binary`);
  }
  const profile = mkdtempSync(join(tmpdir(), 'hrnet-playground-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [...args],
    viewport: { width: 1280, height: 1100 },
    timeout: 60_000,
  });
  return {
    context,
    close: async () => {
      await context.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** A page that records every console error and uncaught exception, so a test can assert there were none. */
export interface TrackedPage {
  page: Page;
  errors: string[];
}

/** Opens `url` once the page is ready; `setup` runs before it loads (e.g. `page.route` to block a file). */
export async function openPage(browser: Browser, url: string, setup?: (page: Page) => Promise<unknown>): Promise<TrackedPage> {
  const page = await browser.context.newPage();
  await setup?.(page);
  page.setDefaultTimeout(120_000);
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console.error: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  page.on('crash', () => errors.push('page crashed'));
  await page.goto(url);
  await page.waitForSelector('body[data-ready=true]');
  return { page, errors };
}

/** Waits until the worker has finished whatever the last action started. */
export async function idle(page: Page): Promise<void> {
  await page.waitForFunction(() => document.body.dataset.state === 'idle');
}

/**
 * Does something in the page and waits until the action it starts has finished, errors shown included
 * (the page counts finished actions in `<body data-actions>`).
 */
export async function act(page: Page, trigger: () => Promise<unknown>): Promise<void> {
  const before = Number((await page.getAttribute('body', 'data-actions')) ?? '0');
  await trigger();
  await page.waitForFunction((n) => Number(document.body.dataset.actions ?? '0') > n, before);
}

/** Clicks Run and waits for the run (or its error). */
export async function runOnce(page: Page): Promise<void> {
  await act(page, () => page.click('#run'));
}

export const RESULTS_DIR = fileURLToPath(new URL('../test-results', import.meta.url));

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const path = join(RESULTS_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
