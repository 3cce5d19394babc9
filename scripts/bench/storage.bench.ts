/**
 * Storage benchmarks, each side by side with the raw file-system baseline in the same run:
 *   append: PartitionLog.append of 16 KiB batches (100 B and 1 KiB records) vs fs.writeSync
 *           of the same bytes at increasing positions of a plain file;
 *   read:   PartitionLog.read sequentially in maxBytes steps vs fs.readSync of the same sizes;
 *   recovery: PartitionLog.open after an unclean stop (full rescan with CRC) of --recovery-mib.
 * Storage and raw alternate within each of --reps repetitions (which goes first alternates
 * too); each row reports both sides' best and median, the ratio of the best times, and the
 * median and range of the per-repetition ratios.
 * Run: node dist/scripts/bench/storage.bench.js [--mib 512] [--recovery-mib 1024] [--read-kib 1024]
 *      [--reps 5] [--dir /tmp] [--only append|read|recovery] [--read-raw same|separate]
 *      [--interleave step|pass]
 */
import {
  closeSync,
  fstatSync,
  fsyncSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32c, crc32cImplementation } from '../../protocol/crc32c.js';
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
const ONLY = arg('only', 'all');
const READ_RAW = arg('read-raw', 'same');
const INTERLEAVE = arg('interleave', 'step');

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
// On a shared machine the minimum is the least disturbed run; the median shows the spread.
const best = (xs: number[]): number => Math.min(...xs);
const median = (xs: number[]): number => {
  const v = [...xs].sort((a, b) => a - b);
  const m = v.length >> 1;
  return v.length % 2 ? v[m]! : (v[m - 1]! + v[m]!) / 2;
};
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
  /** Seconds per repetition, storage and raw, paired by repetition. */
  storage: number[];
  raw: number[];
  bytes: number;
  extra?: string;
  /** CPU seconds (user + system) per repetition, where measured. */
  cpu?: { storage: number[]; raw: number[] };
}
interface RecoveryRow {
  name: string;
  seconds: number;
  bytes: number;
  extra: string;
}
const rows: (Row | RecoveryRow)[] = [];

/** Run storage and raw once each per repetition, alternating which goes first. */
async function paired(
  storageOnce: (rep: number) => Promise<number> | number,
  rawOnce: (rep: number) => number,
): Promise<{ storage: number[]; raw: number[] }> {
  const storage: number[] = [];
  const raw: number[] = [];
  for (let rep = 0; rep < REPS; rep++) {
    if (rep % 2 === 0) {
      raw.push(rawOnce(rep));
      storage.push(await storageOnce(rep));
    } else {
      storage.push(await storageOnce(rep));
      raw.push(rawOnce(rep));
    }
  }
  return { storage, raw };
}

async function benchAppend(recordBytes: number): Promise<void> {
  const { batches, recordsPerBatch } = makeBatches(recordBytes);
  const batchBytes = batches[0]!.length;
  const count = Math.max(1, Math.floor(appendBytes / batchBytes));
  const totalBytes = count * batchBytes;
  const c: number[] = [];
  const crcAlone = (): void => {
    // The CRC-32C that append must verify, alone, over the same bytes (not part of raw).
    let sink = 0;
    const t = process.hrtime.bigint();
    for (let i = 0; i < count; i++) {
      const b = batches[i % batches.length]!;
      sink ^= crc32c(b, 21, b.length);
    }
    c.push(secondsSince(t));
    if (sink === 0.5) console.log(sink);
  };
  let storage: number[] = [];
  let raw: number[] = [];
  if (INTERLEAVE === 'pass') {
    ({ storage, raw } = await paired(
      async (rep) => {
        const dir = join(baseDir, `append-${recordBytes}-${rep}`);
        const secs = await appendOnce(join(dir, 'bench-0'), batches, count);
        rmSync(dir, { recursive: true, force: true });
        return secs;
      },
      (rep) => {
        crcAlone();
        const path = join(baseDir, `raw-${recordBytes}-${rep}.bin`);
        const secs = rawWriteOnce(path, batches, count);
        rmSync(path, { force: true });
        return secs;
      },
    ));
  } else {
    // Batch by batch, alternating sides, so both see the same machine at the same moments.
    // Each side writes its own file sequentially; the raw side writes the batches in a
    // shifted order so neither reads a buffer the other has just pulled into the CPU caches.
    const n = batches.length;
    for (let rep = 0; rep < REPS; rep++) {
      crcAlone();
      const dir = join(baseDir, `append-${recordBytes}-${rep}`);
      const log = await PartitionLog.open({
        dir: join(dir, 'bench-0'),
        topic: 'bench',
        partition: 0,
        config,
      });
      const path = join(baseDir, `raw-${recordBytes}-${rep}.bin`);
      const fd = openSync(path, 'w');
      let pos = 0;
      let st = 0;
      let rt = 0;
      for (let i = 0; i < count; i++) {
        const rawFirst = (i + rep) % 2 === 0;
        const r = batches[(i + (n >> 1)) % n]!;
        if (rawFirst) {
          const t = process.hrtime.bigint();
          pos += writeSync(fd, r, 0, r.length, pos);
          rt += secondsSince(t);
        }
        const b = fresh(batches[i % n]!); // a client's new batch (baseOffset 0), made untimed
        const t = process.hrtime.bigint();
        log.append(b, { leaderEpoch: 0 });
        st += secondsSince(t);
        if (!rawFirst) {
          const t = process.hrtime.bigint();
          pos += writeSync(fd, r, 0, r.length, pos);
          rt += secondsSince(t);
        }
      }
      if (pos !== log.sizeBytes) throw new Error(`raw wrote ${pos} bytes, storage ${log.sizeBytes}`);
      log.close();
      closeSync(fd);
      rmSync(dir, { recursive: true, force: true });
      rmSync(path, { force: true });
      storage.push(st);
      raw.push(rt);
    }
  }
  const st = best(storage);
  rows.push({
    name: `append ${recordBytes} B records, ${batchBytes} B batches, ${(totalBytes / 2 ** 20).toFixed(0)} MiB, interleaved by ${INTERLEAVE === 'pass' ? 'pass' : 'batch'}`,
    storage,
    raw,
    bytes: totalBytes,
    extra: `${((count * recordsPerBatch) / st / 1e6).toFixed(2)} M records/s through storage; CRC-32C (${crc32cImplementation}) alone ${mbps(totalBytes, best(c)).toFixed(0)} MB/s = ${((best(c) / st) * 100).toFixed(0)} % of the append time`,
  });
}

async function benchRead(): Promise<void> {
  const { batches } = makeBatches(1024);
  const count = Math.max(1, Math.floor(appendBytes / batches[0]!.length));
  const dir = join(baseDir, 'read', 'bench-0');
  const log = await PartitionLog.open({ dir, topic: 'bench', partition: 0, config });
  for (let i = 0; i < count; i++) log.append(fresh(batches[i % batches.length]!), { leaderEpoch: 0 });
  const dump = log.read(0, 1).records; // warm the index path
  log.flush();
  // The raw side reads the same bytes: by default the very .log files storage reads (the same
  // page-cache pages), so where a file's pages happen to sit cannot favour either side; with
  // --read-raw separate, a plain file written with the same bytes after the log (the old way:
  // the later-written file tends to read faster here, see docs/benchmarks.md).
  const rawFds: number[] = [];
  let rawPath: string | undefined;
  if (READ_RAW === 'separate') {
    rawPath = join(baseDir, 'read-raw.bin');
    const fd = openSync(rawPath, 'w+');
    let pos = 0;
    for (let i = 0; i < count; i++) {
      const b = batches[i % batches.length]!;
      pos += writeSync(fd, b, 0, b.length, pos);
    }
    fsyncSync(fd);
    rawFds.push(fd);
  } else {
    for (const f of readdirSync(dir)
      .filter((n) => n.endsWith('.log'))
      .sort())
      rawFds.push(openSync(join(dir, f), 'r'));
  }
  // Everything reached the disk before timing starts, so no writeback runs under either
  // side's reads; the reads themselves come from the (warm) page cache.
  const total = log.sizeBytes;
  // Raw: aligned readChunkBytes chunks of each file, in order.
  const rawChunks: { fd: number; position: number; length: number }[] = [];
  for (const fd of rawFds) {
    const size = fstatSync(fd).size;
    for (let p = 0; p < size; p += readChunkBytes)
      rawChunks.push({ fd, position: p, length: Math.min(readChunkBytes, size - p) });
  }
  // CPU time (user + system) of each read too: under load, wall time also counts the time the
  // process waited for a CPU. Its getrusage calls sit outside the wall-clock window.
  let rawCpu = 0;
  let storageCpu = 0;
  const cpuSince = (c0: NodeJS.CpuUsage): number => {
    const c = process.cpuUsage(c0);
    return (c.user + c.system) / 1e6;
  };
  /** One raw read of chunk i into a fresh buffer (as storage returns a fresh buffer); its seconds. */
  const rawStep = (i: number): number => {
    const c = rawChunks[i]!;
    const c0 = process.cpuUsage();
    const t = process.hrtime.bigint();
    const n = readSync(c.fd, Buffer.allocUnsafe(c.length), 0, c.length, c.position);
    const secs = secondsSince(t);
    rawCpu += cpuSince(c0);
    if (n !== c.length) throw new Error(`raw read ${n} of ${c.length} bytes`);
    return secs;
  };
  /** A sequential storage reader: each step is one log.read; its seconds, or -1 at the end. */
  const storageReader = () => {
    let offset = 0;
    let bytes = 0;
    return {
      get bytes() {
        return bytes;
      },
      step(): number {
        if (offset >= log.logEndOffset) return -1;
        const c0 = process.cpuUsage();
        const t = process.hrtime.bigint();
        const res = log.read(offset, readChunkBytes);
        const secs = secondsSince(t);
        storageCpu += cpuSince(c0);
        bytes += res.records.length;
        // next offset: after the last batch returned (header fields only)
        let q = 0;
        let last = offset;
        while (q < res.records.length) {
          last = res.records.readInt32BE(q + 4) + res.records.readInt32BE(q + 23);
          q += res.records.readInt32BE(q + 8) + 12;
        }
        offset = last + 1;
        return secs;
      },
    };
  };
  const storage: number[] = [];
  const raw: number[] = [];
  const cpu = { storage: [] as number[], raw: [] as number[] };
  for (let rep = 0; rep < REPS; rep++) {
    const reader = storageReader();
    let st = 0;
    let rt = 0;
    rawCpu = 0;
    storageCpu = 0;
    if (INTERLEAVE === 'pass') {
      // Whole passes, alternating which side goes first.
      const storagePass = (): void => {
        for (let s = reader.step(); s >= 0; s = reader.step()) st += s;
      };
      const rawPass = (): void => {
        for (let i = 0; i < rawChunks.length; i++) rt += rawStep(i);
      };
      if (rep % 2 === 0) {
        rawPass();
        storagePass();
      } else {
        storagePass();
        rawPass();
      }
    } else {
      // Read by read, alternating sides, so both see the same machine at the same moments
      // (other work on a shared machine comes and goes within a pass). The raw side starts
      // half a log further on (and wraps), so neither side reads bytes the other has just
      // pulled into the CPU caches.
      const half = rawChunks.length >> 1;
      let i = 0;
      let storageDone = false;
      while (!storageDone || i < rawChunks.length) {
        const rawFirst = (i + rep) % 2 === 0;
        if (rawFirst && i < rawChunks.length) rt += rawStep((i++ + half) % rawChunks.length);
        if (!storageDone) {
          const s = reader.step();
          if (s < 0) storageDone = true;
          else st += s;
        }
        if (!rawFirst && i < rawChunks.length) rt += rawStep((i++ + half) % rawChunks.length);
      }
    }
    if (reader.bytes !== total) throw new Error(`read ${reader.bytes} of ${total} bytes`);
    storage.push(st);
    raw.push(rt);
    cpu.storage.push(storageCpu);
    cpu.raw.push(rawCpu);
  }
  if (dump.length === 0) throw new Error('empty log');
  for (const fd of rawFds) closeSync(fd);
  log.close();
  rows.push({
    name: `read ${(total / 2 ** 20).toFixed(0)} MiB sequentially, ${readChunkBytes / 1024} KiB per read (raw: ${READ_RAW === 'separate' ? 'a separate file' : 'the same .log file'}, interleaved by ${INTERLEAVE === 'pass' ? 'pass' : 'read'})`,
    storage,
    raw,
    bytes: total,
    cpu,
  });
  rmSync(join(baseDir, 'read'), { recursive: true, force: true });
  if (rawPath) rmSync(rawPath, { force: true });
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
    seconds: s,
    bytes: total,
    extra: `${again.recoveryReport.segmentsRecovered} segment(s)`,
  });
  rmSync(join(baseDir, 'recovery'), { recursive: true, force: true });
}

try {
  if (ONLY === 'all' || ONLY === 'append') {
    await benchAppend(100);
    await benchAppend(1024);
  }
  if (ONLY === 'all' || ONLY === 'read') await benchRead();
  if (ONLY === 'all' || ONLY === 'recovery') await benchRecovery();
} finally {
  rmSync(baseDir, { recursive: true, force: true });
}
console.log(
  `machine: ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), node ${process.version}, dir ${arg('dir', tmpdir())}`,
);
console.log(
  `reps ${REPS}, load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')} at the end`,
);
for (const r of rows) {
  if ('seconds' in r) {
    console.log(
      `${r.name}: ${r.seconds.toFixed(2)} s (${mbps(r.bytes, r.seconds).toFixed(0)} MB/s), ${r.extra}`,
    );
    continue;
  }
  const f = (secs: number): string => mbps(r.bytes, secs).toFixed(0);
  const compare = (storage: number[], raw: number[]): string => {
    const ratios = storage.map((s, i) => raw[i]! / s);
    return `storage best ${f(best(storage))} MB/s (median ${f(median(storage))}), raw best ${f(best(raw))} MB/s (median ${f(median(raw))}); ratio of bests ${(best(raw) / best(storage)).toFixed(2)}, per-rep ratios median ${median(ratios).toFixed(2)} (${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)})`;
  };
  console.log(`${r.name}: ${compare(r.storage, r.raw)}${r.extra ? `; ${r.extra}` : ''}`);
  if (r.cpu) console.log(`  same reads by CPU time (user + system): ${compare(r.cpu.storage, r.cpu.raw)}`);
}
