/**
 * A partition leader's view of its followers (Kafka's ISR model), as a pure state machine with
 * an injected clock: each follower's log end offset from its Fetch requests, the high
 * watermark (the minimum log end offset over the ISR), which followers have fallen out of
 * sync (no catch-up within `replica.lag.time.max.ms`) and which have caught up and may rejoin,
 * and when an acks=all produce may be answered.
 *
 * The ISR itself changes only through the controller: this class proposes ({@link isrToShrink},
 * {@link isrToExpand}) and the broker applies the committed result ({@link setIsr}). Until a
 * proposed expansion is committed the high watermark already counts the joining follower
 * (Kafka's "maximal ISR"), so the high watermark never runs ahead of a replica that might soon
 * be able to lead.
 */
import { ErrorCode as E } from '../../protocol/error-codes.js';

interface FollowerState {
  logEndOffset: number;
  /** Last time the follower was known to have everything the leader had. */
  lastCaughtUpMs: number;
  /** Leader's log end offset and the time, as of the follower's previous fetch. */
  prevFetchLeaderEndOffset: number;
  prevFetchMs: number;
}

export interface LeaderPartitionOptions {
  leaderId: number;
  leaderEpoch: number;
  replicas: readonly number[];
  isr: readonly number[];
  /** The leader's log end offset when it became leader (its epoch's start offset). */
  leaderEpochStartOffset: number;
  /** The high watermark the leader starts from (its local one; never moves back). */
  highWatermark: number;
  replicaLagTimeMaxMs: number;
  now: () => number;
}

/** What an acks=all produce gets once it can be answered. */
export type AcksAllOutcome = { done: false } | { done: true; errorCode: number };

export class LeaderPartitionState {
  readonly leaderId: number;
  readonly leaderEpoch: number;
  private isrCommitted: number[];
  private isrPendingAdd = new Set<number>();
  private readonly followers = new Map<number, FollowerState>();
  private hw: number;
  private leaderEnd: number;
  private readonly epochStart: number;
  private readonly lagMaxMs: number;
  private readonly now: () => number;

  constructor(o: LeaderPartitionOptions) {
    this.leaderId = o.leaderId;
    this.leaderEpoch = o.leaderEpoch;
    this.isrCommitted = [...o.isr];
    this.hw = o.highWatermark;
    this.leaderEnd = o.leaderEpochStartOffset;
    this.epochStart = o.leaderEpochStartOffset;
    this.lagMaxMs = o.replicaLagTimeMaxMs;
    this.now = o.now;
    const t = o.now();
    for (const id of o.replicas) {
      if (id === o.leaderId) continue;
      // A new leader gives every follower a full lag window to show up (as Kafka does).
      this.followers.set(id, {
        logEndOffset: -1,
        lastCaughtUpMs: t,
        prevFetchLeaderEndOffset: -1,
        prevFetchMs: t,
      });
    }
  }

  get highWatermark(): number {
    return this.hw;
  }

  get isr(): readonly number[] {
    return this.isrCommitted;
  }

  /** The leader appended: its log end offset is now `logEndOffset`. Returns whether the HW moved. */
  onLeaderAppend(logEndOffset: number): boolean {
    this.leaderEnd = logEndOffset;
    return this.advanceHighWatermark();
  }

  /**
   * A follower fetched from `fetchOffset` (so it holds everything before it). Returns whether
   * the high watermark moved. A fetch from a broker that is not a replica is the caller's
   * error to answer (NOT_LEADER_OR_FOLLOWER), not a state change.
   */
  onFollowerFetch(followerId: number, fetchOffset: number): boolean {
    const f = this.followers.get(followerId);
    if (!f) throw new RangeError(`broker ${followerId} is not a follower of this partition`);
    const t = this.now();
    f.logEndOffset = fetchOffset;
    if (fetchOffset >= this.leaderEnd) f.lastCaughtUpMs = t;
    else if (fetchOffset >= f.prevFetchLeaderEndOffset && f.prevFetchLeaderEndOffset >= 0)
      f.lastCaughtUpMs = Math.max(f.lastCaughtUpMs, f.prevFetchMs);
    f.prevFetchLeaderEndOffset = this.leaderEnd;
    f.prevFetchMs = t;
    return this.advanceHighWatermark();
  }

  /** Followers in the ISR that have not caught up within the lag window: the ISR without them. */
  isrToShrink(): number[] | undefined {
    const t = this.now();
    const lagging = this.isrCommitted.filter((id) => {
      const f = this.followers.get(id);
      return f !== undefined && t - f.lastCaughtUpMs > this.lagMaxMs;
    });
    return lagging.length ? this.isrCommitted.filter((id) => !lagging.includes(id)) : undefined;
  }

  /**
   * Called on `followerId`'s own fetch: if it is outside the ISR and has caught up to the high
   * watermark and into this leader's epoch, it may rejoin — the ISR with it, marked pending
   * until {@link setIsr} confirms it. Only the fetching follower is considered (as Kafka does):
   * a follower that caught up and then went silent keeps its last known end offset, and must
   * not be proposed back (its stale offset would then hold the high watermark).
   */
  isrToExpand(followerId: number): number[] | undefined {
    const f = this.followers.get(followerId);
    if (!f || this.isrCommitted.includes(followerId) || this.isrPendingAdd.has(followerId)) return undefined;
    if (f.logEndOffset < this.hw || f.logEndOffset < this.epochStart) return undefined;
    this.isrPendingAdd.add(followerId);
    return [...this.isrCommitted, followerId];
  }

  /** The controller committed a new ISR (or refused a proposal: pass the current one). */
  setIsr(isr: readonly number[]): boolean {
    this.isrCommitted = [...isr];
    this.isrPendingAdd.clear();
    return this.advanceHighWatermark();
  }

  /** NOT_ENOUGH_REPLICAS before appending an acks=all batch, or 0. */
  checkAcksAllBeforeAppend(minInsyncReplicas: number): number {
    return this.isrCommitted.length < minInsyncReplicas ? E.NOT_ENOUGH_REPLICAS : 0;
  }

  /**
   * Whether an acks=all batch ending before `nextOffset` (its last offset + 1) can be answered:
   * done once the high watermark has passed it, with NOT_ENOUGH_REPLICAS_AFTER_APPEND if the
   * ISR shrank below `min.insync.replicas` meanwhile.
   */
  acksAllOutcome(nextOffset: number, minInsyncReplicas: number): AcksAllOutcome {
    if (this.hw < nextOffset) return { done: false };
    const errorCode = this.isrCommitted.length < minInsyncReplicas ? E.NOT_ENOUGH_REPLICAS_AFTER_APPEND : 0;
    return { done: true, errorCode };
  }

  private advanceHighWatermark(): boolean {
    // Over the maximal ISR (committed members and pending additions); no allocation, as this
    // runs on every append and every follower fetch.
    let min = this.leaderEnd;
    for (const id of this.isrCommitted) min = Math.min(min, this.followers.get(id)?.logEndOffset ?? min);
    for (const id of this.isrPendingAdd) min = Math.min(min, this.followers.get(id)?.logEndOffset ?? min);
    // The HW only moves forward. A follower that has not fetched since this leader took over
    // counts as -1, so a new leader moves its HW only once every ISR member has reported.
    if (min > this.hw) {
      this.hw = min;
      return true;
    }
    return false;
  }
}

/**
 * Where a follower truncates before fetching from a new leader (KIP-101/KIP-279): it asked the
 * leader for the end offset of its latest epoch and got `leaderAnswer`. The follower keeps the
 * common prefix: up to the leader's end offset of that epoch, but never beyond what it holds
 * itself for the epoch the leader answered with. An undefined answer (-1) means the leader has
 * no history the follower shares: truncate to the leader's log start (`leaderLogStart`).
 */
export function followerTruncationOffset(
  leaderAnswer: { leaderEpoch: number; endOffset: number },
  localEndOffsetForEpoch: (epoch: number) => number,
  localLogEndOffset: number,
  leaderLogStart: number,
): number {
  if (leaderAnswer.leaderEpoch < 0 || leaderAnswer.endOffset < 0)
    return Math.min(leaderLogStart, localLogEndOffset);
  const localEnd = localEndOffsetForEpoch(leaderAnswer.leaderEpoch);
  return Math.min(leaderAnswer.endOffset, localEnd, localLogEndOffset);
}
