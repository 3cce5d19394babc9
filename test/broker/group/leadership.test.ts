/**
 * Cluster mode's coordinator (loadOnLeadership): it coordinates exactly the __consumer_offsets
 * partitions it was given, loads them on leadership, drops them when leadership moves, and a
 * write refused by the log (fenced) reaches the client as NOT_COORDINATOR.
 */
import { pino } from 'pino';
import t from 'tap';
import { ManualClock } from '../../../broker/group/clock.js';
import { GroupCoordinator } from '../../../broker/group/coordinator.js';
import { type GroupLog, MemoryGroupLog } from '../../../broker/group/group-log.js';
import { NotCoordinatorError } from '../../../broker/group/group-store.js';
import { PartitionGroupLog } from '../../../broker/group/partition-group-log.js';
import { partitionForGroup } from '../../../broker/group/partitioning.js';
import type { GroupLogRecord } from '../../../broker/group/records.js';
import { ErrorCode as E } from '../../../protocol/error-codes.js';
import { flush, type Harness, join, stableGroup, testConfig } from './fixtures/harness.js';

const PARTITIONS = testConfig.offsetsTopicPartitions!;

async function leaderSetup(): Promise<Harness> {
  const clock = new ManualClock();
  const topics = new Map<string, number>([['t1', 6]]);
  let n = 0;
  const coordinator = new GroupCoordinator({
    config: testConfig,
    clock,
    loadOnLeadership: true,
    topicExists: (tp, p) => p >= 0 && p < (topics.get(tp) ?? 0),
    newUuid: () => `uuid${++n}`,
    logger: pino({ level: process.env['SAMSA_TEST_LOG'] ?? 'silent' }),
  });
  await coordinator.start();
  // logs are handed over per partition here, not through logFor
  return { clock, logs: undefined as never, coordinator, topics };
}

function commit(
  h: Harness,
  groupId: string,
  offset: number,
  member?: { generationId: number; memberId: string },
) {
  return h.coordinator.commitOffsets({
    groupId,
    generationId: member?.generationId ?? -1,
    memberId: member?.memberId ?? '',
    groupInstanceId: null,
    retentionTimeMs: -1,
    topics: [
      {
        name: 't1',
        partitions: [
          { partitionIndex: 0, committedOffset: offset, committedLeaderEpoch: 1, committedMetadata: null },
        ],
      },
    ],
  });
}

const code = (r: Awaited<ReturnType<typeof commit>>) => r[0]!.partitions[0]!.errorCode;
const committedOffset = (h: Harness, groupId: string) =>
  h.coordinator.fetchOffsets(groupId, [{ name: 't1', partitionIndexes: [0] }]);

t.test(
  'only loaded partitions are coordinated; unloading drops groups, reloading restores them',
  async (t) => {
    const h = await leaderSetup();
    const p = partitionForGroup('g', PARTITIONS);
    t.equal(code(await commit(h, 'g', 5)), E.NOT_COORDINATOR, 'nothing is coordinated before a load');
    t.notOk(h.coordinator.coordinates('g'));

    const log = new MemoryGroupLog();
    await h.coordinator.loadPartition(p, log);
    t.ok(h.coordinator.coordinates('g'), 'the loaded partition is coordinated');
    t.same(h.coordinator.ledPartitions, [p]);
    t.equal(code(await commit(h, 'g', 5)), E.NONE, 'commits are accepted once loaded');
    t.ok(log.records.length > 0, 'the commit went to the partition log');

    const other = ['a', 'b', 'c', 'd', 'e', 'f'].find((g) => partitionForGroup(g, PARTITIONS) !== p)!;
    t.equal(code(await commit(h, other, 1)), E.NOT_COORDINATOR, 'groups of other partitions are not');

    // A stable group of two; one member rejoins and waits for the other: unloading answers it.
    const { joins } = await stableGroup(h, 'g', 2);
    const rejoin = join(h, 'g', { memberId: joins[0]!.memberId });
    await flush();
    t.notOk(rejoin.done, 'the rejoining member waits for the rebalance');
    await h.coordinator.unloadPartition(p);
    await flush();
    t.ok(rejoin.done, 'the waiting join is answered');
    t.equal(rejoin.value!.errorCode, E.NOT_COORDINATOR, 'with NOT_COORDINATOR');
    t.equal(h.coordinator.groupState('g'), undefined, 'the group is no longer held');
    t.equal(code(await commit(h, 'g', 6)), E.NOT_COORDINATOR);
    t.same(h.coordinator.ledPartitions, []);

    // Leadership comes back: the log replays the group and its offsets.
    await h.coordinator.loadPartition(p, log);
    t.equal(committedOffset(h, 'g').topics[0]!.partitions[0]!.committedOffset, 5, 'offsets are restored');
    t.equal(h.coordinator.groupState('g'), 'Stable', 'the group is restored with its member');
    await h.coordinator.close();
  },
);

/** A log whose load() waits until released. */
class SlowLog implements GroupLog {
  release!: () => void;
  private readonly gate = new Promise<void>((r) => {
    this.release = r;
  });
  constructor(private readonly inner: MemoryGroupLog) {}
  append(records: GroupLogRecord[]) {
    return this.inner.append(records);
  }
  async *load(): AsyncIterable<GroupLogRecord> {
    await this.gate;
    yield* this.inner.load();
  }
}

t.test('while loading: COORDINATOR_LOAD_IN_PROGRESS; unloaded meanwhile: nothing is loaded', async (t) => {
  const h = await leaderSetup();
  const p = partitionForGroup('g', PARTITIONS);
  const stored = new MemoryGroupLog();
  await h.coordinator.loadPartition(p, stored);
  t.equal(code(await commit(h, 'g', 7)), E.NONE);
  await h.coordinator.unloadPartition(p);

  const slow = new SlowLog(stored);
  const loading = h.coordinator.loadPartition(p, slow);
  await flush();
  t.equal(code(await commit(h, 'g', 8)), E.COORDINATOR_LOAD_IN_PROGRESS, 'commits wait for the load');
  t.equal(committedOffset(h, 'g').errorCode, E.COORDINATOR_LOAD_IN_PROGRESS);
  slow.release();
  await loading;
  t.equal(committedOffset(h, 'g').topics[0]!.partitions[0]!.committedOffset, 7);

  await h.coordinator.unloadPartition(p);
  const slow2 = new SlowLog(stored);
  const loading2 = h.coordinator.loadPartition(p, slow2);
  await flush();
  await h.coordinator.unloadPartition(p);
  slow2.release();
  await loading2;
  t.notOk(h.coordinator.coordinates('g'), 'a load overtaken by an unload leaves nothing coordinated');
  t.equal(h.coordinator.groupState('g'), undefined);
  await h.coordinator.close();
});

t.test('a fenced write is NOT_COORDINATOR for the client and never reaches the log', async (t) => {
  const h = await leaderSetup();
  const p = partitionForGroup('g', PARTITIONS);
  let leader = true;
  let appended = 0;
  const partitionLog = {
    logStartOffset: 0,
    logEndOffset: 0,
    append(batches: Buffer) {
      appended++;
      this.logEndOffset += batches.readInt32BE(57); // records count of the one batch
    },
    read: () => ({ records: null }),
  };
  const replicatedUpTo: number[] = [];
  const log = new PartitionGroupLog({
    log: partitionLog,
    fence: () => {
      if (!leader) throw new NotCoordinatorError('leadership moved');
    },
    replicated: async (next) => {
      replicatedUpTo.push(next);
    },
    compaction: false,
  });
  await h.coordinator.loadPartition(p, log);
  t.equal(code(await commit(h, 'g', 1)), E.NONE);
  t.same(replicatedUpTo, [1], 'the commit waited for replication up to the log end');
  leader = false;
  t.equal(code(await commit(h, 'g', 2)), E.NOT_COORDINATOR, 'the deposed leader answers NOT_COORDINATOR');
  t.equal(appended, 1, 'and appended nothing');
  t.equal(
    committedOffset(h, 'g').topics[0]!.partitions[0]!.committedOffset,
    1,
    'the failed commit is not visible',
  );
  await h.coordinator.close();
});

t.test('a write that is not replicated fails the commit', async (t) => {
  const h = await leaderSetup();
  const p = partitionForGroup('g', PARTITIONS);
  const partitionLog = {
    logStartOffset: 0,
    logEndOffset: 0,
    append() {
      this.logEndOffset++;
    },
    read: () => ({ records: null }),
  };
  const log = new PartitionGroupLog({
    log: partitionLog,
    replicated: async () => {
      throw new Error('not enough replicas');
    },
  });
  await h.coordinator.loadPartition(p, log);
  t.equal(code(await commit(h, 'g', 1)), E.COORDINATOR_NOT_AVAILABLE, 'the client retries elsewhere');
  t.equal(committedOffset(h, 'g').topics[0]!.partitions[0]!.committedOffset, -1, 'nothing is committed');
  await h.coordinator.close();
});
