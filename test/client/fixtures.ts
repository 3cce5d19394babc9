/**
 * Fixtures of the client tests: an in-process broker (port 0, temp data dir, stopped in
 * teardown) that can be restarted on the same port and data dir, and clients closed in teardown.
 */
import { pino } from 'pino';
import { type Broker, startBroker } from '../../broker/broker.js';
import { Admin } from '../../client/admin.js';
import { Consumer, type ConsumerOptions } from '../../client/consumer.js';
import { Producer, type ProducerOptions } from '../../client/producer.js';
import { tempDir } from '../helpers/temp.js';

interface TestLike {
  teardown(fn: () => void | Promise<void>): void;
}

export interface TestBroker {
  readonly bootstrap: string;
  readonly port: number;
  readonly dataDir: string;
  /** The running broker (changes after restart). */
  broker: Broker;
  stop(): Promise<void>;
  /** Stop (if running) and start again on the same port and data directory. */
  restart(): Promise<void>;
}

export async function startClientTestBroker(
  t: TestLike,
  config: Record<string, unknown> = {},
): Promise<TestBroker> {
  const dataDir = tempDir(t, 'samsa-client-');
  const start = (port: number) =>
    startBroker({
      host: '127.0.0.1',
      port,
      dataDir,
      logger: pino({ level: 'silent' }),
      groupInitialRebalanceDelayMs: 0,
      ...config,
    });
  let broker = await start(0);
  const port = broker.port;
  let running = true;
  const tb: TestBroker = {
    bootstrap: `127.0.0.1:${port}`,
    port,
    dataDir,
    get broker() {
      return broker;
    },
    set broker(b) {
      broker = b;
    },
    async stop() {
      if (!running) return;
      running = false;
      await broker.close();
    },
    async restart() {
      await tb.stop();
      broker = await start(port);
      running = true;
    },
  };
  t.teardown(() => tb.stop());
  return tb;
}

export function testAdmin(t: TestLike, b: TestBroker): Admin {
  const a = new Admin({ brokers: [b.bootstrap], clientId: 'test-admin', requestTimeoutMs: 10_000 });
  t.teardown(() => a.close());
  return a;
}

export function testProducer<K = Buffer | string | null, V = Buffer | string | null>(
  t: TestLike,
  b: TestBroker,
  opts: Partial<ProducerOptions<K, V>> = {},
): Producer<K, V> {
  const p = new Producer<K, V>({
    brokers: [b.bootstrap],
    clientId: 'test-producer',
    requestTimeoutMs: 10_000,
    ...opts,
  });
  t.teardown(() => p.close().catch(() => undefined));
  return p;
}

export function testConsumer<K = Buffer | null, V = Buffer | null>(
  t: TestLike,
  b: TestBroker,
  opts: Partial<ConsumerOptions<K, V>> = {},
): Consumer<K, V> {
  const c = new Consumer<K, V>({
    brokers: [b.bootstrap],
    clientId: 'test-consumer',
    requestTimeoutMs: 10_000,
    fetchMaxWaitMs: 100,
    heartbeatIntervalMs: 100,
    sessionTimeoutMs: 6000,
    rebalanceTimeoutMs: 10_000,
    ...opts,
  });
  t.teardown(() => c.close().catch(() => undefined));
  return c;
}

/** Take `n` items from an async iterator, failing after `timeoutMs`. */
export async function take<T>(it: AsyncIterator<T>, n: number, timeoutMs = 20_000): Promise<T[]> {
  const out: T[] = [];
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`took only ${out.length} of ${n} items within ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  try {
    while (out.length < n) {
      const r = await Promise.race([it.next(), deadline]);
      if (r.done) break;
      out.push(r.value);
    }
  } finally {
    clearTimeout(timer);
  }
  return out;
}
