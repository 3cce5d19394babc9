/**
 * One produce or consume run of each client against a broker, timed: Samsa's client (several
 * ways), kafkajs, @platformatic/kafka and kcat (librdkafka). Each returns the seconds it took
 * to produce or read `records` records of `size` bytes. Used by the suite's clients section and
 * by client.bench.ts.
 *
 * Produce: the Node clients send batches of 1,000 records with up to `inFlight` sends in flight
 * (kafkajs and platformatic have no accumulator, so this is their fast path); kcat reads a file
 * of lines with linger.ms=5, batch.num.messages=10000. Consume: each Node client reads the
 * topic from the beginning in a consumer group (Samsa also with `assign`); kcat with -C -e.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { Consumer as PlatformaticConsumer, Producer as PlatformaticProducer } from '@platformatic/kafka';
import { Kafka, logLevel } from 'kafkajs';
import { Consumer, Producer } from '../../client/index.js';

/** Records per send call. */
export const perRequest = 1000;

export interface ClientRun {
  brokers: string[];
  topic: string;
  records: number;
  size: number;
  /** Send calls in flight (Node clients). */
  inFlight: number;
}

let groupSeq = 0;
const groupId = (stem: string) => `bench-${stem}-${process.pid}-${++groupSeq}`;

/** Run `fn` with up to `inFlight` calls at once, each for the next `perRequest` records. */
async function inBatches(r: ClientRun, fn: (n: number) => Promise<unknown>): Promise<void> {
  let sent = 0;
  const worker = async (): Promise<void> => {
    while (sent < r.records) {
      const n = Math.min(perRequest, r.records - sent);
      sent += n;
      await fn(n);
    }
  };
  await Promise.all(Array.from({ length: r.inFlight }, worker));
}

const payload = (r: ClientRun) => Buffer.alloc(r.size, 'x');

// ---- produce ----

export async function samsaProduceBatches(r: ClientRun): Promise<number> {
  const p = new Producer({ brokers: r.brokers, acks: 1, batchBytes: 1024 * 1024 });
  await p.connect();
  const value = payload(r);
  const chunk = Array.from({ length: perRequest }, () => ({ topic: r.topic, value }));
  const t0 = performance.now();
  await inBatches(r, (n) => p.sendBatch(n === perRequest ? chunk : chunk.slice(0, n)));
  const s = (performance.now() - t0) / 1000;
  await p.close();
  return s;
}

/** sendBatch without a cap on calls in flight: only the producer's buffer (back-pressure) bounds it. */
export async function samsaProduceBackpressure(r: ClientRun): Promise<number> {
  const p = new Producer({ brokers: r.brokers, acks: 1, batchBytes: 1024 * 1024 });
  await p.connect();
  const value = payload(r);
  const chunk = Array.from({ length: perRequest }, () => ({ topic: r.topic, value }));
  const t0 = performance.now();
  const pending: Promise<unknown>[] = [];
  for (let sent = 0; sent < r.records; sent += perRequest) {
    pending.push(p.sendBatch(sent + perRequest <= r.records ? chunk : chunk.slice(0, r.records - sent)));
    if (!p.writable) await p.waitForCapacity();
  }
  await Promise.all(pending);
  const s = (performance.now() - t0) / 1000;
  await p.close();
  return s;
}

export async function samsaProduceRecords(r: ClientRun): Promise<number> {
  const p = new Producer({ brokers: r.brokers, acks: 1, batchBytes: 1024 * 1024 });
  await p.connect();
  const rec = { topic: r.topic, value: payload(r) };
  const t0 = performance.now();
  let last: Promise<unknown> = Promise.resolve();
  for (let i = 0; i < r.records; i++) {
    last = p.send(rec);
    if (!p.writable) await p.waitForCapacity();
  }
  await last;
  await p.flush();
  const s = (performance.now() - t0) / 1000;
  await p.close();
  return s;
}

export async function kafkajsProduce(r: ClientRun): Promise<number> {
  const kafka = new Kafka({ brokers: r.brokers, logLevel: logLevel.NOTHING });
  const producer = kafka.producer();
  await producer.connect();
  const value = payload(r);
  const messages = Array.from({ length: perRequest }, () => ({ value }));
  const t0 = performance.now();
  await inBatches(r, (n) =>
    producer.send({ topic: r.topic, acks: 1, messages: n === perRequest ? messages : messages.slice(0, n) }),
  );
  const s = (performance.now() - t0) / 1000;
  await producer.disconnect();
  return s;
}

export async function platformaticProduce(r: ClientRun): Promise<number> {
  const producer = new PlatformaticProducer({
    clientId: 'bench',
    bootstrapBrokers: r.brokers,
    acks: 1,
    idempotent: false,
  });
  const value = payload(r);
  const messages = Array.from({ length: perRequest }, () => ({ topic: r.topic, value }));
  const t0 = performance.now();
  await inBatches(r, (n) => producer.send({ messages: n === perRequest ? messages : messages.slice(0, n) }));
  const s = (performance.now() - t0) / 1000;
  await producer.close();
  return s;
}

/** The kcat command lines for a run (for the report). */
export function kcatCommands(r: ClientRun, file: string): { produce: string[]; consume: string[] } {
  const b = r.brokers.join(',');
  return {
    produce: [
      'kcat',
      '-b',
      b,
      '-t',
      r.topic,
      '-P',
      '-l',
      '-X',
      'linger.ms=5',
      '-X',
      'batch.num.messages=10000',
      file,
    ],
    consume: ['kcat', '-b', b, '-t', r.topic, '-C', '-o', 'beginning', '-e', '-q', '-c', String(r.records)],
  };
}

/** Run a command to completion; seconds taken (spawn included, as a user would see it). */
function timedCommand(argv: string[]): Promise<number> {
  const t0 = performance.now();
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0) resolve((performance.now() - t0) / 1000);
      else reject(new Error(`${argv.join(' ')} failed (exit ${code}): ${stderr.trim().slice(0, 500)}`));
    });
  });
}

/** kcat -P of a file of `records` lines of `size - 1` bytes plus the newline (written first, untimed). */
export async function kcatProduce(r: ClientRun, file: string): Promise<number> {
  const line = 'x'.repeat(r.size - 1);
  writeFileSync(file, `${line}\n`.repeat(r.records));
  return timedCommand(kcatCommands(r, file).produce);
}

export function kcatConsume(r: ClientRun): Promise<number> {
  return timedCommand(kcatCommands(r, '').consume);
}

// ---- consume ----

export async function samsaConsumeGroup(r: ClientRun): Promise<number> {
  const c = new Consumer({
    brokers: r.brokers,
    groupId: groupId('samsa'),
    resetPolicy: 'earliest',
    autoCommit: false,
  });
  c.subscribe([r.topic]);
  const t0 = performance.now();
  await c.connect();
  let n = 0;
  for await (const b of c.batches()) {
    n += b.records.length;
    if (n >= r.records) break;
  }
  const s = (performance.now() - t0) / 1000;
  await c.close();
  return s;
}

export async function samsaConsumeRecords(r: ClientRun): Promise<number> {
  const c = new Consumer({ brokers: r.brokers });
  const t0 = performance.now();
  await c.assign([{ topic: r.topic, partition: 0, offset: 0 }]);
  let n = 0;
  for await (const _ of c.records()) {
    if (++n >= r.records) break;
  }
  const s = (performance.now() - t0) / 1000;
  await c.close();
  return s;
}

export async function kafkajsConsume(r: ClientRun): Promise<number> {
  const kafka = new Kafka({ brokers: r.brokers, logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: groupId('kafkajs') });
  const t0 = performance.now();
  await consumer.connect();
  await consumer.subscribe({ topics: [r.topic], fromBeginning: true });
  let n = 0;
  await new Promise<void>((resolve, reject) => {
    consumer
      .run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          n += batch.messages.length;
          if (n >= r.records) resolve();
        },
      })
      .catch(reject);
  });
  const s = (performance.now() - t0) / 1000;
  await consumer.disconnect();
  return s;
}

export async function platformaticConsume(r: ClientRun): Promise<number> {
  const consumer = new PlatformaticConsumer({
    clientId: 'bench',
    groupId: groupId('platformatic'),
    bootstrapBrokers: r.brokers,
  });
  const t0 = performance.now();
  const stream = await consumer.consume({ topics: [r.topic], mode: 'earliest', autocommit: false });
  let n = 0;
  await new Promise<void>((resolve, reject) => {
    stream.on('data', () => {
      if (++n === r.records) resolve();
    });
    stream.on('error', reject);
  });
  const s = (performance.now() - t0) / 1000;
  await stream.close();
  await consumer.close(true);
  return s;
}
