import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';
import t from 'tap';
import { ManualClock } from '../../../broker/group/clock.js';
import { GroupCoordinator } from '../../../broker/group/coordinator.js';
import { PartitionGroupLog } from '../../../broker/group/partition-group-log.js';
import { offsetRecord } from '../../../broker/group/records.js';
import { ErrorCode as E } from '../../../protocol/error-codes.js';
import { DEFAULT_LOG_CONFIG } from '../../../storage/config.js';
import { PartitionLog } from '../../../storage/partition-log.js';

const PARTITIONS = 3;

async function openLogs(dir: string): Promise<PartitionLog[]> {
  const logs: PartitionLog[] = [];
  for (let p = 0; p < PARTITIONS; p++) {
    logs.push(
      await PartitionLog.open({
        dir: joinPath(dir, `__consumer_offsets-${p}`),
        topic: '__consumer_offsets',
        partition: p,
        config: { ...DEFAULT_LOG_CONFIG, segmentBytes: 64 * 1024, retentionMs: -1 },
      }),
    );
  }
  return logs;
}

async function coordinatorOver(logs: PartitionLog[], clock: ManualClock): Promise<GroupCoordinator> {
  const c = new GroupCoordinator({
    config: { offsetsTopicPartitions: PARTITIONS, initialRebalanceDelayMs: 0, sessionTimeoutMsMin: 1000 },
    clock,
    logFor: (p) => new PartitionGroupLog({ log: logs[p]!, clock, compactRecordsMin: 50 }),
    topicExists: () => true,
  });
  await c.start();
  return c;
}

const commit = (c: GroupCoordinator, groupId: string, partition: number, offset: number) =>
  c.commitOffsets({
    groupId,
    generationId: -1,
    memberId: '',
    groupInstanceId: null,
    retentionTimeMs: -1,
    topics: [
      {
        name: 'orders',
        partitions: [
          {
            partitionIndex: partition,
            committedOffset: offset,
            committedLeaderEpoch: 5,
            committedMetadata: 'meta',
          },
        ],
      },
    ],
  });

t.test('offsets and groups survive a restart over real partition logs', async (t) => {
  const dir = mkdtempSync(joinPath(tmpdir(), 'samsa-group-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const clock = new ManualClock();
  let logs = await openLogs(dir);
  const c = await coordinatorOver(logs, clock);
  for (let i = 0; i < 20; i++) {
    const r = await commit(c, `group-${i % 4}`, i % 3, i * 10);
    t.equal(r[0]!.partitions[0]!.errorCode, E.NONE);
  }
  const join = c.joinGroup({
    groupId: 'members',
    memberId: '',
    groupInstanceId: null,
    requireKnownMemberId: false,
    clientId: 'k',
    clientHost: 'h',
    rebalanceTimeoutMs: 5000,
    sessionTimeoutMs: 5000,
    protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: Buffer.from('sub') }],
  });
  clock.advance(0);
  const j = await join;
  const s = await c.syncGroup({
    groupId: 'members',
    generationId: j.generationId,
    memberId: j.memberId,
    groupInstanceId: null,
    protocolType: null,
    protocolName: null,
    assignments: [{ memberId: j.memberId, assignment: Buffer.from('p0,p1') }],
  });
  t.equal(s.errorCode, E.NONE);
  await c.close();
  for (const l of logs) l.close();

  logs = await openLogs(dir);
  const c2 = await coordinatorOver(logs, clock);
  for (let g = 0; g < 4; g++) {
    const fetched = c2.fetchOffsets(`group-${g}`, null);
    const last = new Map<number, number>();
    for (let i = g; i < 20; i += 4) last.set(i % 3, i * 10);
    for (const [p, off] of last) {
      const row = fetched.topics[0]!.partitions.find((x) => x.partitionIndex === p);
      t.equal(row?.committedOffset, off, `group-${g} orders-${p}`);
      t.equal(row?.committedLeaderEpoch, 5);
      t.equal(row?.metadata, 'meta');
    }
  }
  t.equal(c2.groupState('members'), 'Stable');
  const again = await c2.syncGroup({
    groupId: 'members',
    generationId: j.generationId,
    memberId: j.memberId,
    groupInstanceId: null,
    protocolType: null,
    protocolName: null,
    assignments: [],
  });
  t.equal(again.assignment.toString(), 'p0,p1');
  await c2.close();
  for (const l of logs) l.close();
});

t.test('compaction keeps the latest value of each live key and drops the rest', async (t) => {
  const dir = mkdtempSync(joinPath(tmpdir(), 'samsa-group-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const [log] = await PartitionLog.open({
    dir: joinPath(dir, '__consumer_offsets-0'),
    topic: '__consumer_offsets',
    partition: 0,
    config: { ...DEFAULT_LOG_CONFIG, segmentBytes: 4096, retentionMs: -1 },
  }).then((l) => [l]);
  const glog = new PartitionGroupLog({ log: log!, compactRecordsMin: 50 });
  const o = (offset: number) => ({
    offset,
    leaderEpoch: 0,
    metadata: '',
    commitTimestamp: 1,
    expireTimestamp: null,
  });
  for (let i = 0; i < 100; i++) await glog.append([offsetRecord('g', 't', i % 5, o(i))]);
  await glog.append([offsetRecord('g', 't', 4, null)]);
  t.same(glog.stats, { records: 101, liveKeys: 4 });
  t.equal(await glog.compact(), true);
  t.ok(log!.logStartOffset > 0, 'the log start moved');
  t.equal(glog.stats.records, 4);
  const replay = [];
  for await (const r of glog.load()) replay.push(r);
  t.equal(replay.length, 4);
  t.equal(await glog.compact(), false, 'nothing more to do');
  log!.close();
});
