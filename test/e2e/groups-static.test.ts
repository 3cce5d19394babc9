/**
 * Static membership (KIP-345, `group.instance.id`) next to a real client: a kafkajs member
 * leads the group; a hand-built static member (JoinGroup v5 / SyncGroup v3 with an instance id)
 * joins, gets partitions, and "restarts" (new connection, empty member id, same instance id):
 * - it gets a new member id in the same generation, no rebalance: the kafkajs member keeps
 *   consuming its partitions without a new assignment;
 * - SyncGroup hands it the same assignment again;
 * - the old member id is fenced (FENCED_INSTANCE_ID, 82);
 * - LeaveGroup by instance id removes it, and the kafkajs member takes every partition.
 */
import t from 'tap';
import { startTestBroker } from '../helpers/broker.js';
import { GroupObserver, trackedConsumer } from '../helpers/groups-kafkajs.js';
import {
  consumerSubscription,
  describeGroups,
  GroupErrorCode as E,
  heartbeat,
  type JoinGroupArgs,
  joinGroup,
  leaveGroup,
  parseConsumerAssignment,
  syncGroup,
} from '../helpers/groups-raw.js';
import { kafkajsAdmin, kafkajsClient, kafkajsProducer } from '../helpers/kafkajs.js';
import { RawConnection } from '../helpers/raw-client.js';
import { uniqueTopic } from '../helpers/temp.js';

const PARTITIONS = 4;
const ALL = Array.from({ length: PARTITIONS }, (_, i) => i);

const b = await startTestBroker(t, { groupInitialRebalanceDelayMs: 0 });

t.test('a static member restarts without a rebalance and keeps its partitions', async (t) => {
  const topic = uniqueTopic('grp-static');
  const groupId = uniqueTopic('grp-static-g');
  const kafka = kafkajsClient(b.bootstrap);
  const admin = await kafkajsAdmin(t, kafka);
  t.equal(await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }] }), true);
  const producer = await kafkajsProducer(t, kafka);

  const observer = new GroupObserver(topic);
  const y = await trackedConsumer(t, { bootstrap: b.bootstrap, groupId, name: 'y', observer });
  const gen0 = await observer.until('the kafkajs member to hold every partition', () =>
    observer.stableGeneration(['y'], PARTITIONS),
  );

  const instance = 'static-x';
  const args: JoinGroupArgs = {
    groupId,
    memberId: '',
    groupInstanceId: instance,
    sessionTimeoutMs: 10_000,
    rebalanceTimeoutMs: 10_000,
    protocols: [{ name: 'RoundRobinAssigner', metadata: consumerSubscription([topic]) }],
  };
  const conn1 = await RawConnection.open(b.host, b.port, t);
  const x1 = await joinGroup(conn1, args);
  t.equal(x1.errorCode, 0, 'a static member joins without the MEMBER_ID_REQUIRED round trip');
  t.ok(x1.generationId > gen0, `a new generation ${x1.generationId}`);
  t.not(x1.leader, x1.memberId, 'the kafkajs member stays the leader');
  const s1 = await syncGroup(conn1, {
    groupId,
    generationId: x1.generationId,
    memberId: x1.memberId,
    groupInstanceId: instance,
  });
  t.equal(s1.errorCode, 0);
  const xParts = parseConsumerAssignment(s1.assignment)[topic] ?? [];
  const gen = await observer.until('the kafkajs member to sync the same generation', () => {
    const a = observer.latest(['y']).get('y');
    return a && a.generationId === x1.generationId ? a.generationId : undefined;
  });
  const yAssigned = observer.latest(['y']).get('y')!;
  const yParts = yAssigned.partitions;
  t.ok(xParts.length > 0 && yParts.length > 0, `split: static [${xParts}] kafkajs [${yParts}]`);
  t.same([...xParts, ...yParts].sort(), ALL, 'every partition once');
  const assignmentsBefore = observer.assignments.length;

  // "Restart": the connection goes, a new one joins with an empty member id and the same instance id.
  conn1.close();
  const conn2 = await RawConnection.open(b.host, b.port, t);
  const x2 = await joinGroup(conn2, args);
  t.equal(x2.errorCode, 0, 'the restarted static member rejoins');
  t.not(x2.memberId, x1.memberId, 'with a new member id');
  t.equal(x2.generationId, gen, 'in the same generation: no rebalance');
  t.equal(x2.leader, x1.leader, 'under the same leader');
  const s2 = await syncGroup(conn2, {
    groupId,
    generationId: x2.generationId,
    memberId: x2.memberId,
    groupInstanceId: instance,
  });
  t.equal(s2.errorCode, 0);
  t.same(parseConsumerAssignment(s2.assignment)[topic] ?? [], xParts, 'and the same partitions as before');
  t.equal(
    await heartbeat(conn2, { groupId, generationId: gen, memberId: x1.memberId, groupInstanceId: instance }),
    E.FENCED_INSTANCE_ID,
    'the old member id of the instance is fenced',
  );
  t.equal(
    await heartbeat(conn2, { groupId, generationId: gen, memberId: x2.memberId, groupInstanceId: instance }),
    0,
    'the new one heartbeats',
  );
  const [described] = await describeGroups(conn2, [groupId]);
  t.equal(described?.state, 'Stable');
  t.same(
    described?.members.map((m) => m.memberId).sort(),
    [x2.memberId, yAssigned.memberId].sort(),
    'two members: the kafkajs one and the new id of the static one',
  );

  // The kafkajs member goes on with its partitions and no new assignment.
  await producer.send({
    topic,
    acks: -1,
    messages: yParts.map((partition) => ({ partition, value: `after-restart-${partition}` })),
  });
  await observer.until(
    'the kafkajs member to read the records on its partitions',
    () => yParts.every((p) => observer.records.some((r) => r.value === `after-restart-${p}`)) || undefined,
  );
  t.equal(observer.assignments.length, assignmentsBefore, 'the kafkajs member saw no rebalance', {
    seen: observer.describe(),
  });

  // Leaving by instance id: the kafkajs member gets everything in a new generation.
  const left = await leaveGroup(conn2, groupId, [{ memberId: '', groupInstanceId: instance }]);
  t.equal(left.errorCode, 0);
  t.same(
    left.members.map((m) => m.errorCode),
    [0],
    'the static member leaves by its instance id',
  );
  const after = await observer.until('the kafkajs member to hold every partition again', () => {
    const g = observer.stableGeneration(['y'], PARTITIONS);
    return g !== undefined && g > gen ? g : undefined;
  });
  t.ok(after > gen, `generation ${after}`);
  await y.stop();
});
