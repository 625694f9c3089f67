/**
 * The bench's pipeline tables, measured in the same run as the engine table: whole calls of the high-level
 * APIs a user makes, not bare networks.
 * - `fps`: `estimatePoses` on one person box (no flip) for W32 and Lite-HRNet-18/-30 on tfjs and on the
 *   onnxruntime engine (1 and 2 threads): milliseconds and frames per second (issue 16's real-time question), and
 *   on onnxruntime the bare `session.run` of the same network beside it, timed in turn (issue 12's 1.15× target).
 * - `bottomup`: HigherHRNet W32 512 `estimatePoses` single scale and with flip, the network part (resize,
 *   network, flip aggregation) apart from the grouping, on tfjs and on the onnxruntime engine. Random weights
 *   make a worst case for the grouping (every top-k candidate passes the threshold, no tag matches: hundreds of
 *   people), so beside it the grouping of planted maps: 4 people with Gaussian heatmaps and consistent tags.
 * - `load`: reading an official-size checkpoint (HRNet-W48 segmentation, 0.26 GB) from bytes with
 *   `loadCheckpoint`, as a PyTorch zip (made once by Debian's PyTorch when it is there) and as safetensors.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { exportOnnx, loadCheckpoint, saveSafetensors } from '@hrnetjs/core';
import {
  COCO_KEYPOINTS,
  createMultiPoseEstimator,
  createPoseEstimator,
  type GroupingParams,
  groupingParams,
  parseHeatmaps,
  topKOnDevice,
} from '@hrnetjs/head-pose';
import { createSegmentationModel } from '@hrnetjs/head-seg';
import { type NodeOptions, ortSession, scene, sessionRun } from './node.js';
import { type Timing, ratioPlan, timeAlternating, timeRuns } from './timing.js';

export const PIPELINE_ROWS = ['fps', 'bottomup', 'load'] as const;
export type PipelineRow = (typeof PIPELINE_ROWS)[number];

type Cell = Timing | string;
const ms = (t: Timing) => t.medianMs.toFixed(t.medianMs < 100 ? 1 : 0);
const cell = (c: Cell | undefined) => (c === undefined ? '' : typeof c === 'string' ? c : ms(c));
const fail = (e: unknown) => `failed: ${(e as Error).message.split('\n')[0]}`;

const ENGINES = [
  ['tfjs', {}],
  ['onnxruntime 2t', { engine: 'onnxruntime', engineOptions: { threads: 2 } }],
] as const;

/** The fps table's engines: the onnxruntime engine at 1 and 2 threads, each against its bare `session.run`. */
const FPS_ENGINES = [
  ['tfjs', {}, 0],
  ['onnxruntime 1t', { engine: 'onnxruntime', engineOptions: { threads: 1 } }, 1],
  ['onnxruntime 2t', { engine: 'onnxruntime', engineOptions: { threads: 2 } }, 2],
] as const;

/**
 * `estimatePoses` (one box, no flip) per model and engine: ms and frames per second; on the onnxruntime engine
 * also the bare `session.run` of the same exported network (fed a ready NHWC crop, the engine's own session
 * options) and the ratio of the two, timed call by call in turn (so the ratio holds on a loaded machine) over
 * more calls than the other cells.
 */
async function fpsTable(o: NodeOptions): Promise<string> {
  const lines = [
    '| estimatePoses, 1 person box, no flip | engine | ms a call | frames / s | bare session.run ms | estimatePoses / session.run |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  const { image, boxes } = scene();
  const plan = ratioPlan(o.plan, o.quick);
  try {
    for (const model of ['coco_w32_256x192', 'litehrnet_18_coco_256x192', 'litehrnet_30_coco_256x192']) {
      for (const [name, engine, threads] of FPS_ENGINES) {
        if (name !== 'tfjs' && typeof o.ort === 'string') {
          lines.push(`| ${model} | ${name} | ${o.ort} | | | |`);
          continue;
        }
        o.log(`  ${model} on ${name}`);
        let t: Cell;
        let bare: Cell | undefined;
        try {
          const est = await createPoseEstimator({ model, weights: null, flipTest: false, ...engine });
          try {
            const call = () => est.estimatePoses(image, { boxes });
            if (threads === 0 || typeof o.ort === 'string') t = await timeRuns(call, o.plan);
            else {
              const [w, h] = est.inputSize;
              const session = await ortSession(o.ort, exportOnnx(est.model, { inputSize: [w, h] }), threads);
              try {
                const run = await sessionRun(o.ort, session, [1, h, w, 3]);
                [t, bare] = await timeAlternating(call, run, plan);
              } finally {
                await session.release();
              }
            }
          } finally {
            est.dispose();
          }
        } catch (e) {
          t = fail(e);
        }
        const ratio = typeof t !== 'string' && bare !== undefined && typeof bare !== 'string' ? `${(t.medianMs / bare.medianMs).toFixed(2)}×` : '';
        lines.push(`| ${model} | ${name} | ${cell(t)} | ${typeof t === 'string' ? '' : (1000 / t.medianMs).toFixed(1)} | ${cell(bare)} | ${ratio} |`);
      }
    }
  } finally {
    image.dispose();
  }
  return lines.join('\n');
}

/** A standing person's 17 COCO joints, `(x, y)` in units of its height, from the top of the head. */
const SKELETON: readonly (readonly [number, number])[] = [
  [0, 0.05], [0.03, 0.03], [-0.03, 0.03], [0.07, 0.05], [-0.07, 0.05], [0.12, 0.18], [-0.12, 0.18], [0.16, 0.35],
  [-0.16, 0.35], [0.17, 0.5], [-0.17, 0.5], [0.08, 0.52], [-0.08, 0.52], [0.09, 0.74], [-0.09, 0.74], [0.1, 0.96], [-0.1, 0.96],
];

/**
 * What a trained HigherHRNet gives for a 512x512 image of 4 people, made deterministically: Gaussian peaks
 * (σ 3 pixels, the maps are projected to the input size) at each person's joints over a low hashed background
 * (below the detection threshold, so NMS and top-k still see 30 candidates a joint), and tags that are each
 * person's value (1.5 apart; the threshold is 1) near its joints, plus a slow ripple. `[1, H, W, K]`,
 * `[1, H, W, K, T]`.
 */
export function plantedMaps(T: number, size = 512): { heatmaps: tf.Tensor4D; tags: tf.Tensor; people: number } {
  const K = SKELETON.length;
  if (K !== COCO_KEYPOINTS.names.length) throw new Error('skeleton: one row a COCO joint');
  const people = [
    [130, 60, 300],
    [250, 110, 260],
    [380, 80, 330],
    [470, 200, 200],
  ] as const;
  const det = new Float32Array(size * size * K);
  const tag = new Float32Array(size * size * K * T);
  let h = 0x9e3779b9;
  for (let i = 0; i < det.length; i++) {
    h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) >>> 0;
    det[i] = ((h >>> 8) / 16777216) * 0.05;
  }
  const sigma = 3;
  const r = 4 * sigma;
  for (let j = 0; j < K; j++) {
    // tag: the value of the person whose joint j is nearest (what a trained net gives near its people)
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        let best = Infinity;
        let who = 0;
        people.forEach(([cx, top, height], p) => {
          const dx = x - Math.round(cx + SKELETON[j]![0] * height);
          const dy = y - Math.round(top + SKELETON[j]![1] * height);
          if (dx * dx + dy * dy < best) {
            best = dx * dx + dy * dy;
            who = p;
          }
        });
        for (let t = 0; t < T; t++) tag[((y * size + x) * K + j) * T + t] = 1.5 * who + 0.05 * Math.sin((x + y) / 40);
      }
    }
    for (const [cx, top, height] of people) {
      // on a pixel: a peak between two would give two equal maxima, both kept by NMS (a duplicate person)
      const px = Math.round(cx + SKELETON[j]![0] * height);
      const py = Math.round(top + SKELETON[j]![1] * height);
      for (let y = Math.max(0, Math.floor(py - r)); y <= Math.min(size - 1, Math.ceil(py + r)); y++) {
        for (let x = Math.max(0, Math.floor(px - r)); x <= Math.min(size - 1, Math.ceil(px + r)); x++) {
          const g = Math.exp(-((x - px) ** 2 + (y - py) ** 2) / (2 * sigma * sigma));
          const at = (y * size + x) * K + j;
          if (g > det[at]!) det[at] = g;
        }
      }
    }
  }
  return {
    heatmaps: tf.tensor4d(det, [1, size, size, K]),
    tags: tf.tensor(tag, [1, size, size, K, T]),
    people: people.length,
  };
}

/** `estimatePoses`' grouping of given maps: the device top-k and download, then the host parser. */
async function groupMaps(heatmaps: tf.Tensor4D, tags: tf.Tensor, params: GroupingParams): Promise<number> {
  const { maps, top } = await topKOnDevice(heatmaps, tags, params);
  return parseHeatmaps(maps, top, params).people.length;
}

/**
 * HigherHRNet W32 512: single scale and flip; the whole call, its network part and its grouping (medians) with
 * random weights, and the grouping of planted maps (4 people) on the same backend.
 */
async function bottomUpTable(o: NodeOptions): Promise<string> {
  const lines = [
    '| HigherHRNet W32 512, one 512x512 image | engine | ms a call (random weights) | network ms | grouping ms, random weights (people) | grouping ms, 4 planted people (found) |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  const image = tf.randomUniform([512, 512, 3], 0, 255) as tf.Tensor3D;
  const planted = [1, 2].map((T) => plantedMaps(T));
  try {
    for (const [name, engine] of ENGINES) {
      if (name !== 'tfjs' && typeof o.ort === 'string') {
        lines.push(`| single scale / flip | ${name} | ${o.ort} | | | |`);
        continue;
      }
      let est: Awaited<ReturnType<typeof createMultiPoseEstimator>> | undefined;
      try {
        est = await createMultiPoseEstimator({ model: 'higherhrnet_w32_512', weights: null, ...engine });
        const params = groupingParams(est.model.bottomUpConfig);
        for (const flipTest of [false, true]) {
          o.log(`  HigherHRNet W32 512 on ${name}${flipTest ? ', flip' : ''}`);
          const network: number[] = [];
          const grouping: number[] = [];
          let found = 0;
          const e = est;
          const t = await timeRuns(async () => {
            found = (await e.estimatePoses(image, { flipTest })).length;
            network.push(e.lastTimings.network);
            grouping.push(e.lastTimings.grouping);
          }, o.plan);
          // the split of the timed calls only (the warm-up calls come first)
          const median = (v: number[]) => {
            const s = v.slice(-t.runs).sort((a, b) => a - b);
            return s[Math.floor(s.length / 2)]!;
          };
          // plain tags, or plain and flipped: the tag layout `estimatePoses` groups with this flip setting
          const p = planted[flipTest ? 1 : 0]!;
          let plantedFound = 0;
          const g = await timeRuns(async () => {
            plantedFound = await groupMaps(p.heatmaps, p.tags, params);
          }, o.plan);
          lines.push(
            `| ${flipTest ? 'flip' : 'single scale'} | ${name} | ${ms(t)} | ${median(network).toFixed(0)} | ${median(grouping).toFixed(1)} (${found}) | ${ms(g)} (${plantedFound}) |`,
          );
        }
      } catch (e) {
        lines.push(`| single scale / flip | ${name} | ${fail(e)} | | | |`);
      } finally {
        est?.dispose();
      }
    }
  } finally {
    image.dispose();
    for (const p of planted) tf.dispose([p.heatmaps, p.tags]);
  }
  return lines.join('\n');
}

/** The W48 segmentation checkpoint as PyTorch writes it: made once by Debian's PyTorch, cached. */
function torchCheckpoint(shapes: Map<string, number[]>, cacheDir: string): string {
  const dir = join(cacheDir, 'bench');
  const file = join(dir, 'seg_w48_cityscapes_random.pth');
  if (existsSync(file)) return file;
  const python = process.env.HRNET_PYTHON ?? '/usr/bin/python3';
  if (!existsSync(python)) return `no Python at ${python} to write the PyTorch file (set HRNET_PYTHON)`;
  mkdirSync(dir, { recursive: true });
  const spec = join(dir, 'seg_w48_cityscapes_shapes.json');
  writeFileSync(spec, JSON.stringify(Object.fromEntries(shapes)));
  const script = [
    'import json, sys, torch',
    'torch.manual_seed(0)',
    'shapes = json.load(open(sys.argv[1]))',
    "sd = {k: (torch.zeros((), dtype=torch.long) if k.endswith('num_batches_tracked') else torch.randn(v)) for k, v in shapes.items()}",
    'torch.save(sd, sys.argv[2])',
  ].join('\n');
  const r = spawnSync(python, ['-c', script, spec, file], { encoding: 'utf8', timeout: 300_000 });
  if (r.status !== 0) return `${python} could not write the PyTorch file (${(r.stderr || r.error?.message || '').trim().split('\n').pop()})`;
  return file;
}

/** `loadCheckpoint` of an HRNet-W48 segmentation state dict from bytes, PyTorch zip and safetensors. */
async function loadTable(o: NodeOptions): Promise<string> {
  const lines = ['| checkpoint: HRNet-W48 seg (Cityscapes), random weights | MB | loadCheckpoint ms |', '| --- | --- | --- |'];
  const model = createSegmentationModel('w48_cityscapes');
  try {
    const shapes = model.shapes();
    const pth = o.quick ? 'skipped with --quick' : torchCheckpoint(shapes, o.cacheDir);
    if (existsSync(pth)) {
      const bytes = new Uint8Array(readFileSync(pth));
      o.log('  loadCheckpoint: PyTorch zip');
      const t = await timeRuns(async () => loadCheckpoint(bytes), o.plan);
      lines.push(`| PyTorch zip (torch.save) | ${(bytes.length / 2 ** 20).toFixed(0)} | ${ms(t)} |`);
    } else lines.push(`| PyTorch zip (torch.save) | | ${pth} |`);
    const st = saveSafetensors(model.stateDict());
    o.log('  loadCheckpoint: safetensors');
    const t = await timeRuns(async () => loadCheckpoint(st), o.plan);
    lines.push(`| safetensors | ${(st.length / 2 ** 20).toFixed(0)} | ${ms(t)} |`);
  } catch (e) {
    lines.push(`| | | ${fail(e)} |`);
  } finally {
    model.dispose();
  }
  return lines.join('\n');
}

/** The pipeline tables asked for, each a Markdown table, in `PIPELINE_ROWS` order. */
export async function pipelineTables(rows: readonly PipelineRow[], o: NodeOptions): Promise<string[]> {
  const out: string[] = [];
  if (rows.includes('fps')) out.push(await fpsTable(o));
  if (rows.includes('bottomup')) out.push(await bottomUpTable(o));
  if (rows.includes('load')) out.push(await loadTable(o));
  return out;
}
