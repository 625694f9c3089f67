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
