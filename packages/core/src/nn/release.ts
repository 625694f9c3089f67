import { BatchNorm2d } from './batchnorm.js';
import { Conv2d } from './conv.js';
import type { Module } from './module.js';

/**
 * After `fuse()`, frees the tensors inference no longer reads — the original weights of every folded conv
 * and the statistics of every folded BatchNorm — halving the weight memory of a fused network (W48 pose:
 * 254 MB less). The model then runs as before, but `stateDict()` / `loadStateDict()` throw a
 * `StateDictError`. The task factories call this on the models they own. Returns the bytes freed.
 */
export function releaseUnfusedWeights(model: Module<any, any>): number {
  let bytes = 0;
  for (const [, m] of model.namedModules()) {
    if (!((m instanceof Conv2d && m.isFolded) || (m instanceof BatchNorm2d && m.isFolded))) continue;
    for (const [name, p] of m.namedTensors()) {
      if (name.includes('.') || p.kind === 'counter' || p.released) continue; // own tensors only
      bytes += p.size * 4;
      p.release();
    }
  }
  return bytes;
}

/** Whether `fuse()` already folded BatchNorm into this network (fusing twice would fold the statistics twice). */
export function isFused(model: Module<any, any>): boolean {
  for (const [, m] of model.namedModules()) {
    if ((m instanceof Conv2d && m.isFolded) || (m instanceof BatchNorm2d && m.isFolded)) return true;
  }
  return false;
}
