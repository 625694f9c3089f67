import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import type { HostTensor, StateDict } from '../../src/io/index.js';

export const FIXTURES = fileURLToPath(new URL('../fixtures/checkpoints/', import.meta.url));

export function fixture(name: string): Uint8Array {
  return new Uint8Array(readFileSync(FIXTURES + name));
}

export interface ExpectedTensor {
  shape: number[];
  values: number[];
}

export interface ExpectedCheckpoint {
  raw_keys: string[];
  keys: string[];
  tensors: Record<string, ExpectedTensor>;
}

export const expected = JSON.parse(readFileSync(`${FIXTURES}expected.json`, 'utf8')) as Record<string, unknown>;

export function expectedCheckpoint(name: string): ExpectedCheckpoint {
  const e = expected[name] as ExpectedCheckpoint | undefined;
  if (!e) throw new Error(`no expectation for ${name}: re-run scripts/make_io_fixtures.py`);
  return e;
}

/** Exact comparison: float32 values widened to double equal Python's float(np.float32(x)). */
export function expectTensor(t: HostTensor | undefined, e: ExpectedTensor, isInt?: boolean): void {
  expect(t).toBeDefined();
  expect(t!.shape).toEqual(e.shape);
  if (isInt !== undefined) expect(t!.dtype).toBe(isInt ? 'int32' : 'float32');
  expect(Array.from(t!.data)).toEqual(e.values);
}

export function expectStateDict(sd: StateDict, e: ExpectedCheckpoint): void {
  expect([...sd.keys()]).toEqual(e.keys);
  for (const k of e.keys) expectTensor(sd.get(k), e.tensors[k]!);
}

export function expectSameStateDict(a: StateDict, b: StateDict): void {
  expect([...a.keys()]).toEqual([...b.keys()]);
  for (const [k, t] of a) {
    const u = b.get(k)!;
    expect(u.shape, k).toEqual(t.shape);
    expect(u.dtype, k).toBe(t.dtype);
    expect(u.data.constructor, k).toBe(t.data.constructor);
    expect(firstDifference(u.data, t.data), k).toBe(-1);
  }
}

/** Index of the first differing element (-1 if equal): vitest's deep equality is too slow for MB-sized arrays. */
export function firstDifference(a: ArrayLike<number>, b: ArrayLike<number>, tolerance?: (x: number) => number): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) {
    const x = b[i]!;
    const y = a[i]!;
    if (tolerance ? !(Math.abs(y - x) <= tolerance(x)) : !Object.is(y, x)) return i;
  }
  return -1;
}
