/**
 * The consumer without a group (assign): seek, pause/resume, the batch iterator, reset
 * policies, reads from a timestamp, bounded memory with a stalled handler, resuming after a
 * broker restart, and a fatal error (not a hang) when the broker never comes back.
 */
import t from 'tap';
import { SamsaError } from '../../client/errors.js';
import { stringDeserializer } from '../../client/serializers.js';
import { uniqueTopic } from '../helpers/temp.js';
import { waitFor, withTimeout } from '../helpers/wait.js';
import { startClientTestBroker, take, testAdmin, testConsumer, testProducer } from './fixtures/index.js';

t.test('seek, pause/resume and the batch iterator', async (t) => {
  const b = await startClientTestBroker(t);
  const topic = uniqueTopic('seek');
  await testAdmin(t, b).createTopics([{ name: topic, partitions: 2 }]);
  const p = testProducer(t, b);
  await p.sendBatch(Array.from({ length: 100 }, (_, i) => ({ topic, partition: i % 2, value: String(i) })));
  const c = testConsumer(t, b, { valueDeserializer: stringDeserializer });
  await c.assign([{ topic, partition: 0, offset: 10 }]);
  const it = c.records();
  const first = await take(it, 5);
  t.same(
    first.map((r) => r.offset),
    [10, 11, 12, 13, 14],
  );
  t.same(
    first.map((r) => r.value),
    ['20', '22', '24', '26', '28'],
  );
  c.seek({ topic, partition: 0, offset: 3 });
  const [afterSeek] = await take(it, 1);
  t.equal(afterSeek!.offset, 3, 'seek drops buffered records and restarts there');
  await c.assign([{ topic, partition: 1, offset: 0 }]);
  c.pause([{ topic, partition: 0 }]);
  t.same(c.paused(), [{ topic, partition: 0 }]);
  const fromOne = await take(it, 50);
  t.ok(
    fromOne.every((r) => r.partition === 1),
    'a paused partition delivers nothing',
  );
  c.resume([{ topic, partition: 0 }]);
  const rest = await take(it, 46);
  t.ok(rest.every((r) => r.partition === 0));
  t.equal(rest[0]!.offset, 4, 'partition 0 continues where it paused');
  await it.return(undefined);

  const c2 = testConsumer(t, b, { valueDeserializer: stringDeserializer });
  await c2.assign([
    { topic, partition: 0, offset: 0 },
    { topic, partition: 1, offset: 0 },
  ]);
  let n = 0;
  for await (const batch of c2.batches()) {
    t.ok(batch.records.length > 0);
    const offs = batch.records.map((r) => r.offset);
    t.same(
      offs,
      offs.slice().sort((a, b) => a - b),
      'records of a batch are in offset order',
    );
    n += batch.records.length;
    if (n >= 100) break;
  }
  t.equal(n, 100);
});

t.test('reset policies earliest, latest and none; out-of-range offsets reset', async (t) => {
  const b = await startClientTestBroker(t);
  const topic = uniqueTopic('reset');
  await testAdmin(t, b).createTopics([{ name: topic, partitions: 1 }]);
  const p = testProducer(t, b);
  await p.sendBatch(Array.from({ length: 10 }, (_, i) => ({ topic, value: String(i) })));

  const early = testConsumer(t, b, { resetPolicy: 'earliest', valueDeserializer: stringDeserializer });
  await early.assign([{ topic, partition: 0 }]);
  t.equal((await take(early.records(), 1))[0]!.offset, 0);

  const late = testConsumer(t, b, { resetPolicy: 'latest', valueDeserializer: stringDeserializer });
  await late.assign([{ topic, partition: 0 }]);
  t.same(late.positions(), [{ topic, partition: 0, offset: 10 }]);
  const lateIt = late.records();
  const next = take(lateIt, 1);
  await p.send({ topic, value: 'new' });
  t.equal((await next)[0]!.value, 'new', 'latest sees only new records');

  const none = testConsumer(t, b, { resetPolicy: 'none' });
  await t.rejects(none.assign([{ topic, partition: 0 }]), { code: 'SAMSA_OFFSET_OUT_OF_RANGE' });

  const oor = testConsumer(t, b, { resetPolicy: 'earliest', valueDeserializer: stringDeserializer });
  await oor.assign([{ topic, partition: 0, offset: 1_000_000 }]);
  t.equal((await take(oor.records(), 1))[0]!.offset, 0, 'an out-of-range offset resets by policy');
});

t.test('reads from a timestamp', async (t) => {
  const b = await startClientTestBroker(t);
  const topic = uniqueTopic('time');
  await testAdmin(t, b).createTopics([{ name: topic, partitions: 1 }]);
  const p = testProducer(t, b);
  const base = Date.now() - 100_000;
  await p.sendBatch(
    Array.from({ length: 20 }, (_, i) => ({ topic, value: String(i), timestamp: base + i * 1000 })),
  );
  const c = testConsumer(t, b, { valueDeserializer: stringDeserializer });
  await c.assign([{ topic, partition: 0, timestamp: base + 7500 }]);
  const [r] = await take(c.records(), 1);
  t.equal(r!.offset, 8, 'first record at or after the timestamp');
  await c.seekToTimestamp(base + 2000);
  const [r2] = await take(c.records(), 1);
  t.equal(r2!.offset, 2);
  await c.seekToTimestamp(Date.now() + 100_000);
  t.same(c.positions(), [{ topic, partition: 0, offset: 20 }], 'a timestamp after the end goes to the end');
});

t.test('memory stays bounded while the handler is stalled', async (t) => {
  const b = await startClientTestBroker(t);
  const topic = uniqueTopic('bounded');
  await testAdmin(t, b).createTopics([{ name: topic, partitions: 2 }]);
  const p = testProducer(t, b, { batchBytes: 16 * 1024 });
  const n = 40_000;
  const value = Buffer.alloc(100, 7);
  for (let i = 0; i < n; i += 5000) {
    await p.sendBatch(Array.from({ length: 5000 }, (_, j) => ({ topic, key: String(i + j), value })));
  }
  const maxBufferedBytes = 256 * 1024;
  const fetchMaxBytes = 64 * 1024;
  const c = testConsumer(t, b, { maxBufferedBytes, fetchMaxBytes, partitionMaxBytes: 32 * 1024 });
  await c.assign([
    { topic, partition: 0, offset: 0 },
    { topic, partition: 1, offset: 0 },
  ]);
  const it = c.records();
  await take(it, 1);
  // The handler now stalls: the fetcher fills the buffer and stops.
  await waitFor('the prefetch buffer to fill', () => c.bufferedBytes >= maxBufferedBytes - fetchMaxBytes);
  const stalledAt = c.bufferedBytes;
  // Let several fetch waits go by; nothing more may arrive while the buffer is full.
  await new Promise((r) => setTimeout(r, 500));
  t.ok(c.bufferedBytes <= maxBufferedBytes + fetchMaxBytes, `buffered ${c.bufferedBytes} (was ${stalledAt})`);
  const rest = await take(it, n - 1, 60_000);
  t.equal(rest.length, n - 1, 'every record arrives once the handler continues');
  t.ok(
    c.bufferedBytesPeak <= maxBufferedBytes + fetchMaxBytes,
    `peak ${c.bufferedBytesPeak} <= maxBufferedBytes + one fetch response (${maxBufferedBytes + fetchMaxBytes})`,
  );
});

t.test('the consumer resumes by itself after a broker restart mid-stream', async (t) => {
  const b = await startClientTestBroker(t);
  const topic = uniqueTopic('restart-consume');
  await testAdmin(t, b).createTopics([{ name: topic, partitions: 2 }]);
  const p = testProducer(t, b, { retryBackoffMs: 20, retryBackoffMsMax: 200, connectTimeoutMs: 1000 });
  await p.sendBatch(Array.from({ length: 1000 }, (_, i) => ({ topic, key: String(i), value: String(i) })));
  const c = testConsumer(t, b, {
    valueDeserializer: stringDeserializer,
    retryBackoffMs: 20,
    retryBackoffMsMax: 200,
    connectTimeoutMs: 1000,
  });
  await c.assign([
    { topic, partition: 0, offset: 0 },
    { topic, partition: 1, offset: 0 },
  ]);
  const it = c.records();
  const before = await take(it, 500);
  await b.restart();
  await p.sendBatch(
    Array.from({ length: 1000 }, (_, i) => ({ topic, key: String(1000 + i), value: String(1000 + i) })),
  );
  const after = await take(it, 1500, 30_000);
  const values = new Set([...before, ...after].map((r) => Number(r.value)));
  t.equal(values.size, 2000, 'all records before and after the restart were read');
});

t.test('a broker that never comes back is a fatal error, not a hang', async (t) => {
  const b = await startClientTestBroker(t);
  const topic = uniqueTopic('fatal');
  await testAdmin(t, b).createTopics([{ name: topic, partitions: 1 }]);
  const c = testConsumer(t, b, {
    reconnectTimeoutMs: 1000,
    retryBackoffMs: 20,
    retryBackoffMsMax: 100,
    connectTimeoutMs: 500,
  });
  await c.assign([{ topic, partition: 0, offset: 0 }]);
  const fatal = new Promise<SamsaError>((resolve) => c.once('fatal', resolve));
  const it = c.records();
  const next = it.next();
  await b.stop();
  const err = await withTimeout(
    'the iterator to fail',
    next.then(
      () => null,
      (e: unknown) => e,
    ),
    15_000,
  );
  t.ok(err instanceof SamsaError, 'the iterator throws a SamsaError');
  t.equal((err as SamsaError).code, 'SAMSA_FATAL');
  t.equal((await fatal).code, 'SAMSA_FATAL', 'and the fatal event fires');
});

t.test('partitions assigned together are fetched together (no long poll holds the rest back)', async (t) => {
  const b = await startClientTestBroker(t);
  const topic = uniqueTopic('together');
  await testAdmin(t, b).createTopics([{ name: topic, partitions: 6 }]);
  // A long poll far longer than the test may take: if the first Fetch carried only some of the
  // partitions, a record on another one would wait for it.
  const c = testConsumer(t, b, { valueDeserializer: stringDeserializer, fetchMaxWaitMs: 60_000 });
  await c.assign(Array.from({ length: 6 }, (_, partition) => ({ topic, partition, offset: 0 })));
  const it = c.records();
  const next = take(it, 1, 15_000);
  await testProducer(t, b).send({ topic, partition: 5, value: 'last partition' });
  const [r] = await next;
  t.same([r?.partition, r?.value], [5, 'last partition']);
});
