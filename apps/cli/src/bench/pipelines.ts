/**
 * The bench's pipeline tables, measured in the same run as the engine table: whole calls of the high-level
 * APIs a user makes, not bare networks.
 * - `fps`: `estimatePoses` on one person box (no flip) for W32 and Lite-HRNet-18/-30 on tfjs and on the
 *   onnxruntime engine (1 and 2 threads): milliseconds and frames per second (issue 16's real-time question), and
 *   on onnxruntime the bare `session.run` of the same network beside it, timed in turn (issue 12's 1.15× target).
 * - `bottomup`: HigherHRNet W32 512 `estimatePoses` single scale and with flip, the network part (resize,
 *   network, flip aggregation) apart from the grouping, on tfjs and on the onnxruntime engine.
 * - `load`: reading an official-size checkpoint (HRNet-W48 segmentation, 0.26 GB) from bytes with
 *   `loadCheckpoint`, as a PyTorch zip (made once by Debian's PyTorch when it is there) and as safetensors.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { exportOnnx, loadCheckpoint, saveSafetensors } from '@hrnetjs/core';
import { createMultiPoseEstimator, createPoseEstimator } from '@hrnetjs/head-pose';
import { createSegmentationModel } from '@hrnetjs/head-seg';
import { type NodeOptions, ortSession, scene, sessionRun } from './node.js';
import { type Timing, timeAlternating, timeRuns } from './timing.js';

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
  const ratioPlan = o.quick ? o.plan : { ...o.plan, minRuns: 15, maxRuns: 40 };
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
                [t, bare] = await timeAlternating(call, run, ratioPlan);
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

/** HigherHRNet W32 512: single scale and flip; the whole call, its network part and its grouping (medians). */
async function bottomUpTable(o: NodeOptions): Promise<string> {
  const lines = ['| HigherHRNet W32 512, one 512x512 image | engine | ms a call | network ms | grouping ms |', '| --- | --- | --- | --- | --- |'];
  const image = tf.randomUniform([512, 512, 3], 0, 255) as tf.Tensor3D;
  try {
    for (const [name, engine] of ENGINES) {
      if (name !== 'tfjs' && typeof o.ort === 'string') {
        lines.push(`| single scale / flip | ${name} | ${o.ort} | | |`);
        continue;
      }
      let est: Awaited<ReturnType<typeof createMultiPoseEstimator>> | undefined;
      try {
        est = await createMultiPoseEstimator({ model: 'higherhrnet_w32_512', weights: null, ...engine });
        for (const flipTest of [false, true]) {
          o.log(`  HigherHRNet W32 512 on ${name}${flipTest ? ', flip' : ''}`);
          const network: number[] = [];
          const grouping: number[] = [];
          const e = est;
          const t = await timeRuns(async () => {
            await e.estimatePoses(image, { flipTest });
            network.push(e.lastTimings.network);
            grouping.push(e.lastTimings.grouping);
          }, o.plan);
          // the split of the timed calls only (the warm-up calls come first)
          const median = (v: number[]) => {
            const s = v.slice(-t.runs).sort((a, b) => a - b);
            return s[Math.floor(s.length / 2)]!;
          };
          lines.push(`| ${flipTest ? 'flip' : 'single scale'} | ${name} | ${ms(t)} | ${median(network).toFixed(0)} | ${median(grouping).toFixed(1)} |`);
        }
      } catch (e) {
        lines.push(`| single scale / flip | ${name} | ${fail(e)} | | |`);
      } finally {
        est?.dispose();
      }
    }
  } finally {
    image.dispose();
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
