/**
 * End-to-end: the built `hrnet` as a subprocess on the sample photos with the repository's golden-fixture
 * weights (random-weight small networks of the official code). On cpu and wasm.
 */
import { copyFile, mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it, beforeAll } from 'vitest';
import sharp from 'sharp';
import { loadCheckpoint, saveSafetensors, type StateDict } from '@hrnetjs/core';
import { checkKeypointResults } from './coco-format.js';
import { FIXTURES, SAMPLES, hrnet, tempDir } from './helpers.js';

const PEOPLE_6 = join(SAMPLES, 'people_6.jpg');
const PEOPLE_7 = join(SAMPLES, 'people_7.jpg');

async function readJson<T = unknown>(p: string): Promise<T> {
  return JSON.parse(await readFile(p, 'utf8')) as T;
}

type KptResult = { image_id: number; keypoints: number[]; score: number };

function maxAbsDiff(a: KptResult[], b: KptResult[]): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  a.forEach((r, i) => r.keypoints.forEach((v, j) => (m = Math.max(m, Math.abs(v - b[i]!.keypoints[j]!)))));
  return m;
}

function renamed(sd: StateDict, f: (k: string) => string | null): StateDict {
  const out: StateDict = new Map();
  for (const [k, v] of sd) {
    const n = f(k);
    if (n !== null) out.set(n, v);
  }
  return out;
}

describe.each(['cpu', 'wasm'])('hrnet inference on %s', (backend) => {
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir();
  });

  it('pose: COCO keypoint results + annotated images; pth → safetensors → tfjs give the same poses', async () => {
    const base = ['pose', PEOPLE_6, PEOPLE_7, '--model', FIXTURES.pose, '--backend', backend];
    const r = await hrnet([...base, '--out', join(dir, 'pth'), '--annotate']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`backend ${backend}`);
    expect(r.stderr).toMatch(/pose \[=+\] 2\/2 images .* done in/);
    const pth = await readJson<KptResult[]>(join(dir, 'pth', 'pose.json'));
    expect(checkKeypointResults(pth, 17)).toEqual([]);
    expect(pth.map((p) => p.image_id).sort()).toEqual([1, 2]);
    const png = await sharp(join(dir, 'pth', 'annotated', 'people_7.png')).metadata();
    expect([png.width, png.height, png.format]).toEqual([640, 480, 'png']);

    // conversion round trip, then inference with each converted file
    const st = await hrnet(['convert', join(FIXTURES.pose, 'weights.pth'), '--to', 'safetensors', '--out', join(dir, 'w.safetensors')]);
    expect(st.code, st.stderr).toBe(0);
    const tj = await hrnet(['convert', join(dir, 'w.safetensors'), '--to', 'tfjs', '--out', join(dir, 'w_tfjs')]);
    expect(tj.code, tj.stderr).toBe(0);
    expect(tj.stdout.trim()).toBe(join(dir, 'w_tfjs', 'model.json'));
    for (const [name, w] of [['st', join(dir, 'w.safetensors')], ['tfjs', join(dir, 'w_tfjs', 'model.json')]] as const) {
      const c = await hrnet([...base, '--weights', w, '--out', join(dir, name)]);
      expect(c.code, c.stderr).toBe(0);
      expect(maxAbsDiff(pth, await readJson<KptResult[]>(join(dir, name, 'pose.json')))).toBe(0);
    }
    // float16 changes values only by half-precision rounding
    const h = await hrnet(['convert', join(FIXTURES.pose, 'weights.pth'), '--to', 'tfjs', '--float16', '--out', join(dir, 'w16')]);
    expect(h.code, h.stderr).toBe(0);
    const c16 = await hrnet([...base, '--weights', join(dir, 'w16', 'model.json'), '--out', join(dir, 'f16')]);
    expect(c16.code, c16.stderr).toBe(0);
    expect(maxAbsDiff(pth, await readJson<KptResult[]>(join(dir, 'f16', 'pose.json')))).toBeLessThan(8);

    // and the results evaluate: against ground truth made from themselves, AP = 1
    const gt = {
      images: [{ id: 1 }, { id: 2 }],
      categories: [{ id: 1, name: 'person' }],
      annotations: pth.map((p, i) => ({
        id: i + 1, image_id: p.image_id, category_id: 1, iscrowd: 0, area: 10000, bbox: [0, 0, 100, 100], num_keypoints: 17,
        keypoints: p.keypoints.map((v, j) => (j % 3 === 2 ? 2 : v)),
      })),
    };
    await writeFile(join(dir, 'gt.json'), JSON.stringify(gt));
    const ev = await hrnet(['eval', 'pose', '--results', join(dir, 'pth', 'pose.json'), '--gt', join(dir, 'gt.json'), '--json']);
    expect(ev.code, ev.stderr).toBe(0);
    expect((JSON.parse(ev.stdout) as { stats: Record<string, number> }).stats.AP).toBeCloseTo(1, 6);
  });

  it('pose with OpenMMLab (mmpose 1.x) key names loads through the zoo key mapping: same poses', async () => {
    const sd = loadCheckpoint(new Uint8Array(await readFile(join(FIXTURES.pose, 'weights.pth'))));
    const mm = renamed(sd, (k) => (k.startsWith('final_layer.') ? `head.${k}` : `backbone.${k}`));
    await writeFile(join(dir, 'mmpose.safetensors'), saveSafetensors(mm));
    const args = (w: string, out: string) => ['pose', PEOPLE_6, '--model', join(FIXTURES.pose, 'config.yaml'), '--weights', w, '--backend', backend, '--out', out];
    const a = await hrnet(args(join(FIXTURES.pose, 'weights.pth'), join(dir, 'off')));
    const b = await hrnet(args(join(dir, 'mmpose.safetensors'), join(dir, 'mm')));
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    expect(maxAbsDiff(await readJson(join(dir, 'off', 'pose.json')), await readJson(join(dir, 'mm', 'pose.json')))).toBe(0);
  });

  it('face with mmpose 0.x key names (keypoint_head.final_layer) gives the same landmarks', async () => {
    const sd = loadCheckpoint(new Uint8Array(await readFile(join(FIXTURES.face, 'weights.pth'))));
    const mm = renamed(sd, (k) => (k.startsWith('head.') ? `keypoint_head.final_layer.${k.slice(5)}` : `backbone.${k}`));
    await writeFile(join(dir, 'mmface.safetensors'), saveSafetensors(mm));
    const args = (w: string, out: string) => ['face', PEOPLE_6, '--model', FIXTURES.face, '--weights', w, '--backend', backend, '--out', out];
    const a = await hrnet(args(join(FIXTURES.face, 'weights.pth'), join(dir, 'face_off')));
    const b = await hrnet(args(join(dir, 'mmface.safetensors'), join(dir, 'face_mm')));
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    const la = await readJson<{ faces: { landmarks: { x: number }[] }[] }[]>(join(dir, 'face_off', 'face.json'));
    const lb = await readJson<typeof la>(join(dir, 'face_mm', 'face.json'));
    expect(la[0]!.faces[0]!.landmarks).toHaveLength(68);
    expect(lb).toEqual(la);
  });

  it('seg: colour masks, label maps, per-image class histogram; eval seg of a prediction against itself is mIoU 1 on present classes', async () => {
    const out = join(dir, 'seg');
    const r = await hrnet(['seg', PEOPLE_6, '--model', FIXTURES.seg, '--backend', backend, '--out', out, '--annotate']);
    expect(r.code, r.stderr).toBe(0);
    const recs = await readJson<{ width: number; height: number; classes: { id: number; pixels: number }[] }[]>(join(out, 'seg.json'));
    expect(recs[0]!.classes.reduce((s, c) => s + c.pixels, 0)).toBe(500 * 375);
    const mask = await sharp(join(out, 'masks', 'people_6.png')).metadata();
    expect([mask.width, mask.height]).toEqual([500, 375]);
    const ev = await hrnet(['eval', 'seg', '--results', join(out, 'labels'), '--gt', join(out, 'labels'), '--classes', '19', '--json']);
    expect(ev.code, ev.stderr).toBe(0);
    const present = recs[0]!.classes.length;
    expect((JSON.parse(ev.stdout) as { mIoU: number }).mIoU).toBeCloseTo(present / 19, 10);
  });
});

describe('bad input is reported per file and the batch goes on', () => {
  it('unreadable image, empty folder, missing path, mixed sizes → exit 3, good images done', async () => {
    const dir = await tempDir();
    const imgs = join(dir, 'imgs');
    await mkdir(imgs);
    await mkdir(join(dir, 'empty'));
    await copyFile(PEOPLE_6, join(imgs, 'a.jpg'));
    await writeFile(join(imgs, 'broken.jpg'), (await readFile(PEOPLE_7)).subarray(0, 300)); // truncated JPEG
    await sharp({ create: { width: 97, height: 211, channels: 3, background: { r: 128, g: 128, b: 128 } } }).greyscale().png().toFile(join(imgs, 'gray_small.png'));
    await writeFile(join(imgs, 'notes.txt'), 'not an image');
    const r = await hrnet(['pose', imgs, join(dir, 'empty'), join(dir, 'missing.jpg'), `${dir}/nothing/*.jpg`, '--model', FIXTURES.pose, '--backend', 'cpu', '--out', join(dir, 'out')]);
    expect(r.code, r.stderr).toBe(3);
    const summary = await readJson<{ processed: number; failed: { input: string; message: string }[] }>(join(dir, 'out', 'summary.json'));
    expect(summary.processed).toBe(2); // a.jpg and the gray 97x211 png
    const failed = Object.fromEntries(summary.failed.map((f) => [f.input.replace(dir, ''), f.message]));
    expect(failed['/imgs/broken.jpg']).toMatch(/cannot decode image/);
    expect(failed['/empty']).toMatch(/no image files/);
    expect(failed['/missing.jpg']).toMatch(/no such file/);
    expect(Object.keys(failed)).toHaveLength(4);
    expect(checkKeypointResults(await readJson(join(dir, 'out', 'pose.json')), 17)).toEqual([]);
  });

  it('a checkpoint of another architecture is refused with the key differences, exit 1', async () => {
    const dir = await tempDir();
    const r = await hrnet(['pose', PEOPLE_6, '--model', join(FIXTURES.pose, 'config.yaml'), '--weights', join(FIXTURES.face, 'weights.pth'), '--backend', 'cpu', '--out', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cannot build the pose model .*(missing|unexpected|shape)/s);
  });

  it('no inputs, unknown option and unknown command are usage errors (exit 2)', async () => {
    expect((await hrnet(['pose', '--model', FIXTURES.pose])).code).toBe(2);
    expect((await hrnet(['pose', PEOPLE_6, '--no-such-option'])).code).toBe(2);
    expect((await hrnet(['frobnicate'])).code).toBe(2);
  });
});

describe('hrnet info recognises each fixture', () => {
  it.each([
    ['pose', FIXTURES.pose, /task\s+pose: top-down pose .* 17 joints \(COCO\)/],
    ['seg', FIXTURES.seg, /task\s+seg: semantic segmentation \(HRNetV2\), 19 classes/],
    ['face', FIXTURES.face, /task\s+face: facial landmarks \(HRNetV2\), 68 landmarks \(300W\)/],
    ['det', FIXTURES.det, /task\s+det: object detection \(FCOS \+ HRFPN\), 80 classes, 5 FPN levels, FPN width 64/],
  ])('%s', async (_name, fixture, expected) => {
    const r = await hrnet(['info', join(fixture, 'weights.pth')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/format\s+torch-zip/);
    expect(r.stdout).toMatch(expected);
    expect(r.stdout).toMatch(/stage 2\s+\d+ modules?, BASIC, blocks \[\d+, \d+\], channels \[8, 16\]/);
    const j = JSON.parse((await hrnet(['info', join(fixture, 'weights.pth'), '--json'])).stdout) as { parameters: number; keys: number };
    expect(j.parameters).toBeGreaterThan(1000);
  });

  it('an OpenMMLab-named checkpoint is recognised with its layout', async () => {
    const dir = await tempDir();
    const sd = loadCheckpoint(new Uint8Array(await readFile(join(FIXTURES.pose, 'weights.pth'))));
    await writeFile(join(dir, 'mm.safetensors'), saveSafetensors(renamed(sd, (k) => (k.startsWith('final_layer.') ? `keypoint_head.${k}` : `backbone.${k}`))));
    const r = await hrnet(['info', join(dir, 'mm.safetensors')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/task\s+pose/);
    expect(r.stdout).toMatch(/key layout\s+mmpose-pose/);
  });
});

describe('hrnet demo and bench', () => {
  it('demo runs every head on the bundled samples offline and says the weights are random', async () => {
    const dir = await tempDir();
    const r = await hrnet(['demo', '--out', dir, '--backend', 'wasm'], { env: { HRNET_CACHE: join(dir, 'no-cache') } });
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toMatch(/RANDOM weights/);
    expect(r.stdout).toMatch(/backend: wasm/);
    expect(r.stdout).toMatch(/4 tasks ran on wasm/);
    for (const task of ['det', 'pose', 'seg', 'face']) {
      // the clean photos shipped in dist/demo/samples (nothing drawn on them)
      expect((await readdir(join(dir, task, 'annotated'))).sort()).toEqual(['basketball.png', 'pedestrians.png', 'soccer.png']);
      expect(JSON.parse(await readFile(join(dir, task, `${task}.json`), 'utf8'))).toBeTruthy();
    }
  });

  it('bench --cases prints the markdown table of formatBenchTable', async () => {
    const list = await hrnet(['bench', '--cases', '--list']);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/cls w18-small-v1 224x224 batch 1 fused/);
    const r = await hrnet(['bench', '--cases', '--filter', '^cls w18-small-v1 224x224 batch 1 fused$', '--runs', '1', '--warmup', '0', '--max-ms', '1']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe('| case | backend | runs | median ms | min ms | ms / item | GFLOP/s | peak MB | weights+input MB |');
    expect(lines[2]).toMatch(/^\| cls w18-small-v1 224x224 batch 1 fused \| wasm \| \d+ \|/);
  });
});
