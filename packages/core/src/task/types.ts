import type * as tf from '@tensorflow/tfjs-core';
import type { BackendChoice, BackendName, SelectBackendOptions } from '../backend.js';
import type { WeightsSource } from '../io/weights.js';
import type { StateDict } from '../io/state-dict.js';
import type { Module } from '../nn/module.js';
import type { ZooEntry, ZooKeyMapping, ZooTask } from '../zoo/types.js';

/**
 * What runs the network: `'tfjs'` (default; whichever tfjs backend is active) or `'onnxruntime'` (the same
 * network exported to ONNX from our own modules, run by `onnxruntime-node` in Node or `onnxruntime-web` in
 * browsers — optional peer dependencies, loaded only when asked for). Pre- and post-processing are the same
 * tfjs code either way: only the network's forward pass moves.
 */
export type EngineName = 'tfjs' | 'onnxruntime';

export const ENGINE_NAMES: readonly EngineName[] = ['tfjs', 'onnxruntime'];

/** Options of the `'onnxruntime'` engine (ignored by `'tfjs'`). */
export interface EngineOptions {
  /** Intra-op threads; default: every core of the machine (`navigator.hardwareConcurrency` in browsers). */
  threads?: number;
  /** onnxruntime execution providers in order of preference (default `['cpu']` in Node, `['wasm']` in browsers). */
  executionProviders?: readonly string[];
  /** Where onnxruntime-web finds its `.wasm` files (passed to `ort.env.wasm.wasmPaths`). */
  wasmPaths?: string | Record<string, string>;
  /**
   * A file made by `exportOnnx` / `hrnet convert --to onnx` to run instead of exporting the network when the
   * engine starts. It is made for one input size: an input of another size is refused (`ShapeError`).
   */
  onnxModel?: Uint8Array | ArrayBuffer;
}

/**
 * The one option set every high-level factory takes (`createPoseEstimator`, `createSegmenter`,
 * `createDetector`, `createFaceAligner`, `createClassifier`, …), with the same names and meanings in every
 * head. Each head adds its own task options beside these (documented in its `types.ts`).
 */
import type { WorkingSizeLimits } from './working-size.js';

export interface TaskConfig<C = never, M extends Module<any, any> = Module<any, any>> {
  /**
   * The network: a zoo name (`'mmpose_coco_w32_256x192'`: builds exactly the network that checkpoint needs and
   * brings its key mapping and pre/post-processing), a preset name (`'coco_w32_256x192'`), an official
   * experiment YAML string, a config object, or a network built already (then it stays the caller's: it is
   * used as it is, never fused again, never freed by `dispose()`).
   */
  model: string | C | M;
  /**
   * The checkpoint: a URL (fetched; a tfjs `model.json` URL brings its shards), bytes of any format core reads
   * (PyTorch zip or legacy `.pth`, safetensors, tfjs, npy), or a `StateDict`. `null` runs random weights
   * (shapes and speed only: the outputs mean nothing). Required unless `model` is a built network.
   */
  weights?: WeightsSource | null;
  /**
   * How the checkpoint's key names become ours: a `KEY_MAPPINGS` name (`'mmpose-pose'`, …) or a mapping.
   * Default: the zoo entry's when `model` is a zoo name, else detected from the keys.
   */
  keyMapping?: string | ZooKeyMapping;
  /** tfjs backend(s) to activate; omitted, the active backend is kept (else the best available is selected). */
  backend?: BackendName | readonly BackendName[];
  /** Where `tfjs-backend-wasm` finds its `.wasm` files (a URL prefix, or a map file name → URL from a bundler). */
  wasmPaths?: SelectBackendOptions['wasmPaths'];
  /** tfjs wasm threads in browsers (cross-origin isolated pages only); default `navigator.hardwareConcurrency`. */
  wasmThreads?: number;
  /** What runs the network (default `'tfjs'`). */
  engine?: EngineName;
  /** Options of the `'onnxruntime'` engine. */
  engineOptions?: EngineOptions;
  /** Fold BatchNorm into the convolutions after loading (same results to float32 rounding; faster): default true. */
  fuse?: boolean;
  /** Most pixels an input image may have; larger images are refused (InputError) before any tensor exists. Default 100e6. */
  maxImagePixels?: number;
  /**
   * Most bytes one call may (by estimate) allocate on the backend: images, crops × boxes, scales × image, network
   * passes. Larger calls are refused with an InputError before allocating, so that running out of memory never
   * leaves the backend unusable (wasm aborts on a failed allocation). Default 2 GiB on wasm, 8 GiB elsewhere.
   */
  maxWorkingBytes?: number;
}

/**
 * Runs a prepared network on one input batch, on the chosen engine. The input is NHWC as for `predict`; the
 * outputs have the structure `predict` returns, as tfjs tensors, so a head's pre- and post-processing is
 * written once for every engine. The caller disposes the input and the outputs.
 */
export interface NetworkRunner<Out = tf.TensorContainer> {
  readonly engine: EngineName;
  /** One line a person can read: what runs the network (`'tfjs wasm'`, `'onnxruntime-node cpu, 2 threads'`). */
  readonly description: string;
  run(input: tf.Tensor4D): Promise<Out>;
  /** Frees what the runner made (sessions); never the model, which the task object owns or not. */
  dispose(): void;
}

/**
 * What a head tells `prepareNetwork` about its networks: how to build one, which zoo entries it serves, and how
 * to check a checkpoint in plain words before the strict load.
 */
export interface NetworkSpec<M extends Module<any, any>, C, P = unknown> {
  /** For messages: the factory's name (`'createPoseEstimator'`). */
  factory: string;
  /** The zoo task whose names `model` may be; entries of another task are refused by name. */
  task: ZooTask;
  /** This head's zoo entries (the names `model` accepts). */
  zoo: readonly ZooEntry<P>[];
  /** A preset name, YAML text or config object → a new network; `entry` when `model` named a zoo entry. */
  build(model: string | C, entry?: ZooEntry<P>): M;
  /** Whether `value` is a network of this head (a built model passed as `model`). */
  isNetwork(value: unknown): value is M;
  /**
   * Async work before `build`, given what `model` holds (e.g. loading the YAML parser only for YAML text).
   */
  prepare?(model: string | C): Promise<void>;
  /**
   * Throws a plain-words error when a (key-mapped) state dict cannot be this network's checkpoint (another task,
   * another class count, …), before the generic strict load names keys.
   */
  checkWeights?(sd: StateDict, model: M): void;
}

/** What `prepareNetwork` hands the head: everything a task object holds besides its own options. */
export interface PreparedNetwork<M extends Module<any, any>, P = unknown> {
  model: M;
  /** True when the factory built the network (then `dispose()` frees it); false for a caller's network. */
  ownsModel: boolean;
  backend: BackendChoice;
  runner: NetworkRunner;
  /** The zoo entry `model` named, if any: its `processing` is the upstream pre/post-processing. */
  zooEntry: ZooEntry<P> | undefined;
  /** The key mapping applied, by name (`'zoo'` for the entry's own, `'none'` for random weights or a built net). */
  keyMapping: string;
  /** The working-size limits calls are checked against (the config's, else the backend's defaults). */
  limits?: WorkingSizeLimits;
}
