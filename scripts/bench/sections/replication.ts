/**
 * Replication (issue 8's benchmark): three brokers on this machine forming one cluster
 * (cluster mode: a Raft metadata quorum of three voters), one topic of 6 partitions with
 * replication factor 3, 100-byte records from one producer with acks=1 and acks=all — beside a
 * single broker measured the same way in the same run, and Kafka's 2014 figures for three
 * brokers on three 6-core machines.
 */
import { Admin } from '../../../client/index.js';
import { freePort } from '../peers/peer-process.js';
import { type RunningBroker, type SuiteContext, samsaBench, startBroker } from '../suite-context.js';
import type { BenchRun, BrokerInfo, ReplicationSection } from '../suite-types.js';

/** `n` distinct ports that were free a moment ago (controller ports must be known up front). */
async function distinctFreePorts(n: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < n) ports.add(await freePort());
  return [...ports];
}

async function produceBoth(
  ctx: SuiteContext,
  bootstrap: string,
  topic: string,
  common: string[],
): Promise<{ acks1: BenchRun; acksAll: BenchRun }> {
  const acks1 = await samsaBench(ctx, bootstrap, ['produce', `${topic}-acks1`, ...common, '--acks', '1']);
  const acksAll = await samsaBench(ctx, bootstrap, [
    'produce',
    `${topic}-acksall`,
    ...common,
    '--acks',
    'all',
  ]);
  return { acks1, acksAll };
}

export async function runReplication(ctx: SuiteContext): Promise<ReplicationSection> {
  const p = ctx.plan.replication;
  const common = [
    '--records',
    String(p.records),
    '--record-size',
    String(ctx.plan.recordBytes),
    '--partitions',
    String(p.partitions),
  ];

  const single = await startBroker(ctx, 'replication-single');
  let singleRuns: { acks1: BenchRun; acksAll: BenchRun };
  let singleInfo!: BrokerInfo;
  try {
    singleRuns = await produceBoth(ctx, single.bootstrap, 'rep-single', common);
  } finally {
    singleInfo = await single.stop();
  }

  const ports = await distinctFreePorts(p.brokers);
  const voters = ports.map((port, i) => `${i + 1}@127.0.0.1:${port}`).join(',');
  // Together: each broker is ready once a quorum has applied its registration.
  const brokers: RunningBroker[] = await Promise.all(
    ports.map((_, i) =>
      startBroker(ctx, `replication-${i + 1}`, {
        config: {
          'node.id': i + 1,
          'controller.quorum.voters': voters,
          'default.replication.factor': p.brokers,
        },
      }),
    ),
  );
  let clusterRuns: { acks1: BenchRun; acksAll: BenchRun };
  let infos!: BrokerInfo[];
  let layout: ReplicationSection['layout'] = [];
  try {
    const bootstrap = brokers.map((b) => b.bootstrap).join(',');
    clusterRuns = await produceBoth(ctx, bootstrap, 'rep-cluster', common);
    // What the cluster made of the topic: every partition's replicas and ISR, for the report.
    const admin = new Admin({ brokers: bootstrap.split(',') });
    try {
      const [t] = await admin.describeTopics(['rep-cluster-acksall']);
      layout = (t?.partitions ?? []).map((x) => ({
        partition: x.partition,
        leader: x.leader,
        replicas: x.replicas,
        isr: x.isr,
      }));
    } finally {
      await admin.close();
    }
  } finally {
    infos = await Promise.all(brokers.map((b) => b.stop()));
  }
  return {
    brokers: p.brokers,
    replicationFactor: p.brokers,
    records: p.records,
    partitions: p.partitions,
    single: { ...singleRuns, broker: singleInfo },
    cluster: { ...clusterRuns, brokers: infos },
    layout,
  };
}
