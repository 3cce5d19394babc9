/**
 * A first produce/consume measurement against a Samsa broker, driven by real clients:
 * kcat (librdkafka) and kafkajs. The broker runs as its own process (like a user would run
 * it); the clients run one after another against it.
 *
 *   npx tsc -p . && node dist/scripts/bench/broker-clients.bench.js [--records N] [--size B]
 *
 * Prints a Markdown table of records/s and MB/s for each client and direction.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { startBrokerProcess } from './broker-process.js';

const args = process.argv.slice(2);
const arg = (name: string, def: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const records = arg('records', 500_000);
const size = arg('size', 100);

interface Row {
  client: string;
  op: string;
  seconds: number;
}

function kcatProduce(port: number, topic: string, file: string): number {
  const t0 = performance.now();
  const r = spawnSync(
    'kcat',
    [
      '-b',
      `127.0.0.1:${port}`,
      '-t',
      topic,
      '-P',
      '-l',
      '-X',
      'linger.ms=5',
      '-X',
      'batch.num.messages=10000',
      file,
    ],
    { stdio: 'inherit' },
  );
  if (r.status !== 0) throw new Error(`kcat produce failed (${r.status})`);
  return (performance.now() - t0) / 1000;
}

function kcatConsume(port: number, topic: string): number {
  const t0 = performance.now();
  const r = spawnSync(
    'kcat',
    ['-b', `127.0.0.1:${port}`, '-t', topic, '-C', '-o', 'beginning', '-e', '-q', '-c', String(records)],
    {
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  if (r.status !== 0) throw new Error(`kcat consume failed (${r.status})`);
  return (performance.now() - t0) / 1000;
}

async function kafkajsProduce(port: number, topic: string): Promise<number> {
  const kafka = new Kafka({ brokers: [`127.0.0.1:${port}`], logLevel: logLevel.NOTHING });
  const producer = kafka.producer();
  await producer.connect();
  const value = Buffer.alloc(size, 'x');
  const perRequest = 1000;
  const inFlight = 8;
  const t0 = performance.now();
  let sent = 0;
  const sendOne = async (): Promise<void> => {
    while (sent < records) {
      const n = Math.min(perRequest, records - sent);
      sent += n;
      await producer.send({ topic, acks: 1, messages: Array.from({ length: n }, () => ({ value })) });
    }
  };
  await Promise.all(Array.from({ length: inFlight }, sendOne));
  const s = (performance.now() - t0) / 1000;
  await producer.disconnect();
  return s;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'samsa-bench-'));
  const broker = await startBrokerProcess(join(dir, 'data'));
  const { port } = broker;
  try {
    const file = join(dir, 'records.txt');
    const line = 'x'.repeat(size - 1);
    writeFileSync(file, `${`${line}\n`.repeat(records)}`);
    const rows: Row[] = [];
    rows.push({ client: 'kcat', op: 'produce', seconds: kcatProduce(port, 'bench-kcat', file) });
    rows.push({ client: 'kcat', op: 'consume', seconds: kcatConsume(port, 'bench-kcat') });
    rows.push({ client: 'kafkajs', op: 'produce', seconds: await kafkajsProduce(port, 'bench-kafkajs') });
    console.log(
      `\n${records} records of ${size} bytes, 1 partition, acks=1; ${cpus().length} cores, node ${process.version}\n`,
    );
    console.log('| client | operation | records/s | MB/s |');
    console.log('|---|---|---|---|');
    for (const r of rows) {
      const rps = records / r.seconds;
      console.log(
        `| ${r.client} | ${r.op} | ${Math.round(rps).toLocaleString('en-US')} | ${((rps * size) / 1e6).toFixed(1)} |`,
      );
    }
  } finally {
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
