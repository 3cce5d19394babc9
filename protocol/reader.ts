/**
 * A "sticky" reader over one frame of Kafka wire bytes.
 *
 * A short read, an invalid length, a varint overflow or an int64 outside JS's safe range sets
 * an error flag (the first failure wins, with its offset and the field being read) and every
 * later read yields a zero value, so decoders stay flat. The caller checks once at the end
 * with `check()`, which throws a typed DecodeError.
 *
 * Every length or count read from the wire is checked against the bytes left in the frame
 * (and against a hard cap) before anything is allocated.
 */

/** Why a decode failed; a closed set so callers can switch on it. */
export type DecodeErrorCode =
  | 'SHORT_READ'
  | 'INVALID_LENGTH'
  | 'LENGTH_TOO_LARGE'
  | 'UNEXPECTED_NULL'
  | 'VARINT_OVERFLOW'
  | 'INT64_OUT_OF_RANGE'
  | 'UNKNOWN_API_KEY'
  | 'UNSUPPORTED_VERSION';

export class DecodeError extends Error {
  override readonly name = 'DecodeError';
  constructor(
    readonly code: DecodeErrorCode,
    /** Dotted path of the field being decoded ('' when unknown), e.g. "topicData.partitionData.records". */
    readonly field: string,
    /** Byte offset in the buffer where the failing read started. */
    readonly offset: number,
    detail?: string,
  ) {
    super(`${code}${field ? ` in ${field}` : ''} at offset ${offset}${detail ? `: ${detail}` : ''}`);
  }
}

/** Hard caps, independent of the frame size. */
export const stringBytesMax = 0x7fff;
export const arrayLengthMax = 0x7fffffff;
export const bytesLengthMax = 0x7fffffff;
/**
 * Array elements one decoded message may hold in total (all arrays, all levels). Each element
 * costs a JS value or object, so this bounds the memory a frame can make the decoder allocate.
 */
export const arrayElementsPerMessageMax = 4_000_000;

const TWO_32 = 4294967296;

export class Reader {
  pos: number;
  end: number;
  /** Set by the engine before each field, reported with the first failure. */
  field = '';
  failed = false;
  failCode: DecodeErrorCode = 'SHORT_READ';
  failField = '';
  failOffset = 0;
  failDetail = '';
  /** Array elements this reader may still decode (see arrayElementsPerMessageMax). */
  elementBudget = arrayElementsPerMessageMax;

  constructor(
    readonly buf: Buffer,
    start = 0,
    end = buf.length,
  ) {
    this.pos = start;
    this.end = end;
  }

  /** Bytes left before `end` (0 once failed). */
  remaining(): number {
    return this.failed ? 0 : this.end - this.pos;
  }

  fail(code: DecodeErrorCode, offset: number, detail = ''): void {
    if (this.failed) return;
    this.failed = true;
    this.failCode = code;
    this.failField = this.field;
    this.failOffset = offset;
    this.failDetail = detail;
    this.pos = this.end;
  }

  /** Throws the recorded DecodeError, if any. */
  check(): void {
    if (this.failed) throw new DecodeError(this.failCode, this.failField, this.failOffset, this.failDetail);
  }

  /** Reserves n bytes; returns their start, or -1 (and fails) when fewer are left. */
  private take(n: number): number {
    if (this.failed) return -1;
    const p = this.pos;
    if (this.end - p < n) {
      this.fail('SHORT_READ', p, `need ${n} bytes, ${this.end - p} left`);
      return -1;
    }
    this.pos = p + n;
    return p;
  }

  skip(n: number): void {
    this.take(n);
  }

  int8(): number {
    const p = this.take(1);
    return p < 0 ? 0 : this.buf.readInt8(p);
  }
  uint8(): number {
    const p = this.take(1);
    return p < 0 ? 0 : this.buf[p]!;
  }
  bool(): boolean {
    const p = this.take(1);
    return p < 0 ? false : this.buf[p] !== 0;
  }
  int16(): number {
    const p = this.take(2);
    return p < 0 ? 0 : this.buf.readInt16BE(p);
  }
  uint16(): number {
    const p = this.take(2);
    return p < 0 ? 0 : this.buf.readUInt16BE(p);
  }
  int32(): number {
    const p = this.take(4);
    return p < 0 ? 0 : this.buf.readInt32BE(p);
  }
  uint32(): number {
    const p = this.take(4);
    return p < 0 ? 0 : this.buf.readUInt32BE(p);
  }
  /** A signed 64-bit integer as a JS number; outside ±(2^53-1) is a decode error. */
  int64(): number {
    const p = this.take(8);
    if (p < 0) return 0;
    const v = this.buf.readInt32BE(p) * TWO_32 + this.buf.readUInt32BE(p + 4);
    if (!Number.isSafeInteger(v)) {
      this.fail('INT64_OUT_OF_RANGE', p, 'int64 beyond ±2^53');
      return 0;
    }
    return v;
  }
  float64(): number {
    const p = this.take(8);
    return p < 0 ? 0 : this.buf.readDoubleBE(p);
  }
  /** A 16-byte UUID as 32 lowercase hex digits. */
  uuid(): string {
    const p = this.take(16);
    return p < 0 ? ZERO_UUID : this.buf.toString('hex', p, p + 16);
  }

  /** Unsigned base-128 varint of at most 5 bytes (a uint32). */
  uvarint(): number {
    const start = this.pos;
    let result = 0;
    for (let i = 0; i < 5; i++) {
      const p = this.take(1);
      if (p < 0) return 0;
      const b = this.buf[p]!;
      result += (b & 0x7f) * 2 ** (7 * i);
      if ((b & 0x80) === 0) {
        if (i === 4 && b > 0x0f) break;
        return result;
      }
    }
    this.fail('VARINT_OVERFLOW', start, 'unsigned varint longer than 32 bits');
    return 0;
  }

  /** Zig-zag varint (int32). */
  varint(): number {
    const u = this.uvarint();
    return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
  }

  /**
   * Validates a length read from the wire at `at`: -1 is null when allowed, other negatives are
   * invalid, anything larger than `max` or than the bytes left (times `minElementBytes`) is an
   * error. Returns the length, -1 for null, or -2 after failing.
   */
  checkLength(n: number, at: number, nullable: boolean, max: number, minElementBytes: number): number {
    if (this.failed) return -2;
    if (n < 0) {
      if (n === -1) {
        if (nullable) return -1;
        this.fail('UNEXPECTED_NULL', at, 'null in a non-nullable field');
        return -2;
      }
      this.fail('INVALID_LENGTH', at, `negative length ${n}`);
      return -2;
    }
    if (n > max) {
      this.fail('LENGTH_TOO_LARGE', at, `length ${n} above the cap ${max}`);
      return -2;
    }
    if (n * minElementBytes > this.end - this.pos) {
      this.fail('LENGTH_TOO_LARGE', at, `length ${n} but only ${this.end - this.pos} bytes left`);
      return -2;
    }
    return n;
  }

  /** Length of a string/bytes/array: int16/int32 classic, or compact uvarint (length + 1, 0 = null). */
  length(
    kind: 'int16' | 'int32' | 'compact',
    nullable: boolean,
    max: number,
    minElementBytes: number,
  ): number {
    const at = this.pos;
    let n: number;
    if (kind === 'compact') n = this.uvarint() - 1;
    else if (kind === 'int16') n = this.int16();
    else n = this.int32();
    return this.checkLength(n, at, nullable, max, minElementBytes);
  }

  /** Reserves n array elements from the budget; fails when exhausted. */
  takeElements(n: number, at: number): boolean {
    if (n <= this.elementBudget) {
      this.elementBudget -= n;
      return true;
    }
    this.fail(
      'LENGTH_TOO_LARGE',
      at,
      `more than ${arrayElementsPerMessageMax} array elements in one message`,
    );
    return false;
  }

  /** UTF-8 string of n bytes (n already validated). */
  utf8(n: number): string {
    if (n === 0) return '';
    const p = this.take(n);
    return p < 0 ? '' : this.buf.toString('utf8', p, p + n);
  }

  /** A zero-copy view of the next n bytes (n already validated). */
  view(n: number): Buffer {
    const p = this.take(n);
    return p < 0 ? EMPTY : this.buf.subarray(p, p + n);
  }

  string(compact: boolean): string {
    const n = this.length(compact ? 'compact' : 'int16', false, stringBytesMax, 1);
    return n > 0 ? this.utf8(n) : '';
  }
  nullableString(compact: boolean): string | null {
    const n = this.length(compact ? 'compact' : 'int16', true, stringBytesMax, 1);
    if (n === -1) return null;
    return n > 0 ? this.utf8(n) : '';
  }
  bytes(compact: boolean): Buffer {
    const n = this.length(compact ? 'compact' : 'int32', false, bytesLengthMax, 1);
    return n > 0 ? this.view(n) : EMPTY;
  }
  nullableBytes(compact: boolean): Buffer | null {
    const n = this.length(compact ? 'compact' : 'int32', true, bytesLengthMax, 1);
    if (n === -1) return null;
    return n > 0 ? this.view(n) : EMPTY;
  }
}

export const ZERO_UUID = '00000000000000000000000000000000';
const EMPTY = Buffer.alloc(0);
