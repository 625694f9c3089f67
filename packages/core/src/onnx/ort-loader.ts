import { EngineError } from '../errors.js';

/** The onnxruntime package the engine imports: `onnxruntime-node` in Node, `onnxruntime-web` in browsers. */
export type OnnxRuntimePackage = 'onnxruntime-node' | 'onnxruntime-web';

/**
 * Imports an onnxruntime package and returns its module namespace (or its default export). Replaceable with
 * `setOnnxRuntimeLoader`: an app that bundles onnxruntime in its own way (a CDN build, `onnxruntime-web/webgpu`)
 * passes its module in, a wrapper calls `importDefault` (the engine's own dynamic `import()`) and adapts what it
 * gets, and tests simulate the package missing.
 */
export type OnnxRuntimeLoader = (pkg: OnnxRuntimePackage, importDefault: () => Promise<unknown>) => Promise<unknown>;

export const isNode = (): boolean => typeof process !== 'undefined' && typeof process.versions?.node === 'string';

const importPackage = (pkg: OnnxRuntimePackage): Promise<unknown> =>
  // node's name is built at run time so that browser bundlers never try to resolve the native package
  pkg === 'onnxruntime-node' ? import(/* @vite-ignore */ pkg as string) : import('onnxruntime-web');
const defaultLoader: OnnxRuntimeLoader = (pkg) => importPackage(pkg);

let loader: OnnxRuntimeLoader = defaultLoader;

/**
 * Sets how the `'onnxruntime'` engine imports onnxruntime (`null` restores the default dynamic `import()`).
 * Takes effect for engines created afterwards.
 */
export function setOnnxRuntimeLoader(custom: OnnxRuntimeLoader | null): void {
  if (custom !== null && typeof custom !== 'function') {
    throw new EngineError(`setOnnxRuntimeLoader: expected a function (package name) => module, or null, found ${typeof custom}`);
  }
  loader = custom ?? defaultLoader;
}

/** Imports onnxruntime (node in Node, web in browsers) or says which package to install. */
export async function loadOnnxRuntime<M extends { InferenceSession?: unknown }>(): Promise<{ ort: M; name: OnnxRuntimePackage }> {
  const name: OnnxRuntimePackage = isNode() ? 'onnxruntime-node' : 'onnxruntime-web';
  let mod: (M & { default?: M }) | undefined;
  try {
    mod = (await loader(name, () => importPackage(name))) as (M & { default?: M }) | undefined;
  } catch (e) {
    throw new EngineError(`engine 'onnxruntime' needs the package ${name} (an optional peer dependency): install it, e.g. \`npm install ${name}\` (${(e as Error).message})`);
  }
  const ort = mod?.InferenceSession ? mod : mod?.default;
  if (!ort?.InferenceSession) {
    throw new EngineError(`engine 'onnxruntime': expected the ${name} module (with InferenceSession), found ${mod === null || mod === undefined ? String(mod) : `a module with ${Object.keys(mod).slice(0, 5).join(', ') || 'no exports'}`}`);
  }
  return { ort, name };
}
