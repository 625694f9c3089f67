import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { BackendError, ConfigError, checkWasmPaths, defaultBackendOrder, isNode, selectBackend } from '../src/index.js';

describe('selectBackend in Node', () => {
  it('prefers tfjs-node, and without it (not installed here) takes wasm, saying why', async () => {
    expect(isNode()).toBe(true);
    expect(defaultBackendOrder()).toEqual(['tensorflow', 'wasm', 'cpu']);
    const choice = await selectBackend();
    expect(choice.name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(choice.attempts.map((a) => [a.name, a.ok])).toEqual([
      ['tensorflow', false],
      ['wasm', true],
    ]);
    expect(choice.attempts[0]!.reason).toMatch(/@tensorflow\/tfjs-node not installed/);
    expect(choice.reason).toMatch(/^using wasm \(best available\); skipped tensorflow: /);
  });

  it('honours an explicit preference and order', async () => {
    const cpu = await selectBackend('cpu');
    expect(cpu).toMatchObject({ name: 'cpu', reason: 'using cpu (requested)' });
    expect(tf.getBackend()).toBe('cpu');
    const list = await selectBackend(['webgpu', 'wasm']);
    expect(list.name).toBe('wasm');
    expect(list.attempts[0]).toEqual({ name: 'webgpu', ok: false, reason: 'WebGPU is not available here (no navigator.gpu)' });
  });

  it('throws a BackendError listing every attempt when none initialises', async () => {
    const before = tf.getBackend();
    const err = await selectBackend(['webgpu', 'tensorflow']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackendError);
    expect((err as Error).message).toMatch(/no tfjs backend could be initialised; tried webgpu \(WebGPU is not available.*\), tensorflow \(package/);
    expect(tf.getBackend()).toBe(before); // the active backend is left as it was
  });
});

describe('ensureBackend (the task factories’ default)', () => {
  it('keeps the active backend without a preference, and selects with one', async () => {
    const { ensureBackend } = await import('../src/index.js');
    await selectBackend('cpu');
    expect(await ensureBackend()).toEqual({ name: 'cpu', reason: 'using cpu (already active)', attempts: [] });
    expect((await ensureBackend('wasm')).name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
  });
});

describe('wasmPaths', () => {
  it('takes a URL prefix or a map of the three wasm builds to URLs', () => {
    expect(() => checkWasmPaths(undefined)).not.toThrow();
    expect(() => checkWasmPaths('/wasm/')).not.toThrow();
    expect(() => checkWasmPaths({ 'tfjs-backend-wasm-simd.wasm': '/assets/simd-1a2b.wasm' })).not.toThrow();
  });

  it('refuses what tfjs would take silently and fail on later', async () => {
    expect(() => checkWasmPaths({ 'tfjs-backend-wasm-simd': '/a.wasm' })).toThrow(ConfigError);
    expect(() => checkWasmPaths({ 'tfjs-backend-wasm-simd': '/a.wasm' })).toThrow(/unknown file 'tfjs-backend-wasm-simd'; tfjs-backend-wasm fetches tfjs-backend-wasm.wasm/);
    expect(() => checkWasmPaths({ 'tfjs-backend-wasm.wasm': 42 })).toThrow(/wasmPaths\['tfjs-backend-wasm.wasm'\]: expected a URL string, found 42/);
    expect(() => checkWasmPaths({})).toThrow(/empty map/);
    expect(() => checkWasmPaths(['/wasm/'])).toThrow(/expected a URL prefix or a map/);
    await expect(selectBackend('cpu', { wasmPaths: 7 as never })).rejects.toThrow(ConfigError);
  });
});
