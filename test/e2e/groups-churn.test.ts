/**
 * Consumer-group churn (RELIABILITY.md test 7): kafkajs members join and leave a group over a
 * 6-partition topic for a fixed number of rounds while records are produced, including during
 * every rebalance; in one round a hand-built member joins, takes partitions and goes silent, so
 * the broker has to evict it on its session timeout. Pass criteria:
 * - one owner per partition per generation (from every assignment the members received);
 * - committed offsets never go backwards (OffsetFetch after every commit any member makes and
 *   after every round, on one connection, so the samples are in time order);
 * - every record produced is processed at least once.
 */
import t from 'tap';
import { startTestBroker } from '../helpers/broker.js';
import { GroupObserver, type TrackedConsumer, trackedConsumer } from '../helpers/groups-kafkajs.js';
import {
  committedOffsets,
  consumerAssignment,
  consumerSubscription,
  heartbeat,
  joinAsNewMember,
  parseConsumerAssignment,
  syncGroup,
} from '../helpers/groups-raw.js';
import { kafkajsAdmin, kafkajsClient, kafkajsProducer } from '../helpers/kafkajs.js';
import { RawConnection } from '../helpers/raw-client.js';
import { uniqueTopic } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait.js';

const PARTITIONS = 6;
const ALL = Array.from({ length: PARTITIONS }, (_, i) => i);
/**
 * Membership changes, in order: 'swap' is a leave and a join at once, 'join2' two joins at once,
 * 'zombie' a member that never heartbeats.
 */
const ROUNDS = [
  'join',
  'join',
  'leave',
  'zombie',
  'join',
  'swap',
  'leave',
  'join2',
  'leave',
  'swap',
  'leave',
  'join',
  'leave',
] as const;
/** Batches produced while each rebalance is under way, and after it. */
const BATCHES_DURING = 4;
const BATCHES_AFTER = 2;
const BATCH = 12;

const b = await startTestBroker(t, { groupInitialRebalanceDelayMs: 0, groupMinSessionTimeoutMs: 500 });

t.test('members join and leave while records flow', async (t) => {
  const topic = uniqueTopic('grp-churn');
  const groupId = uniqueTopic('grp-churn-g');
  const kafka = kafkajsClient(b.bootstrap);
  const admin = await kafkajsAdmin(t, kafka);
  t.equal(await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }] }), true);
  const producer = await kafkajsProducer(t, kafka);
  const observer = new GroupObserver(topic);

  // --- Committed-offset samples: after every commit a member makes, and after every round.
  const sampler = await RawConnection.open(b.host, b.port, t);
  const samples: { at: string; offsets: number[] }[] = [];
  const samplerErrors: string[] = [];
  let sampling: Promise<void> | null = null;
  let pending: string | null = null;
  const sample = (at: string): Promise<void> => {
    if (sampling) {
      pending = at;
      return sampling;
    }
    sampling = (async () => {
      let next: string | null = at;
      while (next !== null) {
        const label: string = next;
        pending = null;
        try {
          samples.push({ at: label, offsets: await committedOffsets(sampler, groupId, topic, ALL) });
        } catch (err) {
          samplerErrors.push(`${label}: ${(err as Error).message}`);
        }
        next = pending;
      }
    })().finally(() => {
      sampling = null;
    });
    return sampling;
  };
  let commitsSeen = 0;
  observer.onChange(() => {
    if (observer.commits.length === commitsSeen) return;
    commitsSeen = observer.commits.length;
    void sample(`commit #${commitsSeen}`);
  });

  // --- Production: explicit partitions, values `s<seq>`; what was acknowledged is what must be read.
  let seq = 0;
  const produced = new Set<string>();
  const produceBatch = async () => {
    const messages = Array.from({ length: BATCH }, (_, i) => ({
      partition: (seq + i) % PARTITIONS,
      value: `s${seq + i}`,
    }));
    seq += BATCH;
    await producer.send({ topic, acks: -1, messages });
    for (const m of messages) produced.add(m.value);
  };
  const produceBatches = async (n: number) => {
    for (let i = 0; i < n; i++) await produceBatch();
  };

  // --- Membership.
  const live: TrackedConsumer[] = [];
  let counter = 0;
  const join = async () => {
    counter += 1;
    const c = await trackedConsumer(t, { bootstrap: b.bootstrap, groupId, name: `m${counter}`, observer });
    live.push(c);
  };
  /** The oldest member leaves (often the leader). */
  const leave = async () => {
    const c = live.shift()!;
    await c.stop();
  };
  let lastGen = 0;
  const stable = async (why: string) => {
    const names = live.map((c) => c.name);
    lastGen = await observer.until(
      `a generation after ${lastGen} in which ${names.join(',')} hold all partitions (${why})`,
      () => {
        const g = observer.stableGeneration(names, PARTITIONS);
        return g !== undefined && g > lastGen ? g : undefined;
      },
      20_000,
    );
    return lastGen;
  };

  /**
   * A hand-built member: joins (MEMBER_ID_REQUIRED round trip), syncs — assigning round-robin
   * itself should it be the leader — records its assignment, and then never heartbeats again.
   */
  const zombie = async (): Promise<{ memberId: string; generationId: number; conn: RawConnection }> => {
    const conn = await RawConnection.open(b.host, b.port, t);
    const joined = await joinAsNewMember(conn, {
      groupId,
      sessionTimeoutMs: 1000,
      rebalanceTimeoutMs: 3000,
      protocols: [{ name: 'RoundRobinAssigner', metadata: consumerSubscription([topic]) }],
    });
    const assignments =
      joined.leader === joined.memberId
        ? joined.members.map((m, i) => ({
            memberId: m.memberId,
            assignment: consumerAssignment({ [topic]: ALL.filter((p) => p % joined.members.length === i) }),
          }))
        : [];
    const synced = await syncGroup(conn, {
      groupId,
      generationId: joined.generationId,
      memberId: joined.memberId,
      assignments,
    });
    if (synced.errorCode !== 0) throw new Error(`zombie SyncGroup: error ${synced.errorCode}`);
    observer.assignments.push({
      member: 'zombie',
      memberId: joined.memberId,
      generationId: joined.generationId,
      partitions: [...(parseConsumerAssignment(synced.assignment)[topic] ?? [])].sort((x, y) => x - y),
    });
    observer.changed();
    return { memberId: joined.memberId, generationId: joined.generationId, conn };
  };

  await join();
  await join();
  await stable('start');
  await produceBatches(BATCHES_AFTER);
  let zombieInfo: { memberId: string; generationId: number; conn: RawConnection } | undefined;

  for (const [i, round] of ROUNDS.entries()) {
    let change: Promise<unknown>;
    if (round === 'join') change = join();
    else if (round === 'leave') change = leave();
    else if (round === 'join2') change = Promise.all([join(), join()]);
    else if (round === 'swap') change = Promise.all([leave(), join()]);
    else
      change = zombie().then((z) => {
        zombieInfo = z;
      });
    await produceBatches(BATCHES_DURING);
    await change;
    await stable(`round ${i + 1}: ${round}, ${live.length} kafkajs members`);
    await produceBatches(BATCHES_AFTER);
    await sample(`after round ${i + 1} (${round})`);
  }
  t.ok(zombieInfo, 'the silent member joined');
  t.ok(
    zombieInfo && lastGen > zombieInfo.generationId,
    `the group moved on past the silent member's generation ${zombieInfo?.generationId}`,
  );
  if (zombieInfo) {
    const zombieOwned = observer.assignments.find((a) => a.member === 'zombie')?.partitions ?? [];
    t.ok(zombieOwned.length > 0, `the silent member was assigned partitions [${zombieOwned}]`);
    t.equal(
      await heartbeat(zombieInfo.conn, {
        groupId,
        generationId: zombieInfo.generationId,
        memberId: zombieInfo.memberId,
      }),
      25,
      'the silent member was evicted (UNKNOWN_MEMBER_ID)',
    );
  }

  // --- Drain: every acknowledged record processed, commits at the end offsets.
  const perPartition = ALL.map(
    (p) => [...produced].filter((v) => Number(v.slice(1)) % PARTITIONS === p).length,
  );
  await observer.until(
    `all ${produced.size} produced records to be processed`,
    () => {
      const seen = new Set(observer.records.map((r) => r.value));
      return [...produced].every((v) => seen.has(v)) || undefined;
    },
    20_000,
  );
  let last: number[] = [];
  await waitFor(
    'the group to commit the end offsets',
    async () => {
      last = await committedOffsets(sampler, groupId, topic, ALL);
      return last.every((o, p) => o === perPartition[p]);
    },
    { timeoutMs: 15_000, intervalMs: 50 },
  ).catch((err: Error) => {
    throw new Error(`${err.message}: last [${last}], end [${perPartition}]\n${observer.describe()}`);
  });
  await sample('end');
  for (const c of live.splice(0)) await c.stop();
  await sample('after every member left');
  if (sampling) await sampling;

  // --- Pass criteria.
  const gens = observer.ownersByGeneration();
  const doubleOwned = [...gens].flatMap(([g, owners]) =>
    [...owners]
      .filter(([, ms]) => ms.size > 1)
      .map(([p, ms]) => `generation ${g} partition ${p}: ${[...ms]}`),
  );
  t.same(doubleOwned, [], `one owner per partition in each of ${gens.size} generations`, {
    seen: observer.describe(),
  });
  t.ok(gens.size >= ROUNDS.length, `at least one generation per round (${gens.size})`);

  const backwards: string[] = [];
  for (let i = 1; i < samples.length; i++) {
    for (const p of ALL) {
      const before = samples[i - 1]!.offsets[p]!;
      const after = samples[i]!.offsets[p]!;
      if (after < before)
        backwards.push(`partition ${p}: ${before} (${samples[i - 1]!.at}) -> ${after} (${samples[i]!.at})`);
    }
  }
  t.same(samplerErrors, [], 'every OffsetFetch sample answered');
  t.ok(samples.length > ROUNDS.length, `${samples.length} samples of the committed offsets`);
  t.same(backwards, [], 'committed offsets never go backwards');
  t.same(samples.at(-1)?.offsets, perPartition, 'the last committed offsets are the end offsets');

  const seen = new Set(observer.records.map((r) => r.value));
  const missing = [...produced].filter((v) => !seen.has(v));
  t.same(missing, [], `every one of the ${produced.size} records was processed at least once`);
  t.equal(
    produced.size,
    perPartition.reduce((x, y) => x + y, 0),
  );
  const dupes = observer.records.length - seen.size;
  t.comment(
    `${produced.size} records, ${observer.records.length} processings (${dupes} repeats after rebalances), ${gens.size} generations, ${observer.commits.length} commits`,
  );
  t.same(
    observer.errors.filter((e) => e.message.startsWith('CRASH')),
    [],
    'no kafkajs consumer crashed',
  );
});
