import type * as tf from '@tensorflow/tfjs-core';
import type { BackendChoice } from '../backend.js';
import { DisposedError } from '../errors.js';
import type { Module } from '../nn/module.js';
import type { ZooEntry } from '../zoo/types.js';
import type { EngineName, NetworkRunner, PreparedNetwork } from './types.js';
import { type WorkingSizeLimits, resolveLimits } from './working-size.js';

/**
 * The one lifecycle of every high-level task object (`PoseEstimator`, `Segmenter`, `Detector`, `FaceAligner`,
 * `Classifier`, …): what runs it (`backend`, `engine`), the network (`model`), the zoo entry it came from, and
 * `dispose()`, which frees what the factory made (the runner always, the network only when the factory built
 * it), is idempotent, and never throws. Any later call throws `DisposedError`.
 */
export abstract class TaskObject<M extends Module<tf.Tensor4D, any>, P = unknown> {
  readonly model: M;
  /** Which tfjs backend runs the pre/post-processing (and the network on the tfjs engine), and why. */
  readonly backend: BackendChoice;
  /** What runs the network. */
  readonly engine: EngineName;
  /** The zoo entry `model` named, if any. */
  readonly zooEntry: ZooEntry<P> | undefined;
  /** The key mapping that was applied to the checkpoint (`'zoo'`, a `KEY_MAPPINGS` name, `'custom'` or `'none'`). */
  readonly keyMapping: string;
  /** What one call may allocate (`maxImagePixels`, `maxWorkingBytes`); checked before allocating. */
  readonly limits: WorkingSizeLimits;
  protected readonly runner: NetworkRunner;
  private readonly ownsModel: boolean;
  private disposed = false;

  protected constructor(prepared: PreparedNetwork<M, P>) {
    this.model = prepared.model;
    this.backend = prepared.backend;
    this.engine = prepared.runner.engine;
    this.zooEntry = prepared.zooEntry;
    this.keyMapping = prepared.keyMapping;
    this.runner = prepared.runner;
    this.ownsModel = prepared.ownsModel;
    this.limits = prepared.limits ?? resolveLimits({}, prepared.backend?.name ?? '');
  }

  /** Whether `dispose()` was called. */
  get isDisposed(): boolean {
    return this.disposed;
  }

  /** Throws `DisposedError` once disposed; every public method calls it first. */
  protected assertLive(method: string): void {
    if (this.disposed) throw new DisposedError(`${this.constructor.name}.${method}: this object was disposed; create a new one`);
  }

  /** What runs the network, in words: `'tfjs wasm'`, `'onnxruntime-web wasm, 2 threads'` (engine, execution provider, threads). */
  get engineDescription(): string {
    return this.runner.description;
  }

  /**
   * The network's forward pass on the chosen engine (NHWC in; `predict`'s output structure out, as tensors; the
   * caller disposes both). Every head runs its network through it, so pre- and post-processing are written once
   * for every engine; public so that an app composing the head's own pieces stage by stage (the playground
   * times each) runs the same engine as the head's one-call methods.
   */
  runNetwork<Out = tf.TensorContainer>(input: tf.Tensor4D): Promise<Out> {
    this.assertLive('runNetwork');
    return this.runner.run(input) as Promise<Out>;
  }

  /** Frees the runner and, when the factory built it, the network. Idempotent; never throws. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    try {
      this.runner.dispose();
    } catch {
      // a runner that cannot free its session leaves nothing a caller could act on
    }
    if (this.ownsModel) {
      try {
        this.model.dispose();
      } catch {
        // tensors already freed by a backend that was torn down: nothing left to free
      }
    }
  }
}
