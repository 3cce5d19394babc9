/**
 * The leader's view of one follower's log (etcd/raft's Progress): how far it matches, what to
 * send next, and how many appends are in flight. Three states:
 *   probe     — the match point is unknown: one append per heartbeat interval until it is found;
 *   replicate — the match point is known: appends stream optimistically, at most
 *               INFLIGHT_APPENDS_MAX unacknowledged at a time;
 *   snapshot  — the entries it needs were compacted: a snapshot is on its way; nothing else is
 *               sent until it is acknowledged or SNAPSHOT_WAIT_TICKS pass.
 * Single-threaded: owned and mutated only by its RaftNode.
 */

/** Bound on unacknowledged append messages per follower in replicate state. */
export const INFLIGHT_APPENDS_MAX = 64;

export type ProgressState = 'probe' | 'replicate' | 'snapshot';

export class Progress {
  /** Highest index known to match the leader's log. */
  match = 0;
  /** Next index to send. */
  next: number;
  state: ProgressState = 'probe';
  /** In probe state: an append was sent this heartbeat interval; wait for its answer or the next heartbeat. */
  probeSent = false;
  /** In snapshot state: the index of the snapshot sent, and ticks since it was sent. */
  pendingSnapshot = 0;
  snapshotTicks = 0;
  /** Heard from within the current check-quorum window. */
  recentActive = false;
  /** Last index of each unacknowledged append, oldest first (replicate state). */
  private readonly inflight: number[] = [];

  constructor(next: number) {
    this.next = next;
  }

  /** Nothing may be sent now (waiting for an answer). */
  isPaused(): boolean {
    switch (this.state) {
      case 'probe':
        return this.probeSent;
      case 'replicate':
        return this.inflight.length >= INFLIGHT_APPENDS_MAX;
      case 'snapshot':
        return true;
    }
  }

  inflightCount(): number {
    return this.inflight.length;
  }

  becomeProbe(): void {
    if (this.state === 'snapshot') {
      this.next = Math.max(this.match + 1, this.pendingSnapshot + 1);
    } else {
      this.next = this.match + 1;
    }
    this.reset('probe');
  }

  becomeReplicate(): void {
    this.next = this.match + 1;
    this.reset('replicate');
  }

  becomeSnapshot(index: number): void {
    this.reset('snapshot');
    this.pendingSnapshot = index;
  }

  private reset(state: ProgressState): void {
    this.state = state;
    this.probeSent = false;
    this.pendingSnapshot = 0;
    this.snapshotTicks = 0;
    this.inflight.length = 0;
  }

  /** An append ending at `lastIndex` (or an empty probe) was sent. */
  sentAppend(lastIndex: number, entryCount: number): void {
    if (this.state === 'replicate') {
      if (entryCount > 0) {
        this.next = lastIndex + 1;
        this.inflight.push(lastIndex);
      }
    } else if (this.state === 'probe') {
      this.probeSent = true;
    }
  }

  /** A successful answer up to `index`; false when it is stale (says nothing new). */
  maybeUpdate(index: number): boolean {
    let updated = false;
    if (index > this.match) {
      this.match = index;
      updated = true;
      this.probeSent = false;
    }
    this.next = Math.max(this.next, index + 1);
    while (this.inflight.length > 0 && this.inflight[0]! <= index) this.inflight.shift();
    return updated;
  }

  /**
   * A rejection of the append whose prevIndex was `rejected`; `matchHint` is the highest index
   * that may still match. Returns false when the rejection is stale (an answer to an older
   * append than the one that matters now).
   */
  maybeDecrTo(rejected: number, matchHint: number): boolean {
    if (this.state === 'replicate') {
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      return true;
    }
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, matchHint + 1), this.match + 1, 1);
    this.probeSent = false;
    return true;
  }

  /** A heartbeat answer arrived: let one more append through even when the window is full. */
  freeOneInflight(): void {
    if (this.inflight.length >= INFLIGHT_APPENDS_MAX) this.inflight.shift();
  }
}
