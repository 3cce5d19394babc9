/**
 * `samsa bench produce|consume|e2e TOPIC`: measure a Kafka-compatible cluster from the client
 * side — records/s, MB/s and latency percentiles (p50, p99, p99.9, max) — with a progress bar
 * on a terminal and `--json` for scripts. Works against Samsa or any Kafka.
 *
 * - produce: N records of B bytes (or for `--duration` seconds) through `--producers` Samsa
 *   producers (batches of 1,000 in flight), as fast as possible or at `--rate` in total;
 *   latency is each batch's send-to-acknowledgement time.
 * - consume: read N records (or for `--duration` seconds) from the beginning of every partition
 *   (no group), the partitions dealt round-robin to `--consumers` consumers.
 * - e2e: produce at `--rate` while consumers read from the end; latency is from just before
 *   the send to the record's arrival (one process, one clock). `--serial` is Kafka's
 *   EndToEndLatency method instead: one record at a time, the next sent when the last arrived.
 *
 * Several producers or consumers run in this one process (one event loop, one core): they show
 * what several connections and batching streams do, not what several machines would.
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
/** sendBatch calls in flight at once per producer (the producer's buffer bounds memory beyond this). */
const chunksInFlightMax = 64;
/** The e2e value carries its send time in its first 8 bytes. */
const timestampBytes = 8;
/** Bound on --producers / --consumers: each is a set of connections and buffers in this process. */
const clientsMax = 64;
/** Bound on --duration (one day). */
const durationSMax = 86_400;

interface BenchOptions {
  records: number;
  /** Set when --records was given (with --duration it is then a cap as well). */
  recordsGiven: boolean;
  duration: number;
  recordSize: number;
  partitions: number;
  producers: number;
  consumers: number;
  acks: Acks;
  compression: 'none' | 'gzip';
  batchBytes: number;
  lingerMs: number;
  rate: number;
  serial?: boolean;
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
  /** What the run was asked to do. */
  config: {
    partitions: number;
    producers: number;
    consumers: number;
    /** Seconds, or null when the run was a record count. */
    durationS: number | null;
    /** The producer settings; null for consume. */
    rate: number | null;
    acks: string | null;
    compression: string | null;
    batchBytes: number | null;
    lingerMs: number | null;
    method: 'count' | 'duration' | 'serial';
  };
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
        '-d, --duration <seconds>',
        'run for this long instead of a record count (--records, when given, still caps it)',
        integer('--duration', 1, durationSMax),
        0,
      )
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
      .option(
        '--producers <n>',
        'producers in this process, sharing the records and the rate',
        integer('--producers', 1, clientsMax),
        1,
      )
      .option('--acks <acks>', '0, 1 or all', (v) => parseAcks(v), 1 as Acks)
      .option('--compression <type>', 'none or gzip', (v) => parseCompression(v), 'none')
      .option(
        '--batch-bytes <bytes>',
        'producer batch size per partition',
        integer('--batch-bytes', 1024),
        1024 * 1024,
      )
      .option('--linger-ms <ms>', 'producer linger', integer('--linger-ms', 0), 5)
      .option('--rate <records/s>', 'target rate in total; 0 = as fast as possible', integer('--rate', 0), 0);
  const consuming = (cmd: Command): Command =>
    cmd.option(
      '--consumers <n>',
      "consumers in this process, the topic's partitions dealt among them",
      integer('--consumers', 1, clientsMax),
      1,
    );

  examples(
    producing(
      common(bench.command('produce').description('produce records as fast as possible, or at --rate')),
    ),
    [
      'samsa bench produce bench-topic --records 1000000 --record-size 100',
      'samsa bench produce t --duration 30 --producers 4 --partitions 6',
      'samsa bench produce t --rate 10000 --acks all --json',
    ],
  ).action((topic: string, _o, cmd: Command) => run(cmd, topic, 'produce'));
  examples(
    consuming(
      common(bench.command('consume').description('read records from the beginning of every partition')),
    ),
    [
      'samsa bench consume bench-topic --records 1000000',
      'samsa bench consume t --consumers 3 --duration 10',
    ],
  ).action((topic: string, _o, cmd: Command) => run(cmd, topic, 'consume'));
  examples(
    consuming(
      producing(
        common(bench.command('e2e').description('end-to-end latency: produce at --rate while consuming')),
      ),
    ).option(
      '--serial',
      "one record at a time, the next sent when the last arrived (Kafka's EndToEndLatency method)",
    ),
    [
      'samsa bench e2e latency-topic --rate 10000 --records 100000',
      'samsa bench e2e latency-topic --serial --records 10000 --linger-ms 0',
    ],
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
  o.recordsGiven = cmd.getOptionValueSource('records') === 'cli';
  o.producers ??= 1;
  o.consumers ??= 1;
  const g = globals(cmd);
  if (operation === 'e2e' && o.rate === 0 && !o.serial) o.rate = 10_000;
  if (o.serial && (o.producers > 1 || o.rate > 0))
    throw new CliError(
      '--serial sends one record at a time from one producer: drop --producers and --rate',
      exitCodes.usage,
    );
  const partitions = await ensureTopic(g, topic, o.partitions);
  if (operation !== 'produce' && o.consumers > partitions)
    throw new CliError(
      `--consumers ${o.consumers} is more than the ${partitions} partitions of ${topic}: each consumer needs at least one (use a topic with more partitions, or fewer consumers)`,
      exitCodes.usage,
    );
  const result =
    operation === 'produce'
      ? await produce(g, topic, o)
      : operation === 'consume'
        ? await consume(g, topic, o)
        : o.serial
          ? await serialEndToEnd(g, topic, o)
          : await endToEnd(g, topic, o);
  const producing = operation !== 'consume';
  result.config = {
    partitions,
    producers: producing ? o.producers : 0,
    consumers: operation === 'produce' ? 0 : o.consumers,
    durationS: o.duration > 0 ? o.duration : null,
    rate: producing ? o.rate : null,
    acks: producing ? (o.acks === -1 ? 'all' : String(o.acks)) : null,
    compression: producing ? o.compression : null,
    batchBytes: producing ? o.batchBytes : null,
    lingerMs: producing ? o.lingerMs : null,
    method: o.serial ? 'serial' : o.duration > 0 ? 'duration' : 'count',
  };
  if (o.json) printJson(result);
  else print(render(result));
}

/** The topic's partition count, creating it with `partitions` when missing. */
async function ensureTopic(g: Globals, topic: string, partitions: number): Promise<number> {
  return withAdmin(g, async (admin) => {
    const existing = await admin.listTopics();
    if (!existing.includes(topic)) {
      await admin.createTopics([{ name: topic, partitions }]);
      return partitions;
    }
    const [d] = await admin.describeTopics([topic]);
    return d?.partitions.length ?? partitions;
  });
}

/**
 * How many records may go out next, shared by every producer (and reader) of a run: a record
 * count, a deadline, or both; paced to a total rate when one is set.
 */
class Budget {
  readonly startedAt = performance.now();
  private granted = 0;
  readonly deadline: number;
  readonly cap: number;

  private readonly rate: number;

  constructor(o: BenchOptions) {
    this.rate = o.rate;
    this.deadline = o.duration > 0 ? this.startedAt + o.duration * 1000 : Number.POSITIVE_INFINITY;
    this.cap = o.duration > 0 && !o.recordsGiven ? Number.POSITIVE_INFINITY : o.records;
  }

  get timeUp(): boolean {
    return performance.now() >= this.deadline;
  }

  /** Whether `n` records done so far finish the run. */
  finished(n: number): boolean {
    return n >= this.cap || this.timeUp;
  }

  /** The done fraction, for the progress bar. */
  fraction(n: number): number {
    if (Number.isFinite(this.deadline) && !Number.isFinite(this.cap))
      return (performance.now() - this.startedAt) / (this.deadline - this.startedAt);
    if (Number.isFinite(this.deadline))
      return Math.max(n / this.cap, (performance.now() - this.startedAt) / (this.deadline - this.startedAt));
    return n / this.cap;
  }

  /** Up to `max` records to send now (after waiting for the rate); 0 when the run is over. */
  async take(max: number): Promise<number> {
    if (this.timeUp) return 0;
    const n = Math.min(max, this.cap - this.granted);
    if (n <= 0) return 0;
    this.granted += n;
    if (this.rate > 0) {
      const due = this.startedAt + ((this.granted - n) / this.rate) * 1000;
      const wait = due - performance.now();
      if (wait > 1) await pause(wait);
      if (this.timeUp) {
        this.granted -= n;
        return 0;
      }
    }
    return n;
  }
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
    config: undefined as unknown as BenchResult['config'],
  };
}

/** Resolves after `ms` (pacing a target rate, not synchronisation). */
const pause = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Send chunks while the budget grants them, at most `chunksInFlightMax` at once. Returns records acknowledged. */
async function sendAll(
  producer: Producer<Buffer, Buffer>,
  topic: string,
  budget: Budget,
  chunkMax: number,
  makeValue: () => Buffer,
  onChunkAcked: (records: number, sentAt: number) => void,
): Promise<number> {
  let acked = 0;
  const inflight = new Set<Promise<void>>();
  for (;;) {
    const n = await budget.take(chunkMax);
    if (n === 0) break;
    const sentAt = performance.now();
    const batch = Array.from({ length: n }, () => ({ topic, value: makeValue() }));
    const p = producer.sendBatch(batch).then(() => {
      acked += n;
      onChunkAcked(n, sentAt);
    });
    inflight.add(p);
    void p.finally(() => inflight.delete(p));
    if (inflight.size >= chunksInFlightMax) await Promise.race(inflight);
  }
  await Promise.all(inflight);
  return acked;
}

/** Records per chunk: 1,000, or 1/100 s of the rate so paced runs send smoothly. */
function chunkFor(o: BenchOptions): number {
  return o.rate > 0 ? Math.max(1, Math.min(chunkRecords, Math.ceil(o.rate / 100))) : chunkRecords;
}

function progressFor(label: string, budget: Budget, done: () => number): Progress {
  return new Progress({
    label,
    unit: 'records',
    bar: true,
    fraction: () => budget.fraction(done()),
    ...(Number.isFinite(budget.cap) ? { total: budget.cap } : {}),
  });
}

async function produce(g: Globals, topic: string, o: BenchOptions): Promise<BenchResult> {
  const producers = await Promise.all(Array.from({ length: o.producers }, () => newProducer(g, o)));
  const value = Buffer.alloc(o.recordSize, 'x');
  const latency = new Histogram();
  let done = 0;
  const budget = new Budget(o);
  const progress = progressFor('producing', budget, () => done);
  let acked = 0;
  try {
    const counts = await Promise.all(
      producers.map((p) =>
        sendAll(
          p,
          topic,
          budget,
          chunkFor(o),
          () => value,
          (n, sentAt) => {
            const us = (performance.now() - sentAt) * 1000;
            for (let i = 0; i < n; i++) latency.record(us);
            done += n;
            progress.add(n);
          },
        ),
      ),
    );
    acked = counts.reduce((a, b) => a + b, 0);
  } finally {
    await Promise.all(producers.map((p) => p.close()));
  }
  const seconds = (performance.now() - budget.startedAt) / 1000;
  progress.done();
  return summarize('produce', topic, acked, o.recordSize, seconds, latency);
}

/**
 * `count` consumers of the topic's partitions (dealt round-robin), each from the beginning or
 * from the current end (resolved now).
 */
async function assignedConsumers(
  g: Globals,
  topic: string,
  fromEnd: boolean,
  count: number,
): Promise<Consumer[]> {
  const { Consumer } = await loadClient();
  const starts = await withAdmin(g, (admin) =>
    fromEnd ? admin.latestOffsets(topic) : admin.earliestOffsets(topic),
  );
  const consumers: Consumer[] = [];
  for (let i = 0; i < count; i++) {
    const mine = starts.filter((_, j) => j % count === i);
    const c = new Consumer(clientOptions(g));
    await c.assign(mine.map((s) => ({ topic, partition: s.partition, offset: s.offset })));
    consumers.push(c);
  }
  return consumers;
}

/**
 * Read with every consumer until `finished(total)`; `onBatch` sees each batch. The consumers
 * are closed when the run is over (that ends the others' waits), and at the deadline.
 */
/** When readers stop: a deadline (closes them) and a condition on the records read. */
interface ReadUntil {
  deadline: number;
  finished(read: number): boolean;
}

async function readAll(
  consumers: Consumer[],
  budget: ReadUntil,
  onBatch: (records: { value: Buffer | null }[], now: number) => number,
): Promise<number> {
  let total = 0;
  const closeAll = () => Promise.all(consumers.map((c) => c.close()));
  const timer = Number.isFinite(budget.deadline)
    ? setTimeout(() => void closeAll(), Math.max(0, budget.deadline - performance.now()))
    : undefined;
  try {
    await Promise.all(
      consumers.map(async (c) => {
        for await (const b of c.batches()) {
          total += onBatch(b.records, performance.now());
          if (budget.finished(total)) break;
        }
        await closeAll();
      }),
    );
  } finally {
    clearTimeout(timer);
    await closeAll();
  }
  return total;
}

async function consume(g: Globals, topic: string, o: BenchOptions): Promise<BenchResult> {
  const consumers = await assignedConsumers(g, topic, false, o.consumers);
  let n = 0;
  let bytes = 0;
  const budget = new Budget(o);
  const progress = progressFor('consuming', budget, () => n);
  const read = await readAll(consumers, budget, (records) => {
    for (const r of records) bytes += r.value?.length ?? 0;
    n += records.length;
    progress.add(records.length);
    return records.length;
  });
  const seconds = (performance.now() - budget.startedAt) / 1000;
  progress.done();
  return summarize('consume', topic, read, read > 0 ? bytes / read : o.recordSize, seconds, null);
}

async function endToEnd(g: Globals, topic: string, o: BenchOptions): Promise<BenchResult> {
  const consumers = await assignedConsumers(g, topic, true, o.consumers);
  const producers = await Promise.all(Array.from({ length: o.producers }, () => newProducer(g, o)));
  const latency = new Histogram();
  const base = performance.timeOrigin;
  let n = 0;
  const budget = new Budget(o);
  // The readers stop at the records actually sent: set once the producers are done.
  let sentTotal = Number.POSITIVE_INFINITY;
  const readBudget: ReadUntil = {
    deadline: Number.POSITIVE_INFINITY,
    finished: (k) => k >= sentTotal,
  };
  const progress = progressFor('end to end', budget, () => n);
  const reading = readAll(consumers, readBudget, (records, now) => {
    let k = 0;
    for (const r of records) {
      if (!r.value || r.value.length < timestampBytes) continue;
      latency.record((now - (r.value.readDoubleBE(0) - base)) * 1000);
      k++;
    }
    n += k;
    progress.add(k);
    return k;
  });
  try {
    const counts = await Promise.all(
      producers.map((p) =>
        sendAll(
          p,
          topic,
          budget,
          chunkFor(o),
          () => {
            const v = Buffer.alloc(o.recordSize, 'x');
            v.writeDoubleBE(base + performance.now(), 0);
            return v;
          },
          () => {},
        ),
      ),
    );
    sentTotal = counts.reduce((a, b) => a + b, 0);
    if (n >= sentTotal) await Promise.all(consumers.map((c) => c.close()));
    const read = await reading;
    const seconds = (performance.now() - budget.startedAt) / 1000;
    progress.done();
    return summarize('e2e', topic, read, o.recordSize, seconds, latency);
  } finally {
    await Promise.all(producers.map((p) => p.close()));
    await Promise.all(consumers.map((c) => c.close()));
  }
}

/** Kafka's EndToEndLatency: send one record, wait until a consumer has it, then the next. */
async function serialEndToEnd(g: Globals, topic: string, o: BenchOptions): Promise<BenchResult> {
  const consumers = await assignedConsumers(g, topic, true, o.consumers);
  const producer = await newProducer(g, o);
  const latency = new Histogram();
  const budget = new Budget(o);
  let n = 0;
  const progress = progressFor('end to end, one at a time', budget, () => n);
  let arrived: (() => void) | undefined;
  const readBudget: ReadUntil = { deadline: Number.POSITIVE_INFINITY, finished: () => false };
  const reading = readAll(consumers, readBudget, (records) => {
    if (records.length > 0) arrived?.();
    return records.length;
  });
  try {
    const value = Buffer.alloc(o.recordSize, 'x');
    while ((await budget.take(1)) === 1) {
      const got = new Promise<void>((r) => {
        arrived = r;
      });
      const sentAt = performance.now();
      const acked = producer.send({ topic, value });
      await producer.flush();
      await acked;
      await got;
      latency.record((performance.now() - sentAt) * 1000);
      n++;
      progress.add(1);
    }
    const seconds = (performance.now() - budget.startedAt) / 1000;
    progress.done();
    return summarize('e2e', topic, n, o.recordSize, seconds, latency);
  } finally {
    await producer.close();
    await Promise.all(consumers.map((c) => c.close()));
    await reading;
  }
}

function render(r: BenchResult): string {
  const c = r.config;
  const clients = [
    c.producers > 0 ? `${c.producers} producer${c.producers > 1 ? 's' : ''}` : '',
    c.consumers > 0 ? `${c.consumers} consumer${c.consumers > 1 ? 's' : ''}` : '',
  ]
    .filter(Boolean)
    .join(', ');
  const lines = [
    `${r.operation} ${r.topic}: ${r.records.toLocaleString('en-US')} records of ${Math.round(r.recordBytes)} bytes in ${r.seconds} s (${clients}, ${c.partitions} partition${c.partitions > 1 ? 's' : ''})`,
    `  ${r.recordsPerSecond.toLocaleString('en-US')} records/s, ${r.megabytesPerSecond} MB/s`,
  ];
  if (r.latencyMs) {
    const l = r.latencyMs;
    lines.push(`  latency ms: p50 ${l.p50}, p99 ${l.p99}, p99.9 ${l.p999}, max ${l.max}`);
  }
  return `${lines.join('\n')}\n`;
}
