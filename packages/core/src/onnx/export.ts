import * as tf from '@tensorflow/tfjs-core';
import { EngineError, ShapeError } from '../errors.js';
import type { Module } from '../nn/module.js';
import { DataType, type AttributeValue, type DataTypeCode, type NodeValue, type TensorValue, type ValueInfo, encodeModel, readModelMetadata } from './proto.js';
import { type OutputTree, type RecordedKernel, type RecordedTensor, type Recording, type RecordMode, PlaceholderReadError, mapTree, recordForward } from './record.js';

/** The opset written: 17 (Resize with `sizes`, Softmax on one axis, ReduceMean's axes as an attribute). */
export const ONNX_OPSET = 17;

export interface OnnxExportOptions {
  /** Input size `[width, height]` the graph is made for (the batch stays dynamic). */
  inputSize: readonly [number, number];
  /** Input channels (default 3). */
  channels?: number;
  /**
   * Layout of the graph's input and 4-D outputs. `'NHWC'` (default): as `predict` takes and returns them, what
   * the onnxruntime engine feeds. `'NCHW'`: as PyTorch's models and `torch.onnx.export` have them, for other
   * runtimes — a pure-convolution network then has no Transpose at all. Either file runs on the engine.
   */
  layout?: OnnxLayout;
  /**
   * How the graph is recorded from `forward`: `'shapes'` (default) with shape-only placeholders, so no
   * convolution runs and exporting costs milliseconds rather than a tfjs pass at this size; `'compute'` with a
   * real tfjs pass on zeros. Both give the same file (a forward that reads its activations' values falls back
   * to `'compute'` by itself).
   */
  recording?: RecordMode;
  /** `producer_version` written to the file (default `'hrnet-js'`'s core version is unknown here: `'0'`). */
  producerVersion?: string;
}

export type OnnxLayout = 'NHWC' | 'NCHW';

/** What an exported file says about itself (`metadata_props`), so the engine can check a file it is given. */
export interface OnnxExportInfo {
  /** `[width, height]` of the input. */
  inputSize: [number, number];
  channels: number;
  /** Layout of the input and the 4-D outputs (files written before this field: NHWC). */
  layout?: OnnxLayout;
  /** `predict`'s output structure with each leaf the index of a graph output (`output_<i>`). */
  outputs: OutputTree<number>;
}

export const METADATA_KEY = 'hrnetjs.export';

/** Reads what an exported file says about itself; refuses files that hrnet-js did not export. */
export function readExportInfo(bytes: Uint8Array): OnnxExportInfo {
  let meta: Record<string, string>;
  try {
    meta = readModelMetadata(bytes);
  } catch (e) {
    throw new EngineError(`engineOptions.onnxModel: expected ONNX bytes exported by hrnet-js, found bytes that are not a protobuf model (${(e as Error).message})`);
  }
  const text = meta[METADATA_KEY];
  if (!text) throw new EngineError(`engineOptions.onnxModel: expected an ONNX file exported by hrnet-js (metadata ${METADATA_KEY}), found none`);
  return JSON.parse(text) as OnnxExportInfo;
}


/**
 * Exports a network to ONNX bytes (opset 17, dynamic batch, float32). The graph is recorded from the same
 * `forward` the tfjs engine runs (see `recordForward`): no second definition of any network. The input is NHWC
 * as for `predict` and the outputs are NHWC as `predict` returns them; inside, every activation is NCHW (the
 * layout ONNX's Conv and onnxruntime's kernels use), so there is one transpose at the input and one at each
 * 4-D output, none around the convolutions. Weights are transposed to OIHW once, here. A model fused by
 * `fuse()` exports with BatchNorm already folded into its convolutions.
 */
export function exportOnnx(model: Module<tf.Tensor4D, any>, options: OnnxExportOptions): Uint8Array {
  const [width, height] = options.inputSize;
  const channels = options.channels ?? 3;
  const layout = options.layout ?? 'NHWC';
  if (layout !== 'NHWC' && layout !== 'NCHW') throw new EngineError(`exportOnnx: layout: expected 'NHWC' or 'NCHW', found ${JSON.stringify(layout)}`);
  for (const [what, v] of [['width', width], ['height', height], ['channels', channels]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new ShapeError(`exportOnnx: ${what} must be a positive integer, found ${String(v)}`);
  }
  const shape = [1, height, width, channels];
  const forward = (x: tf.Tensor4D) => model.forward(x);
  let recording: Recording;
  const mode = options.recording ?? 'shapes';
  try {
    recording = recordForward(forward, shape, mode);
  } catch (e) {
    // a forward that looks at its activations' values cannot be recorded from shapes: record it from a real pass
    if (!(e instanceof PlaceholderReadError)) throw e;
    recording = recordForward(forward, shape, 'compute');
  }
  const info: OnnxExportInfo = { inputSize: [width, height], channels, layout, outputs: 0 };
  return translate(recording, info, options.producerVersion ?? '0');
}

/** A value of the graph: its ONNX name, tfjs shape, and whether it is stored NCHW (4-D activations only). */
interface Value {
  name: string;
  shape: number[];
  nchw: boolean;
  /**
   * A rank ≥ 5 value stored channels-first: tfjs `[n, h, w, c1, …, ck]` as `[n, c1, …, ck, h, w]` (what a reshape
   * that splits an NCHW value's channels gives, e.g. ShuffleNet's channel shuffle): only Reshape and Transpose
   * read it as stored; every other use sees it converted to tfjs layout.
   */
  cf?: boolean;
  /** Whether axis 0 is the (dynamic) batch axis. */
  batch: boolean;
  dtype: tf.DataType;
}

const NHWC_TO_NCHW = [0, 3, 1, 2];
/** Channels-first storage of a rank-r tfjs value: stored axis k holds tfjs axis `channelsFirst(r)[k]`. */
const channelsFirst = (r: number) => [0, ...Array.from({ length: r - 3 }, (_, i) => i + 3), 1, 2];
const NCHW_TO_NHWC = [0, 2, 3, 1];
const INT64_MAX = Number.MAX_SAFE_INTEGER;

function onnxType(dtype: tf.DataType): DataTypeCode {
  if (dtype === 'float32') return DataType.FLOAT;
  if (dtype === 'int32') return DataType.INT32;
  if (dtype === 'bool') return DataType.BOOL;
  throw new EngineError(`ONNX export: tensors of dtype ${dtype} are not supported`);
}

function bytesOf(values: tf.TypedArray | number[], dtype: tf.DataType): Uint8Array {
  const typed =
    dtype === 'float32' ? Float32Array.from(values as ArrayLike<number>) : dtype === 'int32' ? Int32Array.from(values as ArrayLike<number>) : Uint8Array.from(values as ArrayLike<number>);
  return new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength);
}

/** Values of a row-major tensor of `shape` transposed by `perm` (output axis i = input axis perm[i]). */
function transposeValues(values: tf.TypedArray, shape: number[], perm: number[]): tf.TypedArray {
  const rank = shape.length;
  const outShape = perm.map((p) => shape[p]!);
  const inStrides = new Array<number>(rank);
  let s = 1;
  for (let i = rank - 1; i >= 0; i--) {
    inStrides[i] = s;
    s *= shape[i]!;
  }
  const out = new (values.constructor as new (n: number) => tf.TypedArray)(values.length);
  const strideOut = perm.map((p) => inStrides[p]!);
  if (rank <= 4) {
    // every weight (HWIO → OIHW, constants to NCHW) is rank ≤ 4: four plain loops, where the general odometer below
    // costs several times more (the largest share of an export once recording is shape-only)
    const pad = 4 - rank;
    const [d0, d1, d2, d3] = [...new Array<number>(pad).fill(1), ...outShape] as [number, number, number, number];
    const [s0, s1, s2, s3] = [...new Array<number>(pad).fill(0), ...strideOut] as [number, number, number, number];
    let o = 0;
    for (let i0 = 0; i0 < d0; i0++) {
      for (let i1 = 0; i1 < d1; i1++) {
        for (let i2 = 0; i2 < d2; i2++) {
          const src = i0 * s0 + i1 * s1 + i2 * s2;
          for (let i3 = 0; i3 < d3; i3++) out[o++] = values[src + i3 * s3]!;
        }
      }
    }
    return out;
  }
  const idx = new Array<number>(rank).fill(0);
  for (let o = 0; o < values.length; o++) {
    let src = 0;
    for (let i = 0; i < rank; i++) src += idx[i]! * strideOut[i]!;
    out[o] = values[src]!;
    for (let i = rank - 1; i >= 0; i--) {
      if (++idx[i]! < outShape[i]!) break;
      idx[i] = 0;
    }
  }
  return out;
}

const pair = (v: unknown, what: string): [number, number] => {
  if (typeof v === 'number') return [v, v];
  if (Array.isArray(v) && v.length === 2) return [v[0] as number, v[1] as number];
  throw new EngineError(`ONNX export: ${what} ${JSON.stringify(v)} is not supported`);
};

/** tfjs padding (`'valid'`, `'same'`, a number, or explicit NHWC pairs) → ONNX `pads` [top, left, bottom, right]. */
function convPads(pad: unknown, inHW: [number, number], kernel: [number, number], strides: [number, number], dilations: [number, number]): number[] {
  if (pad === 'valid') return [0, 0, 0, 0];
  if (typeof pad === 'number') return [pad, pad, pad, pad];
  if (pad === 'same') {
    const p = [0, 1].map((i) => {
      const out = Math.ceil(inHW[i]! / strides[i]!);
      const total = Math.max((out - 1) * strides[i]! + (kernel[i]! - 1) * dilations[i]! + 1 - inHW[i]!, 0);
      return [Math.floor(total / 2), total - Math.floor(total / 2)];
    });
    return [p[0]![0]!, p[1]![0]!, p[0]![1]!, p[1]![1]!];
  }
  if (Array.isArray(pad) && pad.length === 4) {
    const q = pad as number[][];
    return [q[1]![0]!, q[2]![0]!, q[1]![1]!, q[2]![1]!];
  }
  throw new EngineError(`ONNX export: padding ${JSON.stringify(pad)} is not supported`);
}

class GraphBuilder {
  readonly nodes: NodeValue[] = [];
  readonly initializers: TensorValue[] = [];
  readonly valueInfo: ValueInfo[] = [];
  private counter = 0;
  private readonly intConsts = new Map<string, string>();

  fresh(prefix: string): string {
    return `${prefix}_${this.counter++}`;
  }

  node(opType: string, inputs: readonly string[], attributes: Record<string, AttributeValue> = {}, outputs?: string[]): string[] {
    const outs = outputs ?? [this.fresh(opType.toLowerCase())];
    this.nodes.push({ opType, inputs, outputs: outs, name: `${opType}_${this.nodes.length}`, attributes });
    return outs;
  }

  one(opType: string, inputs: readonly string[], attributes: Record<string, AttributeValue> = {}): string {
    return this.node(opType, inputs, attributes)[0]!;
  }

  initializer(prefix: string, dims: readonly number[], dtype: tf.DataType, values: tf.TypedArray | number[]): string {
    const name = this.fresh(prefix);
    this.initializers.push({ name, dataType: onnxType(dtype), dims, raw: bytesOf(values, dtype) });
    return name;
  }

  /** An int64 1-D constant (shapes, axes, pads), shared between nodes. */
  int64(values: readonly number[]): string {
    const key = values.join(',');
    let name = this.intConsts.get(key);
    if (!name) {
      name = this.fresh('const_i64');
      const data = new BigInt64Array(values.map((v) => BigInt(v)));
      this.initializers.push({ name, dataType: DataType.INT64, dims: [values.length], raw: new Uint8Array(data.buffer) });
      this.intConsts.set(key, name);
    }
    return name;
  }

  float32(values: readonly number[], dims: readonly number[] = [values.length]): string {
    return this.initializer('const_f32', dims, 'float32', [...values]);
  }
}

const ints = (value: readonly number[]): AttributeValue => ({ kind: 'ints', value });
const int = (value: number): AttributeValue => ({ kind: 'int', value });
const str = (value: string): AttributeValue => ({ kind: 'string', value });
const float = (value: number): AttributeValue => ({ kind: 'float', value });

/** Translates recorded tfjs kernels to an ONNX graph (see `exportOnnx`). */
class Translator {
  readonly g = new GraphBuilder();
  private readonly values = new Map<number, Value>();
  /** Cached layout changes of a value: `${name}:nchw` / `${name}:native`. */
  private readonly converted = new Map<string, Value>();
  private readonly constants = new Map<string, Value>();

  constructor(private readonly rec: Recording) {}

  private tensor(id: number): RecordedTensor {
    const t = this.rec.tensors.get(id);
    if (!t) throw new EngineError(`ONNX export: tensor ${id} was not recorded`);
    return t;
  }

  isConstant(id: number): boolean {
    return this.tensor(id).values !== undefined;
  }

  constantValues(id: number): tf.TypedArray {
    return this.tensor(id).values!;
  }

  setInput(id: number, name: string, nchw: boolean): void {
    const t = this.tensor(id);
    this.values.set(id, { name, shape: t.shape, nchw, batch: true, dtype: t.dtype });
  }

  /** A constant as an initializer, in tfjs layout, or permuted for broadcasting against an NCHW value. */
  private constant(id: number, nchw: boolean): Value {
    const key = `${id}:${nchw}`;
    const hit = this.constants.get(key);
    if (hit) return hit;
    const t = this.tensor(id);
    let shape = t.shape;
    let values = t.values!;
    if (nchw && shape.length > 0) {
      const s4 = [...new Array(4 - shape.length).fill(1), ...shape];
      values = transposeValues(values, s4, NHWC_TO_NCHW);
      shape = NHWC_TO_NCHW.map((p) => s4[p]!);
    }
    const v: Value = { name: this.g.initializer('const', shape, t.dtype, values), shape: t.shape, nchw: nchw && t.shape.length > 0, batch: false, dtype: t.dtype };
    this.constants.set(key, v);
    return v;
  }

  /** The value of tensor `id`, as it is stored (a channels-first 5-D value in tfjs layout). */
  get(id: number): Value {
    const v = this.values.get(id);
    if (v?.cf) return this.native(id);
    if (v) return v;
    if (this.isConstant(id)) return this.constant(id, false);
    throw new EngineError(`ONNX export: tensor ${id} is used before any kernel made it`);
  }

  /** The value in tfjs layout. */
  native(id: number): Value {
    if (!this.values.has(id) && this.isConstant(id)) return this.constant(id, false);
    const stored = this.values.get(id);
    if (stored?.cf) {
      const key = `${stored.name}:native`;
      let c = this.converted.get(key);
      if (!c) {
        const q = channelsFirst(stored.shape.length);
        const perm = stored.shape.map((_, i) => q.indexOf(i));
        c = { ...stored, cf: false, name: this.g.one('Transpose', [stored.name], { perm: ints(perm) }) };
        this.converted.set(key, c);
      }
      return c;
    }
    const v = this.get(id);
    if (!v.nchw) return v;
    const key = `${v.name}:native`;
    let c = this.converted.get(key);
    if (!c) {
      c = { ...v, nchw: false, name: this.g.one('Transpose', [v.name], { perm: ints(NCHW_TO_NHWC) }) };
      this.converted.set(key, c);
    }
    return c;
  }

  /** A 4-D value stored NCHW. */
  nchw(id: number): Value {
    if (!this.values.has(id) && this.isConstant(id)) return this.constant(id, true);
    const v = this.get(id);
    if (v.nchw) return v;
    if (v.shape.length !== 4) throw new EngineError(`ONNX export: expected a 4-D tensor, found shape [${v.shape.join(', ')}]`);
    const key = `${v.name}:nchw`;
    let c = this.converted.get(key);
    if (!c) {
      c = { ...v, nchw: true, name: this.g.one('Transpose', [v.name], { perm: ints(NHWC_TO_NCHW) }) };
      this.converted.set(key, c);
    }
    return c;
  }

  set(id: number, name: string, nchw: boolean, batch: boolean): void {
    const t = this.tensor(id);
    // channels-first of rank ≥ 5 is `cf`; of rank 4 it is NCHW
    const cf = nchw && t.shape.length >= 5;
    this.values.set(id, { name, shape: t.shape, nchw: nchw && t.shape.length === 4, batch, dtype: t.dtype, ...(cf ? { cf } : {}) });
  }

  /**
   * A Reshape or Transpose that keeps n, h, w (axes 0–2) and only splits, merges or permutes the channel axes of a
   * channels-first value, done in place in that layout: no transposes to tfjs layout and back around a channel
   * shuffle. Returns false when it does not apply.
   */
  private channelsOnly(k: RecordedKernel, xId: number, out: number): boolean {
    const stored = this.values.get(xId);
    if (!stored || !(stored.nchw || stored.cf)) return false;
    const inShape = stored.shape;
    const outShape = this.tensor(out).shape;
    if (inShape.length < 4 || outShape.length < 4) return false;
    const g = this.g;
    if (k.name === 'Reshape') {
      if (![0, 1, 2].every((a) => inShape[a] === outShape[a])) return false;
      const [n, h, w] = outShape as [number, number, number];
      const batch = stored.batch;
      const dims = [batch ? 0 : n, ...outShape.slice(3), h, w];
      this.set(out, g.one('Reshape', [stored.name, g.int64(dims)]), true, batch);
      return true;
    }
    const perm = k.attrs.perm as number[];
    if (perm[0] !== 0 || perm[1] !== 1 || perm[2] !== 2) return false;
    const q = channelsFirst(perm.length);
    const storedPerm = q.map((a) => q.indexOf(perm[a]!));
    const identity = storedPerm.every((p, i) => p === i);
    this.set(out, identity ? stored.name : g.one('Transpose', [stored.name], { perm: ints(storedPerm) }), true, stored.batch);
    return true;
  }

  /** Where tfjs axis `a` of a value sits in storage. */
  static storedAxis(v: Value, a: number): number {
    const r = v.shape.length;
    const axis = a < 0 ? a + r : a;
    return v.nchw ? NHWC_TO_NCHW.indexOf(axis) : axis;
  }

  kernel(k: RecordedKernel): void {
    const input = (name: string) => k.inputs.find(([n]) => n === name)?.[1];
    const req = (name: string) => {
      const id = input(name);
      if (id === undefined) throw new EngineError(`ONNX export: ${k.name} without input ${name}`);
      return id;
    };
    const list = (name: string) => k.inputs.filter(([n]) => n.startsWith(`${name}.`)).map(([, id]) => id);
    const out = k.outputs[0]!;
    const a = k.attrs;
    const g = this.g;
    const batchOf = (...ids: number[]) => ids.some((id) => this.values.get(id)?.batch === true);

    switch (k.name) {
      case 'FusedConv2D':
      case 'Conv2D':
      case 'FusedDepthwiseConv2D':
      case 'DepthwiseConv2dNative': {
        const x = this.nchw(req('x'));
        const filterId = req('filter');
        if (!this.isConstant(filterId)) throw new EngineError(`ONNX export: ${k.name} with a filter computed from the input is not supported`);
        if (a.dimRoundingMode != null) throw new EngineError(`ONNX export: ${k.name} dimRoundingMode is not supported`);
        if (a.dataFormat !== undefined && a.dataFormat !== 'NHWC') throw new EngineError(`ONNX export: ${k.name} dataFormat ${String(a.dataFormat)}`);
        const f = this.tensor(filterId);
        const [kh, kw, cin, cout] = f.shape as [number, number, number, number];
        const depthwise = k.name.includes('Depthwise');
        // HWIO → OIHW; depthwise [kh, kw, C, m] → [C·m, 1, kh, kw] (output channel c·m + j), group C
        const w = depthwise
          ? { dims: [cin * cout, 1, kh, kw], values: transposeValues(f.values!, [kh, kw, cin * cout], [2, 0, 1]) }
          : { dims: [cout, cin, kh, kw], values: transposeValues(f.values!, f.shape, [3, 2, 0, 1]) };
        const strides = pair(a.strides, 'strides');
        const dilations = pair(a.dilations ?? 1, 'dilations');
        const pads = convPads(a.pad, [x.shape[1]!, x.shape[2]!], [kh, kw], strides, dilations);
        const inputs = [x.name, g.initializer('weight', w.dims, 'float32', w.values)];
        const biasId = input('bias');
        let addBias: Value | null = null;
        if (biasId !== undefined) {
          if (this.isConstant(biasId) && this.tensor(biasId).shape.length === 1) inputs.push(this.constant(biasId, false).name);
          else addBias = this.nchw(biasId);
        }
        if (input('preluActivationWeights') !== undefined) throw new EngineError('ONNX export: prelu activation is not supported');
        let y = g.one('Conv', inputs, {
          dilations: ints(dilations),
          group: int(depthwise ? cin : 1),
          kernel_shape: ints([kh, kw]),
          pads: ints(pads),
          strides: ints(strides),
        });
        if (addBias) y = g.one('Add', [y, addBias.name]);
        y = this.activation(y, (a.activation as string | undefined) ?? 'linear', a.leakyreluAlpha as number | undefined);
        this.set(out, y, true, x.batch);
        return;
      }
      case 'Conv2DBackpropInput': {
        // tfjs conv2dTranspose (ConvTranspose2d: HigherHRNet's deconv head): filter [kh, kw, out, in] → ONNX
        // ConvTranspose's [in, out, kh, kw]; explicit symmetric padding, and output_padding for whatever
        // rows the requested output has beyond (in − 1)·s − 2p + k
        const x = this.nchw(req('dy'));
        const filterId = req('filter');
        if (!this.isConstant(filterId)) throw new EngineError('ONNX export: Conv2DBackpropInput with a filter computed from the input is not supported');
        if (a.dimRoundingMode != null) throw new EngineError('ONNX export: Conv2DBackpropInput dimRoundingMode is not supported');
        if (a.dataFormat !== undefined && a.dataFormat !== 'NHWC') throw new EngineError(`ONNX export: Conv2DBackpropInput dataFormat ${String(a.dataFormat)}`);
        const f = this.tensor(filterId);
        const [kh, kw, cout, cin] = f.shape as [number, number, number, number];
        const strides = pair(a.strides, 'strides');
        const p = a.pad === 'valid' ? 0 : a.pad;
        if (typeof p !== 'number') throw new EngineError(`ONNX export: Conv2DBackpropInput padding ${JSON.stringify(a.pad)} is not supported (explicit or 'valid' only)`);
        const [, oh, ow] = a.inputShape as [number, number, number, number];
        const [ih, iw] = [x.shape[1]!, x.shape[2]!];
        const outputPadding = [oh! - ((ih - 1) * strides[0] - 2 * p + kh), ow! - ((iw - 1) * strides[1] - 2 * p + kw)];
        if (outputPadding.some((v) => v < 0 || v >= Math.max(...strides))) {
          throw new EngineError(`ONNX export: Conv2DBackpropInput output ${oh}x${ow} does not follow from input ${ih}x${iw}, kernel ${kh}x${kw}, stride ${strides.join('x')}, padding ${p}`);
        }
        const w = g.initializer('weight', [cin, cout, kh, kw], 'float32', transposeValues(f.values!, f.shape, [3, 2, 0, 1]));
        const y = g.one('ConvTranspose', [x.name, w], {
          kernel_shape: ints([kh, kw]),
          output_padding: ints(outputPadding),
          pads: ints([p, p, p, p]),
          strides: ints(strides),
        });
        this.set(out, y, true, x.batch);
        return;
      }
      case 'Add':
      case 'Sub':
      case 'Multiply':
      case 'RealDiv':
      case 'Maximum':
      case 'Minimum':
      case 'Pow':
      case 'SquaredDifference': {
        const [l, r] = this.binaryOperands(req('a'), req('b'));
        const op = { Add: 'Add', Sub: 'Sub', Multiply: 'Mul', RealDiv: 'Div', Maximum: 'Max', Minimum: 'Min', Pow: 'Pow', SquaredDifference: 'Sub' }[k.name]!;
        let y = g.one(op, [l.name, r.name]);
        if (k.name === 'SquaredDifference') y = g.one('Mul', [y, y]);
        this.set(out, y, l.nchw || r.nchw, batchOf(req('a'), req('b')));
        return;
      }
      case 'AddN': {
        const ids = list('tensors').length ? list('tensors') : k.inputs.map(([, id]) => id);
        const anyNchw = ids.some((id) => this.values.get(id)?.nchw);
        const vs = ids.map((id) => (anyNchw ? this.nchw(id) : this.native(id)));
        // a chain of two-input Adds, as PyTorch's `y = y + …` exports and onnxruntime fuses with Conv/Relu
        let y = vs[0]!.name;
        for (const v of vs.slice(1)) y = g.one('Add', [y, v.name]);
        this.set(out, y, anyNchw, batchOf(...ids));
        return;
      }
      case 'Relu':
      case 'Sigmoid':
      case 'Exp':
      case 'Sqrt':
      case 'Neg':
      case 'Abs':
      case 'Log':
      case 'Tanh':
      case 'Reciprocal':
      case 'Floor':
      case 'Ceil':
      case 'Square':
      case 'Rsqrt':
      case 'Relu6':
      case 'Elu':
      case 'Identity':
      case 'Cast': {
        const xId = req('x');
        const x = this.get(xId);
        let y: string;
        if (k.name === 'Square') y = g.one('Mul', [x.name, x.name]);
        else if (k.name === 'Rsqrt') y = g.one('Reciprocal', [g.one('Sqrt', [x.name])]);
        else if (k.name === 'Relu6') y = this.activation(x.name, 'relu6');
        else if (k.name === 'Identity') y = x.name;
        else if (k.name === 'Cast') {
          const to = a.dtype as tf.DataType;
          y = to === x.dtype ? x.name : g.one('Cast', [x.name], { to: int(onnxType(to)) });
        } else y = g.one(k.name, [x.name]);
        this.set(out, y, x.nchw, x.batch);
        return;
      }
      case 'ResizeNearestNeighbor':
      case 'ResizeBilinear': {
        const x = this.nchw(req('images'));
        const [oh, ow] = a.size as [number, number];
        const [ih, iw] = [x.shape[1]!, x.shape[2]!];
        const alignCorners = a.alignCorners === true;
        const halfPixel = a.halfPixelCenters === true;
        const nearest = k.name === 'ResizeNearestNeighbor';
        const attrs: Record<string, AttributeValue> = {
          mode: str(nearest ? 'nearest' : 'linear'),
          coordinate_transformation_mode: str(alignCorners ? 'align_corners' : halfPixel ? (nearest ? 'tf_half_pixel_for_nn' : 'half_pixel') : 'asymmetric'),
        };
        if (nearest) attrs.nearest_mode = str(alignCorners ? 'round_prefer_ceil' : 'floor');
        let y: string;
        if (oh % ih === 0 && ow % iw === 0 && !halfPixel) {
          // an integer factor (nn.Upsample(scale_factor=s), or F.interpolate(size=…, align_corners=True) to a
          // multiple of the input, as HRNet-OCR's fuse layers at sizes that are multiples of 32): constant scales
          // (align_corners does not read the scale, so the same pixels as with sizes). onnxruntime's NCHWc
          // optimiser turns only a Resize with constant scales or sizes into its blocked Upsample: sizes from
          // Shape (the dynamic batch) kept it a plain Resize after a ReorderOutput (seg W18-small-v2 1024x2048:
          // 1.19x PyTorch's static-batch export at 1 thread, whose sizes fold to constants). Half-pixel resizes
          // keep sizes: the NCHWc Upsample does not take them either way, and onnxruntime's half-pixel kernel
          // with scales rounds differently (FCOS's HRFPN: 1.6e-5 of max|output| from PyTorch's, above 1e-5).
          y = g.one('Resize', [x.name, '', g.float32([1, 1, oh / ih, ow / iw])], attrs);
        } else {
          // to a size (F.interpolate(size=…)): sizes = [N, C] of the input + [H, W], so the batch stays dynamic
          const nc = g.one('Slice', [g.one('Shape', [x.name]), g.int64([0]), g.int64([2])]);
          const sizes = g.one('Concat', [nc, g.int64([oh, ow])], { axis: int(0) });
          y = g.one('Resize', [x.name, '', '', sizes], attrs);
        }
        // ONNX shape inference cannot carry the symbolic batch through Resize (N·1.0 from scales, or sizes
        // computed from Shape): the output would have an unknown batch, and onnxruntime's NCHWc optimiser then
        // wraps every later Add in Reshapes and stops fusing Add into Conv (W32 pose: 156 Reshapes, 16 unfused
        // Adds, ~20% slower at 2 threads than PyTorch's static-batch export). Stating the shape keeps the batch 'N'.
        g.valueInfo.push({ name: y, dataType: onnxType(x.dtype), dims: [x.batch ? 'N' : x.shape[0]!, x.shape[3]!, oh, ow] });
        this.set(out, y, true, x.batch);
        return;
      }
      case 'Concat': {
        const ids = k.inputs.map(([, id]) => id);
        const anyNchw = ids.some((id) => this.values.get(id)?.nchw) && ids.every((id) => this.tensor(id).shape.length === 4);
        const vs = ids.map((id) => (anyNchw ? this.nchw(id) : this.native(id)));
        const axis = Translator.storedAxis(vs[0]!, a.axis as number);
        this.set(out, g.one('Concat', vs.map((v) => v.name), { axis: int(axis) }), anyNchw, batchOf(...ids));
        return;
      }
      case 'Reshape': {
        if (this.channelsOnly(k, req('x'), out)) return;
        const x = this.native(req('x'));
        const outShape = this.tensor(out).shape;
        const batch = x.batch && outShape[0] === x.shape[0];
        // 0 copies the (dynamic) batch from the input; the other dims are fixed for this input size
        const dims = outShape.map((d, i) => (i === 0 && batch ? 0 : d));
        this.set(out, g.one('Reshape', [x.name, g.int64(dims)]), false, batch);
        return;
      }
      case 'Transpose': {
        if (this.channelsOnly(k, req('x'), out)) return;
        const x = this.get(req('x'));
        const perm = a.perm as number[];
        const stored = x.nchw ? perm.map((p) => NHWC_TO_NCHW.indexOf(p)) : perm;
        const identity = stored.every((p, i) => p === i);
        const y = identity ? x.name : g.one('Transpose', [x.name], { perm: ints(stored) });
        this.set(out, y, false, x.batch && perm[0] === 0);
        return;
      }
      case 'Softmax': {
        const x = this.get(req('logits'));
        const axis = Translator.storedAxis(x, (a.dim as number) ?? -1);
        this.set(out, g.one('Softmax', [x.name], { axis: int(axis) }), x.nchw, x.batch);
        return;
      }
      case 'BatchMatMul':
      case '_FusedMatMul': {
        let l = this.native(req('a')).name;
        let r = this.native(req('b')).name;
        const swapLast = (name: string, rank: number) =>
          g.one('Transpose', [name], { perm: ints([...Array(rank).keys()].map((i) => (i === rank - 2 ? rank - 1 : i === rank - 1 ? rank - 2 : i))) });
        if (a.transposeA) l = swapLast(l, this.tensor(req('a')).shape.length);
        if (a.transposeB) r = swapLast(r, this.tensor(req('b')).shape.length);
        let y = g.one('MatMul', [l, r]);
        const biasId = input('bias');
        if (biasId !== undefined) y = g.one('Add', [y, this.native(biasId).name]);
        if (input('preluActivationWeights') !== undefined) throw new EngineError('ONNX export: prelu activation is not supported');
        y = this.activation(y, (a.activation as string | undefined) ?? 'linear', a.leakyreluAlpha as number | undefined);
        this.set(out, y, false, batchOf(req('a'), req('b')));
        return;
      }
      case 'Mean':
      case 'Sum':
      case 'Max':
      case 'Min': {
        const x = this.get(req('x'));
        const rank = x.shape.length;
        const tfAxes = ([] as number[]).concat(a.axis as number | number[]).map((ax) => (ax < 0 ? ax + rank : ax));
        const axes = tfAxes.map((ax) => Translator.storedAxis(x, ax)).sort((p, q) => p - q);
        const keep = a.keepDims === true;
        const op = { Mean: 'ReduceMean', Sum: 'ReduceSum', Max: 'ReduceMax', Min: 'ReduceMin' }[k.name]!;
        // opset 17: ReduceSum takes axes as an input, the others as an attribute
        let y = op === 'ReduceSum' ? g.one(op, [x.name, g.int64(axes)], { keepdims: int(keep ? 1 : 0) }) : g.one(op, [x.name], { axes: ints(axes), keepdims: int(keep ? 1 : 0) });
        let nchw = x.nchw && keep;
        if (x.nchw && !keep) {
          // remaining axes in stored order, as tfjs axes: transpose back to tfjs order where they differ
          const remaining = NHWC_TO_NCHW.filter((t) => !tfAxes.includes(t));
          const order = [...remaining].sort((p, q) => p - q).map((t) => remaining.indexOf(t));
          if (order.some((p, i) => p !== i)) y = g.one('Transpose', [y], { perm: ints(order) });
          nchw = false;
        }
        this.set(out, y, nchw, x.batch && !tfAxes.includes(0));
        return;
      }
      case 'AvgPool':
      case 'MaxPool': {
        const x = this.nchw(req('x'));
        if (a.dimRoundingMode != null) throw new EngineError(`ONNX export: ${k.name} dimRoundingMode is not supported`);
        const kernel = pair(a.filterSize, 'filterSize');
        const strides = pair(a.strides, 'strides');
        const pads = convPads(a.pad, [x.shape[1]!, x.shape[2]!], kernel, strides, [1, 1]);
        const attrs: Record<string, AttributeValue> = { kernel_shape: ints(kernel), pads: ints(pads), strides: ints(strides) };
        // tfjs averages over the window's pixels inside the image (count_include_pad = 0)
        if (k.name === 'AvgPool') attrs.count_include_pad = int(0);
        this.set(out, g.one(k.name === 'AvgPool' ? 'AveragePool' : 'MaxPool', [x.name], attrs), true, x.batch);
        return;
      }
      case 'PadV2': {
        const x = this.get(req('x'));
        const paddings = a.paddings as [number, number][];
        const rank = paddings.length;
        const begins = new Array<number>(rank);
        const ends = new Array<number>(rank);
        paddings.forEach(([b, e], i) => {
          const s = Translator.storedAxis(x, i);
          begins[s] = b;
          ends[s] = e;
        });
        const y = g.one('Pad', [x.name, g.int64([...begins, ...ends]), g.float32([(a.constantValue as number) ?? 0], [])], { mode: str('constant') });
        this.set(out, y, x.nchw, x.batch);
        return;
      }
      case 'Slice': {
        const x = this.get(req('x'));
        const begin = a.begin as number[];
        const size = a.size as number[];
        const starts: number[] = [];
        const ends: number[] = [];
        const axes: number[] = [];
        begin.forEach((b, i) => {
          const full = size[i] === -1 || (b === 0 && size[i] === x.shape[i]);
          if (b === 0 && full) return;
          axes.push(Translator.storedAxis(x, i));
          starts.push(b);
          ends.push(size[i] === -1 ? INT64_MAX : b + size[i]!);
        });
        const y = axes.length ? g.one('Slice', [x.name, g.int64(starts), g.int64(ends), g.int64(axes)]) : x.name;
        this.set(out, y, x.nchw, x.batch && begin[0] === 0);
        return;
      }
      case 'SplitV': {
        const x = this.get(req('x'));
        const rank = x.shape.length;
        const tfAxis = (a.axis as number) < 0 ? (a.axis as number) + rank : (a.axis as number);
        const sizes = k.outputs.map((id) => this.tensor(id).shape[tfAxis]!);
        const names = k.outputs.map(() => g.fresh('split'));
        g.node('Split', [x.name, g.int64(sizes)], { axis: int(Translator.storedAxis(x, tfAxis)) }, names);
        k.outputs.forEach((id, i) => this.set(id, names[i]!, x.nchw, x.batch));
        return;
      }
      case 'FusedBatchNorm': {
        // an unfused BatchNorm (eval mode): constant statistics, so one per-channel Mul and Add
        const x = this.get(req('x'));
        const ids = ['mean', 'variance', 'offset', 'scale'].map((n) => input(n));
        if (ids.some((id) => id !== undefined && !this.isConstant(id))) throw new EngineError('ONNX export: BatchNorm with statistics computed from the input is not supported');
        const c = x.shape[x.shape.length - 1]!;
        const val = (id: number | undefined, fill: number) => (id === undefined ? new Float32Array(c).fill(fill) : this.constantValues(id));
        const [mean, variance, offset, scale] = [val(ids[0], 0), val(ids[1], 1), val(ids[2], 0), val(ids[3], 1)];
        const eps = (a.varianceEpsilon as number | undefined) ?? 1e-3;
        const at = (v: tf.TypedArray, i: number) => v[v.length === 1 ? 0 : i]!;
        const mul = Array.from({ length: c }, (_, i) => at(scale, i) / Math.sqrt(at(variance, i) + eps));
        const add = mul.map((m, i) => at(offset, i) - at(mean, i) * m);
        const dims = x.nchw ? [c, 1, 1] : [c];
        const y = g.one('Add', [g.one('Mul', [x.name, g.float32(mul, dims)]), g.float32(add, dims)]);
        this.set(out, y, x.nchw, x.batch);
        return;
      }
      case 'hrnet.GroupNorm': {
        // torch.onnx's GroupNorm (opset < 18): x [N, C, H, W] → [N, G, C/G·H·W] → InstanceNormalization over the
        // last axis (scale 1, bias 0 per group) → [N, C, H, W] → · weight + bias per channel. NCHW throughout.
        const x = this.nchw(req('x'));
        const groups = a.numGroups as number;
        const c = x.shape[3]!;
        const grouped = g.one('Reshape', [x.name, g.int64([0, groups, -1])]);
        const normed = g.one('InstanceNormalization', [grouped, g.float32(new Array(groups).fill(1)), g.float32(new Array(groups).fill(0))], { epsilon: float(a.eps as number) });
        const back = g.one('Reshape', [normed, g.int64([0, c, x.shape[1]!, x.shape[2]!])]);
        const w = this.constantOf(req('weight'), [c, 1, 1]);
        const b = this.constantOf(req('bias'), [c, 1, 1]);
        this.set(out, g.one('Add', [g.one('Mul', [back, w]), b]), true, x.batch);
        return;
      }
      default:
        throw new EngineError(`ONNX export: the tfjs kernel ${k.name} has no ONNX translation yet (attrs ${JSON.stringify(k.attrs)})`);
    }
  }

  /** A constant's values as an initializer of shape `dims` (same element count), e.g. per-channel [C, 1, 1]. */
  private constantOf(id: number, dims: number[]): string {
    if (!this.isConstant(id)) throw new EngineError('ONNX export: a layer parameter computed from the input is not supported');
    const t = this.tensor(id);
    return this.g.initializer('const', dims, t.dtype, t.values!);
  }

  /** Operands of an elementwise op in one layout: NCHW when either is a 4-D NCHW activation. */
  private binaryOperands(l: number, r: number): [Value, Value] {
    const lv = this.values.get(l);
    const rv = this.values.get(r);
    const wantNchw = (lv?.nchw ?? false) || (rv?.nchw ?? false);
    if (!wantNchw) return [this.native(l), this.native(r)];
    const fits = (id: number) => {
      const v = this.values.get(id);
      if (v) return v.shape.length === 4;
      return this.tensor(id).shape.length <= 4; // a constant is permuted to broadcast in NCHW
    };
    if (fits(l) && fits(r)) return [this.nchw(l), this.nchw(r)];
    return [this.native(l), this.native(r)];
  }

  private activation(x: string, activation: string, alpha?: number): string {
    const g = this.g;
    switch (activation) {
      case 'linear':
        return x;
      case 'relu':
        return g.one('Relu', [x]);
      case 'sigmoid':
        return g.one('Sigmoid', [x]);
      case 'elu':
        return g.one('Elu', [x]);
      case 'relu6':
        return g.one('Clip', [x, g.float32([0], []), g.float32([6], [])]);
      case 'leakyrelu':
        return g.one('LeakyRelu', [x], { alpha: float(alpha ?? 0.2) });
      default:
        throw new EngineError(`ONNX export: activation ${activation} is not supported`);
    }
  }

  /** A graph output: in tfjs layout (NHWC for 4-D maps, as `predict` returns them), or 4-D maps NCHW. */
  output(id: number, name: string, nchw: boolean): Value {
    const v = nchw && this.tensor(id).shape.length === 4 ? this.nchw(id) : this.native(id);
    this.g.node('Identity', [v.name], {}, [name]);
    return v;
  }
}

function translate(rec: Recording, info: OnnxExportInfo, producerVersion: string): Uint8Array {
  const t = new Translator(rec);
  const nchw = info.layout === 'NCHW';
  t.setInput(rec.inputId, 'input', nchw);
  for (const k of rec.kernels) t.kernel(k);
  const outputs: { name: string; value: Value }[] = [];
  const tree = mapTree(rec.outputs, (v): v is number => typeof v === 'number', (id) => {
    const i = outputs.length;
    const name = `output_${i}`;
    outputs.push({ name, value: t.output(id, name, nchw) });
    return i;
  });
  const [width, height] = info.inputSize;
  const meta: OnnxExportInfo = { ...info, outputs: tree };
  return encodeModel({
    opset: ONNX_OPSET,
    producerName: 'hrnet-js',
    producerVersion,
    graphName: 'hrnet',
    nodes: t.g.nodes,
    initializers: t.g.initializers,
    inputs: [{ name: 'input', dataType: DataType.FLOAT, dims: nchw ? ['N', info.channels, height, width] : ['N', height, width, info.channels] }],
    outputs: outputs.map(({ name, value }) => {
      const dims: (number | string)[] = value.shape.map((d, i) => (i === 0 && value.batch ? 'N' : d));
      return { name, dataType: onnxType(value.dtype), dims: value.nchw ? NHWC_TO_NCHW.map((p) => dims[p]!) : dims };
    }),
    valueInfo: t.g.valueInfo,
    metadata: { [METADATA_KEY]: JSON.stringify(meta) },
  });
}
