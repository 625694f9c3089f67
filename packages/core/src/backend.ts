import * as tf from '@tensorflow/tfjs-core';
import { BackendError, ConfigError } from './errors.js';
import { describeValue } from './task/describe.js';

/** tfjs backend names; `tensorflow` is the native one registered by `@tensorflow/tfjs-node`. */
export type BackendName = 'webgpu' | 'webgl' | 'wasm' | 'cpu' | 'tensorflow';

export interface BackendAttempt {
  name: BackendName;
  ok: boolean;
  /** Why it was or was not taken: "initialised", "package not installed", "no WebGPU adapter", … */
  reason: string;
}

export interface BackendChoice {
  /** The backend now active (`tf.getBackend()`). */
  name: BackendName;
  /** One line a person can read: which backend runs and why. */
  reason: string;
  /** Every backend tried, in order. */
  attempts: BackendAttempt[];
}

/** The three builds of tfjs-backend-wasm; tfjs fetches the one the browser can run (plain, SIMD, threaded SIMD). */
export const TFJS_WASM_FILES = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'] as const;
export type TfjsWasmFile = (typeof TFJS_WASM_FILES)[number];

export interface SelectBackendOptions {
  /**
   * Where tfjs-backend-wasm fetches its `.wasm` files; passed to `setWasmPaths`. A URL prefix (a folder that
   * serves all three), or a map file name → URL, which is what a bundler gives (Vite: `import simd from
   * '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url'`).
   */
  wasmPaths?: string | Partial<Record<TfjsWasmFile, string>>;
  /**
   * tfjs wasm threads in browsers. Default: `navigator.hardwareConcurrency` on a cross-origin isolated page
   * (threads need SharedArrayBuffer, so elsewhere the wasm backend runs one thread whatever is asked).
   */
  wasmThreads?: number;
}

const TFJS_NODE: string = '@tensorflow/tfjs-node';

export const BROWSER_ORDER: readonly BackendName[] = ['webgpu', 'webgl', 'wasm', 'cpu'];
export const NODE_ORDER: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu'];

export function isNode(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof p?.versions?.node === 'string' && typeof (globalThis as { window?: unknown }).window === 'undefined';
}

/** Every core on a cross-origin isolated page (where wasm threads exist); otherwise undefined. */
function browserThreads(): number | undefined {
  const g = globalThis as { crossOriginIsolated?: boolean; navigator?: { hardwareConcurrency?: number } };
  return !isNode() && g.crossOriginIsolated === true && g.navigator?.hardwareConcurrency ? g.navigator.hardwareConcurrency : undefined;
}

/**
 * A `wasmPaths` tfjs can use, or a `ConfigError` saying why not: tfjs itself would take a misspelt file name
 * or a non-string URL silently and fail later with a bare 404 (or "failed to compile wasm"), far from the cause.
 */
export function checkWasmPaths(paths: unknown): void {
  if (paths === undefined || typeof paths === 'string') return;
  if (typeof paths !== 'object' || paths === null || Array.isArray(paths)) {
    throw new ConfigError(`wasmPaths: expected a URL prefix or a map of ${TFJS_WASM_FILES.join(', ')} to URLs, found ${describeValue(paths)}`);
  }
  const entries = Object.entries(paths);
  if (entries.length === 0) throw new ConfigError(`wasmPaths: an empty map; give URLs for ${TFJS_WASM_FILES.join(', ')}`);
  for (const [name, url] of entries) {
    if (!(TFJS_WASM_FILES as readonly string[]).includes(name)) {
      throw new ConfigError(`wasmPaths: unknown file '${name}'; tfjs-backend-wasm fetches ${TFJS_WASM_FILES.join(', ')}`);
    }
    if (typeof url !== 'string' || url === '') throw new ConfigError(`wasmPaths['${name}']: expected a URL string, found ${describeValue(url)}`);
  }
}

/** The order `selectBackend` tries when nothing is preferred: the fastest that can exist here first. */
export function defaultBackendOrder(): readonly BackendName[] {
  return isNode() ? NODE_ORDER : BROWSER_ORDER;
}

/**
 * Registers a backend by importing its package (imports are literal so bundlers can see them; each is an
 * optional peer dependency). Returns a reason string on failure.
 */
async function register(name: BackendName, options: SelectBackendOptions): Promise<string | null> {
  if (tf.findBackendFactory(name)) return null;
  try {
    switch (name) {
      case 'cpu':
        await import('@tensorflow/tfjs-backend-cpu');
        break;
      case 'wasm': {
        const wasm = await import('@tensorflow/tfjs-backend-wasm');
        if (options.wasmPaths) wasm.setWasmPaths(options.wasmPaths as Parameters<typeof wasm.setWasmPaths>[0]);
        // set before the backend initialises; tfjs would otherwise pick its own pool size
        // (browsers only: Node's wasm backend runs one thread and the option is documented as a browser one)
        const threads = isNode() ? undefined : (options.wasmThreads ?? browserThreads());
        if (threads !== undefined) wasm.setThreadsCount(threads);
        break;
      }
      case 'webgl':
        await import('@tensorflow/tfjs-backend-webgl');
        break;
      case 'webgpu':
        await import('@tensorflow/tfjs-backend-webgpu');
        break;
      case 'tensorflow':
        if (!isNode()) return 'only available in Node';
        // a variable specifier keeps browser bundlers from trying to bundle the native package
        await import(/* @vite-ignore */ TFJS_NODE);
        break;
    }
  } catch (e) {
    return `package @tensorflow/tfjs-${name === 'tensorflow' ? 'node' : `backend-${name}`} not installed or failed to load (${(e as Error).message.split('\n')[0]})`;
  }
  return tf.findBackendFactory(name) ? null : 'package loaded but registered no backend (two copies of tfjs-core?)';
}

async function tryBackend(name: BackendName, options: SelectBackendOptions): Promise<BackendAttempt> {
  if (name === 'webgpu' && !(globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu) {
    return { name, ok: false, reason: 'WebGPU is not available here (no navigator.gpu)' };
  }
  const failure = await register(name, options);
  if (failure) return { name, ok: false, reason: failure };
  try {
    // setBackend resolves to false (it does not throw) when the backend's factory fails, e.g. no GPU adapter
    const ok = await tf.setBackend(name);
    if (!ok) return { name, ok: false, reason: 'failed to initialise (setBackend returned false)' };
    await tf.ready();
    return { name, ok: true, reason: 'initialised' };
  } catch (e) {
    return { name, ok: false, reason: `failed to initialise: ${(e as Error).message}` };
  }
}

/**
 * Activates the best backend that actually initialises and reports the choice.
 * With `preference` (a name or an ordered list) only those are tried, in that order; without it, the
 * default order (browser: webgpu → webgl → wasm → cpu; Node: tfjs-node → wasm → cpu).
 * Throws `BackendError` listing every attempt when none works.
 */
export async function selectBackend(
  preference?: BackendName | readonly BackendName[],
  options: SelectBackendOptions = {},
): Promise<BackendChoice> {
  checkWasmPaths(options.wasmPaths);
  const explicit = preference !== undefined;
  const order = preference === undefined ? defaultBackendOrder() : typeof preference === 'string' ? [preference] : preference;
  const attempts: BackendAttempt[] = [];
  for (const name of order) {
    const attempt = await tryBackend(name, options);
    attempts.push(attempt);
    if (attempt.ok) {
      const skipped = attempts.filter((a) => !a.ok).map((a) => `${a.name}: ${a.reason}`);
      const why = explicit ? 'requested' : 'best available';
      const reason = `using ${name} (${why})${skipped.length ? `; skipped ${skipped.join('; ')}` : ''}`;
      return { name, reason, attempts };
    }
  }
  throw new BackendError(
    `no tfjs backend could be initialised; tried ${attempts.map((a) => `${a.name} (${a.reason})`).join(', ')}`,
  );
}

/**
 * What the task factories (`createPoseEstimator`, `createSegmenter`, …) do with their `backend` option, so
 * every head behaves alike: with a preference, `selectBackend(preference)`; without one, the backend the app
 * already activated is kept (an app that set up tfjs itself is never switched), and only when none is
 * active yet is the best available one selected.
 */
export async function ensureBackend(
  preference?: BackendName | readonly BackendName[],
  options: SelectBackendOptions = {},
): Promise<BackendChoice> {
  if (preference !== undefined) return selectBackend(preference, options);
  const active = (tf.engine() as { backendName: string | null }).backendName;
  if (active) {
    await tf.ready();
    return { name: active as BackendName, reason: `using ${active} (already active)`, attempts: [] };
  }
  return selectBackend(undefined, options);
}
