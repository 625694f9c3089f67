import * as tf from '@tensorflow/tfjs-core';

/** Shape and dtype of a kernel output. */
export interface ShapeOf {
  shape: number[];
  dtype: tf.DataType;
}

type Inputs = Record<string, unknown>;
type Attrs = Record<string, unknown>;

const t = (inputs: Inputs, name: string): tf.TensorInfo => inputs[name] as tf.TensorInfo;
/** The tensors of a list kernel (Concat, AddN): the ops pass the array itself as `inputs`. */
const listOf = (inputs: Inputs): tf.TensorInfo[] =>
  (Array.isArray(inputs) ? inputs : Array.isArray(inputs.tensors) ? inputs.tensors : Object.values(inputs)) as tf.TensorInfo[];
const same = (x: tf.TensorInfo): ShapeOf[] => [{ shape: [...x.shape], dtype: x.dtype }];

const UNARY = new Set(['Relu', 'Sigmoid', 'Exp', 'Sqrt', 'Neg', 'Abs', 'Log', 'Tanh', 'Reciprocal', 'Floor', 'Ceil', 'Square', 'Rsqrt', 'Relu6', 'Elu', 'Identity', 'LeakyRelu']);
const BINARY = new Set(['Add', 'Sub', 'Multiply', 'RealDiv', 'Maximum', 'Minimum', 'Pow', 'SquaredDifference']);

/**
 * The output shapes of a tfjs kernel call, computed with tfjs's own shape helpers (`backend_util`, `slice_util`)
 * from its inputs' shapes and its attributes, without running it — what lets `recordForward` record a forward
 * pass with shape-only placeholders (a full-size pass of seg or FCOS costs seconds on tfjs). One rule per kernel
 * kind the exporter translates, not per network: the graph still comes from the network's one `forward`.
 * `undefined` for a kernel without a rule; the recorder then runs that one kernel for real, on zeros.
 */
export function kernelOutputShapes(name: string, inputs: Inputs, attrs: Attrs): ShapeOf[] | undefined {
  const a = attrs;
  if (UNARY.has(name)) return same(t(inputs, 'x'));
  if (BINARY.has(name)) {
    const l = t(inputs, 'a');
    const r = t(inputs, 'b');
    return [{ shape: tf.backend_util.assertAndGetBroadcastShape(l.shape, r.shape), dtype: tf.upcastType(l.dtype, r.dtype) }];
  }
  switch (name) {
    case 'Cast':
      return [{ shape: [...t(inputs, 'x').shape], dtype: a.dtype as tf.DataType }];
    case 'Softmax':
      return same(t(inputs, 'logits'));
    case 'FusedBatchNorm':
      return same(t(inputs, 'x'));
    case 'hrnet.GroupNorm':
      return same(t(inputs, 'x'));
    case 'AddN': {
      return same(listOf(inputs)[0]!);
    }
    case 'Conv2D':
    case 'FusedConv2D':
    case 'DepthwiseConv2dNative':
    case 'FusedDepthwiseConv2D': {
      const x = t(inputs, 'x');
      const f = t(inputs, 'filter');
      const depthwise = name.includes('Depthwise');
      const info = tf.backend_util.computeConv2DInfo(
        x.shape as [number, number, number, number],
        f.shape as [number, number, number, number],
        a.strides as number | [number, number],
        (a.dilations ?? 1) as number | [number, number],
        a.pad as 'valid',
        a.dimRoundingMode as 'floor' | undefined,
        depthwise,
        ((a.dataFormat as string | undefined) ?? 'NHWC') === 'NCHW' ? 'channelsFirst' : 'channelsLast',
      );
      return [{ shape: [...info.outShape], dtype: x.dtype }];
    }
    case 'Conv2DBackpropInput':
      return [{ shape: [...(a.inputShape as number[])], dtype: t(inputs, 'dy').dtype }];
    case 'AvgPool':
    case 'MaxPool': {
      const x = t(inputs, 'x');
      const info = tf.backend_util.computePool2DInfo(
        x.shape as [number, number, number, number],
        a.filterSize as number | [number, number],
        a.strides as number | [number, number],
        1,
        a.pad as 'valid',
        a.dimRoundingMode as 'floor' | undefined,
      );
      return [{ shape: [...info.outShape], dtype: x.dtype }];
    }
    case 'ResizeBilinear':
    case 'ResizeNearestNeighbor': {
      const x = t(inputs, 'images');
      const [h, w] = a.size as [number, number];
      const s = x.shape;
      // tfjs resizes 3-D images too: [h, w, c]
      return [{ shape: s.length === 4 ? [s[0]!, h, w, s[3]!] : [h, w, s[2]!], dtype: 'float32' }];
    }
    case 'Concat': {
      const list = listOf(inputs);
      const axis = tf.util.parseAxisParam(a.axis as number, list[0]!.shape)[0]!;
      // the kernel drops empty tensors before concatenating
      const kept = list.filter((x) => tf.util.sizeFromShape(x.shape) > 0);
      const shapes = (kept.length ? kept : list).map((x) => x.shape);
      return [{ shape: tf.backend_util.computeOutShape(shapes, axis), dtype: list[0]!.dtype }];
    }
    case 'Reshape': {
      const x = t(inputs, 'x');
      return [{ shape: tf.util.inferFromImplicitShape([...(a.shape as number[])], tf.util.sizeFromShape(x.shape)), dtype: x.dtype }];
    }
    case 'Transpose': {
      const x = t(inputs, 'x');
      return [{ shape: (a.perm as number[]).map((p) => x.shape[p]!), dtype: x.dtype }];
    }
    case 'PadV2': {
      const x = t(inputs, 'x');
      const paddings = a.paddings as [number, number][];
      return [{ shape: x.shape.map((d, i) => d + paddings[i]![0] + paddings[i]![1]), dtype: x.dtype }];
    }
    case 'Slice': {
      const x = t(inputs, 'x');
      const [, size] = tf.slice_util.parseSliceParams(x, a.begin as number[], a.size as number[]);
      return [{ shape: [...size!], dtype: x.dtype }];
    }
    case 'SplitV': {
      const x = t(inputs, 'x');
      const axis = tf.util.parseAxisParam(a.axis as number, x.shape)[0]!;
      const sizes = tf.backend_util.prepareSplitSize(x, a.numOrSizeSplits as number | number[], axis);
      return sizes.map((s) => ({ shape: x.shape.map((d, i) => (i === axis ? s : d)), dtype: x.dtype }));
    }
    case 'Mean':
    case 'Sum':
    case 'Max':
    case 'Min': {
      const x = t(inputs, 'x');
      const axes = tf.util.parseAxisParam(a.axis as number | number[], x.shape);
      const keep = a.keepDims === true;
      const shape = keep ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d)) : x.shape.filter((_, i) => !axes.includes(i));
      const dtype: tf.DataType = name === 'Mean' ? 'float32' : name === 'Sum' ? tf.upcastType(x.dtype, 'int32') : x.dtype;
      return [{ shape, dtype }];
    }
    case 'BatchMatMul':
    case '_FusedMatMul': {
      const l = t(inputs, 'a').shape;
      const r = t(inputs, 'b').shape;
      const m = a.transposeA ? l[l.length - 1]! : l[l.length - 2]!;
      const n = a.transposeB ? r[r.length - 2]! : r[r.length - 1]!;
      const outer = tf.backend_util.assertAndGetBroadcastShape(l.slice(0, -2), r.slice(0, -2));
      return [{ shape: [...outer, m, n], dtype: t(inputs, 'a').dtype }];
    }
    default:
      return undefined;
  }
}
