/**
 * `samsa bench produce|consume|e2e TOPIC`: measure a Kafka-compatible cluster from the client
 * side — records/s, MB/s and latency percentiles (p50, p99, p99.9, max) — with a progress line
 * on a terminal and `--json` for scripts. Works against Samsa or any Kafka.
 *
 * - produce: N records of B bytes through the Samsa producer (batches of 1,000 in flight),
 *   as fast as possible or at `--rate`; latency is each batch's send-to-acknowledgement time.
 * - consume: read N records from the beginning of every partition (no group).
 * - e2e: produce at `--rate` while a consumer reads from the end; latency is from just before
 *   the send to the record's arrival (one process, one clock).
 */
import type { Command } from 'commander';
import type { Acks, Consumer, Producer } from '../index.js';
import { CliError } from './errors.js';
import { exitCodes } from './exit-codes.js';
import { examples } from './help.js';
import { Histogram } from './histogram.js';
import { integer } from './options.js';
import { print, printJson } from './output.js';
import { Progress } from './progress.js';
import { clientOptions, type Globals, globals, loadClient, withAdmin } from './session.js';

/** Records per sendBatch call. */
const chunkRecords = 1000;
/** sendBatch calls in flight at once (the producer's buffer bounds memory beyond this). */
const chunksInFlightMax = 64;
/** The e2e value carries its send time in its first 8 bytes. */
const timestampBytes = 8;

interface BenchOptions {
  records: number;
  recordSize: number;
  partitions: number;
  acks: Acks;
  compression: 'none' | 'gzip';
  batchBytes: number;
  lingerMs: number;
  rate: number;
  json?: boolean;
}

export interface BenchResult {
  operation: 'produce' | 'consume' | 'e2e';
  topic: string;
  records: number;
  recordBytes: number;
  seconds: number;
  recordsPerSecond: number;
  megabytesPerSecond: number;
  latencyMs: { p50: number; p99: number; p999: number; max: number } | null;
}

export function registerBenchCommands(program: Command): void {
  const bench = program
    .command('bench')
    .description('measure throughput and latency against any Kafka-compatible cluster');
  const common = (cmd: Command): Command =>
    cmd
      .argument('<topic>', 'topic to use (created with --partitions when missing)')
      .option('-n, --records <n>', 'records to send or read', integer('--records', 1), 1_000_000)
      .option(
        '-s, --record-size <bytes>',
        'value size in bytes',
        integer('--record-size', timestampBytes),
        100,
      )
      .option('-p, --partitions <n>', 'partitions when the topic is created', integer('--partitions', 1), 1)
      .option('--json', 'print the result as JSON');
  const producing = (cmd: Command): Command =>
    cmd
      .option('--acks <acks>', '0, 1 or all', (v) => parseAcks(v), 1 as Acks)
      .option('--compression <type>', 'none or gzip', (v) => parseCompression(v), 'none')
      .option(
        '--batch-bytes <bytes>',
        'producer batch size per partition',
        integer('--batch-bytes', 1024),
        1024 * 1024,
      )
      .option('--linger-ms <ms>', 'producer linger', integer('--linger-ms', 0), 5)
      .option('--rate <records/s>', 'target rate; 0 = as fast as possible', integer('--rate', 0), 0);

  examples(
    producing(
      common(bench.command('produce').description('produce records as fast as possible, or at --rate')),
    ),
    [
      'samsa bench produce bench-topic --records 1000000 --record-size 100',
      'samsa bench produce t --rate 10000 --acks all --json',
    ],
  ).action((topic: string, _o, cmd: Command) => run(cmd, topic, 'produce'));
  examples(
    common(bench.command('consume').description('read records from the beginning of every partition')),
    ['samsa bench consume bench-topic --records 1000000'],
  ).action((topic: string, _o, cmd: Command) => run(cmd, topic, 'consume'));
  examples(
    producing(
      common(bench.command('e2e').description('end-to-end latency: produce at --rate while consuming')),
    ),
    ['samsa bench e2e latency-topic --rate 10000 --records 100000'],
  ).action((topic: string, _o, cmd: Command) => run(cmd, topic, 'e2e'));
}

function parseAcks(v: string): Acks {
  if (v === 'all' || v === '-1') return -1;
  if (v === '0' || v === '1') return Number(v) as Acks;
  throw new CliError(`--acks must be 0, 1 or all, got "${v}"`, exitCodes.usage);
}

function parseCompression(v: string): 'none' | 'gzip' {
  if (v === 'none' || v === 'gzip') return v;
  throw new CliError(`--compression must be none or gzip, got "${v}"`, exitCodes.usage);
}

async function run(cmd: Command, topic: string, operation: BenchResult['operation']): Promise<void> {
  const o = cmd.opts<BenchOptions>();
  const g = globals(cmd);
  if (operation === 'e2e' && o.rate === 0) o.rate = 10_000;
  await ensureTopic(g, topic, o.partitions);
  const result =
    operation === 'produce'
      ? await produce(g, topic, o)
      : operation === 'consume'
        ? await consume(g, topic, o)
        : await endToEnd(g, topic, o);
  if (o.json) printJson(result);
  else print(render(result));
}

async function ensureTopic(g: Globals, topic: string, partitions: number): Promise<void> {
  await withAdmin(g, async (admin) => {
    const existing = await admin.listTopics();
    if (!existing.includes(topic)) await admin.createTopics([{ name: topic, partitions }]);
  });
}

async function newProducer(g: Globals, o: BenchOptions): Promise<Producer<Buffer, Buffer>> {
  const { Producer } = await loadClient();
  const p = new Producer<Buffer, Buffer>({
    ...clientOptions(g),
    acks: o.acks,
    compression: o.compression,
    batchBytes: o.batchBytes,
    lingerMs: o.lingerMs,
  });
  await p.connect();
  return p;
}

function summarize(
  operation: BenchResult['operation'],
  topic: string,
  records: number,
  recordBytes: number,
  seconds: number,
  latency: Histogram | null,
): BenchResult {
  const ms = (us: number) => Math.round(us) / 1000;
  return {
    operation,
    topic,
    records,
    recordBytes,
    seconds: Math.round(seconds * 1000) / 1000,
    recordsPerSecond: Math.round(records / seconds),
    megabytesPerSecond: Math.round(((records * recordBytes) / seconds / 1e6) * 10) / 10,
    latencyMs:
      latency && latency.count > 0
        ? {
            p50: ms(latency.percentile(50)),
            p99: ms(latency.percentile(99)),
            p999: ms(latency.percentile(99.9)),
            max: ms(latency.max),
          }
        : null,
  };
}

/** Resolves after `ms` (pacing a target rate, not synchronisation). */
const pause = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Send `total` records in chunks, at most `chunksInFlightMax` at once, paced to `rate` when > 0. */
async function sendAll(
  producer: Producer<Buffer, Buffer>,
  topic: string,
  o: BenchOptions,
  makeValue: () => Buffer,
  onChunkAcked: (records: number, sentAt: number) => void,
): Promise<void> {
  let sent = 0;
  const started = performance.now();
  const inflight = new Set<Promise<void>>();
  while (sent < o.records) {
    const n = Math.min(
      o.rate > 0 ? Math.max(1, Math.min(chunkRecords, Math.ceil(o.rate / 100))) : chunkRecords,
      o.records - sent,
    );
    if (o.rate > 0) {
      const due = started + (sent / o.rate) * 1000;
      const wait = due - performance.now();
      if (wait > 1) await pause(wait);
    }
    const sentAt = performance.now();
    const batch = Array.from({ length: n }, () => ({ topic, value: makeValue() }));
    const p = producer.sendBatch(batch).then(() => onChunkAcked(n, sentAt));
    inflight.add(p);
    void p.finally(() => inflight.delete(p));
    sent += n;
    if (inflight.size >= chunksInFlightMax) await Promise.race(inflight);
  }
  await Promise.all(inflight);
}

async function produce(g: Globals, topic: string, o: BenchOptions): Promise<BenchResult> {
  const producer = await newProducer(g, o);
  const value = Buffer.alloc(o.recordSize, 'x');
  const latency = new Histogram();
  const progress = new Progress({ label: 'producing', total: o.records, unit: 'records' });
  const t0 = performance.now();
  try {
    await sendAll(
      producer,
      topic,
      o,
      () => value,
      (n, sentAt) => {
        const us = (performance.now() - sentAt) * 1000;
        for (let i = 0; i < n; i++) latency.record(us);
        progress.add(n);
      },
    );
  } finally {
    await producer.close();
  }
  const seconds = (performance.now() - t0) / 1000;
  progress.done();
  return summarize('produce', topic, o.records, o.recordSize, seconds, latency);
}

/** A consumer of every partition, from the beginning or from the current end (resolved now). */
async function assignedConsumer(g: Globals, topic: string, fromEnd: boolean): Promise<Consumer> {
  const { Consumer } = await loadClient();
  const starts = await withAdmin(g, (admin) =>
    fromEnd ? admin.latestOffsets(topic) : admin.earliestOffsets(topic),
  );
  const c = new Consumer(clientOptions(g));
  await c.assign(starts.map((s) => ({ topic, partition: s.partition, offset: s.offset })));
  return c;
}

async function consume(g: Globals, topic: string, o: BenchOptions): Promise<BenchResult> {
  const consumer = await assignedConsumer(g, topic, false);
  const progress = new Progress({ label: 'consuming', total: o.records, unit: 'records' });
  let n = 0;
  let bytes = 0;
  const t0 = performance.now();
  try {
    for await (const b of consumer.batches()) {
      for (const r of b.records) bytes += r.value?.length ?? 0;
      n += b.records.length;
      progress.add(b.records.length);
      if (n >= o.records) break;
    }
  } finally {
    await consumer.close();
  }
  const seconds = (performance.now() - t0) / 1000;
  progress.done();
  return summarize('consume', topic, n, n > 0 ? bytes / n : o.recordSize, seconds, null);
}

async function endToEnd(g: Globals, topic: string, o: BenchOptions): Promise<BenchResult> {
  const consumer = await assignedConsumer(g, topic, true);
  const producer = await newProducer(g, o);
  const latency = new Histogram();
  const progress = new Progress({ label: 'end to end', total: o.records, unit: 'records' });
  const base = performance.timeOrigin;
  const t0 = performance.now();
  const reading = (async () => {
    let n = 0;
    for await (const b of consumer.batches()) {
      const now = performance.now();
      for (const r of b.records) {
        if (!r.value || r.value.length < timestampBytes) continue;
        latency.record((now - (r.value.readDoubleBE(0) - base)) * 1000);
        n++;
      }
      progress.add(b.records.length);
      if (n >= o.records) return n;
    }
    return n;
  })();
  try {
    await sendAll(
      producer,
      topic,
      o,
      () => {
        const v = Buffer.alloc(o.recordSize, 'x');
        v.writeDoubleBE(base + performance.now(), 0);
        return v;
      },
      () => {},
    );
    const n = await reading;
    const seconds = (performance.now() - t0) / 1000;
    progress.done();
    return summarize('e2e', topic, n, o.recordSize, seconds, latency);
  } finally {
    await producer.close();
    await consumer.close();
  }
}

function render(r: BenchResult): string {
  const lines = [
    `${r.operation} ${r.topic}: ${r.records.toLocaleString('en-US')} records of ${Math.round(r.recordBytes)} bytes in ${r.seconds} s`,
    `  ${r.recordsPerSecond.toLocaleString('en-US')} records/s, ${r.megabytesPerSecond} MB/s`,
  ];
  if (r.latencyMs) {
    const l = r.latencyMs;
    lines.push(`  latency ms: p50 ${l.p50}, p99 ${l.p99}, p99.9 ${l.p999}, max ${l.max}`);
  }
  return `${lines.join('\n')}\n`;
}
