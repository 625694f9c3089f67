/**
 * Every TypeScript block of every README compiles against the packages as built: a renamed function, option
 * or result field fails this test instead of rotting in the docs. Blocks are snippets, so each is compiled as
 * its own module with (1) imports added for names it uses from our packages without importing them (the
 * README imported them in an earlier block) and (2) the placeholders READMEs use for the user's own data
 * (`image`, `url`, …) declared once below with the types a user would have. Strict tsc, DOM + Node types.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

import { autoImports, exportsOf, root, tsBlocks } from './readme-helpers.js';

const cli = fileURLToPath(new URL('../', import.meta.url));

/** The user's own data in README snippets, typed as a user would have it. */
const PLACEHOLDERS = `
import type { ImageInput, StateDict, BoxXYWH } from '@hrnetjs/core';
import type { Pose } from '@hrnetjs/head-pose';
declare global {
  const url: string;
  const image: ImageInput;
  const img: HTMLImageElement;
  const images: { id: number; detections: import('@hrnetjs/head-det').Detection[] }[];
  const boxes: BoxXYWH[];
  const poses: Pose[];
  const rgbBytes: Uint8Array;
  const detWeights: Uint8Array;
  const poseWeights: Uint8Array;
  const stateDictFromAPyTorchFile: StateDict;
  const instancesVal2017: Parameters<typeof import('@hrnetjs/core').evaluateCoco>[0];
  const gt: Parameters<typeof import('@hrnetjs/head-pose').evaluateKeypoints>[0];
  const clsHrnetYamlText: string;
  const readFile: typeof import('node:fs/promises').readFile;
  const writeFile: typeof import('node:fs/promises').writeFile;
}
export {};
`;

/**
 * Modules READMEs import that are not ours: Vite's `?url` assets (as vite/client declares them), and the image
 * decoders a Node example suggests (not dependencies of this repo; their own types are the user's concern).
 */
const AMBIENT = `
declare module '*?url' { const src: string; export default src; }
declare module 'jpeg-js';
declare module 'pngjs';
`;

describe('README code blocks', () => {
  it('every ts block compiles (strict) against the built packages', async () => {
    const exports = await exportsOf();
    const dir = mkdtempSync(join(cli, '.readme-blocks-'));
    try {
      const blocks: string[] = [];
      for (const { readme, index, code } of tsBlocks()) {
        const name = `${readme.replace(/[/.]/g, '_')}_${index}.ts`;
        writeFileSync(join(dir, name), `${autoImports(code, readme, exports)}\n${code}\nexport {};\n`);
        blocks.push(name);
      }
      expect(blocks.length).toBeGreaterThan(20);
      writeFileSync(join(dir, 'placeholders.d.ts'), PLACEHOLDERS);
      writeFileSync(join(dir, 'ambient.d.ts'), AMBIENT);
      writeFileSync(
        join(dir, 'tsconfig.json'),
        JSON.stringify({
          extends: '../../../tsconfig.base.json',
          compilerOptions: { noEmit: true, strict: true, module: 'esnext', moduleResolution: 'bundler', target: 'es2022', lib: ['ES2022', 'DOM', 'DOM.Iterable'], types: ['node'], noUnusedLocals: false, skipLibCheck: true, paths: { vite: [join(root, 'apps/playground/node_modules/vite/dist/node/index.d.ts')] } },
          include: ['*.ts'],
        }),
      );
      let output = '';
      try {
        execFileSync(join(root, 'node_modules/.bin/tsc'), ['-p', dir], { encoding: 'utf8', stdio: 'pipe' });
      } catch (e) {
        output = String((e as { stdout?: string }).stdout ?? e);
      }
      // name the README and block of each error, so the fix is obvious
      expect(output.replaceAll(dir, '')).toBe('');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
