import { createServer, type Server, type Socket } from 'node:net';
import t from 'tap';
import { PeerClient, PeerConnectionError } from '../../../broker/cluster/peer-client.js';
import { encodeResponse } from '../../../protocol/framing.js';
import { startTestBroker } from '../../helpers/broker.js';

/** A TCP server on port 0 whose connections are handed to `onSocket`; closed at teardown. */
async function fakeBroker(
  tt: { teardown(fn: () => Promise<void>): void },
  onSocket: (s: Socket) => void,
): Promise<number> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((s) => {
    sockets.add(s);
    s.on('error', () => {});
    onSocket(s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  tt.teardown(
    () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  );
  return (server.address() as { port: number }).port;
}

t.test('talks to a real broker: metadata and list offsets, answers matched by correlation id', async (t) => {
  const b = await startTestBroker(t, { autoCreateTopics: true });
  const c = await PeerClient.connect({ host: b.host, port: b.port, brokerId: 2 });
  t.teardown(() => c.close());
  const [meta, offsets] = await Promise.all([
    c.request(3, 9, {
      topics: [{ name: 'peer-t' }],
      allowAutoTopicCreation: true,
      includeClusterAuthorizedOperations: false,
      includeTopicAuthorizedOperations: false,
    }),
    c.request(2, 5, { replicaId: -1, isolationLevel: 0, topics: [] }),
  ]);
  t.equal(meta.topics[0]?.name, 'peer-t');
  t.equal(meta.brokers[0]?.port, b.port);
  t.same(offsets.topics, []);
});

t.test('a frame over responseBytesMax closes the connection and fails the request', async (t) => {
  const port = await fakeBroker(t, (s) => {
    s.once('data', (d) => {
      const head = Buffer.alloc(8);
      head.writeInt32BE(10_000, 0);
      head.writeInt32BE(d.readInt32BE(8), 4);
      s.write(head);
    });
  });
  const c = await PeerClient.connect({ host: '127.0.0.1', port, brokerId: 1, responseBytesMax: 1000 });
  await t.rejects(c.request(2, 5, { replicaId: -1, isolationLevel: 0, topics: [] }), /bad response frame/);
  t.ok(c.closed);
  await t.rejects(c.request(2, 5, { replicaId: -1, isolationLevel: 0, topics: [] }), PeerConnectionError);
});

t.test('silence: the request times out and the connection is closed', async (t) => {
  const port = await fakeBroker(t, () => {});
  const c = await PeerClient.connect({ host: '127.0.0.1', port, brokerId: 1, requestTimeoutMs: 50 });
  await t.rejects(
    c.request(2, 5, { replicaId: -1, isolationLevel: 0, topics: [] }),
    /no answer to api 2 within 50 ms/,
  );
  t.ok(c.closed);
});

t.test('in-flight cap, peer closing, and a refused connection are clear errors', async (t) => {
  let accepted!: (s: Socket) => void;
  const peerSocket = new Promise<Socket>((r) => {
    accepted = r;
  });
  const port = await fakeBroker(t, (s) => accepted(s));
  const c = await PeerClient.connect({ host: '127.0.0.1', port, brokerId: 1, inFlightMax: 1 });
  const first = c.request(2, 5, { replicaId: -1, isolationLevel: 0, topics: [] });
  await t.rejects(
    c.request(2, 5, { replicaId: -1, isolationLevel: 0, topics: [] }),
    /1 requests already in flight/,
  );
  (await peerSocket).destroy();
  await t.rejects(first, /connection closed|ECONNRESET/);

  const closedPort = await new Promise<number>((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
  await t.rejects(PeerClient.connect({ host: '127.0.0.1', port: closedPort, brokerId: 1 }), /ECONNREFUSED/);
});

t.test('responses arriving a few bytes at a time, two frames in one chunk, are each answered', async (t) => {
  const port = await fakeBroker(t, (s) => {
    let pending = Buffer.alloc(0);
    s.on('data', (d: Buffer) => {
      pending = Buffer.concat([pending, d]);
      while (pending.length >= 4 && pending.length >= 4 + pending.readInt32BE(0)) {
        const id = pending.readInt32BE(8);
        pending = pending.subarray(4 + pending.readInt32BE(0));
        const frame = Buffer.concat(
          encodeResponse(2, 5, id, {
            throttleTimeMs: 0,
            topics: [
              {
                name: `t${id}`,
                partitions: [{ partitionIndex: 0, errorCode: 0, timestamp: -1, offset: id, leaderEpoch: 0 }],
              },
            ],
          }),
        );
        // Three bytes per write: the size prefix itself is split.
        for (let i = 0; i < frame.length; i += 3) s.write(frame.subarray(i, i + 3));
      }
    });
  });
  const c = await PeerClient.connect({ host: '127.0.0.1', port, brokerId: 1 });
  t.teardown(() => c.close());
  const [a, b] = await Promise.all([
    c.request(2, 5, { replicaId: -1, isolationLevel: 0, topics: [] }),
    c.request(2, 5, { replicaId: -1, isolationLevel: 0, topics: [] }),
  ]);
  t.same([a.topics[0]?.name, b.topics[0]?.name], ['t1', 't2']);
  t.equal(a.topics[0]?.partitions[0]?.offset, 1);
});
