/// <reference lib="webworker" />
/**
 * The inference worker: owns tfjs, the backend, the weights and the network, so the page never blocks while
 * a model builds or runs. Requests are handled strictly one after another (see protocol.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  type BackendAttempt,
  type BackendName,
  type EngineName,
  type StateDict,
  CheckpointError,
  ENGINE_NAMES,
  EngineError,
  detectCheckpointFormat,
  loadCheckpoint,
  loadCheckpointAsync,
  loadTfjsWeights,
  selectBackend,
} from '@hrnetjs/core';
import type { ModelInfo, RequestMessage, Requests, Responses, ResponseMessage, WeightsSource } from './protocol.js';
import { describeWeights, type WeightsInfo } from './recognise.js';
import { TASKS, taskById } from './tasks/index.js';
import type { StageTimings, TaskId, TaskRunner } from './tasks/types.js';

const BACKENDS: BackendName[] = ['webgpu', 'webgl', 'wasm', 'cpu'];

interface State {
  wasmPath: string;
  ortWasmPath: string;
  engine: EngineName;
  /** onnxruntime-web's execution providers, in order of preference. */
  providers: string[];
  weights: { sd: StateDict; info: WeightsInfo } | null;
  task: TaskId | null;
  preset: string | null;
  size: number | undefined;
  runner: TaskRunner | null;
  model: ModelInfo | null;
}
const state: State = { wasmPath: '', ortWasmPath: '', engine: 'tfjs', providers: ['wasm'], weights: null, task: null, preset: null, size: undefined, runner: null, model: null };

function dropModel(): void {
  state.runner?.dispose();
  state.runner = null;
  state.model = null;
}

/** Tries each backend alone (selectBackend reports why one fails), then leaves the first that works active. */
async function probe(): Promise<BackendAttempt[]> {
  const attempts: BackendAttempt[] = [];
  for (const name of BACKENDS) {
    try {
      const choice = await selectBackend(name, { wasmPaths: state.wasmPath });
      attempts.push(choice.attempts.at(-1)!);
    } catch {
      // BackendError: the attempt list is in the message; try again for the structured reason
      const r = await selectBackend([name, 'cpu'], { wasmPaths: state.wasmPath }).catch(() => null);
      attempts.push(r?.attempts.find((a) => a.name === name) ?? { name, ok: false, reason: 'failed to initialise' });
    }
  }
  const wasm = attempts.find((a) => a.name === 'wasm' && a.ok);
  if (wasm) wasm.reason = `${wasm.reason}; ${await wasmThreads()}`;
  const best = attempts.find((a) => a.ok);
  if (best) await selectBackend(best.name, { wasmPaths: state.wasmPath });
  return attempts;
}

/** Threads are there only when the page is cross-origin isolated (SharedArrayBuffer) and the browser allows. */
async function wasmThreads(): Promise<string> {
  try {
    // already loaded by selectBackend; imported here only to ask it
    const { getThreadsCount } = await import('@tensorflow/tfjs-backend-wasm');
    const threaded = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
    const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
    const build = `${threaded ? 'threaded ' : ''}${simd ? 'SIMD' : 'plain'} build`;
    if (!threaded) return `${build}, single-threaded${self.crossOriginIsolated ? '' : ' (page not cross-origin isolated)'}`;
    return `${build}, ${getThreadsCount()} thread${getThreadsCount() === 1 ? '' : 's'} (navigator.hardwareConcurrency ${navigator.hardwareConcurrency})`;
  } catch {
    return 'thread count unknown';
  }
}

async function readWeights(source: WeightsSource): Promise<{ sd: StateDict; info: WeightsInfo }> {
  if (source.kind === 'tfjs') {
    const sd = loadTfjsWeights(source.modelJson, Object.values(source.shards).length ? orderShards(source) : []);
    return { sd, info: describeWeights(source.name, 'tfjs-model-json', totalBytes(source), sd) };
  }
  if (source.kind === 'url') {
    const response = await fetch(source.url).catch((e: Error) => {
      throw new CheckpointError(`could not fetch ${source.url}: ${e.message}`);
    });
    if (!response.ok) throw new CheckpointError(`could not fetch ${source.url}: HTTP ${response.status} ${response.statusText}`);
    const bytes = new Uint8Array(await response.arrayBuffer());
    const format = detectCheckpointFormat(bytes);
    let total = bytes.byteLength;
    // a model.json names its shards relative to itself
    const sd = await loadCheckpointAsync(bytes, {
      fetchShard: async (path) => {
        const r = await fetch(new URL(path, source.url));
        if (!r.ok) throw new CheckpointError(`could not fetch shard ${path} of ${source.url}: HTTP ${r.status}`);
        const shard = await r.arrayBuffer();
        total += shard.byteLength;
        return shard;
      },
    });
    // "folder/model.json" says more than "model.json"
    const parts = decodeURIComponent(new URL(source.url).pathname).split('/').filter(Boolean);
    const name = (format === 'tfjs-model-json' ? parts.slice(-2) : parts.slice(-1)).join('/') || source.url;
    return { sd, info: describeWeights(name, format ?? 'unknown', total, sd) };
  }
  const bytes = new Uint8Array(source.bytes);
  const sd = loadCheckpoint(bytes);
  return { sd, info: describeWeights(source.name, detectCheckpointFormat(bytes) ?? 'unknown', bytes.byteLength, sd) };
}

function totalBytes(source: Extract<WeightsSource, { kind: 'tfjs' }>): number {
  return source.modelJson.byteLength + Object.values(source.shards).reduce((a, b) => a + b.byteLength, 0);
}

/** Shards in the order the manifest lists them, matched by file name (a folder picker gives bare names). */
function orderShards(source: Extract<WeightsSource, { kind: 'tfjs' }>): ArrayBuffer[] {
  const manifest = JSON.parse(new TextDecoder().decode(source.modelJson)) as { weightsManifest?: { paths: string[] }[] };
  const paths = (manifest.weightsManifest ?? []).flatMap((g) => g.paths);
  return paths.map((p) => {
    const base = p.split('/').pop()!;
    const shard = source.shards[p] ?? source.shards[base];
    if (!shard) {
      throw new CheckpointError(`model.json lists shard "${p}" but it was not among the files given (${Object.keys(source.shards).join(', ') || 'none'})`);
    }
    return shard;
  });
}

async function ensureModel(): Promise<{ runner: TaskRunner; model: ModelInfo }> {
  if (state.runner && state.model) return { runner: state.runner, model: state.model };
  if (!state.task || !state.preset) throw new Error('no task chosen');
  const def = taskById(state.task);
  let runner: TaskRunner;
  try {
    // the engine goes to the factory as chosen: an unknown name is its EngineError, shown in the page
    runner = await def.create(state.preset, state.weights?.sd ?? null, {
      size: state.size,
      engine: state.engine,
      // onnxruntime-web fetches its .wasm (and the threaded build's .mjs) from here; threads as the engine
      // defaults (every core when the page is cross-origin isolated); 'webgpu' needs a browser with WebGPU
      engineOptions: { wasmPaths: state.ortWasmPath, executionProviders: state.providers },
    });
  } catch (e) {
    // say which file did not fit which network before the package's own key-by-key account
    const w = state.weights?.info;
    if (w && e instanceof Error && (e.name === 'StateDictError' || e.name === 'CheckpointError')) {
      e.message = `${w.name} (${w.architecture}) does not fit ${state.task} / ${state.preset}: ${e.message}`;
    }
    throw e;
  }
  state.runner = runner;
  state.model = {
    task: state.task,
    preset: state.preset,
    parameters: runner.model.numParameters(),
    weights: state.weights ? state.weights.info.name : 'random initialisation',
    random: !state.weights,
    inputSize: runner.inputSize,
    engine: runner.engine,
  };
  return { runner, model: state.model };
}

const handlers: { [T in keyof Requests]: (p: Requests[T]) => Promise<Responses[T]> } = {
  async init({ wasmPath, ortWasmPath }) {
    state.wasmPath = wasmPath; // selectBackend hands it to setWasmPaths when it loads the wasm backend
    state.ortWasmPath = ortWasmPath;
    return { attempts: await probe(), tasks: TASKS.map((t) => ({ id: t.id, label: t.label, presets: t.presets, engines: t.engines })) };
  },
  async probe() {
    return { attempts: await probe() };
  },
  async setBackend({ name }) {
    dropModel(); // weights live on the old backend: rebuild on the new one at the next run
    const choice = await selectBackend(name, { wasmPaths: state.wasmPath });
    return { name: choice.name, reason: choice.reason };
  },
  async loadWeights({ source }) {
    const w = await readWeights(source);
    state.weights = w;
    dropModel();
    return w.info;
  },
  async clearWeights() {
    state.weights = null;
    dropModel();
    return null;
  },
  async configure({ task, preset, size, engine = 'tfjs', executionProviders = ['wasm'] }) {
    // a known engine the task's pipeline does not run on is refused here; an unknown one by the factory
    const engines = taskById(task).engines;
    if (ENGINE_NAMES.includes(engine) && !engines.includes(engine)) {
      throw new EngineError(`${task} runs on engine ${engines.join(' or ')} in the playground; found engine '${engine}'`);
    }
    const providers = executionProviders.join();
    if (task !== state.task || preset !== state.preset || size !== state.size || engine !== state.engine || providers !== state.providers.join()) dropModel();
    state.task = task;
    state.preset = preset;
    state.size = size;
    state.engine = engine;
    state.providers = [...executionProviders];
    try {
      return (await ensureModel()).model;
    } catch (e) {
      dropModel();
      throw e;
    }
  },
  async run({ pixels, options }) {
    const { runner, model } = await ensureModel();
    const repeat = Math.min(20, Math.max(1, Math.floor(options.repeat ?? 1)));
    const allTimings: StageTimings[] = [];
    let last = await runner.run(pixels, options);
    allTimings.push(last.timings);
    for (let i = 1; i < repeat; i++) {
      last = await runner.run(pixels, options);
      allTimings.push(last.timings);
    }
    const { result, timings } = last;
    const m = tf.memory() as tf.MemoryInfo & { numBytesInGPU?: number };
    return {
      result,
      timings,
      allTimings,
      memory: { numTensors: m.numTensors, numBytes: m.numBytes, numBytesInGPU: m.numBytesInGPU },
      backend: tf.getBackend() as BackendName,
      model,
    };
  },
};

let queue: Promise<unknown> = Promise.resolve();

self.onmessage = (event: MessageEvent<RequestMessage>) => {
  const { id, type, payload } = event.data;
  queue = queue.then(async () => {
    let reply: ResponseMessage;
    try {
      const value = await (handlers[type] as (p: unknown) => Promise<unknown>)(payload);
      reply = { id, ok: true, value };
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e));
      reply = { id, ok: false, error: { name: err.name, message: err.message } };
    }
    (self as unknown as Worker).postMessage(reply);
  });
};
