/**
 * RELIABILITY.md test 1 with kafkajs: three brokers, a topic of three partitions with
 * replication factor 3 and min.insync.replicas=2; a kafkajs producer sends acks=all records
 * one at a time (record i to partition i % 3) while the leader of partition 0 is taken down
 * five times in a row — SIGKILL and SIGTERM (a bounce) in turn, each victim started again
 * before the next round. Every acknowledged record is consumed, in the order acknowledged per
 * partition, and the three replicas converge to byte-identical logs.
 */
import t from 'tap';
import {
  bounceLeaders,
  clusterProducer,
  createReplicatedTopic,
  partitionBytes,
  spawnCluster,
  waitForFullIsr,
  waitForIdenticalReplicas,
} from '../helpers/cluster.js';
import { kcatConsume } from '../helpers/kcat.js';
import { describeRun } from '../helpers/process.js';
import { uniqueTopic } from '../helpers/temp.js';
import { withTimeout } from '../helpers/wait.js';

const PARTITIONS = 3;

t.test(
  'kafkajs acks=all while the leader is killed or bounced 5 times: nothing acknowledged is lost',
  async (t) => {
    const cluster = await spawnCluster(t);
    const topic = uniqueTopic('cluster-bounce-kafkajs');
    const created = await createReplicatedTopic(cluster, topic, PARTITIONS, [
      '--config',
      'min.insync.replicas=2',
    ]);
    t.equal(created.code, 0, 'topic created', { run: describeRun(created) });
    await waitForFullIsr(cluster, topic, PARTITIONS);

    const producer = await clusterProducer(
      t,
      cluster.brokers.map((b) => b.bootstrap),
      'samsa-bounce-kafkajs',
      { retries: 20, initialRetryTime: 100, maxRetryTime: 1000 },
    );
    const acked: number[][] = Array.from({ length: PARTITIONS }, () => []);
    let ackedCount = 0;
    let failures = 0;
    let stopping = false;
    const producing = (async () => {
      for (let i = 0; !stopping; i++) {
        const partition = i % PARTITIONS;
        try {
          await producer.send({ topic, acks: -1, timeout: 5000, messages: [{ partition, value: `v${i}` }] });
          acked[partition]!.push(i);
          ackedCount++;
        } catch {
          failures++;
        }
      }
    })();
    // A send can wait out its retries (minutes); teardown does not wait for more than a moment.
    t.teardown(() => {
      stopping = true;
      return withTimeout('the producing loop to stop', producing, 5000).catch(() => {});
    });

    const rounds = await bounceLeaders(cluster, topic, PARTITIONS, {
      rounds: 5,
      progress: () => ackedCount,
      step: 60,
    });
    stopping = true;
    await producing;
    t.equal(
      rounds.length,
      5,
      `five leaders taken down: ${rounds.map((r) => `${r.victim}(${r.how})->${r.next}`).join(' ')}`,
    );
    t.ok(ackedCount >= 600, `${ackedCount} records acknowledged (${failures} sends failed)`);

    // Read once the cluster has settled: every replica back in sync.
    await waitForFullIsr(cluster, topic, PARTITIONS);
    const got = await kcatConsume(cluster.bootstrap(), topic, ['-o', 'beginning'], { timeoutMs: 60_000 });
    for (let p = 0; p < PARTITIONS; p++) {
      const values = got.filter((m) => m.partition === p).map((m) => Number((m.payload ?? '').slice(1)));
      const seen = new Set(values);
      t.same(
        acked[p]!.filter((i) => !seen.has(i)),
        [],
        `partition ${p}: all ${acked[p]!.length} acknowledged records are read back`,
      );
      const ackedSet = new Set(acked[p]!);
      const firstSeen = values.filter((v, i) => ackedSet.has(v) && values.indexOf(v) === i);
      t.same(firstSeen, acked[p]!, `partition ${p}: in the order they were acknowledged`);
    }

    const sizes = await waitForIdenticalReplicas(cluster.dataDirs, topic, PARTITIONS);
    for (const b of cluster.brokers) t.equal((await b.stop()).code, 0, 'broker stops cleanly');
    for (let p = 0; p < PARTITIONS; p++) {
      const [a, b, c] = cluster.dataDirs.map((d) => partitionBytes(d, topic, p));
      t.ok(
        a!.equals(b!) && a!.equals(c!),
        `partition ${p}: the three replicas are byte-identical (${sizes[p]} bytes)`,
      );
    }
  },
);
