/**
 * Kafka RecordBatch v2 (DefaultRecordBatch / DefaultRecord): layout constants, a header-only
 * view for the broker's hot path, framing + CRC validation over buffers of concatenated
 * batches, in-place writers for the fields outside the CRC, and a full encoder/decoder
 * (used by tests, the client library and tools — never by the broker hot path).
 *
 * Int64 fields are JS numbers read as hi * 2^32 + lo. Offsets beyond Number.MAX_SAFE_INTEGER
 * are rejected by validateBatch (BATCH_BAD_OFFSET); timestamps and producer ids are read as is.
 */
import {
  COMPRESSION_ATTRIBUTE_MASK,
  COMPRESSION_ID_MAX,
  CompressionId,
  type CompressionName,
  compress,
  DECOMPRESSED_BYTES_MAX_ABSOLUTE,
  decompress,
} from './compression.js';
import { crc32c } from './crc32c.js';
import { RecordBatchError } from './record-batch-errors.js';
import {
  readVarint,
  readVarlong,
  sizeOfVarint,
  sizeOfVarlong,
  VarintError,
  varintResult,
  writeVarint,
  writeVarlong,
} from './varint.js';

// ---- layout (byte offsets from the start of a batch) ----
export const BASE_OFFSET_OFFSET = 0;
export const BATCH_LENGTH_OFFSET = 8;
export const PARTITION_LEADER_EPOCH_OFFSET = 12;
export const MAGIC_OFFSET = 16;
export const CRC_OFFSET = 17;
export const ATTRIBUTES_OFFSET = 21;
export const LAST_OFFSET_DELTA_OFFSET = 23;
export const BASE_TIMESTAMP_OFFSET = 27;
export const MAX_TIMESTAMP_OFFSET = 35;
export const PRODUCER_ID_OFFSET = 43;
export const PRODUCER_EPOCH_OFFSET = 51;
export const BASE_SEQUENCE_OFFSET = 53;
export const RECORDS_COUNT_OFFSET = 57;
export const RECORDS_OFFSET = 61;
/** Fixed header size of a v2 batch (an empty batch is exactly this long). */
export const RECORD_BATCH_OVERHEAD = RECORDS_OFFSET;
/** baseOffset + batchLength: the bytes not counted by batchLength. */
export const LOG_OVERHEAD = 12;
/** Bytes needed to read the magic byte (Kafka's HEADER_SIZE_UP_TO_MAGIC). */
export const HEADER_SIZE_UP_TO_MAGIC = 17;
/** The CRC covers [CRC_COVERAGE_START, end of batch). */
export const CRC_COVERAGE_START = ATTRIBUTES_OFFSET;
export const MAGIC_V2 = 2;

// ---- attributes ----
export const TIMESTAMP_TYPE_MASK = 0x08;
export const TRANSACTIONAL_FLAG_MASK = 0x10;
export const CONTROL_FLAG_MASK = 0x20;

export const NO_TIMESTAMP = -1;
export const NO_PRODUCER_ID = -1;
export const NO_PRODUCER_EPOCH = -1;
export const NO_SEQUENCE = -1;
export const NO_PARTITION_LEADER_EPOCH = -1;
/** The smallest encoded record: length, attributes, timestampDelta, offsetDelta, key, value, headers. */
export const RECORD_BYTES_MIN = 7;
/** Default bound for decodeRecordBatch's decompressed records section. */
export const DECOMPRESSED_BYTES_MAX_DEFAULT = 64 * 1024 * 1024;

const TWO_32 = 2 ** 32;

export function readInt64(buf: Buffer, pos: number): number {
  return buf.readInt32BE(pos) * TWO_32 + buf.readUInt32BE(pos + 4);
}

export function writeInt64(buf: Buffer, pos: number, v: number): void {
  if (!Number.isSafeInteger(v)) {
    throw new RecordBatchError('BATCH_INVALID_ARGUMENT', `int64 value ${v} is not a safe integer`, pos);
  }
  const hi = Math.floor(v / TWO_32);
  buf.writeInt32BE(hi, pos);
  buf.writeUInt32BE(v - hi * TWO_32, pos + 4);
}

// ---- header-only accessors (no allocation; caller guarantees RECORDS_OFFSET bytes at pos) ----
export const batchBaseOffset = (buf: Buffer, pos: number): number => readInt64(buf, pos + BASE_OFFSET_OFFSET);
export const batchLength = (buf: Buffer, pos: number): number => buf.readInt32BE(pos + BATCH_LENGTH_OFFSET);
/** Total bytes of the batch, batchLength + 12. */
export const batchSize = (buf: Buffer, pos: number): number =>
  buf.readInt32BE(pos + BATCH_LENGTH_OFFSET) + LOG_OVERHEAD;
export const batchLastOffsetDelta = (buf: Buffer, pos: number): number =>
  buf.readInt32BE(pos + LAST_OFFSET_DELTA_OFFSET);
export const batchLastOffset = (buf: Buffer, pos: number): number =>
  readInt64(buf, pos) + buf.readInt32BE(pos + LAST_OFFSET_DELTA_OFFSET);
export const batchMaxTimestamp = (buf: Buffer, pos: number): number =>
  readInt64(buf, pos + MAX_TIMESTAMP_OFFSET);
export const batchPartitionLeaderEpoch = (buf: Buffer, pos: number): number =>
  buf.readInt32BE(pos + PARTITION_LEADER_EPOCH_OFFSET);
export const batchAttributes = (buf: Buffer, pos: number): number => buf.readInt16BE(pos + ATTRIBUTES_OFFSET);
export const batchRecordsCount = (buf: Buffer, pos: number): number =>
  buf.readInt32BE(pos + RECORDS_COUNT_OFFSET);

export interface BatchHeader {
  /** Byte position of the batch in the buffer it was read from. */
  position: number;
  baseOffset: number;
  batchLength: number;
  /** batchLength + 12. */
  sizeInBytes: number;
  partitionLeaderEpoch: number;
  magic: number;
  crc: number;
  attributes: number;
  compression: number;
  timestampType: 'CreateTime' | 'LogAppendTime';
  isTransactional: boolean;
  isControl: boolean;
  lastOffsetDelta: number;
  lastOffset: number;
  baseTimestamp: number;
  maxTimestamp: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  recordsCount: number;
}

/** Read the fixed 61-byte header at `pos` without touching the records. */
export function readBatchHeader(buf: Buffer, pos = 0): BatchHeader {
  if (buf.length - pos < RECORD_BATCH_OVERHEAD) {
    throw new RecordBatchError(
      'BATCH_TRUNCATED',
      `need ${RECORD_BATCH_OVERHEAD} bytes for a batch header at ${pos}, have ${Math.max(0, buf.length - pos)}`,
      pos,
    );
  }
  const baseOffset = readInt64(buf, pos);
  const length = buf.readInt32BE(pos + BATCH_LENGTH_OFFSET);
  const attributes = buf.readInt16BE(pos + ATTRIBUTES_OFFSET);
  const lastOffsetDelta = buf.readInt32BE(pos + LAST_OFFSET_DELTA_OFFSET);
  return {
    position: pos,
    baseOffset,
    batchLength: length,
    sizeInBytes: length + LOG_OVERHEAD,
    partitionLeaderEpoch: buf.readInt32BE(pos + PARTITION_LEADER_EPOCH_OFFSET),
    magic: buf.readInt8(pos + MAGIC_OFFSET),
    crc: buf.readUInt32BE(pos + CRC_OFFSET),
    attributes,
    compression: attributes & COMPRESSION_ATTRIBUTE_MASK,
    timestampType: attributes & TIMESTAMP_TYPE_MASK ? 'LogAppendTime' : 'CreateTime',
    isTransactional: (attributes & TRANSACTIONAL_FLAG_MASK) !== 0,
    isControl: (attributes & CONTROL_FLAG_MASK) !== 0,
    lastOffsetDelta,
    lastOffset: baseOffset + lastOffsetDelta,
    baseTimestamp: readInt64(buf, pos + BASE_TIMESTAMP_OFFSET),
    maxTimestamp: readInt64(buf, pos + MAX_TIMESTAMP_OFFSET),
    producerId: readInt64(buf, pos + PRODUCER_ID_OFFSET),
    producerEpoch: buf.readInt16BE(pos + PRODUCER_EPOCH_OFFSET),
    baseSequence: buf.readInt32BE(pos + BASE_SEQUENCE_OFFSET),
    recordsCount: buf.readInt32BE(pos + RECORDS_COUNT_OFFSET),
  };
}

// ---- in-place writers (fields outside the CRC; no re-encode) ----
export function setBaseOffset(buf: Buffer, pos: number, offset: number): void {
  writeInt64(buf, pos + BASE_OFFSET_OFFSET, offset);
}

export function setPartitionLeaderEpoch(buf: Buffer, pos: number, epoch: number): void {
  buf.writeInt32BE(epoch, pos + PARTITION_LEADER_EPOCH_OFFSET);
}

/** Recompute and store the CRC of the batch at `pos` (after changing a field inside the CRC). */
export function updateBatchCrc(buf: Buffer, pos: number): void {
  const end = pos + batchSize(buf, pos);
  buf.writeUInt32BE(crc32c(buf, pos + CRC_COVERAGE_START, end), pos + CRC_OFFSET);
}

/** Mark a batch LogAppendTime with maxTimestamp = timestampMs; recomputes the CRC (inside it). */
export function setLogAppendTime(buf: Buffer, pos: number, timestampMs: number): void {
  buf.writeInt16BE(batchAttributes(buf, pos) | TIMESTAMP_TYPE_MASK, pos + ATTRIBUTES_OFFSET);
  writeInt64(buf, pos + MAX_TIMESTAMP_OFFSET, timestampMs);
  updateBatchCrc(buf, pos);
}

// ---- validation ----
export interface ValidateBatchOptions {
  /** Exclusive end of the readable bytes (default buf.length). */
  end?: number;
  /** Reject batches whose total size (batchLength + 12) exceeds this (default: no limit). */
  batchBytesMax?: number;
  /** Verify the CRC-32C (default true). */
  verifyCrc?: boolean;
  /** Require recordsCount == lastOffsetDelta + 1 and recordsCount > 0 (default true; compacted logs differ). */
  checkRecordsCount?: boolean;
}

export type BatchCheck = { ok: true; size: number } | { ok: false; error: RecordBatchError };

/**
 * Validate the framing, magic, size limit, offset range, CRC and record count of the batch at
 * `pos`. Returns its size or a structured error; never throws for bad input.
 */
function batchFailure(code: RecordBatchError['code'], message: string, pos: number): BatchCheck {
  return { ok: false, error: new RecordBatchError(code, message, pos) };
}

export function validateBatch(buf: Buffer, pos: number, opts: ValidateBatchOptions = {}): BatchCheck {
  const end = opts.end ?? buf.length;
  const remaining = end - pos;
  if (remaining < HEADER_SIZE_UP_TO_MAGIC) {
    return batchFailure(
      'BATCH_TRUNCATED',
      `only ${remaining} bytes left at ${pos}, a batch header needs at least 17`,
      pos,
    );
  }
  const magic = buf[pos + MAGIC_OFFSET]!;
  if (magic !== MAGIC_V2)
    return batchFailure('BATCH_BAD_MAGIC', `batch at ${pos} has magic ${magic}, expected 2`, pos);
  const length = buf.readInt32BE(pos + BATCH_LENGTH_OFFSET);
  if (length < RECORD_BATCH_OVERHEAD - LOG_OVERHEAD) {
    return batchFailure(
      'BATCH_BAD_LENGTH',
      `batch at ${pos} has batchLength ${length}, less than the 49-byte header`,
      pos,
    );
  }
  const size = length + LOG_OVERHEAD;
  if (opts.batchBytesMax !== undefined && size > opts.batchBytesMax) {
    return batchFailure(
      'BATCH_TOO_LARGE',
      `batch at ${pos} is ${size} bytes, over the limit of ${opts.batchBytesMax}`,
      pos,
    );
  }
  if (size > remaining) {
    return batchFailure(
      'BATCH_TRUNCATED',
      `batch at ${pos} is ${size} bytes but only ${remaining} are present`,
      pos,
    );
  }
  const baseOffset = readInt64(buf, pos);
  const lastOffsetDelta = buf.readInt32BE(pos + LAST_OFFSET_DELTA_OFFSET);
  if (baseOffset < 0 || lastOffsetDelta < 0 || baseOffset + lastOffsetDelta > Number.MAX_SAFE_INTEGER) {
    return batchFailure(
      'BATCH_BAD_OFFSET',
      `batch at ${pos} has baseOffset ${baseOffset} / lastOffsetDelta ${lastOffsetDelta} out of range`,
      pos,
    );
  }
  if (opts.verifyCrc !== false) {
    const stored = buf.readUInt32BE(pos + CRC_OFFSET);
    const actual = crc32c(buf, pos + CRC_COVERAGE_START, pos + size);
    if (stored !== actual) {
      return batchFailure(
        'BATCH_BAD_CRC',
        `batch at ${pos} has CRC ${stored.toString(16)}, computed ${actual.toString(16)}: corrupt`,
        pos,
      );
    }
  }
  if (opts.checkRecordsCount !== false) {
    const count = buf.readInt32BE(pos + RECORDS_COUNT_OFFSET);
    if (count <= 0 || count !== lastOffsetDelta + 1) {
      return batchFailure(
        'BATCH_COUNT_MISMATCH',
        `batch at ${pos} has recordsCount ${count} but lastOffsetDelta ${lastOffsetDelta} (expected count = delta + 1 > 0)`,
        pos,
      );
    }
  }
  return { ok: true, size };
}

export interface ScanResult {
  batches: BatchHeader[];
  /** Bytes of valid batches from the start of the buffer. */
  validBytes: number;
  /** Why the scan stopped before the end of the buffer, if it did. */
  error?: RecordBatchError;
}

/** Validate every batch of a buffer of concatenated batches; stops at the first invalid one. */
export function scanBatches(buf: Buffer, opts: ValidateBatchOptions = {}): ScanResult {
  const end = opts.end ?? buf.length;
  const batches: BatchHeader[] = [];
  let pos = 0;
  while (pos < end) {
    const check = validateBatch(buf, pos, opts);
    if (!check.ok) return { batches, validBytes: pos, error: check.error };
    batches.push(readBatchHeader(buf, pos));
    pos += check.size;
  }
  return { batches, validBytes: pos };
}

/** Yield the header of each batch of a buffer of concatenated batches; throws RecordBatchError on the first bad one. */
export function* iterateBatches(buf: Buffer, opts: ValidateBatchOptions = {}): Generator<BatchHeader> {
  const end = opts.end ?? buf.length;
  let pos = 0;
  while (pos < end) {
    const check = validateBatch(buf, pos, opts);
    if (!check.ok) throw check.error;
    yield readBatchHeader(buf, pos);
    pos += check.size;
  }
}

// ---- full encode / decode ----
export type Bytes = Buffer | Uint8Array | string;

export interface RecordHeader {
  key: string;
  value: Bytes | null;
}

export interface RecordInput {
  key?: Bytes | null;
  value?: Bytes | null;
  headers?: RecordHeader[];
  /** Create time in ms; defaults to the batch's `now`. */
  timestamp?: number;
}

export interface EncodeBatchOptions {
  records: RecordInput[];
  compression?: CompressionName | number;
  baseOffset?: number;
  partitionLeaderEpoch?: number;
  producerId?: number;
  producerEpoch?: number;
  baseSequence?: number;
  transactional?: boolean;
  control?: boolean;
  timestampType?: 'CreateTime' | 'LogAppendTime';
  /** Default timestamp for records without one (default Date.now()). */
  now?: number;
}

const toBuf = (b: Bytes): Buffer =>
  typeof b === 'string'
    ? Buffer.from(b, 'utf8')
    : Buffer.isBuffer(b)
      ? b
      : Buffer.from(b.buffer, b.byteOffset, b.length);

function encodeRecords(records: RecordInput[], baseTimestamp: number, now: number): Buffer {
  const parts: Buffer[] = [];
  let total = 0;
  records.forEach((r, i) => {
    const key = r.key == null ? null : toBuf(r.key);
    const value = r.value == null ? null : toBuf(r.value);
    const headers = (r.headers ?? []).map((h) => ({
      key: Buffer.from(h.key, 'utf8'),
      value: h.value == null ? null : toBuf(h.value),
    }));
    const tsDelta = (r.timestamp ?? now) - baseTimestamp;
    let body = 1 + sizeOfVarlong(tsDelta) + sizeOfVarint(i);
    body += key ? sizeOfVarint(key.length) + key.length : 1;
    body += value ? sizeOfVarint(value.length) + value.length : 1;
    body += sizeOfVarint(headers.length);
    for (const h of headers) {
      body += sizeOfVarint(h.key.length) + h.key.length;
      body += h.value ? sizeOfVarint(h.value.length) + h.value.length : 1;
    }
    const out = Buffer.allocUnsafe(sizeOfVarint(body) + body);
    let p = writeVarint(out, 0, body);
    out[p++] = 0; // record attributes (unused)
    p = writeVarlong(out, p, tsDelta);
    p = writeVarint(out, p, i);
    if (key) {
      p = writeVarint(out, p, key.length);
      p += key.copy(out, p);
    } else p = writeVarint(out, p, -1);
    if (value) {
      p = writeVarint(out, p, value.length);
      p += value.copy(out, p);
    } else p = writeVarint(out, p, -1);
    p = writeVarint(out, p, headers.length);
    for (const h of headers) {
      p = writeVarint(out, p, h.key.length);
      p += h.key.copy(out, p);
      if (h.value) {
        p = writeVarint(out, p, h.value.length);
        p += h.value.copy(out, p);
      } else p = writeVarint(out, p, -1);
    }
    parts.push(out);
    total += out.length;
  });
  return Buffer.concat(parts, total);
}

/** Encode a complete RecordBatch v2 (CRC included). */
export function encodeRecordBatch(opts: EncodeBatchOptions): Buffer {
  const { records } = opts;
  if (records.length === 0 && !opts.control) {
    throw new RecordBatchError('BATCH_INVALID_ARGUMENT', 'a record batch needs at least one record');
  }
  const compressionId =
    typeof opts.compression === 'string'
      ? CompressionId[opts.compression]
      : (opts.compression ?? CompressionId.none);
  if (!Number.isInteger(compressionId) || compressionId < 0 || compressionId > COMPRESSION_ID_MAX) {
    throw new RecordBatchError('BATCH_INVALID_ARGUMENT', `unknown compression ${String(opts.compression)}`);
  }
  const now = opts.now ?? Date.now();
  let maxTimestamp = NO_TIMESTAMP;
  for (const r of records) maxTimestamp = Math.max(maxTimestamp, r.timestamp ?? now);
  // Kafka uses the first record's timestamp as the base; deltas are signed.
  const baseTimestamp = records.length > 0 ? (records[0]!.timestamp ?? now) : now;
  let body = encodeRecords(records, baseTimestamp, now);
  if (compressionId !== CompressionId.none) body = compress(compressionId, body);
  const buf = Buffer.alloc(RECORD_BATCH_OVERHEAD + body.length);
  let attributes = compressionId;
  if (opts.timestampType === 'LogAppendTime') attributes |= TIMESTAMP_TYPE_MASK;
  if (opts.transactional) attributes |= TRANSACTIONAL_FLAG_MASK;
  if (opts.control) attributes |= CONTROL_FLAG_MASK;
  writeInt64(buf, BASE_OFFSET_OFFSET, opts.baseOffset ?? 0);
  buf.writeInt32BE(buf.length - LOG_OVERHEAD, BATCH_LENGTH_OFFSET);
  buf.writeInt32BE(opts.partitionLeaderEpoch ?? NO_PARTITION_LEADER_EPOCH, PARTITION_LEADER_EPOCH_OFFSET);
  buf.writeInt8(MAGIC_V2, MAGIC_OFFSET);
  buf.writeInt16BE(attributes, ATTRIBUTES_OFFSET);
  buf.writeInt32BE(Math.max(0, records.length - 1), LAST_OFFSET_DELTA_OFFSET);
  writeInt64(buf, BASE_TIMESTAMP_OFFSET, baseTimestamp);
  writeInt64(buf, MAX_TIMESTAMP_OFFSET, maxTimestamp);
  writeInt64(buf, PRODUCER_ID_OFFSET, opts.producerId ?? NO_PRODUCER_ID);
  buf.writeInt16BE(opts.producerEpoch ?? NO_PRODUCER_EPOCH, PRODUCER_EPOCH_OFFSET);
  buf.writeInt32BE(opts.baseSequence ?? NO_SEQUENCE, BASE_SEQUENCE_OFFSET);
  buf.writeInt32BE(records.length, RECORDS_COUNT_OFFSET);
  body.copy(buf, RECORDS_OFFSET);
  buf.writeUInt32BE(crc32c(buf, CRC_COVERAGE_START, buf.length), CRC_OFFSET);
  return buf;
}

export interface DecodedRecord {
  offset: number;
  /** The record's create time, or the batch maxTimestamp for LogAppendTime batches. */
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: { key: string; value: Buffer | null }[];
  attributes: number;
}

export interface DecodedBatch {
  header: BatchHeader;
  records: DecodedRecord[];
}

export interface DecodeBatchOptions {
  /** Bound on the decompressed records section (default DECOMPRESSED_BYTES_MAX_DEFAULT). */
  decompressedBytesMax?: number;
  /** Verify the CRC first (default true). */
  verifyCrc?: boolean;
}

/**
 * Decode the batch at `pos` with all its records. Keys and values are views into `buf` (or
 * into the decompressed records). Throws RecordBatchError / CompressionError.
 */
export function decodeRecordBatch(buf: Buffer, pos = 0, opts: DecodeBatchOptions = {}): DecodedBatch {
  const check = validateBatch(buf, pos, { verifyCrc: opts.verifyCrc !== false, checkRecordsCount: false });
  if (!check.ok) throw check.error;
  const header = readBatchHeader(buf, pos);
  const bytesMax = Math.min(
    opts.decompressedBytesMax ?? DECOMPRESSED_BYTES_MAX_DEFAULT,
    DECOMPRESSED_BYTES_MAX_ABSOLUTE,
  );
  const raw = buf.subarray(pos + RECORDS_OFFSET, pos + check.size);
  const data =
    header.compression === CompressionId.none ? raw : decompress(header.compression, raw, bytesMax);
  const count = header.recordsCount;
  if (count < 0 || count > Math.floor(data.length / RECORD_BYTES_MIN)) {
    throw new RecordBatchError(
      'BATCH_CORRUPT_RECORDS',
      `batch at ${pos} claims ${count} records in ${data.length} bytes`,
      pos,
    );
  }
  const records: DecodedRecord[] = [];
  const logAppend = header.timestampType === 'LogAppendTime';
  let p = 0;
  try {
    for (let i = 0; i < count; i++) {
      const len = readVarint(data, p);
      p += varintResult.length;
      const end = p + len;
      if (len < RECORD_BYTES_MIN - 1 || end > data.length) {
        throw new RecordBatchError('BATCH_CORRUPT_RECORDS', `record ${i} length ${len} out of range`, pos);
      }
      const attributes = data.readInt8(p++);
      const tsDelta = readVarlong(data, p, end);
      p += varintResult.length;
      const offsetDelta = readVarint(data, p, end);
      p += varintResult.length;
      const readBytes = (what: string): Buffer | null => {
        const n = readVarint(data, p, end);
        p += varintResult.length;
        if (n < 0) return null;
        if (p + n > end)
          throw new RecordBatchError('BATCH_CORRUPT_RECORDS', `record ${i} ${what} overruns`, pos);
        const v = data.subarray(p, p + n);
        p += n;
        return v;
      };
      const key = readBytes('key');
      const value = readBytes('value');
      const headerCount = readVarint(data, p, end);
      p += varintResult.length;
      if (headerCount < 0 || headerCount > end - p) {
        throw new RecordBatchError('BATCH_CORRUPT_RECORDS', `record ${i} header count ${headerCount}`, pos);
      }
      const headers: DecodedRecord['headers'] = [];
      for (let h = 0; h < headerCount; h++) {
        const k = readBytes('header key');
        if (k === null)
          throw new RecordBatchError('BATCH_CORRUPT_RECORDS', `record ${i} has a null header key`, pos);
        headers.push({ key: k.toString('utf8'), value: readBytes('header value') });
      }
      if (p !== end) {
        throw new RecordBatchError('BATCH_CORRUPT_RECORDS', `record ${i} has ${end - p} trailing bytes`, pos);
      }
      records.push({
        offset: header.baseOffset + offsetDelta,
        timestamp: logAppend ? header.maxTimestamp : header.baseTimestamp + tsDelta,
        key,
        value,
        headers,
        attributes,
      });
    }
  } catch (err) {
    if (err instanceof VarintError) {
      throw new RecordBatchError('BATCH_CORRUPT_RECORDS', `batch at ${pos}: ${err.message}`, pos);
    }
    throw err;
  }
  if (p !== data.length) {
    throw new RecordBatchError(
      'BATCH_CORRUPT_RECORDS',
      `batch at ${pos} has ${data.length - p} bytes after its ${count} records`,
      pos,
    );
  }
  return { header, records };
}

/** Decode every batch of a buffer of concatenated batches. */
export function decodeRecordBatches(buf: Buffer, opts: DecodeBatchOptions = {}): DecodedBatch[] {
  const out: DecodedBatch[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const b = decodeRecordBatch(buf, pos, opts);
    out.push(b);
    pos += b.header.sizeInBytes;
  }
  return out;
}
