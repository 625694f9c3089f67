/**
 * A progress line for batches and downloads: count (or bytes), rate and ETA. On a terminal it redraws one
 * line; otherwise (pipes, CI logs, tests) it prints a line at most every `intervalMs` and at the end, so
 * logs stay short but still show that work goes on.
 */
export interface ProgressOptions {
  total: number;
  label: string;
  /** 'items' prints `3/10 images`; 'bytes' prints MiB. */
  unit?: 'items' | 'bytes';
  itemName?: string;
  stream?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  intervalMs?: number;
  /** Start counting from here (a resumed download). */
  initial?: number;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)}s`;
  const m = Math.floor(seconds / 60);
  const s = Math.round(seconds % 60);
  if (m < 60) return `${m}m${String(s).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

const MiB = 2 ** 20;

export class Progress {
  private done: number;
  private readonly start = performance.now();
  private lastPrint = 0;
  private readonly stream: ProgressOptions['stream'] & object;
  private readonly tty: boolean;
  private finished = false;

  constructor(private readonly o: ProgressOptions) {
    this.done = o.initial ?? 0;
    this.stream = o.stream ?? process.stderr;
    this.tty = Boolean(this.stream.isTTY);
  }

  /** Text of the current state, e.g. `pose [=====     ] 5/10 images 2.1/s ETA 2.4s`. */
  line(): string {
    const { total, label } = this.o;
    const elapsed = (performance.now() - this.start) / 1000;
    const counted = this.done - (this.o.initial ?? 0);
    const rate = elapsed > 0 ? counted / elapsed : 0;
    const eta = rate > 0 ? (total - this.done) / rate : NaN;
    const frac = total > 0 ? Math.min(1, this.done / total) : 0;
    const width = 20;
    const filled = Math.round(frac * width);
    const bar = `[${'='.repeat(filled)}${' '.repeat(width - filled)}]`;
    const bytes = this.o.unit === 'bytes';
    const count = bytes
      ? `${(this.done / MiB).toFixed(1)}/${total > 0 ? (total / MiB).toFixed(1) : '?'} MiB`
      : `${this.done}/${total} ${this.o.itemName ?? 'items'}`;
    const rateText = bytes ? `${(rate / MiB).toFixed(2)} MiB/s` : `${rate.toFixed(2)}/s`;
    const tail = this.done >= total && total > 0 ? `done in ${formatDuration(elapsed)}` : `ETA ${formatDuration(eta)}`;
    return `${label} ${bar} ${count} ${rateText} ${tail}`;
  }

  tick(n = 1): void {
    this.update(this.done + n);
  }

  update(done: number): void {
    this.done = done;
    const now = performance.now();
    const interval = this.o.intervalMs ?? (this.tty ? 100 : 2000);
    if (now - this.lastPrint >= interval || (this.o.total > 0 && done >= this.o.total)) {
      this.lastPrint = now;
      this.print();
    }
  }

  private print(): void {
    if (this.tty) this.stream.write(`\r${this.line().slice(0, (this.stream.columns ?? 120) - 1)}\x1b[K`);
    else this.stream.write(`${this.line()}\n`);
  }

  /** Prints the final state once. */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.tty) this.stream.write(`\r${this.line()}\x1b[K\n`);
    else if (performance.now() - this.lastPrint > 0 && this.done < this.o.total) this.stream.write(`${this.line()}\n`);
  }

  /** Writes a message above the bar (a per-file error) without garbling it. */
  message(text: string): void {
    if (this.tty) this.stream.write(`\r\x1b[K${text}\n`);
    else this.stream.write(`${text}\n`);
  }
}
