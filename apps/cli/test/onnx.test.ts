/**
 * `hrnet convert … --to onnx` and `--engine onnxruntime` on the task commands: the built `hrnet` as a
 * subprocess on the repository's golden fixtures (small networks, official code). Every .onnx goes to a tmp dir.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCheckpoint, readExportInfo, readNpy, saveSafetensors, type StateDict } from '@hrnetjs/core';
import { FIXTURES, SAMPLES, hrnet, tempDir } from './helpers.js';

const PEOPLE_6 = join(SAMPLES, 'people_6.jpg');

/** max |a − b| / max |b|. */
function relative(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let d = 0;
  let m = 0;
  for (let i = 0; i < b.length; i++) {
    d = Math.max(d, Math.abs(a[i]! - b[i]!));
    m = Math.max(m, Math.abs(b[i]!));
  }
  return d / m;
}

/** Runs an exported file on the fixture's NCHW input (transposed to the file's NHWC), returns output_0 as NCHW. */
async function runFile(file: string, inputNpy: string, output = 'output_0'): Promise<Float32Array> {
  const x = readNpy(new Uint8Array(await readFile(inputNpy)));
  const [n, c, h, w] = x.shape as [number, number, number, number];
  const nhwc = new Float32Array(x.data.length);
  for (let ci = 0; ci < c; ci++) for (let i = 0; i < h * w; i++) nhwc[i * c + ci] = x.data[ci * h * w + i]!;
  const session = await ort.InferenceSession.create(await readFile(file));
  const r = (await session.run({ input: new ort.Tensor('float32', nhwc, [n, h, w, c]) }))[output]!;
  await session.release();
  const [, oh, ow, oc] = r.dims as [number, number, number, number];
  const data = r.data as Float32Array;
  const nchw = new Float32Array(data.length);
  for (let ci = 0; ci < oc; ci++) for (let i = 0; i < oh * ow; i++) nchw[ci * oh * ow + i] = data[i * oc + ci]!;
  return nchw;
}

const official = async (fixture: string, f = 'output.npy') => readNpy(new Uint8Array(await readFile(join(fixture, f)))).data;

describe('hrnet convert --to onnx', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir('hrnet-onnx-');
  });

  it('pose: the official checkpoint and its OpenMMLab-named copy export the same file, which gives the official heatmaps', async () => {
    const file = join(dir, 'pose.onnx');
    const r = await hrnet(['convert', join(FIXTURES.pose, 'weights.pth'), '--to', 'onnx', '--model', FIXTURES.pose, '--out', file, '--backend', 'wasm']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(file);
    expect(r.stderr).toMatch(/ONNX opset 17, input N x 128 x 96 x 3 NHWC, pose network/);
    const bytes = new Uint8Array(await readFile(file));
    // the size the estimator feeds the network: MODEL.IMAGE_SIZE [96, 128]
    expect(readExportInfo(bytes)).toMatchObject({ inputSize: [96, 128], channels: 3 });
    expect(relative(await runFile(file, join(FIXTURES.pose, 'input.npy')), await official(FIXTURES.pose))).toBeLessThan(1e-5);

    // mmpose 1.x names (backbone.*, head.final_layer.*) go through the zoo key rules the task commands use
    const sd = loadCheckpoint(new Uint8Array(await readFile(join(FIXTURES.pose, 'weights.pth'))));
    const mm: StateDict = new Map([...sd].map(([k, v]) => [k.startsWith('final_layer.') ? `head.${k}` : `backbone.${k}`, v]));
    await writeFile(join(dir, 'mmpose.safetensors'), saveSafetensors(mm));
    const m = await hrnet(['convert', join(dir, 'mmpose.safetensors'), '--to', 'onnx', '--model', join(FIXTURES.pose, 'config.yaml'), '--backend', 'wasm']);
    expect(m.code, m.stderr).toBe(0);
    expect(m.stdout.trim()).toBe(join(dir, 'mmpose_96x128.onnx')); // default: beside the checkpoint, named by size
    expect(m.stderr).toMatch(/keys mmpose-pose/);
    expect(Buffer.compare(await readFile(m.stdout.trim()), bytes)).toBe(0);
  });

  it('seg (task read from the YAML) at --input-size, face at its MODEL.IMAGE_SIZE: the official outputs', async () => {
    // seg_small's input is 1x3x64x128 (NCHW): --input-size is width x height
    const seg = join(dir, 'seg.onnx');
    const s = await hrnet(['convert', join(FIXTURES.seg, 'weights.pth'), '--to', 'onnx', '--model', FIXTURES.seg, '--input-size', '128x64', '--out', seg, '--backend', 'wasm']);
    expect(s.code, s.stderr).toBe(0);
    expect(readExportInfo(new Uint8Array(await readFile(seg))).inputSize).toEqual([128, 64]);
    expect(relative(await runFile(seg, join(FIXTURES.seg, 'input.npy')), await official(FIXTURES.seg))).toBeLessThan(1e-5);
    const face = join(dir, 'face.onnx');
    const f = await hrnet(['convert', join(FIXTURES.face, 'weights.pth'), '--to', 'onnx', '--model', FIXTURES.face, '--out', face, '--backend', 'wasm']);
    expect(f.code, f.stderr).toBe(0);
    expect(f.stderr).toMatch(/face network/);
    expect(relative(await runFile(face, join(FIXTURES.face, 'input.npy')), await official(FIXTURES.face))).toBeLessThan(1e-5);
  });

  it('--layout nchw: the official NCHW input goes in as it is and the official heatmaps come out', async () => {
    const file = join(dir, 'pose_nchw.onnx');
    const r = await hrnet(['convert', join(FIXTURES.pose, 'weights.pth'), '--to', 'onnx', '--model', FIXTURES.pose, '--layout', 'nchw', '--out', file, '--backend', 'wasm']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/input N x 3 x 128 x 96 NCHW/);
    const x = readNpy(new Uint8Array(await readFile(join(FIXTURES.pose, 'input.npy'))));
    const session = await ort.InferenceSession.create(await readFile(file));
    const out = (await session.run({ input: new ort.Tensor('float32', x.data as Float32Array, x.shape) })).output_0!;
    await session.release();
    expect(relative(out.data as Float32Array, await official(FIXTURES.pose))).toBeLessThan(1e-5);
  });

  it('bad command lines are usage errors (exit 2) that say what was expected', async () => {
    const pth = join(FIXTURES.pose, 'weights.pth');
    const cases: [string[], RegExp][] = [
      [['convert', pth, '--to', 'onnx'], /--to onnx needs --model/],
      [['convert', pth, '--to', 'onnx', '--model', FIXTURES.pose, '--input-size', '96'], /--input-size: expected WIDTHxHEIGHT .* found '96'/],
      [['convert', pth, '--to', 'onnx', '--model', FIXTURES.pose, '--task', 'pano'], /--task: expected one of pose, seg, det, face, classify, found 'pano'/],
      [['convert', pth, '--to', 'safetensors', '--input-size', '96x128'], /--input-size applies to --to onnx only/],
      [['convert', pth, '--to', 'onnx', '--model', 'no_such_model'], /not a zoo name, YAML file, folder or preset of any task/],
      [['convert', pth, '--to', 'caffe'], /expected safetensors, tfjs or onnx, found 'caffe'/],
      [['convert', pth, '--to', 'onnx', '--model', FIXTURES.pose, '--layout', 'chw'], /--layout: expected nhwc or nchw, found 'chw'/],
    ];
    for (const [args, message] of cases) {
      const r = await hrnet(args);
      expect(r.code, `${args.join(' ')}\n${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(message);
    }
  });
});

describe('--engine onnxruntime on the task commands', () => {
  it('pose gives the keypoints of engine tfjs; the summary says which engine ran', async () => {
    const dir = await tempDir('hrnet-engine-');
    const base = ['pose', PEOPLE_6, '--model', FIXTURES.pose, '--backend', 'wasm'];
    const a = await hrnet([...base, '--out', join(dir, 'tfjs')]);
    const b = await hrnet([...base, '--out', join(dir, 'ort'), '--engine', 'onnxruntime', '--threads', '1']);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    expect(b.stderr).toMatch(/engine onnxruntime \(1 thread\)/);
    const summary = JSON.parse(await readFile(join(dir, 'ort', 'summary.json'), 'utf8')) as { engine: string };
    expect(summary.engine).toBe('onnxruntime');
    type R = { keypoints: number[]; score: number };
    const pa = JSON.parse(await readFile(join(dir, 'tfjs', 'pose.json'), 'utf8')) as R[];
    const pb = JSON.parse(await readFile(join(dir, 'ort', 'pose.json'), 'utf8')) as R[];
    expect(pb).toHaveLength(pa.length);
    pb.forEach((p, i) => {
      // x, y, score triples: pixels the same to 1e-3, scores to 1e-5 of the largest
      const top = Math.max(...pa[i]!.keypoints.filter((_, j) => j % 3 === 2));
      p.keypoints.forEach((v, j) => expect(Math.abs(v - pa[i]!.keypoints[j]!)).toBeLessThan(j % 3 === 2 ? 1e-5 * top : 1e-3));
    });
  });

  it('an unknown engine, and --threads without it, are usage errors before any model is read', async () => {
    const e = await hrnet(['pose', PEOPLE_6, '--model', 'nowhere', '--engine', 'onnxruntimes']);
    expect(e.code).toBe(2);
    expect(e.stderr).toMatch(/--engine: expected tfjs or onnxruntime, found 'onnxruntimes' \(did you mean 'onnxruntime'\?\)/);
    const t = await hrnet(['pose', PEOPLE_6, '--model', 'nowhere', '--threads', '2']);
    expect(t.code).toBe(2);
    expect(t.stderr).toMatch(/--threads sets onnxruntime's threads: use it with --engine onnxruntime/);
    const z = await hrnet(['pose', PEOPLE_6, '--model', 'nowhere', '--engine', 'onnxruntime', '--threads', '0']);
    expect(z.code).toBe(2);
    expect(z.stderr).toMatch(/--threads: expected a positive whole number, found '0'/);
  });
});
