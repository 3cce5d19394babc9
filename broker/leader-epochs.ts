/** Checking the leader epoch a request names against a partition's current one. */
import { ErrorCode as E } from '../protocol/error-codes.js';

/**
 * The error for a request that names `requested` as the current leader epoch (-1: not given)
 * when the partition's is `current`: FENCED_LEADER_EPOCH when the requester is behind,
 * UNKNOWN_LEADER_EPOCH when it is ahead of this broker, 0 when they agree.
 */
export function leaderEpochError(requested: number, current: number): number {
  if (requested < 0 || requested === current) return 0;
  return requested > current ? E.UNKNOWN_LEADER_EPOCH : E.FENCED_LEADER_EPOCH;
}
