/**
 * The README blocks that only run in a browser (an <img> to read, a <canvas> to draw on) run in Chromium:
 * head-pose's "In a browser" block and face-align's webgl block, each the README's own text in a page built by
 * Vite against the packages' dist/, with a sample photo as the <img>. As in apps/cli/test/readme-run.test.ts,
 * the zoo networks they name are bound to the golden small network of the same family (pose_small for COCO
 * W32, face_small, a 300W network, for '300w') and its weights, served under the README's URL. Each must run to
 * its end with no page error, and draw on the canvas (pixels change where the skeleton / landmarks go).
 * (The core README's Vite recipe runs in vite-recipe.e2e.test.ts.)
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Browser, launchBrowser } from './browser.js';
import { type StaticServer, serveStatic } from './server.js';

const app = fileURLToPath(new URL('../', import.meta.url));
const root = fileURLToPath(new URL('../../../', import.meta.url));
const fx = (p: string): string => join(root, 'packages', p);

/** The README block that contains `has`, with [README text, bound text] replaced (each text must be there). */
function block(readme: string, has: string, bind: [string, string][]): string {
  const found = [...readFileSync(join(root, readme), 'utf8').matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!).filter((c) => c.includes(has));
  expect(found, `${readme}: ${has}`).toHaveLength(1);
  let code = found[0]!;
  for (const [from, to] of bind) {
    expect(code.includes(from), `${readme}: binding text not in the block any more: ${from}`).toBe(true);
    code = code.replaceAll(from, to);
  }
  return code;
}

const PAGES = {
  pose: {
    code: block('packages/head-pose/README.md', "backend: ['webgpu', 'webgl', 'wasm']", [["model: 'coco_w32_256x192'", `model: ${JSON.stringify(readFileSync(fx('head-pose/test/fixtures/pose_small/config.yaml'), 'utf8'))}`]]),
    weights: { 'pose_hrnet_w32_256x192.pth': fx('head-pose/test/fixtures/pose_small/weights.pth') },
    result: '{ poses: poses.length, keypoints: poses[0]?.keypoints.length }',
    expected: { poses: 1, keypoints: 17 },
  },
  face: {
    code: block('packages/face-align/README.md', "import '@tensorflow/tfjs-backend-webgl';", [["model: '300w'", `model: ${JSON.stringify(readFileSync(fx('face-align/test/fixtures/face_small/config.yaml'), 'utf8'))}`]]),
    weights: { 'HR18-300W.pth': fx('face-align/test/fixtures/face_small/weights.pth') },
    result: '{ landmarks: face?.landmarks.length }',
    expected: { landmarks: 68 },
  },
};

let browser: Browser;
let server: StaticServer;
let dir: string;

beforeAll(async () => {
  // inside the app, so the packages resolve through its node_modules to their dist/ (no aliases)
  dir = mkdtempSync(join(app, '.readme-browser-'));
  mkdirSync(join(dir, 'public/models'), { recursive: true });
  copyFileSync(join(app, 'public/samples/people_6.jpg'), join(dir, 'public/people_6.jpg'));
  const input: Record<string, string> = {};
  for (const [name, p] of Object.entries(PAGES)) {
    for (const [file, from] of Object.entries(p.weights)) copyFileSync(from, join(dir, 'public/models', file));
    writeFileSync(join(dir, `${name}.html`), `<!doctype html><html><body><img src="/people_6.jpg"><canvas width="640" height="480"></canvas><script type="module" src="./${name}.ts"></script></body></html>`);
    // the block runs once the photo has loaded; the epilogue reports what it found and whether it drew
    writeFileSync(
      join(dir, `${name}.ts`),
      `await document.querySelector('img')!.decode();\n${p.code}\nconst drawn = document.querySelector('canvas')!.getContext('2d')!.getImageData(0, 0, 640, 480).data.some((v, i) => i % 4 !== 3 && v !== 0);\n(window as unknown as { readme: unknown }).readme = { ...${p.result}, drawn };\nexport {};\n`,
    );
    input[name] = join(dir, `${name}.html`);
  }
  await build({ root: dir, configFile: false, base: '/', logLevel: 'warn', build: { outDir: join(dir, 'dist'), target: 'es2022', minify: false, rollupOptions: { input } } });
  server = await serveStatic(join(dir, 'dist'), '/');
  browser = await launchBrowser();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

for (const [name, p] of Object.entries(PAGES)) {
  it(`${name === 'pose' ? 'head-pose' : 'face-align'} README browser block runs in Chromium and draws`, async () => {
    const page = await browser.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${server.url.replace(/\/$/, '')}/${name}.html`);
    await page.waitForFunction(() => (window as unknown as { readme?: unknown }).readme !== undefined, undefined, { timeout: 120_000 }).catch(() => undefined);
    const r = await page.evaluate(() => (window as unknown as { readme?: Record<string, unknown> }).readme);
    expect(errors).toEqual([]);
    expect(r).toEqual({ ...p.expected, drawn: true });
    await page.close();
  });
}
