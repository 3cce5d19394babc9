/**
 * Out-of-order and malformed group requests over a raw socket (hand-built frames, test codec
 * only), each followed by a real client (a kafkajs group consumer) using the same group, so a
 * request that wedges a group fails the test:
 * - SyncGroup before JoinGroup -> UNKNOWN_MEMBER_ID (25), on a new and on a live group;
 * - Heartbeat (and OffsetCommit) with a stale generation -> ILLEGAL_GENERATION (22);
 * - JoinGroup with huge member metadata -> an error code, no crash, the group unharmed;
 * - JoinGroup v4/v5 with an empty member id -> MEMBER_ID_REQUIRED (79), then success with the
 *   handed-out id (v3 joins at once);
 * - OffsetCommit to an unknown topic or partition -> UNKNOWN_TOPIC_OR_PARTITION (3), per partition;
 * - DeleteGroups on a non-empty group -> NON_EMPTY_GROUP (68), then 0 once empty, then
 *   GROUP_ID_NOT_FOUND (69);
 * - truncated and lying group request frames -> an error or a closed connection, never a crash.
 */
import t from 'tap';
import { startTestBroker } from '../helpers/broker.js';
import { GroupObserver, trackedConsumer } from '../helpers/groups-kafkajs.js';
import {
  committedOffsets,
  consumerAssignment,
  consumerSubscription,
  deleteGroups,
  describeGroups,
  GroupErrorCode as E,
  GroupApiKey,
  heartbeat,
  type JoinGroupArgs,
  joinAsNewMember,
  joinGroup,
  leaveGroup,
  offsetCommit,
  offsetFetch,
  parseConsumerAssignment,
  syncGroup,
} from '../helpers/groups-raw.js';
import { kafkajsAdmin, kafkajsClient, kafkajsProducer } from '../helpers/kafkajs.js';
import { RawConnection } from '../helpers/raw-client.js';
import type { TapTest } from '../helpers/tap-types.js';
import { uniqueTopic } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait.js';
import { Reader, Writer } from '../helpers/wire.js';

const b = await startTestBroker(t, { groupInitialRebalanceDelayMs: 0, groupMinSessionTimeoutMs: 500 });
const topic = uniqueTopic('grp-bad');
const PARTS = [0, 1];
const PER_PARTITION = 10;
{
  const kafka = kafkajsClient(b.bootstrap);
  const admin = await kafkajsAdmin(t, kafka);
  await admin.createTopics({ topics: [{ topic, numPartitions: PARTS.length }] });
  const producer = await kafkajsProducer(t, kafka);
  await producer.send({
    topic,
    acks: -1,
    messages: PARTS.flatMap((partition) =>
      Array.from({ length: PER_PARTITION }, (_, i) => ({ partition, value: `v-${partition}-${i}` })),
    ),
  });
  await producer.disconnect();
  await admin.disconnect();
}

/** A raw member's JoinGroup arguments: the consumer protocol kafkajs also speaks (RoundRobinAssigner). */
function member(groupId: string, extra: Partial<JoinGroupArgs> = {}): JoinGroupArgs {
  return {
    groupId,
    sessionTimeoutMs: 3000,
    rebalanceTimeoutMs: 3000,
    protocols: [{ name: 'RoundRobinAssigner', metadata: consumerSubscription([topic]) }],
    ...extra,
  };
}

async function open(t: TapTest): Promise<RawConnection> {
  return RawConnection.open(b.host, b.port, t);
}

/**
 * A kafkajs group consumer joins `groupId`, is assigned every partition, consumes from the
 * group's committed offsets (`startAt`, or the beginning) to the end, commits, and leaves.
 */
async function clientUsesGroup(t: TapTest, groupId: string, startAt: number[] = [0, 0]): Promise<void> {
  const observer = new GroupObserver(topic);
  const c = await trackedConsumer(t, { bootstrap: b.bootstrap, groupId, name: 'normal', observer });
  const expected = PARTS.flatMap((p) =>
    Array.from({ length: PER_PARTITION - startAt[p]! }, (_, i) => `${p}/${startAt[p]! + i}`),
  );
  const seen = () => new Set(observer.records.map((r) => `${r.partition}/${r.offset}`));
  await observer.until(
    `a kafkajs consumer of ${groupId} to read ${expected.length} records`,
    () => expected.every((k) => seen().has(k)) || undefined,
  );
  const conn = await open(t);
  await waitFor(
    `${groupId}'s commits to reach the end`,
    async () => (await committedOffsets(conn, groupId, topic, PARTS)).every((o) => o === PER_PARTITION),
    { timeoutMs: 10_000, intervalMs: 50 },
  );
  await c.stop();
  conn.close();
  t.same(
    observer.records.map((r) => `${r.partition}/${r.offset}`).sort(),
    expected.sort(),
    `a real client then uses ${groupId}: it reads from the committed offsets [${startAt.join(',')}] to the end`,
  );
  t.ok(
    observer.assignments.some((a) => a.partitions.length === PARTS.length),
    'and is assigned every partition',
  );
}

t.test('SyncGroup before JoinGroup: UNKNOWN_MEMBER_ID', async (t) => {
  const groupId = uniqueTopic('grp-sync-first');
  const conn = await open(t);
  const onNew = await syncGroup(conn, { groupId, generationId: 1, memberId: 'never-joined' });
  t.equal(onNew.errorCode, E.UNKNOWN_MEMBER_ID, 'on a group that does not exist');
  const withAssignment = await syncGroup(conn, {
    groupId,
    generationId: 0,
    memberId: 'never-joined',
    assignments: [{ memberId: 'never-joined', assignment: consumerAssignment({ [topic]: PARTS }) }],
  });
  t.equal(withAssignment.errorCode, E.UNKNOWN_MEMBER_ID, 'also when it carries a leader assignment');

  // A live group: a stranger's SyncGroup neither succeeds nor disturbs the member.
  const a = await joinAsNewMember(conn, member(groupId));
  t.equal(a.generationId, 1);
  const synced = await syncGroup(conn, {
    groupId,
    generationId: a.generationId,
    memberId: a.memberId,
    assignments: [{ memberId: a.memberId, assignment: consumerAssignment({ [topic]: PARTS }) }],
  });
  t.equal(synced.errorCode, 0);
  t.same(parseConsumerAssignment(synced.assignment), { [topic]: PARTS });
  const stranger = await syncGroup(conn, { groupId, generationId: a.generationId, memberId: 'stranger' });
  t.equal(stranger.errorCode, E.UNKNOWN_MEMBER_ID, 'on a live group, with an unknown member id');
  t.equal(
    await heartbeat(conn, { groupId, generationId: a.generationId, memberId: a.memberId }),
    0,
    'the real member is unaffected',
  );
  const [described] = await describeGroups(conn, [groupId]);
  t.equal(described?.state, 'Stable');
  t.same(
    described?.members.map((m) => m.memberId),
    [a.memberId],
  );
  t.same((await leaveGroup(conn, groupId, [a.memberId])).members, [{ memberId: a.memberId, errorCode: 0 }]);
  await clientUsesGroup(t, groupId);
});

t.test('Heartbeat and OffsetCommit with a stale generation: ILLEGAL_GENERATION', async (t) => {
  const groupId = uniqueTopic('grp-stale');
  const connA = await open(t);
  const connB = await open(t);
  const a = await joinAsNewMember(connA, member(groupId));
  const gen1 = a.generationId;
  t.equal(
    (
      await syncGroup(connA, {
        groupId,
        generationId: gen1,
        memberId: a.memberId,
        assignments: [{ memberId: a.memberId, assignment: consumerAssignment({ [topic]: PARTS }) }],
      })
    ).errorCode,
    0,
  );
  t.equal(await heartbeat(connA, { groupId, generationId: gen1, memberId: a.memberId }), 0);

  // B joins: the group rebalances; A learns it from its heartbeat and rejoins.
  const bJoin = joinAsNewMember(connB, member(groupId));
  await waitFor(
    'A heartbeat to answer REBALANCE_IN_PROGRESS',
    async () =>
      (await heartbeat(connA, { groupId, generationId: gen1, memberId: a.memberId })) ===
      E.REBALANCE_IN_PROGRESS,
    { timeoutMs: 5000, intervalMs: 20 },
  );
  const a2 = await joinGroup(connA, member(groupId, { memberId: a.memberId }));
  const b2 = await bJoin;
  t.equal(a2.errorCode, 0);
  t.ok(a2.generationId > gen1, `a new generation ${a2.generationId} after ${gen1}`);
  t.equal(b2.generationId, a2.generationId);
  const gen2 = a2.generationId;
  const leader =
    a2.leader === a.memberId ? { conn: connA, id: a.memberId } : { conn: connB, id: b2.memberId };
  const follower =
    leader.id === a.memberId ? { conn: connB, id: b2.memberId } : { conn: connA, id: a.memberId };
  const [ls, fs] = await Promise.all([
    syncGroup(leader.conn, {
      groupId,
      generationId: gen2,
      memberId: leader.id,
      assignments: [
        { memberId: leader.id, assignment: consumerAssignment({ [topic]: [0] }) },
        { memberId: follower.id, assignment: consumerAssignment({ [topic]: [1] }) },
      ],
    }),
    syncGroup(follower.conn, { groupId, generationId: gen2, memberId: follower.id }),
  ]);
  t.same([ls.errorCode, fs.errorCode], [0, 0]);
  t.same(
    parseConsumerAssignment(fs.assignment),
    { [topic]: [1] },
    'the follower gets what the leader assigned',
  );

  t.equal(
    await heartbeat(connA, { groupId, generationId: gen1, memberId: a.memberId }),
    E.ILLEGAL_GENERATION,
    'a heartbeat of the old generation',
  );
  t.equal(
    await heartbeat(connA, { groupId, generationId: gen2 + 5, memberId: a.memberId }),
    E.ILLEGAL_GENERATION,
    'a heartbeat of a generation that never was',
  );
  const stale = await offsetCommit(connA, {
    groupId,
    generationId: gen1,
    memberId: a.memberId,
    offsets: [{ topic, partition: 0, offset: 7 }],
  });
  t.equal(stale.get(`${topic}/0`), E.ILLEGAL_GENERATION, 'a commit of the old generation is refused');
  t.same(await committedOffsets(connA, groupId, topic, PARTS), [-1, -1], 'and nothing was committed');
  t.equal(
    await heartbeat(connA, { groupId, generationId: gen2, memberId: a.memberId }),
    0,
    'the right one: 0',
  );
  t.equal(await heartbeat(connB, { groupId, generationId: gen2, memberId: b2.memberId }), 0);
  const current = await offsetCommit(connA, {
    groupId,
    generationId: gen2,
    memberId: a.memberId,
    offsets: [{ topic, partition: 0, offset: 4 }],
  });
  t.equal(current.get(`${topic}/0`), 0, 'a commit of the current generation is taken');

  const left = await leaveGroup(connA, groupId, [a.memberId, b2.memberId]);
  t.same(
    left.members.map((m) => m.errorCode),
    [0, 0],
    'both members leave (batched LeaveGroup)',
  );
  await clientUsesGroup(t, groupId, [4, 0]);
});

t.test('JoinGroup with huge member metadata: an error code, and the group goes on', async (t) => {
  const groupId = uniqueTopic('grp-huge');
  const conn = await open(t);
  const huge = Buffer.alloc(1024 * 1024, 0x61);
  for (let i = 0; i < 5; i++) {
    const r = await joinGroup(conn, {
      ...member(groupId),
      memberId: '',
      protocols: [{ name: 'RoundRobinAssigner', metadata: consumerSubscription([topic], huge) }],
    });
    t.not(r.errorCode, 0, `new member with 1 MiB of metadata (try ${i + 1}): error ${r.errorCode}`);
  }
  t.notOk(conn.isClosed, 'the connection stays usable');

  // A member of a stable group tries the same: refused, and it stays a member.
  const a = await joinAsNewMember(conn, member(groupId));
  t.equal(
    (
      await syncGroup(conn, {
        groupId,
        generationId: a.generationId,
        memberId: a.memberId,
        assignments: [{ memberId: a.memberId, assignment: consumerAssignment({ [topic]: PARTS }) }],
      })
    ).errorCode,
    0,
  );
  const rejoin = await joinGroup(conn, {
    ...member(groupId, { memberId: a.memberId }),
    protocols: [{ name: 'RoundRobinAssigner', metadata: consumerSubscription([topic], huge) }],
  });
  t.not(rejoin.errorCode, 0, `an existing member's rejoin with 1 MiB of metadata: error ${rejoin.errorCode}`);
  const many = await joinGroup(conn, {
    ...member(groupId, { memberId: a.memberId }),
    protocols: Array.from({ length: 5000 }, (_, i) => ({ name: `p${i}`, metadata: Buffer.alloc(8) })),
  });
  t.not(many.errorCode, 0, `5000 protocols in one JoinGroup: error ${many.errorCode}`);
  const [described] = await describeGroups(conn, [groupId]);
  t.ok(
    described && (described.state === 'Stable' || described.state === 'PreparingRebalance'),
    `the group is still there (${described?.state})`,
  );
  t.ok(
    described?.members.every((m) => m.memberId === a.memberId),
    'no member was added by the refused joins',
  );
  // A goes silent without leaving: the real client's join must not wait on it forever.
  await clientUsesGroup(t, groupId);
  t.equal(
    await heartbeat(conn, { groupId, generationId: a.generationId, memberId: a.memberId }),
    E.UNKNOWN_MEMBER_ID,
    'the silent member was evicted',
  );
});

t.test('JoinGroup v4+ with an empty member id: MEMBER_ID_REQUIRED, then success', async (t) => {
  for (const version of [4, 5]) {
    const groupId = uniqueTopic(`grp-mid-v${version}`);
    const conn = await open(t);
    const first = await joinGroup(conn, member(groupId), { version });
    t.equal(first.errorCode, E.MEMBER_ID_REQUIRED, `v${version}: MEMBER_ID_REQUIRED`);
    t.ok(first.memberId.length > 0, `v${version}: with a member id (${first.memberId})`);
    t.equal(first.generationId, -1);
    const second = await joinGroup(conn, member(groupId, { memberId: first.memberId }), { version });
    t.equal(second.errorCode, 0, `v${version}: the join with the handed-out id succeeds`);
    t.equal(second.memberId, first.memberId, 'with that id');
    t.equal(second.leader, first.memberId, 'the only member leads');
    t.equal(second.generationId, 1);
    t.equal(second.protocolName, 'RoundRobinAssigner');
    t.same(
      second.members.map((m) => m.memberId),
      [first.memberId],
      'the leader gets the member list',
    );
    const sync = await syncGroup(conn, {
      groupId,
      generationId: 1,
      memberId: second.memberId,
      assignments: [{ memberId: second.memberId, assignment: consumerAssignment({ [topic]: PARTS }) }],
    });
    t.equal(sync.errorCode, 0);
    t.same((await leaveGroup(conn, groupId, [second.memberId])).errorCode, 0);
    await clientUsesGroup(t, groupId);
  }

  // A member id the broker never handed out.
  const conn = await open(t);
  const groupId = uniqueTopic('grp-mid-made-up');
  t.equal(
    (await joinGroup(conn, member(groupId, { memberId: 'made-up-id' }))).errorCode,
    E.UNKNOWN_MEMBER_ID,
    'a made-up member id: UNKNOWN_MEMBER_ID',
  );

  // Before v4 there is no round trip.
  const old = await joinGroup(conn, member(uniqueTopic('grp-mid-v3')), { version: 3 });
  t.equal(old.errorCode, 0, 'v3 with an empty member id joins at once');
  t.ok(old.memberId.length > 0);
});

t.test('OffsetCommit to an unknown topic or partition: UNKNOWN_TOPIC_OR_PARTITION', async (t) => {
  const groupId = uniqueTopic('grp-commit-unknown');
  const missing = uniqueTopic('grp-no-such-topic');
  const conn = await open(t);
  const res = await offsetCommit(conn, {
    groupId,
    offsets: [
      { topic: missing, partition: 0, offset: 5 },
      { topic, partition: 0, offset: 3, metadata: 'm' },
      { topic, partition: 99, offset: 1 },
    ],
  });
  t.equal(res.get(`${missing}/0`), E.UNKNOWN_TOPIC_OR_PARTITION, 'unknown topic');
  t.equal(res.get(`${topic}/99`), E.UNKNOWN_TOPIC_OR_PARTITION, 'unknown partition of a known topic');
  t.equal(res.get(`${topic}/0`), 0, 'the valid partition in the same request is committed');
  const fetched = await offsetFetch(conn, groupId, null);
  t.equal(fetched.errorCode, 0);
  t.same(
    fetched.offsets.map((o) => [o.topic, o.partition, Number(o.offset), o.metadata]),
    [[topic, 0, 3, 'm']],
    'only the valid commit is stored',
  );
  const forMissing = await offsetFetch(conn, groupId, [{ topic: missing, partitions: [0] }]);
  t.same(
    forMissing.offsets.map((o) => [o.topic, o.partition, Number(o.offset)]),
    [[missing, 0, -1]],
    'nothing is recorded for the unknown topic (OffsetFetch answers -1)',
  );
  // Not wedged: a real client uses the group from the one valid commit.
  await clientUsesGroup(t, groupId, [3, 0]);
});

t.test('DeleteGroups on a non-empty group: NON_EMPTY_GROUP', async (t) => {
  const groupId = uniqueTopic('grp-delete');
  const conn = await open(t);
  const a = await joinAsNewMember(conn, member(groupId));
  t.equal(
    (
      await syncGroup(conn, {
        groupId,
        generationId: a.generationId,
        memberId: a.memberId,
        assignments: [{ memberId: a.memberId, assignment: consumerAssignment({ [topic]: PARTS }) }],
      })
    ).errorCode,
    0,
  );
  const commit = await offsetCommit(conn, {
    groupId,
    generationId: a.generationId,
    memberId: a.memberId,
    offsets: PARTS.map((partition) => ({ topic, partition, offset: 6 })),
  });
  t.same([...commit.values()], [0, 0]);

  const refused = await deleteGroups(conn, [groupId]);
  t.equal(refused.get(groupId), E.NON_EMPTY_GROUP, 'refused while it has a member');
  t.equal(
    await heartbeat(conn, { groupId, generationId: a.generationId, memberId: a.memberId }),
    0,
    'the member is still in the group',
  );
  t.same(await committedOffsets(conn, groupId, topic, PARTS), [6, 6], 'and its offsets are kept');

  t.equal((await leaveGroup(conn, groupId, [a.memberId])).errorCode, 0);
  const deleted = await deleteGroups(conn, [groupId, uniqueTopic('grp-never-existed')]);
  t.equal(deleted.get(groupId), 0, 'deleted once empty');
  t.same(
    [...deleted.entries()].filter(([g]) => g !== groupId).map(([, c]) => c),
    [E.GROUP_ID_NOT_FOUND],
    'a group that never existed: GROUP_ID_NOT_FOUND',
  );
  t.same(await committedOffsets(conn, groupId, topic, PARTS), [-1, -1], 'its committed offsets are gone');
  // The same group id starts over from the beginning.
  await clientUsesGroup(t, groupId);

  // A group with a live kafkajs member cannot be deleted either.
  const observer = new GroupObserver(topic);
  const live = await trackedConsumer(t, { bootstrap: b.bootstrap, groupId, name: 'live', observer });
  await observer.until('the live consumer to be assigned', () => observer.stableGeneration(['live'], 2));
  t.equal((await deleteGroups(conn, [groupId])).get(groupId), E.NON_EMPTY_GROUP, 'a kafkajs member: refused');
  await live.stop();
  t.equal((await deleteGroups(conn, [groupId])).get(groupId), 0, 'after it left: deleted');
});

/** The error codes of a non-flexible group response: top level, or OffsetCommit's per partition. */
function responseErrorCodes(apiKey: number, body: Buffer): number[] {
  try {
    const r = new Reader(body);
    r.int32(); // throttle_time_ms
    if (apiKey !== GroupApiKey.OffsetCommit) return [r.int16()];
    return r
      .array((x) => {
        x.string();
        return x.array((p) => {
          p.int32();
          return p.int16();
        });
      })
      .flat();
  } catch {
    return [];
  }
}

t.test('malformed group frames: an error or a closed connection, and groups still work', async (t) => {
  const groupId = uniqueTopic('grp-malformed');
  const cases: { name: string; apiKey: number; version: number; body: Buffer }[] = [
    {
      name: 'JoinGroup whose protocol count is far larger than the bytes left',
      apiKey: GroupApiKey.JoinGroup,
      version: 5,
      body: new Writer()
        .string(groupId)
        .int32(3000)
        .int32(3000)
        .string('')
        .string(null)
        .string('consumer')
        .int32(1_000_000_000)
        .string('range')
        .bytesOut(),
    },
    {
      name: 'JoinGroup whose metadata length is 2^31-1',
      apiKey: GroupApiKey.JoinGroup,
      version: 5,
      body: new Writer()
        .string(groupId)
        .int32(3000)
        .int32(3000)
        .string('')
        .string(null)
        .string('consumer')
        .int32(1)
        .string('range')
        .int32(0x7fffffff)
        .raw(Buffer.alloc(16))
        .bytesOut(),
    },
    {
      name: 'SyncGroup cut off in the middle of its group id',
      apiKey: GroupApiKey.SyncGroup,
      version: 3,
      body: new Writer().int16(40).raw(Buffer.from('short')).bytesOut(),
    },
    {
      name: 'Heartbeat with a negative group id length',
      apiKey: GroupApiKey.Heartbeat,
      version: 3,
      body: new Writer().int16(-7).int32(1).string('m').string(null).bytesOut(),
    },
    {
      name: 'OffsetCommit whose partition count is negative',
      apiKey: GroupApiKey.OffsetCommit,
      version: 5,
      body: new Writer().string(groupId).int32(-1).string('').int32(1).string(topic).int32(-5).bytesOut(),
    },
    {
      name: 'an empty LeaveGroup body',
      apiKey: GroupApiKey.LeaveGroup,
      version: 3,
      body: Buffer.alloc(0),
    },
  ];
  for (const c of cases) {
    const conn = await open(t);
    conn.send(c.apiKey, c.version, c.body);
    const got = await conn.frameOrClose(10_000);
    if (got.kind === 'frame') {
      // An answer must carry an error: the request cannot be what it claims to be.
      const body = got.frame.body;
      const codes = responseErrorCodes(c.apiKey, body);
      t.ok(
        codes.some((x) => x !== 0),
        `${c.name}: answered with an error (codes [${codes.join(',')}], body ${body.subarray(0, 32).toString('hex')})`,
      );
    } else {
      t.pass(`${c.name}: the broker closed the connection`);
    }
    conn.close();
  }
  // The broker serves on: a fresh connection joins, and a real client uses the group.
  const conn = await open(t);
  const joined = await joinAsNewMember(conn, member(groupId));
  t.equal(joined.generationId, 1, 'a well-formed join still works on the same group');
  t.equal((await leaveGroup(conn, groupId, [joined.memberId])).errorCode, 0);
  t.same(
    await committedOffsets(conn, groupId, topic, PARTS),
    [-1, -1],
    'the malformed OffsetCommit stored nothing',
  );
  await clientUsesGroup(t, groupId);
});
