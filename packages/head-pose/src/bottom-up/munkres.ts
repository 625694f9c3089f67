/**
 * The Hungarian (Kuhn–Munkres) assignment, step for step as the `munkres` Python package (1.1.4) that the
 * official HigherHRNet grouping calls (`Munkres().compute(cost)`). Every optimal assignment has the same cost,
 * but ties (common: the grouping cost is `round(distance)·100 − score`) are broken by the order in which the
 * algorithm scans for zeros, so the scan order here is the package's: row-major stars in step 2, and the
 * wrap-around search from the last primed zero in step 4 that keeps the *last* uncovered zero of the first row
 * that has one. A general-purpose assignment library would pick other optima and group people differently.
 *
 * `cost` is rows × columns (any shape; padded with zeros to a square as the package does). Returns the
 * `[row, column]` pairs inside the original matrix, in row order.
 */
export function munkres(cost: readonly (readonly number[])[]): [number, number][] {
  const rows = cost.length;
  if (rows === 0) return [];
  const cols = cost[0]!.length;
  const n = Math.max(rows, cols);
  const C: Float64Array[] = Array.from({ length: n }, (_, i) => {
    const r = new Float64Array(n);
    if (i < rows) r.set(cost[i]!.slice(0, n));
    return r;
  });
  const rowCovered = new Uint8Array(n);
  const colCovered = new Uint8Array(n);
  const marked: Uint8Array[] = Array.from({ length: n }, () => new Uint8Array(n)); // 1 star, 2 prime
  const clearCovers = () => {
    rowCovered.fill(0);
    colCovered.fill(0);
  };
  const starInRow = (r: number) => marked[r]!.indexOf(1);
  const primeInRow = (r: number) => marked[r]!.indexOf(2);
  const starInCol = (c: number) => {
    for (let i = 0; i < n; i++) if (marked[i]![c] === 1) return i;
    return -1;
  };
  // step 4's search: rows from i0 (wrapping), in each row columns from j0 (wrapping); the last match in the first
  // row that has one wins, as in the package (its inner loop does not stop at a match)
  const findZero = (i0: number, j0: number): [number, number] => {
    let row = -1;
    let col = -1;
    let i = i0;
    for (;;) {
      let j = j0;
      let found = false;
      do {
        if (C[i]![j] === 0 && !rowCovered[i] && !colCovered[j]) {
          row = i;
          col = j;
          found = true;
        }
        j = (j + 1) % n;
      } while (j !== j0);
      i = (i + 1) % n;
      if (found || i === i0) return [row, col];
    }
  };

  // step 1: subtract each row's minimum
  for (const r of C) {
    let m = Infinity;
    for (const v of r) if (v < m) m = v;
    for (let j = 0; j < n; j++) r[j] = r[j]! - m;
  }
  // step 2: star a zero in each row and column, row-major
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (C[i]![j] === 0 && !colCovered[j] && !rowCovered[i]) {
        marked[i]![j] = 1;
        colCovered[j] = 1;
        rowCovered[i] = 1;
        break;
      }
    }
  }
  clearCovers();
  let step = 3;
  let z0: [number, number] = [0, 0];
  for (let guard = 0; ; guard++) {
    if (guard > 1e7) throw new Error('munkres: no convergence');
    if (step === 3) {
      let count = 0;
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          if (marked[i]![j] === 1 && !colCovered[j]) {
            colCovered[j] = 1;
            count++;
          }
        }
      }
      if (count >= n) break;
      step = 4;
    } else if (step === 4) {
      let row = 0;
      let col = 0;
      for (;;) {
        [row, col] = findZero(row, col);
        if (row < 0) {
          step = 6;
          break;
        }
        marked[row]![col] = 2;
        const sc = starInRow(row);
        if (sc >= 0) {
          col = sc;
          rowCovered[row] = 1;
          colCovered[col] = 0;
        } else {
          z0 = [row, col];
          step = 5;
          break;
        }
      }
    } else if (step === 5) {
      const path: [number, number][] = [z0];
      for (;;) {
        const r = starInCol(path[path.length - 1]![1]);
        if (r < 0) break;
        path.push([r, path[path.length - 1]![1]]);
        path.push([r, primeInRow(r)]);
      }
      for (const [r, c] of path) marked[r]![c] = marked[r]![c] === 1 ? 0 : 1;
      clearCovers();
      for (const m of marked) for (let j = 0; j < n; j++) if (m[j] === 2) m[j] = 0;
      step = 3;
    } else {
      // step 6: smallest uncovered value added to covered rows, subtracted from uncovered columns
      let minval = Number.MAX_VALUE;
      for (let i = 0; i < n; i++) {
        if (rowCovered[i]) continue;
        for (let j = 0; j < n; j++) if (!colCovered[j] && C[i]![j]! < minval) minval = C[i]![j]!;
      }
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          if (rowCovered[i]) C[i]![j] = C[i]![j]! + minval;
          if (!colCovered[j]) C[i]![j] = C[i]![j]! - minval;
        }
      }
      step = 4;
    }
  }
  const out: [number, number][] = [];
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) if (marked[i]![j] === 1) out.push([i, j]);
  return out;
}
