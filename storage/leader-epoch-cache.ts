/**
 * Leader epoch -> start offset (LeaderEpochFileCache.java), persisted in
 * `leader-epoch-checkpoint` on every change. Answers "end offset of epoch E" for
 * OffsetsForLeaderEpoch (KIP-101/279). Not thread-safe: owned by one PartitionLog.
 */
import { join } from 'node:path';
import { type EpochEntry, readEpochCheckpoint, writeEpochCheckpoint } from './checkpoint.js';
import { LEADER_EPOCH_CHECKPOINT_FILE } from './file-names.js';
import type { StorageFs } from './fs.js';
import type { StorageLogger } from './logger.js';

export const UNDEFINED_EPOCH = -1;
export const UNDEFINED_EPOCH_OFFSET = -1;

export class LeaderEpochCache {
  private entries: EpochEntry[] = [];
  readonly path: string;

  constructor(
    private readonly fs: StorageFs,
    dir: string,
    private readonly log: StorageLogger,
  ) {
    this.path = join(dir, LEADER_EPOCH_CHECKPOINT_FILE);
  }

  /** Load the checkpoint; a corrupt file is logged and treated as empty (recovery rebuilds it). */
  load(): void {
    try {
      this.entries = readEpochCheckpoint(this.fs, this.path) ?? [];
    } catch (err) {
      if ((err as { code?: string }).code !== 'CORRUPT_CHECKPOINT') throw err;
      this.log.warn(
        { path: this.path, err: (err as Error).message },
        'ignoring corrupt leader-epoch-checkpoint',
      );
      this.entries = [];
    }
  }

  get all(): readonly EpochEntry[] {
    return this.entries;
  }

  get latestEpoch(): number {
    return this.entries.length > 0 ? this.entries[this.entries.length - 1]!.epoch : UNDEFINED_EPOCH;
  }

  /** Record that `epoch` starts at `startOffset` when it is newer than the latest epoch. Returns true when changed. */
  assign(epoch: number, startOffset: number, persist = true): boolean {
    if (epoch < 0) return false;
    const last = this.entries[this.entries.length - 1];
    if (last && epoch <= last.epoch) return false;
    // An epoch starting before the latest one's start offset supersedes it (Kafka drops such entries).
    while (this.entries.length > 0 && this.entries[this.entries.length - 1]!.startOffset >= startOffset) {
      this.entries.pop();
    }
    this.entries.push({ epoch, startOffset });
    if (persist) this.flush();
    return true;
  }

  /** Kafka's endOffsetFor: (epoch, end offset) of the largest epoch <= requested. */
  endOffsetFor(requested: number, logEndOffset: number): { epoch: number; endOffset: number } {
    if (requested === UNDEFINED_EPOCH || this.entries.length === 0) {
      return { epoch: UNDEFINED_EPOCH, endOffset: UNDEFINED_EPOCH_OFFSET };
    }
    if (requested === this.latestEpoch) return { epoch: requested, endOffset: logEndOffset };
    const higherIdx = this.entries.findIndex((e) => e.epoch > requested);
    if (higherIdx < 0) return { epoch: UNDEFINED_EPOCH, endOffset: UNDEFINED_EPOCH_OFFSET };
    const higher = this.entries[higherIdx]!;
    if (higherIdx === 0) return { epoch: requested, endOffset: higher.startOffset };
    return { epoch: this.entries[higherIdx - 1]!.epoch, endOffset: higher.startOffset };
  }

  /** Drop entries starting at or after `endOffset` (log truncated to endOffset). */
  truncateFromEnd(endOffset: number): void {
    const before = this.entries.length;
    this.entries = this.entries.filter((e) => e.startOffset < endOffset);
    if (this.entries.length !== before) this.flush();
  }

  /** The log now starts at `startOffset`: drop older entries, moving the newest dropped one up to it. */
  truncateFromStart(startOffset: number): void {
    let idx = -1;
    for (let i = 0; i < this.entries.length; i++) if (this.entries[i]!.startOffset <= startOffset) idx = i;
    if (idx < 0) return;
    const keep = this.entries[idx]!;
    if (idx === 0 && keep.startOffset === startOffset) return;
    this.entries = [{ epoch: keep.epoch, startOffset }, ...this.entries.slice(idx + 1)];
    this.flush();
  }

  clear(): void {
    if (this.entries.length === 0) return;
    this.entries = [];
    this.flush();
  }

  flush(): void {
    writeEpochCheckpoint(this.fs, this.path, this.entries);
  }
}
