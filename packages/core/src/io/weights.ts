import { CheckpointError, typedError } from '../errors.js';
import { detectCheckpointFormat, loadCheckpointAsync, type LoadCheckpointOptions } from './load.js';
import { normalizeStateDictKeys } from './keys.js';
import type { StateDict } from './state-dict.js';

/**
 * Where a task factory's weights come from: a URL (fetched; a tfjs `model.json` URL fetches its shards beside
 * it), checkpoint bytes in any supported format, or a state dict already in memory.
 */
export type WeightsSource = string | URL | Uint8Array | ArrayBuffer | StateDict;

async function fetchBytes(url: string): Promise<Uint8Array> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch (e) {
    throw new CheckpointError(`could not fetch weights from ${url.slice(0, 300)}: ${String((e as Error)?.message).slice(0, 300)}`);
  }
  if (!response.ok) throw new CheckpointError(`could not fetch weights from ${url.slice(0, 300)}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

/**
 * Resolves a `WeightsSource` to a state dict with the standard key rules applied (the same rules for a state
 * dict passed in as for bytes, so `module.`-prefixed dicts load alike). One implementation for every head.
 */
export async function loadWeights(source: WeightsSource, options: LoadCheckpointOptions = {}): Promise<StateDict> {
  try {
    return await loadWeightsUnguarded(source, options);
  } catch (e) {
    throw typedError(e, 'could not load the weights');
  }
}

async function loadWeightsUnguarded(source: WeightsSource, options: LoadCheckpointOptions): Promise<StateDict> {
  if (source instanceof Map) return options.rawKeys ? source : normalizeStateDictKeys(source, options.keys);
  if (source instanceof Uint8Array || source instanceof ArrayBuffer) return loadCheckpointAsync(source, options);
  if (typeof source === 'string' || source instanceof URL) {
    const url = String(source);
    const bytes = await fetchBytes(url);
    const fetchShard =
      detectCheckpointFormat(bytes) === 'tfjs-model-json' ? (path: string) => fetchBytes(new URL(path, new URL(url, globalThis.location?.href)).href) : undefined;
    return loadCheckpointAsync(bytes, { ...options, fetchShard });
  }
  throw new CheckpointError(`weights: expected a URL, checkpoint bytes or a state dict, found ${source === null ? 'null' : typeof source}`);
}
