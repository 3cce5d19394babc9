/**
 * Scale: produce throughput and broker memory as partitions grow (a fresh broker and one topic
 * per step; creation timed), and produce throughput as stored data grows (one producer in this
 * process writing the planned bytes, throughput taken per window).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, statfsSync } from 'node:fs';
import { Admin, Producer } from '../../../client/index.js';
import { type SuiteContext, samsaBench, startBroker } from '../suite-context.js';
import type { PartitionsStep, StoredDataSection, StoredDataWindow } from '../suite-types.js';

/** Creating 10,000 partitions may take minutes on a loaded machine. */
const createTimeoutMs = 30 * 60_000;

export async function runPartitions(ctx: SuiteContext): Promise<PartitionsStep[]> {
  const { counts, records } = ctx.plan.partitions;
  const steps: PartitionsStep[] = [];
  for (const partitions of counts) {
    const b = await startBroker(ctx, `partitions-${partitions}`);
    const topic = `scale-${partitions}`;
    let createSeconds = Number.NaN;
    try {
      const admin = new Admin({
        brokers: [b.bootstrap],
        requestTimeoutMs: createTimeoutMs,
        operationTimeoutMs: createTimeoutMs,
      });
      const t0 = performance.now();
      try {
        await admin.createTopics([{ name: topic, partitions }]);
      } finally {
        await admin.close();
      }
      createSeconds = Math.round(performance.now() - t0) / 1000;
      ctx.log(`created ${partitions} partitions in ${createSeconds} s`);
      const produce = await samsaBench(ctx, b.bootstrap, [
        'produce',
        topic,
        '--records',
        String(records),
        '--record-size',
        String(ctx.plan.recordBytes),
        '--acks',
        '1',
      ]);
      steps.push({ partitions, createSeconds, produce, broker: await b.stop() });
    } catch (e) {
      steps.push({
        partitions,
        createSeconds,
        produce: null,
        broker: await b.stop(),
        error: (e as Error).message,
      });
      ctx.log(`  ${partitions} partitions failed: ${(e as Error).message}`);
    } finally {
      await b.stop();
    }
    ctx.log(`  broker peak RSS ${steps.at(-1)!.broker.peakRssMiB} MiB`);
  }
  return steps;
}

/** Free bytes where `dir` is. */
export function freeBytes(dir: string): number {
  const s = statfsSync(dir);
  return s.bavail * s.bsize;
}

/** On-disk bytes of the records relative to their values (batch and record headers, indexes). */
const diskOverhead = 1.3;
/** Left free for everything else on the machine. */
const diskReserve = 2 * 1024 ** 3;

/** The bytes to write given what is free, and a note when it had to be scaled down. */
export function scaleToDisk(planned: number, free: number): { bytes: number; note: string | null } {
  const fits = Math.floor((free - diskReserve) / diskOverhead);
  if (planned <= fits) return { bytes: planned, note: null };
  const bytes = Math.max(0, fits);
  return {
    bytes,
    note: `scaled down from ${(planned / 1024 ** 3).toFixed(1)} GiB to ${(bytes / 1024 ** 3).toFixed(1)} GiB: only ${(free / 1024 ** 3).toFixed(1)} GiB free (kept ${diskReserve / 1024 ** 3} GiB spare, assumed ${diskOverhead}× on disk)`,
  };
}

export async function runStoredData(ctx: SuiteContext): Promise<StoredDataSection> {
  const { bytes: planned, windows } = ctx.plan.storedData;
  const size = ctx.plan.recordBytes;
  mkdirSync(ctx.workDir, { recursive: true });
  const { bytes, note } = scaleToDisk(planned, freeBytes(ctx.workDir));
  if (note) ctx.log(note);
  const partitions = 6;
  const b = await startBroker(ctx, 'stored-data');
  const topic = 'stored-data';
  const admin = new Admin({ brokers: [b.bootstrap] });
  const producer = new Producer({ brokers: [b.bootstrap], acks: 1, batchBytes: 1024 * 1024, lingerMs: 5 });
  const out: StoredDataWindow[] = [];
  try {
    await admin.createTopics([{ name: topic, partitions }]);
    await admin.close();
    await producer.connect();
    const value = Buffer.alloc(size, 'x');
    const perCall = 1000;
    const chunk = Array.from({ length: perCall }, () => ({ topic, value }));
    const windowRecords = Math.max(perCall, Math.floor(bytes / windows / size / perCall) * perCall);
    const totalRecords = windowRecords * windows;
    let stored = 0;
    ctx.log(
      `writing ${((totalRecords * size) / 1024 ** 3).toFixed(2)} GiB in ${windows} windows of ${windowRecords.toLocaleString('en-US')} records`,
    );
    for (let w = 0; w < windows; w++) {
      const t0 = performance.now();
      const inflight = new Set<Promise<unknown>>();
      for (let sent = 0; sent < windowRecords; sent += perCall) {
        const p = producer.sendBatch(chunk);
        inflight.add(p);
        void p.finally(() => inflight.delete(p)).catch(() => undefined);
        if (inflight.size >= 64) await Promise.race(inflight);
      }
      await Promise.all(inflight);
      const s = (performance.now() - t0) / 1000;
      stored += windowRecords * size;
      const recordsPerSec = Math.round(windowRecords / s);
      out.push({
        storedBytes: stored,
        recordsPerSec,
        mbPerSec: Math.round(((windowRecords * size) / s / 1e6) * 10) / 10,
      });
      ctx.log(
        `  ${(stored / 1024 ** 3).toFixed(2)} GiB stored: ${recordsPerSec.toLocaleString('en-US')} records/s`,
      );
    }
    await producer.close();
    const du = Number(spawnSync('du', ['-sb', b.dir], { encoding: 'utf8' }).stdout.split('\t')[0]);
    ctx.log(`  on disk: ${du} bytes in the broker's directory`);
    return {
      broker: await b.stop(),
      plannedBytes: planned,
      bytes: totalRecords * size,
      diskBytes: du,
      note,
      partitions,
      windows: out,
    };
  } finally {
    await producer.close().catch(() => undefined);
    await admin.close().catch(() => undefined);
    await b.stop();
  }
}
