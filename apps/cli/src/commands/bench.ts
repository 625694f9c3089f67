/**
 * `hrnet bench` (= root `pnpm bench`): every package's `./bench` `benchCases()`, run with core's
 * `runBenchCase` on the chosen backend (wasm by default, the fastest that is everywhere), one table.
 */
import { type BenchCase, type BenchRow, formatBenchTable, runBenchCase } from '@hrnetjs/core';
import { EXIT } from '../exit-codes.js';
import type { Context } from '../context.js';

/** The packages that may have a `./bench` entry, in pipeline order. */
export const BENCH_PACKAGES = ['@hrnetjs/hrnet-backbone', '@hrnetjs/head-pose', '@hrnetjs/head-seg', '@hrnetjs/head-det', '@hrnetjs/face-align'];

export interface BenchArgs {
  filter?: string;
  runs?: number;
  warmup?: number;
  maxMillis?: number;
  list: boolean;
}

export async function loadBenchCases(ctx: Context): Promise<BenchCase[]> {
  const cases: BenchCase[] = [];
  for (const pkg of BENCH_PACKAGES) {
    let mod: { benchCases?: () => BenchCase[] };
    try {
      mod = (await import(`${pkg}/bench`)) as typeof mod;
    } catch (e) {
      ctx.log(`${pkg}: no ./bench entry (${(e as Error).message.split('\n')[0]}); skipped`);
      continue;
    }
    if (typeof mod.benchCases !== 'function') {
      ctx.log(`${pkg}/bench exports no benchCases(); skipped`);
      continue;
    }
    cases.push(...mod.benchCases());
  }
  return cases;
}

export async function bench(ctx: Context, a: BenchArgs): Promise<number> {
  let cases = await loadBenchCases(ctx);
  if (a.filter) {
    const re = new RegExp(a.filter, 'i');
    cases = cases.filter((c) => re.test(c.name));
  }
  if (a.list) {
    ctx.out(`${cases.map((c) => c.name).join('\n')}\n`);
    return EXIT.ok;
  }
  ctx.log(`${cases.length} benchmark case${cases.length === 1 ? '' : 's'} on ${ctx.backend}`);
  const rows: BenchRow[] = [];
  const failures: string[] = [];
  for (const [i, c] of cases.entries()) {
    ctx.log(`[${i + 1}/${cases.length}] ${c.name}`);
    try {
      rows.push(await runBenchCase(c, { runs: a.runs, warmup: a.warmup, maxMillis: a.maxMillis }));
    } catch (e) {
      failures.push(`${c.name}: ${(e as Error).message}`);
      ctx.err(`${c.name}: FAILED: ${(e as Error).message}`);
    }
  }
  ctx.out(`${formatBenchTable(rows)}\n`);
  return failures.length ? EXIT.partial : EXIT.ok;
}
