/**
 * Storage's typed errors as Kafka error codes. Errors that are not storage's own are bugs:
 * they are logged and answered with UNKNOWN_SERVER_ERROR.
 */
import type { Logger } from 'pino';
import { ErrorCode as E } from '../protocol/error-codes.js';

export function storageErrorOutcome(
  err: unknown,
  log: Logger,
  what: string,
): { errorCode: number; errorMessage: string } {
  const code = (err as { code?: string }).code ?? '';
  const message = (err as Error).message ?? String(err);
  const byCode: Record<string, number> = {
    SAMSA_CORRUPT_RECORD: E.CORRUPT_MESSAGE,
    SAMSA_RECORD_TOO_LARGE: E.MESSAGE_TOO_LARGE,
    SAMSA_INVALID_RECORD: E.INVALID_RECORD,
    SAMSA_UNSUPPORTED_MAGIC: E.UNSUPPORTED_FOR_MESSAGE_FORMAT,
    SAMSA_OFFSET_OUT_OF_RANGE: E.OFFSET_OUT_OF_RANGE,
    SAMSA_PARTITION_OFFLINE: E.KAFKA_STORAGE_ERROR,
    SAMSA_STORAGE: E.KAFKA_STORAGE_ERROR,
  };
  const errorCode = byCode[code];
  if (errorCode !== undefined) {
    if (errorCode === E.KAFKA_STORAGE_ERROR) log.error({ err }, `${what} failed: ${message}`);
    else log.debug({ err: message }, `${what} refused`);
    return { errorCode, errorMessage: message };
  }
  log.error({ err }, `${what} failed unexpectedly`);
  return { errorCode: E.UNKNOWN_SERVER_ERROR, errorMessage: `${what} failed: ${message}` };
}
