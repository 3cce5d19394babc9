/**
 * kcat (librdkafka 2.0.2) against an in-process Samsa broker: metadata, produce and consume
 * with keys, headers, gzip, offsets and partitions. What kcat reads back is also checked
 * against the raw batches the broker serves.
 */
import t from 'tap';
import { startTestBroker } from '../helpers/broker.js';
import { assertOk, kcat, kcatConsume, kcatHeaders, kcatProduce } from '../helpers/kcat.js';
import { describeRun } from '../helpers/process.js';
import { createTopics, fetchAllBatches, listOffset, RawConnection } from '../helpers/raw-client.js';
import { uniqueTopic } from '../helpers/temp.js';

const b = await startTestBroker(t);
const raw = await RawConnection.open(b.host, b.port, t);

async function createTopic(name: string, partitions: number): Promise<void> {
  const [res] = await createTopics(raw, [{ name, partitions }]);
  if (res?.errorCode !== 0)
    throw new Error(`CreateTopics ${name}: error ${res?.errorCode} ${res?.errorMessage}`);
}

t.test('-L lists the broker and topics; -L -J says the same in JSON', async (t) => {
  const topic = uniqueTopic('kcat-meta');
  await createTopic(topic, 3);

  const text = assertOk(await kcat(b.bootstrap, ['-L']));
  t.match(text.stdout, / 1 brokers:\n/, describeRun(text));
  t.match(text.stdout, new RegExp(`broker 1 at 127\\.0\\.0\\.1:${b.port}`));
  t.match(text.stdout, new RegExp(`topic "${topic}" with 3 partitions:`));
  for (let p = 0; p < 3; p++) {
    t.match(text.stdout, new RegExp(`partition ${p}, leader 1, replicas: 1, isrs: 1`));
  }

  const json = assertOk(await kcat(b.bootstrap, ['-L', '-J']));
  const md = JSON.parse(json.stdout) as {
    controllerid: number;
    brokers: { id: number; name: string }[];
    topics: {
      topic: string;
      error?: string;
      partitions: { partition: number; leader: number; replicas: { id: number }[]; isrs: { id: number }[] }[];
    }[];
  };
  t.same(md.brokers, [{ id: 1, name: `127.0.0.1:${b.port}` }]);
  t.equal(md.controllerid, 1);
  const tm = md.topics.find((x) => x.topic === topic);
  t.ok(tm, `topic ${topic} listed in ${json.stdout}`);
  t.notOk(tm?.error, 'no topic error');
  t.same(
    tm?.partitions.sort((x, y) => x.partition - y.partition),
    [0, 1, 2].map((p) => ({ partition: p, leader: 1, replicas: [{ id: 1 }], isrs: [{ id: 1 }] })),
  );

  // -L -t for one topic
  const one = assertOk(await kcat(b.bootstrap, ['-L', '-J', '-t', topic]));
  const onlyMd = JSON.parse(one.stdout) as { topics: { topic: string }[] };
  t.same(
    onlyMd.topics.map((x) => x.topic),
    [topic],
  );
});

t.test('keys (-K:) round-trip with offsets in order', async (t) => {
  const topic = uniqueTopic('kcat-keys');
  const lines = Array.from({ length: 20 }, (_, i) => `key-${i}:value-${i} ünï`);
  const before = Date.now();
  await kcatProduce(b.bootstrap, topic, lines, ['-K:']);
  const after = Date.now();
  const msgs = await kcatConsume(b.bootstrap, topic, ['-o', 'beginning']);
  t.equal(msgs.length, 20);
  t.same(
    msgs.map((m) => [m.partition, m.offset, m.key, m.payload]),
    lines.map((_, i) => [0, i, `key-${i}`, `value-${i} ünï`]),
  );
  for (const m of msgs) {
    t.equal(m.tstype, 'create');
    t.ok(m.ts! >= before - 1000 && m.ts! <= after + 1000, `timestamp ${m.ts} within the produce window`);
  }
});

t.test('null keys and, with -Z, null values', async (t) => {
  const topic = uniqueTopic('kcat-null');
  await kcatProduce(b.bootstrap, topic, ['no-key-here'], []);
  await kcatProduce(b.bootstrap, topic, ['k-null-value:'], ['-K:', '-Z']);
  const msgs = await kcatConsume(b.bootstrap, topic, ['-o', 'beginning']);
  t.same(
    msgs.map((m) => [m.offset, m.key, m.payload]),
    [
      [0, null, 'no-key-here'],
      [1, 'k-null-value', null],
    ],
  );
});

t.test('headers (-H) round-trip, repeated names kept in order', async (t) => {
  const topic = uniqueTopic('kcat-headers');
  await kcatProduce(
    b.bootstrap,
    topic,
    ['k1:v1', 'k2:v2'],
    ['-K:', '-H', 'trace=abc-123', '-H', 'dup=1', '-H', 'dup=2'],
  );
  const msgs = await kcatConsume(b.bootstrap, topic, ['-o', 'beginning']);
  t.equal(msgs.length, 2);
  for (const m of msgs) {
    t.same(kcatHeaders(m), [
      ['trace', 'abc-123'],
      ['dup', '1'],
      ['dup', '2'],
    ]);
  }
  t.same(
    msgs.map((m) => m.key),
    ['k1', 'k2'],
  );
});

t.test('gzip (-z gzip) batches are stored compressed and read back', async (t) => {
  const topic = uniqueTopic('kcat-gzip');
  const lines = Array.from({ length: 200 }, (_, i) => `k${i}:${'compressible '.repeat(20)}${i}`);
  await kcatProduce(b.bootstrap, topic, lines, ['-K:', '-z', 'gzip']);
  const msgs = await kcatConsume(b.bootstrap, topic, ['-o', 'beginning']);
  t.equal(msgs.length, 200);
  t.same(
    msgs.map((m) => [m.offset, m.key, m.payload]),
    lines.map((l, i) => [i, `k${i}`, l.slice(l.indexOf(':') + 1)]),
  );

  const { batches, highWatermark } = await fetchAllBatches(raw, topic, 0);
  t.equal(highWatermark, 200n);
  t.ok(batches.length >= 1);
  for (const batch of batches) {
    t.equal(batch.magic, 2);
    t.ok(batch.crcValid, `batch at ${batch.baseOffset} has a valid CRC`);
    t.equal(
      batch.attributes & 7,
      1,
      `batch at ${batch.baseOffset} is stored gzip-compressed (librdkafka compresses only when Produce v0 is advertised)`,
    );
  }
  const stored = batches.flatMap((x) => x.records);
  t.same(
    stored.map((r) => [Number(r.offset), r.key?.toString(), r.value?.toString()]),
    lines.map((l, i) => [i, `k${i}`, l.slice(l.indexOf(':') + 1)]),
  );
});

t.test('-o with absolute and relative offsets, -c to stop after a count', async (t) => {
  const topic = uniqueTopic('kcat-offsets');
  await kcatProduce(
    b.bootstrap,
    topic,
    Array.from({ length: 10 }, (_, i) => `m${i}`),
  );
  const fromFive = await kcatConsume(b.bootstrap, topic, ['-o', '5']);
  t.same(
    fromFive.map((m) => [m.offset, m.payload]),
    [5, 6, 7, 8, 9].map((i) => [i, `m${i}`]),
  );
  const threeFromTwo = await kcatConsume(b.bootstrap, topic, ['-o', '2', '-c', '3']);
  t.same(
    threeFromTwo.map((m) => m.offset),
    [2, 3, 4],
  );
  const lastTwo = await kcatConsume(b.bootstrap, topic, ['-o', '-2']);
  t.same(
    lastTwo.map((m) => m.payload),
    ['m8', 'm9'],
  );
  const atEnd = await kcatConsume(b.bootstrap, topic, ['-o', '10']);
  t.same(atEnd, [], 'nothing at the high watermark');
  // Past the end: OFFSET_OUT_OF_RANGE, which librdkafka can only read with an empty (not null)
  // record set; it resets to the end (auto.offset.reset) and exits there.
  const pastEnd = await kcatConsume(b.bootstrap, topic, ['-o', '100', '-X', 'auto.offset.reset=end'], {
    timeoutMs: 15_000,
  });
  t.same(pastEnd, [], 'past the end: reset to the end, nothing read');

  // Offset by timestamp (-Q): a time before every record resolves to offset 0.
  const q = assertOk(await kcat(b.bootstrap, ['-Q', '-J', '-t', `${topic}:0:1000`]));
  const parsed = JSON.parse(q.stdout) as Record<string, Record<string, { offset: number; error?: string }>>;
  t.equal(parsed[topic]?.['0']?.offset, 0, describeRun(q));
  t.notOk(parsed[topic]?.['0']?.error);
});

t.test('-p produces to and consumes from one partition', async (t) => {
  const topic = uniqueTopic('kcat-partitions');
  await createTopic(topic, 3);
  await kcatProduce(
    b.bootstrap,
    topic,
    Array.from({ length: 5 }, (_, i) => `p1-${i}`),
    ['-p', '1'],
  );
  await kcatProduce(
    b.bootstrap,
    topic,
    Array.from({ length: 3 }, (_, i) => `p2-${i}`),
    ['-p', '2'],
  );
  const p1 = await kcatConsume(b.bootstrap, topic, ['-p', '1', '-o', 'beginning']);
  t.same(
    p1.map((m) => [m.partition, m.offset, m.payload]),
    [0, 1, 2, 3, 4].map((i) => [1, i, `p1-${i}`]),
  );
  const p0 = await kcatConsume(b.bootstrap, topic, ['-p', '0', '-o', 'beginning']);
  t.same(p0, []);
  const all = await kcatConsume(b.bootstrap, topic, ['-o', 'beginning']);
  t.same(
    all.map((m) => `${m.partition}:${m.offset}:${m.payload}`).sort(),
    [...[0, 1, 2, 3, 4].map((i) => `1:${i}:p1-${i}`), ...[0, 1, 2].map((i) => `2:${i}:p2-${i}`)].sort(),
  );
  const latest = await Promise.all(
    [0, 1, 2].map((partition) => listOffset(raw, { topic, partition, timestamp: -1n })),
  );
  t.same(
    latest.map((x) => [x.errorCode, x.offset]),
    [
      [0, 0n],
      [0, 5n],
      [0, 3n],
    ],
  );
});

t.test('producing to a partition that does not exist fails in kcat', async (t) => {
  const topic = uniqueTopic('kcat-badpart');
  await createTopic(topic, 1);
  const r = await kcat(b.bootstrap, ['-P', '-t', topic, '-p', '7', '-X', 'message.timeout.ms=3000'], {
    input: 'lost\n',
  });
  t.not(r.code, 0, `kcat reports the failure\n${describeRun(r)}`);
  const msgs = await kcatConsume(b.bootstrap, topic, ['-o', 'beginning']);
  t.same(msgs, []);
});
