/**
 * How the engine table times one thing, the same in Node and in the browser page: warm-up calls, then timed
 * calls until both `minRuns` and `budgetMs` are reached (or `maxRuns`); a call slower than `slowMs` lowers the
 * minimum to 2 (to 1 past 2.5 × `slowMs`), so the big networks (FCOS, segmentation at 1024x2048) keep the whole bench within its time.
 */
export interface RunPlan {
  warmup: number;
  /**
   * Keep warming up until this many milliseconds have passed (browser pages: V8 compiles wasm with its baseline
   * compiler first and tiers hot functions up while they run, so the first calls of a page are several times
   * slower than its steady state).
   */
  warmupMs?: number;
  minRuns: number;
  maxRuns: number;
  budgetMs: number;
  slowMs: number;
}

export interface Timing {
  medianMs: number;
  minMs: number;
  runs: number;
}

/** The full bench: medians of 3–10 calls within about 5 s a cell. */
export const FULL_PLAN: RunPlan = { warmup: 1, minRuns: 3, maxRuns: 10, budgetMs: 5000, slowMs: 4000 };
/** `--quick`: one warm-up, one timed call (the table's shape, not its times). */
export const QUICK_PLAN: RunPlan = { warmup: 1, minRuns: 1, maxRuns: 1, budgetMs: 0, slowMs: Infinity };

export async function timeRuns(fn: () => Promise<unknown>, plan: RunPlan, warmup = plan.warmup): Promise<Timing> {
  const warmStart = performance.now();
  for (let i = 0; i < warmup || (warmup > 0 && performance.now() - warmStart < (plan.warmupMs ?? 0)); i++) await fn();
  const times: number[] = [];
  const start = performance.now();
  let minRuns = plan.minRuns;
  while (times.length < plan.maxRuns && (times.length < minRuns || performance.now() - start < plan.budgetMs)) {
    const t0 = performance.now();
    await fn();
    const t = performance.now() - t0;
    // the 10–20 s passes (FCOS at 800x1344 on wasm) vary little call to call: fewer calls keep the bench's time
    if (t > plan.slowMs) minRuns = Math.min(minRuns, t > 2.5 * plan.slowMs ? 1 : 2);
    times.push(t);
  }
  const sorted = [...times].sort((a, b) => a - b);
  return { medianMs: sorted[Math.floor(sorted.length / 2)]!, minMs: sorted[0]!, runs: times.length };
}

/**
 * Times two things call by call in turn (a, b, a, b, …) under one plan, so a ratio of their medians holds on a
 * machine whose load changes during the run: each gets `plan`'s warm-up, then both are timed until both reach
 * `minRuns` and the pair's budget `2 × budgetMs` is spent (or `maxRuns` pairs).
 */
export async function timeAlternating(a: () => Promise<unknown>, b: () => Promise<unknown>, plan: RunPlan): Promise<[Timing, Timing]> {
  for (let i = 0; i < plan.warmup; i++) {
    await a();
    await b();
  }
  const times: [number[], number[]] = [[], []];
  const start = performance.now();
  while (times[0].length < plan.maxRuns && (times[0].length < plan.minRuns || performance.now() - start < 2 * plan.budgetMs)) {
    for (const [i, fn] of [a, b].entries()) {
      const t0 = performance.now();
      await fn();
      times[i]!.push(performance.now() - t0);
    }
  }
  const timing = (v: number[]): Timing => {
    const sorted = [...v].sort((x, y) => x - y);
    return { medianMs: sorted[Math.floor(sorted.length / 2)]!, minMs: sorted[0]!, runs: v.length };
  };
  return [timing(times[0]), timing(times[1])];
}

/** The plan of an estimatePoses / session.run ratio: more calls than a plain cell (the ratio is the figure). */
export const ratioPlan = (plan: RunPlan, quick: boolean): RunPlan => (quick ? plan : { ...plan, minRuns: 15, maxRuns: 40 });
