/**
 * Failures of the command line: every one becomes a `CliError` with a message meant for a person
 * and an exit code meant for a script (see exit-codes.ts).
 */
import type { SamsaError } from '../index.js';
import { type ExitCode, exitCodes } from './exit-codes.js';

/**
 * Whether `err` is the client library's error. Checked by name rather than `instanceof` so that
 * this module (and with it `--help` and flag errors) does not load the client library.
 */
export function isSamsaError(err: unknown): err is SamsaError {
  return (
    err instanceof Error && err.name === 'SamsaError' && typeof (err as { code?: unknown }).code === 'string'
  );
}

export class CliError extends Error {
  override readonly name = 'CliError';
  readonly exitCode: ExitCode;

  constructor(message: string, exitCode: ExitCode = exitCodes.failure) {
    super(message);
    this.exitCode = exitCode;
  }
}

/** A bad flag value or flag combination found after commander parsed the line. */
export function usageError(message: string): CliError {
  return new CliError(message, exitCodes.usage);
}

export function topicNotFound(topic: string): CliError {
  return new CliError(
    `topic "${topic}" does not exist; create it with: samsa topic create ${quoteArg(topic)}`,
    exitCodes.notFound,
  );
}

export function groupNotFound(group: string): CliError {
  return new CliError(
    `consumer group "${group}" does not exist; list groups with: samsa group list`,
    exitCodes.notFound,
  );
}

/** The Kafka error name of a broker's answer, if the error is one. */
export function kafkaName(err: unknown): string | undefined {
  return isSamsaError(err) ? err.kafkaName : undefined;
}

const connectionCodes = new Set([
  'SAMSA_CONNECTION_FAILED',
  'SAMSA_CONNECTION_CLOSED',
  'SAMSA_REQUEST_TIMEOUT',
]);

/** Turn anything thrown by a command into a CliError. */
export function toCliError(err: unknown): CliError {
  if (err instanceof CliError) return err;
  if (isSamsaError(err)) {
    if (connectionCodes.has(err.code) || (err.code === 'SAMSA_FATAL' && causedByConnection(err)))
      return new CliError(`lost the broker: ${err.message}`, exitCodes.unreachable);
    if (err.code === 'SAMSA_INVALID_ARGUMENT') return new CliError(err.message, exitCodes.usage);
    if (err.kafkaName === 'UNKNOWN_TOPIC_OR_PARTITION' || err.kafkaName === 'GROUP_ID_NOT_FOUND')
      return new CliError(err.message, exitCodes.notFound);
    return new CliError(err.message, exitCodes.failure);
  }
  return new CliError(err instanceof Error ? err.message : String(err), exitCodes.failure);
}

/** Whether a connection failure is somewhere in the error's cause chain. */
function causedByConnection(err: Error): boolean {
  let e: unknown = err.cause;
  for (let depth = 0; depth < 8 && e; depth++) {
    if (isSamsaError(e) && connectionCodes.has(e.code)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/** Why a TCP connection failed, in a few words ("connection refused", "host not found", ...). */
export function connectReason(err: unknown): string {
  let e: unknown = err;
  for (let depth = 0; depth < 4 && e; depth++) {
    const code = (e as { code?: unknown }).code;
    switch (code) {
      case 'ECONNREFUSED':
        return 'connection refused';
      case 'ENOTFOUND':
      case 'EAI_AGAIN':
        return 'host not found';
      case 'ETIMEDOUT':
        return 'connection timed out';
      case 'EHOSTUNREACH':
      case 'ENETUNREACH':
        return 'host unreachable';
      case 'ECONNRESET':
        return 'connection reset';
    }
    e = (e as { cause?: unknown }).cause;
  }
  const message = err instanceof Error ? err.message : String(err);
  if (/timed out/.test(message)) return 'timed out';
  return message;
}

/** An argument shown in a suggested command, quoted when the shell needs it. */
export function quoteArg(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replaceAll("'", "'\\''")}'`;
}
