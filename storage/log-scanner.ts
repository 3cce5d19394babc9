/**
 * Validating scan of a .log file, chunk by chunk: the core of recovery and index rebuilds.
 * Checks framing, magic, CRC and that offsets only grow; stops at the first bad or torn batch.
 * The scanner does no I/O itself: a driver (sync or async) reads the chunk it asks for.
 */
import {
  BATCH_LENGTH_OFFSET,
  batchBaseOffset,
  batchLastOffsetDelta,
  HEADER_SIZE_UP_TO_MAGIC,
  LOG_OVERHEAD,
  validateBatch,
} from '../protocol/record-batch.js';
import { RecordBatchError } from '../protocol/record-batch-errors.js';
import { INT32_MAX } from './index-file.js';

/** Bytes read per step while scanning (recovery, index rebuild). */
export const SCAN_CHUNK_BYTES = 8 * 1024 * 1024;

/** Called for each valid batch: buf[pos, pos+size) was found at `filePosition`. */
export type BatchVisitor = (buf: Buffer, pos: number, size: number, filePosition: number) => void;

export class LogScanner {
  private buf: Buffer;
  /** File position just past the last valid batch. */
  validBytes = 0;
  /** Offset just past the last valid batch (segment base offset when none). */
  nextOffset: number;
  batches = 0;
  error: RecordBatchError | undefined;
  private done = false;

  constructor(
    private fileSize: number,
    private readonly segmentBaseOffset: number,
    private readonly visit: BatchVisitor,
    private readonly opts: { verifyCrc: boolean; chunkBytes?: number },
  ) {
    this.nextOffset = segmentBaseOffset;
    this.buf = Buffer.allocUnsafe(Math.min(opts.chunkBytes ?? SCAN_CHUNK_BYTES, Math.max(fileSize, 1)));
  }

  /** The next read the driver must do, or undefined when the scan is over. */
  nextRead(): { buf: Buffer; length: number; position: number } | undefined {
    if (this.done || this.validBytes >= this.fileSize) return undefined;
    return {
      buf: this.buf,
      length: Math.min(this.buf.length, this.fileSize - this.validBytes),
      position: this.validBytes,
    };
  }

  private stop(error: RecordBatchError | undefined): void {
    this.error = error;
    this.done = true;
  }

  /** Process `n` bytes the driver read at the position nextRead() gave. */
  consume(n: number): void {
    const buf = this.buf;
    const asked = Math.min(buf.length, this.fileSize - this.validBytes);
    // A short read means the file ends earlier than its size said: scan what is there.
    if (n < asked) this.fileSize = this.validBytes + n;
    let p = 0;
    for (;;) {
      const filePos = this.validBytes;
      const leftInFile = this.fileSize - filePos;
      if (leftInFile <= 0) {
        this.stop(undefined);
        return;
      }
      const avail = n - p;
      if (leftInFile < HEADER_SIZE_UP_TO_MAGIC) {
        this.stop(
          new RecordBatchError('BATCH_TRUNCATED', `torn tail: ${leftInFile} bytes at ${filePos}`, filePos),
        );
        return;
      }
      if (avail < HEADER_SIZE_UP_TO_MAGIC) return; // refill at filePos
      const head = validateBatch(buf, p, { end: p + HEADER_SIZE_UP_TO_MAGIC, verifyCrc: false });
      if (!head.ok && head.error.code !== 'BATCH_TRUNCATED') {
        this.stop(this.at(head.error, filePos));
        return;
      }
      const size = buf.readInt32BE(p + BATCH_LENGTH_OFFSET) + LOG_OVERHEAD;
      if (size > leftInFile) {
        this.stop(
          new RecordBatchError(
            'BATCH_TRUNCATED',
            `torn tail: batch at ${filePos} is ${size} bytes, only ${leftInFile} left`,
            filePos,
          ),
        );
        return;
      }
      if (size > avail) {
        // refill at filePos, with a buffer large enough for this batch
        if (size > this.buf.length) this.buf = Buffer.allocUnsafe(size);
        return;
      }
      const check = validateBatch(buf, p, {
        end: p + size,
        verifyCrc: this.opts.verifyCrc,
        checkRecordsCount: false,
      });
      if (!check.ok) {
        this.stop(this.at(check.error, filePos));
        return;
      }
      const base = batchBaseOffset(buf, p);
      const last = base + batchLastOffsetDelta(buf, p);
      if (base < this.nextOffset || last - this.segmentBaseOffset > INT32_MAX) {
        this.stop(
          new RecordBatchError(
            'BATCH_BAD_OFFSET',
            `batch at ${filePos} has offsets ${base}..${last}, expected >= ${this.nextOffset} within the segment`,
            filePos,
          ),
        );
        return;
      }
      this.visit(buf, p, size, filePos);
      this.nextOffset = last + 1;
      this.batches++;
      this.validBytes += size;
      p += size;
    }
  }

  private at(err: RecordBatchError, filePos: number): RecordBatchError {
    return new RecordBatchError(err.code, err.message.replace(/at \d+/, `at ${filePos}`), filePos);
  }
}
