/**
 * `hrnet bench` (= root `pnpm bench`): the side-by-side engine table (see `../bench/`): every network on tfjs,
 * on our ONNX in onnxruntime-node at 1 and 2 threads, PyTorch's own export of it, and in headless Chromium,
 * all in one run. `--cases` runs instead every package's `./bench` `benchCases()` with core's `runBenchCase`
 * (latency, GFLOP/s and peak memory of the tfjs pipelines), one table.
 */
import * as tf from '@tensorflow/tfjs-core';
import { type BenchCase, type BenchRow, formatBenchTable, runBenchCase } from '@hrnetjs/core';
import { cacheDir } from '../cache.js';
import { CliError, EXIT } from '../exit-codes.js';
import type { Context } from '../context.js';
import { BENCH_MODELS } from '../bench/models.js';
import { type EstimateResult, type MemoryResult, type NodeResult, loadOrtNode, measureEstimatePoses, measureMemory, measureNetwork } from '../bench/node.js';
import { BROWSER_COLUMNS, type BrowserCells, formatEngineTable } from '../bench/table.js';
import { FULL_PLAN, QUICK_PLAN } from '../bench/timing.js';
import { findTorchReference } from '../bench/torch-ref.js';
import { runBrowserRows } from '../bench/browser.js';
import { PIPELINE_ROWS, type PipelineRow, pipelineTables } from '../bench/pipelines.js';

/** The packages that may have a `./bench` entry, in pipeline order. */
export const BENCH_PACKAGES = ['@hrnetjs/hrnet-backbone', '@hrnetjs/head-pose', '@hrnetjs/head-seg', '@hrnetjs/head-det', '@hrnetjs/face-align'];

export interface BenchArgs {
  filter?: string;
  runs?: number;
  warmup?: number;
  maxMillis?: number;
  list: boolean;
  /** The per-package tfjs cases instead of the engine table. */
  cases?: boolean;
  /** Small inputs, one timed call a cell, 20 memory calls: the table's shape, not its times. */
  quick?: boolean;
  /** Row ids to run (comma-separated): networks, `estimate`, `memory`. */
  only?: string;
  browser?: boolean;
  torch?: boolean;
  /** Calls of the memory rows (default 1000, `--quick` 20). */
  calls?: number;
}

/** Row ids besides the networks'. */
export const EXTRA_ROWS = ['estimate', 'memory', ...PIPELINE_ROWS] as const;

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
  return a.cases ? benchCases(ctx, a) : engineTable(ctx, a);
}

async function engineTable(ctx: Context, a: BenchArgs): Promise<number> {
  const ids = [...BENCH_MODELS.map((m) => m.id), ...EXTRA_ROWS];
  if (a.list) {
    ctx.out(`${ids.join('\n')}\n`);
    return EXIT.ok;
  }
  const only = a.only ? a.only.split(',').map((s) => s.trim()).filter(Boolean) : ids;
  const unknown = only.filter((id) => !ids.includes(id));
  if (unknown.length) throw new CliError(`--only: unknown row ${unknown.join(', ')}; expected some of ${ids.join(', ')}`, EXIT.usage);
  const quick = Boolean(a.quick);
  const started = performance.now();
  const elapsed = () => `${((performance.now() - started) / 1000).toFixed(0)} s`;
  const ort = await loadOrtNode();
  const torch = a.torch === false ? 'not asked for (--no-torch)' : findTorchReference();
  if (typeof torch === 'string') ctx.log(`torch reference: skipped: ${torch}`);
  const o = {
    quick,
    plan: quick ? QUICK_PLAN : FULL_PLAN,
    ort,
    torch,
    cacheDir: cacheDir(ctx.fetchOptions.cacheDir),
    forBrowser: a.browser !== false,
    log: ctx.log,
  };
  const networks: NodeResult[] = [];
  const failed = new Map<string, { label: string; reason: string }>();
  let code: number = EXIT.ok;
  for (const spec of BENCH_MODELS.filter((m) => only.includes(m.id))) {
    ctx.log(`[${elapsed()}] ${spec.label}`);
    try {
      networks.push(await measureNetwork(spec, o));
    } catch (e) {
      const reason = (e as Error).message.split('\n')[0]!;
      // a network this build lacks (e.g. a preset another package has not shipped yet) is skipped, not an error
      if (!/unknown .*preset/i.test(reason)) code = EXIT.partial;
      ctx.err(`${spec.label}: skipped: ${reason}`);
      failed.set(spec.id, { label: spec.label, reason });
    }
  }
  let estimate: EstimateResult | string | undefined;
  if (only.includes('estimate')) {
    ctx.log(`[${elapsed()}] estimatePoses`);
    estimate = await measureEstimatePoses(o).catch((e: Error) => `failed: ${e.message.split('\n')[0]}`);
  }
  const browser = new Map<string, BrowserCells>();
  const browserNotes: string[] = [];
  const webNetworks = networks.filter((n) => n.spec.browser);
  if (webNetworks.length) {
    if (a.browser === false) {
      for (const n of webNetworks) browser.set(n.spec.id, { 'web-tfjs-1': 'not asked for (--no-browser)' });
    } else {
      ctx.log(`[${elapsed()}] headless Chromium`);
      const cells = await runBrowserRows(webNetworks, { plan: o.plan, log: ctx.log }).catch((e: Error) => `failed: ${e.message.split('\n')[0]}`);
      for (const n of webNetworks) browser.set(n.spec.id, typeof cells === 'string' ? Object.fromEntries(BROWSER_COLUMNS.map((c) => [c, cells])) : (cells.cells.get(n.spec.id) ?? {}));
      if (typeof cells !== 'string') browserNotes.push(...cells.notes);
    }
  }
  const memory: { tfjs?: MemoryResult | string; ort?: MemoryResult | string } = {};
  if (only.includes('memory')) {
    const calls = a.calls ?? (quick ? 20 : 1000);
    ctx.log(`[${elapsed()}] memory`);
    memory.tfjs = await measureMemory('tfjs', calls, o);
    memory.ort = await measureMemory('onnxruntime', calls, o);
  }
  const pipelines = PIPELINE_ROWS.filter((r): r is PipelineRow => only.includes(r));
  if (pipelines.length) ctx.log(`[${elapsed()}] pipelines: ${pipelines.join(', ')}`);
  const extra = await pipelineTables(pipelines, o);
  ctx.log(`[${elapsed()}] done`);
  ctx.out(`${formatEngineTable({ tfjsBackend: tf.getBackend(), networks, browser, browserNotes, estimate, memory, failed })}\n`);
  for (const t of extra) ctx.out(`\n${t}\n`);
  return code;
}

async function benchCases(ctx: Context, a: BenchArgs): Promise<number> {
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
