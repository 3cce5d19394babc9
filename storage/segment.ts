/**
 * LogSegment (LogSegment.java): one `.log` with its `.index` and `.timeindex`.
 * Appends whole batches whose offsets are already assigned; reads whole batches from the
 * position the sparse index points at; recovers by rescanning; truncates.
 * Not thread-safe: owned by one PartitionLog, which calls it from one thread.
 */
import {
  batchBaseOffset,
  batchLastOffset,
  batchMaxTimestamp,
  batchSize,
  LOG_OVERHEAD,
  NO_TIMESTAMP,
  RECORD_BATCH_OVERHEAD,
} from '../protocol/record-batch.js';
import type { RecordBatchError } from '../protocol/record-batch-errors.js';
import type { LogConfig } from './config.js';
import { indexFilePath, logFilePath, timeIndexFilePath } from './file-names.js';
import type { StorageFs } from './fs.js';
import { INT32_MAX } from './index-file.js';
import { io, ioAsync, readFully, writeFully } from './io.js';
import { LogScanner } from './log-scanner.js';
import { OffsetIndex } from './offset-index.js';
import { TimeIndex } from './time-index.js';

/** Bytes read per step when walking batch headers (offset and timestamp lookups). */
export const HEADER_WALK_CHUNK_BYTES = 16 * 1024;
const walkScratch = Buffer.allocUnsafe(HEADER_WALK_CHUNK_BYTES);

export interface SegmentEnv {
  fs: StorageFs;
  dir: string;
  config: () => LogConfig;
  now: () => number;
}

export interface BatchLocation {
  position: number;
  baseOffset: number;
  lastOffset: number;
  size: number;
  maxTimestamp: number;
}

export interface RecoverResult {
  validBytes: number;
  truncatedBytes: number;
  batches: number;
  error: RecordBatchError | undefined;
}

export class LogSegment {
  readonly logPath: string;
  readonly offsetIndex: OffsetIndex;
  readonly timeIndex: TimeIndex;
  private logFd: number;
  /** Bytes in the .log file. */
  size: number;
  /** Offset after the last batch; exact once the tail is known (active segment, after recovery). */
  private nextOffsetValue: number;
  private tailKnown = false;
  private maxTimestampSoFar = NO_TIMESTAMP;
  private offsetOfMaxTimestampSoFar: number;
  private bytesSinceLastIndexEntry = 0;
  private rollingBasedTimestamp: number | undefined;
  private readonly createdMs: number;
  private closed = false;
  /** Where the batch after the last read starts (sequential-read shortcut); cleared on truncation. */
  private nextRead: { offset: number; position: number } | undefined;

  private constructor(
    private readonly env: SegmentEnv,
    readonly baseOffset: number,
    fd: number,
    size: number,
  ) {
    this.logPath = logFilePath(env.dir, baseOffset);
    const indexBytes = env.config().segmentIndexBytes;
    this.offsetIndex = new OffsetIndex(env.fs, indexFilePath(env.dir, baseOffset), baseOffset, indexBytes);
    this.timeIndex = new TimeIndex(env.fs, timeIndexFilePath(env.dir, baseOffset), baseOffset, indexBytes);
    this.logFd = fd;
    this.size = size;
    this.nextOffsetValue = baseOffset;
    this.offsetOfMaxTimestampSoFar = baseOffset;
    this.createdMs = env.now();
  }

  /** A new, empty, active segment (existing files at this base offset are replaced). */
  static create(env: SegmentEnv, baseOffset: number): LogSegment {
    const path = logFilePath(env.dir, baseOffset);
    const fd = io('create-segment', path, () => env.fs.openSync(path, 'w+'));
    const seg = new LogSegment(env, baseOffset, fd, 0);
    seg.offsetIndex.reset();
    seg.timeIndex.reset();
    seg.tailKnown = true;
    seg.offsetIndex.openForAppend();
    seg.timeIndex.openForAppend();
    return seg;
  }

  /** An existing segment; indexes are loaded lazily, the tail is found on demand. */
  static open(env: SegmentEnv, baseOffset: number): LogSegment {
    const path = logFilePath(env.dir, baseOffset);
    const fd = io('open-segment', path, () => env.fs.openSync(path, 'r+'));
    let size: number;
    try {
      size = io('stat-segment', path, () => env.fs.fstatSync(fd).size);
    } catch (err) {
      env.fs.closeSync(fd);
      throw err;
    }
    return new LogSegment(env, baseOffset, fd, size);
  }

  private get fs(): StorageFs {
    return this.env.fs;
  }

  get isActive(): boolean {
    return this.offsetIndex.isWritable;
  }

  // ---------------------------------------------------------------- indexes and tail

  /** Load both indexes, rebuilding them from the log when missing or not sane. Returns true when rebuilt. */
  loadIndexes(): boolean {
    if (this.offsetIndex.tryLoad(this.size) && this.timeIndex.tryLoad(this.size)) {
      if (!this.tailKnown && this.maxTimestampSoFar === NO_TIMESTAMP) {
        const last = this.timeIndex.lastEntry;
        this.maxTimestampSoFar = last.timestamp;
        this.offsetOfMaxTimestampSoFar = last.offset;
      }
      return false;
    }
    this.rebuildIndexesSync();
    return true;
  }

  /** Rescan the whole .log (validating) and rebuild both indexes; never truncates. */
  rebuildIndexesSync(): void {
    const scanner = this.startRebuild();
    for (let r = scanner.nextRead(); r; r = scanner.nextRead()) {
      scanner.consume(readFully(this.fs, this.logFd, this.logPath, r.buf, 0, r.length, r.position));
    }
    this.finishRebuild(scanner);
    if (!this.isActive) this.persistRecoveredIndexes();
  }

  /** Reset the indexes and what they track; a scanner that re-indexes each valid batch. */
  private startRebuild(onBatch?: (buf: Buffer, pos: number) => void): LogScanner {
    this.offsetIndex.reset();
    this.timeIndex.reset();
    this.maxTimestampSoFar = NO_TIMESTAMP;
    this.offsetOfMaxTimestampSoFar = this.baseOffset;
    this.bytesSinceLastIndexEntry = 0;
    this.rollingBasedTimestamp = undefined;
    return new LogScanner(
      this.size,
      this.baseOffset,
      (buf, pos, size, filePos) => {
        this.indexBatch(buf, pos, size, filePos);
        onBatch?.(buf, pos);
      },
      { verifyCrc: true },
    );
  }

  /** After recovering a segment that will not be active: final time entry, write trimmed index files. */
  persistRecoveredIndexes(): void {
    this.timeIndex.maybeAppend(this.maxTimestampSoFar, this.offsetOfMaxTimestampSoFar, true);
    this.offsetIndex.writeWhole();
    this.timeIndex.writeWhole();
  }

  private finishRebuild(scanner: LogScanner): void {
    this.nextOffsetValue = scanner.nextOffset;
    this.tailKnown = true;
  }

  /**
   * Update in-memory state and indexes for the batch at buf[pos] stored at file position
   * `filePos`; returns the batch's last offset.
   */
  private indexBatch(buf: Buffer, pos: number, size: number, filePos: number): number {
    const maxTs = batchMaxTimestamp(buf, pos);
    const last = batchLastOffset(buf, pos);
    if (this.rollingBasedTimestamp === undefined) this.rollingBasedTimestamp = maxTs;
    if (maxTs > this.maxTimestampSoFar) {
      this.maxTimestampSoFar = maxTs;
      this.offsetOfMaxTimestampSoFar = last;
    }
    if (this.bytesSinceLastIndexEntry > this.env.config().indexIntervalBytes) {
      this.offsetIndex.append(last, filePos);
      this.timeIndex.maybeAppend(this.maxTimestampSoFar, this.offsetOfMaxTimestampSoFar);
      this.bytesSinceLastIndexEntry = 0;
    }
    this.bytesSinceLastIndexEntry += size;
    return last;
  }

  /** Find nextOffset, max timestamp and bytes since the last index entry by walking headers after it. */
  private ensureTail(): void {
    if (this.tailKnown) return;
    this.loadIndexes();
    if (this.tailKnown) return; // a rebuild found it
    const from = this.offsetIndex.lastPosition;
    let next = this.offsetIndex.entries > 0 ? this.offsetIndex.lastOffset + 1 : this.baseOffset;
    let since = 0;
    let first = from === 0;
    this.walkHeaders(from, (loc) => {
      next = loc.lastOffset + 1;
      if (first) {
        this.rollingBasedTimestamp = loc.maxTimestamp;
        first = false;
      }
      if (loc.maxTimestamp > this.maxTimestampSoFar) {
        this.maxTimestampSoFar = loc.maxTimestamp;
        this.offsetOfMaxTimestampSoFar = loc.lastOffset;
      }
      // the indexed batch itself counts: Kafka resets the counter before adding the batch size
      since += loc.size;
      return true;
    });
    if (this.rollingBasedTimestamp === undefined && this.size > 0) {
      this.walkHeaders(0, (loc) => {
        this.rollingBasedTimestamp = loc.maxTimestamp;
        return false;
      });
    }
    this.nextOffsetValue = next;
    this.bytesSinceLastIndexEntry = since;
    this.tailKnown = true;
  }

  get nextOffset(): number {
    this.ensureTail();
    return this.nextOffsetValue;
  }

  /** Open indexes for appending (preallocated); the segment becomes the active one. */
  makeActive(): void {
    this.ensureTail();
    this.offsetIndex.openForAppend();
    this.timeIndex.openForAppend();
  }

  /** Roll/close: final time-index entry, trim and fsync indexes, fsync the log. */
  becomeInactive(): void {
    if (!this.isActive) return;
    this.timeIndex.maybeAppend(this.maxTimestampSoFar, this.offsetOfMaxTimestampSoFar, true);
    this.offsetIndex.trimAndClose();
    this.timeIndex.trimAndClose();
    this.flushLog();
  }

  // ---------------------------------------------------------------- append

  /** Would appending `bytes` whose offsets end at `lastOffset` at `now` require a roll first? */
  shouldRoll(bytes: number, maxTimestampInAppend: number, lastOffset: number, now: number): boolean {
    if (this.size === 0) return false;
    const cfg = this.env.config();
    this.ensureTail();
    return (
      this.size + bytes > cfg.segmentBytes ||
      this.timeWaitedForRoll(now, maxTimestampInAppend) > cfg.segmentMs ||
      this.offsetIndex.isFull ||
      this.timeIndex.isFull ||
      lastOffset - this.baseOffset > INT32_MAX
    );
  }

  private timeWaitedForRoll(now: number, messageTimestamp: number): number {
    const t = this.rollingBasedTimestamp;
    if (t !== undefined && t >= 0 && messageTimestamp >= 0) return messageTimestamp - t;
    return now - this.createdMs;
  }

  /**
   * Write buf (complete batches with offsets assigned) at the end of the log and index them.
   * On a write error the log is truncated back to its previous size before rethrowing.
   */
  append(buf: Buffer): void {
    this.ensureTail();
    const start = this.size;
    if (start + buf.length > INT32_MAX)
      throw new Error(`segment ${this.logPath} would pass 2 GiB (programming error)`);
    try {
      writeFully(this.fs, this.logFd, this.logPath, buf, 0, buf.length, start);
    } catch (err) {
      try {
        this.fs.ftruncateSync(this.logFd, start);
      } catch {
        // the partition goes offline; recovery truncates the torn tail at the next start
      }
      throw err;
    }
    this.size = start + buf.length;
    let p = 0;
    while (p < buf.length) {
      const size = batchSize(buf, p);
      this.nextOffsetValue = this.indexBatch(buf, p, size, start + p) + 1;
      p += size;
    }
  }

  // ---------------------------------------------------------------- reads

  /** Walk batch headers from `position` (trusted, recovered data); visit returns false to stop. */
  walkHeaders(position: number, visit: (loc: BatchLocation) => boolean): void {
    let chunkPos = -1;
    let chunkLen = 0;
    let pos = position;
    while (pos + RECORD_BATCH_OVERHEAD <= this.size) {
      if (chunkPos < 0 || pos < chunkPos || pos + RECORD_BATCH_OVERHEAD > chunkPos + chunkLen) {
        chunkPos = pos;
        chunkLen = readFully(
          this.fs,
          this.logFd,
          this.logPath,
          walkScratch,
          0,
          Math.min(walkScratch.length, this.size - pos),
          pos,
        );
        if (chunkLen < RECORD_BATCH_OVERHEAD) return;
      }
      const p = pos - chunkPos;
      const size = batchSize(walkScratch, p);
      if (size < RECORD_BATCH_OVERHEAD || pos + size > this.size) return;
      const base = batchBaseOffset(walkScratch, p);
      const loc: BatchLocation = {
        position: pos,
        baseOffset: base,
        lastOffset: batchLastOffset(walkScratch, p),
        size,
        maxTimestamp: batchMaxTimestamp(walkScratch, p),
      };
      if (!visit(loc)) return;
      pos += size;
    }
  }

  /** The first batch whose last offset is >= `offset`, searching from the index hint. */
  translateOffset(offset: number): BatchLocation | undefined {
    this.loadIndexes();
    const start = this.offsetIndex.lookup(offset).position;
    let hit: BatchLocation | undefined;
    this.walkHeaders(start, (loc) => {
      if (loc.lastOffset >= offset) {
        hit = loc;
        return false;
      }
      return true;
    });
    return hit;
  }

  /**
   * Whole batches from the one containing `offset`: at most maxBytes (but the first whole batch
   * when minOneBatch), none starting at or after maxOffset. Undefined when the segment holds
   * nothing at or after `offset`. A sequential reader (asking for the offset after the last
   * read) skips the index lookup and header walk: one pread per call.
   */
  read(
    offset: number,
    maxBytes: number,
    maxOffset: number,
    minOneBatch: boolean,
  ): { records: Buffer; firstOffset: number } | undefined {
    let position: number;
    if (this.nextRead !== undefined && this.nextRead.offset === offset) position = this.nextRead.position;
    else {
      const hit = this.translateOffset(offset);
      if (!hit) return undefined;
      position = hit.position;
    }
    const left = this.size - position;
    if (left < RECORD_BATCH_OVERHEAD) return undefined;
    let want = Math.max(Math.min(maxBytes, left), RECORD_BATCH_OVERHEAD);
    let buf = Buffer.allocUnsafe(want);
    let n = readFully(this.fs, this.logFd, this.logPath, buf, 0, want, position);
    if (n < RECORD_BATCH_OVERHEAD) return undefined;
    const firstBase = batchBaseOffset(buf, 0);
    if (firstBase >= maxOffset) return { records: Buffer.alloc(0), firstOffset: offset };
    const firstSize = batchSize(buf, 0);
    if (firstSize > n) {
      if (!minOneBatch || firstSize > left) return { records: Buffer.alloc(0), firstOffset: firstBase };
      want = firstSize;
      buf = Buffer.allocUnsafe(want);
      n = readFully(this.fs, this.logFd, this.logPath, buf, 0, want, position);
    }
    let p = 0;
    let last = offset - 1;
    while (p + LOG_OVERHEAD <= n) {
      const size = batchSize(buf, p);
      if (size < RECORD_BATCH_OVERHEAD || p + size > n) break;
      if (p > 0 && batchBaseOffset(buf, p) >= maxOffset) break;
      last = batchLastOffset(buf, p);
      p += size;
    }
    this.nextRead = { offset: last + 1, position: position + p };
    return { records: buf.subarray(0, p), firstOffset: firstBase };
  }

  /** Read raw bytes of the log (tools and tests). */
  readBytes(position: number, length: number): Buffer {
    const n = Math.max(0, Math.min(length, this.size - position));
    const buf = Buffer.alloc(n);
    readFully(this.fs, this.logFd, this.logPath, buf, 0, n, position);
    return buf;
  }

  /** Largest record timestamp in the segment, or the file's mtime when it has none (Kafka). */
  get largestTimestamp(): number {
    this.loadIndexes();
    if (!this.tailKnown && this.isActive) this.ensureTail();
    if (this.maxTimestampSoFar >= 0) return this.maxTimestampSoFar;
    return io('stat-segment', this.logPath, () => this.fs.fstatSync(this.logFd).mtimeMs);
  }

  /** The first batch with maxTimestamp >= ts and lastOffset >= startingOffset. */
  findBatchByTimestamp(ts: number, startingOffset: number): BatchLocation | undefined {
    this.loadIndexes();
    const fromOffset = Math.max(this.timeIndex.lookup(ts), startingOffset);
    const start = this.offsetIndex.lookup(fromOffset).position;
    let hit: BatchLocation | undefined;
    this.walkHeaders(start, (loc) => {
      if (loc.maxTimestamp >= ts && loc.lastOffset >= startingOffset) {
        hit = loc;
        return false;
      }
      return true;
    });
    return hit;
  }

  // ---------------------------------------------------------------- recovery and truncation

  /**
   * Rescan the whole log, validating every batch, rebuild both indexes, and truncate at the
   * first invalid or torn batch. Asynchronous reads so several partitions recover in parallel.
   */
  async recover(onBatch?: (buf: Buffer, pos: number) => void): Promise<RecoverResult> {
    const scanner = this.startRebuild(onBatch);
    for (let r = scanner.nextRead(); r; r = scanner.nextRead()) {
      const { buf, length, position } = r;
      let got = 0;
      while (got < length) {
        const n = await ioAsync('read', this.logPath, () =>
          this.fs.read(this.logFd, buf, got, length - got, position + got),
        );
        if (n <= 0) break;
        got += n;
      }
      scanner.consume(got);
    }
    this.finishRebuild(scanner);
    this.nextRead = undefined;
    const truncatedBytes = this.size - scanner.validBytes;
    if (truncatedBytes > 0) {
      io('truncate-segment', this.logPath, () => this.fs.ftruncateSync(this.logFd, scanner.validBytes));
      this.size = scanner.validBytes;
    }
    return { validBytes: scanner.validBytes, truncatedBytes, batches: scanner.batches, error: scanner.error };
  }

  /**
   * Remove the batch containing `offset` and everything after it. Returns the bytes removed;
   * the segment's next offset becomes min(offset, base offset of the first removed batch).
   */
  truncateTo(offset: number): number {
    this.loadIndexes();
    const hit = this.translateOffset(offset);
    if (!hit) return 0;
    const removed = this.size - hit.position;
    this.nextRead = undefined;
    io('truncate-segment', this.logPath, () => this.fs.ftruncateSync(this.logFd, hit.position));
    this.size = hit.position;
    this.offsetIndex.truncateToPosition(hit.position);
    this.timeIndex.truncateTo(hit.baseOffset);
    // Recompute the tail (max timestamp, next offset) from the last index entry.
    this.tailKnown = false;
    this.maxTimestampSoFar = this.timeIndex.lastEntry.timestamp;
    this.offsetOfMaxTimestampSoFar = this.timeIndex.lastEntry.offset;
    if (this.size === 0) this.rollingBasedTimestamp = undefined;
    this.ensureTail();
    return removed;
  }

  flushLog(): void {
    io('fsync', this.logPath, () => this.fs.fsyncSync(this.logFd));
  }

  /** fsync the log and (if active) the indexes. */
  flush(): void {
    this.flushLog();
    this.offsetIndex.flush();
    this.timeIndex.flush();
  }

  /** Close the log file descriptor (call becomeInactive first for a clean close). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.offsetIndex.closeQuietly();
    this.timeIndex.closeQuietly();
    io('close-segment', this.logPath, () => this.fs.closeSync(this.logFd));
  }

  /** Close quietly and delete the three files. */
  delete(): void {
    if (!this.closed) {
      this.closed = true;
      try {
        this.fs.closeSync(this.logFd);
      } catch {
        // deleting anyway
      }
    }
    this.offsetIndex.delete();
    this.timeIndex.delete();
    if (this.fs.existsSync(this.logPath))
      io('delete-segment', this.logPath, () => this.fs.unlinkSync(this.logPath));
  }
}
