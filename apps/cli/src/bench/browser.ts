/**
 * The browser half of the engine table: headless Chromium (playwright-core driving the system's chromium, no
 * browser download) on a page served here with COOP/COEP, so the page is cross-origin isolated and both wasm
 * engines can use threads. Four pages — tfjs-wasm and onnxruntime-web wasm, at 1 and 2 threads — each run every
 * network with the weights Node measured; a fifth runs tfjs on webgl (software SwiftShader on a machine without a
 * GPU: the table says which renderer it got) on the rows marked `webgl`.
 *
 * The server is node:http (a dozen lines; no static-server dependency): the page bundle (`dist/bench-page.js`),
 * tfjs-backend-wasm's and onnxruntime-web's own `.wasm`/`.mjs` files from their packages, and the networks'
 * bytes from memory.
 */
import { existsSync, readFileSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NodeResult } from './node.js';
import type { BrowserCells, BrowserColumn } from './table.js';
import type { RunPlan, Timing } from './timing.js';
import type { PageInfo, PageJob } from './page.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Headless flags for a container: no sandbox, /tmp instead of a small /dev/shm, no network services; WebGL on
 * the machine's GPU where Chromium finds one, else SwiftShader (software), which Chromium now gives only when
 * asked for.
 */
const CHROMIUM_ARGS = ['--no-sandbox', '--enable-unsafe-swiftshader', '--disable-dev-shm-usage', '--no-first-run', '--disable-background-networking', '--disable-component-update'];

/** Cross-origin isolation (SharedArrayBuffer, so wasm threads); everything is same-origin. */
const ISOLATION = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};
const TYPES: Record<string, string> = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html' };

const require = createRequire(import.meta.url);
const PAGE_JS = fileURLToPath(new URL('./bench-page.js', import.meta.url));
const HTML = '<!doctype html><meta charset="utf-8"><title>hrnet-js bench</title><script type="module" src="/bench-page.js"></script>';

/** Serves the page, the engines' wasm files and `data` (path → bytes) on 127.0.0.1 at a free port. */
export async function serveBench(data: Map<string, Uint8Array>): Promise<{ url: string; close(): Promise<void> }> {
  const dirs: Record<string, string> = {
    tfjs: dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json').replace(/package\.json$/, 'dist/x')),
    ort: dirname(require.resolve('onnxruntime-web/ort-wasm-simd-threaded.wasm')),
  };
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const send = (status: number, body: Uint8Array | string, type = 'text/plain') => {
      res.writeHead(status, { 'Content-Type': type, ...ISOLATION });
      res.end(body);
    };
    if (path === '/') return send(200, HTML, 'text/html');
    if (path === '/bench-page.js') return send(200, readFileSync(PAGE_JS), 'text/javascript');
    const m = /^\/(tfjs|ort)\/([\w.-]+\.(?:wasm|mjs))$/.exec(path);
    if (m && existsSync(join(dirs[m[1]!]!, m[2]!))) return send(200, readFileSync(join(dirs[m[1]!]!, m[2]!)), TYPES[extname(m[2]!)]);
    const bytes = data.get(path);
    if (bytes) return send(200, bytes, 'application/octet-stream');
    send(404, `not found: ${path}`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

const PAGES: { column: BrowserColumn; engine: 'tfjs' | 'ort'; backend?: 'webgl'; threads: number }[] = [
  { column: 'web-tfjs-1', engine: 'tfjs', threads: 1 },
  { column: 'web-tfjs-2', engine: 'tfjs', threads: 2 },
  { column: 'web-ort-1', engine: 'ort', threads: 1 },
  { column: 'web-ort-2', engine: 'ort', threads: 2 },
  { column: 'web-webgl', engine: 'tfjs', backend: 'webgl', threads: 1 },
];

export interface BrowserRows {
  cells: Map<string, BrowserCells>;
  /** What the table's legend should say of the browser columns (the webgl page's renderer). */
  notes: string[];
}

/** Browser cells of every network (id → cells), or why there are none. */
export async function runBrowserRows(networks: NodeResult[], o: { plan: RunPlan; log: (l: string) => void }): Promise<BrowserRows | string> {
  if (!existsSync(CHROMIUM)) return `no chromium at ${CHROMIUM} (set CHROMIUM_PATH)`;
  if (!existsSync(PAGE_JS)) return `no ${PAGE_JS}: build the cli first (pnpm build)`;
  let playwright: typeof import('playwright-core');
  try {
    playwright = await import('playwright-core');
  } catch (e) {
    return `playwright-core is not installed (${(e as Error).message.split('\n')[0]})`;
  }
  const data = new Map<string, Uint8Array>();
  for (const n of networks) {
    if (typeof n.onnx !== 'string') data.set(`/data/${n.spec.id}.onnx`, n.onnx);
    if (n.safetensors) data.set(`/data/${n.spec.id}.safetensors`, n.safetensors);
  }
  const server = await serveBench(data);
  const browser = await playwright.chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 120_000 });
  const cells = new Map<string, BrowserCells>(networks.map((n) => [n.spec.id, {}]));
  const notes: string[] = [];
  try {
    for (const p of PAGES) {
      const context = await browser.newContext();
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      try {
        await page.goto(`${server.url}?engine=${p.engine}&threads=${p.threads}${p.backend ? `&backend=${p.backend}` : ''}`);
        await page.waitForFunction(() => 'hrnetBench' in globalThis, null, { timeout: 60_000 });
        const info = (await page.evaluate(() => (globalThis as unknown as { hrnetBench: { ready: Promise<PageInfo> } }).hrnetBench.ready)) as PageInfo;
        if (!info.isolated) throw new Error('the page is not cross-origin isolated: no wasm threads');
        if (p.backend === 'webgl') {
          const soft = /swiftshader|llvmpipe|software/i.test(info.renderer ?? '');
          notes.push(`Chromium webgl ran on ${info.renderer}${soft ? ' — software rendering on the CPU (no GPU here), not a GPU figure' : ''}.`);
        }
        const label = p.backend ?? `${p.engine === 'ort' ? 'onnxruntime-web' : 'tfjs-wasm'} ${p.threads}t`;
        for (const [i, n] of networks.entries()) {
          const cell = cells.get(n.spec.id)!;
          if (p.backend === 'webgl' && !n.spec.webgl) {
            cell[p.column] = 'not run on webgl (software SwiftShader here: minutes a pass at this size)';
            continue;
          }
          if (p.engine === 'ort' && typeof n.onnx === 'string') {
            cell[p.column] = n.onnx;
            continue;
          }
          o.log(`  Chromium ${label}: ${n.spec.label}`);
          // the page's first network also waits out most of V8's wasm tier-up (shared kernels), the others less
          const job: PageJob = { id: n.spec.id, size: n.size, plan: { ...o.plan, warmupMs: o.plan.budgetMs > 0 ? (i === 0 ? 8000 : 2500) : 0 } };
          try {
            cell[p.column] = (await page.evaluate(
              (j) => (globalThis as unknown as { hrnetBench: { run(j: PageJob): Promise<Timing> } }).hrnetBench.run(j),
              job,
            )) as Timing;
          } catch (e) {
            cell[p.column] = `Chromium: ${(e as Error).message.split('\n')[0]}`;
          }
        }
      } catch (e) {
        const reason = `Chromium ${p.backend ?? `${p.engine} ${p.threads}t`}: ${(e as Error).message.split('\n')[0]}${errors.length ? ` (${errors[0]})` : ''}`;
        for (const c of cells.values()) c[p.column] ??= reason;
      } finally {
        await context.close();
      }
    }
  } finally {
    await browser.close();
    await server.close();
  }
  return { cells, notes };
}
