import { CheckpointError } from '../errors.js';
import { decodeLatin1 } from './bytes.js';
import { ELEMENT_SIZE, type FileDType, checkBudget, materialize, tensorBudget, viewNumel } from './dtype.js';
import { readZipDirectory, readZipEntry } from './zip.js';
import { describeValue } from '../task/describe.js';
import { NUMPY_GLOBALS } from './numpy-pickle.js';
import { PyCallable, type PyDict, PyOpaque, PySet, type PyValue, unpickle } from './pickle.js';
import type { StateDict } from './state-dict.js';

/** `torch.<Name>Storage` → element type. `torch.cuda.<Name>Storage` (legacy GPU saves) maps the same way. */
const STORAGE_TYPES: Record<string, FileDType> = {
  FloatStorage: 'float32',
  DoubleStorage: 'float64',
  HalfStorage: 'float16',
  BFloat16Storage: 'bfloat16',
  LongStorage: 'int64',
  IntStorage: 'int32',
  ShortStorage: 'int16',
  CharStorage: 'int8',
  ByteStorage: 'uint8',
  BoolStorage: 'bool',
};

/** The value a `torch.*Storage` global resolves to: it only names an element type. */
class StorageType {
  constructor(readonly qualname: string, readonly dtype: FileDType) {}
}

/** Bytes of one storage (filled in later for legacy files, whose data follows the pickle). */
interface RootStorage {
  key: string;
  dtype: FileDType;
  numel: number;
  bytes?: Uint8Array;
  littleEndian: boolean;
}

/** What a persistent id resolves to: a root storage, or (legacy only) an element range of one. */
class StorageRef {
  constructor(readonly root: RootStorage, readonly offset: number, readonly numel: number) {}
}

/** `_rebuild_tensor_v2(storage, offset, size, stride, ...)`, kept lazy until every storage's bytes are known. */
export class TensorRef {
  constructor(
    readonly storage: StorageRef,
    readonly offset: number,
    readonly shape: number[],
    readonly stride: number[],
  ) {}
}

/** The torch.load format generations we read. */
export type TorchFormat = 'torch-zip' | 'torch-legacy';

function intList(v: PyValue, what: string): number[] {
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'number' && Number.isInteger(x))) {
    throw new CheckpointError(`corrupt checkpoint: ${what} is not a tuple of integers`);
  }
  return v as number[];
}

function rebuildTensor(args: PyValue[], qualname: string): TensorRef {
  const [storage, offset, size, stride] = args;
  if (!(storage instanceof StorageRef)) throw new CheckpointError(`corrupt checkpoint: ${qualname} without a storage`);
  if (typeof offset !== 'number') throw new CheckpointError(`corrupt checkpoint: ${qualname} storage offset is not an int`);
  return new TensorRef(storage, offset, intList(size ?? null, 'tensor size'), intList(stride ?? null, 'tensor stride'));
}

function unwrapParameter(args: PyValue[]): PyValue {
  if (!(args[0] instanceof TensorRef)) throw new CheckpointError('corrupt checkpoint: _rebuild_parameter without a tensor');
  return args[0];
}

function orderedDict(args: PyValue[]): PyDict {
  const d: PyDict = new Map();
  const items = args[0];
  if (Array.isArray(items)) {
    for (const pair of items) {
      if (!Array.isArray(pair) || pair.length !== 2) throw new CheckpointError('corrupt checkpoint: OrderedDict item is not a pair');
      d.set(pair[0]!, pair[1]!);
    }
  }
  return d;
}

/**
 * Everything a state-dict pickle may name, and what it becomes. Decided from real files (torch 1.x/2.x zip and
 * legacy saves of state dicts and of training checkpoints that also hold optimizer state and numpy scalars).
 * Nothing here runs Python semantics beyond building plain data.
 */
const ALLOWED: Record<string, PyCallable> = {
  'collections.OrderedDict': new PyCallable('collections.OrderedDict', orderedDict),
  'torch._utils._rebuild_tensor': new PyCallable('torch._utils._rebuild_tensor', (a) => rebuildTensor(a, '_rebuild_tensor')),
  'torch._utils._rebuild_tensor_v2': new PyCallable('torch._utils._rebuild_tensor_v2', (a) => rebuildTensor(a, '_rebuild_tensor_v2')),
  'torch._utils._rebuild_parameter': new PyCallable('torch._utils._rebuild_parameter', unwrapParameter),
  'torch._utils._rebuild_parameter_with_state': new PyCallable('torch._utils._rebuild_parameter_with_state', unwrapParameter),
  'torch.device': new PyCallable('torch.device', (a) => (typeof a[0] === 'string' ? a[0] : new PyOpaque('torch.device', a))),
  'torch.Size': new PyCallable('torch.Size', (a) => a[0] ?? []),
  // protocol-2 pickles of Python 3 `bytes` go through _codecs.encode(str, 'latin1')
  '_codecs.encode': new PyCallable('_codecs.encode', (a) => {
    if (typeof a[0] !== 'string') throw new CheckpointError('corrupt checkpoint: _codecs.encode of a non-string');
    return Uint8Array.from(a[0], (c) => c.charCodeAt(0) & 0xff);
  }),
  // optimizer states in some training checkpoints are defaultdicts; the factory argument is never called
  'collections.defaultdict': new PyCallable('collections.defaultdict', () => new Map()),
  'builtins.dict': new PyCallable('builtins.dict', (a) => (a[0] instanceof Map ? a[0] : new Map())),
  'builtins.set': new PyCallable('builtins.set', (a) => new PySet(Array.isArray(a[0]) ? a[0] : [])),
  'builtins.frozenset': new PyCallable('builtins.frozenset', (a) => new PySet(Array.isArray(a[0]) ? a[0] : [])),
  // checkpoint meta (mmengine/mmcv: dataset_meta arrays, numpy scalars in hook_msgs), read as data only
  ...NUMPY_GLOBALS,
};

const TORCH_DTYPES = new Set([
  'float64', 'float32', 'float16', 'bfloat16', 'int64', 'int32', 'int16', 'int8', 'uint8', 'bool',
  'double', 'float', 'half', 'long', 'int', 'short',
]);

/** Resolve a pickle global against the allow-list; anything else is refused by name, never imported. */
export function torchFindClass(module: string, name: string): PyValue {
  const mod = module === '__builtin__' ? 'builtins' : module;
  if ((mod === 'torch' || mod === 'torch.cuda') && Object.hasOwn(STORAGE_TYPES, name)) {
    return new StorageType(`${module}.${name}`, STORAGE_TYPES[name]!);
  }
  // dtype objects (torch.float32, …) appear in optimizer/AMP state; they are values, never called
  if (mod === 'torch' && TORCH_DTYPES.has(name)) return new PyOpaque(`torch.${name}`);
  const qualname = `${mod}.${name}`;
  if (Object.hasOwn(ALLOWED, qualname)) return ALLOWED[qualname]!;
  throw new CheckpointError(
    `refusing pickle global '${module}.${name}': only the globals a tensor state dict needs are allowed ` +
      `(collections.OrderedDict, torch._utils._rebuild_tensor_v2, torch.*Storage, ...). ` +
      `A checkpoint that names other code (a pickled nn.Module, or a malicious file) cannot be loaded.`,
  );
}

function storageTypeOf(v: PyValue): StorageType {
  if (!(v instanceof StorageType)) throw new CheckpointError('corrupt checkpoint: persistent id without a storage type');
  return v;
}

/** Storage keys are strings (zip) or small ints (legacy); anything else is corrupt, never stringified blindly. */
function storageKey(v: PyValue): string {
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'bigint') return String(v);
  throw new CheckpointError(`corrupt checkpoint: storage key is ${describeValue(v)}, not a string`);
}

/** A dict key as text without recursing into it (Array.prototype.toString recurses: a deep tuple key overflows the stack). */
function keyString(k: PyValue): string {
  return typeof k === 'string' || typeof k === 'number' || typeof k === 'bigint' || typeof k === 'boolean' || k === null ? String(k) : describeValue(k);
}

function checkNumel(numel: PyValue): number {
  if (typeof numel !== 'number' || !Number.isInteger(numel) || numel < 0) {
    throw new CheckpointError(`corrupt checkpoint: storage size ${describeValue(numel)} is not a count`);
  }
  return numel;
}

// ---------------------------------------------------------------- zip (torch >= 1.6)

const WANTED = /(^|\/)(data\.pkl|data\/[^/]+|byteorder)$/;

/**
 * Read a `torch.save` zip archive: `<stem>/data.pkl` plus `<stem>/data/<key>` storages, any `<stem>`.
 * The directory is checked against the file before anything is read (readZipDirectory), the bytes that
 * deflated entries would inflate to are bounded by the same budget as the tensors (`maxTensorBytes`), and
 * each entry is CRC-checked when it is read; storages are read only when the pickle names them.
 */
export function readTorchZip(bytes: Uint8Array, options: { maxTensorBytes?: number } = {}): PyValue {
  const entries = readZipDirectory(bytes);
  const byName = new Map(entries.map((e) => [e.name, e]));
  const inflated = entries.filter((e) => e.compression !== 0 && WANTED.test(e.name)).reduce((a, e) => a + e.size, 0);
  checkBudget(inflated, tensorBudget(bytes.length, options.maxTensorBytes), bytes.length, 'zip checkpoint: its compressed entries');
  const names = entries.map((e) => e.name);
  const pkls = names.filter((n) => /(^|\/)data\.pkl$/.test(n));
  if (pkls.length === 0) {
    throw new CheckpointError(
      `zip file holds no '<stem>/data.pkl', so it is not a torch.save checkpoint; entries: ${names.slice(0, 10).map((n) => n.slice(0, 100)).join(', ')}${names.length > 10 ? ', …' : ''}`,
    );
  }
  // The shortest path is the archive's own pickle (a nested archive in a zip would be odd, but be definite).
  pkls.sort((a, b) => a.length - b.length);
  const pkl = pkls[0]!;
  const stem = pkl.slice(0, pkl.length - 'data.pkl'.length); // '' or 'name/'
  if (names.some((n) => n.startsWith(`${stem}code/`))) {
    throw new CheckpointError('this is a TorchScript archive (torch.jit.save), not a state dict: save model.state_dict() with torch.save');
  }
  const byteorderEntry = byName.get(`${stem}byteorder`);
  const byteorder = byteorderEntry ? decodeLatin1(readZipEntry(bytes, byteorderEntry).subarray(0, 16)).trim() : 'little';
  if (byteorder !== 'little' && byteorder !== 'big') throw new CheckpointError(`corrupt checkpoint: byteorder ${JSON.stringify(byteorder)}`);
  const littleEndian = byteorder === 'little';
  const roots = new Map<string, RootStorage>();
  const value = unpickle(readZipEntry(bytes, byName.get(pkl)!), 0, {
    what: pkl,
    findClass: torchFindClass,
    persistentLoad: (pid) => {
      if (!Array.isArray(pid) || pid[0] !== 'storage' || pid.length < 5) {
        throw new CheckpointError(`corrupt checkpoint: unexpected persistent id in ${pkl}`);
      }
      const type = storageTypeOf(pid[1]!);
      if (typeof pid[2] !== 'string') throw new CheckpointError(`corrupt checkpoint: storage key is ${describeValue(pid[2])}, not a string`);
      const key = pid[2];
      const numel = checkNumel(pid[4]!);
      let root = roots.get(key);
      if (!root) {
        const entry = byName.get(`${stem}data/${key}`);
        if (!entry) throw new CheckpointError(`corrupt checkpoint: storage '${stem}data/${key.slice(0, 100)}' is missing from the zip`);
        const data = readZipEntry(bytes, entry);
        const need = numel * ELEMENT_SIZE[type.dtype];
        if (data.length < need) {
          throw new CheckpointError(`corrupt checkpoint: storage '${stem}data/${key}' holds ${data.length} bytes, ${need} expected`);
        }
        root = { key, dtype: type.dtype, numel, bytes: data, littleEndian };
        roots.set(key, root);
      }
      return new StorageRef(root, 0, root.numel);
    },
  }).value;
  return value;
}

// ---------------------------------------------------------------- legacy (torch < 1.6)

const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;
const LEGACY_PROTOCOL = 1001;

/** True when the bytes start with the legacy pickle of torch's magic number (PROTO 2, LONG1 10 bytes). */
export function isTorchLegacy(bytes: Uint8Array): boolean {
  const head = [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19];
  return bytes.length >= head.length && head.every((b, i) => bytes[i] === b);
}

/**
 * Legacy `torch.save` stream: pickles of the magic number, protocol version and sys_info, then the object
 * pickle (storages as persistent ids), then a pickle listing storage keys, then each storage as an int64
 * element count followed by its raw elements.
 */
export function readTorchLegacy(bytes: Uint8Array): PyValue {
  const plain = { findClass: torchFindClass, what: 'legacy checkpoint header' };
  let pos = 0;
  const magic = unpickle(bytes, pos, plain);
  if (magic.value !== LEGACY_MAGIC) throw new CheckpointError('not a legacy torch checkpoint: wrong magic number');
  const proto = unpickle(bytes, magic.end, plain);
  if (proto.value !== LEGACY_PROTOCOL) {
    throw new CheckpointError(`legacy torch checkpoint: protocol version ${describeValue(proto.value)}, expected ${LEGACY_PROTOCOL}`);
  }
  const sysInfo = unpickle(bytes, proto.end, plain);
  const littleEndian = !(sysInfo.value instanceof Map && sysInfo.value.get('little_endian') === false);
  pos = sysInfo.end;

  const roots = new Map<string, RootStorage>();
  const views = new Map<string, StorageRef>();
  const main = unpickle(bytes, pos, {
    what: 'legacy checkpoint pickle',
    findClass: torchFindClass,
    persistentLoad: (pid) => {
      if (!Array.isArray(pid)) throw new CheckpointError('corrupt legacy checkpoint: persistent id is not a tuple');
      if (pid[0] === 'module') {
        throw new CheckpointError('legacy checkpoint holds a pickled nn.Module (torch.save(model)): save model.state_dict() instead');
      }
      if (pid[0] !== 'storage' || pid.length < 6) throw new CheckpointError(`corrupt legacy checkpoint: persistent id ${describeValue(pid[0])}`);
      const type = storageTypeOf(pid[1]!);
      const key = storageKey(pid[2]);
      const numel = checkNumel(pid[4]!);
      let root = roots.get(key);
      if (!root) {
        root = { key, dtype: type.dtype, numel, littleEndian };
        roots.set(key, root);
      }
      const view = pid[5];
      if (view === null || view === undefined) return new StorageRef(root, 0, root.numel);
      if (!Array.isArray(view) || view.length !== 3) throw new CheckpointError('corrupt legacy checkpoint: bad storage view');
      const viewKey = storageKey(view[0]);
      let ref = views.get(viewKey);
      if (!ref) {
        ref = new StorageRef(root, checkNumel(view[1]!), checkNumel(view[2]!));
        views.set(viewKey, ref);
      }
      return ref;
    },
  });
  const keys = unpickle(bytes, main.end, { findClass: torchFindClass, what: 'legacy checkpoint storage list' });
  if (!Array.isArray(keys.value)) throw new CheckpointError('corrupt legacy checkpoint: storage key list is not a list');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  pos = keys.end;
  for (const k of keys.value) {
    const root = roots.get(storageKey(k));
    if (!root) throw new CheckpointError(`corrupt legacy checkpoint: data for storage ${describeValue(k)} that no tensor uses`);
    if (pos + 8 > bytes.length) throw new CheckpointError(`truncated legacy checkpoint: storage '${root.key}' header is cut off`);
    const lo = dv.getUint32(pos + (littleEndian ? 0 : 4), littleEndian);
    const hi = dv.getUint32(pos + (littleEndian ? 4 : 0), littleEndian);
    const count = hi * 2 ** 32 + lo;
    pos += 8;
    const nbytes = count * ELEMENT_SIZE[root.dtype];
    if (count !== root.numel || pos + nbytes > bytes.length) {
      throw new CheckpointError(
        `${pos + nbytes > bytes.length ? 'truncated' : 'corrupt'} legacy checkpoint: storage '${root.key}' declares ` +
          `${count} elements (pickle said ${root.numel}); ${bytes.length - pos} bytes remain`,
      );
    }
    root.bytes = bytes.subarray(pos, pos + nbytes);
    pos += nbytes;
  }
  for (const root of roots.values()) {
    if (!root.bytes) throw new CheckpointError(`truncated legacy checkpoint: no data for storage '${root.key}'`);
  }
  return main.value;
}

// ---------------------------------------------------------------- from pickled object to StateDict

/** Wrapper keys under which training scripts nest the state dict, in the order we look for them. */
export const STATE_DICT_WRAPPER_KEYS = ['state_dict', 'model_state_dict', 'model'] as const;

export interface ExtractOptions {
  /** Take the state dict from this top-level key instead of guessing (e.g. 'best_state_dict', 'ema'). */
  wrapperKey?: string;
  /**
   * The most bytes of tensors (and of inflated zip entries) a load may materialise. Default: 4 bytes per byte of
   * the file plus 1 MiB, which no file whose tensors each hold their own data reaches; views that repeat data
   * (stride-0 expands, many keys over one storage, overlapping offsets) are refused before anything is allocated.
   */
  maxTensorBytes?: number;
}

function directTensors(d: PyDict): number {
  let n = 0;
  for (const v of d.values()) if (v instanceof TensorRef) n++;
  return n;
}

function describeKeys(d: PyDict): string {
  const keys = [...d.keys()].slice(0, 20).map((k) => (typeof k === 'string' ? `'${k.slice(0, 100)}'` : describeValue(k, 100)));
  return `[${keys.join(', ')}${keys.length > 20 ? `, … (${keys.length} keys)` : ''}]`;
}

function pickStateDict(value: PyValue, options: ExtractOptions, depth: number): PyDict {
  if (!(value instanceof Map)) {
    const kind = value instanceof TensorRef ? 'a single tensor' : Array.isArray(value) ? 'a list/tuple' : typeof value;
    throw new CheckpointError(`checkpoint holds ${kind}, not a dict of tensors (a state_dict)`);
  }
  if (depth === 0 && options.wrapperKey !== undefined) {
    const inner = value.get(options.wrapperKey);
    if (inner === undefined) throw new CheckpointError(`checkpoint has no key '${options.wrapperKey}'; top-level keys: ${describeKeys(value)}`);
    return pickStateDict(inner, {}, depth + 1);
  }
  if (depth < 4) {
    for (const k of STATE_DICT_WRAPPER_KEYS) {
      const inner = value.get(k);
      if (inner instanceof Map && inner.size > 0) return pickStateDict(inner, options, depth + 1);
    }
  }
  if (directTensors(value) > 0) return value;
  const nested = [...value.entries()].filter(([, v]) => v instanceof Map && directTensors(v) > 0).map(([k]) => keyString(k));
  if (nested.length) {
    throw new CheckpointError(
      `checkpoint nests tensors under ${nested.slice(0, 10).map((k) => `'${k}'`).join(', ')}, which is not a known wrapper ` +
        `(${STATE_DICT_WRAPPER_KEYS.join(', ')}); top-level keys: ${describeKeys(value)}. Pass { wrapperKey } to choose one.`,
    );
  }
  throw new CheckpointError(`checkpoint holds no tensors; top-level keys: ${describeKeys(value)}`);
}

/**
 * Find the state dict inside an unpickled checkpoint and materialise its tensors. Non-tensor entries beside
 * the tensors (epoch counters, `_metadata`, optimizer states) are ignored.
 */
export function extractStateDict(value: PyValue, options: ExtractOptions = {}, fileBytes = Infinity): StateDict {
  const dict = pickStateDict(value, options, 0);
  // Check every view against its storage and add up what they materialise before allocating any of them.
  const budget = tensorBudget(fileBytes, options.maxTensorBytes);
  const plan: [string, TensorRef][] = [];
  let total = 0;
  for (const [k, v] of dict) {
    if (!(v instanceof TensorRef)) continue;
    if (typeof k !== 'string') throw new CheckpointError(`state dict key ${describeValue(k)} is not a string`);
    const s = v.storage;
    if (!s.root.bytes) throw new CheckpointError(`tensor '${k}': storage '${s.root.key}' has no data`);
    if (s.offset + s.numel > s.root.numel) throw new CheckpointError(`tensor '${k}': storage view exceeds storage '${s.root.key}'`);
    total += viewNumel(k, v.shape) * 4; // host tensors are float32 / int32
    if (total > budget) {
      checkBudget(total, budget, fileBytes, `checkpoint (at tensor '${k}', shape [${v.shape.slice(0, 8).join(', ')}], stride [${v.stride.slice(0, 8).join(', ')}])`);
    }
    plan.push([k, v]);
  }
  const out: StateDict = new Map();
  for (const [k, v] of plan) {
    const s = v.storage;
    const root = s.root;
    const es = ELEMENT_SIZE[root.dtype];
    const bytes = root.bytes!.subarray(s.offset * es, (s.offset + s.numel) * es);
    out.set(k, materialize(k, { dtype: root.dtype, bytes, littleEndian: root.littleEndian }, s.numel, v.offset, v.shape, v.stride));
  }
  return out;
}

/**
 * A checkpoint's `meta` (mmengine / mmcv: `dataset_meta`, `epoch`, `mmengine_version`, …) as plain JS data:
 * dicts become objects (keys as strings), tuples and lists arrays, numpy arrays `NumpyArray`s, numpy scalars
 * numbers. Undefined when the checkpoint has no top-level `meta` dict. Tensors inside it are left out.
 */
export function extractMeta(value: PyValue): Record<string, unknown> | undefined {
  if (!(value instanceof Map)) return undefined;
  const meta = value.get('meta');
  return meta instanceof Map ? (toPlain(meta, 0) as Record<string, unknown>) : undefined;
}

function toPlain(v: PyValue, depth: number): unknown {
  if (depth > 32) throw new CheckpointError('checkpoint meta nests deeper than 32 levels');
  if (v instanceof Map) {
    const o: Record<string, unknown> = {};
    for (const [k, x] of v) if (!(x instanceof TensorRef)) o[keyString(k)] = toPlain(x, depth + 1);
    return o;
  }
  if (Array.isArray(v)) return v.map((x) => toPlain(x, depth + 1));
  if (v instanceof PySet) return v.items.map((x) => toPlain(x, depth + 1));
  return v;
}
