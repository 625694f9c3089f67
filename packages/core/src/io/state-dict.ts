import { CheckpointError } from '../errors.js';

/** Element types a state dict tensor is held in after loading: floats of any width become float32. */
export type HostDType = 'float32' | 'int32';

/**
 * One tensor of a checkpoint, held on the host (not a tfjs tensor): loading a file allocates no backend
 * memory, and layout conversion (OIHW → HWIO) happens once, when a module takes the value.
 * `shape` is PyTorch's (NCHW / OIHW) shape.
 */
export interface HostTensor {
  dtype: HostDType;
  shape: number[];
  data: Float32Array | Int32Array;
}

/** Parameter name (official PyTorch `state_dict` key) → tensor, in file order. */
export type StateDict = Map<string, HostTensor>;

export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Build a host tensor, checking that the data length fits the shape. */
export function hostTensor(data: Float32Array | Int32Array, shape: number[]): HostTensor {
  if (data.length !== sizeOf(shape)) {
    throw new CheckpointError(`tensor data holds ${data.length} values but shape [${shape.join(', ')}] needs ${sizeOf(shape)}`);
  }
  return { dtype: data instanceof Float32Array ? 'float32' : 'int32', shape, data };
}
