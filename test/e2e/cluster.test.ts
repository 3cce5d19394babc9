/**
 * Cluster mode (experimental), three `samsa broker start` processes on loopback with
 * `--controller-voters`:
 * - a topic created with replication factor 3 through the samsa CLI; kcat produces with
 *   acks=all, reads everything back, and after a clean stop every broker holds the same bytes
 *   for every partition;
 * - RELIABILITY test 1's shape: the partition leader is SIGKILLed while kafkajs produces with
 *   acks=all; every acknowledged record is read back, in order; the killed broker comes back,
 *   rejoins the ISR, and the three logs converge.
 */
import t from 'tap';
import {
  clusterProducer,
  createReplicatedTopic,
  partitionBytes,
  partitionsOf,
  spawnCluster,
  type TestCluster,
  waitForPartitions,
} from '../helpers/cluster.js';
import { type KcatMessage, kcatConsume, kcatProduce } from '../helpers/kcat.js';
import { describeRun } from '../helpers/process.js';
import { uniqueTopic } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait.js';

/** Wait until every partition of `topic` has a leader and all `n` replicas in its ISR. */
function fullyInSync(cluster: TestCluster, topic: string, count: number, n = 3) {
  return waitForPartitions(
    cluster.bootstrap,
    topic,
    `${count} partitions with ${n} in-sync replicas`,
    (ps) => ps.length === count && ps.every((p) => p.leader > 0 && p.isrs.length === n),
  );
}

async function createTopic(cluster: TestCluster, topic: string, partitions: number): Promise<void> {
  const r = await createReplicatedTopic(cluster, topic, partitions);
  if (r.code !== 0) throw new Error(`samsa topic create failed\n${describeRun(r)}`);
}

t.test('three brokers: RF=3, kcat acks=all, everything read back, identical logs', async (t) => {
  const cluster = await spawnCluster(t);
  const topic = uniqueTopic('cluster-rf3');
  await createTopic(cluster, topic, 3);
  const partitions = await fullyInSync(cluster, topic, 3);
  t.same(
    partitions.map((p) => p.replicas.length),
    [3, 3, 3],
    'every partition has three replicas',
  );
  t.same(new Set(partitions.map((p) => p.leader)).size, 3, 'leadership is spread over the three brokers');

  const n = 3000;
  const lines = Array.from({ length: n }, (_, i) => `k${i}:v${i}`);
  await kcatProduce(cluster.bootstrap(), topic, lines, ['-K:', '-X', 'acks=all'], { timeoutMs: 60_000 });

  const got = await kcatConsume(cluster.bootstrap(), topic, ['-o', 'beginning'], { timeoutMs: 60_000 });
  t.equal(got.length, n, 'every record is read back');
  t.same(new Set(got.map((m) => m.payload)).size, n, 'no record twice');
  const byPartition = new Map<number, number[]>();
  for (const m of got) {
    const seq = Number((m.payload ?? '').slice(1));
    byPartition.set(m.partition, [...(byPartition.get(m.partition) ?? []), seq]);
  }
  for (const [p, seqs] of byPartition)
    t.ok(
      seqs.every((s, i) => i === 0 || s > seqs[i - 1]!),
      `partition ${p}: records in the order produced`,
    );

  // A clean stop, then the files: every replica holds exactly the leader's bytes.
  for (const b of cluster.brokers) t.same((await b.stop()).code, 0, `broker stops cleanly`);
  let total = 0;
  for (let p = 0; p < 3; p++) {
    const [a, b, c] = cluster.dataDirs.map((d) => partitionBytes(d, topic, p));
    total += a!.length;
    t.ok(
      a!.equals(b!) && a!.equals(c!),
      `partition ${p}: the three replicas are byte-identical (${a!.length} bytes)`,
    );
  }
  t.ok(total > 0, 'the logs hold the records');
});

t.test(
  'SIGKILL the leader while producing acks=all: every acknowledged record survives, in order',
  async (t) => {
    const cluster = await spawnCluster(t);
    const topic = uniqueTopic('cluster-kill');
    await createTopic(cluster, topic, 1);
    const [before] = await fullyInSync(cluster, topic, 1);
    const leaderId = before!.leader;

    const producer = await clusterProducer(
      t,
      cluster.brokers.map((b) => b.bootstrap),
      'samsa-cluster-e2e',
    );

    const acked: number[] = [];
    let failures = 0;
    let killed = false;
    const target = 600;
    const deadline = Date.now() + 60_000;
    for (let i = 0; acked.length < target && Date.now() < deadline; i++) {
      if (!killed && acked.length >= target / 3) {
        await cluster.brokers[leaderId - 1]!.kill();
        killed = true;
      }
      try {
        await producer.send({ topic, acks: -1, timeout: 5000, messages: [{ key: `k${i}`, value: `v${i}` }] });
        acked.push(i);
      } catch {
        failures++;
      }
    }
    t.ok(killed, `leader (broker ${leaderId}) was killed mid-stream`);
    t.equal(acked.length, target, `${target} records acknowledged (${failures} sends failed)`);

    const after = await waitFor(
      'a new leader',
      async () =>
        (await partitionsOf(cluster.bootstrap(), topic)).find((p) => p.leader > 0 && p.leader !== leaderId),
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    t.not(after.leader, leaderId, `broker ${after.leader} leads now`);

    const read = (msgs: KcatMessage[]) => msgs.map((m) => Number((m.payload ?? '').slice(1)));
    const got = read(
      await kcatConsume(cluster.bootstrap(), topic, ['-o', 'beginning'], { timeoutMs: 60_000 }),
    );
    const seen = new Set(got);
    const missing = acked.filter((i) => !seen.has(i));
    t.same(missing, [], 'every acknowledged record is read back');
    const firstSeen = got.filter((v, i) => got.indexOf(v) === i && acked.includes(v));
    t.same(firstSeen, acked, 'acknowledged records come back in the order they were acknowledged');

    // The killed broker returns over its data directory, truncates and catches up.
    await cluster.restart(leaderId);
    await fullyInSync(cluster, topic, 1);
    for (const b of cluster.brokers) await b.stop();
    const [a, b, c] = cluster.dataDirs.map((d) => partitionBytes(d, topic, 0));
    t.ok(
      a!.equals(b!) && a!.equals(c!),
      `the three replicas converge to identical logs (${a!.length} bytes)`,
    );
  },
);
