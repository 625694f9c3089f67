/**
 * The one side-by-side table `hrnet bench` prints (Markdown): a row a network, a column an engine, all
 * measured in the same run; then the `estimatePoses` and memory rows in the same columns, and the reasons for
 * every empty cell under it.
 */
import type { EstimateResult, MemoryResult, MemorySample, NodeResult } from './node.js';
import type { Timing } from './timing.js';

/** Browser cells of one network: tfjs-wasm and onnxruntime-web wasm at 1 and 2 threads, tfjs-webgl. */
export type BrowserCells = Partial<Record<BrowserColumn, Timing | string>>;
export const BROWSER_COLUMNS = ['web-tfjs-1', 'web-tfjs-2', 'web-ort-1', 'web-ort-2', 'web-webgl'] as const;
export type BrowserColumn = (typeof BROWSER_COLUMNS)[number];

export const COLUMNS = [
  ['network', 'network (input HxW)'],
  ['gflop', 'GFLOP'],
  ['tfjs', 'tfjs Node'],
  ['ours-1', 'ours ORT-node 1t'],
  ['ours-2', 'ours ORT-node 2t'],
  ['torch-1', 'torch ONNX ORT-node 1t'],
  ['torch-2', 'torch ONNX ORT-node 2t'],
  ['ratio', 'ours / torch (1t, 2t)'],
  ['web-tfjs-1', 'Chromium tfjs-wasm 1t'],
  ['web-tfjs-2', 'Chromium tfjs-wasm 2t'],
  ['web-ort-1', 'Chromium ORT-web 1t'],
  ['web-ort-2', 'Chromium ORT-web 2t'],
  ['web-webgl', 'Chromium tfjs-webgl'],
] as const;
export type ColumnId = (typeof COLUMNS)[number][0];

export interface TableInput {
  tfjsBackend: string;
  networks: NodeResult[];
  browser: Map<string, BrowserCells>;
  /** Lines the browser part adds to the legend (which WebGL renderer ran). */
  browserNotes?: string[];
  estimate?: EstimateResult | string;
  memory: { tfjs?: MemoryResult | string; ort?: MemoryResult | string };
  /** Rows of networks that failed as a whole (id → reason). */
  failed: Map<string, { label: string; reason: string }>;
}

class Notes {
  private readonly list: string[] = [];
  /** A footnote mark for `reason` (the same reason gets the same mark). */
  mark(reason: string): string {
    let i = this.list.indexOf(reason);
    if (i < 0) i = this.list.push(reason) - 1;
    return `–[${i + 1}]`;
  }
  lines(): string[] {
    return this.list.map((r, i) => `[${i + 1}] ${r}`);
  }
}

const ms = (t: Timing) => t.medianMs.toFixed(t.medianMs < 100 ? 1 : 0);

/**
 * One memory cell: tensors over the calls (they must not change), then RSS, the wasm heap and the JS heap at
 * every sample, and what each grew over the second half of the calls — what tells a leak (still growing there)
 * from heap growth (flat once the allocators have their working set).
 */
export function formatMemory(m: MemoryResult): string {
  const calls = m.samples.filter((s) => s.after >= 1 && s.after <= m.calls);
  const series = (f: (s: MemorySample) => number) => m.samples.map((s) => (Number.isNaN(f(s)) ? '–' : f(s).toFixed(0))).join('→');
  const half = calls.find((s) => s.after >= m.calls / 2) ?? calls[0]!;
  const last = calls.at(-1)!;
  const growth = (f: (s: MemorySample) => number) => {
    const d = f(last) - f(half);
    return Number.isNaN(d) ? '–' : `${d >= 0 ? '+' : ''}${d.toFixed(1)}`;
  };
  const at = m.samples.map((s) => (s.after < 0 ? 'before' : s.after > m.calls ? 'disposed' : String(s.after))).join(', ');
  return [
    `tensors ${calls.map((s) => s.tensors).join('→')}`,
    `RSS MB ${series((s) => s.rssMB)}`,
    `wasm heap MB ${series((s) => s.wasmMB)}`,
    `JS heap MB ${series((s) => s.jsHeapMB)} (at ${at} calls)`,
    `calls ${half.after}→${last.after}: RSS ${growth((s) => s.rssMB)}, wasm ${growth((s) => s.wasmMB)}, JS ${growth((s) => s.jsHeapMB)} MB`,
    ...(m.sessions ? [`sessions ${m.sessions[0]}→${m.sessions[1]} on dispose`] : []),
  ].join('; ');
}

export function formatEngineTable(input: TableInput): string {
  const notes = new Notes();
  const cell = (v: Timing | string | undefined): string => (v === undefined ? '' : typeof v === 'string' ? notes.mark(v) : ms(v));
  const rows: string[][] = [];
  for (const r of input.networks) {
    const c: Partial<Record<ColumnId, string>> = {
      network: `${r.spec.label} ${r.size.join('x')}`,
      gflop: r.gflop.toFixed(r.gflop < 10 ? 2 : 1),
      tfjs: cell(r.tfjs),
      'ours-1': cell(r.ours[1]),
      'ours-2': cell(r.ours[2]),
      'torch-1': cell(r.torch[1]),
      'torch-2': cell(r.torch[2]),
    };
    const ratios = [1, 2].map((t) => {
      const [a, b] = [r.ours[t], r.torch[t]];
      return typeof a === 'object' && typeof b === 'object' ? `${(a.medianMs / b.medianMs).toFixed(2)}×` : null;
    });
    c.ratio = ratios.every((x) => x === null) ? '' : ratios.map((x) => x ?? '–').join(', ');
    if (r.agreement && typeof r.agreement === 'object') {
      c.ratio += ` (Δ ${r.agreement.ours.toExponential(0)} / ${r.agreement.torch.toExponential(0)})`;
    }
    const web = input.browser.get(r.spec.id);
    for (const col of BROWSER_COLUMNS) {
      c[col] = web ? cell(web[col]) : r.spec.browser ? '' : notes.mark('Node only (keeps the full bench within its time)');
    }
    rows.push(COLUMNS.map(([id]) => c[id] ?? ''));
  }
  for (const { label, reason } of input.failed.values()) {
    rows.push(COLUMNS.map(([id]) => (id === 'network' ? label : id === 'gflop' ? notes.mark(reason) : '')));
  }
  if (input.estimate !== undefined) {
    const e = input.estimate;
    const c: Partial<Record<ColumnId, string>> = { network: 'pose W32 estimatePoses (1 box, no flip) · ORT: vs bare session.run' };
    if (typeof e === 'string') c.tfjs = notes.mark(e);
    else {
      c.tfjs = cell(e.tfjs);
      for (const t of [1, 2] as const) {
        const v = e.ort[t];
        c[`ours-${t}`] = v === undefined ? '' : typeof v === 'string' ? notes.mark(v) : `${ms(v.estimate)} (${(v.estimate.medianMs / v.bare.medianMs).toFixed(2)}× ${ms(v.bare)})`;
      }
    }
    rows.push(COLUMNS.map(([id]) => c[id] ?? ''));
  }
  const memCell = (m: MemoryResult | string | undefined) => (m === undefined ? '' : typeof m === 'string' ? notes.mark(m) : formatMemory(m));
  if (input.memory.tfjs !== undefined || input.memory.ort !== undefined) {
    const calls = [input.memory.tfjs, input.memory.ort].find((m): m is MemoryResult => typeof m === 'object')?.calls ?? 0;
    const what = [input.memory.tfjs, input.memory.ort].filter((m): m is MemoryResult => typeof m === 'object').map((m) => m.label);
    rows.push(
      COLUMNS.map(([id]) =>
        id === 'network' ? `memory: ${calls} estimatePoses calls (${what.join('; ')})` : id === 'tfjs' ? memCell(input.memory.tfjs) : id === 'ours-2' ? memCell(input.memory.ort) : '',
      ),
    );
  }
  const head = COLUMNS.map(([id, title]) => (id === 'tfjs' ? `tfjs-${input.tfjsBackend} Node` : title));
  const table = [head, head.map(() => '---'), ...rows].map((l) => `| ${l.join(' | ')} |`).join('\n');
  const legend = [
    'Milliseconds a pass (median), batch 1, all measured in this run; t = threads. "ours" = exportOnnx of our fused network,',
    '"torch" = torch.onnx.export of the same network with the same weights; Δ = max|output − PyTorch| / max|PyTorch| of each file.',
  ];
  return [table, '', ...legend, ...(input.browserNotes ?? []), ...notes.lines()].join('\n');
}
