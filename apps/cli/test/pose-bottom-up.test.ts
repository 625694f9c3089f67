/**
 * `hrnet pose` with a bottom-up (HigherHRNet) model: every person in one pass, no --boxes. The built CLI as a
 * subprocess on a sample photo, with the small official-architecture network and hashed weights, against the
 * library run in this process on the same pixels.
 */
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readExportInfo, readNpy, saveSafetensors } from '@hrnetjs/core';
import { hashedInput, hashedStateDict, useBackend } from '@hrnetjs/core/testing';
import { createBottomUpPoseModel, createMultiPoseEstimator, createPoseModel, toBottomUpCocoResults } from '@hrnetjs/head-pose';
import { readImage } from '../src/images.js';
import { isBottomUpPoseSource } from '../src/tasks/pose-bottom-up.js';
import { checkKeypointResults } from './coco-format.js';
import { FIXTURES, REPO, SAMPLES, hrnet, tempDir } from './helpers.js';

const PHOTO = join(SAMPLES, 'people_6.jpg');
const SMALL_YAML = join(REPO, 'packages/head-pose/test/fixtures/higherhrnet_small/config.yaml');
type KptResult = { image_id: number; keypoints: number[]; score: number; bbox: number[] };

function hashedWeights(model: { stateDict(): Map<string, { shape: number[] }>; dispose(): void }) {
  const shapes = [...model.stateDict()].map(([k, t]) => [k, t.shape] as [string, number[]]);
  model.dispose();
  return hashedStateDict(shapes);
}

describe('hrnet pose with a bottom-up model (cpu)', () => {
  let dir: string;
  let yaml: string;
  beforeAll(async () => {
    await useBackend('cpu');
    dir = await tempDir();
    yaml = await readFile(SMALL_YAML, 'utf8');
    // a model folder as the CLI takes it: config.yaml + weights
    await mkdir(join(dir, 'hh'));
    await copyFile(SMALL_YAML, join(dir, 'hh', 'config.yaml'));
    await writeFile(join(dir, 'hh', 'w.safetensors'), saveSafetensors(hashedWeights(createBottomUpPoseModel(yaml))));
  });

  it('knows a bottom-up --model by zoo name, preset or YAML', () => {
    expect(isBottomUpPoseSource({ zoo: null, config: 'higherhrnet_w32_512' })).toBe(true);
    expect(isBottomUpPoseSource({ zoo: null, config: 'w48_640' })).toBe(true);
    expect(isBottomUpPoseSource({ zoo: null, config: yaml })).toBe(true);
    expect(isBottomUpPoseSource({ zoo: null, config: 'coco_w32_256x192' })).toBe(false);
    expect(isBottomUpPoseSource({ zoo: null, config: 'w32_256x192' })).toBe(false);
  });

  it('finds the people without boxes; pose.json is the library result on the same pixels (official format)', async () => {
    const out = join(dir, 'out');
    const r = await hrnet(['pose', PHOTO, '--model', join(dir, 'hh'), '--weights', join(dir, 'hh', 'w.safetensors'), '--backend', 'cpu', '--out', out, '--annotate']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr + r.stdout).toMatch(/bottom-up pose .*no boxes/);
    const cli = JSON.parse(await readFile(join(out, 'pose.json'), 'utf8')) as KptResult[];
    expect(checkKeypointResults(cli, 17)).toEqual([]);
    const image = await readImage(PHOTO);
    const est = await createMultiPoseEstimator({ model: yaml, weights: hashedWeights(createBottomUpPoseModel(yaml)) });
    const people = await est.estimatePoses(image);
    est.dispose();
    expect(people.length).toBeGreaterThan(1);
    const lib = toBottomUpCocoResults([{ imageId: cli[0]!.image_id, poses: people }]);
    expect(cli.length).toBe(lib.length);
    cli.forEach((c, i) => {
      expect(c.score).toBeCloseTo(lib[i]!.score, 6);
      c.keypoints.forEach((v, j) => expect(Math.abs(v - lib[i]!.keypoints[j]!)).toBeLessThan(1e-4));
      expect(c.bbox).toHaveLength(4);
    });
  });

  it('--engine onnxruntime finds the same people as the tfjs engine (the built CLI, both engines)', async () => {
    const base = ['pose', PHOTO, '--model', join(dir, 'hh'), '--weights', join(dir, 'hh', 'w.safetensors'), '--backend', 'wasm'];
    const a = await hrnet([...base, '--out', join(dir, 'tfjs')]);
    const b = await hrnet([...base, '--out', join(dir, 'ort'), '--engine', 'onnxruntime', '--threads', '1']);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    expect(b.stderr).toMatch(/engine onnxruntime \(1 thread\)/);
    const summary = JSON.parse(await readFile(join(dir, 'ort', 'summary.json'), 'utf8')) as { engine: string };
    expect(summary.engine).toBe('onnxruntime');
    const pa = JSON.parse(await readFile(join(dir, 'tfjs', 'pose.json'), 'utf8')) as KptResult[];
    const pb = JSON.parse(await readFile(join(dir, 'ort', 'pose.json'), 'utf8')) as KptResult[];
    expect(checkKeypointResults(pb, 17)).toEqual([]);
    expect(pa.length).toBeGreaterThan(1);
    expect(pb).toHaveLength(pa.length);
    pb.forEach((p, i) => {
      // the same person in the same place: x, y to 1e-3 pixels, joint and person scores to 1e-5 of the largest
      const top = Math.max(...pa[i]!.keypoints.filter((_, j) => j % 3 === 2));
      expect(Math.abs(p.score - pa[i]!.score)).toBeLessThan(1e-5 * top);
      p.keypoints.forEach((v, j) => expect(Math.abs(v - pa[i]!.keypoints[j]!), `person ${i} value ${j}`).toBeLessThan(j % 3 === 2 ? 1e-5 * top : 1e-3));
    });
  });

  it('--boxes with a bottom-up model is a usage error; a top-down checkpoint names both networks', async () => {
    const base = ['pose', PHOTO, '--model', join(dir, 'hh'), '--backend', 'cpu', '--out', join(dir, 'bad')];
    const boxes = await hrnet([...base, '--weights', join(dir, 'hh', 'w.safetensors'), '--boxes', join(dir, 'none.json')]);
    expect(boxes.code).toBe(2);
    expect(boxes.stderr).toMatch(/bottom-up .*--boxes and --det-model are for top-down models/);
    const topDownYaml = await readFile(join(FIXTURES.pose, 'config.yaml'), 'utf8');
    await writeFile(join(dir, 'td.safetensors'), saveSafetensors(hashedWeights(createPoseModel(topDownYaml))));
    const td = await hrnet([...base, '--weights', join(dir, 'td.safetensors')]);
    expect(td.code).toBe(1);
    expect(td.stderr).toMatch(/top-down pose checkpoint \(PoseHighResolutionNet.*PoseHigherResolutionNet/);
  });
});

describe('hrnet convert --to onnx with a bottom-up model', () => {
  beforeAll(() => useBackend('cpu'));
  it('exports the HigherHRNet network (both outputs), which gives the official outputs; default size INPUT_SIZE²', async () => {
    const dir = await tempDir();
    const yaml = await readFile(SMALL_YAML, 'utf8');
    await mkdir(join(dir, 'hh'));
    await copyFile(SMALL_YAML, join(dir, 'hh', 'config.yaml'));
    await writeFile(join(dir, 'w.safetensors'), saveSafetensors(hashedWeights(createBottomUpPoseModel(yaml))));
    const file = join(dir, 'hh.onnx');
    const r = await hrnet(['convert', join(dir, 'w.safetensors'), '--to', 'onnx', '--model', join(dir, 'hh'), '--input-size', '96x64', '--layout', 'nchw', '--out', file]);
    expect(r.code, r.stderr).toBe(0);
    const ort = await import('onnxruntime-node');
    const session = await ort.InferenceSession.create(await readFile(file));
    const x = Float32Array.from(hashedInput('input', 3 * 64 * 96));
    const res = await session.run({ input: new ort.Tensor('float32', x, [1, 3, 64, 96]) });
    await session.release();
    for (const i of [0, 1]) {
      const ref = readNpy(new Uint8Array(await readFile(join(REPO, `packages/head-pose/test/fixtures/higherhrnet_small/output_${i}.npy`))));
      const out = res[`output_${i}`]!;
      expect([...out.dims]).toEqual(ref.shape);
      const data = out.data as Float32Array;
      let d = 0;
      let m = 0;
      ref.data.forEach((v, j) => {
        d = Math.max(d, Math.abs(data[j]! - v));
        m = Math.max(m, Math.abs(v));
      });
      expect(d / m, `output_${i}`).toBeLessThan(1e-5);
    }
    const dflt = await hrnet(['convert', join(dir, 'w.safetensors'), '--to', 'onnx', '--model', join(dir, 'hh'), '--out', join(dir, 'd.onnx')]);
    expect(dflt.code, dflt.stderr).toBe(0);
    expect(readExportInfo(new Uint8Array(await readFile(join(dir, 'd.onnx')))).inputSize).toEqual([64, 64]);
  });
});
