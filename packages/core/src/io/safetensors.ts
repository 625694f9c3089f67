import { CheckpointError, typedError } from '../errors.js';
import { ByteReader, asBytes, decodeUtf8, encodeUtf8, floatToHalf } from './bytes.js';
import { type FileDType, ELEMENT_SIZE, checkBudget, contiguousStride, materialize, tensorBudget, viewNumel } from './dtype.js';
import { type StateDict, sizeOf } from './state-dict.js';

const DTYPES: Record<string, FileDType> = {
  F64: 'float64', F32: 'float32', F16: 'float16', BF16: 'bfloat16',
  I64: 'int64', I32: 'int32', I16: 'int16', I8: 'int8', U8: 'uint8', BOOL: 'bool',
};

/** Headers of real files are a few hundred KiB at most; refuse to parse a corrupt length as JSON. */
const MAX_HEADER_BYTES = 100 * 1024 * 1024;

/** True when the bytes look like safetensors: a plausible u64 header length followed by a JSON object. */
export function isSafetensors(bytes: Uint8Array): boolean {
  if (bytes.length < 10 || bytes[8] !== 0x7b) return false;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = dv.getUint32(0, true) + dv.getUint32(4, true) * 2 ** 32;
  return n >= 2 && n <= bytes.length - 8;
}

interface HeaderEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

export interface ReadSafetensorsOptions {
  /** The most bytes of tensors to materialise (see LoadCheckpointOptions.maxTensorBytes). */
  maxTensorBytes?: number;
}

/**
 * Read a safetensors file (https://github.com/huggingface/safetensors): u64 LE header size, JSON header, data.
 * Checked as strictly as the reference implementation: entries cover the data bytes exactly, in order, with no
 * gap and no overlap (a shifted start would load every later tensor shifted), each holding dtype size × shape
 * bytes; `__metadata__` maps strings to strings.
 */
export function readSafetensors(input: Uint8Array | ArrayBuffer, options: ReadSafetensorsOptions = {}): StateDict {
  try {
    return readSafetensorsUnguarded(input, options);
  } catch (e) {
    throw typedError(e, 'could not read the safetensors file');
  }
}

function readSafetensorsUnguarded(input: Uint8Array | ArrayBuffer, options: ReadSafetensorsOptions = {}): StateDict {
  const bytes = asBytes(input);
  const r = new ByteReader(bytes, 0, 'safetensors file');
  const n = r.u64();
  if (n > MAX_HEADER_BYTES) throw new CheckpointError(`corrupt safetensors file: header of ${n} bytes`);
  let header: unknown;
  try {
    const text = decodeUtf8(r.take(n), true);
    if (!text.startsWith('{')) throw new CheckpointError('corrupt safetensors header: does not start with {');
    header = JSON.parse(text);
  } catch (e) {
    if (e instanceof CheckpointError) throw e;
    throw new CheckpointError(`corrupt safetensors header: ${String((e as Error)?.message).slice(0, 200)}`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw new CheckpointError('corrupt safetensors header: not a JSON object');
  }
  const data = bytes.subarray(8 + n);
  const entries: [string, HeaderEntry][] = [];
  for (const [name, e] of Object.entries(header as Record<string, unknown>)) {
    const shown = JSON.stringify(name.slice(0, 100));
    if (name === '__metadata__') {
      if (typeof e !== 'object' || e === null || Array.isArray(e) || !Object.values(e).every((v) => typeof v === 'string')) {
        throw new CheckpointError('corrupt safetensors header: __metadata__ is not a map of strings to strings');
      }
      continue;
    }
    const entry = e as HeaderEntry;
    if (
      typeof entry !== 'object' || entry === null || typeof entry.dtype !== 'string' || !Array.isArray(entry.shape) ||
      !Array.isArray(entry.data_offsets) || entry.data_offsets.length !== 2 ||
      !entry.data_offsets.every((x) => Number.isSafeInteger(x) && x >= 0)
    ) {
      throw new CheckpointError(`corrupt safetensors header: entry ${shown} lacks dtype/shape/data_offsets (two non-negative integers)`);
    }
    if (!DTYPES[entry.dtype]) {
      throw new CheckpointError(`safetensors tensor ${shown}: dtype ${JSON.stringify(entry.dtype.slice(0, 20))} is not supported (${Object.keys(DTYPES).join(', ')})`);
    }
    entries.push([name, entry]);
  }
  // Object.entries puts integer-like names first; the file's order is the data order.
  entries.sort((a, b) => a[1].data_offsets[0] - b[1].data_offsets[0] || a[1].data_offsets[1] - b[1].data_offsets[1]);
  const budget = tensorBudget(bytes.length, options.maxTensorBytes);
  let expectedBegin = 0;
  let total = 0;
  for (const [name, e] of entries) {
    const dtype = DTYPES[e.dtype]!;
    const [begin, end] = e.data_offsets;
    const numel = viewNumel(name, e.shape);
    const need = numel * ELEMENT_SIZE[dtype];
    const shown = JSON.stringify(name.slice(0, 100));
    if (begin !== expectedBegin) {
      throw new CheckpointError(
        `safetensors tensor ${shown}: data_offsets start at ${begin}, but the previous tensor ends at ${expectedBegin} ` +
          `(${begin > expectedBegin ? 'a gap' : 'an overlap'}: the offsets do not tile the data)`,
      );
    }
    if (end - begin !== need || end > data.length) {
      throw new CheckpointError(
        `safetensors tensor ${shown}: data_offsets [${begin}, ${end}] do not hold ${need} bytes (${e.dtype} ` +
          `[${e.shape.slice(0, 8).join(', ')}]) within the ${data.length} data bytes`,
      );
    }
    total += numel * 4;
    checkBudget(total, budget, bytes.length, 'safetensors file');
    expectedBegin = end;
  }
  if (expectedBegin !== data.length) {
    throw new CheckpointError(`corrupt safetensors file: its tensors end at data byte ${expectedBegin}, but ${data.length} data bytes follow the header`);
  }
  const out: StateDict = new Map();
  for (const [name, e] of entries) {
    const dtype = DTYPES[e.dtype]!;
    const [begin, end] = e.data_offsets;
    const shape = e.shape.slice();
    out.set(name, materialize(name, { dtype, bytes: data.subarray(begin, end), littleEndian: true }, sizeOf(shape), 0, shape, contiguousStride(shape)));
  }
  return out;
}

export interface SaveSafetensorsOptions {
  /** Store float tensors as F16 (half the bytes; values rounded to half precision). Int tensors stay I32. */
  float16?: boolean;
  /** Free-form string metadata for `__metadata__` (`format: 'pt'` is always written). */
  metadata?: Record<string, string>;
}

/** Serialise a state dict as safetensors: keys and PyTorch (OIHW) shapes as they are, in map order. */
export function saveSafetensors(sd: StateDict, options: SaveSafetensorsOptions = {}): Uint8Array {
  const half = options.float16 ?? false;
  const parts: string[] = [`"__metadata__":${JSON.stringify({ format: 'pt', ...options.metadata })}`];
  let offset = 0;
  const plan: { data: Float32Array | Int32Array; begin: number; dtype: 'F32' | 'F16' | 'I32' }[] = [];
  for (const [name, t] of sd) {
    const dtype = t.dtype === 'int32' ? 'I32' : half ? 'F16' : 'F32';
    const nbytes = t.data.length * (dtype === 'F16' ? 2 : 4);
    // built by hand: a JS object would move integer-like keys to the front
    parts.push(`${JSON.stringify(name)}:${JSON.stringify({ dtype, shape: t.shape, data_offsets: [offset, offset + nbytes] })}`);
    plan.push({ data: t.data, begin: offset, dtype });
    offset += nbytes;
  }
  let header = encodeUtf8(`{${parts.join(',')}}`);
  const padded = Math.ceil(header.length / 8) * 8; // the reference writer pads with spaces to 8 bytes
  if (padded !== header.length) {
    const h = new Uint8Array(padded).fill(0x20);
    h.set(header);
    header = h;
  }
  const out = new Uint8Array(8 + header.length + offset);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, header.length, true);
  dv.setUint32(4, 0, true);
  out.set(header, 8);
  const base = 8 + header.length;
  for (const p of plan) {
    const at = base + p.begin;
    if (p.dtype === 'F16') for (let i = 0; i < p.data.length; i++) dv.setUint16(at + 2 * i, floatToHalf(p.data[i]!), true);
    else if (p.dtype === 'F32') for (let i = 0; i < p.data.length; i++) dv.setFloat32(at + 4 * i, p.data[i]!, true);
    else for (let i = 0; i < p.data.length; i++) dv.setInt32(at + 4 * i, p.data[i]!, true);
  }
  return out;
}
