import { CheckpointError } from '../errors.js';
import { ByteReader, decodeLatin1, decodeUtf8 } from './bytes.js';

/**
 * A restricted, data-only unpickler.
 *
 * Python's pickle is a small stack machine whose GLOBAL + REDUCE opcodes call arbitrary functions; loading an
 * untrusted `.pth` with `pickle` is remote code execution. This reader runs the machine over plain JS values and
 * never calls anything it was not given: every GLOBAL is looked up through `findClass`, which answers only for an
 * allow-list (see torch.ts) and throws a CheckpointError naming any other `module.name`. The loop consumes at least
 * one byte per opcode and checks every declared length against the bytes left, so corrupt input ends in an error,
 * never in a hang or a giant allocation.
 */

/** Something an allow-listed global resolves to: REDUCE / NEWOBJ call it with the unpickled argument tuple. */
export class PyCallable {
  constructor(
    readonly qualname: string,
    readonly call: (args: PyValue[]) => PyValue,
  ) {}
}

/** A Python value the state-dict extraction does not need to understand (numpy scalar, torch.device, ...). */
export class PyOpaque {
  constructor(readonly qualname: string, readonly args: PyValue[] = []) {}
}

/**
 * A value built by an allow-listed global whose BUILD state carries its data (numpy arrays: shape, dtype, raw
 * bytes). `setState` reads that state as data; nothing else ever sees BUILD.
 */
export abstract class PyBuildable {
  abstract setState(state: PyValue): void;
}

/** A pickled `set`/`frozenset`: kept apart from lists so it is never mistaken for data. */
export class PySet {
  constructor(readonly items: PyValue[]) {}
}

export type PyDict = Map<PyValue, PyValue>;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type PyValue = null | boolean | number | bigint | string | Uint8Array | PyValue[] | PyDict | PySet | object;

export interface UnpickleOptions {
  /** Resolve `module.name`; throw for anything not allow-listed. */
  findClass(module: string, name: string): PyValue;
  /** Handle BINPERSID / PERSID (torch stores tensor storages out of band this way). */
  persistentLoad?(pid: PyValue): PyValue;
  /** Used in error messages ("data.pkl", "legacy checkpoint"...). */
  what?: string;
}

export interface UnpickleResult {
  value: PyValue;
  /** Offset just past the STOP opcode: the legacy torch format chains several pickles. */
  end: number;
}

const MARK = Symbol('mark');
type StackItem = PyValue | typeof MARK;

/** Longest LONG1/LONG4 we decode: torch's magic number is 10 bytes; anything huge is corrupt or hostile. */
const MAX_LONG_BYTES = 64;

export function unpickle(bytes: Uint8Array, start: number, options: UnpickleOptions): UnpickleResult {
  const what = options.what ?? 'pickle';
  const r = new ByteReader(bytes, start, what);
  const stack: StackItem[] = [];
  const marks: number[] = [];
  const memo = new Map<number, PyValue>();

  const fail = (msg: string): never => {
    throw new CheckpointError(`corrupt ${what}: ${msg} (at byte ${r.pos})`);
  };
  const pop = (): PyValue => {
    if (stack.length === 0) fail('stack underflow');
    const v = stack.pop()!;
    if (v === MARK) fail('unexpected MARK');
    return v as PyValue;
  };
  const top = (): PyValue => {
    const v = stack[stack.length - 1];
    if (v === undefined || v === MARK) fail('stack underflow');
    return v as PyValue;
  };
  const popMark = (): PyValue[] => {
    const m = marks.pop();
    if (m === undefined) fail('no MARK on the stack');
    const items = stack.splice(m!);
    if (items[0] !== MARK) fail('MARK bookkeeping broken');
    items.shift(); // the MARK itself
    return items as PyValue[];
  };
  const readLine = (): string => {
    const end = bytes.indexOf(0x0a, r.pos);
    if (end < 0) fail('unterminated text line');
    const line = decodeLatin1(bytes.subarray(r.pos, end));
    r.pos = end + 1;
    return line;
  };
  const text = (n: number): string => {
    if (n < 0) fail(`negative length ${n}`);
    return decodeUtf8(r.take(n));
  };
  const resolve = (module: string, name: string): PyValue => options.findClass(module, name);
  const call = (fn: PyValue, args: PyValue, how: string): PyValue => {
    if (!(fn instanceof PyCallable)) fail(`${how} on a value that is not an allowed callable`);
    if (!Array.isArray(args)) fail(`${how} arguments are not a tuple`);
    return (fn as PyCallable).call(args as PyValue[]);
  };
  const setItems = (dict: PyValue, items: PyValue[]): void => {
    if (!(dict instanceof Map)) fail('SETITEM(S) on a value that is not a dict');
    if (items.length % 2) fail('SETITEMS with an odd number of items');
    for (let i = 0; i < items.length; i += 2) (dict as PyDict).set(items[i]!, items[i + 1]!);
  };
  const appendItems = (list: PyValue, items: PyValue[]): void => {
    if (list instanceof PySet) {
      for (const it of items) list.items.push(it); // no spread: a million items would overflow the call stack
      return;
    }
    if (!Array.isArray(list)) fail('APPEND(S) on a value that is not a list');
    for (const it of items) (list as PyValue[]).push(it);
  };
  const memoGet = (i: number): PyValue => {
    if (!memo.has(i)) fail(`memo key ${i} was never stored`);
    return memo.get(i)!;
  };
  const long = (b: Uint8Array): number | bigint => {
    if (b.length === 0) return 0;
    if (b.length > MAX_LONG_BYTES) fail(`${b.length}-byte integer`);
    let v = 0n;
    for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
    if (b[b.length - 1]! & 0x80) v -= 1n << BigInt(8 * b.length);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  };

  for (;;) {
    const op = r.u8();
    switch (op) {
      case 0x80: // PROTO
        if (r.u8() > 5) fail('pickle protocol above 5');
        break;
      case 0x95: { // FRAME: a length hint only; check it, then read on
        const n = r.u64();
        if (n > r.remaining) fail(`frame of ${n} bytes with ${r.remaining} left`);
        break;
      }
      case 0x2e: // STOP
        if (stack.length !== 1 || marks.length) fail(`STOP with ${stack.length} values on the stack`);
        return { value: stack[0] as PyValue, end: r.pos };
      case 0x28: // MARK
        marks.push(stack.length);
        stack.push(MARK);
        break;
      case 0x30: // POP
        if (stack[stack.length - 1] === MARK) popMark();
        else pop();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        stack.push(top());
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: stack.push(true); break; // NEWTRUE
      case 0x89: stack.push(false); break; // NEWFALSE
      case 0x4a: stack.push(r.i32()); break; // BININT
      case 0x4b: stack.push(r.u8()); break; // BININT1
      case 0x4d: stack.push(r.u16()); break; // BININT2
      case 0x8a: stack.push(long(r.take(r.u8()))); break; // LONG1
      case 0x8b: { // LONG4
        const n = r.i32();
        if (n < 0 || n > MAX_LONG_BYTES) fail(`${n}-byte integer`);
        stack.push(long(r.take(n)));
        break;
      }
      case 0x49: { // INT (text; "00"/"01" are protocol-0 booleans)
        const s = readLine().trim();
        if (s === '00') stack.push(false);
        else if (s === '01') stack.push(true);
        else {
          if (!/^[-+]?\d{1,18}$/.test(s)) fail(`bad INT '${s.slice(0, 40)}'`);
          stack.push(Number(s));
        }
        break;
      }
      case 0x4c: { // LONG (text)
        const s = readLine().trim().replace(/L$/, '');
        if (!/^[-+]?\d{1,150}$/.test(s)) fail(`bad LONG '${s.slice(0, 40)}'`);
        const v = BigInt(s);
        stack.push(v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v);
        break;
      }
      case 0x47: stack.push(r.f64be()); break; // BINFLOAT
      case 0x46: { // FLOAT (text)
        const s = readLine().trim();
        const v = Number(s);
        if (Number.isNaN(v) && !/^[-+]?nan$/i.test(s)) fail(`bad FLOAT '${s.slice(0, 40)}'`);
        stack.push(v);
        break;
      }
      case 0x58: stack.push(text(r.u32())); break; // BINUNICODE
      case 0x8c: stack.push(text(r.u8())); break; // SHORT_BINUNICODE
      case 0x8d: stack.push(text(r.u64())); break; // BINUNICODE8
      case 0x56: stack.push(readLine()); break; // UNICODE (raw-unicode-escape; ASCII in practice)
      // Python 2 str: torch.load decodes it as utf-8 by default, and so do we.
      case 0x54: stack.push(text(r.i32())); break; // BINSTRING
      case 0x55: stack.push(text(r.u8())); break; // SHORT_BINSTRING
      case 0x53: { // STRING (text, quoted repr)
        const s = readLine().trim();
        const q = s[0];
        if ((q !== "'" && q !== '"') || s[s.length - 1] !== q || s.length < 2) fail('bad STRING');
        stack.push(s.slice(1, -1).replace(/\\(.)/g, '$1'));
        break;
      }
      case 0x42: stack.push(r.take(r.u32()).slice()); break; // BINBYTES
      case 0x43: stack.push(r.take(r.u8()).slice()); break; // SHORT_BINBYTES
      case 0x8e: stack.push(r.take(r.u64()).slice()); break; // BINBYTES8
      case 0x96: stack.push(r.take(r.u64()).slice()); break; // BYTEARRAY8
      case 0x7d: stack.push(new Map()); break; // EMPTY_DICT
      case 0x64: { // DICT
        const d: PyDict = new Map();
        setItems(d, popMark());
        stack.push(d);
        break;
      }
      case 0x5d: stack.push([]); break; // EMPTY_LIST
      case 0x6c: stack.push(popMark()); break; // LIST
      case 0x29: stack.push([]); break; // EMPTY_TUPLE
      case 0x74: stack.push(popMark()); break; // TUPLE
      case 0x85: stack.push([pop()]); break; // TUPLE1
      case 0x86: { // TUPLE2
        const b = pop();
        stack.push([pop(), b]);
        break;
      }
      case 0x87: { // TUPLE3
        const c = pop();
        const b = pop();
        stack.push([pop(), b, c]);
        break;
      }
      case 0x8f: stack.push(new PySet([])); break; // EMPTY_SET
      case 0x90: { // ADDITEMS
        const items = popMark();
        appendItems(top(), items);
        break;
      }
      case 0x91: stack.push(new PySet(popMark())); break; // FROZENSET
      case 0x61: { // APPEND
        const v = pop();
        appendItems(top(), [v]);
        break;
      }
      case 0x65: { // APPENDS
        const items = popMark();
        appendItems(top(), items);
        break;
      }
      case 0x73: { // SETITEM
        const v = pop();
        const k = pop();
        setItems(top(), [k, v]);
        break;
      }
      case 0x75: { // SETITEMS
        const items = popMark();
        setItems(top(), items);
        break;
      }
      case 0x67: stack.push(memoGet(Number(readLine()))); break; // GET
      case 0x68: stack.push(memoGet(r.u8())); break; // BINGET
      case 0x6a: stack.push(memoGet(r.u32())); break; // LONG_BINGET
      case 0x70: memo.set(Number(readLine()), top()); break; // PUT
      case 0x71: memo.set(r.u8(), top()); break; // BINPUT
      case 0x72: memo.set(r.u32(), top()); break; // LONG_BINPUT
      case 0x94: memo.set(memo.size, top()); break; // MEMOIZE
      case 0x63: { // GLOBAL
        const module = readLine();
        const name = readLine();
        stack.push(resolve(module, name));
        break;
      }
      case 0x93: { // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') fail('STACK_GLOBAL needs two strings');
        stack.push(resolve(module as string, name as string));
        break;
      }
      case 0x52: { // REDUCE
        const args = pop();
        const fn = pop();
        stack.push(call(fn, args, 'REDUCE'));
        break;
      }
      case 0x81: { // NEWOBJ: cls.__new__(cls, *args); our allow-listed classes build the same value either way
        const args = pop();
        const cls = pop();
        stack.push(call(cls, args, 'NEWOBJ'));
        break;
      }
      case 0x92: { // NEWOBJ_EX
        pop(); // kwargs: no allow-listed class takes any
        const args = pop();
        const cls = pop();
        stack.push(call(cls, args, 'NEWOBJ_EX'));
        break;
      }
      case 0x69: { // INST (protocol 0)
        const module = readLine();
        const name = readLine();
        const cls = resolve(module, name);
        stack.push(call(cls, popMark(), 'INST'));
        break;
      }
      case 0x6f: { // OBJ (protocol 1)
        const items = popMark();
        if (items.length === 0) fail('OBJ without a class');
        stack.push(call(items[0]!, items.slice(1), 'OBJ'));
        break;
      }
      case 0x62: { // BUILD: sets instance state (__setstate__ / __dict__). Our own data classes that need theirs
        // (numpy arrays and dtypes) read it as data; anything else (state dicts' `_metadata`) is dropped.
        const state = pop();
        const obj = top();
        if (obj instanceof PyBuildable) obj.setState(state);
        break;
      }
      case 0x51: { // BINPERSID
        const pid = pop();
        if (!options.persistentLoad) fail('persistent id in a pickle that allows none');
        stack.push(options.persistentLoad!(pid));
        break;
      }
      case 0x50: { // PERSID
        const pid = readLine();
        if (!options.persistentLoad) fail('persistent id in a pickle that allows none');
        stack.push(options.persistentLoad!(pid));
        break;
      }
      case 0x82: case 0x83: case 0x84: // EXT1/2/4: copyreg's extension registry would name arbitrary code
        fail('extension-registry opcodes (EXT1/2/4) are not allowed');
        break;
      case 0x97: case 0x98: // NEXT_BUFFER / READONLY_BUFFER: out-of-band buffers never appear in torch files
        fail('out-of-band buffers (pickle protocol 5) are not supported');
        break;
      default:
        fail(`unknown opcode 0x${op.toString(16).padStart(2, '0')}`);
    }
  }
}
