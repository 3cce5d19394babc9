/**
 * RaftNode edge cases, driven by hand: a tiny synchronous cluster whose network the test
 * controls message by message (cut links, hold messages, deliver selectively).
 */
import t from 'tap';
import { NotLeaderError } from '../../../broker/raft/raft-errors.js';
import { type RaftInitialState, RaftNode, type Ready } from '../../../broker/raft/raft-node.js';
import { MemoryStorage } from '../../../broker/raft/raft-storage.js';
import type { Entry, Message, NodeId } from '../../../broker/raft/raft-types.js';
import { prng } from './simulation.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array): string => new TextDecoder().decode(b);

/** A synchronous cluster: every Ready is persisted at once; messages wait in `inbox` until delivered. */
class Cluster {
  readonly nodes = new Map<NodeId, RaftNode>();
  readonly storages = new Map<NodeId, MemoryStorage>();
  readonly applied = new Map<NodeId, Entry[]>();
  readonly readies = new Map<NodeId, Ready[]>();
  inbox: Message[] = [];
  /** Links that drop everything: `${from}>${to}`. */
  readonly cut = new Set<string>();
  readonly voters: NodeId[];
  private readonly rand = prng(7);

  constructor(
    n: number,
    private readonly make: (c: ConstructorParameters<typeof RaftNode>[0], i: RaftInitialState) => RaftNode = (
      c,
      i,
    ) => new RaftNode(c, i),
  ) {
    this.voters = Array.from({ length: n }, (_, i) => i + 1);
    for (const id of this.voters) {
      this.storages.set(id, new MemoryStorage());
      this.start(id);
    }
  }

  start(id: NodeId): RaftNode {
    const node = this.make(
      { id, voters: this.voters, random: this.rand, electionTicks: 10 },
      this.storages.get(id)!.load(),
    );
    this.nodes.set(id, node);
    this.applied.set(id, []);
    this.readies.set(id, []);
    return node;
  }

  node(id: NodeId): RaftNode {
    return this.nodes.get(id)!;
  }

  /** Persist, collect messages and applied entries of every node until none has a Ready. */
  flush(): void {
    for (let again = true; again; ) {
      again = false;
      for (const [id, node] of this.nodes) {
        while (node.hasReady()) {
          again = true;
          const rd = node.ready();
          this.readies.get(id)!.push(rd);
          const st = this.storages.get(id)!;
          st.write({ hardState: rd.hardState, snapshot: rd.snapshot, entries: rd.entries });
          st.sync();
          if (rd.snapshot) this.applied.set(id, []);
          this.applied.get(id)!.push(...rd.committedEntries);
          for (const m of rd.messages) if (!this.cut.has(`${m.from}>${m.to}`)) this.inbox.push(m);
          node.advance();
        }
      }
    }
  }

  /** Deliver queued messages (those `filter` keeps) until the network is quiet. */
  deliver(filter: (m: Message) => boolean = () => true, rounds = 100): void {
    for (let r = 0; r < rounds; r++) {
      this.flush();
      if (this.inbox.length === 0) return;
      const batch = this.inbox;
      this.inbox = [];
      for (const m of batch) {
        if (this.cut.has(`${m.from}>${m.to}`) || !filter(m)) continue;
        this.nodes.get(m.to)?.step(m);
      }
    }
    this.flush();
  }

  tick(id: NodeId, n = 1): void {
    for (let i = 0; i < n; i++) this.node(id).tick();
    this.flush();
  }

  tickAll(n = 1): void {
    for (let i = 0; i < n; i++) {
      for (const node of this.nodes.values()) node.tick();
      this.deliver();
    }
  }

  /** Tick node `id` until it campaigns, then let the network settle. */
  elect(id: NodeId): void {
    for (let i = 0; i < 40 && !this.node(id).isLeader(); i++) {
      this.node(id).tick();
      this.deliver();
    }
    if (!this.node(id).isLeader()) throw new Error(`node ${id} did not become leader`);
  }

  /** Tick every node in `ids` until one of them leads; returns it. */
  electAmong(ids: NodeId[], filter?: (m: Message) => boolean): NodeId {
    for (let i = 0; i < 60; i++) {
      for (const id of ids) this.node(id).tick();
      this.deliver(filter);
      const l = ids.find((id) => this.node(id).isLeader());
      if (l !== undefined) return l;
    }
    throw new Error(`none of ${ids} became leader`);
  }

  isolate(id: NodeId): void {
    for (const o of this.voters) {
      if (o === id) continue;
      this.cut.add(`${id}>${o}`);
      this.cut.add(`${o}>${id}`);
    }
  }

  heal(): void {
    this.cut.clear();
  }

  dataApplied(id: NodeId): string[] {
    return this.applied
      .get(id)!
      .filter((e) => e.type === 'data')
      .map((e) => dec(e.data));
  }
}

t.test('a single voter is a quorum of one on the same path', async (t) => {
  const c = new Cluster(1);
  const n = c.node(1);
  t.throws(() => n.propose(enc('x')), NotLeaderError);
  c.tick(1, 20);
  t.ok(n.isLeader(), 'elected itself after an election timeout');
  t.equal(n.term, 1, 'pre-vote then vote: one term');
  n.propose(enc('a'));
  n.propose(enc('b'));
  c.flush();
  t.same(c.dataApplied(1), ['a', 'b']);
  t.equal(n.commitIndex, 3, 'no-op plus two entries');
  const id = n.readIndex();
  c.flush();
  const rs = c.readies.get(1)!.flatMap((r) => r.readStates);
  t.same(rs, [{ id, index: 3 }], 'a read is confirmed at once');
});

t.test('three voters elect one leader, commit its no-op, then proposals', async (t) => {
  const c = new Cluster(3);
  c.elect(1);
  t.equal(c.node(1).term, 1);
  for (const id of [2, 3]) {
    t.equal(c.node(id).leaderId, 1);
    t.equal(c.node(id).role, 'follower');
  }
  const err = t.throws(() => c.node(2).propose(enc('x'))) as NotLeaderError;
  t.equal(err.code, 'NOT_LEADER');
  t.equal(err.leaderId, 1, 'NotLeader carries the leader');
  for (let i = 0; i < 10; i++) c.node(1).propose(enc(`v${i}`));
  c.deliver();
  c.tickAll(2); // heartbeats carry the commit index to the followers
  for (const id of [1, 2, 3])
    t.same(
      c.dataApplied(id),
      Array.from({ length: 10 }, (_, i) => `v${i}`),
      `node ${id}`,
    );
});

t.test(
  'pre-vote: an isolated node does not bump its term or disturb the leader when it returns',
  async (t) => {
    const c = new Cluster(3);
    c.elect(1);
    const term = c.node(1).term;
    c.isolate(3);
    c.tick(3, 200);
    t.equal(c.node(3).term, term, 'the isolated node never raised its term');
    t.equal(c.node(3).role, 'preCandidate');
    c.heal();
    c.tickAll(5);
    t.ok(c.node(1).isLeader(), 'the leader is undisturbed');
    t.equal(c.node(1).term, term);
    t.equal(c.node(3).leaderId, 1, 'the returning node follows the leader');
  },
);

t.test('leader stickiness: a follower that just heard from the leader ignores a vote request', async (t) => {
  const c = new Cluster(3);
  c.elect(1);
  const term = c.node(1).term;
  const n2 = c.node(2);
  n2.step({ type: 'vote', from: 3, to: 2, term: term + 1, lastIndex: 100, lastTerm: term });
  c.flush();
  t.equal(n2.term, term, 'the term did not move');
  t.equal(c.inbox.filter((m) => m.type === 'voteResp').length, 0, 'no vote was cast');
  n2.step({ type: 'preVote', from: 3, to: 2, term: term + 1, lastIndex: 100, lastTerm: term });
  c.flush();
  t.equal(c.inbox.filter((m) => m.type === 'preVoteResp').length, 0, 'no pre-vote either');
  // Once the leader has been silent for an election timeout, the follower listens.
  c.isolate(1);
  c.tick(2, 10);
  c.inbox = [];
  n2.step({ type: 'preVote', from: 3, to: 2, term: term + 1, lastIndex: 100, lastTerm: term });
  c.flush();
  const resp = c.inbox.find((m) => m.type === 'preVoteResp');
  t.same(resp && { reject: (resp as { reject: boolean }).reject, term: resp.term }, {
    reject: false,
    term: term + 1,
  });
  t.equal(n2.term, term, 'granting a pre-vote does not change the term');
});

t.test('a node with a stale log is refused votes and pre-votes', async (t) => {
  const c = new Cluster(3);
  c.elect(1);
  c.isolate(3);
  c.node(1).propose(enc('a'));
  c.deliver();
  c.isolate(1);
  c.cut.delete('2>3');
  c.cut.delete('3>2');
  // 3 (missing 'a') campaigns; 2 has heard nothing for a while, but 3's log is behind.
  c.tick(2, 8);
  c.tick(3, 40);
  c.deliver();
  t.not(c.node(3).role, 'leader');
  t.equal(c.node(3).term, c.node(2).term, 'no term inflation from failed pre-votes');
});

t.test(
  'check-quorum: a leader cut off from the majority steps down within an election timeout',
  async (t) => {
    const c = new Cluster(3);
    c.elect(1);
    c.isolate(1);
    c.tick(1, 9);
    t.ok(c.node(1).isLeader(), 'still leader inside the window');
    c.tick(1, 12);
    t.equal(c.node(1).role, 'follower');
    t.equal(c.node(1).leaderId, 0);
    t.throws(() => c.node(1).propose(enc('late')), NotLeaderError);
    // The majority side elects a new leader.
    const l = c.electAmong([2, 3]);
    t.ok(c.node(l).term > 1);
  },
);

t.test(
  'log conflicts: a follower drops an uncommitted divergent suffix, found in few round trips',
  async (t) => {
    const c = new Cluster(3);
    c.elect(1);
    c.node(1).propose(enc('base'));
    c.deliver();
    c.tickAll(2);
    // The old leader appends 50 entries nobody gets.
    c.isolate(1);
    for (let i = 0; i < 50; i++) c.node(1).propose(enc(`lost${i}`));
    c.flush();
    c.tick(1, 25); // steps down by check-quorum
    c.inbox = [];
    // The others elect a leader and commit 30 other entries at the same indexes.
    let l = c.electAmong([2, 3]);
    for (let i = 0; i < 30; i++) c.node(l).propose(enc(`kept${i}`));
    c.deliver();
    c.tickAll(1);
    // Both restart and elect again, so the new leader starts probing node 1 from its last index.
    c.start(2);
    c.start(3);
    l = c.electAmong([2, 3]);
    c.node(l).propose(enc('last'));
    c.deliver();
    // Reconnect 1 and count how many append rejections it takes to find the match point.
    c.heal();
    let rejects = 0;
    for (let i = 0; i < 5; i++) {
      c.node(l).tick();
      c.deliver((m) => {
        if (m.type === 'appendResp' && m.reject && m.from === 1) rejects++;
        return true;
      });
    }
    t.equal(rejects, 1, 'one rejection: the hint skips the whole divergent term');
    t.equal(c.node(1).lastIndex(), c.node(l).lastIndex());
    for (let i = 1; i <= c.node(l).lastIndex(); i++)
      t.equal(c.node(1).termAt(i), c.node(l).termAt(i), `term at ${i}`);
    const kept = Array.from({ length: 30 }, (_, i) => `kept${i}`);
    t.same(c.dataApplied(1), ['base', ...kept, 'last']);
    const stored = c.storages.get(1)!.durableState().entries;
    t.notOk(
      stored.some((e) => dec(e.data).startsWith('lost')),
      'the divergent suffix is gone from storage too',
    );
  },
);

t.test('snapshots: a lagging follower gets InstallSnapshot and continues from it', async (t) => {
  const c = new Cluster(3);
  c.elect(1);
  c.isolate(3);
  for (let i = 0; i < 20; i++) c.node(1).propose(enc(`e${i}`));
  c.deliver();
  c.tickAll(1);
  // Nodes 1 and 2 compact.
  for (const id of [1, 2]) {
    const n = c.node(id);
    const applied = c.applied.get(id)!.at(-1)!.index;
    const snap = n.compact(applied, enc(`state@${applied}`));
    c.storages.get(id)!.compact(snap);
    t.equal(n.snapshotIndex, applied);
  }
  c.heal();
  let snapshotsSent = 0;
  for (let i = 0; i < 3; i++) {
    c.node(1).tick();
    c.deliver((m) => {
      if (m.type === 'snapshot') snapshotsSent++;
      return true;
    });
  }
  t.equal(snapshotsSent, 1, 'one snapshot sent');
  const installed = c.readies.get(3)!.find((r) => r.snapshot);
  t.equal(installed && dec(installed.snapshot!.data), `state@${c.node(1).snapshotIndex}`);
  t.equal(c.node(3).snapshotIndex, c.node(1).snapshotIndex);
  c.node(1).propose(enc('after'));
  c.deliver();
  c.tickAll(1);
  t.same(c.dataApplied(3), ['after'], 'entries after the snapshot apply normally');
  t.equal(
    c.storages.get(3)!.durableState().snapshot?.index,
    c.node(1).snapshotIndex,
    'the snapshot is stored',
  );
});

t.test('read index: confirmed by a heartbeat round, only after a commit in the current term', async (t) => {
  const c = new Cluster(3);
  c.elect(1);
  const n1 = c.node(1);
  const readStates = (): { id: number; index: number }[] => c.readies.get(1)!.flatMap((r) => r.readStates);
  t.throws(() => c.node(2).readIndex(), NotLeaderError);
  const id = n1.readIndex();
  c.flush();
  t.same(readStates(), [], 'not confirmed before any heartbeat answer');
  c.deliver();
  t.same(readStates(), [{ id, index: n1.commitIndex }], 'confirmed after a quorum answered');

  // A new leader must commit its no-op before it can serve reads.
  c.isolate(1);
  c.tick(1, 25);
  c.cut.delete('2>3');
  c.cut.delete('3>2');
  const holdAppends = (m: Message): boolean => m.type !== 'append' && m.type !== 'appendResp';
  const l = c.electAmong([2, 3], holdAppends);
  const other = l === 2 ? 3 : 2;
  c.readies.set(l, []);
  const id2 = c.node(l).readIndex();
  c.node(l).tick();
  c.deliver(holdAppends);
  t.same(
    c.readies.get(l)!.flatMap((r) => r.readStates),
    [],
    'held until an entry of this term commits',
  );
  c.node(l).tick();
  c.deliver();
  const rs = c.readies.get(l)!.flatMap((r) => r.readStates);
  t.equal(rs.length, 1);
  t.equal(rs[0]?.id, id2);
  t.equal(rs[0]?.index, c.node(l).commitIndex, 'at the commit index, which includes the no-op');
  t.equal(c.node(l).termAt(c.node(l).commitIndex), c.node(l).term);
  t.equal(c.node(other).leaderId, l);

  // Reads pending when leadership is lost come back as dropped.
  c.isolate(l);
  const id3 = c.node(l).readIndex();
  c.tick(l, 25);
  t.equal(c.node(l).role, 'follower');
  t.ok(
    c.readies.get(l)!.some((r) => r.droppedReads.includes(id3)),
    'the read is reported dropped',
  );
});

t.test('restart keeps term and vote: no second vote in the same term', async (t) => {
  const c = new Cluster(3);
  const n3 = c.node(3);
  n3.step({ type: 'vote', from: 1, to: 3, term: 5, lastIndex: 0, lastTerm: 0 });
  c.flush();
  t.equal(n3.vote, 1);
  const restarted = c.start(3);
  t.equal(restarted.term, 5);
  t.equal(restarted.vote, 1);
  c.inbox = [];
  restarted.step({ type: 'vote', from: 2, to: 3, term: 5, lastIndex: 0, lastTerm: 0 });
  c.flush();
  const resp = c.inbox.find((m) => m.type === 'voteResp' && m.to === 2) as { reject: boolean } | undefined;
  t.equal(resp?.reject, true, 'the second candidate is refused');
});

class CommitsOldTermsNode extends RaftNode {
  protected override mayCommitByCounting(): boolean {
    return true;
  }
}

/**
 * Raft paper Figure 8, scripted with five voters. An entry x from an older term ends up on a
 * majority while a leader of a later term is in charge; counting must not commit it, because a
 * leader of a still later term (with a newer last term) may overwrite it.
 */
function figure8(make?: (c: ConstructorParameters<typeof RaftNode>[0], i: RaftInitialState) => RaftNode): {
  committedByCounting: boolean;
  overwritten: boolean;
} {
  const c = new Cluster(5, make);
  const isVote = (m: Message): boolean => m.type === 'preVote' || m.type === 'vote';
  /** Tick `ids` until `winner` leads; only its vote requests travel; appends optionally held. */
  const electWith = (winner: NodeId, ids: NodeId[], holdAppends: boolean): void => {
    for (let i = 0; i < 80 && !c.node(winner).isLeader(); i++) {
      for (const id of ids) c.node(id).tick();
      c.deliver((m) => (!isVote(m) || m.from === winner) && (!holdAppends || m.type !== 'append'));
    }
    if (!c.node(winner).isLeader()) throw new Error(`node ${winner} did not win`);
  };
  // S1 leads; x (index 2, its term) reaches S2 only.
  c.elect(1);
  c.tickAll(1);
  for (const o of [3, 4, 5]) c.cut.add(`1>${o}`);
  c.node(1).propose(enc('x'));
  c.deliver();
  const x = c.node(1).entryAt(2)!;
  t1Check(c.node(2).termAt(2) === x.term && c.node(3).lastIndex() === 1);
  // S5 wins the next term with S3 and S4; its no-op (index 2) stays on S5 alone.
  c.heal();
  c.isolate(1);
  c.isolate(2);
  electWith(5, [3, 4, 5], true);
  c.inbox = [];
  for (let i = 0; i < 30 && c.node(1).isLeader(); i++) c.tick(1); // S1, cut off, steps down
  // S1 wins a later term with S2, S3, S4 (S5 cut off); its no-op (index 3) stays on S1 alone.
  c.heal();
  c.isolate(5);
  electWith(1, [1, 2, 3, 4], true);
  c.inbox = [];
  for (let i = 0; i < 30 && c.node(5).isLeader(); i++) c.tick(5); // S5, cut off, steps down
  const leader = c.node(1);
  // x alone reaches S3 (and S2, which has it); their answers come back.
  for (const to of [2, 3]) {
    c.node(to).step({
      type: 'append',
      from: 1,
      to,
      term: leader.term,
      prevIndex: 1,
      prevTerm: leader.termAt(1)!,
      entries: [x],
      commit: leader.commitIndex,
    });
  }
  c.flush();
  for (const m of c.inbox) if (m.to === 1 && m.type === 'appendResp') leader.step(m);
  c.flush();
  c.inbox = []; // S1's own no-op never leaves it
  const committedByCounting = leader.commitIndex >= 2;
  // S1 crashes; S5 (last term newer than x's) wins with S2, S3, S4 and overwrites index 2.
  c.nodes.delete(1);
  c.heal();
  electWith(5, [2, 3, 4, 5], false);
  c.tickAll(3);
  const overwritten = [2, 3, 4].every((id) => c.node(id).termAt(2) !== x.term && c.node(id).commitIndex >= 2);
  return { committedByCounting, overwritten };
}

function t1Check(ok: boolean): void {
  if (!ok) throw new Error('figure 8 set-up went wrong');
}

t.test('Figure 8: entries of an older term are not committed by counting', async (t) => {
  const good = figure8();
  t.equal(good.committedByCounting, false, 'the correct node does not commit the older-term entry');
  t.equal(good.overwritten, true, 'which a later leader legitimately overwrites');
  const bad = figure8((c, i) => new CommitsOldTermsNode(c, i));
  t.equal(bad.committedByCounting, true, 'the broken node commits it by counting…');
  t.equal(bad.overwritten, true, '…and a later leader overwrites the "committed" entry: data loss');
});
