import { CheckpointError, typedError } from '../errors.js';
import { ByteReader, decodeLatin1, decodeUtf8, encodeUtf8 } from './bytes.js';
import { type FileDType, ELEMENT_SIZE, contiguousStride, materialize } from './dtype.js';
import { type HostTensor, sizeOf } from './state-dict.js';

const NPY_MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

export function isNpy(bytes: Uint8Array): boolean {
  return bytes.length >= 6 && NPY_MAGIC.every((b, i) => bytes[i] === b);
}

const KINDS: Record<string, FileDType> = {
  f2: 'float16', f4: 'float32', f8: 'float64', i1: 'int8', i2: 'int16', i4: 'int32', i8: 'int64', u1: 'uint8', b1: 'bool',
};

/**
 * Read one `.npy` array (numpy's format, versions 1–3) as a host tensor: floats → Float32Array, integers and
 * bools → Int32Array. Only C order is accepted: a Fortran-order array would silently load transposed.
 */
export function readNpy(input: Uint8Array | ArrayBuffer): HostTensor {
  try {
    return readNpyUnguarded(input);
  } catch (e) {
    throw typedError(e, 'could not read the .npy file');
  }
}

function readNpyUnguarded(input: Uint8Array | ArrayBuffer): HostTensor {
  const bytes = input instanceof Uint8Array ? input : new Uint8Array(input);
  if (!isNpy(bytes)) throw new CheckpointError('not an .npy file: missing the \\x93NUMPY magic');
  const r = new ByteReader(bytes, 6, '.npy file');
  const major = r.u8();
  r.u8();
  if (major < 1 || major > 3) throw new CheckpointError(`.npy format version ${major} is not supported (1–3)`);
  const headerLen = major === 1 ? r.u16() : r.u32();
  const raw = r.take(headerLen);
  const header = major === 3 ? decodeUtf8(raw) : decodeLatin1(raw);
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw new CheckpointError(`corrupt .npy header: ${header.trim().slice(0, 200)}`);
  }
  if (fortran === 'True') {
    throw new CheckpointError('.npy array is in Fortran order; save it with np.ascontiguousarray(a) (C order) first');
  }
  const m = /^([<>|=])([a-zA-Z]\d+)$/.exec(descr);
  const dtype = m ? KINDS[m[2]!] : undefined;
  if (!m || !dtype) {
    throw new CheckpointError(`.npy dtype '${descr}' is not supported (float16/32/64, int8/16/32/64, uint8, bool)`);
  }
  // Strict like numpy's literal_eval of the tuple: `()`, `(3,)`, `(3, 4)`, `(3, 4,)`; an empty item anywhere but
  // after the last comma (`(3,,4)`, `(,3)`, `(,)`) is refused, and a 1-tuple needs its trailing comma.
  const items = shapeText.trim() === '' ? [] : shapeText.split(',').map((s) => s.trim());
  if (items.length > 1 && items[items.length - 1] === '') items.pop();
  if (items.length === 1 && !/,\s*$/.test(shapeText)) throw new CheckpointError(`corrupt .npy shape (${shapeText.slice(0, 80)})`);
  if (!items.every((s) => /^\d+L?$/.test(s))) throw new CheckpointError(`corrupt .npy shape (${shapeText.slice(0, 80)})`);
  const shape = items.map((s) => Number(s.replace(/L$/, '')));
  if (!shape.every((d) => Number.isSafeInteger(d))) throw new CheckpointError(`corrupt .npy shape (${shapeText.slice(0, 80)})`);
  const n = sizeOf(shape);
  const need = n * ELEMENT_SIZE[dtype];
  const data = r.take(Math.min(need, r.remaining));
  if (data.length < need) throw new CheckpointError(`truncated .npy file: ${need} data bytes expected, ${data.length} present`);
  return materialize('npy', { dtype, bytes: data, littleEndian: m[1] !== '>' }, n, 0, shape, contiguousStride(shape));
}

/** Write a host tensor as `.npy` (version 1, C order, `<f4` or `<i4`) — e.g. to hand golden data to Python. */
export function writeNpy(t: HostTensor): Uint8Array {
  const descr = t.dtype === 'int32' ? '<i4' : '<f4';
  const shape = t.shape.length === 1 ? `(${t.shape[0]},)` : `(${t.shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  // numpy pads the header with spaces so that the data starts on a 64-byte boundary, ending in '\n'
  const total = Math.ceil((10 + header.length + 1) / 64) * 64;
  header = `${header.padEnd(total - 10 - 1, ' ')}\n`;
  const h = encodeUtf8(header);
  const out = new Uint8Array(10 + h.length + t.data.length * 4);
  out.set(NPY_MAGIC);
  out[6] = 1;
  out[7] = 0;
  const dv = new DataView(out.buffer);
  dv.setUint16(8, h.length, true);
  out.set(h, 10);
  const at = 10 + h.length;
  if (t.dtype === 'int32') for (let i = 0; i < t.data.length; i++) dv.setInt32(at + 4 * i, t.data[i]!, true);
  else for (let i = 0; i < t.data.length; i++) dv.setFloat32(at + 4 * i, t.data[i]!, true);
  return out;
}
