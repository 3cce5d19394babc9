/**
 * A GroupLog stored in one partition of __consumer_offsets: each append() is one RecordBatch v2
 * (uncompressed, so a group's writes stay atomic), and load() reads every batch from the log
 * start and yields its records in offset order.
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
  clock?: { now(): number };
  /** Bytes read per step while loading. */
  loadChunkBytes?: number;
}

const LOAD_CHUNK_BYTES_DEFAULT = 1024 * 1024;

/** The stored log could not be read back (corrupt batch, storage failure). */
export class GroupLogLoadError extends Error {
  readonly code = 'SAMSA_GROUP_LOG_LOAD';
}

export class PartitionGroupLog implements GroupLog {
  private readonly log: OffsetsPartitionLog;
  private readonly leaderEpoch: () => number;
  private readonly onAppended: ((log: OffsetsPartitionLog, bytes: number) => void) | undefined;
  private readonly clock: { now(): number };
  private readonly loadChunkBytes: number;

  constructor(opts: PartitionGroupLogOptions) {
    this.log = opts.log;
    this.leaderEpoch = opts.leaderEpoch ?? (() => 0);
    this.onAppended = opts.onAppended;
    this.clock = opts.clock ?? Date;
    this.loadChunkBytes = opts.loadChunkBytes ?? LOAD_CHUNK_BYTES_DEFAULT;
  }

  async append(records: GroupLogRecord[]): Promise<void> {
    if (records.length === 0) return;
    const batch = encodeRecordBatch({
      records: records.map((r) => ({ key: r.key, value: r.value })),
      now: this.clock.now(),
    });
    await this.log.append(batch, { leaderEpoch: this.leaderEpoch() });
    this.onAppended?.(this.log, batch.length);
  }

  async *load(): AsyncIterable<GroupLogRecord> {
    let next = this.log.logStartOffset;
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
