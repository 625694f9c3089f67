import { CheckpointError } from '../errors.js';
import { normalizeStateDictKeys } from '../io/keys.js';
import type { StateDict } from '../io/state-dict.js';
import type { ZooKeyMapping } from './types.js';

/**
 * A zoo entry's key mapping applied to a loaded state dict: core's key rules, then all-zero biases for the
 * convs that the upstream code built without one (see `ZooKeyMapping.zeroBiases`), and 0-d scalars as
 * 1-element vectors where asked (`ZooKeyMapping.scalarsAsVectors`).
 */
export function applyZooKeyMapping(sd: StateDict, mapping: ZooKeyMapping): StateDict {
  const out = normalizeStateDictKeys(sd, mapping.rules);
  for (const bias of mapping.zeroBiases ?? []) {
    if (out.has(bias)) continue;
    const weightKey = `${bias.slice(0, -'bias'.length)}weight`;
    const weight = out.get(weightKey);
    if (!weight) {
      throw new CheckpointError(
        `key mapping: cannot add a zero '${bias}' because '${weightKey}' is missing; found ${out.size} keys, e.g. ${[...out.keys()].slice(0, 5).join(', ')}`,
      );
    }
    const n = weight.shape[0]!;
    out.set(bias, { dtype: 'float32', shape: [n], data: new Float32Array(n) });
  }
  const prefixes = mapping.scalarsAsVectors ?? [];
  if (prefixes.length > 0) {
    for (const [key, t] of out) {
      if (t.shape.length === 0 && prefixes.some((p) => key.startsWith(p))) out.set(key, { ...t, shape: [1] });
    }
  }
  return out;
}
