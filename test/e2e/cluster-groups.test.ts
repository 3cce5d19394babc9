/**
 * Consumer groups in cluster mode, three `samsa broker start` processes: `__consumer_offsets`
 * is a replicated topic and a group's coordinator is the leader of its partition. A kafkajs
 * group consumes and commits; the coordinator is SIGKILLed; the committed offsets are read
 * back from the new coordinator and the group resumes exactly after them; the killed broker
 * returns and catches up.
 */
import type { Consumer } from 'kafkajs';
import kafkajs from 'kafkajs';
import t from 'tap';
import { partitionForGroup } from '../../broker/group/partitioning.js';
import {
  clusterProducer,
  createReplicatedTopic,
  partitionsOf,
  spawnCluster,
  type TestCluster,
  waitForPartitions,
} from '../helpers/cluster.js';
import { describeRun } from '../helpers/process.js';
import type { TapTest } from '../helpers/tap-types.js';
import { uniqueTopic } from '../helpers/temp.js';
import { waitFor, withTimeout } from '../helpers/wait.js';

const OFFSETS_TOPIC = '__consumer_offsets';
const OFFSETS_PARTITIONS = 50;

function kafka(cluster: TestCluster, clientId: string): kafkajs.Kafka {
  return new kafkajs.Kafka({
    clientId,
    brokers: cluster.bootstrap().split(','),
    logLevel: kafkajs.logLevel.NOTHING,
    connectionTimeout: 3000,
    requestTimeout: 10_000,
    retry: { retries: 20, initialRetryTime: 100, maxRetryTime: 1000 },
  });
}

/** Run a group consumer until it has seen `count` records; the values it saw, per partition. */
async function consumeGroup(
  t: TapTest,
  cluster: TestCluster,
  groupId: string,
  topic: string,
  count: number,
): Promise<Map<number, string[]>> {
  const consumer: Consumer = kafka(cluster, `${groupId}-member`).consumer({
    groupId,
    sessionTimeout: 10_000,
    heartbeatInterval: 500,
    retry: { retries: 20, initialRetryTime: 100, maxRetryTime: 1000 },
  });
  t.teardown(() => consumer.disconnect());
  const seen = new Map<number, string[]>();
  let total = 0;
  let done!: () => void;
  const finished = new Promise<void>((resolve) => {
    done = resolve;
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      seen.set(partition, [...(seen.get(partition) ?? []), message.value?.toString() ?? '']);
      if (++total >= count) done();
    },
  });
  await withTimeout(`group ${groupId} consumes ${count} records`, finished, 90_000);
  // Disconnecting commits what was consumed (kafkajs commits resolved offsets on stop).
  await consumer.disconnect();
  return seen;
}

t.test('consumer groups move with the leadership of their __consumer_offsets partition', async (t) => {
  const cluster = await spawnCluster(t);
  const topic = uniqueTopic('cluster-groups');
  const created = await createReplicatedTopic(cluster, topic, 3);
  if (created.code !== 0) throw new Error(`samsa topic create failed\n${describeRun(created)}`);
  await waitForPartitions(
    cluster.bootstrap,
    topic,
    'three partitions in sync',
    (ps) => ps.length === 3 && ps.every((p) => p.leader > 0 && p.isrs.length === 3),
  );

  const producer = await clusterProducer(
    t,
    cluster.brokers.map((b) => b.bootstrap),
    'samsa-cluster-groups',
  );
  const produce = async (from: number, n: number) => {
    for (let i = from; i < from + n; i += 50)
      await producer.send({
        topic,
        acks: -1,
        messages: Array.from({ length: Math.min(50, from + n - i) }, (_, j) => ({
          key: `k${i + j}`,
          value: `v${i + j}`,
        })),
      });
  };
  await produce(0, 300);

  const groupId = `g-${topic}`;
  const first = await consumeGroup(t, cluster, groupId, topic, 300);
  t.equal([...first.values()].flat().length, 300, 'the group consumed every record once');

  // __consumer_offsets is replicated like any topic: RF=3, all in sync.
  const offsetsPartition = partitionForGroup(groupId, OFFSETS_PARTITIONS);
  const offsetsParts = await waitForPartitions(
    cluster.bootstrap,
    OFFSETS_TOPIC,
    `${OFFSETS_PARTITIONS} partitions, three replicas in sync`,
    (ps) => ps.length === OFFSETS_PARTITIONS && ps.every((p) => p.leader > 0 && p.isrs.length === 3),
  );
  t.ok(
    offsetsParts.every((p) => p.replicas.length === 3),
    `${OFFSETS_TOPIC} has three replicas per partition`,
  );
  const coordinatorId = offsetsParts.find((p) => p.partition === offsetsPartition)!.leader;

  const admin = kafka(cluster, 'samsa-cluster-groups-admin').admin();
  t.teardown(() => admin.disconnect());
  await admin.connect();
  const committed = async () => {
    const r = await admin.fetchOffsets({ groupId, topics: [topic] });
    return new Map(r[0]!.partitions.map((p) => [p.partition, Number(p.offset)]));
  };
  const ends = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, Number(p.high)]));
  const before = await committed();
  t.same(before, ends, 'the committed offsets are the partition ends');
  await admin.disconnect();

  // Kill the coordinator: another replica of its partition takes over, with the offsets.
  await cluster.brokers[coordinatorId - 1]!.kill();
  const moved = await waitFor(
    'a new leader for the group partition',
    async () =>
      (await partitionsOf(cluster.bootstrap(), OFFSETS_TOPIC)).find(
        (p) => p.partition === offsetsPartition && p.leader > 0 && p.leader !== coordinatorId,
      ),
    { timeoutMs: 30_000, intervalMs: 200 },
  );
  t.not(moved.leader, coordinatorId, `broker ${moved.leader} coordinates the group now`);

  const admin2 = kafka(cluster, 'samsa-cluster-groups-admin2').admin();
  t.teardown(() => admin2.disconnect());
  await admin2.connect();
  const after = new Map(
    (await admin2.fetchOffsets({ groupId, topics: [topic] }))[0]!.partitions.map((p) => [
      p.partition,
      Number(p.offset),
    ]),
  );
  t.same(after, before, 'the new coordinator returns the same committed offsets');

  // The group resumes exactly after its commits: only the new records arrive.
  await produce(300, 150);
  const second = await consumeGroup(t, cluster, groupId, topic, 150);
  const values = [...second.values()].flat();
  t.equal(values.length, 150, 'the resumed group received 150 records');
  t.ok(
    values.every((v) => Number(v.slice(1)) >= 300),
    'none of them was consumed before the coordinator died',
  );

  // The killed broker returns, catches up on __consumer_offsets, and the offsets are unchanged.
  await cluster.restart(coordinatorId);
  await waitForPartitions(
    cluster.bootstrap,
    OFFSETS_TOPIC,
    'the group partition back to three in-sync replicas',
    (ps) => ps.find((p) => p.partition === offsetsPartition)?.isrs.length === 3,
  );
  const final = new Map(
    (await admin2.fetchOffsets({ groupId, topics: [topic] }))[0]!.partitions.map((p) => [
      p.partition,
      Number(p.offset),
    ]),
  );
  const ends2 = new Map((await admin2.fetchTopicOffsets(topic)).map((p) => [p.partition, Number(p.high)]));
  t.same(final, ends2, 'after the restart the committed offsets are still the partition ends');
});
