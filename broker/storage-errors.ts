/**
 * Storage's typed errors (storage/errors.ts) as Kafka error codes. Errors that are not
 * storage's own are bugs: they are logged and answered with UNKNOWN_SERVER_ERROR.
 */
import type { Logger } from 'pino';
import { ErrorCode as E } from '../protocol/error-codes.js';
import { InvalidBatchError, StorageError, type StorageErrorCode } from '../storage/errors.js';

const byStorageCode: Record<StorageErrorCode, number> = {
  STORAGE_IO: E.KAFKA_STORAGE_ERROR,
  PARTITION_OFFLINE: E.KAFKA_STORAGE_ERROR,
  LOG_CLOSED: E.NOT_LEADER_OR_FOLLOWER,
  OFFSET_OUT_OF_RANGE: E.OFFSET_OUT_OF_RANGE,
  INVALID_BATCH: E.CORRUPT_MESSAGE,
  RECORD_TOO_LARGE: E.MESSAGE_TOO_LARGE,
  APPEND_TOO_LARGE: E.RECORD_LIST_TOO_LARGE,
  INVALID_APPEND_OFFSET: E.INVALID_RECORD,
  INVALID_CONFIG: E.INVALID_CONFIG,
  TOPIC_EXISTS: E.TOPIC_ALREADY_EXISTS,
  UNKNOWN_TOPIC: E.UNKNOWN_TOPIC_OR_PARTITION,
  INVALID_TOPIC: E.INVALID_TOPIC_EXCEPTION,
  INVALID_PARTITIONS: E.INVALID_PARTITIONS,
  CORRUPT_CHECKPOINT: E.KAFKA_STORAGE_ERROR,
};

/** Batch problems that are not corruption but a batch Kafka would call invalid. */
const invalidRecordReasons = new Set([
  'BATCH_COUNT_MISMATCH',
  'BATCH_BAD_OFFSET',
  'CONTROL_BATCH',
  'NONZERO_BASE_OFFSET',
  'EMPTY',
]);

export function storageErrorOutcome(
  err: unknown,
  log: Logger,
  what: string,
): { errorCode: number; errorMessage: string } {
  const message = (err as Error)?.message ?? String(err);
  if (err instanceof StorageError) {
    let errorCode = byStorageCode[err.code];
    if (err instanceof InvalidBatchError) {
      if (err.reason === 'BATCH_BAD_MAGIC') errorCode = E.UNSUPPORTED_FOR_MESSAGE_FORMAT;
      else if (invalidRecordReasons.has(err.reason)) errorCode = E.INVALID_RECORD;
    }
    if (errorCode === E.KAFKA_STORAGE_ERROR) log.error({ err }, `${what} failed: ${message}`);
    else log.debug({ reason: message }, `${what} refused`);
    return { errorCode, errorMessage: message };
  }
  log.error({ err }, `${what} failed unexpectedly`);
  return { errorCode: E.UNKNOWN_SERVER_ERROR, errorMessage: `${what} failed: ${message}` };
}
