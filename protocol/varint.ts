/**
 * Variable-length integers as Kafka's RecordBatch v2 records use them (protobuf style):
 * zig-zag then base-128, least significant group first, high bit = "more bytes follow".
 *
 * - varint: signed 32-bit, zig-zag, at most 5 bytes.
 * - varlong: signed 64-bit, zig-zag, at most 10 bytes; Samsa keeps int64 values as JS numbers,
 *   so only values within ±Number.MAX_SAFE_INTEGER are accepted (encode and decode).
 * - uvarint: unsigned 32-bit, no zig-zag (compact lengths in flexible API versions).
 *
 * Decoders never read past `end` and report a short or over-long input with a VarintError.
 * Decoding returns the value and stores the number of bytes consumed in `varintResult.length`
 * (a reused object, so the hot loops of a record decoder allocate nothing).
 */

export const VARLONG_BYTES_MAX = 10;
export const UVARINT_BYTES_MAX = 5;

export type VarintErrorCode = 'VARINT_TRUNCATED' | 'VARINT_TOO_LONG' | 'VARINT_OUT_OF_RANGE';

export class VarintError extends Error {
  readonly code: VarintErrorCode;
  constructor(code: VarintErrorCode, message: string) {
    super(message);
    this.name = 'VarintError';
    this.code = code;
  }
}

/** Bytes consumed by the last successful decode call. */
export const varintResult = { length: 0 };

export function zigZagEncode32(v: number): number {
  return ((v << 1) ^ (v >> 31)) >>> 0;
}

export function zigZagDecode32(n: number): number {
  return (n >>> 1) ^ -(n & 1);
}

function checkInt32(v: number, what: string): void {
  if (!Number.isInteger(v) || v < -0x80000000 || v > 0x7fffffff) {
    throw new VarintError('VARINT_OUT_OF_RANGE', `${what} ${v} is not a 32-bit signed integer`);
  }
}

/** Encoded size of a signed 32-bit varint. */
export function sizeOfVarint(v: number): number {
  const u = zigZagEncode32(v);
  return u < 0x80 ? 1 : u < 0x4000 ? 2 : u < 0x200000 ? 3 : u < 0x10000000 ? 4 : 5;
}

/** Encoded size of an unsigned 32-bit varint. */
export function sizeOfUVarint(u: number): number {
  let n = 1;
  while (u >= 0x80) {
    u = Math.floor(u / 128);
    n++;
  }
  return n;
}

/** Encoded size of a signed 64-bit (safe-integer) varlong. */
export function sizeOfVarlong(v: number): number {
  let m = v >= 0 ? v : -v - 1;
  let n = 1;
  m = Math.floor(m / 64);
  while (m > 0) {
    m = Math.floor(m / 128);
    n++;
  }
  return n;
}

/** Write an unsigned 32-bit varint at `pos`; returns the position after it. */
export function writeUVarint(buf: Uint8Array, pos: number, u: number): number {
  if (!Number.isInteger(u) || u < 0 || u > 0xffffffff) {
    throw new VarintError('VARINT_OUT_OF_RANGE', `unsigned varint ${u} is not in [0, 2^32)`);
  }
  while (u >= 0x80) {
    buf[pos++] = (u & 0x7f) | 0x80;
    u = Math.floor(u / 128);
  }
  buf[pos++] = u;
  return pos;
}

/** Write a signed 32-bit zig-zag varint at `pos`; returns the position after it. */
export function writeVarint(buf: Uint8Array, pos: number, v: number): number {
  checkInt32(v, 'varint');
  return writeUVarint(buf, pos, zigZagEncode32(v));
}

/**
 * writeVarint without the range check, for hot paths whose `v` is known to be a 32-bit signed
 * integer (record fields the caller computed). Returns the position after it.
 */
export function writeVarintUnchecked(buf: Uint8Array, pos: number, v: number): number {
  let u = zigZagEncode32(v);
  while (u >= 0x80) {
    buf[pos++] = (u & 0x7f) | 0x80;
    u >>>= 7;
  }
  buf[pos++] = u;
  return pos;
}

/** Write a signed zig-zag varlong (|v| <= MAX_SAFE_INTEGER) at `pos`; returns the position after it. */
export function writeVarlong(buf: Uint8Array, pos: number, v: number): number {
  if (!Number.isSafeInteger(v)) {
    throw new VarintError('VARINT_OUT_OF_RANGE', `varlong ${v} is not a safe integer`);
  }
  // zig-zag: n = 2m + sign, with m = v (v >= 0) or -v - 1 (v < 0); built without overflow.
  const sign = v < 0 ? 1 : 0;
  let m = v >= 0 ? v : -v - 1;
  let b = ((m % 64) << 1) | sign;
  m = Math.floor(m / 64);
  while (m > 0) {
    buf[pos++] = b | 0x80;
    b = m % 128;
    m = Math.floor(m / 128);
  }
  buf[pos++] = b;
  return pos;
}

/** Read an unsigned 32-bit varint at `pos` (never past `end`). Sets varintResult.length. */
export function readUVarint(buf: Uint8Array, pos: number, end: number = buf.length): number {
  let result = 0;
  let mul = 1;
  for (let i = 0; i < UVARINT_BYTES_MAX; i++) {
    if (pos + i >= end)
      throw new VarintError('VARINT_TRUNCATED', `varint at ${pos} runs past the end (${end})`);
    const b = buf[pos + i]!;
    result += (b & 0x7f) * mul;
    if ((b & 0x80) === 0) {
      if (result > 0xffffffff) {
        throw new VarintError('VARINT_OUT_OF_RANGE', `varint at ${pos} exceeds 32 bits`);
      }
      varintResult.length = i + 1;
      return result;
    }
    mul *= 128;
  }
  throw new VarintError('VARINT_TOO_LONG', `varint at ${pos} is longer than ${UVARINT_BYTES_MAX} bytes`);
}

/** Read a signed 32-bit zig-zag varint at `pos`. Sets varintResult.length. */
export function readVarint(buf: Uint8Array, pos: number, end: number = buf.length): number {
  return zigZagDecode32(readUVarint(buf, pos, end));
}

/** Read a signed zig-zag varlong at `pos`; rejects magnitudes beyond MAX_SAFE_INTEGER. */
export function readVarlong(buf: Uint8Array, pos: number, end: number = buf.length): number {
  if (pos >= end) throw new VarintError('VARINT_TRUNCATED', `varlong at ${pos} runs past the end (${end})`);
  const b0 = buf[pos]!;
  const sign = b0 & 1;
  // m = n >>> 1 accumulated directly: 6 bits from the first byte, 7 from each next one.
  let m = (b0 & 0x7f) >>> 1;
  if ((b0 & 0x80) === 0) {
    varintResult.length = 1;
    return sign ? -m - 1 : m;
  }
  let mul = 64;
  for (let i = 1; i < VARLONG_BYTES_MAX; i++) {
    if (pos + i >= end)
      throw new VarintError('VARINT_TRUNCATED', `varlong at ${pos} runs past the end (${end})`);
    const b = buf[pos + i]!;
    m += (b & 0x7f) * mul;
    if ((b & 0x80) === 0) {
      if (m > Number.MAX_SAFE_INTEGER || (sign === 1 && m === Number.MAX_SAFE_INTEGER)) {
        throw new VarintError('VARINT_OUT_OF_RANGE', `varlong at ${pos} is beyond Number.MAX_SAFE_INTEGER`);
      }
      varintResult.length = i + 1;
      return sign ? -m - 1 : m;
    }
    mul *= 128;
  }
  throw new VarintError('VARINT_TOO_LONG', `varlong at ${pos} is longer than ${VARLONG_BYTES_MAX} bytes`);
}
