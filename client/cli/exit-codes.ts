/** Exit codes scripts can rely on. */
export const exitCodes = {
  ok: 0,
  /** Bad flags or arguments. */
  usage: 1,
  /** The topic, group or partition does not exist. */
  notFound: 2,
  /** No broker could be reached (or the connection was lost). */
  unreachable: 3,
  /** Anything else the broker or the command refused. */
  failure: 4,
} as const;

export type ExitCode = (typeof exitCodes)[keyof typeof exitCodes];
