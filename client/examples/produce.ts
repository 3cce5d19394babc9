/**
 * Example: produce records — one at a time (a promise per record) and in batches.
 *
 *   npx tsc -p . && node dist/client/examples/produce.js [host:port] [topic]
 */
import { jsonSerializer, Producer } from '../index.js';

const broker = process.argv[2] ?? 'localhost:9092';
const topic = process.argv[3] ?? 'example-events';

interface Event {
  user: string;
  action: string;
  at: number;
}

const producer = new Producer<string, Event>({
  brokers: [broker],
  clientId: 'example-producer',
  acks: 'all',
  lingerMs: 5,
  compression: 'gzip',
  valueSerializer: jsonSerializer,
});
await producer.connect();

// One record: resolves when the broker has it (partition chosen by murmur2 of the key).
const meta = await producer.send({
  topic,
  key: 'user-1',
  value: { user: 'user-1', action: 'login', at: Date.now() },
  headers: { source: 'example' },
});
console.log(`written to ${meta.topic}-${meta.partition} at offset ${meta.offset}`);

// Many records: one promise for all of them.
const batch = Array.from({ length: 1000 }, (_, i) => ({
  topic,
  key: `user-${i % 10}`,
  value: { user: `user-${i % 10}`, action: 'click', at: Date.now() },
}));
const metas = await producer.sendBatch(batch);
console.log(`${metas.length} records written`);

// A tight loop honours back-pressure instead of buffering without bound.
for (let i = 0; i < 10_000; i++) {
  void producer.send({ topic, key: null, value: { user: 'anon', action: 'view', at: Date.now() } });
  if (!producer.writable) await producer.waitForCapacity();
}
await producer.close(); // flushes first
