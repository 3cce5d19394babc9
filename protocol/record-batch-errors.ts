/** Typed errors of the RecordBatch v2 codec and the compression seam. Codes are stable strings. */

export type RecordBatchErrorCode =
  | 'BATCH_TRUNCATED' // fewer bytes than the header or than batchLength says
  | 'BATCH_BAD_LENGTH' // batchLength smaller than the fixed header
  | 'BATCH_BAD_MAGIC' // magic byte is not 2
  | 'BATCH_BAD_CRC' // stored CRC-32C does not match
  | 'BATCH_COUNT_MISMATCH' // recordsCount != lastOffsetDelta + 1, or not positive
  | 'BATCH_TOO_LARGE' // batch larger than the caller's batchBytesMax
  | 'BATCH_BAD_OFFSET' // an int64 beyond Number.MAX_SAFE_INTEGER, or negative
  | 'BATCH_CORRUPT_RECORDS' // records section does not parse
  | 'BATCH_INVALID_ARGUMENT'; // encoder input out of range

export class RecordBatchError extends Error {
  readonly code: RecordBatchErrorCode;
  /** Byte position of the offending batch in the buffer that was being read. */
  readonly position: number;
  constructor(code: RecordBatchErrorCode, message: string, position = 0) {
    super(message);
    this.name = 'RecordBatchError';
    this.code = code;
    this.position = position;
  }
}

export type CompressionErrorCode =
  | 'COMPRESSION_UNSUPPORTED' // a known codec (snappy, lz4, zstd) without an implementation yet
  | 'COMPRESSION_UNKNOWN' // attribute bits 0-2 name no codec (5, 6, 7)
  | 'DECOMPRESSED_TOO_LARGE' // output would exceed decompressedBytesMax (decompression bomb)
  | 'COMPRESSED_DATA_CORRUPT'; // the codec rejected its input

export class CompressionError extends Error {
  readonly code: CompressionErrorCode;
  readonly compressionId: number;
  constructor(code: CompressionErrorCode, compressionId: number, message: string) {
    super(message);
    this.name = 'CompressionError';
    this.code = code;
    this.compressionId = compressionId;
  }
}
