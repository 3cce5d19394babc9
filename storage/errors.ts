/**
 * Typed storage errors. Every error has a stable `code` from StorageErrorCode; the broker
 * maps them to Kafka error codes (OFFSET_OUT_OF_RANGE, CORRUPT_MESSAGE, MESSAGE_TOO_LARGE,
 * KAFKA_STORAGE_ERROR, ...). Messages say where it happened and what to do.
 */
import type { RecordBatchError } from '../protocol/record-batch-errors.js';

export type StorageErrorCode =
  | 'STORAGE_IO' // the file system failed (ENOSPC, EIO, ...); the partition went offline
  | 'PARTITION_OFFLINE' // an earlier I/O error took the partition offline
  | 'LOG_CLOSED' // the partition log was closed (topic deleted or shutting down)
  | 'OFFSET_OUT_OF_RANGE' // read/truncate below the log start or above the log end
  | 'INVALID_BATCH' // framing, magic, CRC, count or offset problem in appended bytes
  | 'RECORD_TOO_LARGE' // a batch over max.message.bytes
  | 'APPEND_TOO_LARGE' // one append over segment.bytes
  | 'INVALID_APPEND_OFFSET' // replica append below the log end offset, or offsets not increasing
  | 'INVALID_CONFIG' // a topic config key/value failed validation
  | 'TOPIC_EXISTS'
  | 'UNKNOWN_TOPIC'
  | 'INVALID_TOPIC'
  | 'INVALID_PARTITIONS'
  | 'CORRUPT_CHECKPOINT';

export class StorageError extends Error {
  readonly code: StorageErrorCode;
  constructor(code: StorageErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StorageError';
    this.code = code;
  }
}

/** A file-system failure. `errno` is the Node error code (ENOSPC, EIO, ...). */
export class StorageIoError extends StorageError {
  readonly errno: string;
  readonly op: string;
  readonly path: string;
  constructor(op: string, path: string, cause: unknown) {
    const errno = (cause as NodeJS.ErrnoException | undefined)?.code ?? 'EUNKNOWN';
    super(
      'STORAGE_IO',
      `${op} on ${path} failed with ${errno}: ${(cause as Error | undefined)?.message ?? String(cause)}; ` +
        'the partition is taken offline; fix the disk and restart to recover it',
      { cause },
    );
    this.name = 'StorageIoError';
    this.errno = errno;
    this.op = op;
    this.path = path;
  }
}

export class PartitionOfflineError extends StorageError {
  constructor(topicPartition: string, cause?: unknown) {
    super(
      'PARTITION_OFFLINE',
      `partition ${topicPartition} is offline after a storage error; restart the broker after fixing the disk`,
      { cause },
    );
    this.name = 'PartitionOfflineError';
  }
}

export class LogClosedError extends StorageError {
  constructor(topicPartition: string) {
    super('LOG_CLOSED', `partition log ${topicPartition} is closed`);
    this.name = 'LogClosedError';
  }
}

export class OffsetOutOfRangeError extends StorageError {
  readonly offset: number;
  readonly logStartOffset: number;
  readonly logEndOffset: number;
  constructor(topicPartition: string, offset: number, logStartOffset: number, logEndOffset: number) {
    super(
      'OFFSET_OUT_OF_RANGE',
      `offset ${offset} of ${topicPartition} is outside [${logStartOffset}, ${logEndOffset}]`,
    );
    this.name = 'OffsetOutOfRangeError';
    this.offset = offset;
    this.logStartOffset = logStartOffset;
    this.logEndOffset = logEndOffset;
  }
}

export class InvalidBatchError extends StorageError {
  /** The codec error code (BATCH_BAD_CRC, ...), or a storage-level reason. */
  readonly reason: string;
  constructor(topicPartition: string, reason: string, message: string, cause?: RecordBatchError) {
    super('INVALID_BATCH', `append to ${topicPartition} rejected: ${message}`, { cause });
    this.name = 'InvalidBatchError';
    this.reason = reason;
  }
}

export class RecordTooLargeError extends StorageError {
  constructor(topicPartition: string, sizeBytes: number, maxMessageBytes: number) {
    super(
      'RECORD_TOO_LARGE',
      `a batch of ${sizeBytes} bytes for ${topicPartition} exceeds max.message.bytes ${maxMessageBytes}`,
    );
    this.name = 'RecordTooLargeError';
  }
}

export class AppendTooLargeError extends StorageError {
  constructor(topicPartition: string, sizeBytes: number, segmentBytes: number) {
    super(
      'APPEND_TOO_LARGE',
      `an append of ${sizeBytes} bytes for ${topicPartition} exceeds segment.bytes ${segmentBytes}; split it`,
    );
    this.name = 'AppendTooLargeError';
  }
}

export class InvalidAppendOffsetError extends StorageError {
  constructor(topicPartition: string, message: string) {
    super('INVALID_APPEND_OFFSET', `append to ${topicPartition} rejected: ${message}`);
    this.name = 'InvalidAppendOffsetError';
  }
}

export class InvalidConfigError extends StorageError {
  readonly key: string;
  readonly value: string;
  constructor(key: string, value: string, why: string) {
    super('INVALID_CONFIG', `invalid value ${JSON.stringify(value)} for config ${key}: ${why}`);
    this.name = 'InvalidConfigError';
    this.key = key;
    this.value = value;
  }
}

export class CorruptCheckpointError extends StorageError {
  constructor(path: string, why: string) {
    super('CORRUPT_CHECKPOINT', `checkpoint file ${path} is corrupt: ${why}`);
    this.name = 'CorruptCheckpointError';
  }
}

export class UnknownTopicError extends StorageError {
  constructor(topic: string) {
    super('UNKNOWN_TOPIC', `topic ${topic} does not exist`);
    this.name = 'UnknownTopicError';
  }
}

export class TopicExistsError extends StorageError {
  constructor(topic: string) {
    super('TOPIC_EXISTS', `topic ${topic} already exists`);
    this.name = 'TopicExistsError';
  }
}

/**
 * Another live process holds the data directory (its pid is in `.lock`). Raised only by
 * LogManager.open, never on a request path, so it is not one of the StorageErrorCode codes
 * the broker maps to Kafka error codes.
 */
export class DataDirLockedError extends Error {
  readonly code = 'DATA_DIR_LOCKED';
  readonly pid: number;
  constructor(dataDir: string, pid: number, lockPath: string) {
    super(
      `data directory ${dataDir} is in use by process ${pid}; stop it first (or delete ${lockPath} if no broker runs)`,
    );
    this.name = 'DataDirLockedError';
    this.pid = pid;
  }
}
