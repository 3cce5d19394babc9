/**
 * @platformatic/kafka 1.x against an in-process Samsa broker: its producer (keys, headers,
 * partitions, gzip), and consuming through its low-level APIs — Consumer.listOffsets and
 * Consumer.fetch (no group), the connection-level ListOffsets v5 / Fetch v12 calls, and
 * Admin.describeLogDirs (DescribeLogDirs v4: partition sizes and the volume's bytes).
 */

import { resolve } from 'node:path';
import {
  Admin,
  Connection,
  Consumer,
  fetchV12,
  listOffsetsV5,
  Producer,
  stringSerializers,
} from '@platformatic/kafka';
import t from 'tap';
import { startTestBroker } from '../helpers/broker.js';
import { kcatConsume, kcatHeaders } from '../helpers/kcat.js';
import { uniqueTopic } from '../helpers/temp.js';

const b = await startTestBroker(t);
type FetchResponse = fetchV12.FetchResponse;

interface TestLike {
  teardown(fn: () => unknown): void;
}

const common = {
  clientId: 'samsa-e2e-platformatic',
  bootstrapBrokers: [b.bootstrap],
  retries: 2,
  retryDelay: 100,
};

function newProducer(tt: TestLike): Producer<string, string, string, string> {
  const p = new Producer({ ...common, serializers: stringSerializers, autocreateTopics: true });
  tt.teardown(() => p.close());
  return p;
}

function newConsumer(tt: TestLike): Consumer {
  // A group id is required by the constructor; nothing here joins the group.
  const c = new Consumer({ ...common, groupId: uniqueTopic('plt-unused-group') });
  tt.teardown(() => c.close(true));
  return c;
}

async function createTopic(tt: TestLike, topic: string, partitions: number): Promise<void> {
  const admin = new Admin(common);
  tt.teardown(() => admin.close());
  const created = await admin.createTopics({ topics: [topic], partitions, replicas: 1 });
  if (created.length !== 1 || created[0]?.name !== topic || created[0]?.partitions !== partitions) {
    throw new Error(`Admin.createTopics(${topic}, ${partitions}) answered ${JSON.stringify(created)}`);
  }
}

interface Flat {
  partition: number;
  offset: bigint;
  attributes: number;
  key: string | null;
  value: string | null;
  headers: [string, string][];
}

function flatten(res: FetchResponse): Flat[] {
  const out: Flat[] = [];
  for (const topic of res.responses) {
    for (const p of topic.partitions) {
      if (p.errorCode !== 0) throw new Error(`fetch partition ${p.partitionIndex}: error ${p.errorCode}`);
      for (const batch of p.records ?? []) {
        for (const r of batch.records) {
          out.push({
            partition: p.partitionIndex,
            offset: batch.firstOffset + BigInt(r.offsetDelta),
            attributes: batch.attributes,
            key: r.key?.toString() ?? null,
            value: r.value?.toString() ?? null,
            headers: r.headers.map(([k, v]: [Buffer | null, Buffer | null]) => [
              k?.toString() ?? '',
              v?.toString() ?? '',
            ]),
          });
        }
      }
    }
  }
  return out;
}

t.test('the broker offers a version of every API this client needs', async (t) => {
  const admin = new Admin(common);
  t.teardown(() => admin.close());
  const apis = await admin.listApis();
  const byKey = new Map(apis.map((a) => [a.apiKey, a]));
  // platformatic 1.x implements: Produce 7-11, Fetch 12-17, ListOffsets 5-9, Metadata 9-12,
  // ApiVersions 3-4, CreateTopics 7, DeleteTopics 6.
  const needs: [string, number, number, number][] = [
    ['Produce', 0, 7, 11],
    ['Fetch', 1, 12, 17],
    ['ListOffsets', 2, 5, 9],
    ['Metadata', 3, 9, 12],
    ['ApiVersions', 18, 3, 4],
    ['CreateTopics', 19, 7, 7],
    ['DeleteTopics', 20, 6, 6],
  ];
  for (const [name, key, lo, hi] of needs) {
    const a = byKey.get(key);
    t.ok(
      a && a.minVersion <= hi && a.maxVersion >= lo,
      `${name} ${a?.minVersion}-${a?.maxVersion} overlaps ${lo}-${hi}`,
    );
  }
});

t.test(
  'producer: keys, headers, partitions; Consumer.listOffsets and Consumer.fetch read them',
  async (t) => {
    const topic = uniqueTopic('plt-produce');
    await createTopic(t, topic, 2);
    const producer = newProducer(t);
    const sent = await producer.send({
      messages: [
        ...Array.from({ length: 6 }, (_, i) => ({
          topic,
          partition: 0,
          key: `k${i}`,
          value: `v${i}`,
          headers: { h: `x${i}` },
        })),
        ...Array.from({ length: 3 }, (_, i) => ({ topic, partition: 1, key: `q${i}`, value: `w${i}` })),
      ],
    });
    const offsets = (sent.offsets ?? [])
      .map((o) => [o.partition, o.offset])
      .sort((x, y) => Number(x[0]) - Number(y[0]));
    t.same(
      offsets,
      [
        [0, 0n],
        [1, 0n],
      ],
      'the producer reports the base offset of each partition batch',
    );

    const consumer = newConsumer(t);
    const latest = await consumer.listOffsets({ topics: [topic] });
    t.same(latest.get(topic), [6n, 3n], 'latest offsets');
    const earliest = await consumer.listOffsets({ topics: [topic], timestamp: -2n });
    t.same(earliest.get(topic), [0n, 0n], 'earliest offsets');

    const md = await consumer.metadata({ topics: [topic] });
    const topicId = md.topics.get(topic)!.id;
    const fetched = await consumer.fetch({
      node: 1,
      maxWaitTime: 100,
      topics: [
        {
          topicId,
          partitions: [0, 1].map((partition) => ({
            partition,
            fetchOffset: 0n,
            partitionMaxBytes: 1 << 20,
            currentLeaderEpoch: -1,
            lastFetchedEpoch: -1,
          })),
        },
      ],
    });
    const flat = flatten(fetched);
    t.same(
      flat.filter((r) => r.partition === 0).map((r) => [r.offset, r.key, r.value, r.headers]),
      Array.from({ length: 6 }, (_, i) => [BigInt(i), `k${i}`, `v${i}`, [['h', `x${i}`]]]),
    );
    t.same(
      flat.filter((r) => r.partition === 1).map((r) => [r.offset, r.key, r.value]),
      Array.from({ length: 3 }, (_, i) => [BigInt(i), `q${i}`, `w${i}`]),
    );
    for (const p of fetched.responses[0]!.partitions) {
      t.equal(p.highWatermark, p.partitionIndex === 0 ? 6n : 3n);
      t.equal(p.lastStableOffset, p.highWatermark, 'no transactions: last stable offset = high watermark');
    }

    const again = await producer.send({ messages: [{ topic, partition: 0, key: 'k6', value: 'v6' }] });
    t.same(
      again.offsets?.map((o) => o.offset),
      [6n],
      'a later send starts at the old end',
    );

    // And kcat sees the same records with their headers.
    const viaKcat = await kcatConsume(b.bootstrap, topic, ['-p', '0', '-o', 'beginning']);
    t.same(
      viaKcat.map((m) => [m.key, m.payload, kcatHeaders(m)]),
      [...Array.from({ length: 6 }, (_, i) => [`k${i}`, `v${i}`, [['h', `x${i}`]]]), ['k6', 'v6', []]],
    );
  },
);

t.test('producer with gzip: the fetched batch is gzip-compressed and decodes', async (t) => {
  const topic = uniqueTopic('plt-gzip');
  await createTopic(t, topic, 1);
  const producer = newProducer(t);
  const values = Array.from({ length: 40 }, (_, i) => `${'platformatic '.repeat(25)}${i}`);
  await producer.send({
    compression: 'gzip',
    messages: values.map((value, i) => ({ topic, partition: 0, key: `g${i}`, value })),
  });
  const consumer = newConsumer(t);
  const md = await consumer.metadata({ topics: [topic] });
  const res = await consumer.fetch({
    node: 1,
    maxWaitTime: 100,
    topics: [
      {
        topicId: md.topics.get(topic)!.id,
        partitions: [
          {
            partition: 0,
            fetchOffset: 0n,
            partitionMaxBytes: 1 << 20,
            currentLeaderEpoch: -1,
            lastFetchedEpoch: -1,
          },
        ],
      },
    ],
  });
  const flat = flatten(res);
  t.same(
    flat.map((r) => [r.offset, r.key, r.value]),
    values.map((v, i) => [BigInt(i), `g${i}`, v]),
  );
  t.ok(
    flat.every((r) => (r.attributes & 7) === 1),
    'every record came in a gzip batch',
  );
});

t.test(
  'connection-level ListOffsets v5 and Fetch v12, including a long poll woken by a produce',
  async (t) => {
    const topic = uniqueTopic('plt-lowlevel');
    await createTopic(t, topic, 1);
    const producer = newProducer(t);
    await producer.send({ messages: [{ topic, partition: 0, key: 'a', value: 'first' }] });

    const conn = new Connection('samsa-e2e-platformatic');
    t.teardown(() => conn.close());
    await conn.connect(b.host, b.port);

    const lo = await listOffsetsV5.api.async(conn, -1, 0, [
      {
        name: topic,
        partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1n }],
      },
    ]);
    t.same(
      lo.topics.map((x) => [x.name, x.partitions.map((p) => [p.partitionIndex, p.errorCode, p.offset])]),
      [[topic, [[0, 0, 1n]]]],
    );

    const fetchAt = (offset: bigint, maxWaitMs: number, minBytes: number) =>
      fetchV12.api.async(
        conn,
        maxWaitMs,
        minBytes,
        1 << 20,
        0,
        0,
        -1,
        [
          {
            topicId: topic,
            partitions: [
              {
                partition: 0,
                currentLeaderEpoch: -1,
                fetchOffset: offset,
                lastFetchedEpoch: -1,
                partitionMaxBytes: 1 << 20,
              },
            ],
          },
        ],
        [],
        '',
      );

    const first = flatten(await fetchAt(0n, 0, 0));
    t.same(
      first.map((r) => [r.offset, r.key, r.value]),
      [[0n, 'a', 'first']],
    );

    // Nothing to read: the broker holds the fetch for about max_wait_ms, then answers empty.
    const emptyStart = Date.now();
    const empty = await fetchAt(1n, 400, 1);
    const emptyMs = Date.now() - emptyStart;
    t.same(flatten(empty), []);
    t.ok(emptyMs >= 300, `an empty long poll waited (${emptyMs} ms)`);
    t.ok(emptyMs < 5000, `and came back (${emptyMs} ms)`);

    // A long poll is answered as soon as a produce appends, long before max_wait_ms.
    const pollStart = Date.now();
    const polled = fetchAt(1n, 20_000, 1);
    await producer.send({ messages: [{ topic, partition: 0, key: 'b', value: 'second' }] });
    const woken = flatten(await polled);
    const wokenMs = Date.now() - pollStart;
    t.same(
      woken.map((r) => [r.offset, r.key, r.value]),
      [[1n, 'b', 'second']],
    );
    t.ok(wokenMs < 10_000, `the waiting fetch was woken by the append (${wokenMs} ms of 20000)`);
  },
);

t.test(
  'Admin.describeLogDirs: the data dir, partition sizes as the log has them, volume bytes',
  async (t) => {
    const topic = uniqueTopic('plt-logdirs');
    await createTopic(t, topic, 2);
    const producer = newProducer(t);
    await producer.send({
      messages: Array.from({ length: 4 }, (_, i) => ({ topic, partition: 1, key: `k${i}`, value: `v${i}` })),
    });
    const admin = new Admin(common);
    t.teardown(() => admin.close());
    const dirs = await admin.describeLogDirs({ topics: [{ name: topic, partitions: [0, 1] }] });
    t.equal(dirs.length, 1, 'one broker');
    const [dir] = dirs[0]!.results;
    t.equal(dirs[0]!.results.length, 1, 'one log dir');
    t.equal(dir!.logDir, resolve(b.dataDir));
    const size = (p: number) => BigInt(b.broker.core.topics.partition(topic, p)!.sizeBytes);
    t.same(
      dir!.topics.map((x) => [
        x.name,
        x.partitions.map((p) => [p.partitionIndex, p.partitionSize, p.offsetLag]),
      ]),
      [
        [
          topic,
          [
            [0, size(0), 0n],
            [1, size(1), 0n],
          ],
        ],
      ],
    );
    t.ok(size(1) > 0n, 'partition 1 holds bytes');
    t.ok(
      dir!.totalBytes > 0n && dir!.usableBytes > 0n && dir!.usableBytes <= dir!.totalBytes,
      'volume bytes',
    );
  },
);
