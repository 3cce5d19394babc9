/**
 * The broker as a member of its cluster — a cluster of one when `controller.quorum.voters` is
 * not set (the node is then the whole metadata quorum; there is no separate single-node path):
 * it runs a {@link ClusterRuntime} — a voter of the Raft metadata quorum, its registration and
 * heartbeats, and the ReplicaManager — and the broker's handlers see it through two narrow
 * interfaces:
 *
 * - {@link PartitionAuthority}: leadership, leader epochs, the high watermark and acks=all,
 *   from the ReplicaManager and the metadata image;
 * - {@link TopicCatalog}: topics, partition counts and configs from the image; creating,
 *   deleting, growing and configuring topics become metadata requests.
 *
 * Partition logs are the LogManager's: the ReplicaManager opens a partition's log when this
 * broker becomes one of its replicas (creating the topic locally with the image's partition
 * count and configs) and deletes a topic's logs when the topic is removed.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { ErrorCode as E } from '../protocol/error-codes.js';
import { writeFileAtomic } from '../storage/checkpoint.js';
import { nodeFs } from '../storage/fs.js';
import type { LogManager } from '../storage/log-manager.js';
import type { PartitionLog } from '../storage/partition-log.js';
import type { ClusterView } from './broker-metrics.js';
import { ClusterRuntime } from './cluster/cluster-runtime.js';
import type { MetadataImage } from './cluster/metadata-image.js';
import type { MetadataRequest } from './cluster/metadata-records.js';
import { type BrokerConfig, quorumVoters } from './config.js';
import type { PartitionAuthority, PartitionDescription } from './partition-authority.js';
import type { BrokerNode } from './request-context.js';
import type { Outcome, TopicCatalog } from './topic-manager.js';

/** The metadata quorum's directory inside the data directory. */
export const CLUSTER_METADATA_DIR = '__cluster_metadata';
/** In {@link CLUSTER_METADATA_DIR}: present once a quorum of one has adopted the local topics. */
const ADOPTED_MARKER = 'local-topics-adopted';
/** Metadata requests from client APIs wait this long for the quorum. */
const submitTimeoutMs = 30_000;

const notReady: Outcome = {
  errorCode: E.REQUEST_TIMED_OUT,
  errorMessage: 'this broker has not joined the cluster yet; retry shortly',
};

export class ClusterMode {
  private runtime: ClusterRuntime<PartitionLog> | undefined;
  private readonly metadataListeners: ((image: MetadataImage) => void)[] = [];
  private readonly started: Promise<ClusterRuntime<PartitionLog>>;
  private resolveStarted!: (rt: ClusterRuntime<PartitionLog>) => void;

  constructor(
    private readonly config: BrokerConfig,
    private readonly logs: LogManager,
    private readonly dataDir: string,
    private readonly log: Logger,
    /** A partition's high watermark moved or it got records (wake parked fetches). */
    private readonly onProgress: (topic: string, partition: number) => void,
  ) {
    this.started = new Promise((resolve) => {
      this.resolveStarted = resolve;
    });
  }

  /** Join the quorum, then register this broker reachable at `endpoint` and wait until that is applied. */
  async start(endpoint: { host: string; port: number }): Promise<void> {
    const voters = quorumVoters(this.config);
    // A broker that is not a voter is an observer, on controller.port (unset: any free port).
    const own = voters.get(this.config.nodeId);
    const controllerPort = own?.port ?? Math.max(0, this.config.controllerPort);
    const log = this.log.child({ component: 'cluster' });
    const metadataDir = join(this.dataDir, CLUSTER_METADATA_DIR);
    const adoptedMarker = join(metadataDir, ADOPTED_MARKER);
    const rt = await ClusterRuntime.start<PartitionLog>({
      brokerId: this.config.nodeId,
      endpoint,
      raft: {
        dir: metadataDir,
        host: this.config.host,
        port: controllerPort,
        advertisedHost: this.config.advertisedHost ?? this.config.host,
        voters,
      },
      sessionTimeoutMs: this.config.brokerSessionTimeoutMs,
      heartbeatIntervalMs: this.config.brokerHeartbeatIntervalMs,
      // Off: never (auto.leader.rebalance.enable=false).
      preferredLeaderCheckMs: this.config.autoLeaderRebalance
        ? this.config.leaderImbalanceCheckIntervalSeconds * 1000
        : 0,
      replicas: {
        openLog: (topic, partition) => this.openLog(topic, partition),
        deleteTopicLogs: async (topic) => {
          if (this.logs.hasTopic(topic)) this.logs.deleteTopic(topic);
        },
        onHighWatermark: (topic, partition) => this.onProgress(topic, partition),
        replicaLagTimeMaxMs: this.config.replicaLagTimeMaxMs,
      },
      log,
    });
    this.runtime = rt;
    this.resolveStarted(rt);
    rt.on('metadata', (image) => {
      this.syncTopicConfigs(image);
      for (const l of [...this.metadataListeners]) l(image);
    });
    const epoch = await rt.register();
    log.info({ brokerId: this.config.nodeId, brokerEpoch: epoch }, 'registered with the metadata quorum');
    if (this.alone && !existsSync(adoptedMarker)) {
      await this.adoptLocalTopics(rt, log);
      // Written once every local topic is in the image: a crash before it adopts the rest on restart.
      writeFileAtomic(nodeFs, adoptedMarker, Buffer.from(`${new Date().toISOString()}\n`));
    }
    // Serve once the controller has let this broker in (unfenced), with its partition roles carried out.
    await this.waitForImage(
      'this broker to be unfenced',
      (image) => image.brokers.get(this.config.nodeId)?.fenced === false,
      submitTimeoutMs,
    );
    await rt.rolesApplied();
  }

  /** Resolves once the metadata this broker has carried out satisfies `accept`. */
  /** Resolves at the next metadata change this broker carries out, or after `timeoutMs`. */
  nextMetadata(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      const off = this.onMetadata(done);
      function done() {
        clearTimeout(timer);
        off();
        resolve();
      }
    });
  }

  private waitForImage(
    what: string,
    accept: (image: MetadataImage) => boolean,
    timeoutMs: number,
  ): Promise<void> {
    const rt = this.runtime;
    if (rt && accept(rt.image)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const off = this.onMetadata((image) => {
        if (!accept(image)) return;
        clearTimeout(timer);
        off();
        resolve();
      });
    });
  }

  /** True when this node is the whole metadata quorum. */
  get alone(): boolean {
    const voters = quorumVoters(this.config);
    return voters.size === 1 && voters.has(this.config.nodeId);
  }

  /**
   * A data directory from before the metadata quorum holds topics the quorum has never heard
   * of: on its first start, a quorum of one takes them over as they are — same partition count
   * and configs, this node their only replica. Afterwards a marker file says it is done, so a
   * topic deleted later is not adopted again from leftover files.
   */
  private async adoptLocalTopics(rt: ClusterRuntime<PartitionLog>, log: Logger): Promise<void> {
    for (const [name, meta] of this.logs.topics()) {
      if (rt.image.topics.has(name)) continue;
      const r = await rt.submit(
        {
          type: 'create-topic',
          requestId: rt.nextRequestId('adopt-topic'),
          name,
          topicId: randomBytes(16).toString('hex'),
          partitions: meta.partitions,
          replicationFactor: 1,
          configs: meta.configs,
          assignments: Array.from({ length: meta.partitions }, () => [this.config.nodeId]),
        },
        submitTimeoutMs,
      );
      if (r.errorCode !== 0)
        log.error({ topic: name, errorCode: r.errorCode, err: r.message }, 'could not adopt a local topic');
      else
        log.info(
          { topic: name, partitions: meta.partitions },
          'adopted a local topic into the metadata quorum',
        );
    }
  }

  async stop(): Promise<void> {
    await this.runtime?.stop();
  }

  /** The metadata image, once this broker has joined the quorum. */
  get image(): MetadataImage | undefined {
    return this.runtime?.image;
  }

  /**
   * Call `listener` after every metadata change this broker has carried out (partition roles
   * applied); returns the function that stops it.
   */
  onMetadata(listener: (image: MetadataImage) => void): () => void {
    this.metadataListeners.push(listener);
    return () => {
      const i = this.metadataListeners.indexOf(listener);
      if (i >= 0) this.metadataListeners.splice(i, 1);
    };
  }

  /** Registered, unfenced brokers as clients reach them. */
  brokers(): BrokerNode[] {
    const image = this.runtime?.image;
    if (!image) return [];
    const out: BrokerNode[] = [];
    for (const b of image.brokers.values())
      if (!b.fenced) out.push({ nodeId: b.brokerId, host: b.host, port: b.port, rack: b.rack });
    return out.sort((a, b) => a.nodeId - b.nodeId);
  }

  /** This broker's part in the cluster for the metrics (see {@link ClusterView}). */
  view(): ClusterView {
    const rt = this.runtime;
    const view = {
      controller: false,
      leaderPartitions: 0,
      underReplicatedPartitions: 0,
      offlinePartitions: 0,
    };
    if (!rt) return view;
    view.controller = rt.isController();
    for (const t of rt.image.topics.values())
      for (const p of t.partitions) {
        if (p.leader < 0) {
          if (view.controller) view.offlinePartitions++;
        } else if (p.leader === this.config.nodeId) {
          view.leaderPartitions++;
          if (p.isr.length < p.replicas.length) view.underReplicatedPartitions++;
        }
      }
    return view;
  }

  /** The active controller (the metadata quorum's leader), -1 when there is none. */
  controllerId(): number {
    return this.runtime?.quorumLeaderId || -1;
  }

  readonly authority: PartitionAuthority = {
    leaderError: (topic, partition, requestedEpoch) => {
      const rt = this.runtime;
      if (!rt) return E.NOT_LEADER_OR_FOLLOWER;
      if (!rt.image.partition(topic, partition)) return E.UNKNOWN_TOPIC_OR_PARTITION;
      return rt.replicas.leaderError(topic, partition, requestedEpoch);
    },
    leaderEpoch: (topic, partition) => this.runtime?.replicas.leaderEpochOf(topic, partition) ?? -1,
    acksAllPrecheck: (topic, partition, log) => {
      const errorCode = this.runtime?.replicas.acksAllPrecheck(topic, partition) ?? E.NOT_LEADER_OR_FOLLOWER;
      if (errorCode === 0) return { errorCode, errorMessage: null };
      const isr = this.runtime?.image.partition(topic, partition)?.isr ?? [];
      return {
        errorCode,
        errorMessage:
          errorCode === E.NOT_ENOUGH_REPLICAS
            ? `${topic}-${partition}: ${isr.length} replica(s) in sync (${isr.join(', ')}), min.insync.replicas is ${log.config.minInsyncReplicas}; wait for followers to catch up or use acks=1`
            : null,
      };
    },
    appended: (topic, partition, log) =>
      this.runtime?.replicas.leaderAppended(topic, partition, log.logEndOffset),
    awaitAcksAll: (topic, partition, nextOffset, timeoutMs) =>
      this.runtime
        ? this.runtime.replicas.awaitAcksAll(topic, partition, nextOffset, timeoutMs)
        : Promise.resolve(E.NOT_LEADER_OR_FOLLOWER),
    replicaFetched: (replicaId, topic, partition, fetchOffset, requestedEpoch) => {
      const rt = this.runtime;
      if (!rt) return E.NOT_LEADER_OR_FOLLOWER;
      if (!rt.image.partition(topic, partition)) return E.UNKNOWN_TOPIC_OR_PARTITION;
      return rt.replicas.replicaFetched(replicaId, topic, partition, fetchOffset, requestedEpoch);
    },
    describe: (topic, partition, log): PartitionDescription => {
      const image = this.runtime?.image;
      const p = image?.partition(topic, partition);
      if (!image || !p)
        return {
          errorCode: E.UNKNOWN_TOPIC_OR_PARTITION,
          leaderId: -1,
          leaderEpoch: -1,
          replicas: [],
          isr: [],
          offline: [],
        };
      const offline = p.replicas.filter((id) => image.brokers.get(id)?.fenced !== false);
      // This broker leads it but its storage failed: as Kafka, the partition is offline here.
      if (p.leader === this.config.nodeId && log && !log.online) {
        if (!offline.includes(p.leader)) offline.push(p.leader);
        return {
          errorCode: E.KAFKA_STORAGE_ERROR,
          leaderId: -1,
          leaderEpoch: p.leaderEpoch,
          replicas: p.replicas,
          isr: p.isr,
          offline,
        };
      }
      return {
        errorCode: p.leader >= 0 ? 0 : E.LEADER_NOT_AVAILABLE,
        leaderId: p.leader,
        leaderEpoch: p.leaderEpoch,
        replicas: p.replicas,
        isr: p.isr,
        offline,
      };
    },
  };

  readonly catalog: TopicCatalog = {
    names: () => [...(this.runtime?.image.topics.keys() ?? [])],
    partitionCount: (name) => this.runtime?.image.topics.get(name)?.partitions.length ?? 0,
    configOverrides: (name) => {
      const t = this.runtime?.image.topics.get(name);
      return t ? Object.fromEntries(t.configs) : undefined;
    },
    liveBrokerIds: () => this.runtime?.image.liveBrokerIds() ?? [],
    create: (name, partitions, replicationFactor, configs, assignments) =>
      this.request((id) => ({
        type: 'create-topic',
        requestId: id('create-topic'),
        name,
        topicId: randomBytes(16).toString('hex'),
        partitions,
        replicationFactor,
        configs,
        ...(assignments ? { assignments } : {}),
      })),
    delete: (name) => this.request((id) => ({ type: 'delete-topic', requestId: id('delete-topic'), name })),
    addPartitions: (topic, count) =>
      this.request((id) => ({ type: 'create-partitions', requestId: id('create-partitions'), topic, count })),
    setConfigs: (topic, configs) => {
      const current = this.catalog.configOverrides(topic) ?? {};
      const changes: Record<string, string | null> = { ...configs };
      for (const k of Object.keys(current)) if (!(k in configs)) changes[k] = null;
      return this.request((id) => ({
        type: 'alter-topic-configs',
        requestId: id('alter-topic-configs'),
        topic,
        configs: changes,
      }));
    },
  };

  private async request(make: (id: (what: string) => string) => MetadataRequest): Promise<Outcome> {
    const rt = this.runtime;
    if (!rt) return notReady;
    try {
      const r = await rt.submit(
        make((what) => rt.nextRequestId(what)),
        submitTimeoutMs,
      );
      // The outcome is usable here once this broker has carried it out (logs opened or deleted).
      await rt.rolesApplied();
      return { errorCode: r.errorCode, errorMessage: r.message };
    } catch (err) {
      return { errorCode: E.REQUEST_TIMED_OUT, errorMessage: (err as Error).message };
    }
  }

  private async openLog(topic: string, partition: number): Promise<PartitionLog> {
    const rt = await this.started;
    const t = rt.image.topics.get(topic);
    const count = Math.max(t?.partitions.length ?? 0, partition + 1);
    const configs = t ? Object.fromEntries(t.configs) : {};
    const local = this.logs.topicMetadata(topic);
    if (!local) await this.logs.createTopic(topic, count, configs);
    else if (local.partitions < count) await this.logs.addPartitions(topic, count);
    return this.logs.log(topic, partition)!;
  }

  /**
   * Topic config changes reach the local logs of the topics this broker holds: the image's
   * configs against the local topic's own, no copy of either kept in between.
   */
  private syncTopicConfigs(image: MetadataImage): void {
    for (const t of image.topics.values()) {
      const local = this.logs.topicMetadata(t.name);
      if (!local) continue;
      const configs = Object.fromEntries(t.configs);
      if (configKey(configs) === configKey(local.configs)) continue;
      try {
        this.logs.setTopicConfigs(t.name, configs);
      } catch (err) {
        this.log.error({ topic: t.name, err: (err as Error).message }, 'topic configs not applied locally');
      }
    }
  }
}

/** Configs compared regardless of key order. */
function configKey(configs: Record<string, string>): string {
  return JSON.stringify(Object.entries(configs).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
