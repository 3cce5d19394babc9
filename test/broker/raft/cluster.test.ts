/**
 * Three RaftServers over real TCP on loopback (port 0), file storage in temp directories:
 * elect, propose 1,000 entries, stop the leader, a new leader is elected and proposals
 * continue, the stopped node restarts and catches up (by snapshot, since the others compacted),
 * and every node applies the identical sequence.
 */
import { once } from 'node:events';
import { join } from 'node:path';
import t from 'tap';
import { NotLeaderError } from '../../../broker/raft/raft-errors.js';
import { type LeaderChange, RaftServer, type RaftStateMachine } from '../../../broker/raft/raft-server.js';
import type { PeerAddress } from '../../../broker/raft/raft-transport.js';
import type { Entry, NodeId, Snapshot } from '../../../broker/raft/raft-types.js';
import { tempDir } from '../../helpers/temp.js';
import { waitFor } from '../../helpers/wait.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array): string => new TextDecoder().decode(b);

/** A list of applied strings; its snapshot is the list. */
class ListMachine implements RaftStateMachine {
  items: string[] = [];
  restores = 0;
  apply(e: Entry): void {
    this.items.push(dec(e.data));
  }
  snapshot(): Uint8Array {
    return enc(JSON.stringify(this.items));
  }
  restore(s: Snapshot): void {
    this.items = JSON.parse(dec(s.data)) as string[];
    this.restores++;
  }
}

const IDS: NodeId[] = [1, 2, 3];

t.test('three voters over TCP: elect, replicate, fail over, catch up', async (t) => {
  const root = tempDir(t, 'samsa-raft-');
  const machines = new Map<NodeId, ListMachine>();
  const servers = new Map<NodeId, RaftServer>();
  const addresses = new Map<NodeId, PeerAddress>(IDS.map((id) => [id, { host: '127.0.0.1', port: 0 }]));
  t.teardown(async () => {
    for (const s of servers.values()) await s.stop();
  });

  const startNode = async (id: NodeId): Promise<RaftServer> => {
    const sm = new ListMachine();
    machines.set(id, sm);
    const s = await RaftServer.start({
      nodeId: id,
      voters: addresses,
      dir: join(root, `node-${id}`),
      stateMachine: sm,
      tickMs: 20,
      electionTicks: 10,
      snapshotEntries: 200,
    });
    servers.set(id, s);
    addresses.set(id, { host: '127.0.0.1', port: s.port });
    for (const [other, srv] of servers) if (other !== id) srv.setPeerAddress(id, addresses.get(id)!);
    return s;
  };
  // Listen first, then tell everyone where everyone is.
  for (const id of IDS) await startNode(id);
  for (const [id, s] of servers) for (const o of IDS) if (o !== id) s.setPeerAddress(o, addresses.get(o)!);

  const leader = async (exclude?: NodeId): Promise<RaftServer> =>
    waitFor(
      'a leader',
      () => {
        const ls = [...servers.values()].filter((s) => s.isLeader() && s.nodeId !== exclude);
        return ls.length === 1 ? ls[0] : undefined;
      },
      { timeoutMs: 15_000 },
    );

  const first = await leader();
  t.ok(first.term >= 1, `node ${first.nodeId} leads term ${first.term}`);
  const follower = [...servers.values()].find((s) => s !== first)!;
  await t.rejects(follower.propose(enc('nope')), NotLeaderError);
  await waitFor('followers to know the leader', () => follower.leaderId === first.nodeId);
  t.equal(follower.leaderId, first.nodeId, 'followers know the leader');

  // 1,000 proposals, in flight together.
  const batch1 = Array.from({ length: 1000 }, (_, i) => `a${i}`);
  const results = await Promise.all(batch1.map((v) => first.propose(enc(v))));
  for (let i = 1; i < results.length; i++) {
    if (results[i]!.index <= results[i - 1]!.index) t.fail(`indexes not increasing at ${i}`);
  }
  t.same(machines.get(first.nodeId)!.items, batch1, 'the leader applied all 1,000 in order');
  const barrier = await first.readBarrier();
  t.ok(barrier >= results.at(-1)!.index, 'a linearizable read sees every acknowledged write');

  // Stop the leader; a new one takes over.
  const changes: LeaderChange[] = [];
  for (const s of servers.values()) if (s !== first) s.on('leaderChange', (c) => changes.push(c));
  const stoppedId = first.nodeId;
  await first.stop();
  servers.delete(stoppedId);
  const second = await leader(stoppedId);
  t.not(second.nodeId, stoppedId);
  t.ok(second.term > results[0]!.term, 'a later term');
  t.ok(
    changes.some((c) => c.leaderId === second.nodeId && c.role === 'leader'),
    'leaderChange was emitted',
  );

  // Proposals continue with two of three; enough to make the survivors compact.
  const batch2 = Array.from({ length: 500 }, (_, i) => `b${i}`);
  await Promise.all(batch2.map((v) => second.propose(enc(v))));
  t.ok(second.snapshotIndex > 1000, `the survivors compacted (snapshot at ${second.snapshotIndex})`);

  // The stopped node restarts on a new port and catches up.
  const restarted = await startNode(stoppedId);
  const done = second.propose(enc('final'));
  const at = await done;
  await waitFor('the restarted node to catch up', () => restarted.appliedIndex >= at.index, {
    timeoutMs: 15_000,
  });
  t.ok(machines.get(stoppedId)!.restores >= 1, 'it caught up through a snapshot');
  const expected = [...batch1, ...batch2, 'final'];
  for (const id of IDS) {
    await waitFor(`node ${id} to apply everything`, () => servers.get(id)!.appliedIndex >= at.index);
    t.same(machines.get(id)!.items, expected, `node ${id} applied the identical sequence`);
  }

  // Stop everything; pending work is rejected, not left hanging.
  const pending = second.propose(enc('late'));
  const stops = [...servers.values()].map((s) => s.stop());
  await Promise.all(stops);
  servers.clear();
  await t.rejects(pending, { code: 'STOPPED' }, 'a proposal pending at stop is rejected');
});

t.test('a single voter over the same server path commits and survives restart', async (t) => {
  const dir = join(tempDir(t, 'samsa-raft-'), 'solo');
  const voters = new Map([[1, { host: '127.0.0.1', port: 0 }]]);
  let sm = new ListMachine();
  let s = await RaftServer.start({
    nodeId: 1,
    voters,
    dir,
    stateMachine: sm,
    tickMs: 10,
    snapshotEntries: 50,
  });
  t.teardown(() => s.stop());
  if (!s.isLeader()) await once(s, 'leaderChange');
  await waitFor('leadership', () => s.isLeader());
  const vals = Array.from({ length: 120 }, (_, i) => `v${i}`);
  for (const v of vals) await s.propose(enc(v));
  t.same(sm.items, vals);
  await s.stop();
  sm = new ListMachine();
  s = await RaftServer.start({ nodeId: 1, voters, dir, stateMachine: sm, tickMs: 10, snapshotEntries: 50 });
  await waitFor('the log replayed', () => sm.items.length === vals.length);
  t.same(sm.items, vals, 'restored from snapshot plus log');
  t.equal(sm.restores, 1);
  await waitFor('leadership again', () => s.isLeader());
  await s.propose(enc('more'));
  t.same(sm.items.at(-1), 'more');
});

t.test(
  'an observer over TCP: announced on port 0, replicated to, never leads, restarts and catches up',
  async (t) => {
    const root = tempDir(t, 'samsa-raft-obs-');
    const servers = new Map<NodeId, RaftServer>();
    const machines = new Map<NodeId, ListMachine>();
    const addresses = new Map<NodeId, PeerAddress>(IDS.map((id) => [id, { host: '127.0.0.1', port: 0 }]));
    t.teardown(async () => {
      for (const s of servers.values()) await s.stop();
    });
    const OBSERVER = 4;
    const start = async (id: NodeId): Promise<RaftServer> => {
      const sm = new ListMachine();
      machines.set(id, sm);
      const s = await RaftServer.start({
        nodeId: id,
        voters: addresses,
        dir: join(root, `node-${id}`),
        stateMachine: sm,
        tickMs: 20,
        electionTicks: 10,
        snapshotEntries: 1_000_000,
      });
      servers.set(id, s);
      return s;
    };
    for (const id of IDS) {
      const s = await start(id);
      addresses.set(id, { host: '127.0.0.1', port: s.port });
    }
    for (const [id, s] of servers) for (const o of IDS) if (o !== id) s.setPeerAddress(o, addresses.get(o)!);
    // The observer knows the voters' addresses; they learn its port (0 here) from its announcements.
    let observer = await start(OBSERVER);
    t.ok(observer.isObserver, 'node 4 is an observer');
    const leader = (exclude?: NodeId) =>
      waitFor(
        'a leader among the voters',
        () => [...servers.values()].find((s) => s.isLeader() && s.nodeId !== exclude),
        { timeoutMs: 15_000 },
      );
    const l1 = await leader();
    const leaderChanges: string[] = [];
    observer.on('leaderChange', (c) => leaderChanges.push(c.role));
    const first = Array.from({ length: 300 }, (_, i) => `a${i}`);
    const r1 = await Promise.all(first.map((v) => l1.propose(enc(v))));
    await waitFor('the observer to apply the first batch', () => observer.appliedIndex >= r1.at(-1)!.index, {
      timeoutMs: 15_000,
    });
    t.same(machines.get(OBSERVER)!.items, first, 'the observer applied the identical sequence');
    t.same(l1.observers, [OBSERVER], 'the leader replicates to the observer');
    await t.rejects(observer.propose(enc('x')), NotLeaderError, 'an observer takes no proposals');

    // The observer stops; the voters commit on without it; it restarts over its log and catches up.
    await observer.stop();
    servers.delete(OBSERVER);
    const second = Array.from({ length: 200 }, (_, i) => `b${i}`);
    const r2 = await Promise.all(second.map((v) => l1.propose(enc(v))));
    observer = await start(OBSERVER);
    observer.on('leaderChange', (c) => leaderChanges.push(c.role));
    await waitFor('the restarted observer to catch up', () => observer.appliedIndex >= r2.at(-1)!.index, {
      timeoutMs: 15_000,
    });
    t.same(machines.get(OBSERVER)!.items, [...first, ...second], 'replayed its own log, then caught up');

    // The leader stops: the two voters left elect one (the observer never counts), which learns the
    // observer from its next announcement and replicates to it.
    const goneId = l1.nodeId;
    await l1.stop();
    servers.delete(goneId);
    const l2 = await leader(goneId);
    t.not(l2.nodeId, OBSERVER, 'the new leader is a voter');
    const r3 = await l2.propose(enc('final'));
    await waitFor('the observer to apply past the failover', () => observer.appliedIndex >= r3.index, {
      timeoutMs: 15_000,
    });
    t.same(machines.get(OBSERVER)!.items.at(-1), 'final');
    t.notOk(observer.isLeader(), 'the observer never leads');
    t.notOk(
      leaderChanges.some((r) => r !== 'follower'),
      `the observer was only ever a follower (${leaderChanges.length} leader changes seen)`,
    );
    t.same(l2.observers, [OBSERVER], 'the new leader learned the observer from its announcements');
  },
);
