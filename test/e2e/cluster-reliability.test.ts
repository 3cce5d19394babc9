/**
 * RELIABILITY.md tests 5, 2 and 4 on a three-broker cluster (cluster mode, experimental).
 *
 * Test 5, min.insync.replicas. With one follower of a replication-factor-3 partition gone and the ISR
 * shrunk to two, a topic that needs three in-sync replicas refuses acks=all writes with
 * NOT_ENOUGH_REPLICAS, the high watermark does not move, and acks=1 is still accepted.
 * (Two of three brokers gone would also take the metadata quorum's majority: the ISR could not
 * shrink, and acks=all would time out instead.)
 *
 * Test 2, KIP-101 scenario 1: a follower restarts and the leader dies right after; the new
 * leader holds every acknowledged record (a follower truncates by leader epoch, never to its
 * own high watermark).
 *
 * Test 4, stale leader: SIGSTOPped past its session, it loses leadership; after SIGCONT it
 * acknowledges no acks=all write, and fetches at its old epoch are fenced by the new leader.
 */
import t from 'tap';
import { Admin } from '../../client/admin.js';
import { encodeRecordBatch } from '../../protocol/record-batch.js';
import { WireClient } from '../broker/wire-client.js';
import {
  type ClusterPartition,
  clusterProducer,
  createReplicatedTopic,
  spawnCluster,
  waitForPartitions,
} from '../helpers/cluster.js';
import { kcatConsume } from '../helpers/kcat.js';
import { describeRun } from '../helpers/process.js';
import { uniqueTopic } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait.js';

/** Partition 0 of `topic` (kcat -L from `bootstrap()`), once `accept` holds for it. */
async function partition0When(
  bootstrap: () => string,
  topic: string,
  what: string,
  accept: (p: ClusterPartition) => boolean,
  timeoutMs: number,
): Promise<ClusterPartition> {
  const ps = await waitForPartitions(
    bootstrap,
    topic,
    what,
    (ps) => ps[0] !== undefined && accept(ps[0]),
    timeoutMs,
  );
  return ps[0]!;
}

/** The error and its causes, as one string (kafkajs wraps protocol errors). */
function errorChain(err: unknown): string {
  const parts: string[] = [];
  for (
    let e = err as { name?: string; type?: string; message?: string; cause?: unknown } | undefined;
    e;
    e = e.cause as typeof e
  )
    parts.push(`${e.name ?? ''} ${e.type ?? ''} ${e.message ?? ''}`);
  return parts.join(' <- ');
}

t.test(
  'min.insync.replicas: below it acks=all is refused and the high watermark stays; acks=1 works',
  async (t) => {
    const cluster = await spawnCluster(t);
    const topic = uniqueTopic('cluster-minisr');
    const create = await createReplicatedTopic(cluster, topic, 1, ['--config', 'min.insync.replicas=3']);
    t.equal(create.code, 0, 'topic created', { run: describeRun(create) });
    const before = await partition0When(
      () => cluster.bootstrap(),
      topic,
      'all three in sync',
      (p) => p.leader > 0 && p.isrs.length === 3,
      60_000,
    );
    const leaderId = before.leader;

    const producer = await clusterProducer(
      t,
      cluster.brokers.map((b) => b.bootstrap),
      'samsa-minisr',
      { retries: 0 },
    );
    await producer.send({ topic, acks: -1, messages: [{ value: 'while all three are in sync' }] });

    const followerId = [1, 2, 3].find((id) => id !== leaderId)!;
    await cluster.brokers[followerId - 1]!.kill();
    const shrunk = await partition0When(
      () => cluster.bootstrap(),
      topic,
      'the ISR to shrink to two',
      (p) => p.isrs.length === 2 && p.leader === leaderId,
      60_000,
    );
    t.notOk(
      shrunk.isrs.some((r) => r.id === followerId),
      `broker ${followerId} left the ISR`,
    );

    const admin = new Admin({ brokers: cluster.bootstrap().split(','), requestTimeoutMs: 10_000 });
    t.teardown(() => admin.close());
    const hw = async () => (await admin.latestOffsets(topic))[0]!.offset;
    const hwBefore = await hw();
    t.equal(hwBefore, 1);

    const refused = await producer
      .send({ topic, acks: -1, timeout: 5000, messages: [{ value: 'acks=all below min.insync.replicas' }] })
      .then(
        () => 'accepted',
        (err: unknown) => errorChain(err),
      );
    t.match(refused, /NOT_ENOUGH_REPLICAS/, 'acks=all refused with NOT_ENOUGH_REPLICAS');
    t.equal(await hw(), hwBefore, 'the high watermark did not move');

    await producer.send({ topic, acks: 1, messages: [{ value: 'acks=1 still works' }] });
    // acks=1 answers once the leader has it; the high watermark follows when the other in-sync
    // replica has fetched it.
    await waitFor('the acks=1 record to be committed', async () => (await hw()) === hwBefore + 1, {
      timeoutMs: 15_000,
      intervalMs: 100,
    });
    t.pass('acks=1 accepted, and committed by the two in-sync replicas');
  },
);

t.test(
  'KIP-101 scenario 1: a follower restarts, then the leader dies; acknowledged records survive',
  async (t) => {
    const cluster = await spawnCluster(t);
    const topic = uniqueTopic('cluster-kip101');
    const create = await createReplicatedTopic(cluster, topic, 1);
    t.equal(create.code, 0, 'topic created', { run: describeRun(create) });
    const inSync = () =>
      partition0When(
        () => cluster.bootstrap(),
        topic,
        'all three in sync',
        (p) => p.leader > 0 && p.isrs.length === 3,
        60_000,
      );
    const { leader: leaderId } = await inSync();

    const producer = await clusterProducer(
      t,
      cluster.brokers.map((b) => b.bootstrap),
      'samsa-kip101',
    );
    const acked: string[] = [];
    for (let i = 0; i < 50; i++) {
      await producer.send({ topic, acks: -1, messages: [{ value: `a${i}` }] });
      acked.push(`a${i}`);
    }

    // A follower restarts (its log ends at or past the high watermark it last heard of), and as
    // soon as it is back the leader dies: whoever leads next must hold every acknowledged record.
    const followerId = [1, 2, 3].find((id) => id !== leaderId)!;
    t.equal((await cluster.brokers[followerId - 1]!.stop()).code, 0, `follower ${followerId} stops`);
    await cluster.restart(followerId);
    await cluster.brokers[leaderId - 1]!.kill();
    const after = await partition0When(
      () => cluster.bootstrap(),
      topic,
      'a new leader',
      (p) => p.leader > 0 && p.leader !== leaderId,
      30_000,
    );
    t.not(after.leader, leaderId, `broker ${after.leader} leads now`);

    for (let i = 0; i < 10; i++) {
      await producer.send({ topic, acks: -1, messages: [{ value: `b${i}` }] });
      acked.push(`b${i}`);
    }
    const got = (
      await kcatConsume(cluster.bootstrap(), topic, ['-o', 'beginning'], { timeoutMs: 60_000 })
    ).map((m) => m.payload);
    const seen = new Set(got);
    t.same(
      acked.filter((v) => !seen.has(v)),
      [],
      'every acknowledged record is read back',
    );
    t.same(
      got.filter((v) => acked.includes(v ?? '')),
      acked,
      'in the order acknowledged, each once',
    );
  },
);

t.test(
  'stale leader: SIGSTOPped past its session, it acknowledges no acks=all write after losing leadership',
  async (t) => {
    const cluster = await spawnCluster(t);
    const topic = uniqueTopic('cluster-stale');
    const create = await createReplicatedTopic(cluster, topic, 1);
    t.equal(create.code, 0, 'topic created', { run: describeRun(create) });
    const before = await partition0When(
      () => cluster.bootstrap(),
      topic,
      'all three in sync',
      (p) => p.leader > 0 && p.isrs.length === 3,
      60_000,
    );
    const stale = cluster.brokers[before.leader - 1]!;
    const others = cluster.brokers.filter((b) => b !== stale).map((b) => b.bootstrap);

    process.kill(stale.pid, 'SIGSTOP');
    let resumed = false;
    t.teardown(() => {
      if (!resumed) process.kill(stale.pid, 'SIGCONT');
    });
    const after = await partition0When(
      () => others.join(','),
      topic,
      'a new leader among the others',
      (p) => p.leader > 0 && p.leader !== before.leader,
      30_000,
    );

    const producer = await clusterProducer(t, others, 'samsa-stale');
    const acked: string[] = [];
    for (let i = 0; i < 20; i++) {
      await producer.send({ topic, acks: -1, messages: [{ value: `new-leader-${i}` }] });
      acked.push(`new-leader-${i}`);
    }

    // The old leader wakes up. Whatever it believes at that moment, an acks=all write sent
    // straight to it must not be acknowledged: the others no longer replicate from it.
    process.kill(stale.pid, 'SIGCONT');
    resumed = true;
    const conn = await WireClient.connect(stale.port);
    t.teardown(() => conn.close());
    const res = await conn.request(0, 9, {
      transactionalId: null,
      acks: -1,
      timeoutMs: 3000,
      topicData: [
        {
          name: topic,
          partitionData: [
            {
              index: 0,
              records: encodeRecordBatch({ records: [{ value: Buffer.from('to the stale leader') }] }),
            },
          ],
        },
      ],
    });
    const code = res.responses[0]!.partitionResponses[0]!.errorCode;
    t.not(code, 0, `the stale leader refuses the acks=all write (error ${code})`);

    // A fetch naming the old leader epoch is fenced by the new leader.
    const fresh = cluster.brokers[after.leader - 1]!;
    const f = await WireClient.connect(fresh.port);
    t.teardown(() => f.close());
    const fetched = await f.request(1, 12, {
      replicaId: -1,
      maxWaitMs: 0,
      minBytes: 1,
      maxBytes: 1 << 20,
      isolationLevel: 0,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [
        {
          topic,
          partitions: [
            {
              partition: 0,
              currentLeaderEpoch: 0,
              fetchOffset: 0,
              lastFetchedEpoch: -1,
              logStartOffset: -1,
              partitionMaxBytes: 1 << 20,
            },
          ],
        },
      ],
      forgottenTopicsData: [],
      rackId: '',
    });
    t.equal(fetched.responses[0]!.partitions[0]!.errorCode, 74, 'FENCED_LEADER_EPOCH for the old epoch');

    const got = (await kcatConsume(others.join(','), topic, ['-o', 'beginning'], { timeoutMs: 60_000 })).map(
      (m) => m.payload,
    );
    t.same(got, acked, 'exactly the acknowledged records, in order; nothing from the stale leader');
  },
);
