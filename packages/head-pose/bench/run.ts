/**
 * Runs this package's benchmark cases on wasm in Node and prints a Markdown table:
 *   npx tsx bench/run.ts [filter] [--runs N]
 * (`hrnet bench` / `pnpm bench` at the root run the same cases with every other package's.)
 */
import { formatBenchTable, runBenchCase, selectBackend } from '@hrnetjs/core';
import { benchCases } from '../src/bench.js';

const args = process.argv.slice(2);
const runsAt = args.indexOf('--runs');
const runs = runsAt >= 0 ? Number(args[runsAt + 1]) : 3;
const filter = args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--runs');

await selectBackend('wasm');
const rows = [];
for (const c of benchCases().filter((c) => !filter || c.name.includes(filter))) {
  const row = await runBenchCase(c, { warmup: 1, runs, maxMillis: 30_000 });
  rows.push(row);
  console.error(`${c.name}: ${row.perItemMs.toFixed(1)} ms / person`);
}
console.log(formatBenchTable(rows));
