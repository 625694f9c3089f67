import { CheckpointError } from '../errors.js';
import { describeValue } from '../task/describe.js';
import { halfToFloat } from './bytes.js';
import { PyBuildable, PyCallable, type PyValue } from './pickle.js';

/**
 * Data-only reconstruction of the numpy values that checkpoint metadata holds (mmengine's `save_checkpoint`
 * and mmpose's `publish_model.py` keep `meta.dataset_meta` with `sigmas`, `keypoint_colors`, … as arrays; mmcv
 * keeps numpy scalars in `hook_msgs`). numpy pickles them through four globals:
 *
 * - `numpy.core.multiarray._reconstruct(numpy.ndarray, (0,), b'b')` + BUILD `(version, shape, dtype, fortran, raw)`
 * - `numpy.dtype('f4', False, True)` + BUILD `(3, '<', None, None, None, -1, -1, 0)`
 * - `numpy.core.multiarray.scalar(dtype, raw)`
 * (numpy 2 spells the module `numpy._core.multiarray`). We build plain typed arrays and JS numbers from the
 * raw bytes and run nothing: object arrays (whose items are further pickles), structured dtypes and other
 * kinds are refused by name.
 */

/** A numpy dtype of fixed-size numbers: `str` is numpy's `dtype.str` (`'<f4'`, `'|u1'`, `'|b1'`, `'>i8'`). */
export class NumpyDType extends PyBuildable {
  byteOrder: '<' | '>' | '|' | '=';
  constructor(
    readonly kind: 'f' | 'i' | 'u' | 'b',
    readonly itemSize: number,
  ) {
    super();
    this.byteOrder = itemSize === 1 ? '|' : '=';
  }

  get littleEndian(): boolean {
    return this.byteOrder !== '>';
  }

  get str(): string {
    const order = this.itemSize === 1 ? '|' : this.littleEndian ? '<' : '>';
    return `${order}${this.kind}${this.itemSize}`;
  }

  /** BUILD state `(version, byteorder, subarray, names, fields, elsize, alignment, flags)`. */
  setState(state: PyValue): void {
    if (!Array.isArray(state) || state.length < 5) throw new CheckpointError('corrupt numpy dtype: bad state tuple');
    const [, order, subarray, names, fields] = state;
    if (subarray !== null || names !== null || fields !== null) {
      throw new CheckpointError('refusing a structured or sub-array numpy dtype: only plain number dtypes are read');
    }
    if (order !== '<' && order !== '>' && order !== '|' && order !== '=') throw new CheckpointError(`corrupt numpy dtype: byte order ${describeValue(order)}`);
    this.byteOrder = order;
  }
}

/** A numpy array as plain data: C-order elements in the typed array numpy's dtype calls for. */
export class NumpyArray extends PyBuildable {
  shape: number[] = [0];
  dtype: NumpyDType | undefined;
  data: Float32Array | Float64Array | Int8Array | Int16Array | Int32Array | BigInt64Array | Uint8Array | Uint16Array | Uint32Array | BigUint64Array | boolean[] =
    new Float64Array(0);

  /** BUILD state `(version, shape, dtype, is_fortran, rawdata)` of `ndarray.__setstate__`. */
  setState(state: PyValue): void {
    if (!Array.isArray(state) || state.length !== 5) throw new CheckpointError('corrupt numpy array: bad state tuple');
    const [, shape, dtype, fortran, raw] = state;
    if (!(dtype instanceof NumpyDType)) throw new CheckpointError('corrupt numpy array: state without a dtype');
    if (!Array.isArray(shape) || !shape.every((d) => typeof d === 'number' && Number.isInteger(d) && d >= 0)) {
      throw new CheckpointError('corrupt numpy array: shape is not a tuple of sizes');
    }
    if (!(raw instanceof Uint8Array)) {
      // object arrays pickle their items as a list of further objects
      throw new CheckpointError(`refusing a numpy array whose data is not raw bytes (an object array?): only number arrays are read`);
    }
    const dims = shape as number[];
    const n = dims.reduce((a, b) => a * b, 1);
    if (raw.length !== n * dtype.itemSize) {
      throw new CheckpointError(`corrupt numpy array: shape [${dims.join(', ')}] of ${dtype.str} needs ${n * dtype.itemSize} bytes, found ${raw.length}`);
    }
    const values = decode(dtype, raw, n);
    this.shape = dims;
    this.dtype = dtype;
    this.data = fortran === true && dims.length > 1 ? fortranToC(values, dims) : values;
  }
}

type Values = NumpyArray['data'];

function decode(dtype: NumpyDType, raw: Uint8Array, n: number): Values {
  const v = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const le = dtype.littleEndian;
  const fill = <T extends { [i: number]: number | bigint | boolean }>(out: T, get: (i: number) => number | bigint | boolean): T => {
    for (let i = 0; i < n; i++) out[i] = get(i) as never;
    return out;
  };
  const key = `${dtype.kind}${dtype.itemSize}`;
  switch (key) {
    case 'f2': return fill(new Float32Array(n), (i) => halfToFloat(v.getUint16(i * 2, le)));
    case 'f4': return fill(new Float32Array(n), (i) => v.getFloat32(i * 4, le));
    case 'f8': return fill(new Float64Array(n), (i) => v.getFloat64(i * 8, le));
    case 'i1': return fill(new Int8Array(n), (i) => v.getInt8(i));
    case 'i2': return fill(new Int16Array(n), (i) => v.getInt16(i * 2, le));
    case 'i4': return fill(new Int32Array(n), (i) => v.getInt32(i * 4, le));
    case 'i8': return fill(new BigInt64Array(n), (i) => v.getBigInt64(i * 8, le));
    case 'u1': return fill(new Uint8Array(n), (i) => v.getUint8(i));
    case 'u2': return fill(new Uint16Array(n), (i) => v.getUint16(i * 2, le));
    case 'u4': return fill(new Uint32Array(n), (i) => v.getUint32(i * 4, le));
    case 'u8': return fill(new BigUint64Array(n), (i) => v.getBigUint64(i * 8, le));
    case 'b1': return Array.from({ length: n }, (_, i) => v.getUint8(i) !== 0);
    default: throw new CheckpointError(`numpy dtype ${dtype.str} is not supported`);
  }
}

function fortranToC(values: Values, shape: number[]): Values {
  const out = (Array.isArray(values) ? [...values] : values.slice()) as Values;
  const n = values.length;
  const idx = new Array<number>(shape.length).fill(0);
  for (let c = 0; c < n; c++) {
    // column-major offset of the C-order index idx
    let f = 0;
    for (let d = shape.length - 1; d >= 0; d--) f = f * shape[d]! + idx[d]!;
    (out as { [i: number]: unknown })[c] = (values as { [i: number]: unknown })[f];
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++idx[d]! < shape[d]!) break;
      idx[d] = 0;
    }
  }
  return out;
}

const DTYPE_CODES: Record<string, [NumpyDType['kind'], number]> = {
  f2: ['f', 2], f4: ['f', 4], f8: ['f', 8], float32: ['f', 4], float64: ['f', 8],
  i1: ['i', 1], i2: ['i', 2], i4: ['i', 4], i8: ['i', 8], int8: ['i', 1], int16: ['i', 2], int32: ['i', 4], int64: ['i', 8],
  u1: ['u', 1], u2: ['u', 2], u4: ['u', 4], u8: ['u', 8], uint8: ['u', 1], uint16: ['u', 2], uint32: ['u', 4], uint64: ['u', 8],
  b1: ['b', 1], bool: ['b', 1],
};

function makeDType(args: PyValue[]): NumpyDType {
  const code = args[0];
  const c = typeof code === 'string' ? DTYPE_CODES[code.replace(/^[<>|=]/, '')] : undefined;
  if (!c) {
    throw new CheckpointError(`refusing numpy dtype ${describeValue(code)}: only plain number dtypes (f2–f8, i1–i8, u1–u8, b1) are read`);
  }
  const d = new NumpyDType(c[0], c[1]);
  if (typeof code === 'string' && /^[<>|=]/.test(code)) d.byteOrder = code[0] as NumpyDType['byteOrder'];
  return d;
}

function reconstruct(args: PyValue[]): NumpyArray {
  const [cls] = args;
  if (!(cls instanceof PyCallable) || cls.qualname !== 'numpy.ndarray') {
    throw new CheckpointError('refusing numpy _reconstruct of a class other than numpy.ndarray (a subclass names other code)');
  }
  return new NumpyArray();
}

/** `numpy.core.multiarray.scalar(dtype, raw)` → a JS number (int64 beyond 2^53: bigint; bool: boolean). */
function scalar(args: PyValue[]): PyValue {
  const [dtype, raw] = args;
  if (!(dtype instanceof NumpyDType)) throw new CheckpointError('corrupt numpy scalar: no dtype');
  if (!(raw instanceof Uint8Array) || raw.length !== dtype.itemSize) {
    throw new CheckpointError(`refusing a numpy scalar of ${dtype.str} whose data is not ${dtype.itemSize} raw bytes (an object scalar?)`);
  }
  const v = decode(dtype, raw, 1)[0]!;
  if (typeof v === 'bigint') return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  return v;
}

/** The numpy globals a checkpoint's metadata may name, for the allow-list (`torch.ts`). */
export const NUMPY_GLOBALS: Record<string, PyCallable> = {};
for (const mod of ['numpy.core.multiarray', 'numpy._core.multiarray']) {
  NUMPY_GLOBALS[`${mod}._reconstruct`] = new PyCallable(`${mod}._reconstruct`, reconstruct);
  NUMPY_GLOBALS[`${mod}.scalar`] = new PyCallable(`${mod}.scalar`, scalar);
}
NUMPY_GLOBALS['numpy.ndarray'] = new PyCallable('numpy.ndarray', () => {
  throw new CheckpointError('refusing to call numpy.ndarray directly: arrays are read only through _reconstruct');
});
NUMPY_GLOBALS['numpy.dtype'] = new PyCallable('numpy.dtype', makeDType);
