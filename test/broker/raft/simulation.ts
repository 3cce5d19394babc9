/**
 * A deterministic simulation of a Raft cluster in one process, driven by one seed.
 *
 * Virtual time advances from event to event (no real timers). The world:
 *   - nodes: RaftNode + MemoryStorage (a disk whose unsynced writes a crash loses) + a tiny
 *     state machine (a hash chain over applied data), driven the way RaftServer drives them:
 *     write the Ready, wait for a disk sync of random latency, then send, apply and advance;
 *   - a network that drops, delays (so reorders) and duplicates messages, with partitions,
 *     including one-way ones, changing every few hundred ticks;
 *   - crashes at any moment (between a write and its sync too) and restarts after a while;
 *   - clients proposing and reading throughout.
 * Half the runs add one or two observers (non-voters), announced to each voter a little after
 * it starts; they are crashed and partitioned like the voters, must never campaign, vote or
 * lead, and must apply the same sequence.
 * Invariants are checked as the run goes: at most one leader per term; a committed entry (any
 * index some node applied) is never changed and every new leader holds all of them; every node
 * applies the same contiguous sequence and its state machine passes through the same states
 * (snapshots included); a read never returns an index below what was applied anywhere before
 * it was issued. After the chaos the network heals and every node restarts: a leader must be
 * elected and a new proposal applied everywhere within a bound (liveness).
 */
import { type RaftInitialState, RaftNode, type RaftNodeConfig } from '../../../broker/raft/raft-node.js';
import { MemoryStorage } from '../../../broker/raft/raft-storage.js';
import type { Entry, Message, NodeId, Snapshot } from '../../../broker/raft/raft-types.js';

/** Virtual time units per tick. */
const TICK = 10;
/** After healing, how long (in ticks) the cluster has to elect a leader and apply a proposal everywhere. */
export const LIVENESS_TICKS_MAX = 300;

export interface SimOptions {
  seed: number;
  /** Ticks of chaos before the network heals (default 600). */
  chaosTicks?: number;
  /** Build a node (the tests pass deliberately broken variants). */
  makeNode?: (config: RaftNodeConfig, initial: RaftInitialState) => RaftNode;
  /** Fault in the model, not the node: the disk forgets the vote on every restart. */
  forgetVoteOnRestart?: boolean;
  /** Fault in the driver: messages are sent before the Ready is durable. */
  sendBeforeSync?: boolean;
}

export interface SimResult {
  seed: number;
  violation: string | undefined;
  stats: {
    nodes: number;
    observers: number;
    events: number;
    elections: number;
    committed: number;
    crashes: number;
    snapshotsInstalled: number;
    readsConfirmed: number;
    finalTick: number;
  };
}

/** sfc32: a small, fast, seedable PRNG with good statistical quality. */
export function prng(seed: number): () => number {
  let a = 0x9e3779b9;
  let b = 0x243f6a88;
  let c = 0xb7e15162;
  let d = seed >>> 0;
  const next = (): number => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 15; i++) next();
  return next;
}

class Violation extends Error {}

interface SimEvent {
  time: number;
  seq: number;
  fn: () => void;
}

/** A binary min-heap of events by (time, seq). */
class EventQueue {
  private heap: SimEvent[] = [];
  private seq = 0;
  get size(): number {
    return this.heap.length;
  }
  push(time: number, fn: () => void): void {
    const e = { time, seq: this.seq++, fn };
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (less(h[p]!, e)) break;
      h[i] = h[p]!;
      i = p;
    }
    h[i] = e;
  }
  pop(): SimEvent | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= h.length) break;
        const r = l + 1;
        const c = r < h.length && less(h[r]!, h[l]!) ? r : l;
        if (less(last, h[c]!)) break;
        h[i] = h[c]!;
        i = c;
      }
      h[i] = last;
    }
    return top;
  }
}

function less(a: SimEvent, b: SimEvent): boolean {
  return a.time < b.time || (a.time === b.time && a.seq < b.seq);
}

/** FNV-1a step over bytes, chained from `h`. */
function chain(h: number, data: Uint8Array): number {
  h = Math.imul(h ^ 0x9e, 16777619) >>> 0;
  for (let i = 0; i < data.length; i++) h = Math.imul(h ^ data[i]!, 16777619) >>> 0;
  return h;
}

interface SimNode {
  id: NodeId;
  node: RaftNode | undefined;
  storage: MemoryStorage;
  incarnation: number;
  persisting: boolean;
  applied: number;
  hash: number;
  snapshotEvery: number;
  appendBytesMax: number;
}

interface CommittedRecord {
  term: number;
  type: string;
  data: Uint8Array;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function encodeSmSnapshot(index: number, hash: number): Uint8Array {
  const b = new Uint8Array(8);
  const v = new DataView(b.buffer);
  v.setUint32(0, index);
  v.setUint32(4, hash);
  return b;
}

function decodeSmSnapshot(data: Uint8Array): { index: number; hash: number } {
  const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
  return { index: v.getUint32(0), hash: v.getUint32(4) };
}

/** Run one seed; returns the first violated invariant (or undefined) and statistics. */
export function runSimulation(opts: SimOptions): SimResult {
  const rand = prng(opts.seed);
  const chaosTicks = opts.chaosTicks ?? 600;
  const makeNode = opts.makeNode ?? ((c, i) => new RaftNode(c, i));
  const n = rand() < 0.6 ? 3 : 5;
  const voters = Array.from({ length: n }, (_, i) => i + 1);
  const observerCount = rand() < 0.5 ? 0 : 1 + Math.floor(rand() * 2);
  const observers = Array.from({ length: observerCount }, (_, i) => n + i + 1);
  const everyone = [...voters, ...observers];
  const isObserver = (id: NodeId): boolean => id > n;
  const queue = new EventQueue();
  let now = 0;
  let events = 0;
  let crashes = 0;
  let snapshotsInstalled = 0;
  let readsConfirmed = 0;
  let elections = 0;

  // Checker state.
  const leaderOfTerm = new Map<number, NodeId>();
  const committed: (CommittedRecord | undefined)[] = [];
  const hashAt: number[] = [0];
  let maxApplied = 0;
  const pendingReads = new Map<string, number>(); // `${node}:${readId}` -> maxApplied when issued

  // Network state.
  let dropRate = 0;
  let dupRate = 0;
  let delayMax = 3;
  const blocked = new Set<string>(); // `${from}>${to}`
  let clientSeq = 0;

  const fail = (what: string): never => {
    throw new Violation(`t=${now} (tick ${Math.floor(now / TICK)}): ${what}`);
  };

  const nodes: SimNode[] = everyone.map((id) => ({
    id,
    node: undefined,
    storage: new MemoryStorage(),
    incarnation: 0,
    persisting: false,
    applied: 0,
    hash: 0,
    snapshotEvery: 5 + Math.floor(rand() * 60),
    // Small appends in some runs, so a follower catches up over several messages.
    appendBytesMax: rand() < 0.5 ? 40 + Math.floor(rand() * 200) : 1024 * 1024,
  }));
  const byId = (id: NodeId): SimNode => nodes[id - 1]!;

  const start = (s: SimNode): void => {
    if (opts.forgetVoteOnRestart) {
      const hs = s.storage.durableState().hardState;
      s.storage.overwriteDurableHardState({ ...hs, vote: 0 });
    }
    const initial = s.storage.load();
    s.incarnation++;
    s.persisting = false;
    const snap = initial.snapshot;
    if (snap) {
      const st = decodeSmSnapshot(snap.data);
      s.applied = st.index;
      s.hash = st.hash;
      if (hashAt[st.index] !== st.hash)
        fail(`node ${s.id} restarted from a snapshot at ${st.index} with another state`);
    } else {
      s.applied = 0;
      s.hash = 0;
    }
    s.node = makeNode(
      {
        id: s.id,
        voters,
        random: rand,
        electionTicks: 10,
        heartbeatTicks: 1,
        applied: s.applied,
        appendBytesMax: s.appendBytesMax,
      },
      initial,
    );
    const phase = 1 + Math.floor(rand() * (TICK - 1));
    const inc = s.incarnation;
    // Observers announce themselves; each announcement reaches this voter after a while.
    if (!isObserver(s.id))
      for (const o of observers)
        queue.push(now + 1 + Math.floor(rand() * 20 * TICK), () => {
          if (s.incarnation !== inc || !s.node) return;
          s.node.addObserver(o);
          afterInput(s);
        });
    const tickLoop = (): void => {
      if (s.incarnation !== inc || !s.node) return;
      s.node.tick();
      afterInput(s);
      queue.push(now + TICK, tickLoop);
    };
    queue.push(now + phase, tickLoop);
  };

  const crash = (s: SimNode): void => {
    if (!s.node) return;
    crashes++;
    s.node = undefined;
    s.incarnation++;
    s.persisting = false;
    s.storage.crash();
  };

  const deliver = (m: Message): void => {
    const dst = byId(m.to);
    if (!dst.node) return;
    dst.node.step(m);
    afterInput(dst);
  };

  const send = (m: Message): void => {
    if (isObserver(m.from) && m.type !== 'appendResp' && m.type !== 'heartbeatResp')
      fail(`observer ${m.from} sent a ${m.type} message`);
    if (blocked.has(`${m.from}>${m.to}`) || rand() < dropRate) return;
    const copies = rand() < dupRate ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      // Mostly short delays; now and then a long one, which reorders.
      const delay = rand() < 0.05 ? 1 + Math.floor(rand() * 8 * TICK) : 1 + Math.floor(rand() * delayMax);
      queue.push(now + delay, () => deliver(m));
    }
  };

  const checkLeader = (s: SimNode): void => {
    const node = s.node!;
    if (isObserver(s.id) && node.role !== 'follower') fail(`observer ${s.id} became ${node.role}`);
    if (node.role !== 'leader') return;
    const known = leaderOfTerm.get(node.term);
    if (known === undefined) {
      leaderOfTerm.set(node.term, s.id);
      // Leader completeness: every entry ever committed is in the new leader's log.
      for (let i = node.snapshotIndex + 1; i < committed.length; i++) {
        const c = committed[i];
        if (c && node.termAt(i) !== c.term) {
          fail(
            `leader ${s.id} of term ${node.term} lacks committed entry ${i} (term ${c.term}); it has term ${node.termAt(i)}`,
          );
        }
      }
    } else if (known !== s.id) {
      fail(`two leaders in term ${node.term}: ${known} and ${s.id}`);
    }
  };

  const apply = (s: SimNode, e: Entry): void => {
    if (e.index !== s.applied + 1) fail(`node ${s.id} applied ${e.index} after ${s.applied}`);
    const c = committed[e.index];
    if (c) {
      if (c.term !== e.term || c.type !== e.type || !sameBytes(c.data, e.data)) {
        fail(`node ${s.id} applied entry ${e.index} term ${e.term}, but term ${c.term} was committed there`);
      }
    } else {
      committed[e.index] = { term: e.term, type: e.type, data: e.data };
    }
    s.hash = chain(s.hash, e.data);
    s.applied = e.index;
    const h = hashAt[e.index];
    if (h === undefined) hashAt[e.index] = s.hash;
    else if (h !== s.hash) fail(`node ${s.id}'s state machine diverged at ${e.index}`);
    if (e.index > maxApplied) maxApplied = e.index;
  };

  const restore = (s: SimNode, snap: Snapshot): void => {
    const st = decodeSmSnapshot(snap.data);
    if (st.index !== snap.index) fail(`snapshot at ${snap.index} holds state of ${st.index}`);
    if (hashAt[st.index] !== st.hash)
      fail(`node ${s.id} installed a snapshot at ${st.index} with another state`);
    s.applied = st.index;
    s.hash = st.hash;
    snapshotsInstalled++;
  };

  const afterInput = (s: SimNode): void => {
    if (!s.node) return;
    checkLeader(s);
    if (s.persisting || !s.node.hasReady()) return;
    const node = s.node;
    const rd = node.ready();
    if (rd.softState?.role === 'leader') elections++;
    s.storage.write({ hardState: rd.hardState, snapshot: rd.snapshot, entries: rd.entries });
    if (opts.sendBeforeSync) for (const m of rd.messages) send(m);
    s.persisting = true;
    const inc = s.incarnation;
    const diskDelay = rand() < 0.1 ? 1 + Math.floor(rand() * 3 * TICK) : 1 + Math.floor(rand() * 4);
    queue.push(now + diskDelay, () => {
      if (s.incarnation !== inc) return; // crashed before the sync: the writes are gone
      s.storage.sync();
      if (!opts.sendBeforeSync) for (const m of rd.messages) send(m);
      if (rd.snapshot) restore(s, rd.snapshot);
      for (const e of rd.committedEntries) apply(s, e);
      for (const r of rd.readStates) {
        const key = `${s.id}:${r.id}`;
        const floor = pendingReads.get(key);
        if (floor === undefined) fail(`node ${s.id} confirmed read ${r.id} it was never asked`);
        if (r.index < floor!)
          fail(`read ${r.id} on ${s.id} at index ${r.index}, but ${floor} was applied before it was issued`);
        pendingReads.delete(key);
        readsConfirmed++;
      }
      for (const id of rd.droppedReads) pendingReads.delete(`${s.id}:${id}`);
      node.advance();
      s.persisting = false;
      if (s.applied - node.snapshotIndex >= s.snapshotEvery) {
        const snap = node.compact(s.applied, encodeSmSnapshot(s.applied, s.hash));
        s.storage.compact(snap);
      }
      afterInput(s);
    });
  };

  const leaderNow = (): SimNode | undefined => {
    let best: SimNode | undefined;
    for (const s of nodes)
      if (s.node?.role === 'leader' && (!best || s.node.term > best.node!.term)) best = s;
    return best;
  };

  /** A client: propose to a random node, following NotLeader hints for a couple of hops. */
  const propose = (): { node: SimNode; index: number; term: number } | undefined => {
    let s = nodes[Math.floor(rand() * n)]!;
    for (let hop = 0; hop < 3; hop++) {
      if (!s.node) return undefined;
      if (s.node.role === 'leader') {
        const data = new TextEncoder().encode(`c${++clientSeq}`);
        const at = s.node.propose(data);
        afterInput(s);
        return { node: s, ...at };
      }
      if (!s.node.leaderId) return undefined;
      s = byId(s.node.leaderId);
    }
    return undefined;
  };

  const read = (): void => {
    const s = leaderNow();
    if (!s) return;
    const id = s.node!.readIndex();
    pendingReads.set(`${s.id}:${id}`, maxApplied);
    afterInput(s);
  };

  const chaosEnd = chaosTicks * TICK;

  // Clients.
  const clientLoop = (): void => {
    if (now >= chaosEnd) return;
    const r = rand();
    if (r < 0.8) propose();
    else read();
    queue.push(now + 1 + Math.floor(rand() * 2 * TICK), clientLoop);
  };

  // Faults: every few dozen ticks, a new network weather and perhaps a crash.
  const faultLoop = (): void => {
    if (now >= chaosEnd) return;
    const r = rand();
    blocked.clear();
    dropRate = 0;
    dupRate = 0;
    delayMax = 3;
    if (r < 0.25) {
      // fair weather
    } else if (r < 0.5) {
      dropRate = rand() * 0.3;
      dupRate = rand() * 0.2;
      delayMax = 1 + Math.floor(rand() * 3 * TICK);
    } else if (r < 0.75) {
      // a partition into two sides
      const side = everyone.map(() => rand() < 0.5);
      for (const a of everyone)
        for (const b of everyone) if (side[a - 1] !== side[b - 1]) blocked.add(`${a}>${b}`);
    } else if (r < 0.85) {
      // isolate the leader
      const l = leaderNow();
      for (const b of everyone) {
        if (l && b !== l.id) {
          blocked.add(`${l.id}>${b}`);
          blocked.add(`${b}>${l.id}`);
        }
      }
    } else {
      // one-way links
      for (const a of everyone)
        for (const b of everyone) if (a !== b && rand() < 0.3) blocked.add(`${a}>${b}`);
    }
    queue.push(now + (10 + Math.floor(rand() * 60)) * TICK, faultLoop);
  };

  // Crashes: often, at any moment (mid-write too); half of them quick bounces.
  const crashLoop = (): void => {
    if (now >= chaosEnd) return;
    if (rand() < 0.35) {
      const r = rand();
      const victim =
        r < 0.3
          ? (leaderNow() ?? nodes[Math.floor(rand() * nodes.length)]!)
          : nodes[Math.floor(rand() * nodes.length)]!;
      if (victim.node) {
        crash(victim);
        const inc = victim.incarnation;
        const down = rand() < 0.5 ? 1 + Math.floor(rand() * 3 * TICK) : (1 + Math.floor(rand() * 60)) * TICK;
        queue.push(now + down, () => {
          if (victim.incarnation === inc && !victim.node) start(victim);
        });
      }
    }
    queue.push(now + (2 + Math.floor(rand() * 20)) * TICK, crashLoop);
  };

  let healedAt = -1;
  let probe: { index: number; term: number } | undefined;
  let liveAt = -1;
  const heal = (): void => {
    healedAt = now;
    blocked.clear();
    dropRate = 0;
    dupRate = 0;
    delayMax = 3;
    for (const s of nodes) if (!s.node) start(s);
    const check = (): void => {
      if (liveAt >= 0) return;
      if (now - healedAt > LIVENESS_TICKS_MAX * TICK) {
        const roles = nodes.map(
          (s) =>
            `${s.id}:${s.node?.role}/t${s.node?.term}/c${s.node?.commitIndex}/a${s.applied}/l${s.node?.lastIndex()}` +
            (s.node?.role === 'leader'
              ? `[${everyone.map((v) => JSON.stringify(s.node!.progressOf(v) ?? null)).join(',')}]`
              : ''),
        );
        fail(`no progress ${LIVENESS_TICKS_MAX} ticks after the network healed (${roles.join(' ')})`);
      }
      if (!probe) {
        const l = leaderNow();
        if (l) {
          const at = propose();
          if (at && at.node === l) probe = at;
        }
      } else if (leaderNow()?.node?.term !== probe.term) {
        probe = undefined; // its leader is gone; the entry may be lost: propose again
      } else if (nodes.every((s) => s.applied >= probe!.index)) {
        const c = committed[probe.index];
        if (c && c.term === probe.term) {
          liveAt = now;
          return;
        }
        probe = undefined; // lost to a leader change: propose again
      }
      queue.push(now + TICK, check);
    };
    queue.push(now + TICK, check);
  };

  let violation: string | undefined;
  try {
    for (const s of nodes) start(s);
    queue.push(TICK, clientLoop);
    queue.push(20 * TICK, faultLoop);
    queue.push(20 * TICK, crashLoop);
    queue.push(chaosEnd, heal);
    while (queue.size > 0 && liveAt < 0) {
      const e = queue.pop()!;
      now = e.time;
      events++;
      e.fn();
    }
    if (liveAt < 0) fail('the simulation ran out of events before liveness was shown');
  } catch (err) {
    if (!(err instanceof Violation)) {
      violation = `t=${now}: exception: ${(err as Error).stack ?? String(err)}`;
    } else {
      violation = err.message;
    }
  }
  let committedCount = 0;
  for (const c of committed) if (c) committedCount++;
  return {
    seed: opts.seed,
    violation,
    stats: {
      nodes: n,
      observers: observerCount,
      events,
      elections,
      committed: committedCount,
      crashes,
      snapshotsInstalled,
      readsConfirmed,
      finalTick: Math.floor(now / TICK),
    },
  };
}
