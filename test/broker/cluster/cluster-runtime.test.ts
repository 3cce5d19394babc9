import { join } from 'node:path';
import t from 'tap';
import { ClusterRuntime, type ClusterRuntimeOptions } from '../../../broker/cluster/cluster-runtime.js';
import type { ReplicaLog } from '../../../broker/cluster/replica-manager.js';
import { tempDir } from '../../helpers/temp.js';
import { waitFor } from '../../helpers/wait.js';

/** A replica log that holds nothing: this test is about metadata, not data. */
function emptyLog(): ReplicaLog {
  return {
    logStartOffset: 0,
    logEndOffset: 0,
    latestEpoch: -1,
    highWatermark: 0,
    config: { minInsyncReplicas: 1 },
    endOffsetForEpoch: () => ({ epoch: -1, endOffset: -1 }),
    append: () => undefined,
    truncateTo: () => undefined,
    truncateFullyAndStartAt: () => undefined,
  };
}

const quiet = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };

async function startNode(
  dir: string,
  id: number,
  ids: number[],
  opened: string[],
  log: ClusterRuntimeOptions<ReplicaLog>['log'] = quiet,
) {
  const voters = new Map(ids.map((v) => [v, { host: '127.0.0.1', port: 1 }]));
  return ClusterRuntime.start({
    brokerId: id,
    // Nothing listens here: followers' fetchers retry quietly; this test is about metadata.
    endpoint: { host: '127.0.0.1', port: 1 },
    raft: { dir: join(dir, `raft-${id}`), host: '127.0.0.1', port: 0, voters, tickMs: 20, electionTicks: 10 },
    sessionTimeoutMs: 1_000,
    heartbeatIntervalMs: 100,
    preferredLeaderCheckMs: 60_000,
    replicas: {
      openLog: async (topic, partition) => {
        opened.push(`${id}:${topic}-${partition}`);
        return emptyLog();
      },
      deleteTopicLogs: async () => {},
      onHighWatermark: () => {},
      replicaLagTimeMaxMs: 30_000,
      fetcher: { backoffMsMin: 200, backoffMsMax: 1_000 },
    },
    log,
  });
}

type Runtime = Awaited<ReturnType<typeof startNode>>;

function connect(all: Runtime[]): void {
  for (const a of all)
    for (const b of all)
      if (a !== b) a.setVoterAddress(brokerIdOf(b), { host: '127.0.0.1', port: b.controllerPort });
}
const ids = new WeakMap<Runtime, number>();
const brokerIdOf = (r: Runtime) => ids.get(r)!;

t.test(
  'three brokers: register, get unfenced, create a topic from any broker, survive losing the controller',
  async (t) => {
    const dir = tempDir(t, 'samsa-cluster-');
    const opened: string[] = [];
    const nodes: Runtime[] = [];
    for (const id of [1, 2, 3]) {
      const rt = await startNode(dir, id, [1, 2, 3], opened);
      ids.set(rt, id);
      nodes.push(rt);
    }
    t.teardown(() => Promise.all(nodes.map((n) => n.stop())));
    connect(nodes);
    await Promise.all(nodes.map((n) => n.register()));
    await waitFor(
      'all unfenced everywhere',
      () => nodes.every((n) => n.image.liveBrokerIds().join() === '1,2,3'),
      { timeoutMs: 15_000 },
    );

    const follower = nodes.find((n) => !n.isController())!;
    const result = await follower.submit({
      type: 'create-topic',
      requestId: follower.nextRequestId('create'),
      name: 'orders',
      topicId: '0'.repeat(32),
      partitions: 3,
      replicationFactor: 3,
      configs: {},
    });
    t.equal(result.errorCode, 0);
    await waitFor('every broker opened its 3 replicas', () => opened.length === 9);
    for (const n of nodes) t.same(n.image.toRecords(), nodes[0]!.image.toRecords(), 'identical images');

    const controller = nodes.find((n) => n.isController())!;
    const goneId = brokerIdOf(controller);
    const led = [0, 1, 2].filter((p) => controller.image.partition('orders', p)?.leader === goneId);
    t.equal(led.length, 1, 'each broker leads one partition');
    await controller.stop();
    const survivors = nodes.filter((n) => n !== controller);
    await waitFor(
      'the stopped broker fenced and its partition led elsewhere',
      () =>
        survivors.every((n) => {
          const p = n.image.partition('orders', led[0]!);
          return (
            n.image.brokers.get(goneId)?.fenced &&
            p &&
            p.leader !== goneId &&
            p.leader !== -1 &&
            !p.isr.includes(goneId)
          );
        }),
      { timeoutMs: 20_000 },
    );
    t.equal(survivors[0]!.image.partition('orders', led[0]!)?.leaderEpoch, 1);

    // The broker comes back (new process, same data, new port): it registers again, at a new epoch.
    const oldEpoch = survivors[0]!.image.brokers.get(goneId)!.brokerEpoch;
    const roles: { topic: string; partition: number; role: string; leaderEpoch: number }[] = [];
    const back = await startNode(dir, goneId, [1, 2, 3], opened, {
      ...quiet,
      info: (o: object, msg: string) => {
        if (msg === 'partition role') roles.push(o as (typeof roles)[number]);
      },
    });
    ids.set(back, goneId);
    nodes.push(back);
    connect([...survivors, back]);
    await back.register();
    await waitFor(
      'back and unfenced',
      () => survivors.every((n) => n.image.brokers.get(goneId)?.fenced === false),
      { timeoutMs: 15_000 },
    );
    t.ok(survivors[0]!.image.brokers.get(goneId)!.brokerEpoch > oldEpoch);
    t.equal(back.image.topics.get('orders')?.partitions.length, 3, 'the returning broker has the metadata');
    await waitFor('the returning broker follows its old partition', () =>
      roles.some((r) => r.partition === led[0] && r.role === 'follower'),
    );
    t.same(
      roles.filter((r) => r.partition === led[0] && r.leaderEpoch === 0),
      [],
      'it never acted on the metadata it had when it stopped (leading at epoch 0): roles start once it is registered',
    );
  },
);
