/**
 * Typed Raft errors with stable codes. Callers branch on `code`; messages say what went wrong
 * and what to do.
 */
import type { NodeId } from './raft-types.js';

export type RaftErrorCode =
  | 'NOT_LEADER' // proposal or read on a node that is not the leader (see leaderId)
  | 'PROPOSAL_TOO_LARGE' // one proposal over ENTRY_DATA_BYTES_MAX
  | 'PROPOSAL_BACKLOG_FULL' // too many uncommitted bytes at the leader; retry later
  | 'PROPOSAL_DROPPED' // the index was taken by another leader's entry: the proposal is lost
  | 'TIMEOUT' // not committed and applied (or read confirmed) in time; outcome unknown
  | 'OUTCOME_UNKNOWN' // a snapshot replaced the log where the proposal was: it may or may not be in it
  | 'SNAPSHOT_TOO_LARGE' // the state machine's snapshot is over SNAPSHOT_DATA_BYTES_MAX
  | 'STOPPED' // the server stopped before the outcome was known
  | 'CORRUPT_RAFT_STATE' // a file in the Raft directory cannot be understood
  | 'BAD_MESSAGE'; // a message from the wire is malformed

export class RaftError extends Error {
  readonly code: RaftErrorCode;
  constructor(code: RaftErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RaftError';
    this.code = code;
  }
}

/** This node is not the leader. `leaderId` is the leader it knows of (0 when none). */
export class NotLeaderError extends RaftError {
  readonly leaderId: NodeId;
  constructor(nodeId: NodeId, leaderId: NodeId) {
    super(
      'NOT_LEADER',
      leaderId
        ? `node ${nodeId} is not the Raft leader; send the request to node ${leaderId}`
        : `node ${nodeId} is not the Raft leader and knows no leader yet; retry after an election`,
    );
    this.name = 'NotLeaderError';
    this.leaderId = leaderId;
  }
}
