import t from 'tap';
import {
  createGroupHandlers,
  type GroupRequestContext,
  groupApiHandlers,
} from '../../../broker/group/handlers.js';
import { ErrorCode as E } from '../../../protocol/error-codes.js';
import { flush, setup, subscription } from './fixtures/harness.js';

const ctx = (apiVersion: number): GroupRequestContext => ({
  apiVersion,
  clientId: 'kafkajs',
  clientHost: '/10.0.0.1',
});
const self = () => ({ nodeId: 7, host: 'broker.local', port: 19092 });

async function handlers() {
  const h = await setup({ config: { initialRebalanceDelayMs: 0 } });
  return { h, api: createGroupHandlers(h.coordinator, { self }) };
}

t.test('FindCoordinator: v0 single key, v4 batched keys, transactions unavailable', async (t) => {
  const { api } = await handlers();
  t.match(api.findCoordinator({ key: 'g' }, ctx(0)), {
    errorCode: 0,
    nodeId: 7,
    host: 'broker.local',
    port: 19092,
  });
  t.match(api.findCoordinator({ key: 'g', keyType: 1 }, ctx(2)), {
    errorCode: E.COORDINATOR_NOT_AVAILABLE,
    nodeId: -1,
    host: '',
    port: -1,
  });
  t.match(api.findCoordinator({ key: 'g', keyType: 9 }, ctx(2)), { errorCode: E.INVALID_REQUEST });
  const v4 = api.findCoordinator({ keyType: 0, coordinatorKeys: ['a', 'b'] }, ctx(4));
  t.same(
    v4.coordinators!.map((c) => [c.key, c.nodeId, c.host, c.port, c.errorCode]),
    [
      ['a', 7, 'broker.local', 19092, 0],
      ['b', 7, 'broker.local', 19092, 0],
    ],
  );
  const tx = api.findCoordinator({ keyType: 1, coordinatorKeys: ['tx'] }, ctx(4));
  t.equal(tx.coordinators![0]!.errorCode, E.COORDINATOR_NOT_AVAILABLE);
});

t.test(
  'JoinGroup: v0 uses the session timeout, v4 requires a member id, protocolName never null before v7',
  async (t) => {
    const { h, api } = await handlers();
    const req = {
      groupId: 'g',
      sessionTimeoutMs: 10_000,
      memberId: '',
      protocolType: 'consumer',
      protocols: [{ name: 'range', metadata: subscription(['t1']) }],
    };
    const v4 = await api.joinGroup(req, ctx(4));
    t.equal(v4.errorCode, E.MEMBER_ID_REQUIRED);
    t.match(v4.memberId, /^kafkajs-/);
    t.equal(v4.protocolName, '', 'v4 cannot carry a null protocol name');
    const err7 = await api.joinGroup({ ...req, sessionTimeoutMs: 1 }, ctx(7));
    t.equal(err7.protocolName, null, 'v7 can');

    const p = api.joinGroup({ ...req, memberId: v4.memberId }, ctx(4));
    h.clock.advance(0);
    const r = await p;
    t.equal(r.errorCode, 0);
    t.equal(r.memberId, v4.memberId);
    t.equal(r.members[0]?.groupInstanceId, null);
    t.equal(
      h.coordinator.inspect('g')?.members.get(r.memberId)?.rebalanceTimeoutMs,
      10_000,
      'no rebalance timeout given',
    );
    t.equal(h.coordinator.inspect('g')?.members.get(r.memberId)?.clientHost, '/10.0.0.1');

    const v0 = api.joinGroup({ ...req, groupId: 'old', rebalanceTimeoutMs: 99_999 }, ctx(0));
    // v0 joins straight in (no MEMBER_ID_REQUIRED) and ignores any rebalance timeout.
    const member = [...(h.coordinator.inspect('old')?.members.values() ?? [])][0];
    t.equal(member?.rebalanceTimeoutMs, 10_000);
    h.clock.advance(0);
    t.equal((await v0).errorCode, 0);
  },
);

t.test('SyncGroup, Heartbeat, LeaveGroup across versions', async (t) => {
  const { h, api } = await handlers();
  const join = api.joinGroup(
    {
      groupId: 'g',
      sessionTimeoutMs: 10_000,
      rebalanceTimeoutMs: 20_000,
      memberId: '',
      groupInstanceId: 'i-1',
      protocolType: 'consumer',
      protocols: [{ name: 'range', metadata: subscription(['t1']) }],
    },
    ctx(5),
  );
  h.clock.advance(0);
  const j = await join;
  t.match(j.memberId, /^i-1-/);
  t.equal(j.members[0]?.groupInstanceId, 'i-1');
  const s = await api.syncGroup(
    {
      groupId: 'g',
      generationId: j.generationId,
      memberId: j.memberId,
      groupInstanceId: 'i-1',
      protocolType: 'consumer',
      protocolName: 'range',
      assignments: [{ memberId: j.memberId, assignment: Buffer.from('A') }],
    },
    ctx(5),
  );
  t.same(s, {
    throttleTimeMs: 0,
    errorCode: 0,
    protocolType: 'consumer',
    protocolName: 'range',
    assignment: Buffer.from('A'),
  });
  t.same(
    api.heartbeat(
      { groupId: 'g', generationId: j.generationId, memberId: j.memberId, groupInstanceId: 'i-1' },
      ctx(3),
    ),
    {
      throttleTimeMs: 0,
      errorCode: 0,
    },
  );
  t.equal(
    api.heartbeat(
      { groupId: 'g', generationId: j.generationId, memberId: 'other', groupInstanceId: 'i-1' },
      ctx(3),
    ).errorCode,
    E.FENCED_INSTANCE_ID,
  );
  // Before v3 the instance id is not on the wire: a plain unknown member.
  t.equal(
    api.heartbeat(
      { groupId: 'g', generationId: j.generationId, memberId: 'other', groupInstanceId: 'i-1' },
      ctx(2),
    ).errorCode,
    E.UNKNOWN_MEMBER_ID,
  );
  const v1 = await api.leaveGroup({ groupId: 'g', memberId: 'ghost' }, ctx(1));
  t.same(
    v1,
    { throttleTimeMs: 0, errorCode: E.UNKNOWN_MEMBER_ID, members: [] },
    'v0-2: the member error at top level',
  );
  const v3 = await api.leaveGroup(
    { groupId: 'g', members: [{ memberId: j.memberId, groupInstanceId: 'i-1' }] },
    ctx(3),
  );
  t.same(v3, {
    throttleTimeMs: 0,
    errorCode: 0,
    members: [{ memberId: j.memberId, groupInstanceId: 'i-1', errorCode: 0 }],
  });
});

t.test('OffsetCommit and OffsetFetch across versions', async (t) => {
  const { api } = await handlers();
  const c = await api.offsetCommit(
    {
      groupId: 'g',
      generationIdOrMemberEpoch: -1,
      memberId: '',
      retentionTimeMs: -1,
      topics: [
        {
          name: 't1',
          partitions: [
            { partitionIndex: 0, committedOffset: 42, committedLeaderEpoch: 2, committedMetadata: 'md' },
            { partitionIndex: 77, committedOffset: 1, committedLeaderEpoch: 2, committedMetadata: null },
          ],
        },
      ],
    },
    ctx(8),
  );
  t.same(c, {
    throttleTimeMs: 0,
    topics: [
      {
        name: 't1',
        partitions: [
          { partitionIndex: 0, errorCode: 0 },
          { partitionIndex: 77, errorCode: E.UNKNOWN_TOPIC_OR_PARTITION },
        ],
      },
    ],
  });
  // v5: no leader epoch on the wire.
  await api.offsetCommit(
    {
      groupId: 'g',
      generationIdOrMemberEpoch: -1,
      memberId: '',
      topics: [
        { name: 't1', partitions: [{ partitionIndex: 1, committedOffset: 5, committedMetadata: '' }] },
      ],
    },
    ctx(5),
  );
  const v7 = api.offsetFetch({ groupId: 'g', topics: [{ name: 't1', partitionIndexes: [0, 1] }] }, ctx(7));
  t.same(v7.topics![0]!.partitions, [
    { partitionIndex: 0, committedOffset: 42, committedLeaderEpoch: 2, metadata: 'md', errorCode: 0 },
    { partitionIndex: 1, committedOffset: 5, committedLeaderEpoch: -1, metadata: '', errorCode: 0 },
  ]);
  t.equal(v7.errorCode, 0);
  const all = api.offsetFetch({ groupId: 'g', topics: null }, ctx(2));
  t.equal(all.topics![0]!.partitions.length, 2, 'null topics: every committed partition');
  const v8 = api.offsetFetch(
    {
      groups: [
        { groupId: 'g', topics: [{ name: 't1', partitionIndexes: [0] }] },
        { groupId: 'g', topics: null },
        { groupId: '', topics: null },
      ],
    },
    ctx(8),
  );
  t.equal(v8.groups!.length, 3);
  t.equal(v8.groups![0]!.topics[0]!.partitions[0]!.committedOffset, 42);
  t.equal(v8.groups![1]!.topics[0]!.partitions.length, 2);
  t.equal(v8.groups![2]!.errorCode, 0, 'the empty group id is allowed for OffsetFetch');
});

t.test('OffsetFetch v1 reports a group error on each partition', async (t) => {
  const { h, api } = await handlers();
  await h.coordinator.close();
  const v1 = api.offsetFetch({ groupId: 'g', topics: [{ name: 't1', partitionIndexes: [0, 3] }] }, ctx(1));
  t.same(
    v1.topics![0]!.partitions.map((p) => [p.partitionIndex, p.committedOffset, p.errorCode]),
    [
      [0, -1, E.COORDINATOR_NOT_AVAILABLE],
      [3, -1, E.COORDINATOR_NOT_AVAILABLE],
    ],
  );
  const v3 = api.offsetFetch({ groupId: 'g', topics: [{ name: 't1', partitionIndexes: [0] }] }, ctx(3));
  t.equal(v3.errorCode, E.COORDINATOR_NOT_AVAILABLE);
  t.same(v3.topics, []);
});

t.test('ListGroups, DescribeGroups, DeleteGroups, OffsetDelete', async (t) => {
  const { h, api } = await handlers();
  const j = api.joinGroup(
    {
      groupId: 'live',
      sessionTimeoutMs: 10_000,
      rebalanceTimeoutMs: 10_000,
      memberId: '',
      protocolType: 'consumer',
      protocols: [{ name: 'range', metadata: subscription(['t1']) }],
    },
    ctx(3),
  );
  h.clock.advance(0);
  const jr = await j;
  await api.syncGroup(
    {
      groupId: 'live',
      generationId: jr.generationId,
      memberId: jr.memberId,
      assignments: [{ memberId: jr.memberId, assignment: Buffer.from('asg') }],
    },
    ctx(3),
  );
  await api.offsetCommit(
    {
      groupId: 'idle',
      generationIdOrMemberEpoch: -1,
      memberId: '',
      topics: [
        { name: 't2', partitions: [{ partitionIndex: 0, committedOffset: 1, committedMetadata: null }] },
      ],
    },
    ctx(8),
  );
  await flush();
  const all = api.listGroups({}, ctx(3));
  t.same(all.groups.map((g) => g.groupId).sort(), ['idle', 'live']);
  const stable = api.listGroups({ statesFilter: ['stable'] }, ctx(4));
  t.same(stable.groups, [{ groupId: 'live', protocolType: 'consumer', groupState: 'Stable' }]);

  const d = api.describeGroups({ groups: ['live', 'nope'], includeAuthorizedOperations: false }, ctx(5));
  t.match(d.groups[0], {
    errorCode: 0,
    groupId: 'live',
    groupState: 'Stable',
    protocolType: 'consumer',
    protocolData: 'range',
    authorizedOperations: -2147483648,
  });
  t.match(d.groups[0]!.members[0], { memberId: jr.memberId, clientId: 'kafkajs', clientHost: '/10.0.0.1' });
  t.equal(d.groups[0]!.members[0]!.memberAssignment.toString(), 'asg');
  t.same(d.groups[1], {
    errorCode: 0,
    groupId: 'nope',
    groupState: 'Dead',
    protocolType: '',
    protocolData: '',
    members: [],
    authorizedOperations: -2147483648,
  });

  const del = await api.deleteGroups({ groupsNames: ['live', 'idle', 'nope'] }, ctx(2));
  t.same(del.results, [
    { groupId: 'live', errorCode: E.NON_EMPTY_GROUP },
    { groupId: 'idle', errorCode: 0 },
    { groupId: 'nope', errorCode: E.GROUP_ID_NOT_FOUND },
  ]);

  const od = await api.offsetDelete(
    { groupId: 'live', topics: [{ name: 't1', partitions: [{ partitionIndex: 0 }] }] },
    ctx(0),
  );
  t.same(od, {
    errorCode: 0,
    throttleTimeMs: 0,
    topics: [{ name: 't1', partitions: [{ partitionIndex: 0, errorCode: E.GROUP_SUBSCRIBED_TO_TOPIC }] }],
  });
});

t.test('groupApiHandlers lists every API with its versions', async (t) => {
  const { h } = await handlers();
  const list = groupApiHandlers(h.coordinator, { self });
  t.same(
    list.map((x) => [x.apiKey, x.minVersion, x.maxVersion]),
    [
      [8, 2, 8],
      [9, 1, 8],
      [10, 0, 4],
      [11, 0, 7],
      [12, 0, 4],
      [13, 0, 4],
      [14, 0, 5],
      [15, 0, 5],
      [16, 0, 4],
      [42, 0, 2],
      [47, 0, 0],
    ],
  );
  const hb = list.find((x) => x.apiKey === 12)!;
  t.same(hb.handle({ groupId: '', generationId: 1, memberId: 'm' }, ctx(0)), {
    throttleTimeMs: 0,
    errorCode: E.INVALID_GROUP_ID,
  });
});
