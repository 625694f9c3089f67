/** numpy-compatible rounding helpers; expected values printed by numpy 2.4. */
import { describe, expect, it } from 'vitest';
import { linspace, npMean, pairwiseSum } from '../../src/metrics/numeric.js';

describe('numpy-compatible numerics', () => {
  it('pairwiseSum rounds like np.sum, not like a running sum', () => {
    expect(pairwiseSum(new Array<number>(10).fill(0.1))).toBe(1); // a running sum gives 0.9999999999999999
    const a = Array.from({ length: 1000 }, (_, i) => ((i * 7919) % 1000) / 997 + 1 / (i + 1));
    expect(pairwiseSum(a)).toBe(508.48847988763157); // running sum: 508.4884798876314
    expect(npMean(a)).toBe(0.5084884798876316);
  });

  it('linspace gives the same doubles as np.linspace', () => {
    expect(linspace(0.5, 0.95, 10)).toEqual([0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.8999999999999999, 0.95]);
    const r = linspace(0, 1, 101);
    expect(r[29]).toBe(0.29);
    expect(r[57]).toBe(0.5700000000000001);
    expect(r[100]).toBe(1);
  });
});
