/**
 * The browser page of the engine table (bundled by tsup into `dist/bench-page.js`, served by `browser.ts`).
 * One page runs one engine at one thread count — tfjs-wasm's and onnxruntime-web's threads are fixed when each
 * starts — given as `?engine=tfjs|ort&threads=N`, or tfjs on webgl (`?engine=tfjs&backend=webgl`). Each job
 * fetches the weights Node measured (safetensors for tfjs, our ONNX file for onnxruntime-web), so both engines
 * run the same numbers, and times the pass.
 */
import * as tf from '@tensorflow/tfjs-core';
import { readSafetensors, selectBackend, settle } from '@hrnetjs/core';
import { BENCH_MODELS } from './models.js';
import { type RunPlan, type Timing, timeRuns } from './timing.js';

export interface PageJob {
  id: string;
  size: [number, number];
  plan: RunPlan;
}
export interface PageInfo {
  engine: string;
  /** tfjs's backend (`wasm` or `webgl`); absent for onnxruntime-web. */
  backend?: string;
  threads: number;
  isolated: boolean;
  /** webgl: the GL renderer the page got (SwiftShader when the machine has no GPU). */
  renderer?: string;
}

interface OrtWeb {
  env: { wasm: { numThreads?: number; wasmPaths?: string; simd?: boolean } };
  InferenceSession: { create(b: Uint8Array, o?: Record<string, unknown>): Promise<{ inputNames: string[]; run(f: Record<string, unknown>): Promise<unknown>; release(): Promise<void> }> };
  Tensor: new (type: 'float32', data: Float32Array, dims: number[]) => unknown;
}

const params = new URLSearchParams(location.search);
const engine = params.get('engine') === 'ort' ? 'ort' : 'tfjs';
const threads = Number(params.get('threads') ?? '1');
const backend = params.get('backend') === 'webgl' ? 'webgl' : 'wasm';
let ort: OrtWeb | null = null;

async function bytes(path: string): Promise<Uint8Array> {
  const r = await fetch(path);
  if (!r.ok) throw new Error(`${path}: HTTP ${r.status}`);
  return new Uint8Array(await r.arrayBuffer());
}

async function init(): Promise<PageInfo> {
  if (engine === 'tfjs' && backend === 'webgl') {
    await selectBackend('webgl');
    return { engine, backend, threads, isolated: globalThis.crossOriginIsolated === true, renderer: glRenderer() };
  }
  if (engine === 'tfjs') {
    // what a hrnet-js app does: core's backend selection, with the wasm threads asked for
    await selectBackend('wasm', { wasmPaths: '/tfjs/', wasmThreads: threads });
  } else {
    ort = (await import('onnxruntime-web')) as unknown as OrtWeb;
    ort.env.wasm.numThreads = threads;
    ort.env.wasm.wasmPaths = '/ort/';
  }
  return { engine, ...(engine === 'tfjs' ? { backend } : {}), threads, isolated: globalThis.crossOriginIsolated === true };
}

/** The unmasked GL renderer (e.g. "ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device ...))"), for the table's note. */
function glRenderer(): string {
  const gl = document.createElement('canvas').getContext('webgl2');
  if (!gl) return 'no WebGL2 context';
  const info = gl.getExtension('WEBGL_debug_renderer_info');
  return String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
}

async function run(job: PageJob): Promise<Timing> {
  const [h, w] = job.size;
  if (engine === 'tfjs') {
    const spec = BENCH_MODELS.find((m) => m.id === job.id)!;
    const model = spec.build();
    model.loadStateDict(readSafetensors(await bytes(`/data/${job.id}.safetensors`)));
    model.fuse();
    const x = tf.randomNormal([1, h, w, 3]) as tf.Tensor4D;
    try {
      return await timeRuns(() => settle(model.predict(x)), job.plan);
    } finally {
      x.dispose();
      model.dispose();
    }
  }
  const session = await ort!.InferenceSession.create(await bytes(`/data/${job.id}.onnx`), { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  try {
    const data = Float32Array.from({ length: h * w * 3 }, () => Math.random() * 2 - 1);
    const feed = { [session.inputNames[0]!]: new ort!.Tensor('float32', data, [1, h, w, 3]) };
    return await timeRuns(() => session.run(feed), job.plan);
  } finally {
    await session.release();
  }
}

const api = { ready: init(), run };
(globalThis as unknown as { hrnetBench: typeof api }).hrnetBench = api;
