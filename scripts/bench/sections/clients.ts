/**
 * Clients against the same Samsa broker: Samsa's client (three ways of producing, two of
 * consuming), kafkajs, @platformatic/kafka and kcat, one after another, 1 partition, acks=1.
 * A client that fails is reported with its error; the others still run.
 */
import { join } from 'node:path';
import { Admin } from '../../../client/index.js';
import * as runners from '../client-runners.js';
import { type SuiteContext, startBroker } from '../suite-context.js';
import type { ClientRow, ClientsSection } from '../suite-types.js';

export async function runClients(ctx: SuiteContext): Promise<ClientsSection> {
  const { records, inFlight } = ctx.plan.clients;
  const size = ctx.plan.recordBytes;
  const b = await startBroker(ctx, 'clients');
  const brokers = [b.bootstrap];
  const admin = new Admin({ brokers });
  const rows: ClientRow[] = [];
  let seq = 0;
  const topic = async (stem: string) => {
    const name = `clients-${stem}-${++seq}`;
    await admin.createTopics([{ name, partitions: 1 }]);
    return name;
  };
  const measure = async (
    client: string,
    operation: ClientRow['operation'],
    method: string,
    fn: () => Promise<number>,
  ) => {
    ctx.log(`${client} ${operation} (${method})`);
    try {
      const seconds = await fn();
      const recordsPerSec = Math.round(records / seconds);
      rows.push({
        client,
        operation,
        method,
        records,
        seconds: Math.round(seconds * 1000) / 1000,
        recordsPerSec,
      });
      ctx.log(`  ${recordsPerSec.toLocaleString('en-US')} records/s`);
    } catch (e) {
      rows.push({
        client,
        operation,
        method,
        records,
        seconds: null,
        recordsPerSec: null,
        error: String((e as Error).message ?? e),
      });
      ctx.log(`  failed: ${(e as Error).message}`);
    }
  };
  const run = (t: string) => ({ brokers, topic: t, records, size, inFlight });
  const kcatFile = join(ctx.workDir, 'kcat-records.txt');
  try {
    await measure('samsa', 'produce', `sendBatch of 1,000, ${inFlight} in flight`, async () =>
      runners.samsaProduceBatches(run(await topic('samsa'))),
    );
    await measure('samsa', 'produce', 'sendBatch, back-pressure only', async () =>
      runners.samsaProduceBackpressure(run(await topic('samsa-bp'))),
    );
    await measure('samsa', 'produce', 'send() per record, back-pressure', async () =>
      runners.samsaProduceRecords(run(await topic('samsa-send'))),
    );
    await measure('kafkajs', 'produce', `send of 1,000, ${inFlight} in flight`, async () =>
      runners.kafkajsProduce(run(await topic('kafkajs'))),
    );
    await measure('@platformatic/kafka', 'produce', `send of 1,000, ${inFlight} in flight`, async () =>
      runners.platformaticProduce(run(await topic('platformatic'))),
    );
    const kcatTopic = await topic('kcat');
    await measure('kcat', 'produce', '-P -l from a file, linger.ms=5, batch.num.messages=10000', () =>
      runners.kcatProduce(run(kcatTopic), kcatFile),
    );

    const source = await topic('source');
    await runners.samsaProduceBatches(run(source));
    await measure('samsa', 'consume', 'consumer group, batches()', () =>
      runners.samsaConsumeGroup(run(source)),
    );
    await measure('samsa', 'consume', 'assign, records()', () => runners.samsaConsumeRecords(run(source)));
    await measure('kafkajs', 'consume', 'consumer group, eachBatch', () =>
      runners.kafkajsConsume(run(source)),
    );
    await measure('@platformatic/kafka', 'consume', 'consumer group, stream', () =>
      runners.platformaticConsume(run(source)),
    );
    await measure('kcat', 'consume', '-C -o beginning -e', () => runners.kcatConsume(run(source)));
    const k = runners.kcatCommands(run(kcatTopic), kcatFile);
    const kc = runners.kcatCommands(run(source), kcatFile);
    await admin.close();
    return {
      broker: await b.stop(),
      records,
      partitions: 1,
      rows,
      kcatCommands: [k.produce.join(' '), kc.consume.join(' ')],
    };
  } finally {
    await admin.close();
    await b.stop();
  }
}
