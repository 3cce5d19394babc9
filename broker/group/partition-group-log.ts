/**
 * A GroupLog stored in one partition of __consumer_offsets: each append() is one RecordBatch v2
 * (uncompressed, so a group's writes stay atomic), and load() reads every batch from the log
 * start and yields its records in offset order.
 *
 * Compaction (storage has none): compact() rewrites the latest value of every live key at the
 * log end, then moves the log start offset past the old records (deleteRecordsBefore), once
 * the log holds more than twice as many records as live keys. A crash half-way leaves old
 * records plus duplicates of their latest values, which replay to the same state.
 *
 * Works over anything shaped like storage's PartitionLog (append/read/logStartOffset/
 * logEndOffset), synchronous or not.
 */
import { decodeRecordBatches, encodeRecordBatch } from '../../protocol/record-batch.js';
import type { GroupLog } from './group-log.js';
import type { GroupLogRecord } from './records.js';

/** The part of storage's PartitionLog this needs. */
export interface OffsetsPartitionLog {
  readonly logStartOffset: number;
  readonly logEndOffset: number;
  /** Moved to the log end after each append unless onAppended is given. */
  highWatermark?: number;
  /** Needed by compact(). */
  deleteRecordsBefore?(offset: number): number;
  append(batches: Buffer, opts: { leaderEpoch: number }): unknown;
  read(
    offset: number,
    maxBytes: number,
    opts?: { maxOffset?: number; minOneBatch?: boolean },
  ): { records: Buffer | null } | Promise<{ records: Buffer | null }>;
}

export interface PartitionGroupLogOptions {
  log: OffsetsPartitionLog;
  /** The leader epoch stamped on appended batches (single node: 0). */
  leaderEpoch?: () => number;
  /** Called after each append, e.g. to move the high watermark and wake fetches. */
  onAppended?: (log: OffsetsPartitionLog, bytes: number) => void;
  /**
   * Cluster mode: called right before each append (in the same tick); throws when this node may
   * no longer write the partition (NotCoordinatorError), so a deposed leader never appends.
   */
  fence?: () => void;
  /**
   * Cluster mode: resolves once the records before `nextOffset` are on every in-sync replica,
   * rejects when they cannot be (leadership moved, too few replicas, timeout). append() waits for it.
   */
  replicated?: (nextOffset: number) => Promise<void>;
  /** Compact at all (default true). Off in cluster mode: moving the log start would strand lagging followers. */
  compaction?: boolean;
  clock?: { now(): number };
  /** Bytes read per step while loading. */
  loadChunkBytes?: number;
  /** compact() does nothing below this many records in the log. */
  compactRecordsMin?: number;
  /** Records per batch when compaction rewrites the live keys. */
  compactBatchBytes?: number;
}

const LOAD_CHUNK_BYTES_DEFAULT = 1024 * 1024;
const COMPACT_RECORDS_MIN_DEFAULT = 10_000;
const COMPACT_BATCH_BYTES_DEFAULT = 256 * 1024;

/** The stored log could not be read back (corrupt batch, storage failure). */
export class GroupLogLoadError extends Error {
  readonly code = 'SAMSA_GROUP_LOG_LOAD';
}

export class PartitionGroupLog implements GroupLog {
  private readonly log: OffsetsPartitionLog;
  private readonly leaderEpoch: () => number;
  private readonly onAppended: ((log: OffsetsPartitionLog, bytes: number) => void) | undefined;
  private readonly fence: (() => void) | undefined;
  private readonly replicated: ((nextOffset: number) => Promise<void>) | undefined;
  private readonly compaction: boolean;
  private readonly clock: { now(): number };
  private readonly loadChunkBytes: number;
  private readonly compactRecordsMin: number;
  private readonly compactBatchBytes: number;
  /** Keys (hex) whose latest record has a value: what compaction would keep. */
  private readonly liveKeys = new Set<string>();

  constructor(opts: PartitionGroupLogOptions) {
    this.log = opts.log;
    this.leaderEpoch = opts.leaderEpoch ?? (() => 0);
    this.onAppended = opts.onAppended;
    this.fence = opts.fence;
    this.replicated = opts.replicated;
    this.compaction = opts.compaction ?? true;
    this.clock = opts.clock ?? Date;
    this.loadChunkBytes = opts.loadChunkBytes ?? LOAD_CHUNK_BYTES_DEFAULT;
    this.compactRecordsMin = opts.compactRecordsMin ?? COMPACT_RECORDS_MIN_DEFAULT;
    this.compactBatchBytes = opts.compactBatchBytes ?? COMPACT_BATCH_BYTES_DEFAULT;
  }

  async append(records: GroupLogRecord[]): Promise<void> {
    if (records.length === 0) return;
    await this.appendBatch(records);
    for (const r of records) this.track(r);
  }

  private async appendBatch(records: GroupLogRecord[]): Promise<void> {
    const batch = encodeRecordBatch({
      records: records.map((r) => ({ key: r.key, value: r.value })),
      now: this.clock.now(),
    });
    this.fence?.();
    await this.log.append(batch, { leaderEpoch: this.leaderEpoch() });
    const nextOffset = this.log.logEndOffset;
    if (this.onAppended) this.onAppended(this.log, batch.length);
    else if ('highWatermark' in this.log) this.log.highWatermark = nextOffset;
    if (this.replicated) await this.replicated(nextOffset);
  }

  private track(r: GroupLogRecord): void {
    const k = r.key.toString('hex');
    if (r.value === null) this.liveKeys.delete(k);
    else this.liveKeys.add(k);
  }

  /** Records in the log now, and how many of them compaction would keep. */
  get stats(): { records: number; liveKeys: number } {
    return { records: this.log.logEndOffset - this.log.logStartOffset, liveKeys: this.liveKeys.size };
  }

  /** Compact when worth it (see the file comment); true when it did. Callers serialise it with append(). */
  async compact(): Promise<boolean> {
    const { records, liveKeys } = this.stats;
    if (
      !this.compaction ||
      !this.log.deleteRecordsBefore ||
      records < this.compactRecordsMin ||
      records <= 2 * liveKeys
    )
      return false;
    const latest = new Map<string, GroupLogRecord>();
    for await (const r of this.readFrom(this.log.logStartOffset)) {
      const k = r.key.toString('hex');
      latest.delete(k);
      if (r.value !== null) latest.set(k, r);
    }
    const snapshotStart = this.log.logEndOffset;
    let chunk: GroupLogRecord[] = [];
    let bytes = 0;
    for (const r of latest.values()) {
      chunk.push(r);
      bytes += r.key.length + (r.value?.length ?? 0);
      if (bytes >= this.compactBatchBytes) {
        await this.appendBatch(chunk);
        chunk = [];
        bytes = 0;
      }
    }
    if (chunk.length > 0) await this.appendBatch(chunk);
    this.log.deleteRecordsBefore(snapshotStart);
    this.liveKeys.clear();
    for (const k of latest.keys()) this.liveKeys.add(k);
    return true;
  }

  async *load(): AsyncIterable<GroupLogRecord> {
    this.liveKeys.clear();
    for await (const r of this.readFrom(this.log.logStartOffset)) {
      this.track(r);
      yield r;
    }
  }

  private async *readFrom(start: number): AsyncIterable<GroupLogRecord> {
    let next = start;
    const end = this.log.logEndOffset;
    while (next < end) {
      let chunk: Buffer | null;
      try {
        chunk = (await this.log.read(next, this.loadChunkBytes, { maxOffset: end, minOneBatch: true }))
          .records;
      } catch (err) {
        throw new GroupLogLoadError(
          `reading __consumer_offsets at offset ${next}: ${(err as Error).message}`,
        );
      }
      if (!chunk || chunk.length === 0) break;
      let batches: ReturnType<typeof decodeRecordBatches>;
      try {
        batches = decodeRecordBatches(chunk);
      } catch (err) {
        throw new GroupLogLoadError(
          `decoding __consumer_offsets at offset ${next}: ${(err as Error).message}`,
        );
      }
      const before = next;
      for (const b of batches) {
        for (const r of b.records) {
          // A read may start inside a batch: skip what was already seen.
          if (r.offset < next || r.key === null) continue;
          yield { key: Buffer.from(r.key), value: r.value === null ? null : Buffer.from(r.value) };
        }
        next = Math.max(next, b.header.lastOffset + 1);
      }
      if (next === before) break; // no progress: never loop forever on a strange read
    }
  }
}
