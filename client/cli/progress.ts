/**
 * Progress of long operations on stderr, only when stderr is a terminal (and, for commands that
 * print data, only when that data does not go to the same terminal): piped runs stay quiet.
 * Redrawn at most every `redrawMsMin`, driven by the work itself (no timer keeps the process up).
 */

const redrawMsMin = 100;

export interface ProgressOptions {
  /** The operation's label, e.g. "producing". */
  label: string;
  /** Known total (records, partitions), for "n/total". */
  total?: number;
  /** What is counted ("records"). */
  unit: string;
  /** Whether stdout also carries the data (then a terminal stdout hides progress). */
  dataOnStdout?: boolean;
}

export class Progress {
  readonly enabled: boolean;
  private count = 0;
  private extra = '';
  private lastDrawAt = 0;
  private drawn = false;
  private readonly startedAt = Date.now();

  constructor(private readonly opts: ProgressOptions) {
    this.enabled = process.stderr.isTTY === true && !(opts.dataOnStdout && process.stdout.isTTY === true);
  }

  /** Count `n` more; `extra` replaces the trailing detail (e.g. "45%"). */
  add(n = 1, extra?: string): void {
    this.count += n;
    if (extra !== undefined) this.extra = extra;
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.lastDrawAt < redrawMsMin) return;
    this.lastDrawAt = now;
    this.draw();
  }

  /** Erase the progress line; print `summary` in its place when given (TTY only). */
  done(summary?: string): void {
    if (!this.enabled) return;
    if (this.drawn) process.stderr.write('\r\x1b[K');
    if (summary) process.stderr.write(`${summary}\n`);
    this.drawn = false;
  }

  private draw(): void {
    const { label, total, unit } = this.opts;
    const seconds = Math.max((Date.now() - this.startedAt) / 1000, 0.001);
    const rate = Math.round(this.count / seconds);
    const of = total === undefined ? '' : `/${total}`;
    const extra = this.extra ? ` ${this.extra}` : '';
    process.stderr.write(`\r\x1b[K${label}: ${this.count}${of} ${unit}${extra} (${rate}/s)`);
    this.drawn = true;
  }
}
