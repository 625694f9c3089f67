/**
 * Builders of hostile checkpoint files (issue 15), written from the formats' specs so that each attack is a few
 * bytes of intent: a torch.save pickle naming views we choose, zips with shared or duplicated entries, safetensors
 * headers with any offsets. Used by the regression tests, the fuzz suite and the child-process memory checks.
 */
import { zipSync } from 'fflate';

const enc = new TextEncoder();

/** A tiny pickle writer (protocol 2), enough for torch.save state dicts and nested junk. */
export class PickleWriter {
  private parts: number[] = [0x80, 0x02];
  op(...b: number[]): this {
    this.parts.push(...b);
    return this;
  }
  int(v: number): this {
    if (v >= 0 && v < 256) return this.op(0x4b, v);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setInt32(0, v, true);
    return this.op(0x4a, ...b);
  }
  /** Any integer up to 2^53 as LONG1. */
  long(v: number): this {
    let x = BigInt(v);
    const bytes: number[] = [];
    while (x > 0n || bytes.length === 0 || (bytes[bytes.length - 1]! & 0x80)) {
      bytes.push(Number(x & 0xffn));
      x >>= 8n;
    }
    return this.op(0x8a, bytes.length, ...bytes);
  }
  str(s: string): this {
    const b = enc.encode(s);
    if (b.length < 256) return this.op(0x8c, b.length, ...b);
    const n = new Uint8Array(4);
    new DataView(n.buffer).setUint32(0, b.length, true);
    this.parts.push(0x58, ...n);
    for (const x of b) this.parts.push(x); // no spread: keys may be a megabyte long
    return this;
  }
  global(module: string, name: string): this {
    this.op(0x63, ...enc.encode(`${module}\n${name}\n`));
    return this;
  }
  mark(): this {
    return this.op(0x28);
  }
  tuple(): this {
    return this.op(0x74);
  }
  bytes(): Uint8Array {
    return Uint8Array.from([...this.parts, 0x2e]);
  }
}

export interface ViewSpec {
  name: string;
  /** storage key in the zip (`data/<key>`) */
  storage: string;
  storageNumel: number;
  offset?: number;
  shape: number[];
  stride?: number[];
  storageType?: string;
}

function contiguous(shape: number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    s[d] = acc;
    acc *= shape[d]!;
  }
  return s;
}

/** The data.pkl torch.save writes for an OrderedDict of tensors (rebuilt with _rebuild_tensor_v2). */
export function stateDictPickle(views: ViewSpec[], keyOf: (p: PickleWriter, v: ViewSpec) => void = (p, v) => p.str(v.name)): Uint8Array {
  const p = new PickleWriter();
  p.global('collections', 'OrderedDict').op(0x29, 0x52); // OrderedDict()
  p.mark();
  for (const v of views) {
    keyOf(p, v);
    p.global('torch._utils', '_rebuild_tensor_v2').mark();
    p.mark().str('storage').global('torch', v.storageType ?? 'FloatStorage').str(v.storage).str('cpu').long(v.storageNumel).tuple().op(0x51);
    p.long(v.offset ?? 0);
    p.mark();
    for (const d of v.shape) p.long(d);
    p.tuple().mark();
    for (const d of v.stride ?? contiguous(v.shape)) p.long(d);
    p.tuple().op(0x89); // requires_grad False
    p.global('collections', 'OrderedDict').op(0x29, 0x52);
    p.tuple().op(0x52);
  }
  p.op(0x75); // SETITEMS
  return p.bytes();
}

/** A torch.save zip: `<stem>/data.pkl`, `<stem>/data/<key>` for each storage, `<stem>/byteorder`. */
export function torchZip(pkl: Uint8Array, storages: Record<string, Uint8Array>, options: { stem?: string; level?: 0 | 6 } = {}): Uint8Array {
  const stem = options.stem ?? 'archive';
  const files: Record<string, Uint8Array> = { [`${stem}/data.pkl`]: pkl, [`${stem}/byteorder`]: enc.encode('little') };
  for (const [k, b] of Object.entries(storages)) files[`${stem}/data/${k}`] = b;
  return zipSync(files, { level: options.level ?? 0 });
}

export function floats(values: number[]): Uint8Array {
  return new Uint8Array(Float32Array.from(values).buffer);
}

/** safetensors bytes from any header object and data (nothing checked: that is the point). */
export function safetensorsRaw(header: unknown, data: Uint8Array): Uint8Array {
  const h = enc.encode(JSON.stringify(header));
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setUint32(0, h.length, true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

interface CentralEntry {
  at: number;
  length: number;
  name: string;
}

function centralEntries(zip: Uint8Array): { entries: CentralEntry[]; eocd: number; cdOffset: number } {
  const dv = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const eocd = zip.length - 22;
  const count = dv.getUint16(eocd + 10, true);
  const cdOffset = dv.getUint32(eocd + 16, true);
  const entries: CentralEntry[] = [];
  let p = cdOffset;
  for (let i = 0; i < count; i++) {
    const n = dv.getUint16(p + 28, true);
    const length = 46 + n + dv.getUint16(p + 30, true) + dv.getUint16(p + 32, true);
    entries.push({ at: p, length, name: new TextDecoder().decode(zip.subarray(p + 46, p + 46 + n)) });
    p += length;
  }
  return { entries, eocd, cdOffset };
}

/**
 * The same zip with extra central-directory entries that point at `name`'s local header under other names of the
 * same length: many entries, one stream (issue 15: 16 entries over one 64 MiB deflate stream → 1 GB).
 */
export function zipWithAliases(zip: Uint8Array, name: string, aliases: string[]): Uint8Array {
  const { entries, eocd, cdOffset } = centralEntries(zip);
  const src = entries.find((e) => e.name === name)!;
  const extra = aliases.map((alias) => {
    const b = zip.slice(src.at, src.at + src.length);
    const a = enc.encode(alias);
    if (a.length !== enc.encode(name).length) throw new Error('aliases must have the same length');
    b.set(a, 46);
    return b;
  });
  const cdEnd = eocd;
  const addLen = extra.reduce((s, b) => s + b.length, 0);
  const out = new Uint8Array(zip.length + addLen);
  out.set(zip.subarray(0, cdEnd));
  let at = cdEnd;
  for (const b of extra) {
    out.set(b, at);
    at += b.length;
  }
  out.set(zip.subarray(eocd), at);
  const dv = new DataView(out.buffer);
  const n = entries.length + aliases.length;
  dv.setUint16(at + 8, n, true);
  dv.setUint16(at + 10, n, true);
  dv.setUint32(at + 12, cdEnd - cdOffset + addLen, true);
  return out;
}

/** Offset of an entry's data in a zip written by fflate's zipSync (no extra fields in its local headers). */
export function entryDataOffset(zip: Uint8Array, name: string): number {
  const { entries } = centralEntries(zip);
  const e = entries.find((x) => x.name === name)!;
  const dv = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const local = dv.getUint32(e.at + 42, true);
  return local + 30 + dv.getUint16(local + 26, true) + dv.getUint16(local + 28, true);
}
