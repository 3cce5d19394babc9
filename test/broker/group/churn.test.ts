/**
 * Seeded churn: simulated consumers join, leave, stall (miss heartbeats), resume, consume and
 * commit while time jumps around, against one coordinator. Every consumer behaves like a real
 * client (rejoin on REBALANCE_IN_PROGRESS, reset on UNKNOWN_MEMBER_ID, start from the committed
 * offset when it gets partitions). Commits may stay in flight for a while (delivered later, in
 * order), so some arrive after a rebalance or an eviction. The leader assigns with a simple
 * range assignor.
 *
 * Properties: one owner per partition per generation; committed offsets never go backwards;
 * once churn stops, the group settles and every produced record has been processed at least once.
 * A failing seed reproduces exactly.
 */
import t from 'tap';
import type { JoinResult, SyncResult } from '../../../broker/group/member.js';
import { ErrorCode as E } from '../../../protocol/error-codes.js';
import { flush, type Harness, setup, subscription } from './fixtures/harness.js';

const PARTITIONS = 6;
const TOPIC = 't1';
const GROUP = 'churn';
const SESSION_MS = 6000;
const REBALANCE_MS = 8000;
const CLIENTS_MAX = 6;
const STEPS = 300;
const SEEDS = 12;

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

type ClientState = 'joining' | 'syncing' | 'stable' | 'left';

interface CommitRequest {
  generation: number;
  memberId: string;
  offsets: { partitionIndex: number; committedOffset: number }[];
}

interface Client {
  id: number;
  /** Commits sent but not yet delivered (requests in flight, in order): they may cross a rebalance. */
  outbox: CommitRequest[];
  memberId: string;
  generation: number;
  state: ClientState;
  stalled: boolean;
  assigned: number[];
  positions: Map<number, number>;
}

/** Range assignment over sorted member ids; the assignment is the partition list as JSON. */
function rangeAssign(memberIds: string[]): { memberId: string; assignment: Buffer }[] {
  const sorted = [...memberIds].sort();
  const per = Math.floor(PARTITIONS / sorted.length);
  const extra = PARTITIONS % sorted.length;
  let next = 0;
  return sorted.map((memberId, i) => {
    const n = per + (i < extra ? 1 : 0);
    const parts = Array.from({ length: n }, (_, k) => next + k);
    next += n;
    return { memberId, assignment: Buffer.from(JSON.stringify(parts)) };
  });
}

async function runSeed(seed: number): Promise<{ failures: string[]; generations: number; commits: number }> {
  const rnd = mulberry32(seed);
  const pick = <T>(xs: T[]): T | undefined => (xs.length ? xs[Math.floor(rnd() * xs.length)] : undefined);
  const h: Harness = await setup({ config: { initialRebalanceDelayMs: 300, sessionTimeoutMsMin: 1000 } });
  const c = h.coordinator;
  const failures: string[] = [];
  const fail = (msg: string) => {
    if (failures.length < 10) failures.push(`seed ${seed}: ${msg}`);
  };
  const clients: Client[] = [];
  const owners = new Map<number, Map<number, string>>(); // generation -> partition -> memberId
  const lastCommitted = new Map<number, number>();
  const logEnd = Array.from({ length: PARTITIONS }, () => 0);
  const processed = Array.from({ length: PARTITIONS }, () => new Set<number>());
  let commits = 0;

  const startJoin = (cl: Client): void => {
    if (cl.state === 'left') return;
    cl.state = 'joining';
    c.joinGroup({
      groupId: GROUP,
      memberId: cl.memberId,
      groupInstanceId: null,
      requireKnownMemberId: true,
      clientId: `c${cl.id}`,
      clientHost: 'sim',
      rebalanceTimeoutMs: REBALANCE_MS,
      sessionTimeoutMs: SESSION_MS,
      protocolType: 'consumer',
      protocols: [{ name: 'range', metadata: subscription([TOPIC]) }],
    }).then((r) => onJoin(cl, r));
  };

  const resetAndRejoin = (cl: Client): void => {
    cl.memberId = '';
    cl.generation = -1;
    cl.assigned = [];
    startJoin(cl);
  };

  const onJoin = (cl: Client, r: JoinResult): void => {
    if (cl.state === 'left') return;
    switch (r.errorCode) {
      case E.MEMBER_ID_REQUIRED:
        cl.memberId = r.memberId;
        startJoin(cl);
        return;
      case E.UNKNOWN_MEMBER_ID:
        resetAndRejoin(cl);
        return;
      case E.REBALANCE_IN_PROGRESS:
        startJoin(cl);
        return;
      case E.NONE:
        break;
      default:
        fail(`unexpected JoinGroup error ${r.errorCode}`);
        return;
    }
    cl.memberId = r.memberId;
    cl.generation = r.generationId;
    cl.state = 'syncing';
    cl.assigned = [];
    const assignments = r.leader === r.memberId ? rangeAssign(r.members.map((m) => m.memberId)) : [];
    const gen = r.generationId;
    c.syncGroup({
      groupId: GROUP,
      generationId: gen,
      memberId: r.memberId,
      groupInstanceId: null,
      protocolType: 'consumer',
      protocolName: 'range',
      assignments,
    }).then((s) => onSync(cl, gen, s));
  };

  const onSync = (cl: Client, gen: number, s: SyncResult): void => {
    if (cl.state === 'left' || cl.generation !== gen) return;
    if (s.errorCode === E.REBALANCE_IN_PROGRESS || s.errorCode === E.ILLEGAL_GENERATION) {
      startJoin(cl);
      return;
    }
    if (s.errorCode === E.UNKNOWN_MEMBER_ID) {
      resetAndRejoin(cl);
      return;
    }
    if (s.errorCode !== E.NONE) {
      fail(`unexpected SyncGroup error ${s.errorCode}`);
      return;
    }
    const parts = JSON.parse(s.assignment.toString() || '[]') as number[];
    let byPartition = owners.get(gen);
    if (!byPartition) owners.set(gen, (byPartition = new Map()));
    for (const p of parts) {
      const owner = byPartition.get(p);
      if (owner !== undefined && owner !== cl.memberId)
        fail(`generation ${gen}: partition ${p} owned by ${owner} and ${cl.memberId}`);
      byPartition.set(p, cl.memberId);
    }
    cl.assigned = parts;
    cl.state = 'stable';
    // Start from the committed offset (or the beginning).
    const fetched = c.fetchOffsets(GROUP, [{ name: TOPIC, partitionIndexes: parts }]);
    cl.positions = new Map(
      fetched.topics[0]!.partitions.map((x) => [x.partitionIndex, Math.max(0, x.committedOffset)]),
    );
  };

  const onMemberError = (cl: Client, code: number): void => {
    if (code === E.REBALANCE_IN_PROGRESS || code === E.ILLEGAL_GENERATION) startJoin(cl);
    else if (code === E.UNKNOWN_MEMBER_ID) resetAndRejoin(cl);
    else if (code !== E.NONE) fail(`unexpected member error ${code}`);
  };

  const heartbeat = (cl: Client): void => {
    if (cl.state !== 'stable' || cl.stalled) return;
    const code = c.heartbeat({
      groupId: GROUP,
      generationId: cl.generation,
      memberId: cl.memberId,
      groupInstanceId: null,
    });
    onMemberError(cl, code);
  };

  const deliver = async (cl: Client): Promise<void> => {
    while (cl.outbox.length > 0) {
      const req = cl.outbox.shift()!;
      const r = await c.commitOffsets({
        groupId: GROUP,
        generationId: req.generation,
        memberId: req.memberId,
        groupInstanceId: null,
        retentionTimeMs: -1,
        topics: [
          {
            name: TOPIC,
            partitions: req.offsets.map((o) => ({ ...o, committedLeaderEpoch: 0, committedMetadata: null })),
          },
        ],
      });
      const codes = r[0]!.partitions;
      for (const [i, x] of codes.entries()) {
        if (x.errorCode !== E.NONE) continue;
        commits++;
        const o = req.offsets[i]!;
        const prev = lastCommitted.get(o.partitionIndex) ?? 0;
        if (o.committedOffset < prev) {
          fail(
            `partition ${o.partitionIndex}: commit went back from ${prev} to ${o.committedOffset} (gen ${req.generation})`,
          );
        }
        lastCommitted.set(o.partitionIndex, Math.max(prev, o.committedOffset));
      }
      const first = codes.find((x) => x.errorCode !== E.NONE);
      const current =
        cl.generation === req.generation && cl.memberId === req.memberId && cl.state === 'stable';
      if (first && current) onMemberError(cl, first.errorCode);
    }
  };

  const consumeAndCommit = async (cl: Client): Promise<void> => {
    if (cl.state !== 'stable' || cl.stalled || cl.assigned.length === 0) return;
    const offsets: { partitionIndex: number; committedOffset: number }[] = [];
    for (const p of cl.assigned) {
      const from = cl.positions.get(p) ?? 0;
      const to = Math.min(logEnd[p]!, from + Math.floor(rnd() * 5));
      for (let o = from; o < to; o++) processed[p]!.add(o);
      cl.positions.set(p, to);
      offsets.push({ partitionIndex: p, committedOffset: to });
    }
    cl.outbox.push({ generation: cl.generation, memberId: cl.memberId, offsets });
    if (rnd() < 0.6) await deliver(cl);
  };

  const checkCommittedMonotone = (): void => {
    const fetched = c.fetchOffsets(GROUP, [{ name: TOPIC, partitionIndexes: [...Array(PARTITIONS).keys()] }]);
    for (const x of fetched.topics[0]?.partitions ?? []) {
      const seen = lastCommitted.get(x.partitionIndex) ?? 0;
      if (x.committedOffset >= 0 && x.committedOffset !== seen) {
        fail(`partition ${x.partitionIndex}: stored ${x.committedOffset}, last acknowledged ${seen}`);
      }
    }
  };

  for (let step = 0; step < STEPS && failures.length === 0; step++) {
    const live = clients.filter((x) => x.state !== 'left');
    const roll = rnd();
    if (roll < 0.1 && live.length < CLIENTS_MAX) {
      const cl: Client = {
        id: clients.length,
        outbox: [],
        memberId: '',
        generation: -1,
        state: 'joining',
        stalled: false,
        assigned: [],
        positions: new Map(),
      };
      clients.push(cl);
      startJoin(cl);
    } else if (roll < 0.15) {
      const cl = pick(live.filter((x) => x.state === 'stable'));
      if (cl) {
        const r = c.leaveGroup({
          groupId: GROUP,
          members: [{ memberId: cl.memberId, groupInstanceId: null }],
        });
        if (r.members[0]?.errorCode !== E.NONE && r.members[0]?.errorCode !== E.UNKNOWN_MEMBER_ID) {
          fail(`leave error ${r.members[0]?.errorCode}`);
        }
        cl.state = 'left';
      }
    } else if (roll < 0.2) {
      const cl = pick(live);
      if (cl) cl.stalled = !cl.stalled;
    } else if (roll < 0.4) {
      const cl = pick(live);
      if (cl) await consumeAndCommit(cl);
    } else if (roll < 0.45) {
      const cl = pick(clients.filter((x) => !x.stalled && x.outbox.length > 0));
      if (cl) await deliver(cl);
    } else if (roll < 0.6) {
      const p = Math.floor(rnd() * PARTITIONS);
      logEnd[p]! += 1 + Math.floor(rnd() * 10);
    } else {
      for (const cl of live) heartbeat(cl);
      h.clock.advance(Math.floor(rnd() * (SESSION_MS / 2)));
    }
    await flush(3);
    checkCommittedMonotone();
  }

  // Churn stops: everyone wakes up, keeps heartbeating and consuming until all is committed.
  for (const cl of clients) cl.stalled = false;
  if (!clients.some((x) => x.state !== 'left')) {
    const cl: Client = {
      id: clients.length,
      outbox: [],
      memberId: '',
      generation: -1,
      state: 'joining',
      stalled: false,
      assigned: [],
      positions: new Map(),
    };
    clients.push(cl);
    startJoin(cl);
  }
  const done = () => logEnd.every((end, p) => (lastCommitted.get(p) ?? 0) >= end);
  for (let round = 0; round < 400 && !done() && failures.length === 0; round++) {
    const live = clients.filter((x) => x.state !== 'left');
    for (const cl of live) heartbeat(cl);
    await flush(3);
    for (const cl of live) await consumeAndCommit(cl);
    for (const cl of clients) await deliver(cl);
    await flush(3);
    h.clock.advance(SESSION_MS / 4);
    await flush(3);
    checkCommittedMonotone();
  }
  if (!done())
    fail(
      `did not settle: committed ${JSON.stringify([...lastCommitted])}, log end ${JSON.stringify(logEnd)}`,
    );
  for (let p = 0; p < PARTITIONS; p++) {
    for (let o = 0; o < logEnd[p]!; o++) {
      if (!processed[p]!.has(o)) {
        fail(`record ${p}@${o} never processed`);
        break;
      }
    }
  }
  await c.close();
  return { failures, generations: owners.size, commits };
}

t.test('seeded churn: one owner per partition per generation, monotone commits, at-least-once', async (t) => {
  const base = Number(process.env['SAMSA_CHURN_SEED'] ?? 1);
  let generations = 0;
  let commits = 0;
  for (let i = 0; i < SEEDS; i++) {
    const r = await runSeed(base + i);
    t.same(r.failures, [], `seed ${base + i}`);
    generations += r.generations;
    commits += r.commits;
  }
  t.ok(generations > SEEDS * 3, `the churn produced many generations (${generations})`);
  t.ok(commits > SEEDS * 20, `and many commits (${commits})`);
});
