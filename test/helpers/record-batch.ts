/**
 * RecordBatch v2, built and parsed by hand for tests (layout: DefaultRecordBatch.java), with the
 * test's own CRC-32C. Used to produce exact bytes and to compare what the broker serves back.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { crc32cReference, encodeVarint, encodeVarlong, Reader, Writer } from './wire.js';

export interface TestRecord {
  key: Buffer | string | null;
  value: Buffer | string | null;
  headers?: [string, Buffer | string | null][];
  timestampDelta?: number;
}

export interface BuildBatchOptions {
  records: TestRecord[];
  compression?: 'none' | 'gzip';
  baseTimestamp?: bigint;
  producerId?: bigint;
  producerEpoch?: number;
  baseSequence?: number;
  /** Override recordsCount (for malformed batches); the CRC is computed over what is written. */
  recordsCountOverride?: number;
  /** Override lastOffsetDelta (for malformed batches). */
  lastOffsetDeltaOverride?: number;
}

const toBuf = (b: Buffer | string): Buffer => (typeof b === 'string' ? Buffer.from(b, 'utf8') : b);

/** One record's bytes (length-prefixed), as DefaultRecord.writeTo lays it out. */
export function encodeRecord(r: TestRecord, offsetDelta: number): Buffer {
  const body = new Writer()
    .int8(0)
    .raw(encodeVarlong(BigInt(r.timestampDelta ?? 0)))
    .varint(offsetDelta);
  if (r.key === null) body.varint(-1);
  else {
    const k = toBuf(r.key);
    body.varint(k.length).raw(k);
  }
  if (r.value === null) body.varint(-1);
  else {
    const v = toBuf(r.value);
    body.varint(v.length).raw(v);
  }
  const headers = r.headers ?? [];
  body.varint(headers.length);
  for (const [hk, hv] of headers) {
    const kb = Buffer.from(hk, 'utf8');
    body.varint(kb.length).raw(kb);
    if (hv === null) body.varint(-1);
    else {
      const vb = toBuf(hv);
      body.varint(vb.length).raw(vb);
    }
  }
  const b = body.bytesOut();
  return Buffer.concat([encodeVarint(b.length), b]);
}

/** The records section of a batch, compressed when asked. */
export function encodeRecords(records: TestRecord[], compression: 'none' | 'gzip' = 'none'): Buffer {
  const plain = Buffer.concat(records.map((r, i) => encodeRecord(r, i)));
  return compression === 'gzip' ? gzipSync(plain) : plain;
}

/**
 * A complete batch with baseOffset 0. `recordsSection` lets a caller supply the (possibly
 * compressed, possibly hostile) records bytes directly.
 */
export function buildRecordBatch(opts: BuildBatchOptions & { recordsSection?: Buffer }): Buffer {
  const compression = opts.compression ?? 'none';
  const records = opts.recordsSection ?? encodeRecords(opts.records, compression);
  const count = opts.recordsCountOverride ?? opts.records.length;
  const baseTimestamp = opts.baseTimestamp ?? BigInt(Date.now());
  const maxDelta = Math.max(0, ...opts.records.map((r) => r.timestampDelta ?? 0));
  const attributes = compression === 'gzip' ? 1 : 0;
  // Everything the CRC covers: attributes to the end.
  const afterCrc = new Writer()
    .int16(attributes)
    .int32(opts.lastOffsetDeltaOverride ?? count - 1)
    .int64(baseTimestamp)
    .int64(baseTimestamp + BigInt(maxDelta))
    .int64(opts.producerId ?? -1n)
    .int16(opts.producerEpoch ?? -1)
    .int32(opts.baseSequence ?? -1)
    .int32(count)
    .raw(records)
    .bytesOut();
  const crc = crc32cReference(afterCrc);
  // batchLength counts from partitionLeaderEpoch: 4 + 1 + 4 + afterCrc.
  return new Writer()
    .int64(0n)
    .int32(4 + 1 + 4 + afterCrc.length)
    .int32(-1)
    .int8(2)
    .uint32(crc)
    .raw(afterCrc)
    .bytesOut();
}

/** Recomputes the CRC of a batch in place (after a test has edited the covered bytes). */
export function fixCrc(batch: Buffer): Buffer {
  batch.writeUInt32BE(crc32cReference(batch.subarray(21)), 17);
  return batch;
}

export interface ParsedRecord {
  offset: bigint;
  timestamp: bigint;
  key: Buffer | null;
  value: Buffer | null;
  headers: [string, Buffer | null][];
}

export interface ParsedBatch {
  baseOffset: bigint;
  batchLength: number;
  partitionLeaderEpoch: number;
  magic: number;
  crc: number;
  crcValid: boolean;
  attributes: number;
  lastOffsetDelta: number;
  baseTimestamp: bigint;
  maxTimestamp: bigint;
  producerId: bigint;
  recordsCount: number;
  /** The whole batch as served, from baseOffset to its last byte. */
  raw: Buffer;
  records: ParsedRecord[];
}

/**
 * Splits a Fetch response's records bytes into batches. A partial batch at the end (allowed by
 * the protocol when max_bytes cuts one) is ignored.
 */
export function parseRecordBatches(buf: Buffer | null): ParsedBatch[] {
  const out: ParsedBatch[] = [];
  if (!buf) return out;
  let pos = 0;
  while (buf.length - pos >= 12) {
    const batchLength = buf.readInt32BE(pos + 8);
    const end = pos + 12 + batchLength;
    if (batchLength < 49 || end > buf.length) break;
    out.push(parseBatch(buf.subarray(pos, end)));
    pos = end;
  }
  return out;
}

function parseBatch(raw: Buffer): ParsedBatch {
  const r = new Reader(raw);
  const baseOffset = r.int64();
  const batchLength = r.int32();
  const partitionLeaderEpoch = r.int32();
  const magic = r.int8();
  const crc = r.uint32();
  const crcValid = crc32cReference(raw.subarray(21)) === crc;
  const attributes = r.int16();
  const lastOffsetDelta = r.int32();
  const baseTimestamp = r.int64();
  const maxTimestamp = r.int64();
  const producerId = r.int64();
  r.int16();
  r.int32();
  const recordsCount = r.int32();
  let section = raw.subarray(r.offset);
  const codec = attributes & 7;
  if (codec === 1) section = gunzipSync(section);
  else if (codec !== 0) throw new Error(`test parser handles no compression codec ${codec}`);
  const rr = new Reader(section);
  const records: ParsedRecord[] = [];
  for (let i = 0; i < recordsCount; i++) {
    const len = rr.varint();
    const body = new Reader(rr.take(len));
    body.int8();
    const tsDelta = body.varlong();
    const offsetDelta = body.varint();
    const kl = body.varint();
    const key = kl < 0 ? null : Buffer.from(body.take(kl));
    const vl = body.varint();
    const value = vl < 0 ? null : Buffer.from(body.take(vl));
    const headers: [string, Buffer | null][] = [];
    const hc = body.varint();
    for (let h = 0; h < hc; h++) {
      const hkl = body.varint();
      const hk = body.take(hkl).toString('utf8');
      const hvl = body.varint();
      headers.push([hk, hvl < 0 ? null : Buffer.from(body.take(hvl))]);
    }
    records.push({
      offset: baseOffset + BigInt(offsetDelta),
      timestamp: baseTimestamp + tsDelta,
      key,
      value,
      headers,
    });
  }
  return {
    baseOffset,
    batchLength,
    partitionLeaderEpoch,
    magic,
    crc,
    crcValid,
    attributes,
    lastOffsetDelta,
    baseTimestamp,
    maxTimestamp,
    producerId,
    recordsCount,
    raw,
    records,
  };
}
