import { CheckpointError, typedError } from '../errors.js';
import { asBytes, decodeUtf8, floatToHalf, halfToFloat } from './bytes.js';
import { type KeyRuleOptions, normalizeStateDictKeys } from './keys.js';
import { viewNumel } from './dtype.js';
import { describeValue } from '../task/describe.js';
import { type StateDict, hostTensor } from './state-dict.js';

/** One entry of a tfjs `weightsManifest` group (tfjs-core `io.WeightsManifestEntry`, the fields we use). */
export interface TfjsWeightEntry {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: 'uint8' | 'uint16' | 'float16'; scale?: number; min?: number; original_dtype?: string };
}

export interface TfjsWeightsGroup {
  paths: string[];
  weights: TfjsWeightEntry[];
}

/** The parts of a tfjs `model.json` that hold weights. Other fields (modelTopology, ...) are passed through. */
export interface TfjsModelJson {
  weightsManifest: TfjsWeightsGroup[];
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  userDefinedMetadata?: Record<string, unknown>;
  [extra: string]: unknown;
}

/** Shard bytes in manifest order (all paths of group 0, then group 1, ...), or a fetcher by manifest path. */
export type TfjsShards = (Uint8Array | ArrayBuffer)[] | ((path: string) => Promise<Uint8Array | ArrayBuffer>);

export interface LoadTfjsWeightsOptions {
  /** Skip the key rules (see keys.ts); by default they run, as for every other format. */
  rawKeys?: boolean;
  keys?: KeyRuleOptions;
  /** Accepted for symmetry with the other readers: shards are bounded by their own bytes already (exact cover). */
  maxTensorBytes?: number;
}

/** Parse model.json given as an object, JSON text or bytes, and check it has a weights manifest. */
function parseTfjsModelJsonUnguarded(modelJson: TfjsModelJson | string | Uint8Array | ArrayBuffer): TfjsModelJson {
  let obj: unknown = modelJson;
  if (typeof modelJson === 'string' || modelJson instanceof Uint8Array || modelJson instanceof ArrayBuffer) {
    const text = typeof modelJson === 'string' ? modelJson : decodeUtf8(asBytes(modelJson));
    try {
      obj = JSON.parse(text);
    } catch (e) {
      throw new CheckpointError(`model.json is not valid JSON: ${String((e as Error)?.message).slice(0, 200)}`);
    }
  }
  const m = obj as TfjsModelJson;
  if (typeof m !== 'object' || m === null || !Array.isArray(m.weightsManifest)) {
    throw new CheckpointError('model.json has no weightsManifest array');
  }
  m.weightsManifest.forEach((g, i) => {
    if (typeof g !== 'object' || g === null || !Array.isArray(g.paths) || !Array.isArray(g.weights)) {
      throw new CheckpointError(`model.json weightsManifest group ${i} lacks paths/weights, found ${describeValue(g)}`);
    }
    g.paths.forEach((p, j) => {
      if (typeof p !== 'string' || p === '') {
        throw new CheckpointError(`model.json weightsManifest group ${i}: shard path ${j} is ${describeValue(p)}, expected a file name`);
      }
    });
    g.weights.forEach((w, j) => {
      if (typeof w !== 'object' || w === null || typeof w.name !== 'string' || typeof w.dtype !== 'string' || !Array.isArray(w.shape)) {
        throw new CheckpointError(`model.json weightsManifest group ${i}: weight ${j} is ${describeValue(w)}, expected { name, shape, dtype }`);
      }
    });
  });
  return m;
}

/** Parse model.json given as an object, JSON text or bytes, and check it has a well-formed weights manifest. */
export function parseTfjsModelJson(modelJson: TfjsModelJson | string | Uint8Array | ArrayBuffer): TfjsModelJson {
  try {
    return parseTfjsModelJsonUnguarded(modelJson);
  } catch (e) {
    throw typedError(e, 'could not read model.json');
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function bytesPerValue(w: TfjsWeightEntry): number {
  const q = w.quantization?.dtype;
  if (q) {
    if (q === 'uint8') return 1;
    if (q === 'uint16' || q === 'float16') return 2;
    throw new CheckpointError(`tfjs weight '${w.name}': quantization ${describeValue(q)} is not supported`);
  }
  if (w.dtype === 'float32' || w.dtype === 'int32') return 4;
  if (w.dtype === 'bool') return 1;
  throw new CheckpointError(`tfjs weight '${w.name}': dtype ${describeValue(w.dtype)} is not supported (float32, int32, bool)`);
}

function decodeGroup(group: TfjsWeightsGroup, data: Uint8Array, out: StateDict): void {
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let at = 0;
  for (const w of group.weights) {
    const n = viewNumel(w.name, w.shape);
    const per = bytesPerValue(w);
    const q0 = w.quantization;
    if (q0 && q0.dtype !== 'float16') {
      // a NaN or infinite scale turns every value into NaN; tfjs's writer always stores finite numbers
      for (const [field, v] of [['scale', q0.scale], ['min', q0.min]] as const) {
        if (v !== undefined && !(typeof v === 'number' && Number.isFinite(v))) {
          throw new CheckpointError(`tfjs weight '${w.name}': quantization ${field} is ${describeValue(v)}, expected a finite number`);
        }
      }
    }
    if (at + n * per > data.length) {
      throw new CheckpointError(
        `tfjs weight '${w.name}' needs bytes ${at}..${at + n * per} but its shards hold ${data.length}: missing or truncated shard`,
      );
    }
    const isInt = (w.quantization?.original_dtype ?? w.dtype) === 'int32' || w.dtype === 'bool';
    const values = isInt ? new Int32Array(n) : new Float32Array(n);
    const q = w.quantization;
    if (!q) {
      if (w.dtype === 'float32') for (let i = 0; i < n; i++) values[i] = dv.getFloat32(at + 4 * i, true);
      else if (w.dtype === 'int32') for (let i = 0; i < n; i++) values[i] = dv.getInt32(at + 4 * i, true);
      else for (let i = 0; i < n; i++) values[i] = data[at + i] ? 1 : 0;
    } else if (q.dtype === 'float16') {
      for (let i = 0; i < n; i++) values[i] = halfToFloat(dv.getUint16(at + 2 * i, true));
    } else {
      const scale = q.scale ?? 1;
      const min = q.min ?? 0;
      for (let i = 0; i < n; i++) {
        const raw = q.dtype === 'uint8' ? data[at + i]! : dv.getUint16(at + 2 * i, true);
        const v = raw * scale + min;
        values[i] = isInt ? Math.round(v) : v;
      }
    }
    at += n * per;
    if (out.has(w.name)) throw new CheckpointError(`model.json lists weight '${w.name}' twice`);
    out.set(w.name, hostTensor(values, w.shape.slice()));
  }
  // The weights must use the shards exactly: bytes left over mean an entry was dropped (every later weight
  // would have read its neighbour's bytes) or the shards belong to another manifest.
  if (at !== data.length) {
    throw new CheckpointError(
      `model.json's weights use ${at} bytes but their shards hold ${data.length}: an entry is missing from the manifest, or the shards are not its own`,
    );
  }
}

function decodeAll(manifest: TfjsModelJson, groups: Uint8Array[][], options: LoadTfjsWeightsOptions): StateDict {
  const out: StateDict = new Map();
  manifest.weightsManifest.forEach((g, i) => decodeGroup(g, concat(groups[i]!), out));
  return options.rawKeys ? out : normalizeStateDictKeys(out, options.keys);
}

/**
 * Load a tfjs weights manifest (`model.json`) and its binary shards into a state dict.
 * With shard bytes this is synchronous; with a fetcher (`path => Promise<bytes>`, e.g. `p => fetch(base + p)`)
 * it returns a promise. Keys and shapes are whatever the file holds: hrnet-js writes PyTorch names and
 * PyTorch (OIHW) shapes, so the model converts layout at load exactly as for a `.pth`.
 */
export function loadTfjsWeights(modelJson: TfjsModelJson | string | Uint8Array | ArrayBuffer, shards: (Uint8Array | ArrayBuffer)[], options?: LoadTfjsWeightsOptions): StateDict;
export function loadTfjsWeights(modelJson: TfjsModelJson | string | Uint8Array | ArrayBuffer, shards: (path: string) => Promise<Uint8Array | ArrayBuffer>, options?: LoadTfjsWeightsOptions): Promise<StateDict>;
export function loadTfjsWeights(modelJson: TfjsModelJson | string | Uint8Array | ArrayBuffer, shards: TfjsShards, options: LoadTfjsWeightsOptions = {}): StateDict | Promise<StateDict> {
  const context = 'could not read the tfjs weights';
  try {
    const manifest = parseTfjsModelJson(modelJson);
    if (typeof shards === 'function') {
      const fetchOne = async (p: string): Promise<Uint8Array> => {
        let got: Uint8Array | ArrayBuffer;
        try {
          got = await shards(p);
        } catch (e) {
          // a missing shard file (ENOENT) or a failed fetch names the shard, typed
          throw typedError(e, `could not read shard '${p.slice(0, 200)}' of model.json`);
        }
        return asBytes(got);
      };
      return Promise.all(manifest.weightsManifest.map((g) => Promise.all(g.paths.map(fetchOne))))
        .then((groups) => decodeAll(manifest, groups, options))
        .catch((e: unknown) => {
          throw typedError(e, context);
        });
    }
    if (!Array.isArray(shards)) throw new CheckpointError(`tfjs shards: expected an array of bytes or a fetcher, found ${describeValue(shards)}`);
    const total = manifest.weightsManifest.reduce((a, g) => a + g.paths.length, 0);
    if (shards.length !== total) {
      throw new CheckpointError(
        `model.json lists ${total} shard files (${manifest.weightsManifest.flatMap((g) => g.paths).slice(0, 8).join(', ')}${total > 8 ? ', …' : ''}) but ${shards.length} were given`,
      );
    }
    let k = 0;
    const groups = manifest.weightsManifest.map((g) => g.paths.map(() => asBytes(shards[k++]!)));
    return decodeAll(manifest, groups, options);
  } catch (e) {
    throw typedError(e, context);
  }
}

export interface SaveTfjsWeightsOptions {
  /** Store float tensors as float16 (tfjs `quantization: { dtype: 'float16' }`): half the download. */
  float16?: boolean;
  /** Largest shard file, in bytes (default 4 MiB, the size tfjs's converter uses; browsers cache it well). */
  shardSizeBytes?: number;
  /** Shard file name prefix (default 'group1'): files are `<prefix>-shard<i>of<n>.bin`, as tfjs names them. */
  shardPrefix?: string;
  /** Extra fields for model.json's `userDefinedMetadata`. */
  metadata?: Record<string, unknown>;
}

export interface TfjsWeightsFiles {
  modelJson: TfjsModelJson;
  shards: { path: string; data: Uint8Array }[];
}

/**
 * Serialise a state dict as a tfjs weights manifest + shards, to serve a converted checkpoint to browsers.
 * Names stay the PyTorch state_dict keys and shapes stay PyTorch's (conv weights OIHW): this is a weights
 * container, not a tfjs graph/layers model, and our modules convert layout when they load it.
 */
export function saveTfjsWeights(sd: StateDict, options: SaveTfjsWeightsOptions = {}): TfjsWeightsFiles {
  const shardSize = options.shardSizeBytes ?? 4 * 1024 * 1024;
  if (!Number.isInteger(shardSize) || shardSize < 1) throw new CheckpointError(`shardSizeBytes must be a positive integer, got ${shardSize}`);
  const half = options.float16 ?? false;
  const weights: TfjsWeightEntry[] = [];
  let total = 0;
  for (const [name, t] of sd) {
    const q = half && t.dtype === 'float32';
    weights.push({ name, shape: t.shape.slice(), dtype: t.dtype, ...(q ? { quantization: { dtype: 'float16' as const } } : {}) });
    total += t.data.length * (q ? 2 : 4);
  }
  const count = Math.max(1, Math.ceil(total / shardSize));
  const prefix = options.shardPrefix ?? 'group1';
  const shards = Array.from({ length: count }, (_, i) => ({
    path: `${prefix}-shard${i + 1}of${count}.bin`,
    data: new Uint8Array(Math.min(shardSize, total - i * shardSize)),
  }));
  // Encode into one scratch buffer per tensor, then copy across shard boundaries (a tensor may straddle two).
  let at = 0;
  for (const [, t] of sd) {
    const q = half && t.dtype === 'float32';
    const buf = new Uint8Array(t.data.length * (q ? 2 : 4));
    const dv = new DataView(buf.buffer);
    if (q) for (let i = 0; i < t.data.length; i++) dv.setUint16(2 * i, floatToHalf(t.data[i]!), true);
    else if (t.dtype === 'int32') for (let i = 0; i < t.data.length; i++) dv.setInt32(4 * i, t.data[i]!, true);
    else for (let i = 0; i < t.data.length; i++) dv.setFloat32(4 * i, t.data[i]!, true);
    let done = 0;
    while (done < buf.length) {
      const s = Math.floor(at / shardSize);
      const within = at - s * shardSize;
      const n = Math.min(buf.length - done, shardSize - within);
      shards[s]!.data.set(buf.subarray(done, done + n), within);
      done += n;
      at += n;
    }
  }
  const modelJson: TfjsModelJson = {
    format: 'hrnet-js-state-dict',
    generatedBy: 'hrnet-js',
    convertedBy: null,
    userDefinedMetadata: { layout: 'pytorch', ...options.metadata },
    weightsManifest: [{ paths: shards.map((s) => s.path), weights }],
  };
  return { modelJson, shards };
}
