/**
 * The Node half of the engine table: each network on tfjs (the backend `hrnet bench` selected, wasm by default),
 * our ONNX export on onnxruntime-node at 1 and 2 threads, and PyTorch's own export of the same network (same
 * weights) at 1 and 2 threads; then `estimatePoses` on the onnxruntime engine against the bare `session.run`,
 * and the memory rows.
 */
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { countMultiplyAdds, exportOnnx, loadCheckpoint, saveSafetensors, setOnnxRuntimeLoader, settle } from '@hrnetjs/core';
import { createPoseEstimator } from '@hrnetjs/head-pose';
import { loadOnnxRuntimeNode } from '../onnxruntime.js';
import { type BenchModelSpec, sizeOf } from './models.js';
import { type RunPlan, type Timing, ratioPlan, timeAlternating, timeRuns } from './timing.js';
import { type TorchFiles, type TorchReference, torchFiles } from './torch-ref.js';

interface OrtTensor {
  data: unknown;
  dims: readonly number[];
}
interface OrtSession {
  inputNames: readonly string[];
  outputNames: readonly string[];
  run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>>;
  release(): Promise<void>;
}
export interface OrtNode {
  InferenceSession: { create(model: Uint8Array | string, options?: Record<string, unknown>): Promise<OrtSession> };
  Tensor: new (type: 'float32', data: Float32Array, dims: readonly number[]) => OrtTensor;
}

/** onnxruntime-node (the cli's optional dependency: the bench's reference engine), or why it is absent. */
export async function loadOrtNode(): Promise<OrtNode | string> {
  try {
    return await loadOnnxRuntimeNode<OrtNode>();
  } catch (e) {
    // a table cell: the reason in a few words (the command's full advice is for --engine onnxruntime)
    const cause = (e as Error).cause instanceof Error ? ((e as Error).cause as Error) : (e as Error);
    return `onnxruntime-node did not load (${cause.message.split('\n')[0]})`;
  }
}

export const THREADS = [1, 2] as const;

/** What one network's Node measurements give the table, and what the browser part needs of it. */
export interface NodeResult {
  spec: BenchModelSpec;
  size: [number, number];
  gflop: number;
  weights: 'torch reference' | 'random';
  tfjs: Timing | string;
  ours: Record<number, Timing | string>;
  torch: Record<number, Timing | string>;
  /** max|ours − PyTorch| / max|PyTorch| on the tool's input, for our file and for torch's (same weights). */
  agreement?: { ours: number; torch: number } | string;
  /** Our ONNX file and the unfused weights (safetensors), for the browser rows. */
  onnx: Uint8Array | string;
  safetensors?: Uint8Array;
}

const randomInput = (n: number) => Float32Array.from({ length: n }, () => Math.random() * 2 - 1);

export async function ortSession(ort: OrtNode, model: Uint8Array | string, threads: number): Promise<OrtSession> {
  return ort.InferenceSession.create(model, {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
  });
}

/** One `session.run` on a random input of `dims` (made once), as a function to time. */
export function sessionRun(ort: OrtNode, session: OrtSession, dims: number[]): () => Promise<unknown> {
  const feed = { [session.inputNames[0]!]: new ort.Tensor('float32', randomInput(dims.reduce((a, b) => a * b, 1)), dims) };
  return () => session.run(feed);
}

/** Times `session.run` on one random input of `dims`. */
async function timeSession(ort: OrtNode, session: OrtSession, dims: number[], plan: RunPlan): Promise<Timing> {
  return timeRuns(sessionRun(ort, session, dims), plan);
}

function relativeError(got: Float32Array, want: Float32Array): number {
  let maxDiff = 0;
  let maxRef = 0;
  for (let i = 0; i < want.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(got[i]! - want[i]!));
    maxRef = Math.max(maxRef, Math.abs(want[i]!));
  }
  return maxDiff / (maxRef || 1);
}

/** NHWC values of an NCHW array. */
function nchwToNhwc(x: Float32Array, [c, h, w]: number[]): Float32Array {
  const out = new Float32Array(x.length);
  for (let ci = 0; ci < c!; ci++) for (let y = 0; y < h!; y++) for (let xi = 0; xi < w!; xi++) out[(y * w! + xi) * c! + ci] = x[(ci * h! + y) * w! + xi]!;
  return out;
}

const f32 = (path: string) => {
  const b = readFileSync(path);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
};

export interface NodeOptions {
  quick: boolean;
  plan: RunPlan;
  ort: OrtNode | string;
  torch: TorchReference | string;
  cacheDir: string;
  /** Keep what the browser rows need (ONNX bytes, weights). */
  forBrowser: boolean;
  log: (line: string) => void;
}

export async function measureNetwork(spec: BenchModelSpec, o: NodeOptions): Promise<NodeResult> {
  const size = sizeOf(spec, o.quick);
  const [h, w] = size;
  let ref: TorchFiles | string = typeof o.torch === 'string' ? o.torch : torchFiles(o.torch, spec, size, o.cacheDir, o.log);
  const model = typeof ref !== 'string' && spec.torch?.build ? spec.torch.build() : spec.build();
  let weights: NodeResult['weights'] = 'random';
  if (typeof ref !== 'string') {
    try {
      model.loadStateDict(loadCheckpoint(new Uint8Array(readFileSync(ref.pth))));
      weights = 'torch reference';
    } catch (e) {
      ref = `its state dict does not load into ours (${(e as Error).message.split('\n')[0]})`;
    }
  }
  const safetensors = o.forBrowser && spec.browser ? saveSafetensors(model.stateDict()) : undefined;
  model.fuse();
  // one recorded forward gives the ONNX graph and the multiply-adds (and warms the tfjs backend up)
  let onnx = 'not exported' as Uint8Array | string;
  let macs = countMultiplyAdds(() => {
    try {
      onnx = exportOnnx(model, { inputSize: [w, h] });
    } catch (e) {
      onnx = `export failed: ${(e as Error).message.split('\n')[0]}`;
    }
    return [];
  });
  const x = tf.randomNormal([1, h, w, 3]) as tf.Tensor4D;
  if (typeof onnx === 'string') macs = countMultiplyAdds(() => model.predict(x) as tf.TensorContainer);
  o.log(`  tfjs ${tf.getBackend()}`);
  const tfjsTiming = await timeRuns(() => settle(model.predict(x)), o.plan, o.quick ? 1 : 0);
  x.dispose();
  model.dispose();

  const ours: NodeResult['ours'] = {};
  const torch: NodeResult['torch'] = {};
  let agreement: NodeResult['agreement'] = typeof ref === 'string' ? ref : undefined;
  for (const t of THREADS) {
    if (typeof o.ort === 'string' || typeof onnx === 'string') {
      ours[t] = typeof o.ort === 'string' ? o.ort : (onnx as string);
      torch[t] = typeof o.ort === 'string' ? o.ort : typeof ref === 'string' ? ref : 'not run';
      continue;
    }
    o.log(`  onnxruntime-node ${t} thread${t > 1 ? 's' : ''}: ours${typeof ref === 'string' ? '' : ', torch'}`);
    const s = await ortSession(o.ort, onnx, t);
    ours[t] = await timeSession(o.ort, s, [1, h, w, 3], o.plan);
    if (typeof ref !== 'string') {
      const r = await ortSession(o.ort, ref.onnx, t);
      torch[t] = await timeSession(o.ort, r, [1, 3, h, w], o.plan);
      if (t === THREADS[0]) {
        const input = f32(ref.input);
        const want = f32(ref.output);
        const mine = (await s.run({ input: new o.ort.Tensor('float32', nchwToNhwc(input, [3, h, w]), [1, h, w, 3]) }))[s.outputNames[0]!]!;
        const theirs = (await r.run({ [r.inputNames[0]!]: new o.ort.Tensor('float32', input, [1, 3, h, w]) }))[r.outputNames[0]!]!;
        const [, oh, ow, oc] = mine.dims as number[];
        agreement = {
          ours: relativeError(mine.data as Float32Array, nchwToNhwc(want, [oc!, oh!, ow!])),
          torch: relativeError(theirs.data as Float32Array, want),
        };
      }
      await r.release();
    } else torch[t] = ref;
    await s.release();
  }
  return { spec, size, gflop: (2 * macs) / 1e9, weights, tfjs: tfjsTiming, ours, torch, agreement, onnx, safetensors };
}

/** A 640x480 image and one person box, as a user's call. */
export const scene = () => ({ image: tf.randomUniform([480, 640, 3], 0, 255) as tf.Tensor3D, boxes: [[200, 60, 180, 400] as [number, number, number, number]] });

export interface EstimateResult {
  tfjs: Timing | string;
  /** estimatePoses on the onnxruntime engine, and the bare session.run of the same exported file, per thread count. */
  ort: Record<number, { estimate: Timing; bare: Timing } | string>;
}

/** `estimatePoses` (W32 256x192, one box, no flip) on tfjs and on the onnxruntime engine vs bare `session.run`. */
export async function measureEstimatePoses(o: NodeOptions): Promise<EstimateResult> {
  const preset = 'coco_w32_256x192';
  const random = (await import('@hrnetjs/head-pose')).createPoseModel(preset);
  const weights = random.stateDict();
  random.dispose();
  const { image, boxes } = scene();
  const result: EstimateResult = { tfjs: 'not run', ort: {} };
  try {
    o.log('  estimatePoses on tfjs');
    const tfjs = await createPoseEstimator({ model: preset, weights, flipTest: false, backend: tf.getBackend() as 'wasm' });
    result.tfjs = await timeRuns(() => tfjs.estimatePoses(image, { boxes }), o.plan);
    tfjs.dispose();
    for (const t of THREADS) {
      if (typeof o.ort === 'string') {
        result.ort[t] = o.ort;
        continue;
      }
      o.log(`  estimatePoses on onnxruntime, ${t} thread${t > 1 ? 's' : ''}, and the bare session.run`);
      const est = await createPoseEstimator({ model: preset, weights, flipTest: false, engine: 'onnxruntime', engineOptions: { threads: t } });
      // the bare run: the same network, exported the same way, fed a ready NHWC crop; timed in turn with the
      // call, so that the ratio holds on a loaded machine
      const s = await ortSession(o.ort, exportOnnx(est.model, { inputSize: [192, 256] }), t);
      try {
        const [estimate, bare] = await timeAlternating(() => est.estimatePoses(image, { boxes }), sessionRun(o.ort, s, [1, 256, 192, 3]), ratioPlan(o.plan, o.quick));
        result.ort[t] = { estimate, bare };
      } finally {
        est.dispose();
        await s.release();
      }
    }
  } finally {
    image.dispose();
  }
  return result;
}

/** Memory at one point of the memory row (after a forced GC where Node was started with --expose-gc). */
export interface MemorySample {
  /** Calls made so far (`-1`: before the estimator was made; `calls + 1`: after `dispose()`). */
  after: number;
  tensors: number;
  rssMB: number;
  /**
   * The tfjs-wasm module's linear memory. It only grows (WebAssembly memory cannot shrink) and is reused
   * afterwards, so a rise that stops is the allocator finding its working set, not a leak; NaN off wasm.
   */
  wasmMB: number;
  /** V8's JS heap in use: where per-call JS objects (cached matrices, strings, tensor handles) would pile up. */
  jsHeapMB: number;
}

export interface MemoryResult {
  label: string;
  calls: number;
  /** Before the estimator, after its 1st call, at a quarter, half and three quarters of the calls, at the last, after dispose. */
  samples: MemorySample[];
  /** onnxruntime sessions open during the calls and after `dispose()` (onnxruntime engine only). */
  sessions?: [number, number];
}

const gc = () => (globalThis as { gc?: () => void }).gc?.();
const wasmHeapMB = () => {
  const heap = (tf.backend() as { wasm?: { HEAPU8?: Uint8Array } }).wasm?.HEAPU8;
  return heap ? heap.length / 2 ** 20 : Number.NaN;
};
function sample(after: number): MemorySample {
  gc();
  const m = process.memoryUsage();
  return { after, tensors: tf.memory().numTensors, rssMB: m.rss / 2 ** 20, wasmMB: wasmHeapMB(), jsHeapMB: m.heapUsed / 2 ** 20 };
}

/** Counts the sessions the onnxruntime engine opens and releases, through core's loader hook. */
function countSessions(ort: OrtNode): { live: () => number; restore: () => void } {
  let live = 0;
  const counted = {
    ...ort,
    InferenceSession: {
      create: async (...args: Parameters<OrtNode['InferenceSession']['create']>) => {
        const session = await ort.InferenceSession.create(...args);
        live++;
        return new Proxy(session, {
          get(target, key) {
            if (key === 'release') {
              return () => {
                live--;
                return target.release();
              };
            }
            const v = Reflect.get(target, key) as unknown;
            return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
          },
        });
      },
    },
  };
  setOnnxRuntimeLoader(async () => counted);
  return { live: () => live, restore: () => setOnnxRuntimeLoader(null) };
}

/**
 * `calls` calls of `estimatePoses` (one box, no flip): tensors, RSS, the wasm heap and the JS heap at several
 * points from start to after dispose, and open sessions. A leak keeps growing to the last sample; heap growth
 * (the wasm module's memory and the allocators finding their working set) stops after the first calls.
 */
export async function measureMemory(engine: 'tfjs' | 'onnxruntime', calls: number, o: NodeOptions): Promise<MemoryResult | string> {
  if (engine === 'onnxruntime' && typeof o.ort === 'string') return o.ort;
  // the onnxruntime engine's sessions hold the W32 weights; tfjs-wasm at W32 would take minutes for 500 calls,
  // and its leaks show as tensors, so it runs Lite-HRNet-18
  const preset = engine === 'onnxruntime' ? 'coco_w32_256x192' : 'litehrnet_18_coco_256x192';
  const label = engine === 'onnxruntime' ? 'W32, onnxruntime engine 2t' : `Lite-HRNet-18, tfjs ${tf.getBackend()}`;
  const counter = engine === 'onnxruntime' ? countSessions(o.ort as OrtNode) : null;
  const { image, boxes } = scene();
  try {
    const samples = [sample(-1)];
    const est = await createPoseEstimator({
      model: preset,
      weights: null,
      flipTest: false,
      ...(engine === 'onnxruntime' ? { engine, engineOptions: { threads: 2 } } : { backend: tf.getBackend() as 'wasm' }),
    });
    await est.estimatePoses(image, { boxes });
    samples.push(sample(1));
    o.log(`  ${calls} calls: ${label}`);
    const points = new Set([1, 2, 3].map((q) => Math.round((q * calls) / 4)).filter((n) => n > 1 && n < calls));
    for (let i = 2; i <= calls; i++) {
      await est.estimatePoses(image, { boxes });
      if (points.has(i)) samples.push(sample(i));
    }
    samples.push(sample(calls));
    const open = counter?.live() ?? 0;
    est.dispose();
    // onnxruntime releases sessions asynchronously: give it a moment before counting
    await new Promise((r) => setTimeout(r, 500));
    samples.push(sample(calls + 1));
    return { label, calls, samples, ...(counter ? { sessions: [open, counter.live()] as [number, number] } : {}) };
  } catch (e) {
    return `failed: ${(e as Error).message.split('\n')[0]}`;
  } finally {
    counter?.restore();
    image.dispose();
  }
}
