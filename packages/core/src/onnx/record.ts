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

/**
 * Runs `forward(input)` once on the active tfjs backend and records every kernel it dispatches, so the ONNX
 * graph is a translation of the very code the tfjs engine runs (one definition of each network). Only kernels
 * called from op level are recorded (a kernel that dispatches others counts once). Tensors that no recorded
 * kernel made — weights, scalars made inside ops — are constants, and so is the output of a kernel whose inputs
 * are all constants (folded at export time); their values are read when first seen.
 */
export function recordForward(forward: (x: tf.Tensor4D) => unknown, input: tf.Tensor4D): Recording {
  const engine = tf.engine() as unknown as { runKernel: (name: string, inputs: Record<string, unknown>, attrs?: Record<string, unknown>) => unknown };
  const original = engine.runKernel;
  const kernels: RecordedKernel[] = [];
  const tensors = new Map<number, RecordedTensor>();
  const dynamic = new Set<number>([input.id]);
  tensors.set(input.id, { id: input.id, shape: [...input.shape], dtype: input.dtype });
  let depth = 0;

  const see = (t: tf.Tensor): void => {
    if (tensors.has(t.id)) return;
    tensors.set(t.id, { id: t.id, shape: [...t.shape], dtype: t.dtype, values: t.dataSync().slice() });
  };

  engine.runKernel = function (this: unknown, name: string, inputs: Record<string, unknown>, attrs?: Record<string, unknown>) {
    if (depth > 0) return original.call(this, name, inputs, attrs);
    const named: [string, number][] = [];
    for (const [key, v] of Object.entries(inputs)) {
      if (Array.isArray(v)) v.forEach((t, i) => isTensor(t) && (see(t), named.push([`${key}.${i}`, t.id])));
      else if (isTensor(v)) {
        see(v);
        named.push([key, v.id]);
      }
    }
    depth++;
    let result: unknown;
    try {
      result = original.call(this, name, inputs, attrs);
    } finally {
      depth--;
    }
    const outs = (Array.isArray(result) ? result : [result]) as tf.Tensor[];
    const live = named.some(([, id]) => dynamic.has(id));
    for (const t of outs) {
      if (live) {
        dynamic.add(t.id);
        tensors.set(t.id, { id: t.id, shape: [...t.shape], dtype: t.dtype });
      } else see(t);
    }
    if (live) kernels.push({ name, inputs: named, attrs: { ...(attrs ?? {}) }, outputs: outs.map((t) => t.id) });
    return result;
  };

  let outputs: OutputTree<number>;
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
  }
  return { kernels, tensors, inputId: input.id, outputs };
}
