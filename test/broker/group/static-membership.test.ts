import t from 'tap';
import { ErrorCode as E } from '../../../protocol/error-codes.js';
import {
  flush,
  join,
  REBALANCE_MS,
  SESSION_MS,
  setup,
  stableGroup,
  subscription,
  sync,
} from './fixtures/harness.js';

const staticArgs = (i: number) => ({ groupInstanceId: `instance-${i}`, clientId: `c${i}` });

t.test(
  'a static member restarting with the same protocols keeps its assignment without a rebalance',
  async (t) => {
    const h = await setup();
    const { joins, syncs } = await stableGroup(h, 'g', 3, staticArgs);
    const leaderId = joins[0]!.leader;
    const restarting = joins.find((j) => j.memberId !== leaderId)!;
    const idx = joins.indexOf(restarting);
    t.match(restarting.memberId, /^instance-\d-uuid\d+$/, 'static member ids start with the instance id');
    const before = h.coordinator.inspect('g')!.generationId;

    const rejoin = join(h, 'g', { ...staticArgs(idx) });
    await flush();
    const r = rejoin.value!;
    t.equal(r.errorCode, E.NONE);
    t.not(r.memberId, restarting.memberId, 'a new member id');
    t.equal(r.generationId, before, 'same generation: no rebalance');
    t.equal(h.coordinator.groupState('g'), 'Stable');
    t.equal(r.leader, leaderId, 'the old leader id is returned');
    t.same(r.members, []);

    const s = sync(h, 'g', r, [], `instance-${idx}`);
    await flush();
    t.equal(s.value?.errorCode, E.NONE);
    t.same(s.value?.assignment, syncs[idx]!.assignment, 'the same assignment as before the restart');

    // The old incarnation is fenced.
    t.equal(
      h.coordinator.heartbeat({
        groupId: 'g',
        generationId: before,
        memberId: restarting.memberId,
        groupInstanceId: `instance-${idx}`,
      }),
      E.FENCED_INSTANCE_ID,
    );
    const oldSync = sync(h, 'g', restarting, [], `instance-${idx}`);
    const oldJoin = join(h, 'g', { ...staticArgs(idx), memberId: restarting.memberId });
    await flush();
    t.equal(oldSync.value?.errorCode, E.FENCED_INSTANCE_ID);
    t.equal(oldJoin.value?.errorCode, E.FENCED_INSTANCE_ID);
    const commit = await h.coordinator.commitOffsets({
      groupId: 'g',
      generationId: before,
      memberId: restarting.memberId,
      groupInstanceId: `instance-${idx}`,
      retentionTimeMs: -1,
      topics: [
        {
          name: 't1',
          partitions: [
            { partitionIndex: 0, committedOffset: 1, committedLeaderEpoch: -1, committedMetadata: null },
          ],
        },
      ],
    });
    t.equal(commit[0]!.partitions[0]!.errorCode, E.FENCED_INSTANCE_ID);
    t.equal(h.coordinator.groupState('g'), 'Stable', 'still no rebalance');
  },
);

t.test('a static leader restarting is not told it leads (no pointless assignment)', async (t) => {
  const h = await setup();
  const { joins } = await stableGroup(h, 'g', 2, staticArgs);
  const leaderIdx = joins.findIndex((j) => j.memberId === j.leader);
  const r = join(h, 'g', staticArgs(leaderIdx));
  await flush();
  t.equal(r.value?.errorCode, E.NONE);
  t.equal(r.value?.leader, joins[leaderIdx]!.memberId, 'the old leader id');
  t.not(r.value?.memberId, r.value?.leader);
  t.equal(
    h.coordinator.inspect('g')?.leaderId,
    r.value?.memberId,
    'but the coordinator knows the new id leads',
  );
});

t.test('a static member rejoining with other protocols triggers a rebalance', async (t) => {
  const h = await setup();
  await stableGroup(h, 'g', 1, staticArgs);
  const other = join(h, 'g', {
    ...staticArgs(0),
    protocols: [
      { name: 'roundrobin', metadata: subscription(['t1']) },
      { name: 'range', metadata: subscription(['t1']) },
    ],
  });
  await flush();
  t.equal(h.coordinator.groupState('g'), 'CompletingRebalance', 'rebalanced (all members joined at once)');
  t.equal(other.value?.generationId, 2);
  t.equal(other.value?.protocolName, 'roundrobin');
});

t.test('static members that do not rejoin in time are kept; their session decides', async (t) => {
  const h = await setup();
  const { joins } = await stableGroup(h, 'g', 2, staticArgs);
  const [a, b] = joins as [(typeof joins)[0], (typeof joins)[0]];
  const ra = join(h, 'g', { ...staticArgs(0), memberId: a.memberId });
  await flush();
  t.equal(h.coordinator.groupState('g'), 'PreparingRebalance');
  // b keeps its session alive but does not rejoin within the rebalance timeout.
  for (let elapsed = 0; elapsed < REBALANCE_MS; elapsed += SESSION_MS / 2) {
    h.coordinator.heartbeat({
      groupId: 'g',
      generationId: 1,
      memberId: b.memberId,
      groupInstanceId: 'instance-1',
    });
    h.clock.advance(SESSION_MS / 2);
  }
  await flush();
  t.equal(ra.value?.errorCode, E.NONE);
  t.ok(h.coordinator.inspect('g')?.members.has(b.memberId), 'static b is kept');
  const leader = ra.value!;
  t.equal(leader.members.length, 2, 'and handed to the leader for assignment');
});

t.test('a static member leaving by instance id only (administrative removal)', async (t) => {
  const h = await setup();
  await stableGroup(h, 'g', 2, staticArgs);
  const r = h.coordinator.leaveGroup({
    groupId: 'g',
    members: [
      { memberId: '', groupInstanceId: 'instance-1' },
      { memberId: '', groupInstanceId: 'instance-9' },
    ],
  });
  t.same(
    r.members.map((m) => m.errorCode),
    [E.NONE, E.UNKNOWN_MEMBER_ID],
  );
  t.equal(h.coordinator.inspect('g')?.size, 1);
  t.equal(h.coordinator.groupState('g'), 'PreparingRebalance');
});

t.test('a static member rejoining while the leader assigns forces a new rebalance', async (t) => {
  const h = await setup();
  const js = [0, 1].map((i) => join(h, 'g', staticArgs(i)));
  for (let i = 0; i < 5 && !js.every((j) => j.done); i++) {
    h.clock.advance(100);
    await flush();
  }
  const follower = js.map((j) => j.value!).find((r) => r.leader !== r.memberId)!;
  const idx = js.findIndex((j) => j.value === follower);
  const waiting = sync(h, 'g', follower, [], `instance-${idx}`);
  await flush();
  t.equal(h.coordinator.groupState('g'), 'CompletingRebalance');
  const replaced = join(h, 'g', staticArgs(idx));
  await flush();
  t.equal(
    waiting.value?.errorCode,
    E.FENCED_INSTANCE_ID,
    'the old incarnation waiting in SyncGroup is fenced',
  );
  t.equal(h.coordinator.groupState('g'), 'PreparingRebalance');
  t.equal(replaced.done, false, 'the new incarnation waits for the rebalance');
});
