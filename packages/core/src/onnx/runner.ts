import type * as tf from '@tensorflow/tfjs-core';
import { EngineError } from '../errors.js';
import type { Module } from '../nn/module.js';
import type { EngineOptions, NetworkRunner } from '../task/types.js';

// Placeholder until the ONNX exporter lands (issue 12): the onnxruntime engine is refused with a typed error.
export async function createOnnxRunner<Out>(_model: Module<tf.Tensor4D, Out>, _options: EngineOptions): Promise<NetworkRunner<Out>> {
  throw new EngineError("engine 'onnxruntime' is not available in this build yet");
}
