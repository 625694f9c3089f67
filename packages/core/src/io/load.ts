import { CheckpointError, typedError } from '../errors.js';
import { asBytes, decodeUtf8 } from './bytes.js';
import { type KeyRuleOptions, normalizeStateDictKeys } from './keys.js';
import { isNpy, readNpy } from './npy.js';
import { isSafetensors, readSafetensors } from './safetensors.js';
import type { StateDict } from './state-dict.js';
import { type ExtractOptions, extractMeta, extractStateDict, isTorchLegacy, readTorchLegacy, readTorchZip } from './torch.js';
import { loadTfjsWeights, parseTfjsModelJson } from './tfjs.js';

export type CheckpointFormat = 'torch-zip' | 'torch-legacy' | 'safetensors' | 'tfjs-model-json' | 'npy';

export interface LoadCheckpointOptions extends ExtractOptions {
  /**
   * Return keys exactly as stored. By default the key rules of `normalizeStateDictKeys` run (strip `module.`,
   * unwrap segmentation `model.` and drop `loss.*`, drop `num_batches_tracked`), plus any given in `keys`.
   */
  rawKeys?: boolean;
  /** Extra key rules (prefixes to strip / drop / rename), applied after the defaults. */
  keys?: KeyRuleOptions;
  /** Name of the single entry a `.npy` file loads as (default 'tensor'). */
  npyName?: string;
}

export interface LoadCheckpointAsyncOptions extends LoadCheckpointOptions {
  /** Fetch a shard of a tfjs model.json by its manifest path (e.g. `p => fetch(new URL(p, base)).then(r => r.arrayBuffer())`). */
  fetchShard?: (path: string) => Promise<Uint8Array | ArrayBuffer>;
}

function startsWithJsonObject(bytes: Uint8Array): boolean {
  let i = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0; // UTF-8 BOM
  while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x0a || bytes[i] === 0x0d || bytes[i] === 0x09)) i++;
  return bytes[i] === 0x7b;
}

/** Identify a checkpoint's format from its first bytes (null if unknown). */
export function detectCheckpointFormat(input: Uint8Array | ArrayBuffer): CheckpointFormat | null {
  const b = asBytes(input);
  if (b[0] === 0x50 && b[1] === 0x4b && (b[2] === 0x03 || b[2] === 0x05) && (b[3] === 0x04 || b[3] === 0x06)) return 'torch-zip';
  if (isTorchLegacy(b)) return 'torch-legacy';
  if (isNpy(b)) return 'npy';
  if (isSafetensors(b)) return 'safetensors';
  if (startsWithJsonObject(b)) {
    try {
      parseTfjsModelJson(decodeUtf8(b));
      return 'tfjs-model-json';
    } catch {
      return null;
    }
  }
  return null;
}

function unknownFormat(b: Uint8Array): CheckpointError {
  const head = [...b.subarray(0, 16)].map((x) => x.toString(16).padStart(2, '0')).join(' ');
  if (b.length === 0) return new CheckpointError('checkpoint is empty (0 bytes)');
  if (b.length > 262 && decodeUtf8(b.subarray(257, 262)) === 'ustar') {
    return new CheckpointError('checkpoint is a tar archive (torch < 0.4 format), which is not supported: re-save it with a newer torch');
  }
  if (b[0] === 0x80) {
    return new CheckpointError('checkpoint is a plain pickle without torch.save framing (neither a torch zip nor the legacy format)');
  }
  return new CheckpointError(
    `unknown checkpoint format (first bytes ${head}); expected a PyTorch .pth/.pt (zip or legacy), safetensors, tfjs model.json, or .npy`,
  );
}

function finish(sd: StateDict, options: LoadCheckpointOptions): StateDict {
  return options.rawKeys ? sd : normalizeStateDictKeys(sd, options.keys);
}

/**
 * Load a checkpoint into a host-side state dict (no tfjs tensors). The format is sniffed from the bytes:
 * PyTorch zip (torch ≥ 1.6) or legacy (< 1.6) `.pth`, safetensors, or `.npy` (one entry). A tfjs `model.json`
 * needs its shards: use `loadCheckpointAsync` with `fetchShard`, or `loadTfjsWeights`.
 *
 * PyTorch pickles are read by a data-only unpickler: no code runs, and any global outside a state dict's
 * allow-list throws a CheckpointError naming it. Training checkpoints are unwrapped (`state_dict`,
 * `model_state_dict`, `model`), non-tensor entries ignored, then the default key rules applied unless `rawKeys`.
 *
 * @example
 * const sd = loadCheckpoint(new Uint8Array(await (await fetch('pose_hrnet_w32_256x192.pth')).arrayBuffer()));
 * sd.get('conv1.weight')!.shape; // [64, 3, 3, 3]
 */
export function loadCheckpoint(input: Uint8Array | ArrayBuffer, options: LoadCheckpointOptions = {}): StateDict {
  try {
    return loadCheckpointUnguarded(asBytes(input), options);
  } catch (e) {
    throw typedError(e, 'could not read the checkpoint');
  }
}

function loadCheckpointUnguarded(b: Uint8Array, options: LoadCheckpointOptions): StateDict {
  switch (detectCheckpointFormat(b)) {
    case 'torch-zip':
      return finish(extractStateDict(readTorchZip(b, options), options, b.length), options);
    case 'torch-legacy':
      return finish(extractStateDict(readTorchLegacy(b), options, b.length), options);
    case 'safetensors':
      return finish(readSafetensors(b, options), options);
    case 'npy':
      return new Map([[options.npyName ?? 'tensor', readNpy(b)]]);
    case 'tfjs-model-json': {
      const paths = parseTfjsModelJson(decodeUtf8(b)).weightsManifest.flatMap((g) => g.paths);
      throw new CheckpointError(
        `this is a tfjs model.json: its weights live in ${paths.length} shard file(s) (${paths.slice(0, 4).join(', ')}${paths.length > 4 ? ', …' : ''}); ` +
          'use loadCheckpointAsync(bytes, { fetchShard }) or loadTfjsWeights(modelJson, shards)',
      );
    }
    default:
      throw unknownFormat(b);
  }
}

/** `loadCheckpoint`, plus tfjs model.json whose shards come from `options.fetchShard`. */
export async function loadCheckpointAsync(input: Uint8Array | ArrayBuffer, options: LoadCheckpointAsyncOptions = {}): Promise<StateDict> {
  try {
    const b = asBytes(input);
    if (options.fetchShard && detectCheckpointFormat(b) === 'tfjs-model-json') {
      return await loadTfjsWeights(decodeUtf8(b), options.fetchShard, { rawKeys: options.rawKeys, keys: options.keys, maxTensorBytes: options.maxTensorBytes });
    }
    return loadCheckpoint(b, options);
  } catch (e) {
    throw typedError(e, 'could not read the checkpoint');
  }
}

/**
 * The `meta` a PyTorch checkpoint carries beside its state dict (mmengine / mmcv / mmpose / mmseg / mmdet
 * files: `dataset_meta`, `epoch`, versions, `CLASSES`, …) as plain data; numpy arrays come back as
 * `NumpyArray` (`shape`, `dtype.str`, typed `data`). Read by the same data-only unpickler: nothing runs.
 * Undefined for formats without one, or when the file has no `meta`. Never needed to load the weights.
 */
export function loadCheckpointMeta(input: Uint8Array | ArrayBuffer): Record<string, unknown> | undefined {
  try {
    const b = asBytes(input);
    const format = detectCheckpointFormat(b);
    if (format === 'torch-zip') return extractMeta(readTorchZip(b));
    if (format === 'torch-legacy') return extractMeta(readTorchLegacy(b));
    return undefined;
  } catch (e) {
    throw typedError(e, 'could not read the checkpoint meta');
  }
}
