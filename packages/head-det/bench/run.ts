/**
 * Runs head-det's benchmark cases on wasm in Node and prints the table (until `hrnet bench` runs them):
 *   cd packages/head-det && npx tsx bench/run.ts
 */
import '@tensorflow/tfjs-backend-wasm';
import { formatBenchTable, runBenchCase, selectBackend } from '@hrnetjs/core';
import { benchCases } from '../src/bench.js';

const backend = await selectBackend('wasm');
console.error(`backend ${backend.name}`);
const rows = [];
for (const c of benchCases()) {
  console.error(`running ${c.name}`);
  rows.push(await runBenchCase(c, { warmup: 1, runs: 3, maxMillis: 60_000 }));
}
console.log(formatBenchTable(rows));
