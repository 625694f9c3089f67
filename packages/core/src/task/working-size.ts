import { ConfigError, InputError } from '../errors.js';
import { describeValue } from './describe.js';

/**
 * Working-size checks: every head estimates what its next call will allocate and refuses, with an
 * `InputError` saying what and how much, before allocating — because a failed allocation is not recoverable
 * on every backend: tfjs-backend-wasm aborts its module when `malloc` fails ("Aborted()"), and every later
 * kernel of every model on that backend throws. A check that runs first keeps the estimator usable.
 */

/** Pixels an input image may have (det's default since its first version: 100 MP, e.g. 10000x10000). */
export const DEFAULT_MAX_IMAGE_PIXELS = 100e6;

const GIB = 2 ** 30;

/**
 * Estimated backend bytes one network pass needs per input pixel, activations and kernel scratch. Measured with
 * `tf.profile` on the cpu backend (marginal peak: HRNet-W32 pose ≈ 450, HRNet-W48 seg ≈ 730 bytes per pixel)
 * and doubled for the wasm backend's scratch and fragmentation. An estimate, so the limits below are generous.
 */
export const NETWORK_BYTES_PER_PIXEL = 1024;

/** Bytes an RGB image costs as float32 tensors while it is converted (the tensor plus one copy). */
export const IMAGE_BYTES_PER_PIXEL = 24;

/**
 * Default working-size limit: wasm's heap is at most 4 GiB for everything (weights included) and cannot
 * recover from running out, so 2 GiB there; 8 GiB on the other backends (cpu in Node, GPU backends).
 */
export function defaultMaxWorkingBytes(backend: string): number {
  return backend === 'wasm' ? 2 * GIB : 8 * GIB;
}

export interface WorkingSizeOptions {
  /** Most pixels an input image may have (default 100e6). */
  maxImagePixels?: number;
  /** Most bytes one call may estimate to allocate on the backend (default 2 GiB on wasm, 8 GiB elsewhere). */
  maxWorkingBytes?: number;
}

export interface WorkingSizeLimits {
  maxImagePixels: number;
  maxWorkingBytes: number;
}

/** Checks the options (ConfigError) without a backend; `resolveLimits` adds the backend's defaults. */
export function validateWorkingSizeOptions(options: WorkingSizeOptions, where: string): void {
  for (const k of ['maxImagePixels', 'maxWorkingBytes'] as const) {
    const v = options[k];
    if (v !== undefined && !(typeof v === 'number' && v >= 1)) throw new ConfigError(`${where}: ${k}: expected a positive number, found ${describeValue(v)}`);
  }
}

export function resolveLimits(options: WorkingSizeOptions, backend: string): WorkingSizeLimits {
  return {
    maxImagePixels: options.maxImagePixels ?? DEFAULT_MAX_IMAGE_PIXELS,
    maxWorkingBytes: options.maxWorkingBytes ?? defaultMaxWorkingBytes(backend),
  };
}

/** InputError when `width × height` exceeds the limit (read from the image's size, never its pixels). */
export function checkImagePixels(where: string, width: number, height: number, limits: WorkingSizeLimits): void {
  const px = width * height;
  if (px > limits.maxImagePixels) {
    throw new InputError(`${where}: image is ${width}x${height} = ${px} pixels, more than maxImagePixels ${limits.maxImagePixels}; downscale it first`);
  }
}

function mb(bytes: number): string {
  return bytes >= 2 ** 30 ? `${(bytes / 2 ** 30).toFixed(1)} GiB` : `${Math.ceil(bytes / 2 ** 20)} MiB`;
}

/**
 * InputError when the estimated parts of a call add up to more than `maxWorkingBytes`; the message lists the
 * parts and what to change (`advice`).
 */
export function checkWorkingBytes(where: string, parts: Record<string, number>, limits: WorkingSizeLimits, advice: string): void {
  const total = Object.values(parts).reduce((a, b) => a + b, 0);
  if (!(total <= limits.maxWorkingBytes)) {
    const list = Object.entries(parts).map(([k, v]) => `${k} ${mb(v)}`).join(', ');
    throw new InputError(
      `${where}: this call would need about ${mb(total)} of working memory (${list}), more than maxWorkingBytes ${mb(limits.maxWorkingBytes)}; ${advice}`,
    );
  }
}
