import * as tf from '@tensorflow/tfjs-core';
import { EngineError } from '../errors.js';
import type { Module } from '../nn/module.js';
import { describeValue } from './describe.js';
import { ENGINE_NAMES, type EngineName, type EngineOptions, type NetworkRunner } from './types.js';

/** Checks an `engine` option (before anything is loaded); returns the engine to use. */
export function validateEngine(engine: unknown, options: EngineOptions | undefined): EngineName {
  const name = engine ?? 'tfjs';
  if (!ENGINE_NAMES.includes(name as EngineName)) {
    throw new EngineError(`engine: expected one of ${ENGINE_NAMES.map((n) => `'${n}'`).join(', ')}, found ${describeValue(engine)}`);
  }
  const threads = options?.threads;
  if (threads !== undefined && !(Number.isInteger(threads) && threads >= 1 && threads <= 1024)) {
    throw new EngineError(`engineOptions.threads: expected a positive integer, found ${describeValue(threads)}`);
  }
  const onnxModel = options?.onnxModel;
  if (onnxModel !== undefined && !(onnxModel instanceof Uint8Array || onnxModel instanceof ArrayBuffer)) {
    throw new EngineError(`engineOptions.onnxModel: expected the bytes of an exported .onnx file, found ${describeValue(onnxModel)}`);
  }
  return name as EngineName;
}

/** The tfjs engine: the network's own `predict` on the active tfjs backend. */
export function createTfjsRunner<Out>(model: Module<tf.Tensor4D, Out>): NetworkRunner<Out> {
  return {
    engine: 'tfjs',
    description: `tfjs ${tf.getBackend()}`,
    run: async (input) => model.predict(input),
    dispose: () => {},
  };
}

/**
 * A runner for `engine` over a prepared (loaded, fused) network. The onnxruntime engine exports the network to
 * ONNX once and keeps one session per input size; it is imported only when asked for, so tfjs-only apps never
 * bundle it.
 */
export async function createRunner<Out>(
  engine: EngineName,
  model: Module<tf.Tensor4D, Out>,
  options: EngineOptions = {},
): Promise<NetworkRunner<Out>> {
  if (engine === 'tfjs') return createTfjsRunner(model);
  const { createOnnxRunner } = await import('../onnx/runner.js');
  return createOnnxRunner(model, options);
}
