/**
 * PartitionLog (UnifiedLog/LocalLog): one partition's log on disk — append, read, lookup by
 * timestamp, truncation, retention, flush policy, leader epochs and the high watermark.
 *
 * Thread-safety: none needed; every method runs on the Node event loop and the hot-path
 * methods (append, read) are synchronous, so no two operations interleave.
 * Failure model: any file-system error takes the partition offline (online = false); later
 * calls throw PartitionOfflineError. Bad input throws typed errors and changes nothing.
 */

import { COMPRESSION_ATTRIBUTE_MASK, COMPRESSION_ID_MAX } from '../protocol/compression.js';
import {
  batchAttributes,
  batchLastOffsetDelta,
  batchMaxTimestamp,
  batchPartitionLeaderEpoch,
  batchRecordsCount,
  batchSize,
  CONTROL_FLAG_MASK,
  DECOMPRESSED_BYTES_MAX_DEFAULT,
  decodeRecordBatch,
  readInt64,
  setBaseOffset,
  setLogAppendTime,
  setPartitionLeaderEpoch,
  type ValidateBatchOptions,
  validateBatch,
} from '../protocol/record-batch.js';
import { fsyncDir } from './checkpoint.js';
import type { LogConfig } from './config.js';
import {
  AppendTooLargeError,
  InvalidAppendOffsetError,
  InvalidBatchError,
  LogClosedError,
  OffsetOutOfRangeError,
  PartitionOfflineError,
  RecordTooLargeError,
  StorageError,
  StorageIoError,
} from './errors.js';
import { nodeFs, type StorageFs } from './fs.js';
import { io } from './io.js';
import { LeaderEpochCache } from './leader-epoch-cache.js';
import { type StorageLogger, silentLogger } from './logger.js';
import { loadSegments, type RecoveryReport } from './recovery.js';
import { type RetentionReason, type RetentionSegment, segmentsToDelete } from './retention.js';
import { LogSegment, type SegmentEnv } from './segment.js';
import type { LogSegments } from './segments.js';

export interface PartitionLogOptions {
  dir: string;
  topic: string;
  partition: number;
  config: LogConfig;
  fs?: StorageFs;
  now?: () => number;
  log?: StorageLogger;
  /** From recovery-point-offset-checkpoint; 0 (rescan everything) when unknown. */
  recoveryPoint?: number;
  /** From log-start-offset-checkpoint. */
  logStartOffset?: number;
  hadCleanShutdown?: boolean;
  /** Called after the log start offset moved (retention, deleteRecordsBefore, truncation). */
  onLogStartOffsetChange?: (log: PartitionLog) => void;
  /** Called once when an I/O error takes the partition offline. */
  onOffline?: (log: PartitionLog, err: StorageError) => void;
}

export interface AppendResult {
  firstOffset: number;
  lastOffset: number;
  recordCount: number;
  /** The broker time written into LogAppendTime batches; -1 for CreateTime topics (Kafka). */
  logAppendTimeMs: number;
}

export interface ReadResult {
  records: Buffer;
  firstOffset: number;
}

export class PartitionLog {
  readonly topic: string;
  readonly partition: number;
  readonly dir: string;
  /** `topic-partition`, as logs and errors name it. */
  readonly name: string;
  private cfg!: LogConfig;
  /** validateBatch options for client appends (assigned offsets) and replica appends; follow cfg. */
  private clientValidation!: ValidateBatchOptions;
  private replicaValidation!: ValidateBatchOptions;
  private readonly fs: StorageFs;
  private readonly now: () => number;
  private readonly logger: StorageLogger;
  private readonly env: SegmentEnv;
  private readonly epochs: LeaderEpochCache;
  private segments!: LogSegments;
  private startOffset = 0;
  private endOffset = 0;
  private hw = 0;
  private recoveryPointValue = 0;
  private unflushedMessages = 0;
  private lastFlushMs: number;
  private isOnline = true;
  private isClosed = false;
  private offlineCause: StorageError | undefined;
  /** What the last open found and did (unclean shutdown details). */
  recoveryReport!: RecoveryReport;
  private readonly onLogStartOffsetChange: ((log: PartitionLog) => void) | undefined;
  private readonly onOffline: ((log: PartitionLog, err: StorageError) => void) | undefined;

  private constructor(opts: PartitionLogOptions) {
    this.topic = opts.topic;
    this.partition = opts.partition;
    this.dir = opts.dir;
    this.name = `${opts.topic}-${opts.partition}`;
    this.setConfig(opts.config);
    this.fs = opts.fs ?? nodeFs;
    this.now = opts.now ?? Date.now;
    this.logger = opts.log ?? silentLogger;
    this.env = { fs: this.fs, dir: this.dir, config: () => this.cfg, now: this.now };
    this.epochs = new LeaderEpochCache(this.fs, this.dir, this.logger);
    this.lastFlushMs = this.now();
    this.onLogStartOffsetChange = opts.onLogStartOffsetChange;
    this.onOffline = opts.onOffline;
  }

  /** Open (creating when missing) and, after an unclean shutdown, recover a partition directory. */
  static async open(opts: PartitionLogOptions): Promise<PartitionLog> {
    const log = new PartitionLog(opts);
    const fs = log.fs;
    io('mkdir', opts.dir, () => fs.mkdirSync(opts.dir));
    log.epochs.load();
    const epochCountBefore = log.epochs.all.length;
    const hadClean = opts.hadCleanShutdown ?? false;
    const { segments, report } = await loadSegments(log.env, {
      topicPartition: log.name,
      recoveryPoint: opts.recoveryPoint ?? 0,
      hadCleanShutdown: hadClean,
      epochCache: log.epochs,
      log: log.logger,
    });
    log.segments = segments;
    log.recoveryReport = report;
    if (segments.count === 0) {
      const start = Math.max(0, opts.logStartOffset ?? 0);
      segments.push(LogSegment.create(log.env, start));
      fsyncDir(fs, opts.dir);
    }
    const active = segments.last!;
    active.makeActive();
    log.endOffset = active.nextOffset;
    log.startOffset = Math.max(opts.logStartOffset ?? 0, segments.first!.baseOffset);
    if (log.startOffset > log.endOffset) {
      log.logger.warn(
        { partition: log.name, logStartOffset: log.startOffset, logEndOffset: log.endOffset },
        'log start offset beyond the recovered end; starting the log afresh at the log start offset',
      );
      log.truncateFullyAndStartAt(log.startOffset);
    }
    const epochsChanged = log.epochs.all.length !== epochCountBefore;
    log.epochs.truncateFromEnd(log.endOffset);
    log.epochs.truncateFromStart(log.startOffset);
    if (epochsChanged) log.epochs.flush();
    // After a crash the rescanned tail may still be only in the page cache: the recovery point
    // stays where it was (Kafka does the same) and moves at the next flush.
    log.recoveryPointValue = hadClean ? log.endOffset : Math.min(opts.recoveryPoint ?? 0, log.endOffset);
    log.hw = log.startOffset;
    return log;
  }

  get config(): LogConfig {
    return this.cfg;
  }

  /** Apply new topic configs to the live log (index sizes take effect at the next roll). */
  updateConfig(config: LogConfig): void {
    this.setConfig(config);
  }

  private setConfig(config: LogConfig): void {
    this.cfg = config;
    this.clientValidation = { batchBytesMax: config.maxMessageBytes, checkRecordsCount: true };
    this.replicaValidation = { batchBytesMax: undefined, checkRecordsCount: false };
  }

  get online(): boolean {
    return this.isOnline;
  }

  get closed(): boolean {
    return this.isClosed;
  }

  get logStartOffset(): number {
    return this.startOffset;
  }

  get logEndOffset(): number {
    return this.endOffset;
  }

  get recoveryPoint(): number {
    return this.recoveryPointValue;
  }

  get sizeBytes(): number {
    return this.segments.sizeBytes;
  }

  get segmentCount(): number {
    return this.segments.count;
  }

  /** Base offsets of the segments, oldest first (tools and tests). */
  get segmentBaseOffsets(): number[] {
    return this.segments.all.map((s) => s.baseOffset);
  }

  get leaderEpochEntries(): readonly { epoch: number; startOffset: number }[] {
    return this.epochs.all;
  }

  get latestEpoch(): number {
    return this.epochs.latestEpoch;
  }

  get highWatermark(): number {
    return this.hw;
  }

  /** Set by the caller; clamped to [logStartOffset, logEndOffset] (Kafka's updateHighWatermark). */
  set highWatermark(value: number) {
    this.hw = Math.min(Math.max(value, this.startOffset), this.endOffset);
  }

  private ensureUsable(): void {
    if (this.isClosed) throw new LogClosedError(this.name);
    if (!this.isOnline) throw new PartitionOfflineError(this.name, this.offlineCause);
  }

  /** Run `fn`; an I/O failure takes the partition offline before it is rethrown. */
  private guard<T>(fn: () => T): T {
    this.ensureUsable();
    try {
      return fn();
    } catch (err) {
      if (err instanceof StorageIoError) this.goOffline(err);
      throw err;
    }
  }

  private goOffline(err: StorageError): void {
    if (!this.isOnline) return;
    this.isOnline = false;
    this.offlineCause = err;
    this.logger.error({ partition: this.name, err: err.message, code: err.code }, 'partition taken offline');
    for (const s of this.segments.all) {
      s.offsetIndex.closeQuietly();
      s.timeIndex.closeQuietly();
    }
    this.onOffline?.(this, err);
  }

  // ------------------------------------------------------------------ append

  /**
   * Validate every batch (framing, magic 2, CRC, recordsCount == lastOffsetDelta + 1, size <=
   * max.message.bytes; with assignOffsets also baseOffset 0 and no control batches) and append
   * them all or nothing. Assigns offsets (and the leader epoch) in place unless assignOffsets
   * is false (replica path: offsets kept, must be >= logEndOffset and increasing).
   */
  append(batches: Buffer, opts: { leaderEpoch?: number; assignOffsets?: boolean } = {}): AppendResult {
    this.ensureUsable();
    const assign = opts.assignOffsets !== false;
    const cfg = this.cfg;
    const name = this.name;
    if (batches.length === 0) throw new InvalidBatchError(name, 'EMPTY', 'no batches in the append');
    if (batches.length > cfg.segmentBytes)
      throw new AppendTooLargeError(name, batches.length, cfg.segmentBytes);
    let recordCount = 0;
    let maxTimestamp = -1;
    let expectNext = this.endOffset;
    let firstOffset = -1;
    let pos = 0;
    const validation = assign ? this.clientValidation : this.replicaValidation;
    while (pos < batches.length) {
      const check = validateBatch(batches, pos, validation);
      if (!check.ok) {
        const e = check.error;
        if (e.code === 'BATCH_TOO_LARGE') {
          throw new RecordTooLargeError(name, batchSize(batches, pos), cfg.maxMessageBytes);
        }
        throw new InvalidBatchError(name, e.code, e.message, e);
      }
      const attributes = batchAttributes(batches, pos);
      if ((attributes & COMPRESSION_ATTRIBUTE_MASK) > COMPRESSION_ID_MAX) {
        throw new InvalidBatchError(
          name,
          'UNKNOWN_COMPRESSION',
          `batch at ${pos} names compression ${attributes & COMPRESSION_ATTRIBUTE_MASK}`,
        );
      }
      const base = readInt64(batches, pos);
      const delta = batchLastOffsetDelta(batches, pos);
      if (assign) {
        if (base !== 0) {
          throw new InvalidBatchError(
            name,
            'NONZERO_BASE_OFFSET',
            `batch at ${pos} has baseOffset ${base}, expected 0`,
          );
        }
        if (attributes & CONTROL_FLAG_MASK) {
          throw new InvalidBatchError(
            name,
            'CONTROL_BATCH',
            `batch at ${pos} is a control batch; clients may not send them`,
          );
        }
        if (firstOffset < 0) firstOffset = expectNext;
        expectNext += delta + 1;
      } else {
        if (base < expectNext) {
          throw new InvalidAppendOffsetError(
            name,
            `batch at ${pos} starts at offset ${base}, below the expected ${expectNext} (log end ${this.endOffset})`,
          );
        }
        if (firstOffset < 0) firstOffset = base;
        expectNext = base + delta + 1;
      }
      recordCount += batchRecordsCount(batches, pos);
      maxTimestamp = Math.max(maxTimestamp, batchMaxTimestamp(batches, pos));
      pos += check.size;
    }
    const lastOffset = expectNext - 1;
    const now = this.now();
    const logAppendTime = assign && cfg.messageTimestampType === 'LogAppendTime';
    if (assign) {
      let offset = this.endOffset;
      for (let p = 0; p < batches.length; p += batchSize(batches, p)) {
        setBaseOffset(batches, p, offset);
        if (opts.leaderEpoch !== undefined) setPartitionLeaderEpoch(batches, p, opts.leaderEpoch);
        if (logAppendTime) setLogAppendTime(batches, p, now);
        offset += batchLastOffsetDelta(batches, p) + 1;
      }
      // LogAppendTime rewrote every batch's maxTimestamp to now.
      if (logAppendTime) maxTimestamp = now;
    }
    // guard() inlined: this runs once per produce request, without a closure.
    try {
      let active = this.segments.last!;
      if (active.shouldRoll(batches.length, maxTimestamp, lastOffset, now)) active = this.roll(firstOffset);
      active.append(batches);
      this.endOffset = lastOffset + 1;
      if (assign && opts.leaderEpoch !== undefined) this.epochs.assign(opts.leaderEpoch, firstOffset);
      else {
        for (let p = 0; p < batches.length; p += batchSize(batches, p)) {
          const epoch = batchPartitionLeaderEpoch(batches, p);
          if (epoch >= 0) this.epochs.assign(epoch, readInt64(batches, p));
        }
      }
      this.unflushedMessages += recordCount;
      if (this.unflushedMessages >= cfg.flushMessages) this.flushNow();
    } catch (err) {
      if (err instanceof StorageIoError) this.goOffline(err);
      throw err;
    }
    return { firstOffset, lastOffset, recordCount, logAppendTimeMs: logAppendTime ? now : -1 };
  }

  /** Close the active segment (fsync, trim indexes) and start a new one at `baseOffset`. */
  private roll(baseOffset: number): LogSegment {
    const old = this.segments.last!;
    old.becomeInactive();
    this.recoveryPointValue = Math.max(this.recoveryPointValue, this.endOffset);
    const seg = LogSegment.create(this.env, Math.max(baseOffset, this.endOffset));
    this.segments.push(seg);
    fsyncDir(this.fs, this.dir);
    this.logger.info({ partition: this.name, baseOffset: seg.baseOffset }, 'rolled new log segment');
    return seg;
  }

  /** Force a roll now (tools and tests); no-op when the active segment is empty. */
  forceRoll(): void {
    this.guard(() => {
      if (this.segments.last!.size > 0) this.roll(this.endOffset);
    });
  }

  // ------------------------------------------------------------------ read

  /**
   * Whole stored batches from the one containing `offset`, up to maxBytes (at least one whole
   * batch when minOneBatch, default true), none starting at or after maxOffset (exclusive,
   * default and at most the log end). Throws OffsetOutOfRangeError outside [start, end].
   */
  read(
    offset: number,
    maxBytes: number,
    opts: { maxOffset?: number; minOneBatch?: boolean } = {},
  ): ReadResult {
    this.ensureUsable();
    if (offset < this.startOffset || offset > this.endOffset) {
      throw new OffsetOutOfRangeError(this.name, offset, this.startOffset, this.endOffset);
    }
    const maxOffset = Math.min(opts.maxOffset ?? this.endOffset, this.endOffset);
    if (offset >= maxOffset) return { records: Buffer.alloc(0), firstOffset: offset };
    const minOne = opts.minOneBatch !== false;
    return this.guard(() => {
      const segs = this.segments;
      for (let i = Math.max(0, segs.floorIndex(offset)); i < segs.count; i++) {
        const seg = segs.at(i)!;
        const r = seg.read(Math.max(offset, seg.baseOffset), Math.max(0, maxBytes), maxOffset, minOne);
        if (r) return r;
      }
      return { records: Buffer.alloc(0), firstOffset: offset };
    });
  }

  /** First offset whose record timestamp is >= timestampMs (Kafka ListOffsets by time). */
  offsetForTimestamp(timestampMs: number): { offset: number; timestamp: number } | undefined {
    return this.guard(() => {
      for (const seg of this.segments.all) {
        if (seg.size === 0 || seg.largestTimestamp < timestampMs) continue;
        const loc = seg.findBatchByTimestamp(timestampMs, this.startOffset);
        if (!loc) continue;
        try {
          const batch = decodeRecordBatch(seg.readBytes(loc.position, loc.size), 0, {
            decompressedBytesMax: Math.max(this.cfg.maxMessageBytes, DECOMPRESSED_BYTES_MAX_DEFAULT),
          });
          for (const r of batch.records) {
            if (r.timestamp >= timestampMs && r.offset >= this.startOffset) {
              return { offset: r.offset, timestamp: r.timestamp };
            }
          }
        } catch (err) {
          if (err instanceof StorageError) throw err;
          // Compressed with a codec we cannot read (or odd records): answer at batch level.
          return { offset: Math.max(loc.baseOffset, this.startOffset), timestamp: loc.maxTimestamp };
        }
      }
      return undefined;
    });
  }

  // ------------------------------------------------------------------ truncation (replication)

  /** Remove everything at and after `offset` (whole batches). No-op when offset >= log end. */
  truncateTo(offset: number): void {
    this.guard(() => {
      if (!Number.isSafeInteger(offset) || offset < 0) {
        throw new OffsetOutOfRangeError(this.name, offset, this.startOffset, this.endOffset);
      }
      if (offset >= this.endOffset) return;
      if (offset <= this.segments.first!.baseOffset) {
        this.truncateFullyAndStartAt(offset);
        return;
      }
      const segs = this.segments;
      const keep = segs.floorIndex(offset);
      const removed = segs.removeFrom(keep + 1);
      for (const s of removed) s.delete();
      const active = segs.last!;
      const bytes = active.truncateTo(offset);
      active.makeActive();
      this.endOffset = active.nextOffset;
      this.afterTruncation();
      this.logger.info(
        {
          partition: this.name,
          offset,
          logEndOffset: this.endOffset,
          segmentsDeleted: removed.length,
          bytes,
        },
        'truncated log',
      );
    });
  }

  /** Delete every segment and start an empty log at `offset` (log start = end = offset). */
  truncateFullyAndStartAt(offset: number): void {
    this.guard(() => {
      const removed = this.segments.removeFrom(0);
      for (const s of removed) s.delete();
      this.segments.push(LogSegment.create(this.env, offset));
      fsyncDir(this.fs, this.dir);
      this.endOffset = offset;
      this.startOffset = offset;
      this.epochs.clear();
      this.afterTruncation();
      this.hw = offset;
      this.onLogStartOffsetChange?.(this);
      this.logger.info(
        { partition: this.name, offset, segmentsDeleted: removed.length },
        'log truncated fully',
      );
    });
  }

  private afterTruncation(): void {
    this.recoveryPointValue = Math.min(this.recoveryPointValue, this.endOffset);
    this.hw = Math.min(this.hw, this.endOffset);
    this.epochs.truncateFromEnd(this.endOffset);
    this.unflushedMessages = 0;
  }

  /** Kafka's endOffsetFor: the largest epoch <= `epoch` and where it ends. -1/-1 when unknown. */
  endOffsetForEpoch(epoch: number): { epoch: number; endOffset: number } {
    this.ensureUsable();
    return this.epochs.endOffsetFor(epoch, this.endOffset);
  }

  // ------------------------------------------------------------------ retention

  /**
   * Delete whole old segments breaching retention.ms / retention.bytes or below the log start
   * offset; moves the log start offset. Returns the number of segments deleted.
   */
  deleteOldSegments(): number {
    return this.guard(() => {
      const segs = this.segments;
      const views: RetentionSegment[] = segs.all.map((s, i) => ({
        baseOffset: s.baseOffset,
        sizeBytes: s.size,
        endOffset: segs.nextBaseOffset(i) ?? this.endOffset,
        isLast: i === segs.count - 1,
        largestTimestamp: () => s.largestTimestamp,
      }));
      const decision = segmentsToDelete(views, {
        now: this.now(),
        retentionMs: this.cfg.retentionMs,
        retentionBytes: this.cfg.retentionBytes,
        deletePolicy: this.cfg.cleanupPolicy.includes('delete'),
        logStartOffset: this.startOffset,
        highWatermark: this.hw,
        totalBytes: segs.sizeBytes,
      });
      if (decision.count === 0) return 0;
      this.deleteSegments(decision.count, decision.reasons);
      return decision.count;
    });
  }

  private deleteSegments(count: number, reasons: RetentionReason[]): void {
    const segs = this.segments;
    if (count >= segs.count) this.roll(this.endOffset);
    const removed = segs.shift(count);
    for (const s of removed) s.delete();
    const newStart = Math.max(this.startOffset, segs.first!.baseOffset);
    const moved = newStart !== this.startOffset;
    this.startOffset = newStart;
    this.hw = Math.max(this.hw, this.startOffset);
    this.epochs.truncateFromStart(this.startOffset);
    this.logger.info(
      {
        partition: this.name,
        segments: removed.map((s) => s.baseOffset),
        reasons: [...new Set(reasons)],
        logStartOffset: this.startOffset,
      },
      'deleted old segments',
    );
    if (moved) this.onLogStartOffsetChange?.(this);
  }

  /**
   * Move the log start offset to `offset` (DeleteRecords); whole segments below it are deleted.
   * Throws OffsetOutOfRangeError above the high watermark. Returns the new log start offset.
   */
  deleteRecordsBefore(offset: number): number {
    return this.guard(() => {
      if (!Number.isSafeInteger(offset) || offset > this.hw || offset < 0) {
        throw new OffsetOutOfRangeError(this.name, offset, this.startOffset, this.hw);
      }
      if (offset <= this.startOffset) return this.startOffset;
      this.startOffset = offset;
      this.epochs.truncateFromStart(offset);
      const segs = this.segments;
      let n = 0;
      while (n < segs.count - 1 && segs.nextBaseOffset(n)! <= offset) n++;
      if (n > 0) this.deleteSegments(n, Array(n).fill('log-start-offset'));
      else this.onLogStartOffsetChange?.(this);
      return this.startOffset;
    });
  }

  // ------------------------------------------------------------------ flush and close

  /** fsync everything not yet flushed; the recovery point becomes the log end offset. */
  flush(): void {
    this.guard(() => this.flushNow());
  }

  private flushNow(): void {
    const segs = this.segments;
    for (let i = Math.max(0, segs.floorIndex(this.recoveryPointValue)); i < segs.count; i++)
      segs.at(i)!.flush();
    this.recoveryPointValue = this.endOffset;
    this.unflushedMessages = 0;
    this.lastFlushMs = this.now();
  }

  /** flush.ms policy tick: flush when unflushed data has waited flush.ms. Returns true when it flushed. */
  maybeFlush(): boolean {
    if (!this.isOnline || this.isClosed || this.unflushedMessages === 0) return false;
    if (this.now() - this.lastFlushMs < this.cfg.flushMs) return false;
    this.flush();
    return true;
  }

  get unflushedMessageCount(): number {
    return this.unflushedMessages;
  }

  /** Flush, finalize the active segment's indexes (trimmed) and close every file. */
  close(): void {
    if (this.isClosed) return;
    if (!this.isOnline) {
      this.closeQuietly();
      return;
    }
    try {
      this.guard(() => {
        this.segments.last!.becomeInactive();
        this.flushNow();
        for (const s of this.segments.all) s.close();
      });
    } finally {
      if (!this.isOnline) this.closeQuietly();
      this.isClosed = true;
    }
  }

  /** Close every file without flushing (offline partitions, deleted topics). */
  closeQuietly(): void {
    for (const s of this.segments.all) {
      try {
        s.close();
      } catch {
        // already failing or closed
      }
    }
    this.isClosed = true;
  }

  /** Read the stored bytes of every segment (tests and tools; not for large logs). */
  dumpBytes(): Buffer {
    return Buffer.concat(this.segments.all.map((s) => s.readBytes(0, s.size)));
  }
}
