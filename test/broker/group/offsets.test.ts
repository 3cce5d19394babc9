import t from 'tap';
import type { CommitArgs } from '../../../broker/group/coordinator.js';
import { MemoryGroupLogs } from '../../../broker/group/group-log.js';
import { decodeRecord } from '../../../broker/group/records.js';
import { ErrorCode as E } from '../../../protocol/error-codes.js';
import { flush, type Harness, join, SESSION_MS, setup, stableGroup, sync } from './fixtures/harness.js';

const DAY_MS = 24 * 3600 * 1000;

function commitArgs(
  groupId: string,
  offsets: [string, number, number][],
  over: Partial<CommitArgs> = {},
): CommitArgs {
  const topics = new Map<string, CommitArgs['topics'][number]>();
  for (const [name, partitionIndex, committedOffset] of offsets) {
    let tp = topics.get(name);
    if (!tp) topics.set(name, (tp = { name, partitions: [] }));
    tp.partitions.push({
      partitionIndex,
      committedOffset,
      committedLeaderEpoch: 3,
      committedMetadata: `m${committedOffset}`,
    });
  }
  return {
    groupId,
    generationId: -1,
    memberId: '',
    groupInstanceId: null,
    retentionTimeMs: -1,
    topics: [...topics.values()],
    ...over,
  };
}

const codes = (r: Awaited<ReturnType<Harness['coordinator']['commitOffsets']>>) =>
  r.flatMap((tp) => tp.partitions.map((p) => p.errorCode));

function committed(h: Harness, groupId: string, topic: string, partition: number) {
  const r = h.coordinator.fetchOffsets(groupId, [{ name: topic, partitionIndexes: [partition] }]);
  return r.topics[0]!.partitions[0]!;
}

t.test('standalone commits (generation -1, no member) create a simple group', async (t) => {
  const h = await setup();
  const r = await h.coordinator.commitOffsets(
    commitArgs('simple', [
      ['t1', 0, 10],
      ['t1', 1, 20],
    ]),
  );
  t.same(codes(r), [E.NONE, E.NONE]);
  t.equal(h.coordinator.groupState('simple'), 'Empty');
  const p0 = committed(h, 'simple', 't1', 0);
  t.same(p0, {
    partitionIndex: 0,
    committedOffset: 10,
    committedLeaderEpoch: 3,
    metadata: 'm10',
    errorCode: 0,
  });
  const none = committed(h, 'simple', 't1', 5);
  t.same(none, {
    partitionIndex: 5,
    committedOffset: -1,
    committedLeaderEpoch: -1,
    metadata: '',
    errorCode: 0,
  });
  const all = h.coordinator.fetchOffsets('simple', null);
  t.same(
    all.topics.map((x) => [x.name, x.partitions.map((p) => p.committedOffset)]),
    [['t1', [10, 20]]],
  );
  const unknownGroup = h.coordinator.fetchOffsets('nobody', [{ name: 't1', partitionIndexes: [0] }]);
  t.equal(unknownGroup.errorCode, E.NONE);
  t.equal(unknownGroup.topics[0]!.partitions[0]!.committedOffset, -1);
  t.same(h.coordinator.fetchOffsets('nobody', null).topics, []);
});

t.test('commit errors: unknown partitions, metadata too large, generations, members', async (t) => {
  const h = await setup({ config: { offsetMetadataBytesMax: 8 } });
  const r = await h.coordinator.commitOffsets(
    commitArgs('s', [
      ['t1', 0, 1],
      ['t1', 99, 1],
      ['nope', 0, 1],
    ]),
  );
  t.same(codes(r), [E.NONE, E.UNKNOWN_TOPIC_OR_PARTITION, E.UNKNOWN_TOPIC_OR_PARTITION]);
  const big = commitArgs('s', [['t1', 1, 1]]);
  big.topics[0]!.partitions[0]!.committedMetadata = 'x'.repeat(9);
  t.same(codes(await h.coordinator.commitOffsets(big)), [E.OFFSET_METADATA_TOO_LARGE]);

  const gone = await h.coordinator.commitOffsets(
    commitArgs('no-such-group', [['t1', 0, 1]], { generationId: 3, memberId: 'm' }),
  );
  t.same(codes(gone), [E.ILLEGAL_GENERATION], 'a member of a group that no longer exists');

  const { joins } = await stableGroup(h, 'g', 2);
  const a = joins[0]!;
  const ok = await h.coordinator.commitOffsets(
    commitArgs('g', [['t1', 0, 5]], { generationId: a.generationId, memberId: a.memberId }),
  );
  t.same(codes(ok), [E.NONE]);
  const stale = await h.coordinator.commitOffsets(
    commitArgs('g', [['t1', 0, 6]], { generationId: a.generationId - 1, memberId: a.memberId }),
  );
  t.same(codes(stale), [E.ILLEGAL_GENERATION]);
  const stranger = await h.coordinator.commitOffsets(
    commitArgs('g', [['t1', 0, 6]], { generationId: a.generationId, memberId: 'stranger' }),
  );
  t.same(codes(stranger), [E.UNKNOWN_MEMBER_ID]);
  const anonymous = await h.coordinator.commitOffsets(commitArgs('g', [['t1', 0, 6]]));
  t.same(codes(anonymous), [E.UNKNOWN_MEMBER_ID], 'standalone commits into an active group are refused');
  t.equal(committed(h, 'g', 't1', 0).committedOffset, 5);

  // During PreparingRebalance the old generation may still commit; during CompletingRebalance not.
  join(h, 'g', { clientId: 'late' });
  await flush();
  t.equal(h.coordinator.groupState('g'), 'PreparingRebalance');
  const during = await h.coordinator.commitOffsets(
    commitArgs('g', [['t1', 0, 7]], { generationId: a.generationId, memberId: a.memberId }),
  );
  t.same(codes(during), [E.NONE]);
  const ra = join(h, 'g', { memberId: a.memberId, clientId: 'c0' });
  join(h, 'g', { memberId: joins[1]!.memberId, clientId: 'c1' });
  await flush();
  t.equal(h.coordinator.groupState('g'), 'CompletingRebalance');
  const completing = await h.coordinator.commitOffsets(
    commitArgs('g', [['t1', 0, 8]], { generationId: ra.value!.generationId, memberId: a.memberId }),
  );
  t.same(codes(completing), [E.REBALANCE_IN_PROGRESS]);
});

t.test('committed offsets and group metadata survive a reload from the GroupLog', async (t) => {
  const logs = new MemoryGroupLogs();
  const h = await setup({ logs });
  const { joins, syncs } = await stableGroup(h, 'g', 2);
  const a = joins[0]!;
  await h.coordinator.commitOffsets(
    commitArgs(
      'g',
      [
        ['t1', 0, 100],
        ['t1', 1, 200],
      ],
      { generationId: a.generationId, memberId: a.memberId },
    ),
  );
  await h.coordinator.commitOffsets(commitArgs('simple', [['t2', 1, 7]]));
  await h.coordinator.commitOffsets(commitArgs('deleted', [['t2', 0, 1]]));
  t.same(await h.coordinator.deleteGroups(['deleted']), [{ groupId: 'deleted', errorCode: E.NONE }]);
  await h.coordinator.deleteOffsets('simple', [{ name: 't2', partitions: [0] }]);
  await h.coordinator.close();

  const h2 = await setup({ logs });
  t.same(committed(h2, 'g', 't1', 0), {
    partitionIndex: 0,
    committedOffset: 100,
    committedLeaderEpoch: 3,
    metadata: 'm100',
    errorCode: 0,
  });
  t.equal(committed(h2, 'g', 't1', 1).committedOffset, 200);
  t.equal(committed(h2, 'simple', 't2', 1).committedOffset, 7);
  t.equal(h2.coordinator.groupState('deleted'), undefined, 'deleted groups stay deleted');
  t.equal(committed(h2, 'deleted', 't2', 0).committedOffset, -1);
  t.equal(h2.coordinator.groupState('g'), 'Stable', 'the group comes back stable with its members');
  t.equal(
    h2.coordinator.heartbeat({
      groupId: 'g',
      generationId: a.generationId,
      memberId: a.memberId,
      groupInstanceId: null,
    }),
    E.NONE,
    'members carry on with their generation',
  );
  const s = sync(h2, 'g', a);
  await flush();
  t.same(s.value?.assignment, syncs[0]!.assignment, 'assignments were stored');
  // Members that do not come back expire as usual.
  for (let i = 0; i < 3; i++) {
    h2.coordinator.heartbeat({
      groupId: 'g',
      generationId: a.generationId,
      memberId: a.memberId,
      groupInstanceId: null,
    });
    h2.clock.advance(SESSION_MS / 2);
  }
  t.notOk(h2.coordinator.inspect('g')?.members.has(joins[1]!.memberId));
});

t.test('every record in the log is one of ours and keyed for compaction', async (t) => {
  const logs = new MemoryGroupLogs();
  const h = await setup({ logs });
  await h.coordinator.commitOffsets(commitArgs('k', [['t1', 0, 1]]));
  await h.coordinator.commitOffsets(commitArgs('k', [['t1', 0, 2]]));
  await stableGroup(h, 'g', 1);
  const p = h.coordinator.partitionFor('k');
  const compacted = logs.log(p).compacted();
  const offsetsOfK = compacted
    .map((r) => decodeRecord(r))
    .filter((r) => r.kind === 'offset' && r.groupId === 'k');
  t.equal(offsetsOfK.length, 1, 'compaction keeps one record per group/topic/partition');
  t.match(offsetsOfK[0], { kind: 'offset', topic: 't1', partition: 0, value: { offset: 2 } });
  const all = [...logs.logs.values()].flatMap((l) => l.records.map((r) => decodeRecord(r)));
  t.ok(
    all.some((r) => r.kind === 'group' && r.groupId === 'g' && r.value?.members.length === 1),
    'the group record',
  );
});

t.test('a failed append answers COORDINATOR_NOT_AVAILABLE and changes nothing', async (t) => {
  const logs = new MemoryGroupLogs();
  const h = await setup({ logs });
  await h.coordinator.commitOffsets(commitArgs('f', [['t1', 0, 1]]));
  logs.log(h.coordinator.partitionFor('f')).failWith = new Error('disk full');
  const r = await h.coordinator.commitOffsets(commitArgs('f', [['t1', 0, 2]]));
  t.same(codes(r), [E.COORDINATOR_NOT_AVAILABLE]);
  t.equal(committed(h, 'f', 't1', 0).committedOffset, 1);
  logs.log(h.coordinator.partitionFor('f')).failWith = null;
  t.same(codes(await h.coordinator.commitOffsets(commitArgs('f', [['t1', 0, 3]]))), [E.NONE]);
});

t.test('a failed assignment append fails the sync and rebalances', async (t) => {
  const logs = new MemoryGroupLogs();
  const h = await setup({ logs });
  logs.log(h.coordinator.partitionFor('g')).failWith = new Error('io');
  const j = join(h, 'g');
  for (let i = 0; i < 3; i++) {
    h.clock.advance(100);
    await flush();
  }
  const s = sync(h, 'g', j.value!, [{ memberId: j.value!.memberId, assignment: Buffer.from('x') }]);
  await flush();
  t.equal(s.value?.errorCode, E.COORDINATOR_NOT_AVAILABLE);
  t.equal(h.coordinator.groupState('g'), 'PreparingRebalance');
});

t.test('OffsetDelete', async (t) => {
  const h = await setup();
  t.same(await h.coordinator.deleteOffsets('none', [{ name: 't1', partitions: [0] }]), {
    errorCode: E.GROUP_ID_NOT_FOUND,
    topics: [],
  });
  await h.coordinator.commitOffsets(
    commitArgs('s', [
      ['t1', 0, 1],
      ['t2', 0, 1],
    ]),
  );
  const r = await h.coordinator.deleteOffsets('s', [
    { name: 't1', partitions: [0, 42] },
    { name: 'ghost', partitions: [0] },
  ]);
  t.equal(r.errorCode, E.NONE);
  t.same(
    r.topics.map((x) => x.partitions.map((p) => p.errorCode)),
    [[E.NONE, E.UNKNOWN_TOPIC_OR_PARTITION], [E.UNKNOWN_TOPIC_OR_PARTITION]],
  );
  t.equal(committed(h, 's', 't1', 0).committedOffset, -1);
  t.equal(committed(h, 's', 't2', 0).committedOffset, 1);

  // A stable consumer group subscribed to t1 (the harness subscription): t1 refused, t2 fine.
  const { joins } = await stableGroup(h, 'g', 1);
  await h.coordinator.commitOffsets(
    commitArgs(
      'g',
      [
        ['t1', 0, 1],
        ['t2', 0, 1],
      ],
      { generationId: joins[0]!.generationId, memberId: joins[0]!.memberId },
    ),
  );
  const g = await h.coordinator.deleteOffsets('g', [
    { name: 't1', partitions: [0] },
    { name: 't2', partitions: [0] },
  ]);
  t.same(
    g.topics.map((x) => x.partitions.map((p) => p.errorCode)),
    [[E.GROUP_SUBSCRIBED_TO_TOPIC], [E.NONE]],
  );
  t.equal(committed(h, 'g', 't1', 0).committedOffset, 1);
  t.equal(committed(h, 'g', 't2', 0).committedOffset, -1);

  // A non-consumer group with members: NON_EMPTY_GROUP.
  await stableGroup(h, 'connect', 1, () => ({ protocolType: 'connect' }));
  t.equal(
    (await h.coordinator.deleteOffsets('connect', [{ name: 't1', partitions: [0] }])).errorCode,
    E.NON_EMPTY_GROUP,
  );
});

t.test('DeleteGroups', async (t) => {
  const h = await setup();
  await stableGroup(h, 'busy', 1);
  await h.coordinator.commitOffsets(commitArgs('idle', [['t1', 0, 1]]));
  const r = await h.coordinator.deleteGroups(['busy', 'idle', 'ghost', '']);
  t.same(r, [
    { groupId: 'busy', errorCode: E.NON_EMPTY_GROUP },
    { groupId: 'idle', errorCode: E.NONE },
    { groupId: 'ghost', errorCode: E.GROUP_ID_NOT_FOUND },
    { groupId: '', errorCode: E.GROUP_ID_NOT_FOUND },
  ]);
  t.equal(h.coordinator.groupState('idle'), undefined);
  t.equal(committed(h, 'idle', 't1', 0).committedOffset, -1);
});

t.test(
  'offsets of empty groups expire after offsets.retention; active consumer groups keep theirs',
  async (t) => {
    const retention = 7 * DAY_MS;
    const h = await setup({
      config: { offsetsRetentionMs: retention, offsetsRetentionCheckIntervalMs: 60_000 },
    });
    await h.coordinator.commitOffsets(commitArgs('simple', [['t1', 0, 1]]));

    // A consumer group that empties: its offsets expire `retention` after it became empty.
    const { joins } = await stableGroup(h, 'emptied', 1);
    await h.coordinator.commitOffsets(
      commitArgs(
        'emptied',
        [
          ['t1', 0, 5],
          ['t2', 0, 5],
        ],
        { generationId: joins[0]!.generationId, memberId: joins[0]!.memberId },
      ),
    );
    h.coordinator.leaveGroup({
      groupId: 'emptied',
      members: [{ memberId: joins[0]!.memberId, groupInstanceId: null }],
    });
    await flush();
    t.equal(h.coordinator.groupState('emptied'), 'Empty');

    h.clock.advance(retention - 120_000);
    await flush();
    t.equal(committed(h, 'simple', 't1', 0).committedOffset, 1, 'not yet');
    t.equal(committed(h, 'emptied', 't1', 0).committedOffset, 5, 'not yet');
    h.clock.advance(180_000);
    await flush();
    t.equal(committed(h, 'simple', 't1', 0).committedOffset, -1, 'standalone offsets expire by commit time');
    t.equal(committed(h, 'emptied', 't1', 0).committedOffset, -1, 'empty group offsets expire');
    t.equal(h.coordinator.groupState('emptied'), undefined, 'and the empty group is gone');
    t.equal(h.coordinator.groupState('simple'), undefined);
  },
);

t.test('a stable consumer group keeps offsets of subscribed topics, loses unsubscribed ones', async (t) => {
  const retention = DAY_MS;
  const h = await setup({
    config: { offsetsRetentionMs: retention, offsetsRetentionCheckIntervalMs: 60_000 },
  });
  const { joins } = await stableGroup(h, 'g', 1, () => ({ sessionTimeoutMs: 60_000 }));
  const a = joins[0]!;
  await h.coordinator.commitOffsets(
    commitArgs(
      'g',
      [
        ['t1', 0, 5],
        ['t2', 0, 5],
      ],
      { generationId: a.generationId, memberId: a.memberId },
    ),
  );
  for (let elapsed = 0; elapsed <= retention + 120_000; elapsed += 30_000) {
    h.coordinator.heartbeat({
      groupId: 'g',
      generationId: a.generationId,
      memberId: a.memberId,
      groupInstanceId: null,
    });
    h.clock.advance(30_000);
  }
  await flush();
  t.equal(h.coordinator.groupState('g'), 'Stable');
  t.equal(committed(h, 'g', 't1', 0).committedOffset, 5, 'subscribed: kept');
  t.equal(committed(h, 'g', 't2', 0).committedOffset, -1, 'not subscribed: expired');
});

t.test('OffsetCommit v2-4 retention time overrides the broker rule', async (t) => {
  const h = await setup({
    config: { offsetsRetentionMs: 10 * DAY_MS, offsetsRetentionCheckIntervalMs: 1000 },
  });
  await h.coordinator.commitOffsets(commitArgs('r', [['t1', 0, 1]], { retentionTimeMs: 5000 }));
  h.clock.advance(4000);
  t.equal(committed(h, 'r', 't1', 0).committedOffset, 1);
  h.clock.advance(2000);
  t.equal(committed(h, 'r', 't1', 0).committedOffset, -1);
});

t.test(
  'loading: requests during the load get COORDINATOR_LOAD_IN_PROGRESS (or Kafka special cases)',
  async (t) => {
    const { GroupCoordinator } = await import('../../../broker/group/coordinator.js');
    const { ManualClock } = await import('../../../broker/group/clock.js');
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const slowLog = {
      append() {},
      async *load() {
        await gate;
        yield* [];
      },
    };
    const c = new GroupCoordinator({
      config: { offsetsTopicPartitions: 1 },
      clock: new ManualClock(),
      logFor: () => slowLog,
      topicExists: () => true,
    });
    const started = c.start();
    await flush();
    t.equal(c.fetchOffsets('g', null).errorCode, E.COORDINATOR_LOAD_IN_PROGRESS);
    t.equal(c.heartbeat({ groupId: 'g', generationId: 1, memberId: 'm', groupInstanceId: null }), E.NONE);
    const s = await c.syncGroup({
      groupId: 'g',
      generationId: 1,
      memberId: 'm',
      groupInstanceId: null,
      protocolType: null,
      protocolName: null,
      assignments: [],
    });
    t.equal(s.errorCode, E.REBALANCE_IN_PROGRESS);
    release();
    await started;
    t.equal(c.fetchOffsets('g', null).errorCode, E.NONE);
    await c.close();
  },
);
