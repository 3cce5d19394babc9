/**
 * Kafka's 2014 reference table on Samsa: 100-byte records, 6 partitions, acks=1 — one producer,
 * one consumer, both together, and end-to-end latency (at 10,000 records/s, the issue's
 * latency target, and one record at a time as Kafka's EndToEndLatency tool measured it).
 * Every client is `samsa bench` in its own process; the broker is its own process.
 */
import { Admin } from '../../../client/index.js';
import { type SuiteContext, samsaBench, startBroker } from '../suite-context.js';
import type { Kafka2014Section } from '../suite-types.js';

export async function runKafka2014(ctx: SuiteContext): Promise<Kafka2014Section> {
  const p = ctx.plan.kafka2014;
  const n = String(p.records);
  const common = ['--record-size', String(ctx.plan.recordBytes), '--partitions', String(p.partitions)];
  const producing = [...common, '--acks', '1'];
  const b = await startBroker(ctx, 'kafka2014');
  try {
    const producer = await samsaBench(
      ctx,
      b.bootstrap,
      ['produce', 'k14-single', '--records', n, ...producing],
      'produce',
    );
    const consumer = await samsaBench(
      ctx,
      b.bootstrap,
      ['consume', 'k14-single', '--records', n, ...common],
      'consume',
    );

    // Together: the topic exists first, so the consumer (from offset 0) and the producer start at once.
    const admin = new Admin({ brokers: [b.bootstrap] });
    try {
      await admin.createTopics([{ name: 'k14-together', partitions: p.partitions }]);
    } finally {
      await admin.close();
    }
    const [tc, tp] = await Promise.all([
      samsaBench(ctx, b.bootstrap, ['consume', 'k14-together', '--records', n, ...common]),
      samsaBench(ctx, b.bootstrap, ['produce', 'k14-together', '--records', n, ...producing]),
    ]);
    const together = {
      producer: tp,
      consumer: tc,
      recordsPerSec: Math.round(p.records / Math.max(tp.result.seconds, tc.result.seconds)),
    };

    const latencyAtRate = await samsaBench(ctx, b.bootstrap, [
      'e2e',
      'k14-e2e-rate',
      '--records',
      String(p.e2eRecords),
      '--rate',
      String(p.e2eRate),
      '--linger-ms',
      '0',
      ...producing,
    ]);
    const latencySerial = await samsaBench(ctx, b.bootstrap, [
      'e2e',
      'k14-e2e-serial',
      '--serial',
      '--records',
      String(p.serialRecords),
      '--linger-ms',
      '0',
      ...producing,
    ]);
    return { broker: await b.stop(), producer, consumer, together, latencyAtRate, latencySerial };
  } finally {
    await b.stop();
  }
}
