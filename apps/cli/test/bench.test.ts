import { describe, expect, it } from 'vitest';
import { hrnet } from './helpers.js';

// The engine table's shape (`hrnet bench --quick`: small inputs, one timed call a cell), never its times.
// Browser and torch columns are switched off here (no Chromium or PyTorch in CI); their cells then say why.

const ROW_IDS = ['pose', 'face', 'seg', 'det', 'lite18', 'lite30', 'higher', 'estimate', 'memory', 'fps', 'bottomup', 'load'];
const cellsOf = (line: string) => line.split('|').slice(1, -1).map((c) => c.trim());

describe('hrnet bench (engine table)', () => {
  it('--list names every row --only takes; an unknown row is a usage error naming the known ones', async () => {
    const list = await hrnet(['bench', '--list']);
    expect(list.code).toBe(0);
    expect(list.stdout.trim().split('\n')).toEqual(ROW_IDS);
    const bad = await hrnet(['bench', '--only', 'pose,nosuch']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('unknown row nosuch');
    expect(bad.stderr).toContain('lite18');
  });

  // two networks (an HRNet and a Lite-HRNet: every row runs the same code) keep this test short on 2 cores
  it('--quick prints one Markdown table: the networks asked for, estimatePoses and memory, each cell a time or a noted reason', async () => {
    const r = await hrnet(['bench', '--quick', '--no-browser', '--no-torch', '--calls', '2', '--only', 'pose,lite18,estimate,memory'], { timeoutMs: 900_000 });
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.split('\n').filter((l) => l.startsWith('|'));
    const head = cellsOf(lines[0]!);
    expect(head).toEqual([
      'network (input HxW)',
      'GFLOP',
      'tfjs-wasm Node',
      'ours ORT-node 1t',
      'ours ORT-node 2t',
      'torch ONNX ORT-node 1t',
      'torch ONNX ORT-node 2t',
      'ours / torch (1t, 2t)',
      'Chromium tfjs-wasm 1t',
      'Chromium tfjs-wasm 2t',
      'Chromium ORT-web 1t',
      'Chromium ORT-web 2t',
      'Chromium tfjs-webgl',
    ]);
    expect(cellsOf(lines[1]!).every((c) => c === '---')).toBe(true);
    const rows = lines.slice(2).map(cellsOf);
    expect(rows.every((c) => c.length === head.length)).toBe(true);
    const row = (prefix: string) => rows.find((c) => c[0]!.startsWith(prefix));
    const isMs = (c: string) => /^\d+(\.\d)?$/.test(c);
    const note = (c: string) => /^–\[(\d+)\]$/.exec(c)?.[1];
    const noteText = (c: string) => r.stdout.split('\n').find((l) => l.startsWith(`[${note(c)}] `));
    // only the rows asked for
    expect(row('face W18')).toBeUndefined();
    for (const [label, size] of [
      ['pose W32', '128x96'],
      ['Lite-HRNet-18', '128x96'],
    ] as const) {
      const c = row(label);
      expect(c, label).toBeDefined();
      expect(c![0]).toBe(`${label} ${size}`);
      // a network's multiply-adds are counted, and tfjs ran it
      expect(Number(c![1])).toBeGreaterThan(0);
      expect(isMs(c![2]!), `${label} tfjs: ${c![2]}`).toBe(true);
      // onnxruntime-node ran our export, or the note says why (e.g. an op the exporter lacks)
      for (const cell of [c![3]!, c![4]!]) expect(isMs(cell) || noteText(cell) !== undefined, `${label}: ${cell}`).toBe(true);
      expect(noteText(c![5]!)).toContain('--no-torch');
      expect(noteText(c![8]!)).toContain('--no-browser');
    }
    // the factory pipeline on the onnxruntime engine, next to the bare session.run of the same file
    const est = row('pose W32 estimatePoses')!;
    expect(isMs(est[2]!)).toBe(true);
    for (const cell of [est[3]!, est[4]!]) expect(cell).toMatch(/^\d+(\.\d)? \(\d+\.\d\d× \d+(\.\d)?\)$/);
    // memory: tensors unchanged over the calls, and the engine's session released on dispose
    const mem = row('memory: 2 estimatePoses calls')!;
    const tensors = (c: string) => /^tensors ([\d→]+);/.exec(c)![1]!.split('→').map(Number);
    expect(tensors(mem[2]!)).toHaveLength(2);
    expect(new Set(tensors(mem[2]!)).size).toBe(1);
    expect(new Set(tensors(mem[4]!)).size).toBe(1);
    // what tells a leak from heap growth: RSS, the wasm module's heap and the JS heap at each point (before,
    // 1st call, last, disposed), and their growth over the second half of the calls
    for (const c of [mem[2]!, mem[4]!]) {
      expect(c).toMatch(/; RSS MB \d+→\d+→\d+→\d+; wasm heap MB \d+→\d+→\d+→\d+; JS heap MB \d+→\d+→\d+→\d+ \(at before, 1, 2, disposed calls\); calls 1→2: RSS [+-]\d+\.\d, wasm [+-]\d+\.\d, JS [+-]\d+\.\d MB/);
    }
    expect(mem[4]).toContain('sessions 1→0 on dispose');
  }, 900_000);
});
