import t from 'tap';
import { uniqueTopic } from '../helpers/temp.js';
import { startClientTestBroker, take, testAdmin, testConsumer, testProducer } from './fixtures/index.js';

t.test('produce and consume through assign', async (t) => {
  const b = await startClientTestBroker(t);
  const admin = testAdmin(t, b);
  const topic = uniqueTopic('smoke');
  await admin.createTopics([{ name: topic, partitions: 2 }]);
  const producer = testProducer(t, b);
  const metas = await producer.sendBatch(
    Array.from({ length: 100 }, (_, i) => ({ topic, key: `k${i % 7}`, value: `v${i}`, headers: { h: 'x' } })),
  );
  t.equal(metas.length, 100);
  const consumer = testConsumer(t, b, { resetPolicy: 'earliest' });
  await consumer.assign([
    { topic, partition: 0 },
    { topic, partition: 1 },
  ]);
  const recs = await take(consumer.records(), 100);
  t.equal(recs.length, 100);
  t.same(new Set(recs.map((r) => r.value?.toString())).size, 100);
});
