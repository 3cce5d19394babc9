import { join } from 'node:path';
import { pino } from 'pino';
import t from 'tap';
import { startBroker } from '../../../broker/broker.js';
import type { MetadataImage } from '../../../broker/cluster/metadata-image.js';
import { roleChanges } from '../../../broker/cluster/partition-roles.js';
import { ReplicaManager } from '../../../broker/cluster/replica-manager.js';
import { Admin } from '../../../client/admin.js';
import { Producer } from '../../../client/producer.js';
import { ErrorCode as E } from '../../../protocol/error-codes.js';
import { DEFAULT_LOG_CONFIG } from '../../../storage/config.js';
import { PartitionLog } from '../../../storage/partition-log.js';
import { startClientTestBroker, testAdmin, testProducer } from '../../client/fixtures/index.js';
import { freePorts } from '../../helpers/cluster.js';
import type { TapTest } from '../../helpers/tap-types.js';
import { tempDir } from '../../helpers/temp.js';
import { waitFor } from '../../helpers/wait.js';
import { liveCluster, partitionRecord, registerBroker } from './fixtures.js';

const quiet = { info() {}, warn() {} };

/** Client-style batches (baseOffset 0) of 1, 2 or 5 records, made once by a real producer. */
const clientBatches = new Map<number, Buffer>();
const batch = (records: number): Buffer => Buffer.from(clientBatches.get(records)!);

interface Harness {
  rm: ReplicaManager<PartitionLog>;
  image: MetadataImage;
  log: PartitionLog;
  clock: { ms: number };
  alters: { isr: number[]; partitionEpoch: number }[];
  hwEvents: string[];
  apply(): Promise<void>;
}

async function harness(tt: Parameters<typeof tempDir>[0], minIsr: number, alterAnswer = 0): Promise<Harness> {
  const dir = tempDir(tt, 'samsa-rm-');
  const image = liveCluster([1, 2, 3]);
  image.apply({ type: 'topic', name: 't', topicId: 'e'.repeat(32) }, 10);
  image.apply(partitionRecord('t', 0, [1, 2, 3]), 11);
  const log = await PartitionLog.open({
    dir: join(dir, 't-0'),
    topic: 't',
    partition: 0,
    config: { ...DEFAULT_LOG_CONFIG, minInsyncReplicas: minIsr },
  });
  tt.teardown(() => log.closeQuietly());
  const clock = { ms: 0 };
  const alters: Harness['alters'] = [];
  const hwEvents: string[] = [];
  const rm = new ReplicaManager<PartitionLog>({
    brokerId: 1,
    openLog: async () => log,
    deleteTopicLogs: async () => {},
    onHighWatermark: (topic, partition) => hwEvents.push(`${topic}-${partition}`),
    alterPartition: async (req) => {
      alters.push({ isr: req.isr, partitionEpoch: req.partitionEpoch });
      return alterAnswer;
    },
    replicaLagTimeMaxMs: 30_000,
    now: () => clock.ms,
    log: quiet,
  });
  tt.teardown(() => rm.close());
  const h: Harness = {
    rm,
    image,
    log,
    clock,
    alters,
    hwEvents,
    apply: () => rm.applyRoleChanges(roleChanges(rm.currentRoles, image, 1), image),
  };
  await h.apply();
  return h;
}

t.before(async () => {
  const b = await startClientTestBroker(t);
  await testAdmin(t, b).createTopics([{ name: 'src', partitions: 1 }]);
  const p = testProducer(t, b, { lingerMs: 0 });
  const src = b.broker.core.topics.partition('src', 0)!;
  for (const n of [1, 2, 5]) {
    const before = src.logEndOffset;
    await p.sendBatch(Array.from({ length: n }, (_, i) => ({ topic: 'src', partition: 0, value: `v${i}` })));
    const bytes = Buffer.from(src.read(before, 1 << 20).records);
    bytes.writeBigInt64BE(0n, 0);
    clientBatches.set(n, bytes);
  }
});

async function appendAsLeader(h: Harness, records: number): Promise<number> {
  const r = h.log.append(batch(records), { leaderEpoch: h.rm.leaderEpochOf('t', 0) });
  h.rm.leaderAppended('t', 0, r.lastOffset + 1);
  return r.lastOffset + 1;
}

t.test('acks=all completes when every ISR member has fetched past the batch', async (t) => {
  const h = await harness(t, 2);
  t.equal(h.rm.leaderError('t', 0), 0);
  t.equal(h.rm.leaderEpochOf('t', 0), 0);
  t.equal(h.rm.acksAllPrecheck('t', 0), 0);
  const next = await appendAsLeader(h, 5);
  const acked = h.rm.awaitAcksAll('t', 0, next, 10_000);
  let settled: number | undefined;
  void acked.then((c) => {
    settled = c;
  });
  t.equal(h.rm.replicaFetched(2, 't', 0, next), 0);
  await Promise.resolve();
  t.equal(settled, undefined, 'follower 3 has not fetched yet');
  t.equal(h.log.highWatermark, 0, 'consumers see nothing yet');
  t.equal(h.rm.replicaFetched(3, 't', 0, next), 0);
  t.equal(await acked, 0);
  t.equal(h.log.highWatermark, next);
  t.ok(h.hwEvents.length > 0, 'consumers woken');
});

t.test('fetches from non-replicas and stale epochs are refused', async (t) => {
  const h = await harness(t, 1);
  t.equal(h.rm.replicaFetched(7, 't', 0, 0), E.NOT_LEADER_OR_FOLLOWER);
  t.equal(h.rm.replicaFetched(1, 't', 0, 0), E.NOT_LEADER_OR_FOLLOWER, 'the leader itself');
  t.equal(h.rm.replicaFetched(2, 't', 0, 0, 3), E.UNKNOWN_LEADER_EPOCH);
  t.equal(h.rm.leaderError('u', 0), E.NOT_LEADER_OR_FOLLOWER);
  h.image.apply({ type: 'partition-change', topic: 't', partition: 0, leader: 2 }, 20);
  h.image.apply({ type: 'partition-change', topic: 't', partition: 0, leader: 1 }, 21);
  await h.apply();
  t.equal(h.rm.leaderEpochOf('t', 0), 2);
  t.equal(h.rm.leaderError('t', 0, 1), E.FENCED_LEADER_EPOCH);
  t.equal(h.rm.replicaFetched(2, 't', 0, 0, 1), E.FENCED_LEADER_EPOCH);
});

t.test('a lagging follower is proposed out of the ISR; the committed ISR releases acks=all', async (t) => {
  const h = await harness(t, 2);
  const next = await appendAsLeader(h, 2);
  const acked = h.rm.awaitAcksAll('t', 0, next, 60_000);
  h.rm.replicaFetched(2, 't', 0, next);
  h.clock.ms = 31_000;
  h.rm.replicaFetched(2, 't', 0, next);
  h.rm.maintainIsr();
  t.same(h.alters, [{ isr: [1, 2], partitionEpoch: 0 }]);
  h.rm.maintainIsr();
  t.equal(h.alters.length, 1, 'one proposal in flight at a time');
  h.image.apply({ type: 'partition-change', topic: 't', partition: 0, isr: [1, 2] }, 20);
  await h.apply();
  t.equal(await acked, 0, 'replicated to the whole (new) ISR, which still meets min.insync.replicas');
  t.equal(h.log.highWatermark, next);

  // Follower 3 catches up and is proposed back in.
  h.rm.replicaFetched(3, 't', 0, next);
  t.same(h.alters[1], { isr: [1, 2, 3], partitionEpoch: 1 });
});

t.test('a fenced follower that has caught up is proposed for the ISR only once it is unfenced', async (t) => {
  const h = await harness(t, 1);
  h.image.apply({ type: 'partition-change', topic: 't', partition: 0, isr: [1, 2] }, 20);
  h.image.apply({ ...registerBroker(3, 21), incarnationId: 'again' }, 21);
  await h.apply();
  t.equal(h.image.brokers.get(3)?.fenced, true, 'broker 3 registered again: fenced until it catches up');
  const next = await appendAsLeader(h, 1);
  for (let i = 0; i < 3; i++) h.rm.replicaFetched(3, 't', 0, next);
  t.same(h.alters, [], 'no ISR change proposed for a fenced broker, however often it fetches');
  h.image.apply({ type: 'unfence-broker', brokerId: 3, brokerEpoch: 21 }, 22);
  await h.apply();
  h.rm.replicaFetched(3, 't', 0, next);
  t.same(h.alters, [{ isr: [1, 2, 3], partitionEpoch: 1 }], 'unfenced, it is proposed');
});

t.test(
  'below min.insync.replicas: refused before the append, or answered after it with the error',
  async (t) => {
    const h = await harness(t, 3);
    const next = await appendAsLeader(h, 1);
    const acked = h.rm.awaitAcksAll('t', 0, next, 60_000);
    h.image.apply({ type: 'partition-change', topic: 't', partition: 0, isr: [1, 2] }, 20);
    await h.apply();
    h.rm.replicaFetched(2, 't', 0, next);
    t.equal(await acked, E.NOT_ENOUGH_REPLICAS_AFTER_APPEND);
    t.equal(h.rm.acksAllPrecheck('t', 0), E.NOT_ENOUGH_REPLICAS);
  },
);

t.test('losing leadership fails waiting produces; a refused ISR change is proposed again', async (t) => {
  const h = await harness(t, 1, E.INVALID_UPDATE_VERSION);
  const next = await appendAsLeader(h, 1);
  const acked = h.rm.awaitAcksAll('t', 0, next, 60_000);
  h.clock.ms = 40_000;
  h.rm.maintainIsr();
  await new Promise((r) => setImmediate(r));
  h.rm.maintainIsr();
  t.equal(h.alters.length, 2, 'refused, so proposed again');
  h.image.apply({ type: 'partition-change', topic: 't', partition: 0, leader: 2 }, 20);
  await h.apply();
  t.equal(await acked, E.NOT_LEADER_OR_FOLLOWER);
  t.equal(h.rm.leaderError('t', 0), E.NOT_LEADER_OR_FOLLOWER);
  t.equal(h.rm.leaderError('t', 0, 0), E.FENCED_LEADER_EPOCH);
  t.equal(await h.rm.awaitAcksAll('t', 0, next, 10), E.NOT_LEADER_OR_FOLLOWER);
});

t.test('acks=all times out when followers never come', async (t) => {
  const h = await harness(t, 1);
  const next = await appendAsLeader(h, 1);
  t.equal(await h.rm.awaitAcksAll('t', 0, next, 30), E.REQUEST_TIMED_OUT);
});

/**
 * A real two-broker cluster (in this process) whose topic f has one partition on both, holding
 * `records` records; which broker leads it, and which follows.
 */
async function pairLeading(t: TapTest, prefix: string, records: number) {
  const [c1, c2] = await freePorts(2);
  const voters = `1@127.0.0.1:${c1},2@127.0.0.1:${c2}`;
  const brokers = await Promise.all(
    [1, 2].map((nodeId) =>
      startBroker({
        host: '127.0.0.1',
        port: 0,
        nodeId,
        controllerVoters: voters,
        dataDir: tempDir(t, `${prefix}${nodeId}-`),
        logger: pino({ level: 'silent' }),
      }),
    ),
  );
  t.teardown(() => Promise.all(brokers.map((b) => b.close())));
  const admin = new Admin({ brokers: [`127.0.0.1:${brokers[0]!.port}`] });
  t.teardown(() => admin.close());
  await admin.createTopics([{ name: 'f', partitions: 1, replicationFactor: 2 }]);
  const leaderId = brokers[0]!.core.authority.describe('f', 0, undefined).leaderId;
  const leader = brokers[leaderId - 1]!;
  const followerId = 3 - leaderId;
  const producer = new Producer({ brokers: [`127.0.0.1:${leader.port}`], lingerMs: 0 });
  t.teardown(() => producer.close());
  await producer.sendBatch(
    Array.from({ length: records }, (_, i) => ({ topic: 'f', partition: 0, value: `r${i}` })),
  );
  return { leader, leaderId, followerId };
}

t.test('a follower role fetches from the leader broker named in the image', async (t) => {
  // A real two-broker cluster leads partition f-0 with replicas on both; this ReplicaManager
  // acts as the follower broker (alongside that broker's own) from an image naming the leader.
  const { leader, leaderId, followerId } = await pairLeading(t, 'samsa-rm-pair-', 50);

  const image = liveCluster([followerId]);
  image.apply(
    {
      type: 'register-broker',
      brokerId: leaderId,
      incarnationId: 'x',
      host: '127.0.0.1',
      port: leader.port,
      rack: null,
      brokerEpoch: 9,
    },
    9,
  );
  image.apply({ type: 'unfence-broker', brokerId: leaderId, brokerEpoch: 9 }, 10);
  image.apply({ type: 'topic', name: 'f', topicId: 'f'.repeat(32) }, 11);
  image.apply(
    {
      ...partitionRecord('f', 0, [leaderId, followerId]),
      leaderEpoch: leader.core.authority.leaderEpoch('f', 0),
    },
    12,
  );
  const log = await PartitionLog.open({
    dir: join(tempDir(t, 'samsa-rm-f-'), 'f-0'),
    topic: 'f',
    partition: 0,
    config: DEFAULT_LOG_CONFIG,
  });
  t.teardown(() => log.closeQuietly());
  const rm = new ReplicaManager<PartitionLog>({
    brokerId: followerId,
    openLog: async () => log,
    deleteTopicLogs: async () => {},
    onHighWatermark: () => {},
    alterPartition: async () => 0,
    replicaLagTimeMaxMs: 30_000,
    now: Date.now,
    log: quiet,
    fetcher: { maxWaitMs: 100 },
  });
  t.teardown(() => rm.close());
  await rm.applyRoleChanges(roleChanges(rm.currentRoles, image, followerId), image);
  t.equal(rm.leaderError('f', 0), E.NOT_LEADER_OR_FOLLOWER, 'a follower does not serve produce');
  await waitFor('replicated', () => log.logEndOffset === 50);
  t.ok(log.dumpBytes().equals(leader.core.topics.partition('f', 0)!.dumpBytes()));
});

t.test(
  'a follower that caught up and went silent is not proposed back, and does not hold the HW',
  async (t) => {
    const h = await harness(t, 1);
    const first = await appendAsLeader(h, 1);
    h.rm.replicaFetched(2, 't', 0, first);
    h.rm.replicaFetched(3, 't', 0, first); // follower 3 is caught up, then dies
    t.equal(h.log.highWatermark, first);
    h.image.apply({ type: 'partition-change', topic: 't', partition: 0, isr: [1, 2] }, 20);
    await h.apply();
    const next = await appendAsLeader(h, 2);
    h.rm.replicaFetched(2, 't', 0, next);
    t.equal(h.log.highWatermark, next, 'the live ISR member alone moves the high watermark');
    t.same(h.alters, [], 'silent follower 3 is not proposed for the ISR');
    h.rm.replicaFetched(3, 't', 0, next);
    t.same(
      h.alters,
      [{ isr: [1, 2, 3], partitionEpoch: 1 }],
      'once it fetches again and has caught up, it is',
    );
  },
);

t.test('a leader that registers again at a new address is followed there', async (t) => {
  // The leader of f-0 is first known at an address where nothing listens (where it was before a
  // restart); then it registers again at its real one, with no change of leadership or epoch.
  const { leader, leaderId, followerId } = await pairLeading(t, 'samsa-rm-moved-', 20);
  const [stalePort] = await freePorts(1);

  const register = (port: number, brokerEpoch: number) => {
    image.apply(
      {
        type: 'register-broker',
        brokerId: leaderId,
        incarnationId: `x${brokerEpoch}`,
        host: '127.0.0.1',
        port,
        rack: null,
        brokerEpoch,
      },
      brokerEpoch,
    );
    image.apply({ type: 'unfence-broker', brokerId: leaderId, brokerEpoch }, brokerEpoch + 1);
  };
  const image = liveCluster([followerId]);
  register(stalePort!, 9);
  image.apply({ type: 'topic', name: 'f', topicId: 'f'.repeat(32) }, 11);
  image.apply(
    {
      ...partitionRecord('f', 0, [leaderId, followerId]),
      leaderEpoch: leader.core.authority.leaderEpoch('f', 0),
    },
    12,
  );
  const log = await PartitionLog.open({
    dir: join(tempDir(t, 'samsa-rm-moved-f-'), 'f-0'),
    topic: 'f',
    partition: 0,
    config: DEFAULT_LOG_CONFIG,
  });
  t.teardown(() => log.closeQuietly());
  const said: string[] = [];
  const rm = new ReplicaManager<PartitionLog>({
    brokerId: followerId,
    openLog: async () => log,
    deleteTopicLogs: async () => {},
    onHighWatermark: () => {},
    alterPartition: async () => 0,
    replicaLagTimeMaxMs: 30_000,
    now: Date.now,
    log: {
      info: (_o: object, msg: string) => said.push(msg),
      warn: (_o: object, msg: string) => said.push(msg),
    },
    fetcher: { maxWaitMs: 100, backoffMsMin: 20, backoffMsMax: 50 },
  });
  t.teardown(() => rm.close());
  await rm.applyRoleChanges(roleChanges(rm.currentRoles, image, followerId), image);
  await waitFor('a failed fetch at the stale address', () =>
    said.includes('replica fetch from leader failed; retrying'),
  );
  t.equal(log.logEndOffset, 0, 'nothing fetched from the stale address');

  register(leader.port, 13);
  const changes = roleChanges(rm.currentRoles, image, followerId);
  t.same(changes, [], 'no role changes: same leader, same epoch');
  await rm.applyRoleChanges(changes, image);
  await waitFor('replicated from the new address', () => log.logEndOffset === 20);
  t.ok(
    log.dumpBytes().equals(leader.core.topics.partition('f', 0)!.dumpBytes()),
    'the follower holds the leader bytes',
  );
});
