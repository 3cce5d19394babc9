/**
 * Checkpoint files, written atomically: temp file, write, fsync, close, rename over the old
 * one, fsync the directory. Kafka's own files keep Kafka's text format:
 *
 *   recovery-point-offset-checkpoint / log-start-offset-checkpoint:
 *     0\n<count>\n<topic> <partition> <offset>\n...
 *   leader-epoch-checkpoint:
 *     0\n<count>\n<epoch> <startOffset>\n...
 */
import { dirname } from 'node:path';
import { CorruptCheckpointError } from './errors.js';
import { TEMP_SUFFIX } from './file-names.js';
import type { StorageFs } from './fs.js';
import { io, writeFully } from './io.js';

export const CHECKPOINT_VERSION = 0;
/** Bound on entries read from a checkpoint file (a corrupt count must not drive allocation). */
export const CHECKPOINT_ENTRIES_MAX = 10_000_000;

/** fsync a directory so a rename or create inside it is durable. */
export function fsyncDir(fs: StorageFs, dir: string): void {
  io('fsync-dir', dir, () => {
    const fd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  });
}

/** Atomically replace `path` with `data`. */
export function writeFileAtomic(fs: StorageFs, path: string, data: Buffer): void {
  const tmp = path + TEMP_SUFFIX;
  io('write-checkpoint', tmp, () => {
    const fd = fs.openSync(tmp, 'w');
    try {
      writeFully(fs, fd, tmp, data, 0, data.length, 0);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, path);
  });
  fsyncDir(fs, dirname(path));
}

function parseLines(path: string, text: string, fields: number): string[][] {
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  if (lines.length < 2) throw new CorruptCheckpointError(path, 'missing version or count line');
  if (lines[0]!.trim() !== String(CHECKPOINT_VERSION)) {
    throw new CorruptCheckpointError(path, `unsupported version ${JSON.stringify(lines[0])}`);
  }
  const count = Number(lines[1]!.trim());
  if (!Number.isInteger(count) || count < 0 || count > CHECKPOINT_ENTRIES_MAX) {
    throw new CorruptCheckpointError(path, `bad entry count ${JSON.stringify(lines[1])}`);
  }
  if (lines.length - 2 !== count) {
    throw new CorruptCheckpointError(path, `expected ${count} entries, found ${lines.length - 2}`);
  }
  return lines.slice(2).map((l) => {
    const parts = l.trim().split(/\s+/);
    if (parts.length !== fields)
      throw new CorruptCheckpointError(path, `malformed line ${JSON.stringify(l)}`);
    return parts;
  });
}

function parseNonNegative(path: string, s: string): number {
  const n = Number(s);
  if (!/^-?\d+$/.test(s) || !Number.isSafeInteger(n)) {
    throw new CorruptCheckpointError(path, `bad number ${JSON.stringify(s)}`);
  }
  return n;
}

/** Read a `topic partition offset` checkpoint; undefined when the file does not exist. */
export function readOffsetCheckpoint(fs: StorageFs, path: string): Map<string, number> | undefined {
  if (!fs.existsSync(path)) return undefined;
  const text = io('read-checkpoint', path, () => fs.readFileSync(path)).toString('utf8');
  const out = new Map<string, number>();
  for (const [topic, partition, offset] of parseLines(path, text, 3)) {
    out.set(`${topic}-${parseNonNegative(path, partition!)}`, parseNonNegative(path, offset!));
  }
  return out;
}

/** Write a `topic partition offset` checkpoint; keys are `<topic>-<partition>`. */
export function writeOffsetCheckpoint(
  fs: StorageFs,
  path: string,
  entries: Iterable<{ topic: string; partition: number; offset: number }>,
): void {
  const lines: string[] = [];
  for (const e of entries) lines.push(`${e.topic} ${e.partition} ${e.offset}`);
  writeFileAtomic(
    fs,
    path,
    Buffer.from(`${CHECKPOINT_VERSION}\n${lines.length}\n${lines.map((l) => `${l}\n`).join('')}`),
  );
}

export interface EpochEntry {
  epoch: number;
  startOffset: number;
}

export function readEpochCheckpoint(fs: StorageFs, path: string): EpochEntry[] | undefined {
  if (!fs.existsSync(path)) return undefined;
  const text = io('read-checkpoint', path, () => fs.readFileSync(path)).toString('utf8');
  return parseLines(path, text, 2).map(([e, o]) => ({
    epoch: parseNonNegative(path, e!),
    startOffset: parseNonNegative(path, o!),
  }));
}

export function writeEpochCheckpoint(fs: StorageFs, path: string, entries: readonly EpochEntry[]): void {
  const body = entries.map((e) => `${e.epoch} ${e.startOffset}\n`).join('');
  writeFileAtomic(fs, path, Buffer.from(`${CHECKPOINT_VERSION}\n${entries.length}\n${body}`));
}
