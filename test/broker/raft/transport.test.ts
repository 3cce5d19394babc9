/** RaftTransport: delivery, hostile frames, the bounded queue, reconnects, clean close. */
import { once } from 'node:events';
import { connect } from 'node:net';
import t from 'tap';
import { encodeMessage, MESSAGE_BYTES_MAX } from '../../../broker/raft/raft-codec.js';
import { PEER_QUEUE_MESSAGES_MAX, RaftTransport } from '../../../broker/raft/raft-transport.js';
import { APP_PAYLOAD_BYTES_MAX, type Message, type WireMessage } from '../../../broker/raft/raft-types.js';
import { waitFor } from '../../helpers/wait.js';

const hb = (from: number, to: number, ctx: number): Message => ({
  type: 'heartbeat',
  from,
  to,
  term: 1,
  commit: 0,
  ctx,
});

function pair(t: Tap): { a: RaftTransport; b: RaftTransport; gotA: WireMessage[]; gotB: WireMessage[] } {
  const gotA: WireMessage[] = [];
  const gotB: WireMessage[] = [];
  const a = new RaftTransport({ nodeId: 1, voters: [1, 2], onMessage: (m) => gotA.push(m) });
  const b = new RaftTransport({ nodeId: 2, voters: [1, 2], onMessage: (m) => gotB.push(m) });
  t.teardown(async () => {
    await a.close();
    await b.close();
  });
  return { a, b, gotA, gotB };
}
type Tap = Parameters<Parameters<typeof t.test>[0]>[0];

async function rawFrame(port: number, bytes: Buffer): Promise<void> {
  const s = connect({ host: '127.0.0.1', port });
  await once(s, 'connect');
  s.write(bytes);
  await once(s, 'close'); // the transport closes connections that send bad frames
}

t.test('messages arrive in order with their entries intact', async (t) => {
  const { a, b, gotB } = pair(t);
  await a.listen();
  const portB = await b.listen();
  a.setPeer(2, { host: '127.0.0.1', port: portB });
  for (let i = 1; i <= 100; i++) a.send(hb(1, 2, i));
  a.send({
    type: 'append',
    from: 1,
    to: 2,
    term: 3,
    prevIndex: 4,
    prevTerm: 2,
    commit: 4,
    entries: [{ index: 5, term: 3, type: 'data', data: new Uint8Array([1, 2, 3]) }],
  });
  await waitFor('delivery', () => gotB.length === 101);
  t.same(
    gotB.slice(0, 100).map((m) => (m as { ctx: number }).ctx),
    Array.from({ length: 100 }, (_, i) => i + 1),
  );
  const app = gotB[100] as Extract<Message, { type: 'append' }>;
  t.same([...app.entries[0]!.data], [1, 2, 3]);
});

t.test('hostile frames close that connection only; the transport keeps serving', async (t) => {
  const { a, b, gotB } = pair(t);
  await a.listen();
  const portB = await b.listen();
  const len = (n: number): Buffer => {
    const h = Buffer.alloc(4);
    h.writeUInt32BE(n >>> 0);
    return h;
  };
  const body = (m: unknown): Buffer => {
    const e = encodeMessage(m as Message);
    return Buffer.concat([len(e.length), e]);
  };
  await rawFrame(portB, len(0x7fffffff)); // over the cap: refused before buffering
  await rawFrame(portB, len(MESSAGE_BYTES_MAX + 1));
  await rawFrame(portB, len(0));
  await rawFrame(portB, Buffer.concat([len(3), Buffer.from([0xc1, 0xc1, 0xc1])])); // not msgpack
  await rawFrame(portB, body({ type: 'bogus', from: 1, to: 2, term: 1 }));
  await rawFrame(portB, body({ type: 'heartbeat', from: 1, to: 2, term: -1, commit: 0, ctx: 0 }));
  await rawFrame(portB, body({ ...hb(1, 2, 1), to: 3 })); // not for us
  await rawFrame(portB, body({ ...hb(9, 2, 1) })); // not a voter
  await rawFrame(
    portB,
    body({
      type: 'append',
      from: 1,
      to: 2,
      term: 1,
      prevIndex: 0,
      prevTerm: 0,
      commit: 0,
      entries: [{ index: 7 }],
    }),
  );
  t.equal(b.stats.badFrames, 9);
  t.equal(gotB.length, 0, 'nothing malformed was delivered');
  a.setPeer(2, { host: '127.0.0.1', port: portB });
  a.send(hb(1, 2, 42));
  await waitFor('a good message after the bad ones', () => gotB.length === 1);
});

t.test(
  'the queue to an unreachable peer is bounded (oldest dropped); reconnect delivers the newest',
  async (t) => {
    const { a, b, gotB } = pair(t);
    await a.listen();
    // b's address is not known yet: nothing can be sent.
    const extra = 100;
    for (let i = 1; i <= PEER_QUEUE_MESSAGES_MAX + extra; i++) a.send(hb(1, 2, i));
    t.equal(a.stats.dropped, extra, 'the oldest beyond the bound were dropped');
    const portB = await b.listen();
    a.setPeer(2, { host: '127.0.0.1', port: portB });
    await waitFor('the queue to drain', () => gotB.length === PEER_QUEUE_MESSAGES_MAX, { timeoutMs: 15_000 });
    t.equal((gotB[0] as { ctx: number }).ctx, extra + 1, 'delivery starts after the dropped ones');
    // The peer goes away and comes back on another port: the link re-dials.
    await b.close();
    const got2: WireMessage[] = [];
    const b2 = new RaftTransport({ nodeId: 2, voters: [1, 2], onMessage: (m) => got2.push(m) });
    t.teardown(() => b2.close());
    const port2 = await b2.listen();
    a.setPeer(2, { host: '127.0.0.1', port: port2 });
    a.send(hb(1, 2, 7));
    await waitFor('delivery after the peer moved', () => got2.length === 1);
  },
);

t.test('app messages travel beside Raft traffic; oversized ones are refused on arrival', async (t) => {
  const { a, b, gotB } = pair(t);
  await a.listen();
  const portB = await b.listen();
  a.setPeer(2, { host: '127.0.0.1', port: portB });
  a.send({ type: 'app', from: 1, to: 2, term: 0, payload: new Uint8Array([7, 8, 9]) });
  a.send(hb(1, 2, 1));
  await waitFor('delivery', () => gotB.length === 2);
  t.same(gotB[0], { type: 'app', from: 1, to: 2, term: 0, payload: new Uint8Array([7, 8, 9]) });
  t.equal(gotB[1]?.type, 'heartbeat');

  const big = encodeMessage({
    type: 'app',
    from: 1,
    to: 2,
    term: 0,
    payload: new Uint8Array(APP_PAYLOAD_BYTES_MAX + 1),
  });
  const frame = Buffer.alloc(4 + big.length);
  frame.writeUInt32BE(big.length, 0);
  big.copy(frame, 4);
  await rawFrame(portB, frame);
  t.equal(gotB.length, 2, 'nothing delivered from the oversized frame');
});
