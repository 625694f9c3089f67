/**
 * How the CLI reaches onnxruntime-node (its optional dependency): the module it hands core's engine, and the
 * words when npm left the package out or its binary does not load. The packed CLI running `--engine
 * onnxruntime` from an npm install, and without the package, is scripts/pack-test.mjs.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { loadOnnxRuntime, setOnnxRuntimeLoader } from '@hrnetjs/core';
import { CliError, EXIT } from '../src/exit-codes.js';
import { loadOnnxRuntimeNode, onnxRuntimeNodeVersion, useOnnxRuntimeNode } from '../src/onnxruntime.js';

const declared = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { optionalDependencies: Record<string, string> })
  .optionalDependencies['onnxruntime-node']!;

const notFound = () =>
  Promise.reject(Object.assign(new Error("Cannot find package 'onnxruntime-node' imported from /x/cli/dist/bin.js"), { code: 'ERR_MODULE_NOT_FOUND' }));

async function failure(p: Promise<unknown>): Promise<CliError> {
  const e = await p.then(
    () => null,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(CliError);
  return e as CliError;
}

afterEach(() => setOnnxRuntimeLoader(null));

describe("the CLI's onnxruntime-node", () => {
  it('is an exact version in optionalDependencies, and that version is what the messages name', () => {
    expect(declared).toMatch(/^\d+\.\d+\.\d+$/);
    expect(onnxRuntimeNodeVersion()).toBe(declared);
  });

  it('left out by npm: exit 1, says it is an optional dependency and gives the install line without the CUDA download', async () => {
    const e = await failure(loadOnnxRuntimeNode({ importer: notFound, installed: () => false }));
    expect(e.code).toBe(EXIT.error);
    const lines = e.message.split('\n');
    expect(lines[0]).toBe(
      `--engine onnxruntime needs onnxruntime-node ${declared}, an optional dependency of @hrnetjs/cli, and it is not installed (Cannot find package 'onnxruntime-node' imported from /x/cli/dist/bin.js).`,
    );
    expect(lines).toContain(`  ONNXRUNTIME_NODE_INSTALL=skip npm install onnxruntime-node@${declared}`);
    expect(e.message).toMatch(/--omit=optional/);
    expect(e.message).toMatch(/add -g when the CLI is installed globally/);
    expect(lines.at(-1)).toBe('or leave out --engine: the default tfjs engine gives the same results.');
    expect((e.cause as Error).message).toMatch(/^Cannot find package/);
  });

  it('present but its binary does not load: names the platform and the loader error, not "not installed"', async () => {
    const dlopen = () => Promise.reject(new Error('libonnxruntime.so.1: cannot open shared object file: No such file or directory'));
    const e = await failure(loadOnnxRuntimeNode({ importer: dlopen, installed: () => true }));
    expect(e.code).toBe(EXIT.error);
    expect(e.message.split('\n')[0]).toBe(
      `--engine onnxruntime: onnxruntime-node is installed but does not load on ${process.platform}/${process.arch}, Node ${process.versions.node} (libonnxruntime.so.1: cannot open shared object file: No such file or directory).`,
    );
    expect(e.message).not.toMatch(/not installed/);
    const empty = await failure(loadOnnxRuntimeNode({ importer: async () => ({ default: {} }), installed: () => true }));
    expect(empty.message).toMatch(/the module it resolves to has no InferenceSession/);
  });

  it('installed (as in this repository): the real module, and core\'s engine then gets exactly that module', async () => {
    const ort = await loadOnnxRuntimeNode<{ InferenceSession: { create: unknown }; Tensor: unknown }>();
    expect(typeof ort.InferenceSession.create).toBe('function');
    await useOnnxRuntimeNode();
    const viaCore = await loadOnnxRuntime<{ InferenceSession?: unknown }>();
    expect(viaCore.name).toBe('onnxruntime-node');
    expect(viaCore.ort).toBe(ort);
    // a stand-in module shows the hand-over is the CLI's import, not core's own
    const fake = { InferenceSession: { create: () => Promise.reject(new Error('fake')) } };
    await useOnnxRuntimeNode({ importer: async () => ({ default: fake }) });
    expect((await loadOnnxRuntime()).ort).toBe(fake);
  });
});
