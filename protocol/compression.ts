/**
 * The compression seam of RecordBatch v2: attribute bits 0-2 name a codec. gzip is built in
 * (node:zlib); snappy, lz4 and zstd are registered as unsupported until a later change plugs
 * them in with registerCodec(). Every decompression is bounded by `decompressedBytesMax`, so a
 * small batch that expands without limit (a decompression bomb) fails with a typed error.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { CompressionError } from './record-batch-errors.js';

export const CompressionId = {
  none: 0,
  gzip: 1,
  snappy: 2,
  lz4: 3,
  zstd: 4,
} as const;
export type CompressionName = keyof typeof CompressionId;
export type CompressionIdValue = (typeof CompressionId)[CompressionName];

/** The highest compression id Kafka defines (zstd); attribute values above it are unknown. */
export const COMPRESSION_ID_MAX = CompressionId.zstd;

/** Attribute bits that hold the compression id. */
export const COMPRESSION_ATTRIBUTE_MASK = 0x07;

export interface CompressionCodec {
  readonly id: number;
  readonly name: string;
  compress(data: Buffer): Buffer;
  /** Must throw CompressionError('DECOMPRESSED_TOO_LARGE') rather than produce more than `bytesMax`. */
  decompress(data: Buffer, bytesMax: number): Buffer;
}

const identity: CompressionCodec = {
  id: CompressionId.none,
  name: 'none',
  compress: (data) => data,
  decompress: (data, bytesMax) => {
    if (data.length > bytesMax) {
      throw new CompressionError(
        'DECOMPRESSED_TOO_LARGE',
        CompressionId.none,
        `records section of ${data.length} bytes exceeds the limit of ${bytesMax} bytes`,
      );
    }
    return data;
  },
};

const gzip: CompressionCodec = {
  id: CompressionId.gzip,
  name: 'gzip',
  compress: (data) => gzipSync(data),
  decompress: (data, bytesMax) => {
    try {
      return gunzipSync(data, { maxOutputLength: Math.max(1, bytesMax) });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ERR_BUFFER_TOO_LARGE') {
        throw new CompressionError(
          'DECOMPRESSED_TOO_LARGE',
          CompressionId.gzip,
          `gzip data expands past the limit of ${bytesMax} bytes (decompressedBytesMax); rejecting it`,
        );
      }
      throw new CompressionError(
        'COMPRESSED_DATA_CORRUPT',
        CompressionId.gzip,
        `gzip data is corrupt: ${(err as Error).message}`,
      );
    }
  },
};

function unsupported(id: number, name: string): CompressionCodec {
  const fail = (): never => {
    throw new CompressionError(
      'COMPRESSION_UNSUPPORTED',
      id,
      `${name} compression (id ${id}) is not supported by this build of Samsa yet; use gzip or none`,
    );
  };
  return { id, name, compress: fail, decompress: fail };
}

const codecs = new Map<number, CompressionCodec>([
  [CompressionId.none, identity],
  [CompressionId.gzip, gzip],
  [CompressionId.snappy, unsupported(CompressionId.snappy, 'snappy')],
  [CompressionId.lz4, unsupported(CompressionId.lz4, 'lz4')],
  [CompressionId.zstd, unsupported(CompressionId.zstd, 'zstd')],
]);

/** Install (or replace) the codec for `codec.id` (0-4). */
export function registerCodec(codec: CompressionCodec): void {
  if (!Number.isInteger(codec.id) || codec.id < 0 || codec.id > COMPRESSION_ID_MAX) {
    throw new CompressionError(
      'COMPRESSION_UNKNOWN',
      codec.id,
      `compression id ${codec.id} is not in 0..${COMPRESSION_ID_MAX}`,
    );
  }
  codecs.set(codec.id, codec);
}

/** The codec for a compression id; throws CompressionError for ids 5-7. */
export function codecFor(id: number): CompressionCodec {
  const c = codecs.get(id);
  if (!c) throw new CompressionError('COMPRESSION_UNKNOWN', id, `compression id ${id} names no known codec`);
  return c;
}

/** True when `id` has a working codec (not merely a registered "unsupported" placeholder). */
export function isCompressionSupported(id: number): boolean {
  const c = codecs.get(id);
  if (!c) return false;
  try {
    c.decompress(c === identity ? Buffer.alloc(0) : c.compress(Buffer.alloc(0)), 1);
    return true;
  } catch (err) {
    return !(err instanceof CompressionError && err.code === 'COMPRESSION_UNSUPPORTED');
  }
}

export function compress(id: number, data: Buffer): Buffer {
  return codecFor(id).compress(data);
}

export function decompress(id: number, data: Buffer, decompressedBytesMax: number): Buffer {
  return codecFor(id).decompress(data, decompressedBytesMax);
}

/** The largest decompressed size any caller may ask for (Buffer and int32 length ceiling). */
export const DECOMPRESSED_BYTES_MAX_ABSOLUTE = 2 ** 31 - 1;
