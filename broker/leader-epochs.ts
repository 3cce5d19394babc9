/**
 * Leader epochs as a single broker sees them. Until the cluster layer hands out leadership,
 * this broker leads every partition at epoch {@link SINGLE_NODE_LEADER_EPOCH}; every handler
 * that stamps or checks an epoch takes it from here.
 */
import { ErrorCode as E } from '../protocol/error-codes.js';

export const SINGLE_NODE_LEADER_EPOCH = 0;

/**
 * The error for a request that names `requested` as the current leader epoch (-1: not given)
 * when the partition's is `current`: FENCED_LEADER_EPOCH when the requester is behind,
 * UNKNOWN_LEADER_EPOCH when it is ahead of this broker, 0 when they agree.
 */
export function leaderEpochError(requested: number, current: number): number {
  if (requested < 0 || requested === current) return 0;
  return requested > current ? E.UNKNOWN_LEADER_EPOCH : E.FENCED_LEADER_EPOCH;
}
