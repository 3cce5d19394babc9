/**
 * Connection: version negotiation, pipelined requests under the in-flight bound, typed errors
 * for refused connections, timeouts (a server that never answers) and closes mid-request.
 */
import { createServer, type Server, type Socket } from 'node:net';
import t from 'tap';
import { Connection } from '../../client/connection.js';
import { SamsaError } from '../../client/errors.js';
import { ApiKey } from '../../protocol/api-keys.js';
import { apiSchemas } from '../../protocol/apis/index.js';
import { startClientTestBroker } from './fixtures/index.js';

/** A TCP server on port 0 that accepts and then does what `onSocket` says; closed in teardown. */
async function fakeServer(
  t: { teardown(fn: () => unknown): void },
  onSocket: (s: Socket) => void,
): Promise<number> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    onSocket(s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((r) => server.close(r));
  });
  return (server.address() as { port: number }).port;
}

t.test('negotiates min(client max, broker max) per API', async (t) => {
  const b = await startClientTestBroker(t);
  const conn = await Connection.connect({ host: '127.0.0.1', port: b.port });
  t.teardown(() => conn.close());
  for (const [key, v] of conn.versions) {
    const ours = apiSchemas.get(key)!;
    t.ok(v >= ours.minVersion && v <= ours.maxVersion, `api ${key} at v${v}`);
  }
  t.equal(conn.version(ApiKey.Metadata), 9);
  t.equal(conn.version(ApiKey.Fetch), 12);
  t.throws(() => conn.version(999), { code: 'SAMSA_UNSUPPORTED_VERSION' });
});

t.test('pipelines many requests over one connection, answers matched by correlation id', async (t) => {
  const b = await startClientTestBroker(t);
  const conn = await Connection.connect({ host: '127.0.0.1', port: b.port, inFlightRequestsMax: 4 });
  t.teardown(() => conn.close());
  const reqs = Array.from({ length: 50 }, () =>
    conn.request(ApiKey.Metadata, { topics: [], allowAutoTopicCreation: false }),
  );
  t.equal(conn.pendingRequests, 50);
  t.equal(conn.inFlightRequests, 4, 'only inFlightRequestsMax are written; the rest wait');
  const res = await Promise.all(reqs);
  t.equal(res.length, 50);
  t.ok(res.every((r) => r.brokers.length === 1));
  t.equal(conn.pendingRequests, 0);
});

t.test('a refused connection is SAMSA_CONNECTION_FAILED', async (t) => {
  const port = await fakeServer(t, (s) => s.destroy());
  const err = await Connection.connect({ host: '127.0.0.1', port, connectTimeoutMs: 2000 }).catch(
    (e: unknown) => e,
  );
  t.ok(err instanceof SamsaError);
  t.equal((err as SamsaError).code, 'SAMSA_CONNECTION_FAILED');
});

t.test('a server that never answers: the request times out with SAMSA_REQUEST_TIMEOUT', async (t) => {
  const port = await fakeServer(t, () => undefined);
  const err = await Connection.connect({ host: '127.0.0.1', port, connectTimeoutMs: 300 }).catch(
    (e: unknown) => e,
  );
  t.ok(err instanceof SamsaError);
  t.equal((err as SamsaError).code, 'SAMSA_CONNECTION_FAILED');
  t.match((err as Error).message, /no answer within 300 ms/);
  t.equal(
    ((err as Error).cause as SamsaError).code,
    'SAMSA_REQUEST_TIMEOUT',
    'caused by the request timeout',
  );
});

t.test('a broker that goes away fails pending requests with SAMSA_CONNECTION_CLOSED', async (t) => {
  const b = await startClientTestBroker(t);
  const conn = await Connection.connect({ host: '127.0.0.1', port: b.port });
  // A fetch that waits on the broker, then the broker stops.
  await conn.request(ApiKey.CreateTopics, {
    topics: [{ name: 'wait', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }],
    timeoutMs: 5000,
    validateOnly: false,
  });
  const pending = conn
    .request(ApiKey.Fetch, {
      replicaId: -1,
      maxWaitMs: 10_000,
      minBytes: 1,
      maxBytes: 1024,
      isolationLevel: 0,
      topics: [{ topic: 'wait', partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 1024 }] }],
    })
    .catch((e: unknown) => e);
  await b.stop();
  const err = await pending;
  t.ok(err instanceof SamsaError);
  t.equal((err as SamsaError).code, 'SAMSA_CONNECTION_CLOSED');
  t.equal((await conn.closed).code, 'SAMSA_CONNECTION_CLOSED');
  t.ok(conn.isClosed);
  await t.rejects(conn.request(ApiKey.Metadata, { topics: [] }), { code: 'SAMSA_CONNECTION_CLOSED' });
});
