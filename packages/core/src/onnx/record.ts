import * as tf from '@tensorflow/tfjs-core';
import { EngineError } from '../errors.js';
import { kernelOutputShapes } from './shapes.js';

/** One tfjs kernel call seen while recording a forward pass. */
export interface RecordedKernel {
  name: string;
  /** Input name → tensor id (a kernel input that is a list, as Concat's, is `name.0`, `name.1`, …). */
  inputs: [string, number][];
  attrs: Record<string, unknown>;
  outputs: number[];
}

export interface RecordedTensor {
  id: number;
  shape: number[];
  dtype: tf.DataType;
  /** Values of a constant (a weight, a scalar made inside an op, or a kernel output of constants only). */
  values?: tf.TypedArray;
}

export interface Recording {
  kernels: RecordedKernel[];
  tensors: Map<number, RecordedTensor>;
  inputId: number;
  /** `forward`'s output with every tensor replaced by its id (arrays and plain objects kept). */
  outputs: OutputTree<number>;
}

/** A network's output structure: a leaf, an array of trees, or an object of trees. */
export type OutputTree<T> = T | OutputTree<T>[] | { [key: string]: OutputTree<T> };

/** Leaves of an output tree in order (depth first, object keys in insertion order). */
export function flattenTree<T>(tree: OutputTree<T>, isLeaf: (v: unknown) => v is T): T[] {
  if (isLeaf(tree)) return [tree];
  if (Array.isArray(tree)) return tree.flatMap((t) => flattenTree(t, isLeaf));
  if (tree && typeof tree === 'object') return Object.values(tree).flatMap((t) => flattenTree(t as OutputTree<T>, isLeaf));
  throw new EngineError(`ONNX export: the network returned a value that is not a tensor, array or object (${typeof tree})`);
}

/** Rebuilds `tree`'s structure with leaves taken in order from `leaves`. */
export function mapTree<A, B>(tree: OutputTree<A>, isLeaf: (v: unknown) => v is A, leaf: (a: A) => B): OutputTree<B> {
  if (isLeaf(tree)) return leaf(tree);
  if (Array.isArray(tree)) return tree.map((t) => mapTree(t, isLeaf, leaf));
  const out: { [key: string]: OutputTree<B> } = {};
  for (const [k, v] of Object.entries(tree as object)) out[k] = mapTree(v as OutputTree<A>, isLeaf, leaf);
  return out;
}

const isTensor = (v: unknown): v is tf.Tensor => v instanceof tf.Tensor;

/** The recording in progress (one at a time: recording is synchronous), for `recordComposite`. */
let active: { depth: number; note(name: string, inputs: Record<string, tf.Tensor>, attrs: Record<string, unknown>, result: tf.Tensor): void } | null = null;

/**
 * Runs `compute` (tfjs ops), and while a forward is being recorded for ONNX export records it as ONE kernel
 * `name` with these inputs and attributes instead of the kernels it dispatches, so the exporter can write the
 * layer as ONNX expresses it (GroupNorm: a reshape, InstanceNormalization, a reshape, in NCHW with no transposes)
 * rather than as the tfjs ops that compute it in NHWC. Outside a recording it is just `compute()`.
 */
export function recordComposite<T extends tf.Tensor>(name: string, inputs: Record<string, tf.Tensor>, attrs: Record<string, unknown>, compute: () => T): T {
  const rec = active;
  if (!rec || rec.depth > 0) return compute();
  rec.depth++;
  let result: T;
  try {
    result = compute();
  } finally {
    rec.depth--;
  }
  rec.note(name, inputs, attrs, result);
  return result;
}

/** How a forward is recorded: shape-only placeholders (default), or a real pass on zeros. */
export type RecordMode = 'shapes' | 'compute';

/** Thrown when the forward reads the values of an activation while it is recorded shape-only. */
export class PlaceholderReadError extends EngineError {
  constructor() {
    super('ONNX export: the forward read the values of an activation, which a shape-only recording does not compute');
    this.name = 'PlaceholderReadError';
  }
}

/**
 * The "backend" of shape-only placeholders: they have a shape and a dtype but no storage, so freeing them is
 * free and reading them is an error (exportOnnx then records again with a real pass).
 */
const PLACEHOLDER_BACKEND = {
  disposeData: () => true,
  readSync: (): never => {
    throw new PlaceholderReadError();
  },
  read: (): Promise<never> => Promise.reject(new PlaceholderReadError()),
  refCount: () => 1,
  incRef: () => {},
  decRef: () => {},
};

/**
 * Records every kernel `forward` dispatches on an input of `inputShape` (NHWC), so the ONNX graph is a
 * translation of the very code the tfjs engine runs (one definition of each network). Only kernels called from
 * op level are recorded (a kernel that dispatches others counts once). Tensors that no recorded kernel made —
 * weights, scalars made inside ops — are constants, and so is the output of a kernel whose inputs are all
 * constants (run for real and folded at export time); their values are read when first seen.
 *
 * Mode `'shapes'` (default) runs no kernel that depends on the input: the input and every tensor computed from
 * it are placeholders with a shape and no values, their shapes given by `kernelOutputShapes` (tfjs's own shape
 * helpers). The graph needs only shapes, and a real pass costs what a tfjs inference does (seconds for seg at
 * 1024x2048 or FCOS at 800x1344 on wasm) before the first onnxruntime run. A kernel without a shape rule runs
 * for real on zeros of its inputs' shapes. Mode `'compute'` runs the whole pass on zeros (what export did
 * before; a forward that reads an activation's values needs it, see `PlaceholderReadError`).
 */
export function recordForward(forward: (x: tf.Tensor4D) => unknown, inputShape: readonly number[], mode: RecordMode = 'shapes'): Recording {
  if (active) throw new EngineError('ONNX export: a forward is already being recorded (exportOnnx is not re-entrant)');
  const eng = tf.engine();
  const engine = eng as unknown as { runKernel: (name: string, inputs: Record<string, unknown>, attrs?: Record<string, unknown>) => unknown };
  const original = engine.runKernel;
  const kernels: RecordedKernel[] = [];
  const tensors = new Map<number, RecordedTensor>();
  const shapesOnly = mode === 'shapes';
  /** dataIds of placeholders (tensor objects may share one). */
  const placeholders = new WeakSet<object>();
  const placeholder = (shape: readonly number[], dtype: tf.DataType): tf.Tensor => {
    const dataId = {};
    placeholders.add(dataId);
    return eng.makeTensorFromTensorInfo({ dataId, shape: [...shape], dtype }, PLACEHOLDER_BACKEND as unknown as tf.KernelBackend);
  };
  const isPlaceholder = (v: unknown): v is tf.Tensor => isTensor(v) && placeholders.has(v.dataId);
  const input = (shapesOnly ? placeholder(inputShape, 'float32') : tf.zeros([...inputShape] as [number, number, number, number])) as tf.Tensor4D;
  const dynamic = new Set<number>([input.id]);
  tensors.set(input.id, { id: input.id, shape: [...input.shape], dtype: input.dtype });
  const state = { depth: 0, note: (_n: string, _i: Record<string, tf.Tensor>, _a: Record<string, unknown>, _r: tf.Tensor) => {} };

  const see = (t: tf.Tensor): void => {
    if (tensors.has(t.id)) return;
    tensors.set(t.id, { id: t.id, shape: [...t.shape], dtype: t.dtype, values: t.dataSync().slice() });
  };

  /** Records one kernel call (or composite) with its outputs; a call with only constant inputs makes constants. */
  const note = (name: string, inputs: Record<string, unknown>, attrs: Record<string, unknown> | undefined, outs: tf.Tensor[]) => {
    const named: [string, number][] = [];
    for (const [key, v] of Object.entries(inputs)) {
      if (Array.isArray(v)) {
        v.forEach((t, i) => {
          if (!isTensor(t)) return;
          see(t);
          named.push([`${key}.${i}`, t.id]);
        });
      } else if (isTensor(v)) {
        see(v);
        named.push([key, v.id]);
      }
    }
    const live = named.some(([, id]) => dynamic.has(id));
    for (const t of outs) {
      if (live) {
        dynamic.add(t.id);
        tensors.set(t.id, { id: t.id, shape: [...t.shape], dtype: t.dtype });
      } else see(t);
    }
    if (live) kernels.push({ name, inputs: named, attrs: { ...(attrs ?? {}) }, outputs: outs.map((t) => t.id) });
  };
  state.note = (name, inputs, attrs, result) => note(name, inputs, attrs, [result]);

  /** A kernel call on placeholders: placeholders of its output shapes, the kernel run only where no rule says them. */
  const shapeOnly = (self: unknown, name: string, inputs: Record<string, unknown>, attrs: Record<string, unknown> | undefined): unknown => {
    const rule = kernelOutputShapes(name, inputs, attrs ?? {});
    if (rule) return rule.length === 1 && name !== 'SplitV' ? placeholder(rule[0]!.shape, rule[0]!.dtype) : rule.map((o) => placeholder(o.shape, o.dtype));
    const zeros: tf.Tensor[] = [];
    const real = (v: unknown): unknown => {
      if (!isPlaceholder(v)) return v;
      const z = tf.zeros(v.shape, v.dtype);
      zeros.push(z);
      return z;
    };
    const realInputs = Array.isArray(inputs)
      ? inputs.map(real)
      : Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, Array.isArray(v) ? v.map(real) : real(v)]));
    const result = original.call(self, name, realInputs as Record<string, unknown>, attrs);
    const outs = (Array.isArray(result) ? result : [result]) as tf.Tensor[];
    const made = outs.map((o) => placeholder(o.shape, o.dtype));
    tf.dispose([...outs, ...zeros]);
    return Array.isArray(result) ? made : made[0];
  };

  const anyPlaceholder = (inputs: Record<string, unknown>): boolean =>
    Object.values(inputs).some((v) => (Array.isArray(v) ? v.some(isPlaceholder) : isPlaceholder(v)));

  engine.runKernel = function (this: unknown, name: string, inputs: Record<string, unknown>, attrs?: Record<string, unknown>) {
    const skip = shapesOnly && anyPlaceholder(inputs);
    if (state.depth > 0) return skip ? shapeOnly(this, name, inputs, attrs) : original.call(this, name, inputs, attrs);
    state.depth++;
    let result: unknown;
    try {
      result = skip ? shapeOnly(this, name, inputs, attrs) : original.call(this, name, inputs, attrs);
    } finally {
      state.depth--;
    }
    note(name, inputs, attrs, (Array.isArray(result) ? result : [result]) as tf.Tensor[]);
    return result;
  };

  let outputs: OutputTree<number>;
  active = state;
  try {
    outputs = tf.tidy(() => {
      const out = forward(input) as OutputTree<tf.Tensor>;
      return mapTree(out, isTensor, (t) => {
        if (!dynamic.has(t.id)) throw new EngineError('ONNX export: an output of the network does not depend on its input');
        return t.id;
      }) as unknown as tf.TensorContainer;
    }) as unknown as OutputTree<number>;
  } finally {
    engine.runKernel = original;
    active = null;
    input.dispose();
  }
  return { kernels, tensors, inputId: input.id, outputs };
}
