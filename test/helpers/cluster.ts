/**
 * A cluster of `samsa broker start` processes on loopback (cluster mode, experimental): each
 * broker listens for clients on port 0, and the metadata quorum's controller ports — which every
 * voter must know before any starts — are picked free first (listen on port 0, close).
 */

import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import kafkajs from 'kafkajs';
import { type BrokerProcess, spawnBroker } from './broker.js';
import { kcat } from './kcat.js';
import { cliPath } from './paths.js';
import { type RunResult, runProcess } from './process.js';
import { tempDir } from './temp.js';
import { waitFor, withTimeout } from './wait.js';

interface TestLike {
  teardown(fn: () => void | Promise<void>): void;
  passing?(): boolean;
}

/** Lines of each broker's log printed when a cluster test fails. */
const failureLogLines = 400;

/** `n` distinct ports that were free a moment ago. */
export async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
          const s = createServer();
          s.once('error', reject);
          s.listen(0, '127.0.0.1', () => resolve(s));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

export interface TestCluster {
  /** Broker processes by node id (index 0 is node 1); replaced on restart. */
  brokers: BrokerProcess[];
  voters: string;
  dataDirs: string[];
  /** Every running broker's host:port, comma-separated. */
  bootstrap(): string;
  /** Start node `id` again over its data directory (after stop or kill). */
  restart(id: number): Promise<BrokerProcess>;
}

/** Fast failure detection so tests do not wait out production timeouts. */
const clusterEnv = {
  SAMSA_BROKER_SESSION_TIMEOUT_MS: '3000',
  SAMSA_BROKER_HEARTBEAT_INTERVAL_MS: '300',
  SAMSA_REPLICA_LAG_TIME_MAX_MS: '5000',
};

/**
/**
 * How brokers reach each other, when not directly: given the controller ports picked, each
 * broker's own --controller-voters list (its peers' entries may point at proxies) and extra flags
 * (e.g. --advertised-port).
 */
export type ClusterNetwork = (
  controllerPorts: number[],
) => Promise<{ voters(id: number): string; args(id: number): string[] }>;

/**
 * Start `n` voters (node ids 1..n) and `observers` brokers that are not voters (ids n+1..)
 * forming one cluster, reaching each other over `network` (default: directly); resolves when
 * every one is registered.
 */
export async function spawnCluster(
  t: TestLike,
  n = 3,
  options: ClusterNetwork | { observers?: number; network?: ClusterNetwork } = {},
): Promise<TestCluster> {
  const { observers = 0, network } = typeof options === 'function' ? { network: options } : options;
  const ports = await freePorts(n);
  const voters = ports.map((p, i) => `${i + 1}@127.0.0.1:${p}`).join(',');
  const net = network ? await network(ports) : { voters: () => voters, args: () => [] };
  const dataDirs = Array.from({ length: n + observers }, (_, i) => tempDir(t, `samsa-cluster-${i + 1}-`));
  // Every broker process started, restarts included: their logs are printed if the test fails.
  const started: { id: number; broker: BrokerProcess }[] = [];
  t.teardown(() => {
    if (t.passing?.() !== false) return;
    for (const { id, broker } of started)
      process.stderr.write(
        `--- broker ${id} (pid ${broker.pid}) ---\n${broker.logs.tail(failureLogLines)}\n${broker.stderr()}\n`,
      );
  });
  const start = async (id: number) => {
    const broker = await spawnBroker(t, {
      nodeId: id,
      dataDir: dataDirs[id - 1]!,
      extraArgs: ['--controller-voters', net.voters(id), '--admin-port', '-1', ...net.args(id)],
      env: clusterEnv,
      readyTimeoutMs: 60_000,
    });
    started.push({ id, broker });
    return broker;
  };
  // Together: a broker is ready only once a quorum has applied its registration.
  const brokers = await Promise.all(dataDirs.map((_, i) => start(i + 1)));
  const cluster: TestCluster = {
    brokers,
    voters,
    dataDirs,
    bootstrap: () =>
      cluster.brokers
        .filter((b) => b.running)
        .map((b) => b.bootstrap)
        .join(','),
    async restart(id) {
      const b = await start(id);
      cluster.brokers[id - 1] = b;
      return b;
    },
  };
  return cluster;
}

/** The bytes of a partition's log in a data directory (its segments, in order). */
export function partitionBytes(dataDir: string, topic: string, partition: number): Buffer {
  const dir = join(dataDir, `${topic}-${partition}`);
  const segments = readdirSync(dir)
    .filter((f) => f.endsWith('.log'))
    .sort();
  return Buffer.concat(segments.map((f) => readFileSync(join(dir, f))));
}

/** A partition as `kcat -L -J` reports it. */
export interface ClusterPartition {
  partition: number;
  leader: number;
  replicas: { id: number }[];
  isrs: { id: number }[];
}

/** Partitions of `topic` as kcat -L sees them from `bootstrap` ([] while unknown). */
export async function partitionsOf(bootstrap: string, topic: string): Promise<ClusterPartition[]> {
  const r = await kcat(bootstrap, ['-L', '-J', '-t', topic], { timeoutMs: 20_000 });
  if (r.code !== 0) return [];
  const md = JSON.parse(r.stdout) as { topics: { topic: string; partitions?: ClusterPartition[] }[] };
  return md.topics.find((x) => x.topic === topic)?.partitions ?? [];
}

/** Polls kcat -L (from `bootstrap()`, asked afresh each time) until `accept` holds; its partitions. */
export function waitForPartitions(
  bootstrap: () => string,
  topic: string,
  what: string,
  accept: (ps: ClusterPartition[]) => boolean,
  timeoutMs = 60_000,
): Promise<ClusterPartition[]> {
  let last: ClusterPartition[] = [];
  return waitFor(
    `${topic}: ${what}`,
    async () => {
      const ps = await partitionsOf(bootstrap(), topic);
      last = ps;
      return accept(ps) ? ps : undefined;
    },
    { timeoutMs, intervalMs: 200 },
  ).catch((err: Error) => {
    const seen = last.map(
      (p) => `${p.partition}: leader ${p.leader}, isr ${p.isrs.map((r) => r.id).join(',')}`,
    );
    throw new Error(`${err.message} (last seen: ${seen.join('; ') || 'nothing'})`);
  });
}

/** `samsa topic create TOPIC --partitions N --replication-factor RF (3) …extra`, run as a user would. */
export function createReplicatedTopic(
  cluster: TestCluster,
  topic: string,
  partitions: number,
  extra: string[] = [],
  replicationFactor = 3,
): Promise<RunResult> {
  return runProcess(
    process.execPath,
    [
      cliPath,
      '--brokers',
      cluster.bootstrap(),
      'topic',
      'create',
      topic,
      '--partitions',
      String(partitions),
      '--replication-factor',
      String(replicationFactor),
      ...extra,
    ],
    { timeoutMs: 60_000 },
  );
}

/** A connected kafkajs producer for `brokers`, disconnected at teardown. */
export async function clusterProducer(
  t: TestLike,
  brokers: string[],
  clientId: string,
  retry: { retries: number; initialRetryTime?: number; maxRetryTime?: number } = {
    retries: 10,
    initialRetryTime: 100,
    maxRetryTime: 1000,
  },
): Promise<kafkajs.Producer> {
  const kafka = new kafkajs.Kafka({
    clientId,
    brokers,
    logLevel: kafkajs.logLevel.NOTHING,
    connectionTimeout: 3000,
    requestTimeout: 10_000,
    retry,
  });
  const producer = kafka.producer({ allowAutoTopicCreation: false, retry });
  // disconnect waits for requests in flight, which may be waiting on a dead broker.
  t.teardown(() => withTimeout('producer disconnect', producer.disconnect(), 10_000).catch(() => {}));
  await producer.connect();
  return producer;
}

/** Waits until every partition of `topic` has a leader and all `n` replicas in its ISR. */
export function waitForFullIsr(
  cluster: TestCluster,
  topic: string,
  count: number,
  n = 3,
  timeoutMs = 60_000,
): Promise<ClusterPartition[]> {
  return waitForPartitions(
    cluster.bootstrap,
    topic,
    `${count} partitions with ${n} in-sync replicas`,
    (ps) => ps.length === count && ps.every((p) => p.leader > 0 && p.isrs.length === n),
    timeoutMs,
  );
}

/**
 * Waits (polling the files of running brokers) until every data directory holds the same bytes
 * for each partition of `topic`; the sizes per partition.
 */
export function waitForIdenticalReplicas(
  dataDirs: string[],
  topic: string,
  partitions: number,
  timeoutMs = 30_000,
): Promise<number[]> {
  return waitFor(
    `${topic}: the replicas to hold identical logs`,
    () => {
      const sizes: number[] = [];
      for (let p = 0; p < partitions; p++) {
        const [first, ...rest] = dataDirs.map((d) => partitionBytes(d, topic, p));
        if (!rest.every((b) => b.equals(first!))) return undefined;
        sizes.push(first!.length);
      }
      return sizes;
    },
    { timeoutMs, intervalMs: 100 },
  );
}

/** One round of {@link bounceLeaders}: who led, how it was taken down, who led next. */
export interface BounceRound {
  victim: number;
  how: 'SIGKILL' | 'SIGTERM';
  next: number;
}

/**
 * RELIABILITY test 1's chaos: `rounds` times, once every partition of `topic` is fully in sync
 * and `progress()` (the caller's count of acknowledged records) has grown by `step`, take the
 * leader of partition 0 down — SIGKILL in even rounds, a bounce (SIGTERM) in odd ones — wait
 * for every partition to have a live leader, let `progress()` grow by `step` again while the
 * victim is down (the ISR is two, at min.insync.replicas), and start the victim again.
 */
export async function bounceLeaders(
  cluster: TestCluster,
  topic: string,
  partitions: number,
  opts: { rounds: number; progress: () => number; step: number; timeoutMs?: number },
): Promise<BounceRound[]> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const grown = async (what: string) => {
    const from = opts.progress();
    await waitFor(
      `${opts.step} more acknowledged records ${what} (at ${from})`,
      () => opts.progress() >= from + opts.step,
      {
        timeoutMs,
        intervalMs: 20,
      },
    );
  };
  const done: BounceRound[] = [];
  for (let r = 0; r < opts.rounds; r++) {
    const [p0] = await waitForFullIsr(cluster, topic, partitions, 3, timeoutMs);
    await grown(`before round ${r + 1}`);
    const victim = p0!.leader;
    const how = r % 2 === 0 ? 'SIGKILL' : 'SIGTERM';
    await cluster.brokers[victim - 1]!.stop(how);
    const after = await waitForPartitions(
      cluster.bootstrap,
      topic,
      `round ${r + 1}: a live leader for every partition after broker ${victim} (${how})`,
      (ps) => ps.length === partitions && ps.every((p) => p.leader > 0 && p.leader !== victim),
      timeoutMs,
    );
    await grown(`with broker ${victim} down`);
    await cluster.restart(victim);
    done.push({ victim, how, next: after[0]!.leader });
  }
  await waitForFullIsr(cluster, topic, partitions, 3, timeoutMs);
  await grown('after the last round');
  return done;
}
