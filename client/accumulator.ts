/**
 * Record batches built in place: each `BatchBuilder` owns one Buffer and writes the RecordBatch
 * v2 header and each record straight into it (no per-record objects), so closing a batch is a
 * header write plus one CRC. The `Accumulator` keeps, per partition, the open batch and the
 * closed batches waiting to be sent, and counts the bytes it holds for back-pressure.
 */
import { CompressionId, compress } from '../protocol/compression.js';
import { crc32c } from '../protocol/crc32c.js';
import {
  ATTRIBUTES_OFFSET,
  BASE_SEQUENCE_OFFSET,
  BASE_TIMESTAMP_OFFSET,
  BATCH_LENGTH_OFFSET,
  CRC_COVERAGE_START,
  CRC_OFFSET,
  LAST_OFFSET_DELTA_OFFSET,
  MAGIC_OFFSET,
  MAX_TIMESTAMP_OFFSET,
  PARTITION_LEADER_EPOCH_OFFSET,
  PRODUCER_EPOCH_OFFSET,
  PRODUCER_ID_OFFSET,
  RECORDS_COUNT_OFFSET,
  RECORDS_OFFSET,
  writeInt64,
} from '../protocol/record-batch.js';
import { sizeOfVarint, sizeOfVarlong, writeVarintUnchecked, writeVarlong } from '../protocol/varint.js';

/** Header value bytes: a string is written as UTF-8. */
export type HeaderValue = Buffer | string | null;
/** Record headers: an object (one value per key) or an ordered list (repeated keys allowed). */
export type RecordHeaders = Record<string, HeaderValue> | ReadonlyArray<{ key: string; value: HeaderValue }>;

/** Compression of produced batches. */
export type CompressionType = 'none' | 'gzip';

/**
 * First buffer of a batch, at most: a batch starts this small and doubles up to its capacity,
 * so a partition that sees a few records holds kilobytes, not a whole `batchBytes` buffer
 * (1,000 partitions x 1 MiB would be a gigabyte), and low-rate sends do not churn megabytes.
 */
export const batchBufferInitialBytes = 16 * 1024;

/** Timestamp deltas in this range are written as varints, larger ones as varlongs. */
const smallDeltaMin = -0x40000000;
const smallDeltaMax = 0x3fffffff;

function byteLength(v: Buffer | string): number {
  return typeof v === 'string' ? Buffer.byteLength(v, 'utf8') : v.length;
}

function writeBytes(buf: Buffer, pos: number, v: Buffer | string, len: number): number {
  if (typeof v === 'string') buf.write(v, pos, len, 'utf8');
  else buf.set(v, pos);
  return pos + len;
}

/** Normalised header list, or null for none. */
export function headerList(h: RecordHeaders | undefined): { key: string; value: HeaderValue }[] | null {
  if (!h) return null;
  if (Array.isArray(h)) return h.length === 0 ? null : (h as { key: string; value: HeaderValue }[]);
  const out: { key: string; value: HeaderValue }[] = [];
  for (const key of Object.keys(h)) out.push({ key, value: (h as Record<string, HeaderValue>)[key] ?? null });
  return out.length === 0 ? null : out;
}

/** Settles once with the batch's base offset, or an error. */
interface Deferred {
  promise: Promise<number>;
  resolve: (baseOffset: number) => void;
  reject: (err: Error) => void;
}

function deferred(): Deferred {
  let resolve!: (v: number) => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<number>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // The batch promise itself may have no listener (sendBatch listens per record).
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

/** One RecordBatch v2 being filled, then sent (and maybe retried) as bytes. */
export class BatchBuilder {
  readonly topic: string;
  readonly partition: number;
  readonly createdAt: number;
  /** The most bytes this batch may grow to. */
  readonly capacity: number;
  /** Records appended so far. */
  count = 0;
  baseTimestamp = 0;
  maxTimestamp = -1;
  /** The encoded batch once closed. */
  bytes: Buffer | null = null;
  attempts = 0;
  lastError: Error | undefined;
  private buf: Buffer;
  private pos = RECORDS_OFFSET;
  private readonly done: Deferred = deferred();

  /** `initialBytes`: the first buffer (capped at capacity); it doubles as records need. */
  constructor(
    topic: string,
    partition: number,
    capacity: number,
    now: number,
    initialBytes = batchBufferInitialBytes,
  ) {
    this.topic = topic;
    this.partition = partition;
    this.capacity = capacity;
    this.createdAt = now;
    this.buf = Buffer.allocUnsafeSlow(Math.min(capacity, initialBytes));
  }

  /** Bytes of buffer this batch holds now (grows up to `capacity`). */
  get allocated(): number {
    return this.buf.length;
  }

  /** Resolves with the base offset assigned by the broker. */
  get promise(): Promise<number> {
    return this.done.promise;
  }

  /** Bytes written so far. */
  get size(): number {
    return this.pos;
  }

  get isClosed(): boolean {
    return this.bytes !== null;
  }

  /** Encoded size of a record (without knowing its offset delta exactly: assumes 5 bytes). */
  static recordSizeMax(
    keyLen: number,
    valueLen: number,
    headers: { key: string; value: HeaderValue }[] | null,
  ): number {
    let n = 5 + 1 + 10 + 5 + 5 + keyLen + 5 + valueLen + 5;
    if (headers)
      for (const h of headers)
        n += 10 + Buffer.byteLength(h.key) + (h.value == null ? 0 : byteLength(h.value));
    return n;
  }

  /**
   * Append one record; false when it does not fit (the caller closes this batch and opens
   * another). `key`/`value` strings are written as UTF-8.
   */
  tryAppend(
    key: Buffer | string | null,
    value: Buffer | string | null,
    headers: { key: string; value: HeaderValue }[] | null,
    timestamp: number,
  ): boolean {
    const count = this.count;
    if (count === 0) this.baseTimestamp = timestamp;
    const delta = timestamp - this.baseTimestamp;
    const keyLen = key === null ? -1 : byteLength(key);
    const valueLen = value === null ? -1 : byteLength(value);
    const smallDelta = delta >= smallDeltaMin && delta <= smallDeltaMax;
    let body = 1 + (smallDelta ? sizeOfVarint(delta) : sizeOfVarlong(delta)) + sizeOfVarint(count);
    body += keyLen < 0 ? 1 : sizeOfVarint(keyLen) + keyLen;
    body += valueLen < 0 ? 1 : sizeOfVarint(valueLen) + valueLen;
    let headerLens: number[] | null = null;
    if (headers === null) body += 1;
    else {
      headerLens = [];
      body += sizeOfVarint(headers.length);
      for (const h of headers) {
        const kl = Buffer.byteLength(h.key, 'utf8');
        const vl = h.value == null ? -1 : byteLength(h.value);
        headerLens.push(kl, vl);
        body += sizeOfVarint(kl) + kl + (vl < 0 ? 1 : sizeOfVarint(vl) + vl);
      }
    }
    const total = sizeOfVarint(body) + body;
    if (this.pos + total > this.capacity) return false;
    if (this.pos + total > this.buf.length) this.grow(this.pos + total);
    const buf = this.buf;
    let p = writeVarintUnchecked(buf, this.pos, body);
    buf[p++] = 0;
    p = smallDelta ? writeVarintUnchecked(buf, p, delta) : writeVarlong(buf, p, delta);
    p = writeVarintUnchecked(buf, p, count);
    if (keyLen < 0) buf[p++] = 1;
    else p = writeBytes(buf, writeVarintUnchecked(buf, p, keyLen), key!, keyLen);
    if (valueLen < 0) buf[p++] = 1;
    else p = writeBytes(buf, writeVarintUnchecked(buf, p, valueLen), value!, valueLen);
    if (headers === null) buf[p++] = 0;
    else {
      p = writeVarintUnchecked(buf, p, headers.length);
      for (let i = 0; i < headers.length; i++) {
        const h = headers[i]!;
        const kl = headerLens![2 * i]!;
        const vl = headerLens![2 * i + 1]!;
        p = writeVarintUnchecked(buf, p, kl);
        p += buf.write(h.key, p, kl, 'utf8');
        if (vl < 0) buf[p++] = 1;
        else p = writeBytes(buf, writeVarintUnchecked(buf, p, vl), h.value!, vl);
      }
    }
    this.pos = p;
    this.count = count + 1;
    if (timestamp > this.maxTimestamp) this.maxTimestamp = timestamp;
    return true;
  }

  /** Move to a buffer of at least `need` bytes: double, capped at capacity. */
  private grow(need: number): void {
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const next = Buffer.allocUnsafeSlow(Math.min(this.capacity, size));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** Write the header and CRC (compressing the records first if asked); idempotent. */
  close(compression: CompressionType): Buffer {
    if (this.bytes) return this.bytes;
    let buf = this.buf;
    let end = this.pos;
    let attributes = 0;
    if (compression === 'gzip') {
      const packed = compress(CompressionId.gzip, this.buf.subarray(RECORDS_OFFSET, end));
      buf = Buffer.allocUnsafe(RECORDS_OFFSET + packed.length);
      packed.copy(buf, RECORDS_OFFSET);
      end = buf.length;
      attributes = CompressionId.gzip;
    }
    writeInt64(buf, 0, 0);
    buf.writeInt32BE(end - 12, BATCH_LENGTH_OFFSET);
    buf.writeInt32BE(-1, PARTITION_LEADER_EPOCH_OFFSET);
    buf[MAGIC_OFFSET] = 2;
    buf.writeInt16BE(attributes, ATTRIBUTES_OFFSET);
    buf.writeInt32BE(this.count - 1, LAST_OFFSET_DELTA_OFFSET);
    writeInt64(buf, BASE_TIMESTAMP_OFFSET, this.baseTimestamp);
    writeInt64(buf, MAX_TIMESTAMP_OFFSET, this.maxTimestamp);
    writeInt64(buf, PRODUCER_ID_OFFSET, -1);
    buf.writeInt16BE(-1, PRODUCER_EPOCH_OFFSET);
    buf.writeInt32BE(-1, BASE_SEQUENCE_OFFSET);
    buf.writeInt32BE(this.count, RECORDS_COUNT_OFFSET);
    buf.writeUInt32BE(crc32c(buf, CRC_COVERAGE_START, end), CRC_OFFSET);
    this.bytes = buf.subarray(0, end);
    return this.bytes;
  }

  /** The broker's base offset once acknowledged (-1 with acks 0 or before). */
  baseOffset = -1;

  succeed(baseOffset: number): void {
    this.baseOffset = baseOffset;
    this.done.resolve(baseOffset);
  }

  fail(err: Error): void {
    this.done.reject(err);
  }
}

/** The batches of one partition: closed ones in order, then the open one. */
export class PartitionQueue {
  readonly topic: string;
  readonly partition: number;
  readonly ready: BatchBuilder[] = [];
  open: BatchBuilder | null = null;
  /** Batches of this partition in flight. */
  inFlight = 0;
  /** No send before this time (retry backoff). */
  retryAt = 0;
  /**
   * Size of this partition's last batch to stop growing (filled up or taken for sending): the
   * next batch starts with a buffer that big, so a busy partition does not regrow every batch.
   */
  lastBatchBytes = 0;

  /** The open batch stops growing (it is full or about to be sent): remember its size. */
  closeOpen(): BatchBuilder | null {
    const b = this.open;
    if (b) this.lastBatchBytes = b.size;
    this.open = null;
    return b;
  }

  constructor(topic: string, partition: number) {
    this.topic = topic;
    this.partition = partition;
  }

  /** The next batch to send, closing the open batch when `includeOpen`. */
  peek(includeOpen: boolean): BatchBuilder | undefined {
    if (this.ready.length > 0) return this.ready[0];
    if (includeOpen && this.open && this.open.count > 0) return this.open;
    return undefined;
  }

  get isEmpty(): boolean {
    return this.ready.length === 0 && (this.open === null || this.open.count === 0);
  }
}

/** Per-partition queues of batches plus the byte count (of buffers allocated) that drives back-pressure. */
export class Accumulator {
  readonly queues = new Map<string, PartitionQueue[]>();
  /** Buffer bytes held by open, ready and in-flight batches. */
  bufferedBytes = 0;
  readonly batchBytes: number;

  constructor(batchBytes: number) {
    this.batchBytes = batchBytes;
  }

  queue(topic: string, partition: number): PartitionQueue {
    let list = this.queues.get(topic);
    if (!list) {
      list = [];
      this.queues.set(topic, list);
    }
    let q = list[partition];
    if (!q) {
      q = new PartitionQueue(topic, partition);
      list[partition] = q;
    }
    return q;
  }

  /**
   * Append a record to the partition's open batch, opening a new one when needed. Returns the
   * batch and the record's index in it; `onFull` is told when a batch fills up.
   */
  /** Whether the last `append` closed a full batch (read right after it). */
  lastFull = false;

  /**
   * Append a record to the partition's open batch, opening a new one when needed. Returns the
   * batch (the record's index is `batch.count - 1`); `lastFull` tells whether a batch filled up.
   */
  append(
    q: PartitionQueue,
    key: Buffer | string | null,
    value: Buffer | string | null,
    headers: { key: string; value: HeaderValue }[] | null,
    timestamp: number,
    now: number,
  ): BatchBuilder {
    let batch = q.open;
    this.lastFull = false;
    if (batch) {
      const before = batch.allocated;
      if (batch.tryAppend(key, value, headers, timestamp)) {
        this.bufferedBytes += batch.allocated - before;
        return batch;
      }
      q.ready.push(batch);
      q.closeOpen();
      this.lastFull = true;
    }
    const need = BatchBuilder.recordSizeMax(
      key === null ? 0 : byteLength(key),
      value === null ? 0 : byteLength(value),
      headers,
    );
    const capacity = Math.max(this.batchBytes, RECORDS_OFFSET + need);
    batch = new BatchBuilder(
      q.topic,
      q.partition,
      capacity,
      now,
      Math.max(batchBufferInitialBytes, q.lastBatchBytes),
    );
    q.open = batch;
    if (!batch.tryAppend(key, value, headers, timestamp))
      throw new Error('record does not fit an empty batch');
    this.bufferedBytes += batch.allocated;
    return batch;
  }

  /** A batch left the client for good (acknowledged or failed). */
  release(batch: BatchBuilder): void {
    this.bufferedBytes -= batch.allocated;
  }
}
