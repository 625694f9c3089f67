/**
 * Messages between the page (main.ts) and the inference worker (worker.ts). Every request carries an id and
 * is answered once, with its value or an error; the worker handles requests one at a time, in order.
 */
import type { BackendAttempt, BackendName, EngineName } from '@hrnetjs/core';
import type { TaskId, TaskResult, StageTimings } from './tasks/types.js';
import type { WeightsInfo } from './recognise.js';

export type { BackendAttempt, BackendName, EngineName };

/** Where weights come from: one file's bytes, a tfjs model.json with its shards, or a URL. */
export type WeightsSource =
  | { kind: 'bytes'; name: string; bytes: ArrayBuffer }
  | { kind: 'tfjs'; name: string; modelJson: ArrayBuffer; shards: Record<string, ArrayBuffer> }
  | { kind: 'url'; url: string };

/** RGBA pixels as a canvas gives them. */
export interface Pixels {
  width: number;
  height: number;
  data: Uint8ClampedArray;
}

export interface ModelInfo {
  task: TaskId;
  preset: string;
  /** Parameters of the network as built (after BatchNorm folding when weights are loaded). */
  parameters: number;
  /** `random initialisation` or the weights' name. */
  weights: string;
  random: boolean;
  /** Network input `[width, height]` (for the tasks that resize to a fixed size). */
  inputSize: [number, number] | null;
  /** What runs the network, in words, as the factory says it (`'tfjs webgl'`, `'onnxruntime-web wasm, 2 threads'`). */
  engine: string;
}

export interface MemoryInfo {
  numTensors: number;
  numBytes: number;
  /** webgl only: bytes in GPU textures. */
  numBytesInGPU?: number;
}

export interface RunOutput {
  result: TaskResult;
  /** Timings of the last run. */
  timings: StageTimings;
  /** Every run of this request, in order (more than one with `repeat`): the first includes warm-up (shader compilation). */
  allTimings: StageTimings[];
  memory: MemoryInfo;
  backend: BackendName;
  model: ModelInfo;
}

/** The task menu, as the worker's task registry defines it (the page bundles no tfjs code). */
export interface TaskMenuEntry {
  id: TaskId;
  label: string;
  presets: { id: string; label: string; heavy?: boolean }[];
  /** The engines the task can run its network on. */
  engines: EngineName[];
}

export interface Requests {
  /** Where tfjs-backend-wasm's and onnxruntime-web's .wasm files are (URL prefixes). */
  init: { wasmPath: string; ortWasmPath: string };
  probe: Record<string, never>;
  setBackend: { name: BackendName };
  loadWeights: { source: WeightsSource };
  clearWeights: Record<string, never>;
  /**
   * `engine` is passed to the factory as given (an unknown name is the factory's EngineError);
   * `executionProviders` are onnxruntime-web's, in order of preference (default `['wasm']`).
   */
  configure: { task: TaskId; preset: string; size?: number; engine?: EngineName; executionProviders?: string[] };
  run: { pixels: Pixels; options: RunOptions };
}

export interface Responses {
  init: { attempts: BackendAttempt[]; tasks: TaskMenuEntry[] };
  probe: { attempts: BackendAttempt[] };
  setBackend: { name: BackendName; reason: string };
  loadWeights: WeightsInfo;
  clearWeights: null;
  configure: ModelInfo;
  run: RunOutput;
}

export interface RunOptions {
  /** Pose: person box `[x, y, w, h]` in image pixels (default: the whole image). */
  box?: [number, number, number, number];
  /** Classification: how many classes to list. */
  topK?: number;
  /** Detection: minimum box score. */
  scoreThreshold?: number;
  /** Run this many times (1–20) and report every run's timings; the result is the last run's. */
  repeat?: number;
}

export type RequestType = keyof Requests;

export interface RequestMessage<T extends RequestType = RequestType> {
  id: number;
  type: T;
  payload: Requests[T];
}

export type ResponseMessage =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: { name: string; message: string } };
