#!/usr/bin/env node
// The clean-room test of what we publish: pack every public package as `pnpm publish` would (workspace:
// ranges rewritten, `files` applied, prepack run), check each tarball's types with arethetypeswrong, install
// the tarballs with npm into an empty project, and there run an ESM script, a CommonJS script, a strict `tsc`
// over a typed use of every head, `hrnet --version`, `hrnet demo` and `hrnet pose --engine onnxruntime`.
// Nothing here may reach into the repo's node_modules: what a new user's `npm install` gets is all the project
// sees.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const PACKAGES = ['packages/core', 'packages/hrnet-backbone', 'packages/head-pose', 'packages/head-seg', 'packages/head-det', 'packages/face-align', 'apps/cli'];
const keep = process.argv.includes('--keep');
const work = mkdtempSync(join(tmpdir(), 'hrnet-pack-'));
const tarballs = join(work, 'tarballs');
const project = join(work, 'project');

function sh(cmd, args, cwd, extraEnv = {}) {
  process.stdout.write(`$ ${cmd} ${args.join(' ')}   (in ${cwd.replace(work, '<tmp>')})\n`);
  return execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', env: { ...process.env, ...extraEnv } });
}

try {
  const files = {};
  for (const dir of PACKAGES) {
    const pkg = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8'));
    const before = new Set(existsSync(tarballs) ? readdirSync(tarballs) : []);
    sh('pnpm', ['pack', '--pack-destination', tarballs], join(root, dir));
    const made = readdirSync(tarballs).filter((f) => !before.has(f));
    if (made.length !== 1) throw new Error(`pnpm pack in ${dir} made ${made.length} tarballs`);
    files[pkg.name] = join(tarballs, made[0]);
    // the CLI is ESM only (it is a program); libraries must resolve for both require and import
    const profile = pkg.exports['.'].require ? 'node16' : 'esm-only';
    process.stdout.write(sh('pnpm', ['exec', 'attw', files[pkg.name], '--profile', profile, '--format', 'table-flipped'], root));
  }

  const file = (name) => `file:${files[name]}`;
  writeFileSync(join(project, '..', 'project.json'), '');
  execFileSync('mkdir', ['-p', project]);
  writeFileSync(join(project, 'package.json'), JSON.stringify({
    name: 'clean-room', private: true, type: 'module',
    dependencies: {
      ...Object.fromEntries(Object.keys(files).map((n) => [n, file(n)])),
      '@tensorflow/tfjs-core': '4.22.0',
      '@tensorflow/tfjs-backend-cpu': '4.22.0',
      '@tensorflow/tfjs-backend-wasm': '4.22.0',
    },
    devDependencies: { typescript: '5.9.3', '@types/node': '^20.19.0' },
    // the heads ask for @hrnetjs/core ^0.1.0: take it from our tarball, never from a registry
    overrides: Object.fromEntries(Object.keys(files).map((n) => [n, file(n)])),
  }, null, 2));
  // --ignore-scripts: a user's install of our packages must not need any install script of ours
  const installStarted = performance.now();
  sh('npm', ['install', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], project, { ONNXRUNTIME_NODE_INSTALL: 'skip' });
  process.stdout.write(`npm install: ${((performance.now() - installStarted) / 1000).toFixed(1)} s\n`);

  const esm = `
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend, StateDictError } from '@hrnetjs/core';
import { createPoseEstimator, POSE_PRESETS } from '@hrnetjs/head-pose';
import { SEGMENTATION_PRESETS } from '@hrnetjs/head-seg';
import { DETECTION_PRESETS } from '@hrnetjs/head-det';
import { createFaceAlignmentModel } from '@hrnetjs/face-align';
import { BACKBONE_PRESETS } from '@hrnetjs/hrnet-backbone';
const backend = await selectBackend('wasm');
if (backend.name !== 'wasm') throw new Error('wasm backend did not start: ' + backend.reason);
const estimator = await createPoseEstimator({ model: 'coco_w32_256x192', weights: null });
const pixels = new Uint8Array(64 * 48 * 3).fill(128);
const poses = await estimator.estimatePoses({ data: pixels, width: 48, height: 64, channels: 3 }, { boxes: [[0, 0, 48, 64]] });
if (poses.length !== 1 || poses[0].keypoints.length !== 17) throw new Error('pose: ' + JSON.stringify(poses));
estimator.dispose();
const face = createFaceAlignmentModel('wflw');
const before = tf.memory().numTensors;
const out = face.predict(tf.zeros([1, 256, 256, 3]));
if (out.shape.join() !== '1,64,64,98') throw new Error('face: ' + out.shape);
out.dispose(); face.dispose();
if (!(StateDictError.prototype instanceof Error)) throw new Error('error classes');
for (const [name, list] of Object.entries({ POSE_PRESETS, SEGMENTATION_PRESETS, DETECTION_PRESETS, BACKBONE_PRESETS })) if (!Object.keys(list).length) throw new Error(name);
console.log('esm ok', backend.name, poses[0].keypoints[0].name);
`;
  const cjs = `
const tf = require('@tensorflow/tfjs-core');
require('@tensorflow/tfjs-backend-cpu');
const { createClassificationModel } = require('@hrnetjs/hrnet-backbone');
const { createDetectionModel } = require('@hrnetjs/head-det');
const { createSegmentationModel } = require('@hrnetjs/head-seg');
const { loadCheckpoint } = require('@hrnetjs/core');
(async () => {
  await tf.setBackend('cpu');
  for (const [make, name, keys] of [[createClassificationModel, 'w18-small-v1', /^incre_modules./], [createDetectionModel, 'fcos_w18_5l', /^rpn.head./], [createSegmentationModel, 'w18-small-v1_cityscapes', /^last_layer./]]) {
    const m = make(name);
    const names = [...m.stateDict().keys()];
    if (!names.some((k) => keys.test(k))) throw new Error(name + ': no key like ' + keys + ' in ' + names.slice(0, 5));
    m.dispose();
  }
  if (typeof loadCheckpoint !== 'function') throw new Error('loadCheckpoint');
  console.log('cjs ok');
})().catch((e) => { console.error(e); process.exit(1); });
`;
  const typed = `
import { selectBackend, type BackendChoice, ConfigError } from '@hrnetjs/core';
import { createPoseEstimator, type Pose } from '@hrnetjs/head-pose';
import { createSegmenter } from '@hrnetjs/head-seg';
import { createDetector } from '@hrnetjs/head-det';
import { createFaceAligner } from '@hrnetjs/face-align';
import { createClassifier } from '@hrnetjs/hrnet-backbone';
export async function main(pixels: Uint8Array): Promise<number> {
  const b: BackendChoice = await selectBackend(['wasm', 'cpu']);
  const image = { data: pixels, width: 64, height: 64, channels: 3 as const };
  const pose = await createPoseEstimator({ model: 'coco_w32_256x192', weights: null, engine: 'tfjs' });
  const poses: Pose[] = await pose.estimatePoses(image, { boxes: [[0, 0, 64, 64]] });
  const seg = await createSegmenter({ model: 'w18-small-v2_cityscapes', weights: null });
  const det = await createDetector({ model: 'fcos_w18_5l', weights: null });
  const face = await createFaceAligner({ model: 'wflw', weights: null });
  const cls = await createClassifier({ model: 'w18-small-v1', weights: null });
  for (const t of [pose, seg, det, face, cls]) t.dispose();
  if (!(new ConfigError('x') instanceof Error)) throw new Error(b.name);
  return poses.length;
}
`;
  writeFileSync(join(project, 'smoke.mjs'), esm);
  writeFileSync(join(project, 'smoke.cjs'), cjs);
  writeFileSync(join(project, 'typed.ts'), typed);
  writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { strict: true, noEmit: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', skipLibCheck: false },
    files: ['typed.ts'],
  }, null, 2));
  process.stdout.write(sh('node', ['smoke.mjs'], project));
  process.stdout.write(sh('node', ['smoke.cjs'], project));
  process.stdout.write(sh(join(project, 'node_modules/.bin/tsc'), ['-p', '.'], project));
  const version = sh(join(project, 'node_modules/.bin/hrnet'), ['--version'], project).trim();
  const expected = JSON.parse(readFileSync(join(root, 'apps/cli/package.json'), 'utf8')).version;
  if (version !== expected) throw new Error(`hrnet --version printed '${version}', package.json says ${expected}`);
  const demo = sh(join(project, 'node_modules/.bin/hrnet'), ['demo', '--out', join(work, 'demo'), '--backend', 'wasm'], project);
  if (!/4 tasks ran on wasm/.test(demo)) throw new Error(`hrnet demo from the npm install:\n${demo}`);

  // --engine onnxruntime from the same install: onnxruntime-node is the CLI's optional dependency, so npm put it
  // there (its install script, which only fetches CUDA extras, is skipped as a user can with
  // ONNXRUNTIME_NODE_INSTALL=skip), and the poses equal the tfjs engine's on a demo photo with the demo network
  const ortStarted = performance.now();
  const ortPkg = join(project, 'node_modules/onnxruntime-node');
  const declared = JSON.parse(readFileSync(join(root, 'apps/cli/package.json'), 'utf8')).optionalDependencies['onnxruntime-node'];
  const installedOrt = existsSync(join(ortPkg, 'package.json')) ? JSON.parse(readFileSync(join(ortPkg, 'package.json'), 'utf8')).version : 'nothing';
  if (installedOrt !== declared) throw new Error(`npm install of @hrnetjs/cli gave onnxruntime-node ${installedOrt}, the CLI declares ${declared}`);
  const demoAssets = join(project, 'node_modules/@hrnetjs/cli/dist/demo');
  const pose = (engine) => {
    const out = join(work, `pose-${engine}`);
    const args = ['pose', join(demoAssets, 'samples/soccer.jpg'), '--model', join(demoAssets, 'pose'), '--backend', 'wasm', '--out', out, '--engine', engine];
    sh(join(project, 'node_modules/.bin/hrnet'), engine === 'onnxruntime' ? [...args, '--threads', '1'] : args, project);
    return JSON.parse(readFileSync(join(out, 'pose.json'), 'utf8'));
  };
  const [viaTfjs, viaOrt] = [pose('tfjs'), pose('onnxruntime')];
  if (!viaTfjs.length || viaOrt.length !== viaTfjs.length) throw new Error(`poses: tfjs ${viaTfjs.length}, onnxruntime ${viaOrt.length}`);
  viaOrt.forEach((p, i) => {
    // x, y, score triples: pixels the same to 1e-3, scores to 1e-5 of the largest (as apps/cli/test/onnx.test.ts)
    const ref = viaTfjs[i].keypoints;
    const top = Math.max(...ref.filter((_, j) => j % 3 === 2));
    p.keypoints.forEach((v, j) => {
      if (!(Math.abs(v - ref[j]) < (j % 3 === 2 ? 1e-5 * top : 1e-3))) throw new Error(`pose ${i} value ${j}: onnxruntime ${v}, tfjs ${ref[j]}`);
    });
  });
  // and what --omit=optional (or a failed install script) leaves: the command says so, exit 1, before reading a model
  rmSync(ortPkg, { recursive: true, force: true });
  const missing = spawnSync(join(project, 'node_modules/.bin/hrnet'), ['pose', 'x.jpg', '--model', 'nowhere', '--engine', 'onnxruntime'], { cwd: project, encoding: 'utf8' });
  if (missing.status !== 1 || !missing.stderr.includes(`ONNXRUNTIME_NODE_INSTALL=skip npm install onnxruntime-node@${declared}`)) {
    throw new Error(`hrnet --engine onnxruntime without onnxruntime-node: exit ${missing.status}\n${missing.stderr}`);
  }
  process.stdout.write(`--engine onnxruntime: ${viaOrt.length} poses equal to tfjs's; without the package: exit 1 and the install line (${((performance.now() - ortStarted) / 1000).toFixed(1)} s)\n`);
  process.stdout.write('\nclean-room pack test passed: attw clean, ESM + CJS + strict tsc, hrnet --version, hrnet demo, --engine onnxruntime\n');
} finally {
  if (keep) process.stdout.write(`kept ${work}\n`);
  else rmSync(work, { recursive: true, force: true });
}
