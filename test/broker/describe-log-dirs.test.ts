/** DescribeLogDirs (key 35) over the wire: the data dir, partition sizes as the log reports them, v1 and v4. */
import { statfsSync } from 'node:fs';
import { resolve } from 'node:path';
import t from 'tap';
import { encodeRecordBatch } from '../../protocol/record-batch.js';
import { startTestBroker } from '../helpers/broker.js';
import type { TapTest } from '../helpers/tap-types.js';
import { WireClient } from './wire-client.js';

const batch = (values: string[]) =>
  encodeRecordBatch({
    records: values.map((v, i) => ({ key: Buffer.from(`k${i}`), value: Buffer.from(v) })),
    compression: 'none',
  });

async function setup(t: TapTest) {
  const b = await startTestBroker(t, { logLevel: 'silent' });
  const client = await WireClient.connect(b.port);
  t.teardown(() => client.close());
  const created = await client.request(19, 7, {
    topics: [
      { name: 'sized', numPartitions: 2, replicationFactor: 1, assignments: [], configs: [] },
      { name: 'other', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] },
    ],
    timeoutMs: 1000,
    validateOnly: false,
  });
  t.same(
    created.topics.map((x) => x.errorCode),
    [0, 0],
  );
  const produce = async (topic: string, partition: number, values: string[]) => {
    const res = await client.request(0, 7, {
      transactionalId: null,
      acks: 1,
      timeoutMs: 5000,
      topicData: [{ name: topic, partitionData: [{ index: partition, records: batch(values) }] }],
    });
    t.equal(res.responses[0]!.partitionResponses[0]!.errorCode, 0, `produce to ${topic}-${partition}`);
  };
  const sizeOf = (topic: string, p: number) => b.broker.core.topics.partition(topic, p)!.sizeBytes;
  return { b, client, produce, sizeOf };
}

/** partition sizes of one topic from a DescribeLogDirs answer, by partition index. */
function sizes(
  res: {
    results: {
      topics: { name: string; partitions: { partitionIndex: number; partitionSize: number }[] }[];
    }[];
  },
  topic: string,
): Record<number, number> {
  const out: Record<number, number> = {};
  for (const t of res.results[0]!.topics.filter((x) => x.name === topic))
    for (const p of t.partitions) out[p.partitionIndex] = p.partitionSize;
  return out;
}

t.test('v4: every topic (topics null), sizes match the log and grow, volume bytes', async (t) => {
  const { b, client, produce, sizeOf } = await setup(t);
  await produce('sized', 1, ['a', 'bb', 'ccc']);

  const res = await client.request(35, 4, { topics: null });
  t.equal(res.errorCode, 0);
  t.equal(res.results.length, 1, 'one log dir');
  const dir = res.results[0]!;
  t.equal(dir.errorCode, 0);
  t.equal(dir.logDir, resolve(b.dataDir), 'the data dir, absolute');
  t.same(sizes(res, 'sized'), { 0: sizeOf('sized', 0), 1: sizeOf('sized', 1) });
  t.same(sizes(res, 'other'), { 0: sizeOf('other', 0) });
  t.ok(sizeOf('sized', 1) > sizeOf('sized', 0), 'the produced-to partition is larger');
  t.ok(
    dir.topics.every((x) => x.partitions.every((p) => p.offsetLag === 0 && p.isFutureKey === false)),
    'no lag, no future logs',
  );
  const fs = statfsSync(b.dataDir);
  t.equal(dir.totalBytes, fs.bsize * fs.blocks, 'totalBytes is the volume size');
  t.ok(dir.usableBytes! > 0 && dir.usableBytes! <= dir.totalBytes!, 'usableBytes within the volume');

  const before = sizeOf('sized', 1);
  await produce('sized', 1, ['more', 'records', 'here']);
  const after = await client.request(35, 4, { topics: [{ topic: 'sized', partitions: [1] }] });
  t.ok(sizeOf('sized', 1) > before, 'the log grew');
  t.same(after.results[0]!.topics, [
    {
      name: 'sized',
      partitions: [
        { partitionIndex: 1, partitionSize: sizeOf('sized', 1), offsetLag: 0, isFutureKey: false },
      ],
    },
  ]);
});

t.test('v1: chosen partitions; unknown topics and partitions are left out', async (t) => {
  const { b, client, produce, sizeOf } = await setup(t);
  await produce('sized', 0, ['x']);
  const res = await client.request(35, 1, {
    topics: [
      { topic: 'sized', partitions: [0, 7] },
      { topic: 'nope', partitions: [0] },
    ],
  });
  t.equal(res.throttleTimeMs, 0);
  t.equal(res.results.length, 1);
  t.equal(res.results[0]!.logDir, resolve(b.dataDir));
  t.equal(res.results[0]!.totalBytes, -1, 'no volume bytes before v4 (the default)');
  t.same(res.results[0]!.topics, [
    {
      name: 'sized',
      partitions: [
        { partitionIndex: 0, partitionSize: sizeOf('sized', 0), offsetLag: 0, isFutureKey: false },
      ],
    },
  ]);
  t.ok(sizeOf('sized', 0) > 0);

  const none = await client.request(35, 1, { topics: [] });
  t.same(none.results[0]!.topics, [], 'an empty list asks for nothing');
});

t.test('ApiVersions advertises DescribeLogDirs 1-4', async (t) => {
  const { client } = await setup(t);
  const av = await client.request(18, 3, { clientSoftwareName: 'samsa-test', clientSoftwareVersion: '1' });
  const k = av.apiKeys.find((x) => x.apiKey === 35);
  t.same([k?.minVersion, k?.maxVersion], [1, 4]);
});
