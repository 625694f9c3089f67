import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { hashedInput, hashedStateDict } from '@hrnetjs/core/testing';
import { createBottomUpPoseModel, type PoseHigherResolutionNet } from '../../src/index.js';

export const yaml = readFileSync(new URL('../fixtures/higherhrnet_small/config.yaml', import.meta.url), 'utf8');

/** The small official-architecture network with the generator's hashed weights (see fixtures README). */
export function smallNetwork(): PoseHigherResolutionNet {
  const model = createBottomUpPoseModel(yaml);
  model.loadStateDict(hashedStateDict([...model.stateDict()].map(([k, t]) => [k, t.shape] as [string, number[]])));
  return model;
}

/** A hashed NCHW input as an NHWC tensor. */
export function hashedImage(key: string, shape: [number, number, number, number]): tf.Tensor4D {
  const [n, c, h, w] = shape;
  return tf.tidy(() => tf.transpose(tf.tensor4d(hashedInput(key, n * c * h * w), shape), [0, 2, 3, 1]));
}

