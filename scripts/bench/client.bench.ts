/**
 * Client library benchmark: produce and consume N records of B bytes with Samsa's client,
 * kafkajs and @platformatic/kafka, against the same Samsa broker (its own process, like a user
 * runs it), in the same run. One partition, acks=1, no compression, one client at a time.
 *
 *   npx tsc -p . && node dist/scripts/bench/client.bench.js [--records N] [--size B] [--runs R] [--inflight K]
 *
 * The broker runs with group.initial.rebalance.delay.ms=0 so group joins do not add 3 s to
 * every consume measurement.
 *
 * Produce: every client sends batches of 1000 records with up to --inflight (64) sends in
 * flight (kafkajs and platformatic have no accumulator, so this is their fast path); Samsa
 * also runs its per-record `send()` loop. Consume: every client reads the same topic from the beginning in a
 * consumer group (Samsa also with `assign`, no group). Each figure is the median of R runs.
 * Prints a Markdown table with records/s and the ratios to kafkajs and platformatic.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { Consumer as PlatformaticConsumer, Producer as PlatformaticProducer } from '@platformatic/kafka';
import { Kafka, logLevel } from 'kafkajs';
import { Admin, Consumer, Producer } from '../../client/index.js';
import { startBrokerProcess } from './broker-process.js';

const args = process.argv.slice(2);
const arg = (name: string, def: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const records = arg('records', 1_000_000);
const size = arg('size', 100);
const runs = arg('runs', 3);
const perRequest = 1000;
const inFlight = arg('inflight', 64);

let topicSeq = 0;
async function newTopic(admin: Admin, stem: string): Promise<string> {
  const name = `bench-${stem}-${++topicSeq}`;
  await admin.createTopics([{ name, partitions: 1 }]);
  return name;
}

const value = Buffer.alloc(size, 'x');

/** Run `fn` with up to `inFlight` calls at once, each for the next `perRequest` records. */
async function inBatches(fn: (n: number) => Promise<unknown>): Promise<void> {
  let sent = 0;
  const worker = async (): Promise<void> => {
    while (sent < records) {
      const n = Math.min(perRequest, records - sent);
      sent += n;
      await fn(n);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
}

// ---- produce ----

async function samsaProduceBatches(brokers: string[], topic: string): Promise<number> {
  const p = new Producer({ brokers, acks: 1, batchBytes: 1024 * 1024 });
  await p.connect();
  const chunk = Array.from({ length: perRequest }, () => ({ topic, value }));
  const t0 = performance.now();
  await inBatches((n) => p.sendBatch(n === perRequest ? chunk : chunk.slice(0, n)));
  const s = (performance.now() - t0) / 1000;
  await p.close();
  return s;
}

/** sendBatch without a cap on calls in flight: only the producer's buffer (back-pressure) bounds it. */
async function samsaProduceBackpressure(brokers: string[], topic: string): Promise<number> {
  const p = new Producer({ brokers, acks: 1, batchBytes: 1024 * 1024 });
  await p.connect();
  const chunk = Array.from({ length: perRequest }, () => ({ topic, value }));
  const t0 = performance.now();
  const pending: Promise<unknown>[] = [];
  for (let sent = 0; sent < records; sent += perRequest) {
    pending.push(p.sendBatch(sent + perRequest <= records ? chunk : chunk.slice(0, records - sent)));
    if (!p.writable) await p.waitForCapacity();
  }
  await Promise.all(pending);
  const s = (performance.now() - t0) / 1000;
  await p.close();
  return s;
}

async function samsaProduceRecords(brokers: string[], topic: string): Promise<number> {
  const p = new Producer({ brokers, acks: 1, batchBytes: 1024 * 1024 });
  await p.connect();
  const rec = { topic, value };
  const t0 = performance.now();
  let last: Promise<unknown> = Promise.resolve();
  for (let i = 0; i < records; i++) {
    last = p.send(rec);
    if (!p.writable) await p.waitForCapacity();
  }
  await last;
  await p.flush();
  const s = (performance.now() - t0) / 1000;
  await p.close();
  return s;
}

async function kafkajsProduce(brokers: string[], topic: string): Promise<number> {
  const kafka = new Kafka({ brokers, logLevel: logLevel.NOTHING });
  const producer = kafka.producer();
  await producer.connect();
  const messages = Array.from({ length: perRequest }, () => ({ value }));
  const t0 = performance.now();
  await inBatches((n) =>
    producer.send({ topic, acks: 1, messages: n === perRequest ? messages : messages.slice(0, n) }),
  );
  const s = (performance.now() - t0) / 1000;
  await producer.disconnect();
  return s;
}

async function platformaticProduce(brokers: string[], topic: string): Promise<number> {
  const producer = new PlatformaticProducer({
    clientId: 'bench',
    bootstrapBrokers: brokers,
    acks: 1,
    idempotent: false,
  });
  const messages = Array.from({ length: perRequest }, () => ({ topic, value }));
  const t0 = performance.now();
  await inBatches((n) => producer.send({ messages: n === perRequest ? messages : messages.slice(0, n) }));
  const s = (performance.now() - t0) / 1000;
  await producer.close();
  return s;
}

// ---- consume ----

async function samsaConsumeGroup(brokers: string[], topic: string): Promise<number> {
  const c = new Consumer({
    brokers,
    groupId: `samsa-${++topicSeq}`,
    resetPolicy: 'earliest',
    autoCommit: false,
  });
  c.subscribe([topic]);
  const t0 = performance.now();
  await c.connect();
  let n = 0;
  for await (const b of c.batches()) {
    n += b.records.length;
    if (n >= records) break;
  }
  const s = (performance.now() - t0) / 1000;
  await c.close();
  return s;
}

async function samsaConsumeRecords(brokers: string[], topic: string): Promise<number> {
  const c = new Consumer({ brokers });
  const t0 = performance.now();
  await c.assign([{ topic, partition: 0, offset: 0 }]);
  let n = 0;
  for await (const _ of c.records()) {
    if (++n >= records) break;
  }
  const s = (performance.now() - t0) / 1000;
  await c.close();
  return s;
}

async function kafkajsConsume(brokers: string[], topic: string): Promise<number> {
  const kafka = new Kafka({ brokers, logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `kafkajs-${++topicSeq}` });
  const t0 = performance.now();
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  let n = 0;
  await new Promise<void>((resolve, reject) => {
    consumer
      .run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          n += batch.messages.length;
          if (n >= records) resolve();
        },
      })
      .catch(reject);
  });
  const s = (performance.now() - t0) / 1000;
  await consumer.disconnect();
  return s;
}

async function platformaticConsume(brokers: string[], topic: string): Promise<number> {
  const consumer = new PlatformaticConsumer({
    clientId: 'bench',
    groupId: `platformatic-${++topicSeq}`,
    bootstrapBrokers: brokers,
  });
  const t0 = performance.now();
  const stream = await consumer.consume({ topics: [topic], mode: 'earliest', autocommit: false });
  let n = 0;
  await new Promise<void>((resolve, reject) => {
    stream.on('data', () => {
      if (++n === records) resolve();
    });
    stream.on('error', reject);
  });
  const s = (performance.now() - t0) / 1000;
  await stream.close();
  await consumer.close(true);
  return s;
}

// ---- driver ----

const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function measure(label: string, fn: () => Promise<number>): Promise<number> {
  const rates: number[] = [];
  for (let r = 0; r < runs; r++) {
    const seconds = await fn();
    rates.push(records / seconds);
    process.stderr.write(
      `${label} run ${r + 1}: ${Math.round(records / seconds).toLocaleString('en-US')} records/s\n`,
    );
  }
  return median(rates);
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'samsa-client-bench-'));
  const broker = await startBrokerProcess(join(dir, 'data'));
  const { port } = broker;
  const brokers = [`127.0.0.1:${port}`];
  const admin = new Admin({ brokers });
  try {
    const produce: [string, number][] = [];
    produce.push([
      `samsa sendBatch, ${inFlight} in flight`,
      await measure('samsa sendBatch', async () => samsaProduceBatches(brokers, await newTopic(admin, 'sb'))),
    ]);
    produce.push([
      'samsa sendBatch, back-pressure only',
      await measure('samsa sendBatch bp', async () =>
        samsaProduceBackpressure(brokers, await newTopic(admin, 'sbp')),
      ),
    ]);
    produce.push([
      'samsa send() per record, back-pressure',
      await measure('samsa send', async () => samsaProduceRecords(brokers, await newTopic(admin, 'sr'))),
    ]);
    produce.push([
      `kafkajs, ${inFlight} in flight`,
      await measure('kafkajs produce', async () => kafkajsProduce(brokers, await newTopic(admin, 'kj'))),
    ]);
    produce.push([
      `platformatic, ${inFlight} in flight`,
      await measure('platformatic produce', async () =>
        platformaticProduce(brokers, await newTopic(admin, 'pl')),
      ),
    ]);

    const source = await newTopic(admin, 'consume');
    await samsaProduceBatches(brokers, source);
    const consume: [string, number][] = [];
    consume.push([
      'samsa group, batches()',
      await measure('samsa consume group', () => samsaConsumeGroup(brokers, source)),
    ]);
    consume.push([
      'samsa assign, records()',
      await measure('samsa consume records', () => samsaConsumeRecords(brokers, source)),
    ]);
    consume.push([
      'kafkajs (eachBatch)',
      await measure('kafkajs consume', () => kafkajsConsume(brokers, source)),
    ]);
    consume.push([
      'platformatic (stream)',
      await measure('platformatic consume', () => platformaticConsume(brokers, source)),
    ]);

    const cpu = cpus()[0]?.model ?? 'unknown cpu';
    console.log(
      `\n${records.toLocaleString('en-US')} records of ${size} bytes, 1 partition, acks=1, median of ${runs} runs; ` +
        `broker in its own process; ${inFlight} sends in flight; ${cpus().length} cores (${cpu}), ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}\n`,
    );
    const table = (title: string, rows: [string, number][], kafkajs: number, platformatic: number) => {
      console.log(`| ${title} | records/s | MB/s | × kafkajs | × platformatic |`);
      console.log('|---|---|---|---|---|');
      for (const [name, rps] of rows) {
        console.log(
          `| ${name} | ${Math.round(rps).toLocaleString('en-US')} | ${((rps * size) / 1e6).toFixed(1)} | ${(rps / kafkajs).toFixed(2)} | ${(rps / platformatic).toFixed(2)} |`,
        );
      }
      console.log('');
    };
    table('produce', produce, produce[3]![1], produce[4]![1]);
    table('consume', consume, consume[2]![1], consume[3]![1]);
  } finally {
    await admin.close();
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
