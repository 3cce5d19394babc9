/**
 * A broker that is not a voter (an observer of the metadata quorum), with three voters, as
 * real processes: it registers, holds replicas and leads partitions like any broker, keeps an
 * identical log under kcat acks=all, catches up after a SIGKILL and restart, never becomes the
 * controller, and keeps serving when the quorum leader is killed.
 */
import t from 'tap';
import {
  createReplicatedTopic,
  partitionBytes,
  partitionsOf,
  spawnCluster,
  type TestCluster,
  waitForPartitions,
} from '../helpers/cluster.js';
import { kcat, kcatConsume, kcatProduce } from '../helpers/kcat.js';
import { describeRun } from '../helpers/process.js';
import { uniqueTopic } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait.js';

const OBSERVER = 4;

/** Brokers and the controller as `kcat -L -J` sees them from `bootstrap`. */
async function clusterView(
  bootstrap: string,
): Promise<{ brokers: number[]; controller: number } | undefined> {
  const r = await kcat(bootstrap, ['-L', '-J'], { timeoutMs: 20_000 });
  if (r.code !== 0) return undefined;
  const md = JSON.parse(r.stdout) as { brokers: { id: number }[]; controllerid: number };
  return { brokers: md.brokers.map((b) => b.id).sort(), controller: md.controllerid };
}

function inSync(cluster: TestCluster, topic: string, replicas: number) {
  return waitForPartitions(
    cluster.bootstrap,
    topic,
    `every partition with ${replicas} in-sync replicas`,
    (ps) => ps.length === 4 && ps.every((p) => p.leader > 0 && p.isrs.length === replicas),
  );
}

t.test('a broker that is not a voter replicates, leads, restarts, and never controls', async (t) => {
  const cluster = await spawnCluster(t, 3, { observers: 1 });
  const view = await clusterView(cluster.bootstrap());
  t.same(view?.brokers, [1, 2, 3, 4], 'the observer is a registered broker');
  t.not(view?.controller, OBSERVER, 'a voter is the controller');

  const topic = uniqueTopic('cluster-observer');
  const created = await createReplicatedTopic(cluster, topic, 4, [], 4);
  if (created.code !== 0) throw new Error(`samsa topic create failed\n${describeRun(created)}`);
  const parts = await inSync(cluster, topic, 4);
  t.ok(
    parts.every((p) => p.replicas.some((r) => r.id === OBSERVER)),
    'the observer holds a replica of every partition',
  );
  t.ok(
    parts.some((p) => p.leader === OBSERVER),
    `the observer leads a partition (leaders: ${parts.map((p) => p.leader).join(', ')})`,
  );

  const produce = (from: number, n: number) =>
    kcatProduce(
      cluster.bootstrap(),
      topic,
      Array.from({ length: n }, (_, i) => `k${from + i}:v${from + i}`),
      ['-K:', '-X', 'acks=all'],
      { timeoutMs: 60_000 },
    );
  await produce(0, 1000);

  // SIGKILL the observer while the others take writes; it comes back and catches up.
  await cluster.brokers[OBSERVER - 1]!.kill();
  await produce(1000, 500);
  await cluster.restart(OBSERVER);
  await inSync(cluster, topic, 4);

  // Kill the quorum leader: a voter takes over; the observer keeps serving.
  const before = (await clusterView(cluster.bootstrap()))!.controller;
  await cluster.brokers[before - 1]!.kill();
  const after = await waitFor(
    'a new controller',
    async () => {
      const v = await clusterView(cluster.brokers[OBSERVER - 1]!.bootstrap);
      return v && v.controller > 0 && v.controller !== before ? v : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 200 },
  );
  t.not(after.controller, OBSERVER, `broker ${after.controller}, a voter, is the controller now`);
  await waitForPartitions(
    cluster.bootstrap,
    topic,
    'leaders for every partition',
    (ps) => ps.length === 4 && ps.every((p) => p.leader > 0 && p.leader !== before),
  );
  await produce(1500, 500);
  const got = await kcatConsume(cluster.brokers[OBSERVER - 1]!.bootstrap, topic, ['-o', 'beginning'], {
    timeoutMs: 60_000,
  });
  t.equal(got.length, 2000, 'every record is read back, through the observer too');
  const leaders = (await partitionsOf(cluster.bootstrap(), topic)).map((p) => p.leader);
  t.comment(`partition leaders at the end: ${leaders.join(', ')}`);

  // The survivors (observer included) hold identical logs.
  const alive = cluster.brokers.map((b, i) => (b.running ? i : -1)).filter((i) => i >= 0);
  await inSync(cluster, topic, 3);
  for (const b of cluster.brokers) if (b.running) await b.stop();
  for (let p = 0; p < 4; p++) {
    const [first, ...rest] = alive.map((i) => partitionBytes(cluster.dataDirs[i]!, topic, p));
    t.ok(
      rest.every((b) => b.equals(first!)),
      `partition ${p}: the replicas on brokers ${alive.map((i) => i + 1).join(', ')} are identical (${first!.length} bytes)`,
    );
  }
});
