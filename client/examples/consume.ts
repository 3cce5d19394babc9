/**
 * Example: consume with a group — records, commits after processing, rebalance callbacks,
 * and a clean shutdown on SIGINT.
 *
 *   npx tsc -p . && node dist/client/examples/consume.js [host:port] [topic] [group]
 */
import { Consumer, jsonDeserializer, SamsaError, stringDeserializer } from '../index.js';

const broker = process.argv[2] ?? 'localhost:9092';
const topic = process.argv[3] ?? 'example-events';
const groupId = process.argv[4] ?? 'example-group';

const consumer = new Consumer<string | null, unknown>({
  brokers: [broker],
  clientId: 'example-consumer',
  groupId,
  resetPolicy: 'earliest',
  assignors: ['cooperative-sticky'],
  maxBufferedBytes: 16 * 1024 * 1024, // prefetch bound: a slow handler never grows memory past it
  keyDeserializer: stringDeserializer,
  valueDeserializer: jsonDeserializer,
  onAssigned: (partitions) => console.log('assigned', JSON.stringify(partitions)),
  onRevoked: (partitions) => console.log('revoked', JSON.stringify(partitions)),
});
consumer.subscribe([topic]);
await consumer.connect();
process.once('SIGINT', () => void consumer.close());

try {
  // Offsets of records whose loop body finished are committed automatically (every 5 s, on
  // rebalance and on close). Heartbeats run on their own timer meanwhile.
  for await (const record of consumer) {
    console.log(`${record.topic}-${record.partition}@${record.offset}`, record.key, record.value);
  }
} catch (err) {
  // The consumer could not continue (e.g. broker unreachable past reconnectTimeoutMs).
  if (err instanceof SamsaError) console.error(`consumer stopped: ${err.code}: ${err.message}`);
  else throw err;
} finally {
  await consumer.close();
}
