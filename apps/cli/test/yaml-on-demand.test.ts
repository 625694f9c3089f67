/**
 * The YAML parser is loaded only when a config is YAML text (DESIGN.md "YAML on demand"):
 * - a browser bundle of a preset-only use of `createPoseEstimator` has no `yaml` code in its entry chunk (the
 *   parser is a separate chunk behind the dynamic `import()`), bundled by esbuild as Vite's dev server would;
 * - the built packages, in a fresh Node process, ESM and CommonJS alike: no parser after a preset build, a sync
 *   `createPoseModel(yamlText)` refuses with a ConfigError that says to call `loadYamlSupport()`, the async
 *   factory loads it itself, and then the sync factory works.
 * Fresh processes because this test runner preloads the parser for the other tests (vitest.yaml-setup.ts).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const cli = fileURLToPath(new URL('../', import.meta.url));
const root = fileURLToPath(new URL('../../../', import.meta.url));
const YAML_TEXT = readFileSync(join(root, 'packages/head-pose/test/fixtures/pose_small/config.yaml'), 'utf8');
const dir = mkdtempSync(join(cli, '.yaml-on-demand-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The part of esbuild's API used here (its types are not ours to import: esbuild is tsup's dependency). */
interface Esbuild {
  build(options: Record<string, unknown>): Promise<{
    metafile: { outputs: Record<string, { imports: { path: string; kind: string; external?: boolean }[]; entryPoint?: string; inputs: Record<string, unknown> }> };
  }>;
}

/** Strings only the `yaml` package's code contains (its error class and its document composer). */
const YAML_MARKERS = ['YAMLParseError', 'composeDoc'];

describe('YAML on demand', () => {
  it('a preset-only browser bundle loads no yaml code up front (entry chunk and its static imports); YAML text has a chunk of its own', async () => {
    // esbuild is what tsup and Vite use; it is not our direct dependency, so resolve it from tsup
    const esbuild = createRequire(createRequire(join(root, 'package.json')).resolve('tsup'))('esbuild') as Esbuild;
    const entry = join(dir, 'main.js');
    writeFileSync(
      entry,
      `import { createPoseEstimator } from '@hrnetjs/head-pose';\nconst estimator = await createPoseEstimator({ model: 'coco_w32_256x192', weights: '/models/pose_hrnet_w32_256x192.pth' });\nconsole.log(estimator.inputSize);\n`,
    );
    const outdir = join(dir, 'out');
    const { metafile } = await esbuild.build({
      entryPoints: [entry],
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      outdir,
      absWorkingDir: cli,
      metafile: true,
      // tfjs and onnxruntime are the app's own, Node built-ins sit behind core's Node-only dynamic imports;
      // none changes where yaml goes
      external: ['@tensorflow/*', 'onnxruntime-web', 'onnxruntime-node', 'node:*', ...builtinModules],
      logLevel: 'silent',
    });
    // what the page loads up front: the entry chunk and every chunk it imports statically (code shared with a
    // dynamic chunk is split out of the entry, so the entry file alone would prove nothing)
    const upFront = new Set<string>();
    const visit = (out: string): void => {
      if (upFront.has(out)) return;
      upFront.add(out);
      for (const i of metafile.outputs[out]!.imports) if (i.kind === 'import-statement' && !i.external) visit(i.path);
    };
    const entryOut = Object.keys(metafile.outputs).find((o) => metafile.outputs[o]!.entryPoint !== undefined)!;
    visit(entryOut);
    const text = (out: string): string => readFileSync(join(cli, out), 'utf8');
    expect([...upFront].some((o) => text(o).includes('createPoseEstimator'))).toBe(true); // our code loads up front …
    for (const o of upFront) for (const marker of YAML_MARKERS) expect(text(o), `${o}: ${marker}`).not.toContain(marker); // … the parser does not
    const inputs = (o: string): string[] => Object.keys(metafile.outputs[o]!.inputs);
    for (const o of upFront) expect(inputs(o).filter((i) => i.includes('/yaml/'))).toEqual([]);
    // and it is there, in a chunk loaded on demand, for when a YAML string is given
    const lazy = Object.keys(metafile.outputs).filter((o) => o.endsWith('.js') && !upFront.has(o) && inputs(o).some((i) => i.includes('/yaml/')));
    expect(lazy.length).toBe(1);
    for (const marker of YAML_MARKERS) expect(text(lazy[0]!)).toContain(marker);
  });

  const script = (load: string, ext: 'mjs' | 'cjs'): string => `
${load}
(async () => {
  const out = {};
  await tf.setBackend('cpu');
  const est = await pose.createPoseEstimator({ model: 'coco_w32_256x192', weights: null, backend: 'cpu' });
  est.dispose();
  out.afterPreset = backbone.isYamlSupportLoaded();
  try { pose.createPoseModel(yamlText); out.syncBefore = 'built'; } catch (e) { out.syncBefore = [e.constructor.name, e.message]; }
  const fromYaml = await pose.createPoseEstimator({ model: yamlText, weights: null, backend: 'cpu' });
  out.asyncYaml = fromYaml.inputSize;
  fromYaml.dispose();
  out.afterAsync = backbone.isYamlSupportLoaded();
  const m = pose.createPoseModel(yamlText);
  out.syncAfter = m.shapes().get('final_layer.weight');
  m.dispose();
  console.log(JSON.stringify(out));
})().catch((e) => { console.error(e); process.exit(1); });
// ${ext}
`;

  for (const ext of ['mjs', 'cjs'] as const) {
    it(`${ext === 'mjs' ? 'ESM' : 'CommonJS'}: no parser until YAML is given; sync YAML says what to do; async factories load it`, () => {
      const load =
        ext === 'mjs'
          ? `import * as tf from '@tensorflow/tfjs-core'; import '@tensorflow/tfjs-backend-cpu'; import * as pose from '@hrnetjs/head-pose'; import * as backbone from '@hrnetjs/hrnet-backbone'; const yamlText = ${JSON.stringify(YAML_TEXT)};`
          : `const tf = require('@tensorflow/tfjs-core'); require('@tensorflow/tfjs-backend-cpu'); const pose = require('@hrnetjs/head-pose'); const backbone = require('@hrnetjs/hrnet-backbone'); const yamlText = ${JSON.stringify(YAML_TEXT)};`;
      // inside apps/cli so the packages resolve as a user's project resolves them (node_modules, built dist)
      const file = join(dir, `check.${ext}`);
      writeFileSync(file, script(load, ext));
      const out = JSON.parse(execFileSync(process.execPath, [file], { cwd: cli, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim().split('\n').pop()!);
      expect(out.afterPreset).toBe(false);
      expect(out.syncBefore[0]).toBe('ConfigError');
      expect(out.syncBefore[1]).toContain('await loadYamlSupport()');
      expect(out.asyncYaml).toEqual([96, 128]); // pose_small's MODEL.IMAGE_SIZE [width, height]
      expect(out.afterAsync).toBe(true);
      expect(out.syncAfter).toEqual([17, 8, 1, 1]); // NUM_JOINTS from the YAML over its first branch's 8 channels
    });
  }
});
