import type { StateDict } from '@hrnetjs/core';

/**
 * Deterministic weights that scripts/make_cls_golden.py computes the same way (so golden tests of large
 * networks need no weights file): a Park–Miller sequence (exact in float64) seeded by the key.
 */
function seed(key: string): number {
  let h = 0;
  for (const c of key) h = (h * 31 + c.charCodeAt(0)) % 2147483647;
  return h || 1;
}

function uniform(key: string, n: number): Float64Array {
  const out = new Float64Array(n);
  let state = seed(key);
  for (let i = 0; i < n; i++) {
    state = (state * 48271) % 2147483647;
    out[i] = (state / 2147483647) * 2 - 1;
  }
  return out;
}

export function formulaStateDict(shapes: Map<string, number[]>): StateDict {
  const sd: StateDict = new Map();
  for (const [key, shape] of shapes) {
    if (key.endsWith('num_batches_tracked')) continue;
    const n = shape.reduce((a, b) => a * b, 1);
    const u = uniform(key, n);
    const data = new Float32Array(n);
    const isGamma = shape.length === 1 && key.endsWith('weight');
    const fanIn = shape.slice(1).reduce((a, b) => a * b, 1);
    for (let i = 0; i < n; i++) {
      if (key.endsWith('running_var') || isGamma) data[i] = 1 + 0.5 * u[i]!;
      else if (key.endsWith('running_mean') || key.endsWith('bias')) data[i] = 0.1 * u[i]!;
      else data[i] = Math.sqrt(3 / fanIn) * u[i]!;
    }
    sd.set(key, { dtype: 'float32', shape, data });
  }
  return sd;
}
