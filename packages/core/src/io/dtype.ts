import { CheckpointError } from '../errors.js';
import { HOST_LITTLE_ENDIAN, bfloat16ToFloat, halfToFloat } from './bytes.js';
import { type HostTensor, hostTensor, sizeOf } from './state-dict.js';

/** Element types found in files. Floats load as float32, integers and bools as int32 (see HostDType). */
export type FileDType = 'float64' | 'float32' | 'float16' | 'bfloat16' | 'int64' | 'int32' | 'int16' | 'int8' | 'uint8' | 'bool';

export const ELEMENT_SIZE: Record<FileDType, number> = {
  float64: 8, float32: 4, float16: 2, bfloat16: 2, int64: 8, int32: 4, int16: 2, int8: 1, uint8: 1, bool: 1,
};

export function isFloat(dtype: FileDType): boolean {
  return dtype === 'float64' || dtype === 'float32' || dtype === 'float16' || dtype === 'bfloat16';
}

/** Largest tensor we agree to materialise: a corrupt shape must fail, not try to allocate terabytes. */
export const MAX_ELEMENTS = 2 ** 30;

/** Slack on top of the per-byte budget, so that tiny files with a few scalars never hit it. */
const BUDGET_SLACK = 1 << 20;

/**
 * The most bytes a reader materialises (host tensors, inflated zip entries) for a file of `fileBytes` bytes.
 * Every stored element widens to at most 4 bytes (int8/uint8/bool → int32), so a file whose tensors each read
 * their own bytes never reaches 4 × its size; only views that repeat data do (stride-0 expands, many keys over
 * one storage, overlapping offsets: issue 15's 450-byte file that loads as 4 GiB). `maxTensorBytes` replaces the
 * default for a file that really shares storages (tied weights many times over) or to set a tighter limit.
 */
export function tensorBudget(fileBytes: number, maxTensorBytes?: number): number {
  if (maxTensorBytes !== undefined) {
    if (typeof maxTensorBytes !== 'number' || !(maxTensorBytes >= 0)) {
      throw new CheckpointError(`maxTensorBytes must be a non-negative number of bytes, found ${String(maxTensorBytes).slice(0, 40)}`);
    }
    return maxTensorBytes;
  }
  return 4 * fileBytes + BUDGET_SLACK;
}

/** Throw before allocating when `total` bytes would exceed the budget. */
export function checkBudget(total: number, budget: number, fileBytes: number, what: string): void {
  if (total > budget) {
    throw new CheckpointError(
      `${what} would materialise ${total} bytes from a ${fileBytes}-byte file, more than the ${budget} allowed ` +
        '(4 bytes per byte the file holds, plus 1 MiB): its tensors repeat data (stride-0 or overlapping views, ' +
        'storages shared by many keys). Pass { maxTensorBytes } to allow more.',
    );
  }
}

/** Elements a view of `shape` materialises, checked as a count (a corrupt shape must not overflow to NaN/∞). */
export function viewNumel(name: string, shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) throw new CheckpointError(`tensor '${name}': bad shape [${shape.slice(0, 8).join(', ')}${shape.length > 8 ? ', …' : ''}]`);
    n *= d;
  }
  if (n > MAX_ELEMENTS) throw new CheckpointError(`tensor '${name}': ${n} elements is more than the ${MAX_ELEMENTS} allowed`);
  return n;
}

/**
 * A typed run of elements in a file: `bytes` holds at least `numel` elements of `dtype` from its start.
 * Shared by the PyTorch, safetensors and npy readers so that every format decodes values the same way.
 */
export interface RawStorage {
  dtype: FileDType;
  bytes: Uint8Array;
  littleEndian: boolean;
}

function reader(s: RawStorage, name: string): (i: number) => number {
  const v = new DataView(s.bytes.buffer, s.bytes.byteOffset, s.bytes.byteLength);
  const le = s.littleEndian;
  switch (s.dtype) {
    case 'float32': return (i) => v.getFloat32(i * 4, le);
    case 'float64': return (i) => v.getFloat64(i * 8, le);
    case 'float16': return (i) => halfToFloat(v.getUint16(i * 2, le));
    case 'bfloat16': return (i) => bfloat16ToFloat(v.getUint16(i * 2, le));
    case 'int32': return (i) => v.getInt32(i * 4, le);
    case 'int16': return (i) => v.getInt16(i * 2, le);
    case 'int8': return (i) => v.getInt8(i);
    case 'uint8': return (i) => v.getUint8(i);
    case 'bool': return (i) => (v.getUint8(i) ? 1 : 0);
    case 'int64': return (i) => {
      const lo = v.getUint32(i * 8 + (le ? 0 : 4), le);
      const hi = v.getInt32(i * 8 + (le ? 4 : 0), le);
      // int64 lands in an Int32Array (tfjs has no int64): refuse silently wrapping values
      if (hi !== (lo & 0x80000000 ? -1 : 0)) {
        throw new CheckpointError(`tensor '${name}': int64 value ${BigInt(hi) * 2n ** 32n + BigInt(lo)} does not fit in int32`);
      }
      return lo | 0;
    };
  }
}

/**
 * Materialise a (possibly strided) view of a storage as a contiguous host tensor in C order.
 * `offset`, `shape` and `stride` are in elements, as PyTorch records them.
 */
export function materialize(
  name: string,
  storage: RawStorage,
  storageNumel: number,
  offset: number,
  shape: number[],
  stride: number[],
): HostTensor {
  if (shape.length !== stride.length) {
    throw new CheckpointError(`tensor '${name}': shape [${shape.join(', ')}] and stride [${stride.join(', ')}] differ in rank`);
  }
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new CheckpointError(`tensor '${name}': bad shape [${shape.join(', ')}]`);
  }
  const n = sizeOf(shape);
  if (n > MAX_ELEMENTS) throw new CheckpointError(`tensor '${name}': ${n} elements is more than the ${MAX_ELEMENTS} allowed`);
  if (!Number.isInteger(offset) || offset < 0) throw new CheckpointError(`tensor '${name}': bad storage offset ${offset}`);
  // Bound check on the furthest element the view touches, before touching any.
  if (n > 0) {
    let last = offset;
    for (let d = 0; d < shape.length; d++) {
      const st = stride[d]!;
      if (!Number.isInteger(st) || st < 0) throw new CheckpointError(`tensor '${name}': bad stride [${stride.join(', ')}]`);
      last += (shape[d]! - 1) * st;
    }
    const available = Math.min(storageNumel, Math.floor(storage.bytes.length / ELEMENT_SIZE[storage.dtype]));
    if (last >= available) {
      throw new CheckpointError(
        `tensor '${name}': view (offset ${offset}, shape [${shape.join(', ')}], stride [${stride.join(', ')}]) ` +
          `reaches element ${last} but its storage holds ${available}`,
      );
    }
  }
  const out = isFloat(storage.dtype) ? new Float32Array(n) : new Int32Array(n);
  const contiguous = isContiguous(shape, stride);
  const es = ELEMENT_SIZE[storage.dtype];
  if (
    contiguous &&
    storage.littleEndian === HOST_LITTLE_ENDIAN &&
    (storage.dtype === 'float32' || storage.dtype === 'int32')
  ) {
    // Fast path for the common case: one byte copy, whatever the source alignment (legacy files put
    // storages at arbitrary offsets, where a Float32Array view of the source is impossible).
    const start = offset * es;
    new Uint8Array(out.buffer).set(storage.bytes.subarray(start, start + n * es));
    return hostTensor(out, shape);
  }
  const get = reader(storage, name);
  if (contiguous) {
    for (let i = 0; i < n; i++) out[i] = get(offset + i);
    return hostTensor(out, shape);
  }
  // General strided gather with an odometer over the index; avoids a division per element.
  const rank = shape.length;
  const idx = new Array<number>(rank).fill(0);
  let src = offset;
  for (let i = 0; i < n; i++) {
    out[i] = get(src);
    for (let d = rank - 1; d >= 0; d--) {
      idx[d] = idx[d]! + 1;
      src += stride[d]!;
      if (idx[d]! < shape[d]!) break;
      src -= shape[d]! * stride[d]!;
      idx[d] = 0;
    }
  }
  return hostTensor(out, shape);
}

function isContiguous(shape: number[], stride: number[]): boolean {
  let expected = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    if (shape[d] !== 1 && stride[d] !== expected) return false;
    expected *= shape[d]!;
  }
  return true;
}

export function contiguousStride(shape: readonly number[]): number[] {
  const stride = new Array<number>(shape.length);
  let s = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    stride[d] = s;
    s *= shape[d]!;
  }
  return stride;
}
