/**
 * A tiny benchmark harness shared by every package's `./bench` entry and by `hrnet bench` / `pnpm bench`.
 * Latency is the median of timed runs after warm-up; each run waits for the outputs' data, so async
 * backends (webgl, webgpu) are measured end to end.
 */
import * as tf from '@tensorflow/tfjs-core';
import { countMultiplyAdds } from './nn/cost.js';

export interface BenchCase {
  /** Package-qualified name, e.g. `pose w32 256x192 batch 1`. */
  name: string;
  /** Builds what `run` needs (models, inputs); not timed. */
  setup(): Promise<BenchContext> | BenchContext;
}

export interface BenchContext {
  /** One timed unit of work; returns tensors to wait for (disposed by the harness) or nothing. */
  run(): Promise<tf.TensorContainer | undefined> | tf.TensorContainer | undefined;
  /** Multiply-adds of one run (conv + linear), for GFLOP/s; omit when not meaningful. */
  multiplyAdds?: number;
  /** Items one run processes (persons, images) for per-item latency; default 1. */
  items?: number;
  /** Extra columns (e.g. share of time in the neck). */
  extra?: () => Record<string, string | number>;
  dispose(): void;
}

export interface BenchOptions {
  warmup?: number;
  runs?: number;
  /** Stop timing after this many milliseconds (at least 3 runs are kept). */
  maxMillis?: number;
}

export interface BenchRow {
  name: string;
  backend: string;
  runs: number;
  medianMs: number;
  minMs: number;
  perItemMs: number;
  gflops: number | null;
  /** Most backend bytes alive at once during a run (weights and inputs included), sampled after each kernel. */
  peakMB: number;
  /** Backend bytes held before a run: weights and inputs. */
  baseMB: number;
  extra: Record<string, string | number>;
}

/**
 * Waits for every tensor in `out` (a tensor, or arrays / objects of them) to be computed, then frees them: how a
 * benchmark ends one timed call of an async backend.
 */
export async function settle(out: unknown): Promise<void> {
  if (!out) return;
  const tensors: tf.Tensor[] = [];
  const walk = (v: unknown): void => {
    if (v instanceof tf.Tensor) tensors.push(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(out);
  await Promise.all(tensors.map((t) => t.data()));
  tf.dispose(tensors);
}

/** Median wall time of `runs` calls of `fn`, each waited for (for per-part shares inside a case). */
export async function timeMedian(fn: () => tf.TensorContainer | undefined, runs = 3): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await settle(fn());
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

/** A network forward pass on a random NHWC input, with its multiply-adds: the common benchmark case. */
export function networkBenchCase(
  name: string,
  build: () => { predict(x: tf.Tensor): tf.TensorContainer; dispose(): void },
  inputShape: [number, number, number, number],
): BenchCase {
  return {
    name,
    setup() {
      const model = build();
      const x = tf.randomNormal(inputShape);
      return {
        multiplyAdds: countMultiplyAdds(() => model.predict(x)),
        items: inputShape[0],
        run: () => model.predict(x),
        dispose() {
          x.dispose();
          model.dispose();
        },
      };
    },
  };
}

export async function runBenchCase(c: BenchCase, options: BenchOptions = {}): Promise<BenchRow> {
  const warmup = options.warmup ?? 2;
  const maxRuns = options.runs ?? 10;
  const maxMillis = options.maxMillis ?? 60_000;
  const ctx = await c.setup();
  try {
    for (let i = 0; i < warmup; i++) await settle(await ctx.run());
    const base = tf.memory().numBytes;
    // profile's peakBytes is the most bytes alive after any kernel (absolute, weights included)
    const profile = await tf.profile(async () => settle(await ctx.run()));
    const peak = Math.max(base, profile.peakBytes);
    const times: number[] = [];
    const start = performance.now();
    while (times.length < maxRuns && (times.length < 3 || performance.now() - start < maxMillis)) {
      const t0 = performance.now();
      await settle(await ctx.run());
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    const median = times[Math.floor(times.length / 2)]!;
    const items = ctx.items ?? 1;
    return {
      name: c.name,
      backend: tf.getBackend(),
      runs: times.length,
      medianMs: median,
      minMs: times[0]!,
      perItemMs: median / items,
      gflops: ctx.multiplyAdds ? (2 * ctx.multiplyAdds) / (median * 1e6) : null,
      peakMB: peak / 2 ** 20,
      baseMB: base / 2 ** 20,
      extra: ctx.extra?.() ?? {},
    };
  } finally {
    ctx.dispose();
  }
}

/** A Markdown table of rows (what `pnpm bench` prints and the closing notes quote). */
export function formatBenchTable(rows: BenchRow[]): string {
  const extraKeys = [...new Set(rows.flatMap((r) => Object.keys(r.extra)))];
  const head = ['case', 'backend', 'runs', 'median ms', 'min ms', 'ms / item', 'GFLOP/s', 'peak MB', 'weights+input MB', ...extraKeys];
  const lines = rows.map((r) => [
    r.name,
    r.backend,
    String(r.runs),
    r.medianMs.toFixed(1),
    r.minMs.toFixed(1),
    r.perItemMs.toFixed(1),
    r.gflops === null ? '–' : r.gflops.toFixed(1),
    r.peakMB.toFixed(0),
    r.baseMB.toFixed(0),
    ...extraKeys.map((k) => String(r.extra[k] ?? '')),
  ]);
  return [head, head.map(() => '---'), ...lines].map((l) => `| ${l.join(' | ')} |`).join('\n');
}
