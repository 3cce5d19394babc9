import t from 'tap';
import { ErrorCode as E } from '../../../protocol/error-codes.js';
import {
  completeInitialRebalance,
  flush,
  INITIAL_DELAY_MS,
  join,
  REBALANCE_MS,
  SESSION_MS,
  setup,
  stableGroup,
  subscription,
  sync,
} from './fixtures/harness.js';

t.test('one member: join, wait the initial delay, become leader, sync its own assignment', async (t) => {
  const h = await setup();
  const j = join(h, 'g');
  await flush();
  t.equal(j.done, false, 'the initial rebalance waits its delay out');
  t.equal(h.coordinator.groupState('g'), 'PreparingRebalance');
  h.clock.advance(INITIAL_DELAY_MS);
  await flush();
  const r = j.value!;
  t.equal(r.errorCode, E.NONE);
  t.equal(r.generationId, 1);
  t.equal(r.leader, r.memberId);
  t.match(r.memberId, /^client-uuid\d+$/, 'member id is clientId-uuid');
  t.equal(r.protocolName, 'range');
  t.equal(r.protocolType, 'consumer');
  t.same(
    r.members.map((m) => m.memberId),
    [r.memberId],
  );
  t.equal(h.coordinator.groupState('g'), 'CompletingRebalance');
  const s = sync(h, 'g', r, [{ memberId: r.memberId, assignment: Buffer.from('mine') }]);
  await flush();
  t.equal(s.value?.errorCode, E.NONE);
  t.equal(s.value?.assignment.toString(), 'mine');
  t.equal(h.coordinator.groupState('g'), 'Stable');
  t.equal(
    h.coordinator.heartbeat({ groupId: 'g', generationId: 1, memberId: r.memberId, groupInstanceId: null }),
    E.NONE,
  );
});

t.test('MEMBER_ID_REQUIRED round trip (JoinGroup v4+)', async (t) => {
  const h = await setup();
  const first = join(h, 'g', { requireKnownMemberId: true });
  await flush();
  t.equal(first.value?.errorCode, E.MEMBER_ID_REQUIRED);
  const memberId = first.value!.memberId;
  t.match(memberId, /^client-/);
  t.equal(h.coordinator.inspect('g')?.pendingJoinMembers.has(memberId), true);
  const second = join(h, 'g', { requireKnownMemberId: true, memberId });
  h.clock.advance(INITIAL_DELAY_MS);
  await flush();
  t.equal(second.value?.errorCode, E.NONE);
  t.equal(second.value?.memberId, memberId);
  t.equal(second.value?.leader, memberId);
});

t.test('a pending member that never comes back expires after the session timeout', async (t) => {
  const h = await setup();
  const first = join(h, 'g', { requireKnownMemberId: true });
  await flush();
  const memberId = first.value!.memberId;
  h.clock.advance(SESSION_MS);
  t.equal(h.coordinator.inspect('g')?.pendingJoinMembers.has(memberId), false);
});

t.test('three members: leader gets the member list, followers wait for the leader assignment', async (t) => {
  const h = await setup();
  const js = [0, 1, 2].map((i) => join(h, 'g', { clientId: `c${i}` }));
  await completeInitialRebalance(h, js);
  const rs = js.map((j) => j.value!);
  const gens = new Set(rs.map((r) => r.generationId));
  t.same([...gens], [1], 'one generation');
  const leaders = new Set(rs.map((r) => r.leader));
  t.equal(leaders.size, 1, 'one leader');
  const leader = rs.find((r) => r.memberId === r.leader)!;
  t.equal(leader.members.length, 3, 'the leader sees every member');
  for (const r of rs) if (r !== leader) t.equal(r.members.length, 0, 'followers see no members');

  const followers = rs.filter((r) => r !== leader).map((r) => sync(h, 'g', r));
  await flush();
  t.ok(
    followers.every((f) => !f.done),
    'followers wait',
  );
  t.equal(
    h.coordinator.heartbeat({
      groupId: 'g',
      generationId: 1,
      memberId: rs[0]!.memberId,
      groupInstanceId: null,
    }),
    E.NONE,
    'heartbeat while completing the rebalance is fine',
  );
  const assignments = rs.map((r) => ({ memberId: r.memberId, assignment: Buffer.from(`for ${r.memberId}`) }));
  const ls = sync(h, 'g', leader, assignments);
  await flush();
  t.equal(ls.value?.assignment.toString(), `for ${leader.memberId}`);
  for (const [i, f] of followers.entries()) {
    const r = rs.filter((x) => x !== leader)[i]!;
    t.equal(f.value?.errorCode, E.NONE);
    t.equal(f.value?.assignment.toString(), `for ${r.memberId}`, 'each follower gets its own assignment');
  }
  t.equal(h.coordinator.groupState('g'), 'Stable');
});

t.test('members missing from the leader assignment get an empty one', async (t) => {
  const h = await setup();
  const js = [0, 1].map((i) => join(h, 'g', { clientId: `c${i}` }));
  await completeInitialRebalance(h, js);
  const rs = js.map((j) => j.value!);
  const leader = rs.find((r) => r.memberId === r.leader)!;
  const follower = rs.find((r) => r !== leader)!;
  const fs = sync(h, 'g', follower);
  sync(h, 'g', leader, [
    { memberId: leader.memberId, assignment: Buffer.from('x') },
    { memberId: 'not-a-member', assignment: Buffer.from('y') },
  ]);
  await flush();
  t.equal(fs.value?.errorCode, E.NONE);
  t.equal(fs.value?.assignment.length, 0);
});

t.test('the initial delay grows while members keep arriving, bounded by the rebalance timeout', async (t) => {
  const h = await setup({ config: { initialRebalanceDelayMs: 1000 } });
  const a = join(h, 'g', { rebalanceTimeoutMs: 2500 });
  h.clock.advance(900);
  const b = join(h, 'g');
  h.clock.advance(200); // first delay over, but b arrived: wait again
  await flush();
  t.equal(a.done, false);
  h.clock.advance(1000);
  await flush();
  t.equal(a.value?.errorCode, E.NONE);
  t.equal(b.value?.errorCode, E.NONE);
  t.equal(a.value?.generationId, 1);

  // Members arriving forever: the rebalance timeout still ends the wait.
  const h2 = await setup({ config: { initialRebalanceDelayMs: 1000 } });
  const first = join(h2, 'g', { rebalanceTimeoutMs: 2500 });
  let elapsed = 0;
  while (!first.done && elapsed < 10_000) {
    join(h2, 'g');
    h2.clock.advance(500);
    elapsed += 500;
    await flush();
  }
  t.ok(first.done, 'completed');
  t.ok(elapsed <= 3500, `within the rebalance timeout plus one delay (took ${elapsed} ms)`);
});

t.test('protocol selection: a protocol every member supports, by votes', async (t) => {
  const h = await setup();
  const p = (names: string[]) => names.map((name) => ({ name, metadata: Buffer.from(name) }));
  const js = [
    join(h, 'g', { protocols: p(['range', 'roundrobin', 'sticky']) }),
    join(h, 'g', { protocols: p(['roundrobin', 'range']) }),
    join(h, 'g', { protocols: p(['roundrobin', 'range', 'sticky']) }),
  ];
  await completeInitialRebalance(h, js);
  for (const j of js) t.equal(j.value?.protocolName, 'roundrobin');
  const leader = js.map((j) => j.value!).find((r) => r.leader === r.memberId)!;
  t.same(
    leader.members.map((m) => m.metadata.toString()),
    ['roundrobin', 'roundrobin', 'roundrobin'],
    'the leader gets each member metadata for the chosen protocol',
  );

  const none = join(h, 'g', { protocols: p(['cooperative-sticky']) });
  await flush();
  t.equal(none.value?.errorCode, E.INCONSISTENT_GROUP_PROTOCOL, 'no common protocol');
  const otherType = join(h, 'g', { protocolType: 'connect', protocols: p(['range']) });
  await flush();
  t.equal(otherType.value?.errorCode, E.INCONSISTENT_GROUP_PROTOCOL, 'another protocol type');
  const empty = join(h, 'g2', { protocols: [] });
  await flush();
  t.equal(empty.value?.errorCode, E.INCONSISTENT_GROUP_PROTOCOL, 'no protocols at all');
});

t.test('a new member in a stable group starts a rebalance; stale generations are refused', async (t) => {
  const h = await setup();
  const { joins } = await stableGroup(h, 'g', 2);
  const [a, b] = joins as [(typeof joins)[0], (typeof joins)[0]];
  const c = join(h, 'g', { clientId: 'c9' });
  await flush();
  t.equal(h.coordinator.groupState('g'), 'PreparingRebalance');
  const hb = (r: typeof a) =>
    h.coordinator.heartbeat({
      groupId: 'g',
      generationId: r.generationId,
      memberId: r.memberId,
      groupInstanceId: null,
    });
  t.equal(hb(a), E.REBALANCE_IN_PROGRESS, 'heartbeat during the rebalance');
  const earlySync = sync(h, 'g', a);
  await flush();
  t.equal(earlySync.value?.errorCode, E.REBALANCE_IN_PROGRESS, 'sync during PreparingRebalance');

  const ra = join(h, 'g', { memberId: a.memberId, clientId: 'c0' });
  const rb = join(h, 'g', { memberId: b.memberId, clientId: 'c1' });
  await flush();
  t.ok(ra.done && rb.done && c.done, 'all rejoined: no need to wait for the timeout');
  t.equal(ra.value?.generationId, 2);
  t.equal(hb(a), E.ILLEGAL_GENERATION, 'heartbeat with the old generation');
  const stale = sync(h, 'g', a);
  await flush();
  t.equal(stale.value?.errorCode, E.ILLEGAL_GENERATION, 'sync with the old generation');
});

t.test('sync and heartbeat from strangers: UNKNOWN_MEMBER_ID', async (t) => {
  const h = await setup();
  const s = track2(
    h.coordinator.syncGroup({
      groupId: 'nope',
      generationId: 1,
      memberId: 'm',
      groupInstanceId: null,
      protocolType: null,
      protocolName: null,
      assignments: [],
    }),
  );
  await flush();
  t.equal(s.value?.errorCode, E.UNKNOWN_MEMBER_ID, 'sync before join (no group)');
  await stableGroup(h, 'g', 1);
  const s2 = track2(
    h.coordinator.syncGroup({
      groupId: 'g',
      generationId: 1,
      memberId: 'stranger',
      groupInstanceId: null,
      protocolType: null,
      protocolName: null,
      assignments: [],
    }),
  );
  await flush();
  t.equal(s2.value?.errorCode, E.UNKNOWN_MEMBER_ID, 'sync before join (group exists)');
  t.equal(
    h.coordinator.heartbeat({ groupId: 'g', generationId: 1, memberId: 'stranger', groupInstanceId: null }),
    E.UNKNOWN_MEMBER_ID,
  );
  t.equal(
    h.coordinator.heartbeat({ groupId: 'nope', generationId: 1, memberId: 'x', groupInstanceId: null }),
    E.UNKNOWN_MEMBER_ID,
  );
  const known = join(h, 'nope2', { memberId: 'someone' });
  await flush();
  t.equal(
    known.value?.errorCode,
    E.UNKNOWN_MEMBER_ID,
    'join with a member id into a group that does not exist',
  );
  t.equal(h.coordinator.groupState('g'), 'Stable', 'the group is not disturbed');
});

function track2<T>(p: Promise<T>): { value: T | undefined } {
  const o: { value: T | undefined } = { value: undefined };
  void p.then((v) => {
    o.value = v;
  });
  return o;
}

t.test('SyncGroup v5 protocol checks', async (t) => {
  const h = await setup();
  const { joins } = await stableGroup(h, 'g', 1);
  const r = joins[0]!;
  const s = track2(
    h.coordinator.syncGroup({
      groupId: 'g',
      generationId: r.generationId,
      memberId: r.memberId,
      groupInstanceId: null,
      protocolType: 'consumer',
      protocolName: 'roundrobin',
      assignments: [],
    }),
  );
  await flush();
  t.equal(s.value?.errorCode, E.INCONSISTENT_GROUP_PROTOCOL);
});

t.test('session timeout evicts a silent member and the rest rebalance without it', async (t) => {
  const h = await setup();
  const { joins } = await stableGroup(h, 'g', 2);
  const [a, b] = joins as [(typeof joins)[0], (typeof joins)[0]];
  const hbA = () =>
    h.coordinator.heartbeat({
      groupId: 'g',
      generationId: a.generationId,
      memberId: a.memberId,
      groupInstanceId: null,
    });
  h.clock.advance(SESSION_MS / 2);
  t.equal(hbA(), E.NONE);
  h.clock.advance(SESSION_MS / 2);
  t.notOk(h.coordinator.inspect('g')?.members.has(b.memberId), 'b, silent for a session, is evicted');
  t.ok(h.coordinator.inspect('g')?.members.has(a.memberId), 'a, who heartbeat, is still in');
  t.equal(hbA(), E.REBALANCE_IN_PROGRESS, 'a learns of the rebalance from its heartbeat');
  const ra = join(h, 'g', { memberId: a.memberId, clientId: 'c0' });
  await flush();
  t.equal(ra.value?.generationId, 2, 'the rest rebalance at once');
  t.same(
    ra.value?.members.map((m) => m.memberId),
    [a.memberId],
  );
  t.equal(
    h.coordinator.heartbeat({ groupId: 'g', generationId: 1, memberId: b.memberId, groupInstanceId: null }),
    E.UNKNOWN_MEMBER_ID,
    'the evicted member is unknown',
  );
});

t.test('rebalance timeout: members that do not rejoin are removed', async (t) => {
  const h = await setup();
  const { joins } = await stableGroup(h, 'g', 3);
  const [a, b, c] = joins as [(typeof joins)[0], (typeof joins)[0], (typeof joins)[0]];
  const ra = join(h, 'g', { memberId: a.memberId, clientId: 'c0' }); // a rejoins: rebalance
  await flush();
  t.equal(h.coordinator.groupState('g'), 'PreparingRebalance');
  const keepAlive = (r: typeof a) =>
    h.coordinator.heartbeat({
      groupId: 'g',
      generationId: r.generationId,
      memberId: r.memberId,
      groupInstanceId: null,
    });
  // b rejoins late, c keeps heartbeating but never rejoins.
  h.clock.advance(SESSION_MS / 2);
  t.equal(keepAlive(c), E.REBALANCE_IN_PROGRESS);
  const rb = join(h, 'g', { memberId: b.memberId, clientId: 'c1' });
  for (let elapsed = SESSION_MS / 2; elapsed < REBALANCE_MS; elapsed += SESSION_MS / 2) {
    await flush();
    t.equal(ra.done, false, 'waiting for c');
    keepAlive(c);
    h.clock.advance(SESSION_MS / 2);
  }
  await flush();
  t.equal(ra.value?.errorCode, E.NONE);
  t.equal(rb.value?.errorCode, E.NONE);
  t.equal(ra.value?.generationId, 2);
  t.notOk(h.coordinator.inspect('g')?.members.has(c.memberId), 'c removed');
  t.equal(keepAlive(c), E.UNKNOWN_MEMBER_ID);
  const leader = [ra.value!, rb.value!].find((r) => r.leader === r.memberId)!;
  t.equal(leader.members.length, 2);
});

t.test('a member that never sends SyncGroup is removed after the rebalance timeout', async (t) => {
  const h = await setup();
  const js = [0, 1].map((i) => join(h, 'g', { clientId: `c${i}` }));
  await completeInitialRebalance(h, js);
  const rs = js.map((j) => j.value!);
  const leader = rs.find((r) => r.leader === r.memberId)!;
  const follower = rs.find((r) => r !== leader)!;
  const ls = sync(h, 'g', leader, [{ memberId: leader.memberId, assignment: Buffer.from('l') }]);
  await flush();
  t.equal(ls.value?.errorCode, E.NONE);
  t.equal(h.coordinator.groupState('g'), 'Stable');
  for (let elapsed = 0; elapsed < REBALANCE_MS; elapsed += SESSION_MS / 2) {
    // Both stay alive; the follower just never syncs.
    for (const r of [leader, follower]) {
      h.coordinator.heartbeat({ groupId: 'g', generationId: 1, memberId: r.memberId, groupInstanceId: null });
    }
    h.clock.advance(SESSION_MS / 2);
  }
  t.notOk(h.coordinator.inspect('g')?.members.has(follower.memberId), 'follower removed');
  t.equal(h.coordinator.groupState('g'), 'PreparingRebalance');
});

t.test('LeaveGroup: batched members, unknown ones, and the rebalance it starts', async (t) => {
  const h = await setup();
  const { joins } = await stableGroup(h, 'g', 3);
  const r = h.coordinator.leaveGroup({
    groupId: 'g',
    members: [
      { memberId: joins[0]!.memberId, groupInstanceId: null },
      { memberId: 'ghost', groupInstanceId: null },
      { memberId: joins[1]!.memberId, groupInstanceId: null },
    ],
  });
  t.equal(r.errorCode, E.NONE);
  t.same(
    r.members.map((m) => m.errorCode),
    [E.NONE, E.UNKNOWN_MEMBER_ID, E.NONE],
  );
  t.equal(h.coordinator.groupState('g'), 'PreparingRebalance');
  const rc = join(h, 'g', { memberId: joins[2]!.memberId, clientId: 'c2' });
  await flush();
  t.equal(rc.value?.generationId, 2);
  t.equal(rc.value?.members.length, 1);
  const unknownGroup = h.coordinator.leaveGroup({
    groupId: 'zzz',
    members: [{ memberId: 'm', groupInstanceId: null }],
  });
  t.same(
    unknownGroup.members.map((m) => m.errorCode),
    [E.UNKNOWN_MEMBER_ID],
  );
  // The last member leaving empties the group.
  h.coordinator.leaveGroup({
    groupId: 'g',
    members: [{ memberId: joins[2]!.memberId, groupInstanceId: null }],
  });
  h.clock.advance(REBALANCE_MS);
  await flush();
  t.equal(h.coordinator.groupState('g'), 'Empty');
});

t.test('a member leaving while others wait in SyncGroup makes them rejoin', async (t) => {
  const h = await setup();
  const js = [0, 1, 2].map((i) => join(h, 'g', { clientId: `c${i}` }));
  await completeInitialRebalance(h, js);
  const rs = js.map((j) => j.value!);
  const leader = rs.find((r) => r.leader === r.memberId)!;
  const [f1, f2] = rs.filter((r) => r !== leader) as [(typeof rs)[0], (typeof rs)[0]];
  const s1 = sync(h, 'g', f1);
  const s2 = sync(h, 'g', f2);
  await flush();
  h.coordinator.leaveGroup({ groupId: 'g', members: [{ memberId: f2.memberId, groupInstanceId: null }] });
  await flush();
  t.equal(s1.value?.errorCode, E.REBALANCE_IN_PROGRESS, 'the waiting follower is told to rejoin');
  t.equal(s2.value?.errorCode, E.UNKNOWN_MEMBER_ID, 'the leaver is answered too (never left hanging)');
});

t.test('bad JoinGroup input: session timeout, group id, huge metadata, too many protocols', async (t) => {
  const h = await setup({ config: { memberMetadataBytesMax: 1000, memberProtocolsMax: 3 } });
  const bad = [
    join(h, 'g', { sessionTimeoutMs: 10 }),
    join(h, 'g', { sessionTimeoutMs: 10_000_000 }),
    join(h, ''),
    join(h, 'g', { protocols: [{ name: 'range', metadata: Buffer.alloc(1001) }] }),
    join(h, 'g', {
      protocols: ['a', 'b', 'c', 'd'].map((name) => ({ name, metadata: Buffer.alloc(1) })),
    }),
  ];
  await flush();
  t.same(
    bad.map((b) => b.value?.errorCode),
    [
      E.INVALID_SESSION_TIMEOUT,
      E.INVALID_SESSION_TIMEOUT,
      E.INVALID_GROUP_ID,
      E.INVALID_REQUEST,
      E.INVALID_REQUEST,
    ],
  );
  t.equal(h.coordinator.groupState('g'), undefined, 'no group was created by refused joins');
  // The group still works.
  const { syncs } = await stableGroup(h, 'g', 2, () => ({
    protocols: [{ name: 'range', metadata: subscription(['t1']) }],
  }));
  t.ok(syncs.every((s) => s.errorCode === E.NONE));
  // A huge rejoin of a member does not wedge the group either.
  const st = h.coordinator.inspect('g')!;
  const memberId = [...st.members.keys()][0]!;
  const huge = join(h, 'g', { memberId, protocols: [{ name: 'range', metadata: Buffer.alloc(5000) }] });
  await flush();
  t.equal(huge.value?.errorCode, E.INVALID_REQUEST);
  t.equal(h.coordinator.groupState('g'), 'Stable');
});

t.test('group.max.size: members beyond it get GROUP_MAX_SIZE_REACHED', async (t) => {
  const h = await setup({ config: { groupMembersMax: 2 } });
  await stableGroup(h, 'g', 2);
  const third = join(h, 'g', { clientId: 'c3' });
  await flush();
  t.equal(third.value?.errorCode, E.GROUP_MAX_SIZE_REACHED);
  t.equal(h.coordinator.groupState('g'), 'Stable', 'the group is untouched');

  const h2 = await setup({ config: { groupMembersMax: 2 } });
  const js = [0, 1, 2].map((i) => join(h2, 'g', { clientId: `c${i}` }));
  await flush();
  t.equal(js[2]!.value?.errorCode, E.GROUP_MAX_SIZE_REACHED, 'while preparing the rebalance too');
  await completeInitialRebalance(h2, js.slice(0, 2));
  t.equal(js[0]!.value?.errorCode, E.NONE);
});

t.test('groupsMax bounds the number of groups', async (t) => {
  const h = await setup({ config: { groupsMax: 2 } });
  join(h, 'a');
  join(h, 'b');
  const c = join(h, 'c');
  await flush();
  t.equal(c.value?.errorCode, E.COORDINATOR_NOT_AVAILABLE);
  t.equal(h.coordinator.groupCount, 2);
});

t.test('an assignment over the bound fails the sync for everyone and rebalances', async (t) => {
  const h = await setup({ config: { memberAssignmentBytesMax: 10 } });
  const js = [0, 1].map((i) => join(h, 'g', { clientId: `c${i}` }));
  await completeInitialRebalance(h, js);
  const rs = js.map((j) => j.value!);
  const leader = rs.find((r) => r.leader === r.memberId)!;
  const follower = rs.find((r) => r !== leader)!;
  const fs = sync(h, 'g', follower);
  const ls = sync(h, 'g', leader, [{ memberId: follower.memberId, assignment: Buffer.alloc(11) }]);
  await flush();
  t.equal(ls.value?.errorCode, E.UNKNOWN_SERVER_ERROR);
  t.equal(fs.value?.errorCode, E.UNKNOWN_SERVER_ERROR);
  t.equal(h.coordinator.groupState('g'), 'PreparingRebalance');
});

t.test('a duplicate JoinGroup answers the earlier one instead of dropping it', async (t) => {
  const h = await setup();
  const { joins } = await stableGroup(h, 'g', 2);
  const a = joins[0]!;
  const first = join(h, 'g', { memberId: a.memberId, clientId: 'c0' });
  const second = join(h, 'g', { memberId: a.memberId, clientId: 'c0' });
  await flush();
  t.equal(first.value?.errorCode, E.REBALANCE_IN_PROGRESS);
  t.equal(second.done, false);
});

t.test('close() answers every waiting request', async (t) => {
  const h = await setup();
  const j = join(h, 'g');
  await flush();
  await h.coordinator.close();
  await flush();
  t.equal(j.value?.errorCode, E.NOT_COORDINATOR);
  t.equal(h.clock.pendingTimers, 0, 'no timers left');
  const after = join(h, 'g');
  await flush();
  t.equal(after.value?.errorCode, E.COORDINATOR_NOT_AVAILABLE);
});
