import { CheckpointError } from '../errors.js';
import type { HostTensor, StateDict } from './state-dict.js';

/**
 * Every rule that maps checkpoint key names onto our module names lives here, so a model never carries its
 * own table of renames (DESIGN.md: "key rules in one place").
 */
export interface KeyRuleOptions {
  /**
   * Apply the default rules (default true):
   * - strip DataParallel's `module.` from every key that has it;
   * - segmentation `FullModel` checkpoints (every key `model.*` or `loss.*`): drop `loss.*`, strip `model.`;
   * - drop BatchNorm `num_batches_tracked` counters (training-only state; our BatchNorm has no such buffer).
   */
  defaults?: boolean;
  /** Keep `num_batches_tracked` entries even when the defaults run. */
  keepNumBatchesTracked?: boolean;
  /** Drop every key that starts with one of these (e.g. `['loss.', 'auxiliary_head.']`). Runs after the defaults. */
  dropPrefix?: string[];
  /** Remove the first matching prefix from keys that have one (e.g. `['backbone.']`). Runs after dropPrefix. */
  stripPrefix?: string[];
  /**
   * Prefix renames `[from, to]`, first match wins (e.g. `[['keypoint_head.final_layer.', 'final_layer.']]`).
   * Runs last.
   */
  rename?: [from: string, to: string][];
}

export const DATA_PARALLEL_PREFIX = 'module.';
export const SEG_MODEL_PREFIX = 'model.';
export const SEG_LOSS_PREFIX = 'loss.';

function isNumBatchesTracked(key: string): boolean {
  return key === 'num_batches_tracked' || key.endsWith('.num_batches_tracked');
}

/**
 * Rename and filter the keys of a state dict (values are shared, not copied; order is kept).
 * Two keys that end up with the same name are an error naming both, never a silent overwrite.
 */
export function normalizeStateDictKeys(sd: StateDict, options: KeyRuleOptions = {}): StateDict {
  // [current name, original name, value]: the original is kept for error messages
  type Entry = [string, string, HostTensor];
  let entries: Entry[] = [...sd.entries()].map(([k, v]) => [k, k, v]);
  const rekey = (f: (k: string) => string) => {
    entries = entries.map(([k, o, v]) => [f(k), o, v]);
  };
  if (options.defaults ?? true) {
    rekey((k) => (k.startsWith(DATA_PARALLEL_PREFIX) ? k.slice(DATA_PARALLEL_PREFIX.length) : k));
    // Only a whole FullModel checkpoint is rewritten: a model with a child that happens to be named `model`
    // but also other top-level children keeps its names.
    const isSegFullModel =
      entries.some(([k]) => k.startsWith(SEG_MODEL_PREFIX)) &&
      entries.every(([k]) => k.startsWith(SEG_MODEL_PREFIX) || k.startsWith(SEG_LOSS_PREFIX));
    if (isSegFullModel) {
      entries = entries.filter(([k]) => !k.startsWith(SEG_LOSS_PREFIX));
      rekey((k) => k.slice(SEG_MODEL_PREFIX.length));
    }
    if (!options.keepNumBatchesTracked) entries = entries.filter(([k]) => !isNumBatchesTracked(k));
  }
  const drop = options.dropPrefix ?? [];
  if (drop.length) entries = entries.filter(([k]) => !drop.some((p) => k.startsWith(p)));
  const strip = options.stripPrefix ?? [];
  if (strip.length) {
    rekey((k) => {
      const p = strip.find((q) => k.startsWith(q));
      return p === undefined ? k : k.slice(p.length);
    });
  }
  const rename = options.rename ?? [];
  if (rename.length) {
    rekey((k) => {
      const r = rename.find(([from]) => k.startsWith(from));
      return r === undefined ? k : r[1] + k.slice(r[0].length);
    });
  }
  const out: StateDict = new Map();
  const origin = new Map<string, string>();
  for (const [k, o, v] of entries) {
    if (out.has(k)) {
      throw new CheckpointError(`key rules map both '${origin.get(k)}' and '${o}' onto '${k}'; adjust the key rules`);
    }
    out.set(k, v);
    origin.set(k, o);
  }
  return out;
}
