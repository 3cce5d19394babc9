/**
 * Who may do what with a partition on this broker: the one question the Produce, Fetch,
 * ListOffsets, OffsetForLeaderEpoch and Metadata handlers ask, so they need not know about the
 * metadata quorum. ClusterMode (cluster-mode.ts) answers it from the metadata image and the
 * ReplicaManager.
 */
import type { PartitionLog } from '../storage/partition-log.js';
import type { Outcome } from './topic-manager.js';

/** A partition as Metadata describes it. */
export interface PartitionDescription {
  /** 0, or why the partition cannot be used now (no leader, storage offline). */
  errorCode: number;
  leaderId: number;
  leaderEpoch: number;
  replicas: number[];
  isr: number[];
  offline: number[];
}

export interface PartitionAuthority {
  /**
   * 0 when this broker leads the partition at `requestedEpoch` (-1: any), else the error a
   * Produce, a consumer Fetch, ListOffsets or OffsetForLeaderEpoch gets.
   */
  leaderError(topic: string, partition: number, requestedEpoch: number): number;
  /** The leader epoch to stamp on appended batches and to report. */
  leaderEpoch(topic: string, partition: number): number;
  /** Before an acks=all append: NOT_ENOUGH_REPLICAS when the ISR is below min.insync.replicas. */
  acksAllPrecheck(topic: string, partition: number, log: PartitionLog): Outcome;
  /** After an append: move the high watermark as far as replication allows. */
  appended(topic: string, partition: number, log: PartitionLog): void;
  /** Settles with 0 once the records before `nextOffset` are on every ISR member, else an error code. */
  awaitAcksAll(topic: string, partition: number, nextOffset: number, timeoutMs: number): Promise<number>;
  /**
   * A Fetch with `replica_id` ≥ 0 (a follower): 0 (read up to the log end) or the partition's
   * error (NOT_LEADER_OR_FOLLOWER for a broker that is not one of its replicas).
   */
  replicaFetched(
    replicaId: number,
    topic: string,
    partition: number,
    fetchOffset: number,
    requestedEpoch: number,
  ): number;
  /** Leader, epoch, replicas and ISR for Metadata (`log`: the local log, if any). */
  describe(topic: string, partition: number, log: PartitionLog | undefined): PartitionDescription;
}
