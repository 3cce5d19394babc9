/**
 * kafka-python 2.0.2 (Debian python3-kafka, run by /usr/bin/python3) against an in-process
 * Samsa broker: KafkaAdminClient.create_topics, KafkaProducer (plain and gzip, keys, headers,
 * partitions) and KafkaConsumer with manual assign + seek_to_beginning.
 */
import t from 'tap';
import { startTestBroker } from '../helpers/broker.js';
import { kcatConsume } from '../helpers/kcat.js';
import { runPython } from '../helpers/python.js';
import { fetchAllBatches, RawConnection } from '../helpers/raw-client.js';
import { uniqueTopic } from '../helpers/temp.js';

const b = await startTestBroker(t);

interface CreateResult {
  api_version: number[];
  topic_errors: [string, number][];
  failure: string | null;
  create_again: string | null;
  listed: string[];
  described: { topic: string; error_code: number; partitions: number[]; leaders: number[] }[];
}
interface ProduceResult {
  api_version: number[];
  acks: { partition: number; offset: number }[];
}
interface ConsumeResult {
  end_offsets: Record<string, number>;
  records: {
    partition: number;
    offset: number;
    timestamp: number;
    key: string | null;
    value: string | null;
    headers: [string, string | null][];
  }[];
}

t.test('KafkaAdminClient.create_topics creates, refuses a duplicate, and lists', async (t) => {
  const a = uniqueTopic('py-admin-a');
  const c = uniqueTopic('py-admin-c');
  const res = await runPython<CreateResult>('kafka_client.py', {
    action: 'create_topics',
    bootstrap: b.bootstrap,
    topics: [
      { name: a, partitions: 3 },
      { name: c, partitions: 1, configs: { 'cleanup.policy': 'delete' } },
    ],
    create_again: true,
  });
  t.equal(res.failure, null, 'create_topics succeeded');
  t.same(
    res.topic_errors.sort(),
    [
      [a, 0],
      [c, 0],
    ].sort(),
  );
  t.equal(res.create_again, 'TopicAlreadyExistsError', 'creating again is TOPIC_ALREADY_EXISTS');
  t.ok(res.listed.includes(a) && res.listed.includes(c), 'list_topics shows both');
  t.same(
    res.described.sort((x, y) => x.topic.localeCompare(y.topic)),
    [
      { topic: a, error_code: 0, partitions: [0, 1, 2], leaders: [1] },
      { topic: c, error_code: 0, partitions: [0], leaders: [1] },
    ].sort((x, y) => x.topic.localeCompare(y.topic)),
  );
  t.ok(res.api_version.length >= 2, `kafka-python inferred broker version ${res.api_version.join('.')}`);
});

t.test('KafkaProducer then KafkaConsumer (assign + seek_to_beginning) read everything back', async (t) => {
  const topic = uniqueTopic('py-roundtrip');
  await runPython<CreateResult>('kafka_client.py', {
    action: 'create_topics',
    bootstrap: b.bootstrap,
    topics: [{ name: topic, partitions: 2 }],
  });
  const messages = [
    ...Array.from({ length: 8 }, (_, i) => ({
      partition: 0,
      key: `k${i}`,
      value: `värde-${i}`,
      headers: [['h', `x${i}`]],
    })),
    ...Array.from({ length: 4 }, (_, i) => ({ partition: 1, key: null, value: `p1-${i}` })),
  ];
  const produced = await runPython<ProduceResult>('kafka_client.py', {
    action: 'produce',
    bootstrap: b.bootstrap,
    topic,
    messages,
  });
  t.same(
    produced.acks,
    [
      ...Array.from({ length: 8 }, (_, i) => ({ partition: 0, offset: i })),
      ...Array.from({ length: 4 }, (_, i) => ({ partition: 1, offset: i })),
    ],
    'every send acknowledged at its offset',
  );

  const consumed = await runPython<ConsumeResult>('kafka_client.py', {
    action: 'consume',
    bootstrap: b.bootstrap,
    topic,
    partitions: [0, 1],
    expected: 12,
  });
  t.same(consumed.end_offsets, { '0': 8, '1': 4 }, 'end_offsets (ListOffsets latest)');
  const byPartition = (p: number) => consumed.records.filter((r) => r.partition === p);
  t.same(
    byPartition(0).map((r) => [r.offset, r.key, r.value, r.headers]),
    Array.from({ length: 8 }, (_, i) => [i, `k${i}`, `värde-${i}`, [['h', `x${i}`]]]),
  );
  t.same(
    byPartition(1).map((r) => [r.offset, r.key, r.value, r.headers]),
    Array.from({ length: 4 }, (_, i) => [i, null, `p1-${i}`, []]),
  );
  t.equal(consumed.records.length, 12, 'nothing extra');
});

t.test('KafkaProducer with gzip: stored compressed; kcat and KafkaConsumer agree', async (t) => {
  const topic = uniqueTopic('py-gzip');
  const values = Array.from({ length: 30 }, (_, i) => `${'python gzip '.repeat(20)}${i}`);
  const produced = await runPython<ProduceResult>('kafka_client.py', {
    action: 'produce',
    bootstrap: b.bootstrap,
    topic,
    compression: 'gzip',
    linger_ms: 50,
    messages: values.map((value, i) => ({ partition: 0, key: `g${i}`, value })),
  });
  t.same(
    produced.acks.map((a) => a.offset),
    values.map((_, i) => i),
  );

  const raw = await RawConnection.open(b.host, b.port, t);
  const { batches, highWatermark } = await fetchAllBatches(raw, topic, 0);
  t.equal(highWatermark, 30n);
  t.ok(
    batches.every((x) => (x.attributes & 7) === 1 && x.crcValid && x.magic === 2),
    'kafka-python wrote gzip v2 batches, stored as sent',
  );

  const viaKcat = await kcatConsume(b.bootstrap, topic, ['-o', 'beginning']);
  t.same(
    viaKcat.map((m) => [m.offset, m.key, m.payload]),
    values.map((v, i) => [i, `g${i}`, v]),
  );
  const consumed = await runPython<ConsumeResult>('kafka_client.py', {
    action: 'consume',
    bootstrap: b.bootstrap,
    topic,
    partitions: [0],
    expected: 30,
  });
  t.same(
    consumed.records.map((r) => [r.offset, r.key, r.value]),
    values.map((v, i) => [i, `g${i}`, v]),
  );
});
