/**
 * Who may do what with a partition on this broker: the one question the Produce, Fetch,
 * ListOffsets, OffsetForLeaderEpoch and Metadata handlers ask, so they need not know whether
 * the broker runs alone or in a cluster.
 *
 * {@link singleNodeAuthority}: this broker leads every partition it holds at epoch
 * {@link SINGLE_NODE_LEADER_EPOCH}, alone in the ISR, so the high watermark is the log end.
 * The cluster implementation (cluster-authority.ts) answers from the metadata image and the
 * ReplicaManager.
 */
import { ErrorCode as E } from '../protocol/error-codes.js';
import type { PartitionLog } from '../storage/partition-log.js';
import { leaderEpochError, SINGLE_NODE_LEADER_EPOCH } from './leader-epochs.js';
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
   * A Fetch with `replica_id` ≥ 0. `undefined`: replica fetches are not a thing here, treat it
   * as a consumer's. Otherwise 0 (read up to the log end) or the partition's error.
   */
  replicaFetched(
    replicaId: number,
    topic: string,
    partition: number,
    fetchOffset: number,
    requestedEpoch: number,
  ): number | undefined;
  /** Leader, epoch, replicas and ISR for Metadata (`log`: the local log, if any). */
  describe(topic: string, partition: number, log: PartitionLog | undefined): PartitionDescription;
}

/** Today's single broker: leader of everything it holds, at epoch 0, the ISR of one. */
export function singleNodeAuthority(nodeId: number): PartitionAuthority {
  return {
    leaderError: (_t, _p, requestedEpoch) => leaderEpochError(requestedEpoch, SINGLE_NODE_LEADER_EPOCH),
    leaderEpoch: () => SINGLE_NODE_LEADER_EPOCH,
    acksAllPrecheck(_t, _p, log) {
      const minIsr = log.config.minInsyncReplicas;
      if (minIsr <= 1) return { errorCode: 0, errorMessage: null };
      return {
        errorCode: E.NOT_ENOUGH_REPLICAS,
        errorMessage: `min.insync.replicas is ${minIsr} but only 1 replica is in sync; lower it or use acks=1`,
      };
    },
    appended(_t, _p, log) {
      log.highWatermark = log.logEndOffset;
    },
    awaitAcksAll: () => Promise.resolve(0),
    replicaFetched: () => undefined,
    describe(_t, _p, log) {
      const online = log?.online ?? false;
      return {
        errorCode: online ? 0 : E.KAFKA_STORAGE_ERROR,
        leaderId: online ? nodeId : -1,
        leaderEpoch: SINGLE_NODE_LEADER_EPOCH,
        replicas: [nodeId],
        isr: online ? [nodeId] : [],
        offline: online ? [] : [nodeId],
      };
    },
  };
}
