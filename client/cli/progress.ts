/**
 * Progress of long operations on stderr, only when stderr is a terminal (and, for commands that
 * print data, only when that data does not go to the same terminal): piped runs stay quiet.
 * Redrawn at most every `redrawMsMin`, driven by the work itself (no timer keeps the process up).
 * With `bar`, a bar of the done fraction (count/total, or the caller's `fraction`) leads the line.
 */

const redrawMsMin = 100;
/** Characters of the bar between the brackets. */
const barWidth = 24;

/** Where progress goes: process.stderr, or a stand-in with the same two members (tests). */
export interface ProgressStream {
  isTTY?: boolean;
  write(s: string): unknown;
}

export interface ProgressOptions {
  /** The operation's label, e.g. "producing". */
  label: string;
  /** Known total (records, partitions), for "n/total". */
  total?: number;
  /** What is counted ("records"). */
  unit: string;
  /** Whether stdout also carries the data (then a terminal stdout hides progress). */
  dataOnStdout?: boolean;
  /** Draw a bar of the done fraction. */
  bar?: boolean;
  /** The done fraction (0..1) when it is not count/total (e.g. elapsed/duration). */
  fraction?: () => number;
  /** Default process.stderr. */
  stream?: ProgressStream;
  /** Default process.stdout.isTTY (only read with dataOnStdout). */
  stdoutIsTTY?: boolean;
}

export class Progress {
  readonly enabled: boolean;
  private count = 0;
  private extra = '';
  private lastDrawAt = 0;
  private drawn = false;
  private readonly startedAt = Date.now();
  private readonly stream: ProgressStream;

  constructor(private readonly opts: ProgressOptions) {
    this.stream = opts.stream ?? process.stderr;
    const stdoutIsTTY = opts.stdoutIsTTY ?? process.stdout.isTTY === true;
    this.enabled = this.stream.isTTY === true && !(opts.dataOnStdout && stdoutIsTTY);
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
    if (this.drawn) this.stream.write('\r\x1b[K');
    if (summary) this.stream.write(`${summary}\n`);
    this.drawn = false;
  }

  private draw(): void {
    const { label, total, unit } = this.opts;
    const seconds = Math.max((Date.now() - this.startedAt) / 1000, 0.001);
    const rate = Math.round(this.count / seconds);
    const of = total === undefined ? '' : `/${total}`;
    const extra = this.extra ? ` ${this.extra}` : '';
    this.stream.write(`\r\x1b[K${label}: ${this.barText()}${this.count}${of} ${unit}${extra} (${rate}/s)`);
    this.drawn = true;
  }

  private barText(): string {
    if (!this.opts.bar) return '';
    const { total, fraction } = this.opts;
    const f = fraction ? fraction() : total ? this.count / total : undefined;
    if (f === undefined || !Number.isFinite(f)) return '';
    return `${progressBar(f, barWidth)} `;
  }
}

/** "[#####-----]  50%": `width` cells filled in proportion to `fraction` (clamped to 0..1). */
export function progressBar(fraction: number, width: number): string {
  const f = Math.min(1, Math.max(0, fraction));
  const filled = Math.round(f * width);
  const pct = `${Math.floor(f * 100)}%`.padStart(4);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${pct}`;
}
