/**
 * Client library benchmark on its own (the suite's clients section runs the same functions):
 * produce and consume N records of B bytes with Samsa's client, kafkajs and
 * @platformatic/kafka against one Samsa broker process, one partition, acks=1, one client at a
 * time; each figure the median of R runs. Prints a Markdown table with the ratios.
 *
 *   npx tsc -p . && node dist/scripts/bench/client.bench.js [--records N] [--size B] [--runs R] [--inflight K]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { Admin } from '../../client/index.js';
import { startBrokerProcess } from './broker-process.js';
import * as runners from './client-runners.js';

const args = process.argv.slice(2);
const arg = (name: string, def: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const records = arg('records', 1_000_000);
const size = arg('size', 100);
const runs = arg('runs', 3);
const inFlight = arg('inflight', 64);

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
  const brokers = [`127.0.0.1:${broker.port}`];
  const admin = new Admin({ brokers });
  let seq = 0;
  const topic = async (stem: string) => {
    const name = `bench-${stem}-${++seq}`;
    await admin.createTopics([{ name, partitions: 1 }]);
    return name;
  };
  const run = (t: string) => ({ brokers, topic: t, records, size, inFlight });
  try {
    const produce: [string, number][] = [
      [
        `samsa sendBatch, ${inFlight} in flight`,
        await measure('samsa sendBatch', async () => runners.samsaProduceBatches(run(await topic('sb')))),
      ],
      [
        'samsa sendBatch, back-pressure only',
        await measure('samsa sendBatch bp', async () =>
          runners.samsaProduceBackpressure(run(await topic('sbp'))),
        ),
      ],
      [
        'samsa send() per record, back-pressure',
        await measure('samsa send', async () => runners.samsaProduceRecords(run(await topic('sr')))),
      ],
      [
        `kafkajs, ${inFlight} in flight`,
        await measure('kafkajs produce', async () => runners.kafkajsProduce(run(await topic('kj')))),
      ],
      [
        `platformatic, ${inFlight} in flight`,
        await measure('platformatic produce', async () =>
          runners.platformaticProduce(run(await topic('pl'))),
        ),
      ],
    ];
    const source = await topic('consume');
    await runners.samsaProduceBatches(run(source));
    const consume: [string, number][] = [
      [
        'samsa group, batches()',
        await measure('samsa consume group', () => runners.samsaConsumeGroup(run(source))),
      ],
      [
        'samsa assign, records()',
        await measure('samsa consume records', () => runners.samsaConsumeRecords(run(source))),
      ],
      ['kafkajs (eachBatch)', await measure('kafkajs consume', () => runners.kafkajsConsume(run(source)))],
      [
        'platformatic (stream)',
        await measure('platformatic consume', () => runners.platformaticConsume(run(source))),
      ],
    ];
    const cpu = cpus()[0]?.model ?? 'unknown cpu';
    console.log(
      `\n${records.toLocaleString('en-US')} records of ${size} bytes, 1 partition, acks=1, median of ${runs} runs; ` +
        `broker in its own process; ${inFlight} sends in flight; ${cpus().length} cores (${cpu}), ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}\n`,
    );
    const table = (title: string, rows: [string, number][], kafkajs: number, platformatic: number) => {
      console.log(`| ${title} | records/s | MB/s | × kafkajs | × platformatic |`);
      console.log('|---|---|---|---|---|');
      for (const [name, rps] of rows)
        console.log(
          `| ${name} | ${Math.round(rps).toLocaleString('en-US')} | ${((rps * size) / 1e6).toFixed(1)} | ${(rps / kafkajs).toFixed(2)} | ${(rps / platformatic).toFixed(2)} |`,
        );
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
