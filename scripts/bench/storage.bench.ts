/**
 * Storage benchmarks, each side by side with the raw file-system baseline in the same run:
 *   append: PartitionLog.append of 16 KiB batches (100 B and 1 KiB records) vs fs.writeSync
 *           of the same bytes at increasing positions of a plain file;
 *   read:   PartitionLog.read sequentially in maxBytes steps vs fs.readSync of the same sizes;
 *   recovery: PartitionLog.open after an unclean stop (full rescan with CRC) of --recovery-mib.
 * Run: node dist/scripts/bench/storage.bench.js [--mib 512] [--recovery-mib 1024] [--read-kib 1024] [--dir /tmp]
 */
import { closeSync, fstatSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32c } from '../../protocol/crc32c.js';
import { encodeRecordBatch, type RecordInput } from '../../protocol/record-batch.js';
import { DEFAULT_LOG_CONFIG, type LogConfig } from '../../storage/config.js';
import { PartitionLog } from '../../storage/partition-log.js';

const arg = (name: string, def: number | string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : String(def);
};
const appendBytes = Number(arg('mib', 512)) * 1024 * 1024;
const recoveryBytes = Number(arg('recovery-mib', 256)) * 1024 * 1024;
const readChunkBytes = Number(arg('read-kib', 1024)) * 1024;
const baseDir = mkdtempSync(join(arg('dir', tmpdir()), 'samsa-bench-'));
const BATCH_BYTES = 16 * 1024;
const REPS = Number(arg('reps', 5));

const config: LogConfig = { ...DEFAULT_LOG_CONFIG, retentionMs: -1 };

/** Distinct 16 KiB batches of `recordBytes`-byte records (client style: baseOffset 0). */
function makeBatches(recordBytes: number): { batches: Buffer[]; recordsPerBatch: number } {
  const perRecordOverhead = 10;
  const recordsPerBatch = Math.max(1, Math.floor((BATCH_BYTES - 61) / (recordBytes + perRecordOverhead)));
  const batches: Buffer[] = [];
  for (let b = 0; b < 64; b++) {
    const records: RecordInput[] = [];
    for (let i = 0; i < recordsPerBatch; i++) {
      const v = Buffer.allocUnsafe(recordBytes);
      for (let k = 0; k < recordBytes; k++) v[k] = (b * 131 + i * 7 + k) & 0xff;
      records.push({ value: v, timestamp: 1_700_000_000_000 + b });
    }
    batches.push(encodeRecordBatch({ records }));
  }
  return { batches, recordsPerBatch };
}

/** Reset baseOffset to 0, as a client's batch arrives (append assigns offsets in place). */
function fresh(b: Buffer): Buffer {
  b.writeInt32BE(0, 0);
  b.writeInt32BE(0, 4);
  return b;
}

const secondsSince = (t: bigint): number => Number(process.hrtime.bigint() - t) / 1e9;
// Best of REPS for both sides: on a shared machine the minimum is the least disturbed run.
const median = (xs: number[]): number => Math.min(...xs);
const mbps = (bytes: number, s: number): number => bytes / s / 1e6;

async function appendOnce(dir: string, batches: Buffer[], count: number): Promise<number> {
  const log = await PartitionLog.open({ dir, topic: 'bench', partition: 0, config });
  const t = process.hrtime.bigint();
  for (let i = 0; i < count; i++) log.append(fresh(batches[i % batches.length]!), { leaderEpoch: 0 });
  const s = secondsSince(t);
  log.close();
  return s;
}

function rawWriteOnce(path: string, batches: Buffer[], count: number): number {
  const fd = openSync(path, 'w');
  let pos = 0;
  const t = process.hrtime.bigint();
  for (let i = 0; i < count; i++) {
    const b = batches[i % batches.length]!;
    pos += writeSync(fd, b, 0, b.length, pos);
  }
  const s = secondsSince(t);
  closeSync(fd);
  return s;
}

interface Row {
  name: string;
  storage: number;
  raw: number;
  unit: string;
  extra?: string;
}
const rows: Row[] = [];

async function benchAppend(recordBytes: number): Promise<void> {
  const { batches, recordsPerBatch } = makeBatches(recordBytes);
  const batchBytes = batches[0]!.length;
  const count = Math.max(1, Math.floor(appendBytes / batchBytes));
  const totalBytes = count * batchBytes;
  const s: number[] = [];
  const r: number[] = [];
  const c: number[] = [];
  for (let rep = 0; rep < REPS; rep++) {
    // The CRC-32C that append must verify, alone, over the same bytes.
    let sink = 0;
    const t = process.hrtime.bigint();
    for (let i = 0; i < count; i++) {
      const b = batches[i % batches.length]!;
      sink ^= crc32c(b, 21, b.length);
    }
    c.push(secondsSince(t));
    if (sink === 0.5) console.log(sink);
    const dir = join(baseDir, `append-${recordBytes}-${rep}`, 'bench-0');
    const raw = join(baseDir, `raw-${recordBytes}-${rep}.bin`);
    r.push(rawWriteOnce(raw, batches, count));
    s.push(await appendOnce(dir, batches, count));
    rmSync(join(baseDir, `append-${recordBytes}-${rep}`), { recursive: true, force: true });
    rmSync(raw, { force: true });
  }
  const st = median(s);
  const rt = median(r);
  rows.push({
    name: `append ${recordBytes} B records, ${batchBytes} B batches, ${(totalBytes / 2 ** 20).toFixed(0)} MiB`,
    storage: mbps(totalBytes, st),
    raw: mbps(totalBytes, rt),
    unit: 'MB/s',
    extra: `${((count * recordsPerBatch) / st / 1e6).toFixed(2)} M records/s through storage; CRC-32C alone ${mbps(totalBytes, median(c)).toFixed(0)} MB/s = ${((median(c) / st) * 100).toFixed(0)} % of the append time`,
  });
}

async function benchRead(): Promise<void> {
  const { batches } = makeBatches(1024);
  const count = Math.max(1, Math.floor(appendBytes / batches[0]!.length));
  const dir = join(baseDir, 'read', 'bench-0');
  const log = await PartitionLog.open({ dir, topic: 'bench', partition: 0, config });
  for (let i = 0; i < count; i++) log.append(fresh(batches[i % batches.length]!), { leaderEpoch: 0 });
  const rawPath = join(baseDir, 'read-raw.bin');
  const rawFd = openSync(rawPath, 'w+');
  const dump = log.read(0, 1).records; // warm the index path
  let pos = 0;
  for (let i = 0; i < count; i++) {
    const b = batches[i % batches.length]!;
    pos += writeSync(rawFd, b, 0, b.length, pos);
  }
  const total = log.sizeBytes;
  const s: number[] = [];
  const r: number[] = [];
  const rawRead = (): number => {
    const t = process.hrtime.bigint();
    let p = 0;
    const size = fstatSync(rawFd).size;
    while (p < size) {
      const buf = Buffer.allocUnsafe(Math.min(readChunkBytes, size - p));
      p += readSync(rawFd, buf, 0, buf.length, p);
    }
    return secondsSince(t);
  };
  const storageRead = (): number => {
    const t = process.hrtime.bigint();
    let offset = 0;
    let bytes = 0;
    while (offset < log.logEndOffset) {
      const res = log.read(offset, readChunkBytes);
      bytes += res.records.length;
      // next offset: after the last batch returned (header fields only)
      let q = 0;
      let last = offset;
      while (q < res.records.length) {
        last = res.records.readInt32BE(q + 4) + res.records.readInt32BE(q + 23);
        q += res.records.readInt32BE(q + 8) + 12;
      }
      offset = last + 1;
    }
    const secs = secondsSince(t);
    if (bytes !== total) throw new Error(`read ${bytes} of ${total} bytes`);
    return secs;
  };
  for (let rep = 0; rep < REPS; rep++) {
    // alternate which side goes first
    if (rep % 2 === 0) {
      r.push(rawRead());
      s.push(storageRead());
    } else {
      s.push(storageRead());
      r.push(rawRead());
    }
  }
  if (dump.length === 0) throw new Error('empty log');
  closeSync(rawFd);
  log.close();
  rows.push({
    name: `read ${(total / 2 ** 20).toFixed(0)} MiB sequentially, ${readChunkBytes / 1024} KiB per read`,
    storage: mbps(total, median(s)),
    raw: mbps(total, median(r)),
    unit: 'MB/s',
  });
  rmSync(join(baseDir, 'read'), { recursive: true, force: true });
  rmSync(rawPath, { force: true });
}

async function benchRecovery(): Promise<void> {
  const { batches } = makeBatches(1024);
  const count = Math.max(1, Math.floor(recoveryBytes / batches[0]!.length));
  const dir = join(baseDir, 'recovery', 'bench-0');
  const log = await PartitionLog.open({ dir, topic: 'bench', partition: 0, config });
  for (let i = 0; i < count; i++) log.append(fresh(batches[i % batches.length]!), { leaderEpoch: 0 });
  const total = log.sizeBytes;
  log.closeQuietly(); // an unclean stop: no clean-shutdown marker, recovery point 0
  const t = process.hrtime.bigint();
  const again = await PartitionLog.open({
    dir,
    topic: 'bench',
    partition: 0,
    config,
    recoveryPoint: 0,
    hadCleanShutdown: false,
  });
  const s = secondsSince(t);
  if (again.logEndOffset === 0 || again.recoveryReport.truncatedBytes !== 0)
    throw new Error('recovery lost data');
  again.close();
  rows.push({
    name: `recovery (full rescan + CRC + index rebuild) of ${(total / 2 ** 20).toFixed(0)} MiB, page cache warm`,
    storage: s,
    raw: mbps(total, s),
    unit: 's',
    extra: `${again.recoveryReport.segmentsRecovered} segment(s)`,
  });
  rmSync(join(baseDir, 'recovery'), { recursive: true, force: true });
}

try {
  await benchAppend(100);
  await benchAppend(1024);
  await benchRead();
  await benchRecovery();
} finally {
  rmSync(baseDir, { recursive: true, force: true });
}
console.log(
  `machine: ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), node ${process.version}, dir ${arg('dir', tmpdir())}`,
);
for (const r of rows) {
  if (r.unit === 's') {
    console.log(
      `${r.name}: ${r.storage.toFixed(2)} s (${r.raw.toFixed(0)} MB/s)${r.extra ? `, ${r.extra}` : ''}`,
    );
  } else {
    console.log(
      `${r.name}: storage ${r.storage.toFixed(0)} ${r.unit}, raw ${r.raw.toFixed(0)} ${r.unit}, ratio ${(r.storage / r.raw).toFixed(2)}${r.extra ? `; ${r.extra}` : ''}`,
    );
  }
}
