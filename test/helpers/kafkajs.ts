/** kafkajs 2.2.4 clients for tests: quiet logs, short retries, disconnected in teardown. */
import kafkajs, { type Admin, type Kafka, type Producer } from 'kafkajs';

// kafkajs is CommonJS: Node's ESM loader cannot see all of its named exports.
const { Kafka: KafkaClass, logLevel } = kafkajs;

interface TestLike {
  teardown(fn: () => void | Promise<void>): void;
}

export function kafkajsClient(bootstrap: string, clientId = 'samsa-e2e'): Kafka {
  return new KafkaClass({
    clientId,
    brokers: [bootstrap],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 5000,
    requestTimeout: 15_000,
    retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 1000 },
  });
}

export async function kafkajsAdmin(t: TestLike, kafka: Kafka): Promise<Admin> {
  const admin = kafka.admin();
  t.teardown(() => admin.disconnect());
  await admin.connect();
  return admin;
}

export async function kafkajsProducer(t: TestLike, kafka: Kafka): Promise<Producer> {
  const producer = kafka.producer({ allowAutoTopicCreation: true });
  t.teardown(() => producer.disconnect());
  await producer.connect();
  return producer;
}
