import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import t, { type Test } from 'tap';
import { type Broker, startBroker } from '../../broker/broker.js';
import type { BrokerConfig } from '../../broker/config.js';
import { encodeRecordBatch } from '../../protocol/record-batch.js';
import { WireClient } from './wire-client.js';

async function withBroker(tt: Test, config: Partial<BrokerConfig>): Promise<Broker> {
  const dataDir = mkdtempSync(join(tmpdir(), 'samsa-limits-'));
  const broker = await startBroker({ dataDir, port: 0, logger: pino({ level: 'silent' }), ...config });
  tt.teardown(async () => {
    await broker.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  return broker;
}

/** Resolve once `cond` holds, checking after each turn of the event loop; fail after `ms`. */
async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

const fetchBody = (topic: string, offset: number) => ({
  replicaId: -1,
  maxWaitMs: 20_000,
  minBytes: 1,
  maxBytes: 1 << 20,
  isolationLevel: 0,
  topics: [
    {
      topic,
      partitions: [
        {
          partition: 0,
          currentLeaderEpoch: -1,
          fetchOffset: offset,
          logStartOffset: -1,
          partitionMaxBytes: 1 << 20,
        },
      ],
    },
  ],
});

t.test('a connection reads no more requests than connectionInflightRequestsMax', async (t) => {
  const broker = await withBroker(t, { connectionInflightRequestsMax: 2 });
  const consumer = await WireClient.connect(broker.port);
  const producer = await WireClient.connect(broker.port);
  t.teardown(() => {
    consumer.close();
    producer.close();
  });
  await producer.request(19, 7, {
    topics: [{ name: 'q', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }],
    timeoutMs: 1000,
    validateOnly: false,
  });
  const waiters = broker.core.topics.waiters;
  const answers = [0, 0, 0, 0].map(() => consumer.request(1, 11, fetchBody('q', 0)));
  await until(() => waiters.parked === 2);
  // Let the event loop turn a few times: the other two requests must stay unread.
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
  t.equal(waiters.parked, 2, 'only two requests in flight');
  await producer.request(0, 7, {
    transactionalId: null,
    acks: 1,
    timeoutMs: 1000,
    topicData: [
      {
        name: 'q',
        partitionData: [{ index: 0, records: encodeRecordBatch({ records: [{ value: Buffer.from('x') }] }) }],
      },
    ],
  });
  const results = await Promise.all(answers);
  t.same(
    results.map((r) => r.responses[0]?.partitions[0]?.highWatermark),
    [1, 1, 1, 1],
    'every request answered, in order, once the first ones completed',
  );
});

t.test('connections beyond connectionsMax are refused; the others keep working', async (t) => {
  const broker = await withBroker(t, { connectionsMax: 2 });
  const a = await WireClient.connect(broker.port);
  const b = await WireClient.connect(broker.port);
  t.teardown(() => {
    a.close();
    b.close();
  });
  await a.request(18, 3, { clientSoftwareName: 't', clientSoftwareVersion: '1' });
  await b.request(18, 3, { clientSoftwareName: 't', clientSoftwareVersion: '1' });
  const c = await WireClient.connect(broker.port);
  await c.closed;
  t.pass('third connection closed by the broker');
  const r = await a.request(18, 3, { clientSoftwareName: 't', clientSoftwareVersion: '1' });
  t.equal(r.errorCode, 0);
});

t.test('an idle connection is closed after connectionIdleMs', async (t) => {
  const broker = await withBroker(t, { connectionIdleMs: 100 });
  const started = Date.now();
  const socket = connect(broker.port, '127.0.0.1');
  await new Promise<void>((resolve) => socket.on('close', () => resolve()));
  t.ok(Date.now() - started >= 90, 'not before the idle time');
  t.equal(broker.core.metrics.connectionsClosed.get({ reason: 'idle' }), 1, 'counted as an idle close');
});

t.test('a parked fetch is answered when the broker shuts down', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'samsa-limits-'));
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
  const broker = await startBroker({ dataDir, port: 0, logger: pino({ level: 'silent' }) });
  const client = await WireClient.connect(broker.port);
  t.teardown(() => client.close());
  await client.request(19, 7, {
    topics: [{ name: 's', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }],
    timeoutMs: 1000,
    validateOnly: false,
  });
  const pending = client.request(1, 11, fetchBody('s', 0));
  await until(() => broker.core.topics.waiters.parked === 1);
  const closing = broker.close();
  const r = await pending;
  t.equal(r.responses[0]?.partitions[0]?.errorCode, 0, 'answered (empty) rather than dropped');
  await closing;
});
