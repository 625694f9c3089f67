import * as tf from '@tensorflow/tfjs-core';
import { EngineError, ShapeError } from '../errors.js';
import type { Module } from '../nn/module.js';
import type { EngineOptions, NetworkRunner } from '../task/types.js';
import { type OnnxExportInfo, exportOnnx, readExportInfo } from './export.js';
import { isNode, loadOnnxRuntime } from './ort-loader.js';
import { type OutputTree, mapTree } from './record.js';

/**
 * The part of the onnxruntime API (the same in `onnxruntime-node` and `onnxruntime-web`) the engine uses. Typed
 * here so that core builds without either package: both are optional peers, imported only when asked for.
 */
interface OrtTensor {
  readonly data: unknown;
  readonly dims: readonly number[];
  dispose?(): void;
}
interface OrtSession {
  run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>>;
  release(): Promise<void>;
}
export interface OrtModule {
  InferenceSession: { create(model: Uint8Array, options?: Record<string, unknown>): Promise<OrtSession> };
  Tensor: new (type: 'float32', data: Float32Array, dims: readonly number[]) => OrtTensor;
  env: { wasm?: { numThreads?: number; wasmPaths?: unknown } };
}

/** The machine's cores: `os.availableParallelism()` in Node, `navigator.hardwareConcurrency` in browsers. */
async function machineThreads(): Promise<number> {
  if (isNode()) {
    const os = await import(/* @vite-ignore */ 'node:os' as string);
    return (os.availableParallelism?.() as number | undefined) ?? os.cpus().length;
  }
  return (typeof navigator !== 'undefined' && navigator.hardwareConcurrency) || 1;
}

/** Why this browser cannot run onnxruntime-web's WebGPU provider, or null when it can (an adapter exists). */
async function webgpuMissing(): Promise<string | null> {
  const gpu = (globalThis.navigator as { gpu?: { requestAdapter(): Promise<unknown> } } | undefined)?.gpu;
  if (!gpu) return `navigator.gpu is absent${typeof isSecureContext !== 'undefined' && !isSecureContext ? ': the page is not a secure context' : ''}`;
  try {
    return (await gpu.requestAdapter()) ? null : 'navigator.gpu.requestAdapter() found no adapter';
  } catch (e) {
    return `navigator.gpu.requestAdapter() failed: ${(e as Error).message}`;
  }
}

interface Session {
  session: OrtSession;
  info: OnnxExportInfo;
}

/**
 * The onnxruntime engine over a prepared network: the network is exported to ONNX once per input size (the
 * size-dependent heads — multi-scale and sliding-window segmentation, detection — get one cached session per
 * size) or taken from `engineOptions.onnxModel`, which fixes the size. NHWC goes in as it is and NHWC comes out
 * (the graph transposes at its ends), so the only copies on the JS side are tfjs ↔ onnxruntime.
 */
export async function createOnnxRunner<Out>(model: Module<tf.Tensor4D, Out>, options: EngineOptions): Promise<NetworkRunner<Out>> {
  const { ort, name } = await loadOnnxRuntime<OrtModule>();
  const threads = options.threads ?? (await machineThreads());
  const web = name === 'onnxruntime-web';
  if (web && ort.env.wasm) {
    // onnxruntime-web's threads are global and need a cross-origin isolated page (SharedArrayBuffer)
    const isolated = typeof crossOriginIsolated !== 'undefined' && crossOriginIsolated;
    ort.env.wasm.numThreads = isolated ? threads : 1;
    if (options.wasmPaths !== undefined) ort.env.wasm.wasmPaths = options.wasmPaths;
  }
  let providers = [...(options.executionProviders ?? [web ? 'wasm' : 'cpu'])];
  let fallback = '';
  if (web && providers.includes('webgpu')) {
    // onnxruntime-web would only find out at the first run (lazy session), as "no available backend found": say it
    // now, in words, and use the providers listed after 'webgpu' when there are some (the documented fallback)
    const missing = await webgpuMissing();
    if (missing) {
      const rest = providers.filter((p) => p !== 'webgpu');
      if (rest.length === 0) {
        throw new EngineError(
          `engineOptions.executionProviders: 'webgpu' needs a browser with WebGPU, and this one has none (${missing}); ask for ['webgpu', 'wasm'] to fall back to wasm, or ['wasm']`,
        );
      }
      providers = rest;
      fallback = ` (webgpu unavailable: ${missing})`;
    }
  }
  const sessionOptions: Record<string, unknown> = { executionProviders: [...providers], graphOptimizationLevel: 'all' };
  if (!web) {
    sessionOptions.intraOpNumThreads = threads;
    sessionOptions.interOpNumThreads = 1;
  }
  const given = options.onnxModel ? new Uint8Array(options.onnxModel instanceof ArrayBuffer ? options.onnxModel : options.onnxModel) : null;
  const givenInfo = given ? readExportInfo(given) : null;

  const sessions = new Map<string, Promise<Session>>();
  let disposed = false;
  const open = async (width: number, height: number, channels: number): Promise<Session> => {
    if (givenInfo) {
      const [w, h] = givenInfo.inputSize;
      if (w !== width || h !== height || givenInfo.channels !== channels) {
        throw new ShapeError(
          `engineOptions.onnxModel was exported for input ${w}x${h}x${givenInfo.channels} (width x height x channels); found an input of ${width}x${height}x${channels}: export it for this size (hrnet convert --to onnx --input-size ${width}x${height})`,
        );
      }
    }
    const bytes = given ?? exportOnnx(model, { inputSize: [width, height], channels });
    const info = givenInfo ?? readExportInfo(bytes);
    try {
      return { session: await ort.InferenceSession.create(bytes, sessionOptions), info };
    } catch (e) {
      throw new EngineError(`${name} could not open the exported network (${(e as Error).message})`);
    }
  };

  const used = web ? (ort.env.wasm?.numThreads ?? 1) : threads;
  return {
    engine: 'onnxruntime',
    description: `${name} ${providers.join('/')}, ${used} thread${used === 1 ? '' : 's'}${fallback}`,
    run: async (input: tf.Tensor4D) => {
      if (disposed) throw new EngineError('onnxruntime engine: used after dispose()');
      if (input.rank !== 4) throw new ShapeError(`onnxruntime engine: expected an NHWC batch, found shape [${input.shape.join(', ')}]`);
      const [n, h, w, c] = input.shape;
      const key = `${w}x${h}x${c}`;
      let pending = sessions.get(key);
      if (!pending) {
        pending = open(w, h, c);
        sessions.set(key, pending);
        pending.catch(() => sessions.delete(key));
      }
      const { session, info } = await pending;
      // a file written NCHW (exportOnnx layout 'NCHW') is fed and read through tfjs transposes
      const nchw = info.layout === 'NCHW';
      const fed = nchw ? tf.transpose(input, [0, 3, 1, 2]) : input;
      const data = (await fed.data()) as Float32Array;
      if (fed !== input) fed.dispose();
      const feed = new ort.Tensor('float32', data, nchw ? [n, c, h, w] : [n, h, w, c]);
      const results = await session.run({ input: feed });
      feed.dispose?.();
      const out = mapTree(info.outputs as OutputTree<number>, (v): v is number => typeof v === 'number', (i) => {
        const r = results[`output_${i}`]!;
        const t = tf.tensor(r.data as Float32Array, [...r.dims]);
        r.dispose?.();
        if (!nchw || t.rank !== 4) return t;
        const back = tf.transpose(t, [0, 2, 3, 1]);
        t.dispose();
        return back;
      });
      return out as unknown as Out;
    },
    dispose: () => {
      if (disposed) return;
      disposed = true;
      for (const p of sessions.values()) p.then((s) => s.session.release()).catch(() => {});
      sessions.clear();
    },
  };
}
