/**
 * Benchmark cases of the backbone (`@hrnetjs/hrnet-backbone/bench`): the ImageNet classifiers at 224x224
 * and the HRNet-W32 pose trunk at 256x192, each unfused and with BatchNorm folded + ReLU fused.
 * Random weights: timing does not depend on values.
 */
import type * as tf from '@tensorflow/tfjs-core';
import { type BenchCase, networkBenchCase } from '@hrnetjs/core';
import { createClassificationModel } from './classification.js';
import { backbonePreset } from './config.js';
import { HighResolutionNet } from './hrnet.js';
import type { Module } from '@hrnetjs/core';

function modelCase(name: string, build: () => Module<tf.Tensor, tf.TensorContainer>, shape: [number, number], fused: boolean): BenchCase {
  return networkBenchCase(
    `${name} ${shape[0]}x${shape[1]} batch 1 ${fused ? 'fused' : 'unfused'}`,
    () => (fused ? build().fuse() : build()),
    [1, shape[0], shape[1], 3],
  );
}

/** The pose network's trunk (nearest fuse, stride-4 output only), without the 1x1 final layer. */
const poseTrunk = (width: string) => () =>
  new HighResolutionNet(backbonePreset(width, { fuseUpsample: { mode: 'nearest' }, multiScaleOutput: false }));

export function benchCases(): BenchCase[] {
  const cases: BenchCase[] = [];
  for (const fused of [false, true]) {
    cases.push(modelCase('cls w18-small-v1', () => createClassificationModel('w18-small-v1'), [224, 224], fused));
    cases.push(modelCase('cls w18', () => createClassificationModel('w18'), [224, 224], fused));
    cases.push(modelCase('cls w32', () => createClassificationModel('w32'), [224, 224], fused));
    cases.push(modelCase('pose trunk w32', poseTrunk('w32'), [256, 192], fused));
  }
  return cases;
}
