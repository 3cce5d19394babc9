/**
 * A writer producing Kafka wire bytes as a list of chunks, ready for socket.cork()/write().
 *
 * Small fields are batched into a scratch buffer; large byte blobs (record batches) are appended
 * as their own chunk without copying. `finish()` returns the chunks.
 */

/** A programmer error while encoding: a value that cannot be represented on the wire. */
export class EncodeError extends Error {
  override readonly name = 'EncodeError';
  constructor(
    /** Dotted path of the field being encoded. */
    readonly field: string,
    detail: string,
  ) {
    super(`cannot encode ${field || 'value'}: ${detail}`);
  }
}

/** Blobs at least this long are appended as separate chunks instead of being copied. */
export const zeroCopyBytesMin = 256;
const scratchBytesMin = 512;
const scratchBytesMax = 64 * 1024;
const TWO_32 = 4294967296;

/** A position in the output, for patching a length later. */
export interface Mark {
  readonly buf: Buffer;
  readonly pos: number;
}

export class Writer {
  private chunks: Buffer[] = [];
  private buf: Buffer;
  private start = 0;
  private pos = 0;
  private nextScratch = scratchBytesMin;
  /** Total bytes written so far. */
  length = 0;
  /** Set by the engine for error messages. */
  field = '';

  constructor() {
    this.buf = Buffer.allocUnsafe(scratchBytesMin);
  }

  private ensure(n: number): void {
    if (this.buf.length - this.pos >= n) return;
    this.flushScratch();
    this.nextScratch = Math.min(this.nextScratch * 2, scratchBytesMax);
    this.buf = Buffer.allocUnsafe(Math.max(n, this.nextScratch));
    this.start = 0;
    this.pos = 0;
  }

  private flushScratch(): void {
    if (this.pos > this.start) this.chunks.push(this.buf.subarray(this.start, this.pos));
    this.start = this.pos;
  }

  mark(): Mark {
    this.ensure(4);
    return { buf: this.buf, pos: this.pos };
  }
  /** Overwrites 4 bytes at a mark (taken before those bytes were written). */
  patchInt32(m: Mark, v: number): void {
    m.buf.writeInt32BE(v, m.pos);
  }

  int8(v: number): void {
    this.ensure(1);
    this.buf.writeInt8(v, this.pos);
    this.pos += 1;
    this.length += 1;
  }
  bool(v: boolean): void {
    this.ensure(1);
    this.buf[this.pos++] = v ? 1 : 0;
    this.length += 1;
  }
  int16(v: number): void {
    this.ensure(2);
    this.buf.writeInt16BE(v, this.pos);
    this.pos += 2;
    this.length += 2;
  }
  uint16(v: number): void {
    this.ensure(2);
    this.buf.writeUInt16BE(v, this.pos);
    this.pos += 2;
    this.length += 2;
  }
  int32(v: number): void {
    this.ensure(4);
    this.buf.writeInt32BE(v, this.pos);
    this.pos += 4;
    this.length += 4;
  }
  uint32(v: number): void {
    this.ensure(4);
    this.buf.writeUInt32BE(v, this.pos);
    this.pos += 4;
    this.length += 4;
  }
  int64(v: number): void {
    if (!Number.isSafeInteger(v)) throw new EncodeError(this.field, `int64 ${v} is not a safe integer`);
    this.ensure(8);
    const hi = Math.floor(v / TWO_32);
    this.buf.writeInt32BE(hi, this.pos);
    this.buf.writeUInt32BE(v - hi * TWO_32, this.pos + 4);
    this.pos += 8;
    this.length += 8;
  }
  float64(v: number): void {
    this.ensure(8);
    this.buf.writeDoubleBE(v, this.pos);
    this.pos += 8;
    this.length += 8;
  }
  /** A UUID given as 32 hex digits. */
  uuid(v: string): void {
    if (!/^[0-9a-fA-F]{32}$/.test(v)) throw new EncodeError(this.field, `uuid "${v}" is not 32 hex digits`);
    this.ensure(16);
    this.buf.write(v, this.pos, 16, 'hex');
    this.pos += 16;
    this.length += 16;
  }
  uvarint(v: number): void {
    if (!(v >= 0 && v <= 0xffffffff && Number.isInteger(v))) {
      throw new EncodeError(this.field, `unsigned varint ${v} out of range`);
    }
    this.ensure(5);
    while (v >= 0x80) {
      this.buf[this.pos++] = (v & 0x7f) | 0x80;
      this.length++;
      v = Math.floor(v / 128);
    }
    this.buf[this.pos++] = v;
    this.length++;
  }
  varint(v: number): void {
    this.uvarint(v >= 0 ? v * 2 : -v * 2 - 1);
  }

  /** Raw bytes: copied when small, appended as their own chunk (zero copy) when large. */
  raw(b: Buffer): void {
    const n = b.length;
    if (n < zeroCopyBytesMin) {
      this.ensure(n);
      b.copy(this.buf, this.pos);
      this.pos += n;
    } else {
      this.flushScratch();
      this.chunks.push(b);
    }
    this.length += n;
  }

  private utf8(v: string, n: number): void {
    this.ensure(n);
    this.buf.write(v, this.pos, n, 'utf8');
    this.pos += n;
    this.length += n;
  }

  /** A string: int16 length (classic) or uvarint length+1 (compact); null allowed by the caller. */
  string(v: string | null, compact: boolean): void {
    if (v === null) {
      if (compact) this.uvarint(0);
      else this.int16(-1);
      return;
    }
    const n = Buffer.byteLength(v, 'utf8');
    if (n > 0x7fff) throw new EncodeError(this.field, `string of ${n} bytes exceeds 32767`);
    if (compact) this.uvarint(n + 1);
    else this.int16(n);
    this.utf8(v, n);
  }

  /** Bytes: int32 length (classic) or uvarint length+1 (compact). */
  bytes(v: Buffer | null, compact: boolean): void {
    if (v === null) {
      if (compact) this.uvarint(0);
      else this.int32(-1);
      return;
    }
    if (compact) this.uvarint(v.length + 1);
    else this.int32(v.length);
    this.raw(v);
  }

  /** Appends everything another writer produced (its chunks are taken over, not copied). */
  append(other: Writer): void {
    for (const c of other.finish()) this.raw(c);
  }

  /** The output chunks. The writer must not be used afterwards. */
  finish(): Buffer[] {
    this.flushScratch();
    return this.chunks;
  }
}
