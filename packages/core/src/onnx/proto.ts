/**
 * A protobuf writer for the subset of `onnx.proto` (ModelProto, GraphProto, NodeProto, AttributeProto,
 * TensorProto, ValueInfoProto) an exported network needs. Written here rather than taken from a protobuf
 * library: the subset is ~150 lines and the exporter then has no dependency (checked against the reference
 * `onnx.checker` by `test/onnx/checker.test.ts`). Field numbers are those of onnx.proto (IR version 8).
 */

/** ONNX `TensorProto.DataType` values we write. */
export const DataType = { FLOAT: 1, UINT8: 2, INT32: 6, INT64: 7, BOOL: 9 } as const;
export type DataTypeCode = (typeof DataType)[keyof typeof DataType];

export interface TensorValue {
  name: string;
  dataType: DataTypeCode;
  dims: readonly number[];
  /** Little-endian bytes of the values (`raw_data`). */
  raw: Uint8Array;
}

export type AttributeValue =
  | { kind: 'int'; value: number }
  | { kind: 'float'; value: number }
  | { kind: 'string'; value: string }
  | { kind: 'ints'; value: readonly number[] }
  | { kind: 'floats'; value: readonly number[] }
  | { kind: 'tensor'; value: TensorValue };

export interface NodeValue {
  opType: string;
  inputs: readonly string[];
  outputs: readonly string[];
  name: string;
  attributes: Record<string, AttributeValue>;
}

/** A graph input or output: element type and dims (a string dim is symbolic, e.g. `'N'`). */
export interface ValueInfo {
  name: string;
  dataType: DataTypeCode;
  dims: readonly (number | string)[];
}

export interface ModelValue {
  opset: number;
  producerName: string;
  producerVersion: string;
  graphName: string;
  nodes: readonly NodeValue[];
  initializers: readonly TensorValue[];
  inputs: readonly ValueInfo[];
  outputs: readonly ValueInfo[];
  /** Shapes of intermediate values (GraphProto.value_info) where onnxruntime's own inference would lose them. */
  valueInfo?: readonly ValueInfo[];
  metadata: Record<string, string>;
}

const IR_VERSION = 8;

/**
 * Growable byte buffer with the protobuf wire encodings. Large payloads (weights' `raw_data`) and nested messages
 * are kept as parts and joined once by `finish`, not copied into each enclosing message's buffer: a message's
 * bytes nest three deep (tensor → graph → model), and copying 150 MB of FCOS-W18 weights at every level, with the
 * buffer doublings, cost more than the rest of an export.
 */
class Writer {
  private buf = new Uint8Array(1024);
  private len = 0;
  /** Finished parts before `buf`, in order, and their total length. */
  private readonly parts: Uint8Array[] = [];
  private partsLength = 0;

  /** Bytes written so far. */
  get length(): number {
    return this.partsLength + this.len;
  }

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  /** Ends the current buffer as a part (so a part taken by reference can follow it). */
  private flush(): void {
    if (this.len === 0) return;
    this.parts.push(this.buf.subarray(0, this.len));
    this.partsLength += this.len;
    this.buf = new Uint8Array(1024);
    this.len = 0;
  }

  private append(parts: readonly Uint8Array[]): void {
    this.flush();
    for (const p of parts) {
      this.parts.push(p);
      this.partsLength += p.length;
    }
  }

  /** Unsigned or signed varint; negatives as 10-byte two's complement (int64), as protobuf requires. */
  varint(v: number): void {
    this.reserve(10);
    if (v < 0) {
      let b = BigInt.asUintN(64, BigInt(v));
      while (b >= 0x80n) {
        this.buf[this.len++] = Number(b & 0x7fn) | 0x80;
        b >>= 7n;
      }
      this.buf[this.len++] = Number(b);
      return;
    }
    if (!Number.isSafeInteger(v)) throw new RangeError(`protobuf varint: ${v} is not a safe integer`);
    while (v >= 0x80) {
      this.buf[this.len++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.len++] = v;
  }

  tag(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }

  bytes(field: number, data: Uint8Array): void {
    this.tag(field, 2);
    this.varint(data.length);
    if (data.length >= 4096) {
      this.append([data]);
      return;
    }
    this.reserve(data.length);
    this.buf.set(data, this.len);
    this.len += data.length;
  }

  string(field: number, s: string): void {
    this.bytes(field, new TextEncoder().encode(s));
  }

  int(field: number, v: number): void {
    this.tag(field, 0);
    this.varint(v);
  }

  float(field: number, v: number): void {
    this.tag(field, 5);
    this.reserve(4);
    new DataView(this.buf.buffer, this.buf.byteOffset + this.len, 4).setFloat32(0, v, true);
    this.len += 4;
  }

  packedInts(field: number, vs: readonly number[]): void {
    const w = new Writer();
    for (const v of vs) w.varint(v);
    this.bytes(field, w.finish());
  }

  packedFloats(field: number, vs: readonly number[]): void {
    const data = new Uint8Array(new Float32Array(vs).buffer);
    this.bytes(field, data);
  }

  message(field: number, build: (w: Writer) => void): void {
    const w = new Writer();
    build(w);
    this.tag(field, 2);
    this.varint(w.length);
    if (w.parts.length === 0 && w.len < 4096) {
      this.reserve(w.len);
      this.buf.set(w.buf.subarray(0, w.len), this.len);
      this.len += w.len;
      return;
    }
    w.flush();
    this.append(w.parts);
  }

  finish(): Uint8Array {
    if (this.parts.length === 0) return this.buf.subarray(0, this.len);
    this.flush();
    if (this.parts.length === 1) return this.parts[0]!;
    const out = new Uint8Array(this.partsLength);
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}

function writeTensor(w: Writer, t: TensorValue): void {
  if (t.dims.length) w.packedInts(1, t.dims);
  w.int(2, t.dataType);
  w.string(8, t.name);
  w.bytes(9, t.raw);
}

// AttributeProto.AttributeType
const ATTR = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7 } as const;

function writeAttribute(w: Writer, name: string, a: AttributeValue): void {
  w.string(1, name);
  switch (a.kind) {
    case 'float':
      w.float(2, a.value);
      w.int(20, ATTR.FLOAT);
      break;
    case 'int':
      w.int(3, a.value);
      w.int(20, ATTR.INT);
      break;
    case 'string':
      w.string(4, a.value);
      w.int(20, ATTR.STRING);
      break;
    case 'tensor':
      w.message(5, (t) => writeTensor(t, a.value));
      w.int(20, ATTR.TENSOR);
      break;
    case 'floats':
      w.packedFloats(7, a.value);
      w.int(20, ATTR.FLOATS);
      break;
    case 'ints':
      w.packedInts(8, a.value);
      w.int(20, ATTR.INTS);
      break;
  }
}

function writeValueInfo(w: Writer, v: ValueInfo): void {
  w.string(1, v.name);
  w.message(2, (type) =>
    type.message(1, (tensor) => {
      tensor.int(1, v.dataType);
      tensor.message(2, (shape) => {
        for (const d of v.dims) shape.message(1, (dim) => (typeof d === 'number' ? dim.int(1, d) : dim.string(2, d)));
      });
    }),
  );
}

/** Serialises a model to ONNX `ModelProto` bytes. */
export function encodeModel(m: ModelValue): Uint8Array {
  const w = new Writer();
  w.int(1, IR_VERSION);
  w.string(2, m.producerName);
  w.string(3, m.producerVersion);
  w.message(7, (g) => {
    for (const n of m.nodes) {
      g.message(1, (nw) => {
        for (const i of n.inputs) nw.string(1, i);
        for (const o of n.outputs) nw.string(2, o);
        nw.string(3, n.name);
        nw.string(4, n.opType);
        for (const [k, a] of Object.entries(n.attributes)) nw.message(5, (aw) => writeAttribute(aw, k, a));
      });
    }
    g.string(2, m.graphName);
    for (const t of m.initializers) g.message(5, (tw) => writeTensor(tw, t));
    for (const v of m.inputs) g.message(11, (vw) => writeValueInfo(vw, v));
    for (const v of m.outputs) g.message(12, (vw) => writeValueInfo(vw, v));
    for (const v of m.valueInfo ?? []) g.message(13, (vw) => writeValueInfo(vw, v));
  });
  w.message(8, (o) => {
    o.string(1, '');
    o.int(2, m.opset);
  });
  for (const [key, value] of Object.entries(m.metadata)) {
    w.message(14, (p) => {
      p.string(1, key);
      p.string(2, value);
    });
  }
  return w.finish();
}

/**
 * Reads the `metadata_props` of ONNX bytes (field 14 of ModelProto), skipping everything else: the engine uses
 * it to check that a file it is given was exported by us and for which input size.
 */
export function readModelMetadata(bytes: Uint8Array): Record<string, string> {
  return readModel(bytes).metadata;
}

/** How many nodes of each op type an ONNX model's graph has (ModelProto.graph.node[].op_type), e.g. to check how lean an export is. */
export function onnxOpCounts(bytes: Uint8Array): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const op of readModel(bytes).opTypes) counts[op] = (counts[op] ?? 0) + 1;
  return counts;
}

function readModel(bytes: Uint8Array): { metadata: Record<string, string>; opTypes: string[] } {
  const out: Record<string, string> = {};
  const dec = new TextDecoder();
  let pos = 0;
  const varint = (): number => {
    let result = 0;
    let mul = 1;
    for (;;) {
      if (pos >= bytes.length) throw new RangeError('truncated varint');
      const b = bytes[pos++]!;
      result += (b & 0x7f) * mul;
      if (b < 0x80) return result;
      mul *= 128;
    }
  };
  const fields = (end: number, visit: (field: number, start: number, len: number) => void): void => {
    while (pos < end) {
      const key = varint();
      const field = Math.floor(key / 8);
      const wire = key & 7;
      if (wire === 0) varint();
      else if (wire === 1) pos += 8;
      else if (wire === 5) pos += 4;
      else if (wire === 2) {
        const len = varint();
        const start = pos;
        visit(field, start, len);
        pos = start + len;
      } else throw new RangeError(`unsupported protobuf wire type ${wire}`);
    }
  };
  const opTypes: string[] = [];
  fields(bytes.length, (field, start, len) => {
    if (field === 7) {
      fields(start + len, (gf, gs, gl) => {
        if (gf !== 1) return;
        fields(gs + gl, (nf, ns, nl) => {
          if (nf === 4) opTypes.push(dec.decode(bytes.subarray(ns, ns + nl)));
        });
      });
      return;
    }
    if (field !== 14) return;
    let key = '';
    let value = '';
    fields(start + len, (f, s, l) => {
      if (f === 1) key = dec.decode(bytes.subarray(s, s + l));
      if (f === 2) value = dec.decode(bytes.subarray(s, s + l));
    });
    out[key] = value;
  });
  return { metadata: out, opTypes };
}
