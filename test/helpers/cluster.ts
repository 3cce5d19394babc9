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
import { waitFor } from './wait.js';

interface TestLike {
  teardown(fn: () => void | Promise<void>): void;
}

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
 * Start `n` voters (node ids 1..n) and `observers` brokers that are not voters (ids n+1..)
 * forming one cluster; resolves when every one is registered.
 */
export async function spawnCluster(t: TestLike, n = 3, { observers = 0 } = {}): Promise<TestCluster> {
  const ports = await freePorts(n);
  const voters = ports.map((p, i) => `${i + 1}@127.0.0.1:${p}`).join(',');
  const dataDirs = Array.from({ length: n + observers }, (_, i) => tempDir(t, `samsa-cluster-${i + 1}-`));
  const start = (id: number) =>
    spawnBroker(t, {
      nodeId: id,
      dataDir: dataDirs[id - 1]!,
      extraArgs: ['--controller-voters', voters, '--admin-port', '-1'],
      env: clusterEnv,
      readyTimeoutMs: 60_000,
    });
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
  return waitFor(
    `${topic}: ${what}`,
    async () => {
      const ps = await partitionsOf(bootstrap(), topic);
      return accept(ps) ? ps : undefined;
    },
    { timeoutMs, intervalMs: 200 },
  );
}

/** `samsa topic create TOPIC --partitions N --replication-factor 3 …extra`, run as a user would. */
export function createReplicatedTopic(
  cluster: TestCluster,
  topic: string,
  partitions: number,
  extra: string[] = [],
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
      '3',
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
  t.teardown(() => producer.disconnect());
  await producer.connect();
  return producer;
}
