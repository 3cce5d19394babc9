/**
 * Checks the records inside a RecordBatch v2 without decoding them into objects: walks each
 * record's length prefix and offset delta (decompressing first, within a bound, when the batch
 * is compressed) and checks that the records fill the batch exactly and that their count and
 * offset deltas match the header. Kafka's broker does the same on every append; it is what
 * stops a batch that claims a billion records (and would move offsets by a billion) or a
 * decompression bomb. No per-record allocation: one varint read per field walked.
 */
import { COMPRESSION_ATTRIBUTE_MASK, CompressionId, decompress } from './compression.js';
import {
  ATTRIBUTES_OFFSET,
  BATCH_LENGTH_OFFSET,
  LOG_OVERHEAD,
  RECORD_BYTES_MIN,
  RECORDS_COUNT_OFFSET,
  RECORDS_OFFSET,
} from './record-batch.js';
import { readVarint, readVarlong, varintResult } from './varint.js';

export type RecordsProblemCode =
  | 'RECORDS_MALFORMED' // a record's framing or fields do not parse, or the records overrun the batch
  | 'RECORDS_COUNT_MISMATCH' // the header's recordsCount disagrees with the records present
  | 'RECORDS_OFFSET_DELTA' // offset deltas are not 0, 1, 2, ...
  | 'RECORDS_DECOMPRESSED_TOO_LARGE' // decompression would exceed the bound
  | 'RECORDS_COMPRESSION_UNSUPPORTED' // a codec Samsa cannot decompress yet
  | 'RECORDS_COMPRESSED_CORRUPT'; // the codec rejected its input

export interface RecordsProblem {
  code: RecordsProblemCode;
  message: string;
}

/**
 * Returns null when the records of the batch at `pos` are well formed, or what is wrong.
 * Assumes the batch header was already framed (batchLength within the buffer).
 */
export function checkBatchRecords(
  buf: Buffer,
  pos: number,
  decompressedBytesMax: number,
): RecordsProblem | null {
  const end = pos + LOG_OVERHEAD + buf.readInt32BE(pos + BATCH_LENGTH_OFFSET);
  const count = buf.readInt32BE(pos + RECORDS_COUNT_OFFSET);
  const compression = buf.readInt16BE(pos + ATTRIBUTES_OFFSET) & COMPRESSION_ATTRIBUTE_MASK;
  let data: Buffer = buf;
  let p = pos + RECORDS_OFFSET;
  let stop = end;
  if (compression !== CompressionId.none) {
    try {
      data = decompress(compression, buf.subarray(p, end), decompressedBytesMax);
    } catch (err) {
      const code = (err as { code?: string }).code;
      const message = (err as Error).message;
      if (code === 'DECOMPRESSED_TOO_LARGE') return { code: 'RECORDS_DECOMPRESSED_TOO_LARGE', message };
      if (code === 'COMPRESSION_UNSUPPORTED' || code === 'COMPRESSION_UNKNOWN') {
        return { code: 'RECORDS_COMPRESSION_UNSUPPORTED', message };
      }
      return { code: 'RECORDS_COMPRESSED_CORRUPT', message };
    }
    p = 0;
    stop = data.length;
  }
  // Every record takes at least RECORD_BYTES_MIN bytes: a count that cannot fit is wrong.
  if (count < 0 || count > (stop - p) / RECORD_BYTES_MIN + 1) {
    return { code: 'RECORDS_COUNT_MISMATCH', message: `batch claims ${count} records in ${stop - p} bytes` };
  }
  try {
    let i = 0;
    while (p < stop) {
      const length = readVarint(data, p, stop);
      p += varintResult.length;
      const recordEnd = p + length;
      if (length < RECORD_BYTES_MIN - 1 || recordEnd > stop) {
        return {
          code: 'RECORDS_MALFORMED',
          message: `record ${i} has length ${length}, which overruns the batch`,
        };
      }
      let q = p + 1; // attributes
      readVarlong(data, q, recordEnd); // timestamp delta
      q += varintResult.length;
      const offsetDelta = readVarint(data, q, recordEnd);
      if (offsetDelta !== i) {
        return {
          code: 'RECORDS_OFFSET_DELTA',
          message: `record ${i} has offset delta ${offsetDelta}, expected ${i}`,
        };
      }
      p = recordEnd;
      i++;
    }
    if (i !== count) {
      return { code: 'RECORDS_COUNT_MISMATCH', message: `batch header says ${count} records, it holds ${i}` };
    }
  } catch (err) {
    return { code: 'RECORDS_MALFORMED', message: `records do not parse: ${(err as Error).message}` };
  }
  return null;
}
