/**
 * Consumer groups in cluster mode: `__consumer_offsets` is a replicated topic like any other,
 * and the coordinator of a group is the leader of the group's `__consumer_offsets` partition.
 *
 * - FindCoordinator answers with that leader. The topic is created when first missing, once
 *   `offsets.topic.replication.factor` brokers are live (capped at max(voters, live brokers)).
 * - After each metadata change this broker carries out, the GroupCoordinator loads the
 *   partitions this broker has come to lead (replaying their logs) and drops the ones it no
 *   longer leads, so groups and committed offsets move with leadership.
 * - Group writes are fenced by the leader epoch they were loaded at (a deposed leader never
 *   appends) and are acknowledged only once every in-sync replica has them, as acks=all.
 */
import type { Logger } from 'pino';
import { ErrorCode as E } from '../protocol/error-codes.js';
import type { LogManager } from '../storage/log-manager.js';
import type { ClusterMode } from './cluster-mode.js';
import { type BrokerConfig, quorumVoters } from './config.js';
import { NotCoordinatorError } from './group/group-store.js';
import { type CoordinatorNode, type GroupCoordinator, PartitionGroupLog } from './group/index.js';
import { OFFSETS_SEGMENT_BYTES, OFFSETS_TOPIC } from './groups.js';

/** How long a group write waits for the in-sync replicas (Kafka: offsets.commit.timeout.ms). */
const offsetsCommitTimeoutMs = 5_000;

export class ClusterGroups {
  /** The leader epoch each partition was loaded at, for the partitions this broker coordinates. */
  private readonly loadedAt = new Map<number, number>();
  /** Loads and unloads run one after another, in the order leadership changed. */
  private chain: Promise<void> = Promise.resolve();
  private creating = false;
  private waitingLogged = false;
  private partitionCountWarned = false;

  constructor(
    private readonly cluster: ClusterMode,
    private readonly coordinator: GroupCoordinator,
    private readonly logs: LogManager,
    private readonly config: BrokerConfig,
    private readonly log: Logger,
    /** A partition got records (wake parked fetches). */
    private readonly onProgress: (topic: string, partition: number) => void,
  ) {
    cluster.onMetadata(() => this.followLeadership());
  }

  /** FindCoordinator: the live leader of the group's partition, or null (the client retries). */
  coordinatorFor(groupId: string): CoordinatorNode | null {
    const image = this.cluster.image;
    if (!image) return null;
    const topic = image.topics.get(OFFSETS_TOPIC);
    if (!topic) {
      this.createOffsetsTopic();
      return null;
    }
    if (!this.partitionCountMatches(topic.partitions.length)) return null;
    const p = image.partition(OFFSETS_TOPIC, this.coordinator.partitionFor(groupId));
    const leader = p && p.leader >= 0 ? image.brokers.get(p.leader) : undefined;
    if (!leader || leader.fenced) return null;
    return { nodeId: leader.brokerId, host: leader.host, port: leader.port };
  }

  /** Stop coordinating everything (the broker is closing). */
  async close(): Promise<void> {
    this.loadedAt.clear();
    await this.chain;
  }

  /**
   * Resolves once __consumer_offsets exists and this broker coordinates every partition of it
   * that it leads (a quorum of one at startup: groups work as soon as the broker is up), or
   * rejects after `timeoutMs`.
   */
  async ready(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const loaded = (count: number) => {
      for (let p = 0; p < count; p++)
        if (this.ledAtEpoch(p) >= 0 && !this.coordinator.coordinatesPartition(p)) return false;
      return true;
    };
    for (;;) {
      const topic = this.cluster.image?.topics.get(OFFSETS_TOPIC);
      if (topic && !this.partitionCountMatches(topic.partitions.length))
        throw new Error(
          `${OFFSETS_TOPIC} has ${topic.partitions.length} partitions but offsets.topic.num.partitions is ${this.coordinator.config.offsetsTopicPartitions}; set offsets.topic.num.partitions=${topic.partitions.length}`,
        );
      this.followLeadership();
      await this.chain;
      const count = this.cluster.image?.topics.get(OFFSETS_TOPIC)?.partitions.length;
      if (count !== undefined && loaded(count)) return;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${OFFSETS_TOPIC} was not ready after ${timeoutMs} ms`);
      await this.cluster.nextMetadata(left);
    }
  }

  /** Load what this broker now leads, drop what it no longer leads; create the topic when missing. */
  private followLeadership(): void {
    const topic = this.cluster.image?.topics.get(OFFSETS_TOPIC);
    if (!topic) {
      if (this.cluster.image) this.createOffsetsTopic();
      return;
    }
    if (!this.partitionCountMatches(topic.partitions.length)) return;
    for (let p = 0; p < topic.partitions.length; p++) {
      const epoch = this.ledAtEpoch(p);
      const loaded = this.loadedAt.get(p);
      if (epoch >= 0 && loaded !== epoch) {
        this.loadedAt.set(p, epoch);
        this.enqueue(p, () => this.coordinator.loadPartition(p, this.groupLog(p, epoch)));
      } else if (epoch < 0 && loaded !== undefined) {
        this.loadedAt.delete(p);
        this.enqueue(p, () => this.coordinator.unloadPartition(p));
      }
    }
  }

  /** The leader epoch at which this broker leads __consumer_offsets partition `p`; -1: it does not. */
  private ledAtEpoch(p: number): number {
    const authority = this.cluster.authority;
    return authority.leaderError(OFFSETS_TOPIC, p, -1) === 0 ? authority.leaderEpoch(OFFSETS_TOPIC, p) : -1;
  }

  private enqueue(partition: number, op: () => Promise<void>): void {
    this.chain = this.chain.then(op).catch((err: Error) => {
      this.log.error(
        { partition, err: err.message },
        `loading or unloading ${OFFSETS_TOPIC} partition failed`,
      );
    });
  }

  /** The group log of a partition led at `epoch`: fenced by that epoch, acknowledged once in sync. */
  private groupLog(p: number, epoch: number): PartitionGroupLog {
    const authority = this.cluster.authority;
    const log = this.logs.log(OFFSETS_TOPIC, p);
    if (!log) throw new Error(`${OFFSETS_TOPIC}-${p} is led here but has no local log`);
    return new PartitionGroupLog({
      log,
      leaderEpoch: () => epoch,
      fence: () => {
        if (authority.leaderError(OFFSETS_TOPIC, p, epoch) !== 0)
          throw new NotCoordinatorError(`no longer the leader of ${OFFSETS_TOPIC}-${p} at epoch ${epoch}`);
      },
      onAppended: () => {
        authority.appended(OFFSETS_TOPIC, p, log);
        this.onProgress(OFFSETS_TOPIC, p);
      },
      replicated: async (nextOffset) => {
        const code = await authority.awaitAcksAll(OFFSETS_TOPIC, p, nextOffset, offsetsCommitTimeoutMs);
        if (code === E.NOT_LEADER_OR_FOLLOWER || code === E.FENCED_LEADER_EPOCH)
          throw new NotCoordinatorError(`leadership of ${OFFSETS_TOPIC}-${p} moved during a group write`);
        if (code !== 0)
          throw new Error(`${OFFSETS_TOPIC}-${p}: group write not replicated (error code ${code})`);
      },
      // Moving the log start would strand a lagging follower: compact only an unreplicated partition.
      compaction: (this.cluster.image?.partition(OFFSETS_TOPIC, p)?.replicas.length ?? 0) === 1,
    });
  }

  /** Create __consumer_offsets once enough brokers are live to hold its replicas. */
  private createOffsetsTopic(): void {
    if (this.creating) return;
    // Capped at the brokers there are: the voters at least (all expected to register), more
    // when observers are live too.
    const voters = quorumVoters(this.config).size;
    const live = this.cluster.catalog.liveBrokerIds().length;
    const replicationFactor = Math.min(this.config.offsetsTopicReplicationFactor, Math.max(voters, live));
    if (live < replicationFactor) {
      if (this.waitingLogged) return;
      this.waitingLogged = true;
      this.log.info(
        { live, replicationFactor },
        `${OFFSETS_TOPIC} waits for ${replicationFactor} live brokers before it is created; groups are unavailable until then`,
      );
      return;
    }
    this.creating = true;
    this.cluster.catalog
      .create(OFFSETS_TOPIC, this.coordinator.config.offsetsTopicPartitions, replicationFactor, {
        'cleanup.policy': 'compact',
        'segment.bytes': String(OFFSETS_SEGMENT_BYTES),
      })
      .then(
        (r) => {
          if (r.errorCode !== 0 && r.errorCode !== E.TOPIC_ALREADY_EXISTS)
            this.log.warn(
              { errorCode: r.errorCode, err: r.errorMessage },
              `creating ${OFFSETS_TOPIC} failed; will retry`,
            );
          else if (r.errorCode === 0)
            this.log.info(
              { partitions: this.coordinator.config.offsetsTopicPartitions, replicationFactor },
              `created ${OFFSETS_TOPIC}`,
            );
        },
        (err: Error) => this.log.warn({ err: err.message }, `creating ${OFFSETS_TOPIC} failed; will retry`),
      )
      .finally(() => {
        this.creating = false;
      });
  }

  private partitionCountMatches(count: number): boolean {
    if (count === this.coordinator.config.offsetsTopicPartitions) return true;
    if (!this.partitionCountWarned) {
      this.partitionCountWarned = true;
      this.log.error(
        { configured: this.coordinator.config.offsetsTopicPartitions, existing: count },
        `${OFFSETS_TOPIC} has ${count} partitions but offsets.topic.num.partitions is ${this.coordinator.config.offsetsTopicPartitions}; groups are unavailable on this broker until you set offsets.topic.num.partitions=${count}`,
      );
    }
    return false;
  }
}
