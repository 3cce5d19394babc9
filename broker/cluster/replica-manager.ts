/**
 * The broker's replicas and what it does with each (Kafka's ReplicaManager): it turns role
 * changes from the metadata image into leading (a {@link LeaderPartitionState} per partition)
 * or following (a {@link ReplicaFetcher} per leader broker), and gives the Produce and Fetch
 * handlers what they need:
 *
 * - Produce: is this broker the leader at the epoch the request names; the epoch to stamp on
 *   appended batches; NOT_ENOUGH_REPLICAS before an acks=all append; after the append, a
 *   promise that settles once the high watermark passes it (or NOT_ENOUGH_REPLICAS_AFTER_APPEND,
 *   NOT_LEADER_OR_FOLLOWER when leadership moves, REQUEST_TIMED_OUT).
 * - Fetch: consumers read from the leader up to the high watermark; followers (replica_id =
 *   their broker id) read up to the log end, and each of their fetches moves the leader's view
 *   of them, the high watermark, and the ISR proposals.
 *
 * ISR changes go to the controller through `alterPartition`; the committed result comes back
 * as a role change. The logs themselves are storage's; this class opens and deletes them
 * through injected functions, so it can be tested without a broker.
 */
import { ErrorCode as E } from '../../protocol/error-codes.js';
import { leaderEpochError } from '../leader-epochs.js';
import { LeaderPartitionState } from './leader-partition-state.js';
import type { MetadataImage } from './metadata-image.js';
import { type PartitionRole, partitionKey, type RoleChange, splitPartitionKey } from './partition-roles.js';
import { type FollowerLog, ReplicaFetcher, type ReplicaFetcherOptions } from './replica-fetcher.js';

/** The local log of a replica, as the replica manager uses it (storage's PartitionLog). */
export interface ReplicaLog extends FollowerLog {
  readonly config: { minInsyncReplicas: number };
}

export interface ReplicaManagerOptions<L extends ReplicaLog> {
  brokerId: number;
  openLog(topic: string, partition: number): Promise<L>;
  deleteTopicLogs(topic: string): Promise<void>;
  /** The high watermark of a partition this broker leads or follows moved (wake fetches). */
  onHighWatermark(topic: string, partition: number): void;
  /**
   * Ask the controller for a new ISR; resolves with its error code (0: accepted — the new ISR
   * then arrives as a role change through the metadata log).
   */
  alterPartition(req: {
    topic: string;
    partition: number;
    leaderEpoch: number;
    partitionEpoch: number;
    isr: number[];
  }): Promise<number>;
  replicaLagTimeMaxMs: number;
  now: () => number;
  log: ReplicaFetcherOptions['log'];
  /** Fetcher settings (tests shorten the waits). */
  fetcher?: Partial<Pick<ReplicaFetcherOptions, 'maxWaitMs' | 'backoffMsMin' | 'backoffMsMax'>>;
}

interface Leading<L> {
  role: Extract<PartitionRole, { kind: 'leader' }>;
  state: LeaderPartitionState;
  log: L;
  acksAll: AcksAllWaiter[];
  alterInFlight: boolean;
}

interface AcksAllWaiter {
  nextOffset: number;
  minIsr: number;
  timer: NodeJS.Timeout;
  resolve: (errorCode: number) => void;
}

/** acks=all produces waiting for replication, per partition; beyond it they time out at once. */
export const acksAllWaitersPerPartitionMax = 10_000;

export class ReplicaManager<L extends ReplicaLog> {
  private readonly roles = new Map<string, PartitionRole>();
  private readonly leading = new Map<string, Leading<L>>();
  private readonly followed = new Map<string, { leaderId: number; log: L }>();
  private readonly fetchers = new Map<number, ReplicaFetcher>();
  /** The image of the last role changes: which brokers are fenced. */
  private image: MetadataImage | undefined;

  constructor(private readonly o: ReplicaManagerOptions<L>) {}

  /** What this broker does for each partition now (the input of roleChanges). */
  get currentRoles(): ReadonlyMap<string, PartitionRole> {
    return this.roles;
  }

  /** Carry out role changes computed from `image` (endpoints of leaders come from it). */
  async applyRoleChanges(changes: readonly RoleChange[], image: MetadataImage): Promise<void> {
    this.image = image;
    for (const c of changes) {
      const k = partitionKey(c.topic, c.partition);
      const before = this.roles.get(k);
      if (!c.role) {
        this.stopLeading(k, E.NOT_LEADER_OR_FOLLOWER);
        this.stopFollowing(k, c.topic, c.partition);
        this.roles.delete(k);
        continue;
      }
      this.roles.set(k, c.role);
      const log = await this.o.openLog(c.topic, c.partition);
      this.o.log.info(
        {
          topic: c.topic,
          partition: c.partition,
          role: c.role.kind,
          leaderEpoch: c.role.leaderEpoch,
          ...('isr' in c.role ? { isr: c.role.isr } : {}),
          ...('leaderId' in c.role ? { leader: c.role.leaderId } : {}),
          logEndOffset: log.logEndOffset,
        },
        'partition role',
      );
      if (c.role.kind === 'leader') {
        this.stopFollowing(k, c.topic, c.partition);
        const current = this.leading.get(k);
        if (current && before?.kind === 'leader' && before.leaderEpoch === c.role.leaderEpoch) {
          current.role = c.role;
          current.alterInFlight = false;
          if (current.state.setIsr(c.role.isr)) this.highWatermarkMoved(c.topic, c.partition, current);
          this.settleAcksAll(current);
          continue;
        }
        this.stopLeading(k, E.NOT_LEADER_OR_FOLLOWER);
        const state = new LeaderPartitionState({
          leaderId: this.o.brokerId,
          leaderEpoch: c.role.leaderEpoch,
          replicas: c.role.replicas,
          isr: c.role.isr,
          leaderEpochStartOffset: log.logEndOffset,
          highWatermark: log.highWatermark,
          replicaLagTimeMaxMs: this.o.replicaLagTimeMaxMs,
          now: this.o.now,
        });
        const lead: Leading<L> = { role: c.role, state, log, acksAll: [], alterInFlight: false };
        this.leading.set(k, lead);
        // Alone in the ISR, the leader's own log end is the high watermark.
        if (state.onLeaderAppend(log.logEndOffset)) this.highWatermarkMoved(c.topic, c.partition, lead);
      } else {
        this.stopLeading(k, E.NOT_LEADER_OR_FOLLOWER);
        this.stopFollowing(k, c.topic, c.partition);
        if (c.role.kind === 'follower') this.follow(k, c.topic, c.partition, c.role, log, image);
      }
    }
    for (const c of changes) if (!c.role && c.topicRemoved) await this.o.deleteTopicLogs(c.topic);
    // A leader that registered again at a new address keeps its partitions and epochs (no role
    // changes), but its fetchers must follow it there.
    for (const [leaderId, fetcher] of this.fetchers) {
      const leader = image.brokers.get(leaderId);
      if (leader && fetcher.setLeaderEndpoint(leader.host, leader.port))
        this.o.log.info(
          { leader: leaderId, host: leader.host, port: leader.port },
          'leader registered at a new address; replica fetcher reconnects there',
        );
    }
  }

  /**
   * 0 when this broker leads the partition at `requestedEpoch` (-1: any), else the error a
   * Produce or a consumer Fetch gets.
   */
  leaderError(topic: string, partition: number, requestedEpoch = -1): number {
    const lead = this.leading.get(partitionKey(topic, partition));
    if (!lead) {
      const role = this.roles.get(partitionKey(topic, partition));
      if (!role) return E.NOT_LEADER_OR_FOLLOWER;
      // A follower at a newer epoch than the requester fences it; otherwise the requester
      // must refresh its metadata and go to the leader.
      const epochError = leaderEpochError(requestedEpoch, role.leaderEpoch);
      return epochError || (role.kind === 'offline' ? E.LEADER_NOT_AVAILABLE : E.NOT_LEADER_OR_FOLLOWER);
    }
    return leaderEpochError(requestedEpoch, lead.role.leaderEpoch);
  }

  /** The leader epoch to stamp on batches appended to a partition this broker leads. */
  leaderEpochOf(topic: string, partition: number): number {
    return this.leading.get(partitionKey(topic, partition))?.role.leaderEpoch ?? -1;
  }

  /** NOT_ENOUGH_REPLICAS when the ISR is below min.insync.replicas (checked before an acks=all append). */
  acksAllPrecheck(topic: string, partition: number): number {
    const lead = this.leading.get(partitionKey(topic, partition));
    if (!lead) return E.NOT_LEADER_OR_FOLLOWER;
    return lead.state.checkAcksAllBeforeAppend(lead.log.config.minInsyncReplicas);
  }

  /** The leader appended; its log now ends at `logEndOffset`. */
  leaderAppended(topic: string, partition: number, logEndOffset: number): void {
    const lead = this.leading.get(partitionKey(topic, partition));
    if (lead?.state.onLeaderAppend(logEndOffset)) this.highWatermarkMoved(topic, partition, lead);
  }

  /**
   * Settles with an error code (0: replicated) once an acks=all append ending before
   * `nextOffset` is on every ISR member, or after `timeoutMs`.
   */
  awaitAcksAll(topic: string, partition: number, nextOffset: number, timeoutMs: number): Promise<number> {
    const lead = this.leading.get(partitionKey(topic, partition));
    if (!lead) return Promise.resolve(E.NOT_LEADER_OR_FOLLOWER);
    const minIsr = lead.log.config.minInsyncReplicas;
    const now = lead.state.acksAllOutcome(nextOffset, minIsr);
    if (now.done) return Promise.resolve(now.errorCode);
    if (lead.acksAll.length >= acksAllWaitersPerPartitionMax) return Promise.resolve(E.REQUEST_TIMED_OUT);
    return new Promise((resolve) => {
      const w: AcksAllWaiter = {
        nextOffset,
        minIsr,
        resolve,
        timer: setTimeout(() => {
          lead.acksAll = lead.acksAll.filter((x) => x !== w);
          resolve(E.REQUEST_TIMED_OUT);
        }, timeoutMs),
      };
      lead.acksAll.push(w);
    });
  }

  /**
   * A follower fetched from `fetchOffset`: 0, or the error its Fetch gets for this partition
   * (NOT_LEADER_OR_FOLLOWER when this broker does not lead it or the fetcher is no replica).
   */
  replicaFetched(
    replicaId: number,
    topic: string,
    partition: number,
    fetchOffset: number,
    epoch = -1,
  ): number {
    const error = this.leaderError(topic, partition, epoch);
    if (error) return error;
    const lead = this.leading.get(partitionKey(topic, partition))!;
    if (!lead.role.replicas.includes(replicaId) || replicaId === this.o.brokerId)
      return E.NOT_LEADER_OR_FOLLOWER;
    if (lead.state.onFollowerFetch(replicaId, fetchOffset)) this.highWatermarkMoved(topic, partition, lead);
    this.maybeExpandIsr(topic, partition, lead, replicaId);
    return 0;
  }

  /** Shrink the ISR of partitions whose followers fell behind (run every few seconds). */
  maintainIsr(): void {
    for (const [k, lead] of this.leading) {
      if (lead.alterInFlight) continue;
      const isr = lead.state.isrToShrink();
      if (!isr) continue;
      const [topic, partition] = splitPartitionKey(k);
      this.proposeIsr(topic, partition, lead, isr);
    }
  }

  /** Stop every fetcher and fail every waiting acks=all produce (broker shutdown). */
  async close(): Promise<void> {
    for (const k of [...this.leading.keys()]) this.stopLeading(k, E.NOT_LEADER_OR_FOLLOWER);
    await Promise.all([...this.fetchers.values()].map((f) => f.stop()));
    this.fetchers.clear();
  }

  private maybeExpandIsr(topic: string, partition: number, lead: Leading<L>, replicaId: number): void {
    if (lead.alterInFlight) return;
    // A fenced broker (restarting, not yet caught up with the metadata log) cannot join an ISR
    // (the controller would refuse it; Kafka's KIP-841): not proposed until it is unfenced.
    if (this.image?.brokers.get(replicaId)?.fenced !== false) return;
    const isr = lead.state.isrToExpand(replicaId);
    if (isr) this.proposeIsr(topic, partition, lead, isr);
  }

  private proposeIsr(topic: string, partition: number, lead: Leading<L>, isr: number[]): void {
    lead.alterInFlight = true;
    const req = {
      topic,
      partition,
      leaderEpoch: lead.role.leaderEpoch,
      partitionEpoch: lead.role.partitionEpoch,
      isr,
    };
    this.o.alterPartition(req).then(
      (errorCode) => {
        // Accepted: alterInFlight stays set until the committed ISR arrives as a role change.
        // Refused: back to the committed ISR; the next fetch or maintenance round proposes again.
        if (errorCode === 0 || this.leading.get(partitionKey(topic, partition)) !== lead) return;
        lead.alterInFlight = false;
        lead.state.setIsr(lead.role.isr);
        this.o.log.warn({ topic, partition, isr, errorCode }, 'controller refused the ISR change');
      },
      (err: Error) => {
        lead.alterInFlight = false;
        lead.state.setIsr(lead.role.isr);
        this.o.log.warn(
          { topic, partition, isr, err: err.message },
          'ISR change not sent to the controller; will retry',
        );
      },
    );
  }

  private highWatermarkMoved(topic: string, partition: number, lead: Leading<L>): void {
    lead.log.highWatermark = lead.state.highWatermark;
    this.settleAcksAll(lead);
    this.o.onHighWatermark(topic, partition);
  }

  private settleAcksAll(lead: Leading<L>): void {
    if (!lead.acksAll.length) return;
    lead.acksAll = lead.acksAll.filter((w) => {
      const outcome = lead.state.acksAllOutcome(w.nextOffset, w.minIsr);
      if (!outcome.done) return true;
      clearTimeout(w.timer);
      w.resolve(outcome.errorCode);
      return false;
    });
  }

  private stopLeading(k: string, errorCode: number): void {
    const lead = this.leading.get(k);
    if (!lead) return;
    this.leading.delete(k);
    for (const w of lead.acksAll) {
      clearTimeout(w.timer);
      w.resolve(errorCode);
    }
    lead.acksAll = [];
  }

  private follow(
    k: string,
    topic: string,
    partition: number,
    role: Extract<PartitionRole, { kind: 'follower' }>,
    log: L,
    image: MetadataImage,
  ): void {
    const leader = image.brokers.get(role.leaderId);
    if (!leader) {
      this.o.log.warn(
        { topic, partition, leader: role.leaderId },
        'leader is not a registered broker; not following',
      );
      return;
    }
    let fetcher = this.fetchers.get(role.leaderId);
    if (!fetcher) {
      fetcher = new ReplicaFetcher({
        brokerId: this.o.brokerId,
        leader: { id: leader.brokerId, host: leader.host, port: leader.port },
        log: this.o.log,
        onProgress: (p) => this.o.onHighWatermark(p.topic, p.partition),
        ...this.o.fetcher,
      });
      this.fetchers.set(role.leaderId, fetcher);
      fetcher.start();
    }
    this.followed.set(k, { leaderId: role.leaderId, log });
    fetcher.addPartition({ topic, partition, leaderEpoch: role.leaderEpoch, log });
  }

  private stopFollowing(k: string, topic: string, partition: number): void {
    const f = this.followed.get(k);
    if (!f) return;
    this.followed.delete(k);
    const fetcher = this.fetchers.get(f.leaderId);
    if (!fetcher) return;
    fetcher.removePartition(topic, partition);
    if (fetcher.partitionCount === 0) {
      this.fetchers.delete(f.leaderId);
      void fetcher.stop();
    }
  }
}
