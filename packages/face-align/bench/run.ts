/**
 * Runs this package's benchmark cases on wasm in Node and prints the Markdown table:
 *   cd packages/face-align && npx tsx bench/run.ts [--runs N]
 * (`hrnet bench` in apps/cli runs the same cases with every other package's.)
 */
import { formatBenchTable, runBenchCase, selectBackend } from '@hrnetjs/core';
import { benchCases } from '../src/bench.js';

const runsArg = process.argv.indexOf('--runs');
const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 10;
const choice = await selectBackend('wasm');
console.error(choice.reason);
const rows = [];
for (const c of benchCases()) {
  rows.push(await runBenchCase(c, { warmup: 2, runs, maxMillis: 60_000 }));
  console.error(`done: ${c.name}`);
}
console.log(formatBenchTable(rows));
