import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import t, { type Test } from 'tap';
import { type Broker, startBroker } from '../../broker/broker.js';
import type { BrokerConfig } from '../../broker/config.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { decodeRecordBatches, encodeRecordBatch } from '../../protocol/record-batch.js';
import { WireClient } from './wire-client.js';

async function withBroker(
  tt: Test,
  config: Partial<BrokerConfig> = {},
): Promise<{ broker: Broker; client: WireClient; dataDir: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'samsa-broker-'));
  const broker = await startBroker({ dataDir, port: 0, logger: pino({ level: 'silent' }), ...config });
  const client = await WireClient.connect(broker.port);
  tt.teardown(async () => {
    client.close();
    await broker.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  return { broker, client, dataDir };
}

const batch = (values: string[], compression: 'none' | 'gzip' = 'none') =>
  encodeRecordBatch({
    records: values.map((v, i) => ({ key: Buffer.from(`k${i}`), value: Buffer.from(v) })),
    compression,
  });

function createTopic(client: WireClient, name: string, numPartitions = 1) {
  return client.request(19, 7, {
    topics: [{ name, numPartitions, replicationFactor: 1, assignments: [], configs: [] }],
    timeoutMs: 1000,
    validateOnly: false,
  });
}

function produce(
  client: WireClient,
  topic: string,
  partition: number,
  records: Buffer,
  acks = 1,
  version = 7,
) {
  return client.request(0, version, {
    transactionalId: null,
    acks,
    timeoutMs: 5000,
    topicData: [{ name: topic, partitionData: [{ index: partition, records }] }],
  });
}

function fetch(
  client: WireClient,
  topic: string,
  partition: number,
  offset: number,
  opts: { maxWaitMs?: number; minBytes?: number } = {},
) {
  return client.request(1, 11, {
    replicaId: -1,
    maxWaitMs: opts.maxWaitMs ?? 0,
    minBytes: opts.minBytes ?? 1,
    maxBytes: 1 << 20,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [
      {
        topic,
        partitions: [
          {
            partition,
            currentLeaderEpoch: -1,
            fetchOffset: offset,
            logStartOffset: -1,
            partitionMaxBytes: 1 << 20,
          },
        ],
      },
    ],
    forgottenTopicsData: [],
    rackId: '',
  });
}

t.test('ApiVersions advertises what the broker implements', async (t) => {
  const { client } = await withBroker(t);
  const r = await client.request(18, 3, { clientSoftwareName: 'test', clientSoftwareVersion: '1' });
  t.equal(r.errorCode, 0);
  const produceRange = r.apiKeys.find((k) => k.apiKey === 0);
  // From 0: librdkafka compresses only when Produce v0 is advertised; 0-2 are refused when used.
  t.same({ min: produceRange?.minVersion, max: produceRange?.maxVersion }, { min: 0, max: 9 });
  const metadata = r.apiKeys.find((k) => k.apiKey === 3);
  t.equal(metadata?.maxVersion, 9, 'Metadata capped at 9');
  const fetchRange = r.apiKeys.find((k) => k.apiKey === 1);
  t.equal(fetchRange?.maxVersion, 12, 'Fetch capped at 12');
});

t.test('metadata auto-creates a topic and lists this broker as its leader', async (t) => {
  const { client, broker } = await withBroker(t, { defaultPartitions: 3 });
  const r = await client.request(3, 9, {
    topics: [{ name: 'orders' }],
    allowAutoTopicCreation: true,
    includeTopicAuthorizedOperations: false,
  });
  t.same(
    r.brokers.map((b) => [b.nodeId, b.port]),
    [[1, broker.port]],
  );
  t.equal(r.topics[0]?.errorCode, 0);
  t.equal(r.topics[0]?.partitions.length, 3);
  t.same(
    r.topics[0]?.partitions.map((p) => p.leaderId),
    [1, 1, 1],
  );
  const none = await client.request(3, 9, {
    topics: [{ name: 'missing' }],
    allowAutoTopicCreation: false,
    includeTopicAuthorizedOperations: false,
  });
  t.equal(none.topics[0]?.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  const bad = await client.request(3, 9, {
    topics: [{ name: 'bad name!' }],
    allowAutoTopicCreation: true,
    includeTopicAuthorizedOperations: false,
  });
  t.equal(bad.topics[0]?.errorCode, ErrorCode.INVALID_TOPIC_EXCEPTION);
});

t.test('produce then fetch returns the stored batches with assigned offsets', async (t) => {
  const { client } = await withBroker(t);
  await client.request(19, 7, {
    topics: [{ name: 'a', numPartitions: 2, replicationFactor: 1, assignments: [], configs: [] }],
    timeoutMs: 1000,
    validateOnly: false,
  });
  const p1 = await produce(client, 'a', 1, batch(['one', 'two']));
  t.equal(p1.responses[0]?.partitionResponses[0]?.errorCode, 0);
  t.equal(p1.responses[0]?.partitionResponses[0]?.baseOffset, 0);
  const p2 = await produce(client, 'a', 1, batch(['three'], 'gzip'));
  t.equal(p2.responses[0]?.partitionResponses[0]?.baseOffset, 2);
  const f = await fetch(client, 'a', 1, 0);
  const part = f.responses[0]?.partitions[0];
  t.equal(part?.errorCode, 0);
  t.equal(part?.highWatermark, 3);
  const batches = decodeRecordBatches(part!.records!);
  t.same(
    batches.flatMap((b) => b.records.map((r) => [r.offset, r.value?.toString()])),
    [
      [0, 'one'],
      [1, 'two'],
      [2, 'three'],
    ],
  );
  const fromMiddle = await fetch(client, 'a', 1, 2);
  t.same(
    decodeRecordBatches(fromMiddle.responses[0]!.partitions[0]!.records!).map((b) => b.header.baseOffset),
    [2],
  );
  const out = await fetch(client, 'a', 1, 99);
  t.equal(out.responses[0]?.partitions[0]?.errorCode, ErrorCode.OFFSET_OUT_OF_RANGE);
  const unknown = await fetch(client, 'nope', 0, 0);
  t.equal(unknown.responses[0]?.partitions[0]?.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
});

t.test('a long-polling fetch is woken by an append, not by its timeout', async (t) => {
  const { broker } = await withBroker(t);
  const consumer = await WireClient.connect(broker.port);
  const producer = await WireClient.connect(broker.port);
  t.teardown(() => {
    consumer.close();
    producer.close();
  });
  await createTopic(producer, 'wake');
  await produce(producer, 'wake', 0, batch(['first']));
  const started = Date.now();
  const pending = fetch(consumer, 'wake', 0, 1, { maxWaitMs: 20_000 });
  // the produce is sent after the fetch on another connection; the fetch must wait for it
  await produce(producer, 'wake', 0, batch(['second']));
  const f = await pending;
  t.ok(Date.now() - started < 15_000, 'answered long before max_wait_ms');
  const values = decodeRecordBatches(f.responses[0]!.partitions[0]!.records!).flatMap((b) =>
    b.records.map((r) => r.value?.toString()),
  );
  t.same(values, ['second']);
});

t.test('a fetch with nothing new answers empty after max_wait_ms', async (t) => {
  const { client } = await withBroker(t);
  await createTopic(client, 'idle');
  await produce(client, 'idle', 0, batch(['x']));
  const f = await fetch(client, 'idle', 0, 1, { maxWaitMs: 50 });
  t.equal(f.responses[0]?.partitions[0]?.errorCode, 0);
  t.equal(f.responses[0]?.partitions[0]?.records?.length ?? 0, 0);
});

t.test('produce errors: corrupt CRC, too large, missing topic with auto-create off, bad acks', async (t) => {
  const { client } = await withBroker(t, { autoCreateTopics: false, messageBytesMax: 2000 });
  await client.request(19, 7, {
    topics: [{ name: 'e', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }],
    timeoutMs: 1000,
    validateOnly: false,
  });
  const corrupt = batch(['hello']);
  corrupt[corrupt.length - 1] ^= 0xff;
  const c = await produce(client, 'e', 0, corrupt);
  t.equal(c.responses[0]?.partitionResponses[0]?.errorCode, ErrorCode.CORRUPT_MESSAGE);
  const big = await produce(client, 'e', 0, batch(['x'.repeat(5000)]));
  t.equal(big.responses[0]?.partitionResponses[0]?.errorCode, ErrorCode.MESSAGE_TOO_LARGE);
  const missing = await produce(client, 'nope', 0, batch(['x']), 1, 9);
  t.equal(missing.responses[0]?.partitionResponses[0]?.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  t.match(missing.responses[0]?.partitionResponses[0]?.errorMessage, /samsa topic create nope/);
  const acks = await produce(client, 'e', 0, batch(['x']), 2);
  t.equal(acks.responses[0]?.partitionResponses[0]?.errorCode, ErrorCode.INVALID_REQUIRED_ACKS);
  const f = await fetch(client, 'e', 0, 0);
  t.equal(f.responses[0]?.partitions[0]?.highWatermark, 0, 'nothing was stored');
});

t.test('produce v0-2 (legacy message sets) is refused with UNSUPPORTED_VERSION', async (t) => {
  const { client } = await withBroker(t);
  await createTopic(client, 'legacy');
  const r = await produce(client, 'legacy', 0, batch(['x']), 1, 2);
  t.equal(r.responses[0]?.partitionResponses[0]?.errorCode, ErrorCode.UNSUPPORTED_VERSION);
  const f = await fetch(client, 'legacy', 0, 0);
  t.equal(f.responses[0]?.partitions[0]?.highWatermark, 0, 'nothing stored');
});

t.test('clients cannot write to or grow __consumer_offsets', async (t) => {
  const { client } = await withBroker(t);
  const r = await produce(client, '__consumer_offsets', 0, batch(['junk']));
  t.equal(r.responses[0]?.partitionResponses[0]?.errorCode, ErrorCode.INVALID_TOPIC_EXCEPTION);
  const cp = await client.request(37, 3, {
    topics: [{ name: '__consumer_offsets', count: 60, assignments: null }],
    timeoutMs: 1000,
    validateOnly: false,
  });
  t.equal(cp.results[0]?.errorCode, ErrorCode.INVALID_REQUEST);
  const del = await client.request(20, 4, { topicNames: ['__consumer_offsets'], timeoutMs: 1000 });
  t.equal(del.responses[0]?.errorCode, ErrorCode.INVALID_REQUEST);
});

t.test('acks=0 gets no response and the next request is still answered in order', async (t) => {
  const { client } = await withBroker(t);
  await createTopic(client, 'z');
  await produce(client, 'z', 0, batch(['a']));
  client.send(0, 7, {
    transactionalId: null,
    acks: 0,
    timeoutMs: 1000,
    topicData: [{ name: 'z', partitionData: [{ index: 0, records: batch(['b']) }] }],
  });
  const f = await fetch(client, 'z', 0, 0);
  t.equal(f.responses[0]?.partitions[0]?.highWatermark, 2);
});

t.test('list offsets: earliest, latest, by timestamp', async (t) => {
  const { client } = await withBroker(t);
  const at = (ts: number, v: string) =>
    encodeRecordBatch({ records: [{ value: Buffer.from(v), timestamp: ts }] });
  await createTopic(client, 'time');
  await produce(client, 'time', 0, at(1000, 'a'));
  await produce(client, 'time', 0, at(2000, 'b'));
  await produce(client, 'time', 0, at(3000, 'c'));
  const ask = (timestamp: number) =>
    client
      .request(2, 5, {
        replicaId: -1,
        isolationLevel: 0,
        topics: [{ name: 'time', partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp }] }],
      })
      .then((r) => r.topics[0]!.partitions[0]!);
  t.equal((await ask(-2)).offset, 0);
  t.equal((await ask(-1)).offset, 3);
  t.same([(await ask(1500)).offset, (await ask(1500)).timestamp], [1, 2000]);
  t.equal((await ask(9999)).offset, -1);
});

t.test('create topics: validate-only, configs, duplicates, errors; describe and alter configs', async (t) => {
  const { client } = await withBroker(t);
  const create = (
    name: string,
    extra: Partial<{
      numPartitions: number;
      replicationFactor: number;
      configs: { name: string; value: string }[];
    }> = {},
    validateOnly = false,
  ) =>
    client.request(19, 7, {
      topics: [
        {
          name,
          numPartitions: extra.numPartitions ?? 2,
          replicationFactor: extra.replicationFactor ?? 1,
          assignments: [],
          configs: extra.configs ?? [],
        },
      ],
      timeoutMs: 1000,
      validateOnly,
    });
  const v = await create('dry', {}, true);
  t.equal(v.topics[0]?.errorCode, 0);
  const meta = await client.request(3, 9, {
    topics: [{ name: 'dry' }],
    allowAutoTopicCreation: false,
    includeTopicAuthorizedOperations: false,
  });
  t.equal(meta.topics[0]?.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'validate-only created nothing');
  const c = await create('cfg', { configs: [{ name: 'retention.ms', value: '1234' }] });
  t.equal(c.topics[0]?.errorCode, 0);
  t.equal(c.topics[0]?.numPartitions, 2);
  t.equal((await create('cfg')).topics[0]?.errorCode, ErrorCode.TOPIC_ALREADY_EXISTS);
  t.equal(
    (await create('rf', { replicationFactor: 3 })).topics[0]?.errorCode,
    ErrorCode.INVALID_REPLICATION_FACTOR,
  );
  t.equal((await create('np', { numPartitions: 0 })).topics[0]?.errorCode, ErrorCode.INVALID_PARTITIONS);
  const badCfg = await create('bc', { configs: [{ name: 'retention.mss', value: '1' }] });
  t.equal(badCfg.topics[0]?.errorCode, ErrorCode.INVALID_CONFIG);
  t.match(badCfg.topics[0]?.errorMessage, /retention\.mss/);

  const describe = async () => {
    const r = await client.request(32, 4, {
      resources: [{ resourceType: 2, resourceName: 'cfg', configurationKeys: null }],
      includeSynonyms: false,
      includeDocumentation: false,
    });
    return Object.fromEntries(r.results[0]!.configs.map((e) => [e.name, e.value]));
  };
  t.equal((await describe())['retention.ms'], '1234');
  const alter = await client.request(44, 1, {
    resources: [
      {
        resourceType: 2,
        resourceName: 'cfg',
        configs: [
          { name: 'retention.ms', configOperation: 1, value: null },
          { name: 'max.message.bytes', configOperation: 0, value: '5000' },
          { name: 'cleanup.policy', configOperation: 2, value: 'compact' },
        ],
      },
    ],
    validateOnly: false,
  });
  t.equal(alter.responses[0]?.errorCode, 0);
  const after = await describe();
  t.equal(after['max.message.bytes'], '5000');
  t.equal(after['cleanup.policy'], 'delete,compact');
  t.not(after['retention.ms'], '1234', 'deleted override falls back to the default');

  const cp = await client.request(37, 3, {
    topics: [{ name: 'cfg', count: 4, assignments: null }],
    timeoutMs: 1000,
    validateOnly: false,
  });
  t.equal(cp.results[0]?.errorCode, 0);
  const shrink = await client.request(37, 3, {
    topics: [{ name: 'cfg', count: 1, assignments: null }],
    timeoutMs: 1000,
    validateOnly: false,
  });
  t.equal(shrink.results[0]?.errorCode, ErrorCode.INVALID_PARTITIONS);
  const del = await client.request(20, 6, {
    topics: [{ name: 'cfg', topicId: '00000000000000000000000000000000' }],
    topicNames: [],
    timeoutMs: 1000,
  });
  t.equal(del.responses[0]?.errorCode, 0);
  const gone = await client.request(20, 4, { topicNames: ['cfg'], timeoutMs: 1000 });
  t.equal(gone.responses[0]?.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
});

t.test('everything acknowledged survives a clean restart, configs too', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'samsa-restart-'));
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
  const first = await startBroker({ dataDir, port: 0, logger: pino({ level: 'silent' }) });
  const c1 = await WireClient.connect(first.port);
  await c1.request(19, 7, {
    topics: [
      {
        name: 'keep',
        numPartitions: 1,
        replicationFactor: 1,
        assignments: [],
        configs: [{ name: 'retention.ms', value: '999999' }],
      },
    ],
    timeoutMs: 1000,
    validateOnly: false,
  });
  for (let i = 0; i < 20; i++) await produce(c1, 'keep', 0, batch([`v${i}`], i % 2 ? 'gzip' : 'none'));
  c1.close();
  await first.close();
  const second = await startBroker({ dataDir, port: 0, logger: pino({ level: 'silent' }) });
  const c2 = await WireClient.connect(second.port);
  t.teardown(async () => {
    c2.close();
    await second.close();
  });
  const f = await fetch(c2, 'keep', 0, 0);
  const values = decodeRecordBatches(f.responses[0]!.partitions[0]!.records!).flatMap((b) =>
    b.records.map((r) => r.value?.toString()),
  );
  t.same(
    values,
    Array.from({ length: 20 }, (_, i) => `v${i}`),
  );
  const d = await c2.request(32, 4, {
    resources: [{ resourceType: 2, resourceName: 'keep', configurationKeys: ['retention.ms'] }],
    includeSynonyms: false,
    includeDocumentation: false,
  });
  t.equal(d.results[0]?.configs[0]?.value, '999999');
});

t.test('advertisedPort is the port metadata gives for the broker; it still listens on its own', async (t) => {
  const { client } = await withBroker(t, { advertisedPort: 19092 });
  const md = await client.request(3, 1, { topics: [] });
  t.same(
    md.brokers.map((x: { nodeId: number; port: number }) => [x.nodeId, x.port]),
    [[1, 19092]],
    'metadata advertises 19092',
  );
});
