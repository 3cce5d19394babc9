/**
 * The data Raft works with: log entries, the persistent hard state, snapshots, and the
 * messages voters exchange. Plain objects (msgpack-friendly), shared by the node, storage,
 * transport and server. Node ids are positive integers; 0 means "none".
 */

/** A voter's id (a positive integer, the broker's node id). */
export type NodeId = number;

/** No node: no vote cast, no leader known. */
export const NO_NODE: NodeId = 0;

/**
 * `data`: a proposal from the state machine. `noop`: the entry a new leader appends at the start
 * of its term so it can commit (Raft commits only entries of the current term by counting).
 */
export type EntryType = 'data' | 'noop';

/** One log entry. Indexes start at 1 and are contiguous; `term` is the leader's term. */
export interface Entry {
  index: number;
  term: number;
  type: EntryType;
  data: Uint8Array;
}

/** What must be durable before any message that depends on it is sent. */
export interface HardState {
  /** The latest term this node has seen. */
  term: number;
  /** The candidate this node voted for in `term`, or NO_NODE. */
  vote: NodeId;
  /** The highest index known committed (advisory: a restarted node may re-learn it). */
  commit: number;
}

/** A snapshot of the state machine at `index` (inclusive), whose entry had `term`. */
export interface Snapshot {
  index: number;
  term: number;
  data: Uint8Array;
}

/** A linearizable-read confirmation: reads issued as `id` may run once `index` is applied. */
export interface ReadState {
  id: number;
  index: number;
}

export type Role = 'follower' | 'preCandidate' | 'candidate' | 'leader';

interface MessageBase {
  from: NodeId;
  to: NodeId;
  /** The sender's term (for pre-votes: the term the sender would campaign in). */
  term: number;
}

/** A (pre-)vote request. `lastIndex`/`lastTerm` describe the candidate's log. */
export interface VoteRequest extends MessageBase {
  type: 'preVote' | 'vote';
  lastIndex: number;
  lastTerm: number;
}

export interface VoteResponse extends MessageBase {
  type: 'preVoteResp' | 'voteResp';
  reject: boolean;
}

/** AppendEntries: `entries` follow (prevIndex, prevTerm); `commit` is the leader's commit index. */
export interface AppendRequest extends MessageBase {
  type: 'append';
  prevIndex: number;
  prevTerm: number;
  entries: Entry[];
  commit: number;
}

/**
 * The answer to an append or snapshot. On success `index` is the highest index the follower
 * now matches. On rejection `index` is the rejected prevIndex and (`hintIndex`, `hintTerm`)
 * says where the leader should look next: the follower's last index at or below prevIndex
 * whose term is at most the rejected prevTerm (fast backtracking, one round trip per term).
 */
export interface AppendResponse extends MessageBase {
  type: 'appendResp';
  reject: boolean;
  index: number;
  hintIndex: number;
  hintTerm: number;
}

/** The leader's heartbeat; `commit` never exceeds what the follower is known to hold. `ctx` is a read-index round. */
export interface Heartbeat extends MessageBase {
  type: 'heartbeat';
  commit: number;
  ctx: number;
}

export interface HeartbeatResponse extends MessageBase {
  type: 'heartbeatResp';
  ctx: number;
}

/** InstallSnapshot (the whole snapshot in one message). */
export interface SnapshotRequest extends MessageBase {
  type: 'snapshot';
  snapshot: Snapshot;
}

export type Message =
  | VoteRequest
  | VoteResponse
  | AppendRequest
  | AppendResponse
  | Heartbeat
  | HeartbeatResponse
  | SnapshotRequest;

export type MessageType = Message['type'];

/**
 * A message of the layer above Raft (the cluster's controller traffic: forwarded proposals,
 * broker heartbeats), carried over the same links between voters but never seen by the Raft
 * node. `term` is unused (0).
 */
export interface AppMessage extends MessageBase {
  type: 'app';
  payload: Uint8Array;
}

/**
 * An observer (a non-voter) announcing itself to a voter with the address its controller
 * listener is reached at: the voter dials it back and, when leading, replicates to it. Sent
 * every few ticks; an observer not heard from for a while is dropped. `term` is unused (0).
 */
export interface ObserveMessage extends MessageBase {
  type: 'observe';
  host: string;
  port: number;
}

/** Everything the transport carries. */
export type WireMessage = Message | AppMessage | ObserveMessage;

/** Bound on the host name in an observe message. */
export const OBSERVE_HOST_BYTES_MAX = 255;

/** Bound on an app message's payload. */
export const APP_PAYLOAD_BYTES_MAX = 1024 * 1024;

/** Every message type, for validation of what arrives from the wire. */
export const MESSAGE_TYPES: readonly MessageType[] = [
  'preVote',
  'vote',
  'preVoteResp',
  'voteResp',
  'append',
  'appendResp',
  'heartbeat',
  'heartbeatResp',
  'snapshot',
];

/** Bytes an entry counts for in size bounds (its data plus a fixed overhead for the header). */
export function entryBytes(e: Entry): number {
  return e.data.length + ENTRY_OVERHEAD_BYTES;
}

/** A conservative estimate of an entry's framing overhead (index, term, type). */
export const ENTRY_OVERHEAD_BYTES = 32;

/** Bound on a snapshot's data (it travels in one message and is stored in one file). */
export const SNAPSHOT_DATA_BYTES_MAX = 64 * 1024 * 1024;
