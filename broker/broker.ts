/**
 * A broker node: opens the data directory, serves the Kafka protocol, runs the periodic
 * storage work (retention, flush policy, recovery-point checkpoints), and shuts down cleanly.
 */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { type Logger, pino } from 'pino';
import { LogManager } from '../storage/log-manager.js';
import { startAdminHttp } from './admin-http.js';
import { BrokerMetrics } from './broker-metrics.js';
import { ClusterGroups } from './cluster-groups.js';
import { loadOrCreateClusterId } from './cluster-id.js';
import { ClusterMode } from './cluster-mode.js';
import { type BrokerConfig, brokerConfigDefaults, validateConfig } from './config.js';
import { Dispatcher } from './dispatcher.js';
import { groupApiHandlers } from './group/index.js';
import { groupLag, groupsView, startGroupCoordinator } from './groups.js';
import { allHandlers } from './handlers/index.js';
import type { ApiHandler, BrokerCore, BrokerNode } from './request-context.js';
import { Listener } from './server.js';
import { TopicManager } from './topic-manager.js';

export interface Broker {
  readonly host: string;
  readonly port: number;
  /** The admin HTTP port, or -1 when the admin server is off. */
  readonly adminPort: number;
  readonly nodeId: number;
  readonly core: BrokerCore;
  close(): Promise<void>;
}

/** A broker that is its own quorum waits this long for __consumer_offsets at startup. */
const groupsReadyTimeoutMs = 60_000;
/** Flush-policy tick: how often flush.ms is looked at. */
const flushCheckIntervalMs = 1000;

/**
 * Start a broker in this process. Unlike `samsa broker start`, the admin HTTP server is off
 * unless `adminPort` is given (0 picks a free port).
 */
export async function startBroker(options: Partial<BrokerConfig> & { logger?: Logger }): Promise<Broker> {
  const { logger, ...rest } = options;
  const defined = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
  const config = validateConfig({ ...brokerConfigDefaults, adminPort: -1, ...defined });
  const log = logger ?? pino({ level: config.logLevel });
  const dataDir = resolve(config.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const clusterId = loadOrCreateClusterId(dataDir, config.nodeId);

  const started = Date.now();
  const logs = await LogManager.open({
    dataDir,
    defaults: {
      segmentBytes: config.segmentBytes,
      retentionMs: config.retentionMs,
      retentionBytes: config.retentionBytes,
      maxMessageBytes: config.messageBytesMax,
      flushMessages: config.flushMessages,
      flushMs: config.flushMs,
    },
    loadParallelism: config.logLoadParallelism,
    log: log.child({ component: 'storage' }),
  });
  log.info({ dataDir, topics: logs.topics().size, ms: Date.now() - started }, 'storage loaded');

  let listener: Listener | undefined;
  let stopping = false;
  const self = (): BrokerNode => ({
    nodeId: config.nodeId,
    host: config.advertisedHost ?? config.host,
    port: config.advertisedPort > 0 ? config.advertisedPort : (listener?.port ?? config.port),
    rack: null,
  });
  // Alone or not, the broker is a member of a cluster whose metadata quorum decides topics,
  // leadership and the high watermark (a quorum of one without controller.quorum.voters).
  const cluster = new ClusterMode(config, logs, dataDir, log, (topic, partition) =>
    topics.appended(topic, partition, 1),
  );
  const topics = new TopicManager(logs, config, log, cluster.catalog);
  const metrics = new BrokerMetrics({
    connections: () => listener?.connections.size ?? 0,
    partitions: () =>
      logs.allLogs().map((l) => ({
        topic: l.topic,
        partition: l.partition,
        sizeBytes: l.sizeBytes,
        logStartOffset: l.logStartOffset,
        logEndOffset: l.logEndOffset,
        highWatermark: l.highWatermark,
      })),
    groupLag: () => (core.groups ? groupLag(core.groups, topics) : []),
    cluster: () => cluster.view(),
  });
  const core: BrokerCore = {
    config,
    clusterId,
    topics,
    log,
    metrics,
    authority: cluster.authority,
    self,
    brokers: () => cluster.brokers(),
    controllerId: () => cluster.controllerId(),
    get stopping() {
      return stopping;
    },
  };
  const groups = await startGroupCoordinator(config, topics, log);
  core.groups = groups;
  const clusterGroups = new ClusterGroups(cluster, groups, logs, config, log, (topic, partition) =>
    topics.appended(topic, partition, 1),
  );
  const dispatcher = new Dispatcher(core, [
    ...allHandlers(),
    ...(groupApiHandlers(groups, {
      self,
      coordinatorFor: (groupId) => clusterGroups.coordinatorFor(groupId),
    }) as ApiHandler[]),
  ]);
  listener = await Listener.listen({
    host: config.host,
    port: config.port,
    connectionsMax: config.connectionsMax,
    limits: {
      socketRequestBytesMax: config.socketRequestBytesMax,
      inflightRequestsMax: config.connectionInflightRequestsMax,
      queuedBytesMax: config.connectionQueuedBytesMax,
      idleMs: config.connectionIdleMs,
    },
    dispatch: (frame, conn) => dispatcher.dispatch(frame, conn),
    log,
    onBrokerClose: (kind) => metrics.connectionsClosed.inc({ reason: kind }),
  });
  const port = listener.port;
  const joining = (async () => {
    await cluster.start({
      host: config.advertisedHost ?? config.host,
      port: config.advertisedPort > 0 ? config.advertisedPort : port,
    });
    // A quorum of one has everything it needs: groups work as soon as the broker is up.
    if (cluster.alone) await clusterGroups.ready(groupsReadyTimeoutMs);
  })();
  dispatcher.holdUntil(joining);
  try {
    await joining;
  } catch (err) {
    await listener.close(0);
    await cluster.stop();
    await groups.close();
    await logs.close();
    throw err;
  }
  const admin =
    config.adminPort >= 0
      ? await startAdminHttp({
          host: config.adminHost,
          port: config.adminPort,
          core,
          ready: () => !stopping,
          groups: () => (core.groups ? groupsView(core.groups, topics) : undefined),
        })
      : undefined;
  const adminAddress = admin?.server.address();
  const adminPort = typeof adminAddress === 'object' && adminAddress ? adminAddress.port : -1;

  const timers = [
    setInterval(() => safely(log, 'retention', () => logs.runRetention()), config.retentionCheckIntervalMs),
    setInterval(() => safely(log, 'flush', () => logs.flushDirty()), flushCheckIntervalMs),
    setInterval(
      () => safely(log, 'recovery-point checkpoint', () => logs.checkpointRecoveryPoints()),
      config.recoveryPointCheckpointIntervalMs,
    ),
  ];
  for (const t of timers) t.unref();

  log.info({ host: config.host, port, adminPort, dataDir }, `samsa broker ready on ${config.host}:${port}`);

  let closing: Promise<void> | undefined;
  return {
    host: config.host,
    port,
    adminPort,
    nodeId: config.nodeId,
    core,
    close() {
      closing ??= (async () => {
        stopping = true;
        for (const t of timers) clearInterval(t);
        topics.waiters.releaseAll();
        await groups.close();
        await clusterGroups.close();
        await listener.close(config.shutdownDrainMs);
        await cluster.stop();
        await admin?.close();
        await logs.close();
        log.info('storage closed cleanly');
      })();
      return closing;
    },
  };
}

function safely(log: Logger, what: string, fn: () => void): void {
  try {
    fn();
  } catch (err) {
    log.error({ err }, `${what} failed`);
  }
}
