import * as tf from '@tensorflow/tfjs-core';
import { ShapeError } from '../errors.js';
import { type HostTensor, sizeOf } from '../io/state-dict.js';

/**
 * How a PyTorch tensor maps onto the tfjs layout we compute in. Conversion happens once, when a value is
 * assigned, so inference never transposes weights.
 * - `plain`: same layout (biases, BatchNorm vectors).
 * - `conv`: PyTorch OIHW → tfjs HWIO (`[kh, kw, in/groups, out]`).
 * - `depthwise`: PyTorch `[C, 1, kh, kw]` → tfjs depthwise `[kh, kw, C, 1]`.
 * - `linear`: PyTorch `[out, in]` → `[in, out]` for `tf.matMul(x, w)`.
 * - `convTranspose`: PyTorch `ConvTranspose2d` IOHW `[in, out/groups, kh, kw]` → tfjs `conv2dTranspose`'s
 *   `[kh, kw, out, in]` (the same permutation as `conv`; its own name because the output channel is axis 2).
 */
export type TorchLayout = 'plain' | 'conv' | 'depthwise' | 'linear' | 'convTranspose';

const TO_TFJS: Record<TorchLayout, number[] | null> = {
  plain: null,
  conv: [2, 3, 1, 0],
  depthwise: [2, 3, 0, 1],
  linear: [1, 0],
  convTranspose: [2, 3, 1, 0],
};

function inverse(perm: number[]): number[] {
  const inv = new Array<number>(perm.length);
  perm.forEach((p, i) => (inv[p] = i));
  return inv;
}

/**
 * `data` of `shape` with its axes permuted (output axis i is input axis `perm[i]`), on the host. Used for the
 * PyTorch ↔ tfjs weight layouts instead of `tf.transpose`: tfjs-backend-cpu's transpose costs microseconds an
 * element (11 s for one 1024x512x3x3 conv), this loop a few nanoseconds, and it needs no backend memory.
 */
export function permuteHost(data: Float32Array, shape: readonly number[], perm: readonly number[]): Float32Array {
  const rank = shape.length;
  if (rank > 4 || perm.length !== rank) throw new ShapeError(`permuteHost: rank ${rank} with perm [${perm.join(', ')}]`);
  const inStrides = new Array<number>(rank);
  for (let i = rank - 1, s = 1; i >= 0; i--) {
    inStrides[i] = s;
    s *= shape[i]!;
  }
  // pad to 4 axes in front, so one loop nest serves every rank
  const dims = [1, 1, 1, 1];
  const strides = [0, 0, 0, 0];
  for (let i = 0; i < rank; i++) {
    dims[4 - rank + i] = shape[perm[i]!]!;
    strides[4 - rank + i] = inStrides[perm[i]!]!;
  }
  const [d0, d1, d2, d3] = dims as [number, number, number, number];
  const [s0, s1, s2, s3] = strides as [number, number, number, number];
  const out = new Float32Array(data.length);
  let o = 0;
  for (let a = 0; a < d0; a++) {
    for (let b = 0; b < d1; b++) {
      for (let c = 0; c < d2; c++) {
        let i = a * s0 + b * s1 + c * s2;
        for (let d = 0; d < d3; d++, i += s3) out[o++] = data[i]!;
      }
    }
  }
  return out;
}

/**
 * A named tensor of a module: a learnable parameter, a buffer (BatchNorm running statistics), or a
 * host-only counter (`num_batches_tracked`, kept only so `stateDict()` has PyTorch's exact key set).
 */
export class Parameter {
  private tensor: tf.Tensor | null = null;
  private host: HostTensor | null = null;
  /** Set once `release` freed a value that inference no longer reads (see `releaseUnfusedWeights`). */
  released = false;

  constructor(
    readonly torchShape: number[],
    readonly layout: TorchLayout,
    readonly kind: 'parameter' | 'buffer' | 'counter',
    init?: () => tf.Tensor,
  ) {
    if (kind === 'counter') this.host = { dtype: 'int32', shape: [...torchShape], data: new Int32Array(1) };
    else if (init) this.tensor = tf.keep(init());
  }

  /** Value in tfjs layout (throws for counters, which never reach the backend). */
  get value(): tf.Tensor {
    if (!this.tensor) throw new ShapeError(`parameter has no value (kind ${this.kind})`);
    return this.tensor;
  }

  get size(): number {
    return sizeOf(this.torchShape);
  }

  /** Takes a PyTorch-layout host tensor; `key` only names the parameter in errors. */
  assign(src: HostTensor, key: string): void {
    if (src.shape.length !== this.torchShape.length || src.shape.some((d, i) => d !== this.torchShape[i])) {
      throw new ShapeError(
        `${key}: expected shape [${this.torchShape.join(', ')}], found [${src.shape.join(', ')}]`,
      );
    }
    if (this.kind === 'counter') {
      this.host = { dtype: 'int32', shape: [...src.shape], data: Int32Array.from(src.data) };
      return;
    }
    const perm = TO_TFJS[this.layout];
    const data = src.data instanceof Float32Array ? src.data : Float32Array.from(src.data);
    if (!perm) this.replace(tf.tensor(Float32Array.from(data), src.shape, 'float32'));
    else this.replace(tf.tensor(permuteHost(data, src.shape, perm), perm.map((a) => src.shape[a]!), 'float32'));
  }

  /** Replace the tfjs-layout value (used by initialisers and by fusion); the old tensor is disposed. */
  replace(next: tf.Tensor): void {
    this.tensor?.dispose();
    this.tensor = tf.keep(next);
  }

  /** The value in PyTorch layout, on the host. */
  toHost(): HostTensor {
    if (this.kind === 'counter') return this.host!;
    const perm = TO_TFJS[this.layout];
    const data = this.value.dataSync() as Float32Array;
    return {
      dtype: 'float32',
      shape: [...this.torchShape],
      // dataSync may hand out the backend's own buffer: the unpermuted case copies so callers own what they get
      data: perm ? permuteHost(data, this.value.shape, inverse(perm)) : Float32Array.from(data),
    };
  }

  dispose(): void {
    this.tensor?.dispose();
    this.tensor = null;
  }

  /** Frees the value for good: inference reads a fused copy instead. */
  release(): void {
    this.dispose();
    this.released = true;
  }
}
