/**
 * A deliberately small, independent Kafka wire codec for tests: builders and readers written
 * from the protocol documentation with plain Buffer operations, sharing no code with protocol/,
 * so that a bug there cannot hide itself here.
 */

/** Appends big-endian primitives; `bytes()` returns what was written. */
export class Writer {
  private parts: Buffer[] = [];

  int8(v: number): this {
    const b = Buffer.alloc(1);
    b.writeInt8(v);
    return this.raw(b);
  }
  int16(v: number): this {
    const b = Buffer.alloc(2);
    b.writeInt16BE(v);
    return this.raw(b);
  }
  int32(v: number): this {
    const b = Buffer.alloc(4);
    b.writeInt32BE(v);
    return this.raw(b);
  }
  uint32(v: number): this {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(v >>> 0);
    return this.raw(b);
  }
  int64(v: bigint | number): this {
    const b = Buffer.alloc(8);
    b.writeBigInt64BE(BigInt(v));
    return this.raw(b);
  }
  bool(v: boolean): this {
    return this.int8(v ? 1 : 0);
  }
  /** int16 length + UTF-8; null is length -1. */
  string(s: string | null): this {
    if (s === null) return this.int16(-1);
    const b = Buffer.from(s, 'utf8');
    return this.int16(b.length).raw(b);
  }
  /** int32 length + bytes; null is length -1. */
  bytes(b: Buffer | null): this {
    if (b === null) return this.int32(-1);
    return this.int32(b.length).raw(b);
  }
  /** int32 count, then each item. */
  array<T>(items: T[], each: (w: this, item: T) => void): this {
    this.int32(items.length);
    for (const it of items) each(this, it);
    return this;
  }
  uvarint(v: number): this {
    return this.raw(encodeUvarint(v));
  }
  varint(v: number): this {
    return this.raw(encodeVarint(v));
  }
  /** Compact (flexible-version) string: uvarint(length + 1), 0 = null. */
  compactString(s: string | null): this {
    if (s === null) return this.uvarint(0);
    const b = Buffer.from(s, 'utf8');
    return this.uvarint(b.length + 1).raw(b);
  }
  /** An empty tagged-field section. */
  tags(): this {
    return this.uvarint(0);
  }
  raw(b: Uint8Array): this {
    this.parts.push(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
    return this;
  }
  bytesOut(): Buffer {
    return Buffer.concat(this.parts);
  }
}

export function encodeUvarint(v: number): Buffer {
  const out: number[] = [];
  let x = v >>> 0;
  while (x > 0x7f) {
    out.push((x & 0x7f) | 0x80);
    x >>>= 7;
  }
  out.push(x);
  return Buffer.from(out);
}

/** Zig-zag then base-128 (protobuf's sint32). */
export function encodeVarint(v: number): Buffer {
  return encodeUvarint(((v << 1) ^ (v >> 31)) >>> 0);
}

/** Zig-zag varlong for values that may not fit 32 bits. */
export function encodeVarlong(v: bigint): Buffer {
  let x = BigInt.asUintN(64, (v << 1n) ^ (v >> 63n));
  const out: number[] = [];
  while (x > 0x7fn) {
    out.push(Number(x & 0x7fn) | 0x80);
    x >>= 7n;
  }
  out.push(Number(x));
  return Buffer.from(out);
}

export class ShortReadError extends Error {
  readonly code = 'SAMSA_TEST_SHORT_READ';
}

/** Reads big-endian primitives and throws on any read past the end. */
export class Reader {
  offset = 0;
  constructor(readonly buf: Buffer) {}

  get remaining(): number {
    return this.buf.length - this.offset;
  }
  private need(n: number): number {
    if (n < 0 || this.offset + n > this.buf.length) {
      throw new ShortReadError(`need ${n} bytes at offset ${this.offset}, have ${this.remaining}`);
    }
    const at = this.offset;
    this.offset += n;
    return at;
  }
  int8(): number {
    return this.buf.readInt8(this.need(1));
  }
  int16(): number {
    return this.buf.readInt16BE(this.need(2));
  }
  int32(): number {
    return this.buf.readInt32BE(this.need(4));
  }
  uint32(): number {
    return this.buf.readUInt32BE(this.need(4));
  }
  int64(): bigint {
    return this.buf.readBigInt64BE(this.need(8));
  }
  bool(): boolean {
    return this.int8() !== 0;
  }
  string(): string | null {
    const n = this.int16();
    if (n < 0) return null;
    return this.buf.toString('utf8', this.need(n), this.offset);
  }
  bytes(): Buffer | null {
    const n = this.int32();
    if (n < 0) return null;
    const at = this.need(n);
    return this.buf.subarray(at, at + n);
  }
  array<T>(each: (r: Reader) => T): T[] {
    const n = this.int32();
    if (n < 0) return [];
    if (n > this.remaining) throw new ShortReadError(`array of ${n} items with ${this.remaining} bytes left`);
    const out: T[] = [];
    for (let i = 0; i < n; i++) out.push(each(this));
    return out;
  }
  uvarint(): number {
    let result = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const b = this.buf.readUInt8(this.need(1));
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
    }
    throw new ShortReadError('uvarint longer than 5 bytes');
  }
  varint(): number {
    const u = this.uvarint();
    return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
  }
  varlong(): bigint {
    let result = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      const b = BigInt(this.buf.readUInt8(this.need(1)));
      result |= (b & 0x7fn) << shift;
      if ((b & 0x80n) === 0n) return (result >> 1n) ^ -(result & 1n);
    }
    throw new ShortReadError('varlong longer than 10 bytes');
  }
  compactString(): string | null {
    const n = this.uvarint();
    if (n === 0) return null;
    return this.buf.toString('utf8', this.need(n - 1), this.offset);
  }
  compactArray<T>(each: (r: Reader) => T): T[] {
    const n = this.uvarint();
    if (n === 0) return [];
    if (n - 1 > this.remaining)
      throw new ShortReadError(`compact array of ${n - 1} items with ${this.remaining} bytes left`);
    const out: T[] = [];
    for (let i = 0; i < n - 1; i++) out.push(each(this));
    return out;
  }
  /** Skips a tagged-field section. */
  tags(): void {
    const n = this.uvarint();
    for (let i = 0; i < n; i++) {
      this.uvarint();
      this.need(this.uvarint());
    }
  }
  take(n: number): Buffer {
    const at = this.need(n);
    return this.buf.subarray(at, at + n);
  }
}

/** CRC-32C (Castagnoli), bitwise: slow and obviously right, independent of protocol/crc32c.ts. */
export function crc32cReference(buf: Uint8Array): number {
  let c = 0xffffffff;
  for (const x of buf) {
    c ^= x;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  }
  return ~c >>> 0;
}

/** A request frame: int32 size, then header v1 (or v2 when flexible), then `body`. */
export function requestFrame(opts: {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  clientId?: string | null;
  /** Request header v2: a tagged-field section after client_id. */
  flexible?: boolean;
  body: Buffer;
}): Buffer {
  const header = new Writer()
    .int16(opts.apiKey)
    .int16(opts.apiVersion)
    .int32(opts.correlationId)
    .string(opts.clientId === undefined ? 'samsa-test' : opts.clientId);
  if (opts.flexible) header.tags();
  const payload = Buffer.concat([header.bytesOut(), opts.body]);
  return Buffer.concat([new Writer().int32(payload.length).bytesOut(), payload]);
}

/** Kafka error codes the tests name. */
export const ErrorCode = {
  NONE: 0,
  OFFSET_OUT_OF_RANGE: 1,
  CORRUPT_MESSAGE: 2,
  UNKNOWN_TOPIC_OR_PARTITION: 3,
  INVALID_FETCH_SIZE: 4,
  MESSAGE_TOO_LARGE: 10,
  INVALID_TOPIC_EXCEPTION: 17,
  RECORD_LIST_TOO_LARGE: 18,
  UNSUPPORTED_VERSION: 35,
  TOPIC_ALREADY_EXISTS: 36,
  INVALID_REQUEST: 42,
  INVALID_RECORD: 87,
} as const;
