/** Exit codes scripts can rely on. */
export const exitCodes = {
  ok: 0,
  usage: 1,
  notFound: 2,
  unreachable: 3,
  failure: 4,
} as const;
