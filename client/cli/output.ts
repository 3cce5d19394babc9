/**
 * Writing results: aligned tables or JSON for list/describe commands (`--format table|json`), and
 * a buffered writer for streams of records. A closed pipe (`samsa consume t | head`) ends the
 * process quietly with exit 0, as Unix tools do.
 */
import { Option } from 'commander';

export type OutputFormat = 'table' | 'json';

/** `--format table|json`, added to every list/describe command. */
export function formatOption(): Option {
  return new Option('--format <format>', 'output format').choices(['table', 'json']).default('table');
}

type Cell = string | number | boolean | null | undefined;

/** Columns aligned with two spaces between them; the header in capitals. */
export function table(headers: string[], rows: Cell[][]): string {
  const text = rows.map((r) => r.map(cell));
  const widths = headers.map((h, i) => Math.max(h.length, ...text.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(headers.map((h) => h.toUpperCase())), ...text.map(line)].join('\n') + '\n';
}

function cell(c: Cell): string {
  if (c === null || c === undefined) return '-';
  return String(c);
}

/** "key: value" lines, keys aligned. */
export function fields(entries: [string, Cell][]): string {
  const width = Math.max(...entries.map(([k]) => k.length)) + 1;
  return entries.map(([k, v]) => `${`${k}:`.padEnd(width)} ${cell(v)}`).join('\n') + '\n';
}

export function print(text: string): void {
  process.stdout.write(text);
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** A line on stderr: notes and summaries that must not mix with the data on stdout. */
export function note(text: string): void {
  process.stderr.write(`${text}\n`);
}

let exitEarly = false;

/**
 * Ask main to exit once output is flushed, without waiting for connections to finish closing
 * (a consumer's last long-poll fetch would otherwise hold the process for up to its wait time).
 */
export function exitWhenDone(): void {
  exitEarly = true;
}

export function shouldExitWhenDone(): boolean {
  return exitEarly;
}

let pipeWatch = false;

/** Exit 0 when the reader of stdout goes away (EPIPE), instead of a stack trace. */
export function exitQuietlyOnClosedPipe(): void {
  if (pipeWatch) return;
  pipeWatch = true;
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
}

/** Chunks gathered before one write to stdout. */
const bufferBytesMax = 64 * 1024;

/**
 * Buffers record output and writes it in large chunks: when the buffer is full, or once the
 * event loop turns (so a following consumer shows each record as soon as nothing more is ready).
 */
export class RecordWriter {
  private chunks: Buffer[] = [];
  private bytes = 0;
  private scheduled = false;

  write(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.bytes += chunk.length;
    if (this.bytes >= bufferBytesMax) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        this.flush();
      });
    }
  }

  flush(): void {
    if (this.bytes === 0) return;
    const data = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.bytes);
    this.chunks = [];
    this.bytes = 0;
    process.stdout.write(data);
  }
}
