/**
 * Runs this package's benchmark cases on wasm in Node, ONE timed run each (w48 on a 1024x2048 image takes
 * minutes on wasm), and prints a Markdown table:
 *   npx tsx bench/run.ts [filter]
 * Peak memory: tfjs's peak backend bytes during the run (`tf.profile`), and the process's peak resident
 * set (`maxRSS`, includes the wasm heap, the host-side window accumulators and Node itself): run one case
 * per process (give a filter) for a per-case maxRSS.
 * (`hrnet bench` / `pnpm bench` at the root run the same cases through `runBenchCase`, with repeats.)
 */
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '@hrnetjs/core';
import { benchCases } from '../src/bench.js';

const filter = process.argv[2];
await selectBackend('wasm');
const lines = ['| case | backend | ms (1 run) | GFLOP/s | tfjs peak MB | process maxRSS MB | windows |', '|---|---|---|---|---|---|---|'];
for (const c of benchCases().filter((c) => !filter || c.name.includes(filter))) {
  const ctx = await c.setup();
  try {
    const base = tf.memory().numBytes;
    let ms = 0;
    const profile = await tf.profile(async () => {
      const t0 = performance.now();
      await ctx.run();
      ms = performance.now() - t0;
    });
    const gflops = ctx.multiplyAdds ? (2 * ctx.multiplyAdds) / (ms * 1e6) : NaN;
    const peakMB = (base + profile.peakBytes) / 2 ** 20;
    const rssMB = process.resourceUsage().maxRSS / 1024;
    const row = `| ${c.name} | ${tf.getBackend()} | ${ms.toFixed(0)} | ${gflops.toFixed(1)} | ${peakMB.toFixed(0)} | ${rssMB.toFixed(0)} | ${ctx.extra?.().windows ?? ''} |`;
    console.error(row);
    lines.push(row);
  } finally {
    ctx.dispose();
  }
}
console.log(lines.join('\n'));
