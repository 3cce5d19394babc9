/**
 * Typed errors of the client library. Every error is a `SamsaError` with a stable `code` from a
 * closed union; errors that come from a broker carry the Kafka error code and name.
 */
import { errorInfo, errorName } from '../protocol/error-codes.js';

/** The closed set of error codes raised by the client. */
export type SamsaErrorCode =
  /** The TCP connection could not be established. */
  | 'SAMSA_CONNECTION_FAILED'
  /** The connection closed while requests were in flight or queued. */
  | 'SAMSA_CONNECTION_CLOSED'
  /** A request got no answer within its timeout. */
  | 'SAMSA_REQUEST_TIMEOUT'
  /** The broker answered with bytes the client cannot decode. */
  | 'SAMSA_PROTOCOL'
  /** The broker implements no version of an API that the client also implements. */
  | 'SAMSA_UNSUPPORTED_VERSION'
  /** The broker answered with a Kafka error code (see `kafkaCode`). */
  | 'SAMSA_KAFKA'
  /** Metadata (topics, leaders, coordinators) could not be obtained in time. */
  | 'SAMSA_METADATA'
  /** The producer's buffer stayed full for longer than `bufferTimeoutMs`. */
  | 'SAMSA_BUFFER_FULL'
  /** A record could not be delivered within `deliveryTimeoutMs` (retries exhausted). */
  | 'SAMSA_DELIVERY_TIMEOUT'
  /** The client (producer, consumer, admin) was closed. */
  | 'SAMSA_CLOSED'
  /** A programmer error: bad option, bad argument, wrong state. */
  | 'SAMSA_INVALID_ARGUMENT'
  /** A key or value could not be (de)serialized. */
  | 'SAMSA_SERIALIZATION'
  /** The consumer has no committed offset and the reset policy is `none`. */
  | 'SAMSA_OFFSET_OUT_OF_RANGE'
  /** Group membership failed in a way the consumer cannot recover from. */
  | 'SAMSA_GROUP'
  /** The consumer cannot continue (broker unreachable beyond `reconnectTimeoutMs`, ...). */
  | 'SAMSA_FATAL';

export interface SamsaErrorOptions {
  /** Kafka error code from the broker's answer. */
  kafkaCode?: number;
  /** Whether retrying the operation may succeed. */
  retriable?: boolean;
  cause?: unknown;
}

/** The base class of every error the client library raises. */
export class SamsaError extends Error {
  override readonly name = 'SamsaError';
  readonly code: SamsaErrorCode;
  /** Kafka error code when the broker reported the error (0 = none). */
  readonly kafkaCode: number;
  /** Kafka's name for `kafkaCode`, e.g. `NOT_LEADER_OR_FOLLOWER`. */
  readonly kafkaName: string | undefined;
  /** Whether retrying may succeed. */
  readonly retriable: boolean;

  constructor(code: SamsaErrorCode, message: string, options: SamsaErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.kafkaCode = options.kafkaCode ?? 0;
    this.kafkaName = options.kafkaCode ? errorName(options.kafkaCode) : undefined;
    this.retriable =
      options.retriable ?? (options.kafkaCode ? (errorInfo(options.kafkaCode)?.retriable ?? false) : false);
  }
}

/** An error answered by a broker: `code` is `SAMSA_KAFKA`, `kafkaCode` the Kafka code. */
export function kafkaError(kafkaCode: number, where: string, brokerMessage?: string | null): SamsaError {
  const info = errorInfo(kafkaCode);
  const text = brokerMessage ?? info?.message ?? 'unknown error';
  return new SamsaError('SAMSA_KAFKA', `${where}: ${errorName(kafkaCode)} (${kafkaCode}): ${text}`, {
    kafkaCode,
  });
}

/** Whether an error is worth retrying (a retriable Kafka code, a lost connection, a timeout). */
export function isRetriableError(err: unknown): boolean {
  if (!(err instanceof SamsaError)) return false;
  if (err.retriable) return true;
  return (
    err.code === 'SAMSA_CONNECTION_CLOSED' ||
    err.code === 'SAMSA_CONNECTION_FAILED' ||
    err.code === 'SAMSA_REQUEST_TIMEOUT'
  );
}
