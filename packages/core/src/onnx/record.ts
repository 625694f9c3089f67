import * as tf from '@tensorflow/tfjs-core';
import { EngineError } from '../errors.js';

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

/**
 * Runs `forward(input)` once on the active tfjs backend and records every kernel it dispatches, so the ONNX
 * graph is a translation of the very code the tfjs engine runs (one definition of each network). Only kernels
 * called from op level are recorded (a kernel that dispatches others counts once). Tensors that no recorded
 * kernel made — weights, scalars made inside ops — are constants, and so is the output of a kernel whose inputs
 * are all constants (folded at export time); their values are read when first seen.
 */
export function recordForward(forward: (x: tf.Tensor4D) => unknown, input: tf.Tensor4D): Recording {
  if (active) throw new EngineError('ONNX export: a forward is already being recorded (exportOnnx is not re-entrant)');
  const engine = tf.engine() as unknown as { runKernel: (name: string, inputs: Record<string, unknown>, attrs?: Record<string, unknown>) => unknown };
  const original = engine.runKernel;
  const kernels: RecordedKernel[] = [];
  const tensors = new Map<number, RecordedTensor>();
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

  engine.runKernel = function (this: unknown, name: string, inputs: Record<string, unknown>, attrs?: Record<string, unknown>) {
    if (state.depth > 0) return original.call(this, name, inputs, attrs);
    state.depth++;
    let result: unknown;
    try {
      result = original.call(this, name, inputs, attrs);
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
  }
  return { kernels, tensors, inputId: input.id, outputs };
}
