/**
 * onnxruntime-node for `--engine onnxruntime` and the bench: an **optional dependency** of the CLI.
 *
 * Why optional and not a peer: the CLI is the application, and an application supplies what it runs (as it
 * supplies tfjs and sharp), so `npm i @hrnetjs/cli`, `npm i -g` and `npx` get a working engine with no second
 * step, at the version our exporter is tested with. Optional and not a plain dependency: its native binaries
 * and its install script (which on Linux x64 fetches CUDA libraries the CLI never uses, and fails offline) must
 * never stop the CLI from installing, since the default tfjs engine needs none of it. When npm leaves it out
 * (`--omit=optional`, a failed install script, a platform without a build), `--engine onnxruntime` says so in
 * words before any model is read.
 *
 * The CLI imports it itself (resolved from the CLI's folder, where npm put its optional dependency) and hands
 * the module to core's engine, rather than letting core resolve the name from its own folder.
 */
import { createRequire } from 'node:module';
import { setOnnxRuntimeLoader } from '@hrnetjs/core';
import { CliError, EXIT } from './exit-codes.js';

// one level above both src/ and dist/ is the package's folder
const requireHere = createRequire(import.meta.url);

/** The onnxruntime-node version the CLI declares (its package.json `optionalDependencies`). */
export function onnxRuntimeNodeVersion(): string {
  const pkg = requireHere('../package.json') as { optionalDependencies?: Record<string, string> };
  return pkg.optionalDependencies?.['onnxruntime-node'] ?? 'unknown';
}

// the name is built at run time so that tsup leaves the import alone (the package is external and native)
const importOrtNode = (): Promise<unknown> => import('onnxruntime-node' as string);
const isInstalled = (): boolean => {
  try {
    requireHere.resolve('onnxruntime-node');
    return true;
  } catch {
    return false;
  }
};

/** How the CLI reaches onnxruntime-node (replaceable in tests). */
export interface OrtNodeAccess {
  /** Imports the package (default: the CLI's own dynamic `import()`). */
  importer?: () => Promise<unknown>;
  /** Whether the package resolves from the CLI's folder at all (a failed import of a present package is a load failure). */
  installed?: () => boolean;
}

/** The message for the person at the terminal when onnxruntime-node is missing or does not load. */
export function onnxRuntimeNodeError(e: unknown, installed: boolean, version = onnxRuntimeNodeVersion()): CliError {
  const error = describeOrtNodeError(e, installed, version);
  error.cause = e;
  return error;
}

function describeOrtNodeError(e: unknown, installed: boolean, version: string): CliError {
  const reason = (e instanceof Error ? e.message : String(e)).split('\n')[0];
  const install = `  ONNXRUNTIME_NODE_INSTALL=skip npm install onnxruntime-node@${version}`;
  const fallback = 'or leave out --engine: the default tfjs engine gives the same results.';
  if (!installed) {
    return new CliError(
      [
        `--engine onnxruntime needs onnxruntime-node ${version}, an optional dependency of @hrnetjs/cli, and it is not installed (${reason}).`,
        'npm leaves it out with --omit=optional, and drops it when its install script fails (on Linux x64 that script',
        'downloads CUDA libraries the CLI does not use, and fails offline). Install it beside the CLI without that download',
        '(add -g when the CLI is installed globally):',
        install,
        fallback,
      ].join('\n'),
      EXIT.error,
    );
  }
  return new CliError(
    [
      `--engine onnxruntime: onnxruntime-node is installed but does not load on ${process.platform}/${process.arch}, Node ${process.versions.node} (${reason}).`,
      `Its prebuilt binaries cover Linux (glibc) x64/arm64, macOS arm64 and Windows x64/arm64. Reinstall version ${version}:`,
      install,
      fallback,
    ].join('\n'),
    EXIT.error,
  );
}

/** Imports onnxruntime-node (the module, or its CommonJS default export), or throws `onnxRuntimeNodeError`. */
export async function loadOnnxRuntimeNode<M extends { InferenceSession?: unknown }>(access: OrtNodeAccess = {}): Promise<M> {
  let mod: (M & { default?: M }) | undefined;
  try {
    mod = (await (access.importer ?? importOrtNode)()) as (M & { default?: M }) | undefined;
  } catch (e) {
    throw onnxRuntimeNodeError(e, (access.installed ?? isInstalled)());
  }
  const ort = mod?.InferenceSession ? mod : mod?.default;
  if (!ort?.InferenceSession) throw onnxRuntimeNodeError(new Error('the module it resolves to has no InferenceSession'), true);
  return ort;
}

/**
 * Loads onnxruntime-node once and makes it what core's `'onnxruntime'` engine uses; called by the task
 * commands with `--engine onnxruntime` before any model is read or downloaded.
 */
export async function useOnnxRuntimeNode(access?: OrtNodeAccess): Promise<void> {
  const ort = await loadOnnxRuntimeNode(access);
  setOnnxRuntimeLoader(async (pkg, importDefault) => (pkg === 'onnxruntime-node' ? ort : importDefault()));
}
