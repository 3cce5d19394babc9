/**
 * The Raft consensus core as a pure state machine (after etcd/raft): no timers, no I/O, no
 * randomness of its own. The driver (RaftServer, or the simulation in tests) feeds it logical
 * time (`tick`), messages (`step`), proposals (`propose`) and read requests (`readIndex`), and
 * takes its output in `Ready` batches:
 *
 *   1. persist `snapshot` (if any), then `entries` (the first may overwrite a conflicting
 *      suffix: truncate the stored log from its index first), then `hardState` — durably;
 *   2. only then send `messages`;
 *   3. restore the state machine from `snapshot` (if any), apply `committedEntries` in order,
 *      and answer `readStates` once their index is applied; fail `droppedReads`;
 *   4. call `advance()`.
 *
 * The node may be stepped and ticked while a Ready is being persisted; it hands out the next
 * Ready only after `advance()`.
 *
 * Protocol features: terms and persistent votes; randomized election timeouts; pre-vote (a node
 * that cannot win does not bump terms); leader stickiness (a node that heard from a leader
 * within the election timeout ignores (pre-)vote requests); log matching with conflict hints
 * for fast backtracking; commit by counting only for entries of the current term (a new leader
 * appends a no-op); heartbeats; check-quorum (a leader that does not hear from a quorum within
 * an election timeout steps down); snapshots and InstallSnapshot; read-index for linearizable
 * reads. Static voter set; a single voter is a quorum of one on the same code path.
 *
 * Observers (learners): a node whose id is not among the voters follows the log like a
 * follower but never campaigns or votes. A leader replicates to the observers it was told of
 * (`addObserver`, from their announcements) and leaves them out of commit, check-quorum and
 * read-index counting, so they can neither help nor block progress.
 *
 * Single-threaded; not re-entrant.
 */
import { NotLeaderError, RaftError } from './raft-errors.js';
import { Progress } from './raft-progress.js';
import {
  type AppendRequest,
  type AppendResponse,
  type Entry,
  entryBytes,
  type HardState,
  type Heartbeat,
  type HeartbeatResponse,
  type Message,
  NO_NODE,
  type NodeId,
  type ReadState,
  type Role,
  type Snapshot,
  type SnapshotRequest,
  type VoteRequest,
  type VoteResponse,
} from './raft-types.js';

/** Bound on the entry bytes in one append message (at least one entry is always sent). */
export const APPEND_BYTES_MAX = 1024 * 1024;
/** Bound on one proposal's data. */
export const ENTRY_DATA_BYTES_MAX = 1024 * 1024;
/** Bound on proposed-but-uncommitted bytes at the leader; further proposals are refused. */
export const UNCOMMITTED_BYTES_MAX = 64 * 1024 * 1024;
/** Bound on committed entry bytes handed out in one Ready (at least one entry is always handed out). */
export const APPLY_BYTES_MAX = 4 * 1024 * 1024;
/** Bound on linearizable reads waiting for confirmation at the leader. */
export const PENDING_READS_MAX = 10_000;
/** Election timeout, in ticks, when not configured (randomized in [n, 2n)). */
export const ELECTION_TICKS_DEFAULT = 10;
/** Heartbeat interval, in ticks, when not configured. */
export const HEARTBEAT_TICKS_DEFAULT = 1;

/** The durable state a node starts from (what storage loaded). */
export interface RaftInitialState {
  hardState: HardState;
  /** The latest snapshot, if any; the log continues at snapshot.index + 1. */
  snapshot?: Snapshot | undefined;
  /** The log after the snapshot, contiguous. */
  entries: Entry[];
}

export interface RaftNodeConfig {
  id: NodeId;
  /** Every voter's id (this node's too, unless it is an observer). Static. */
  voters: readonly NodeId[];
  /** Source of randomness in [0, 1) for election timeouts (seeded in the simulation). */
  random: () => number;
  /** Election timeout in ticks (randomized in [electionTicks, 2 * electionTicks)). */
  electionTicks?: number;
  /** Heartbeat interval in ticks; must be less than electionTicks. */
  heartbeatTicks?: number;
  /** The index the state machine has applied already (default: the snapshot's index). */
  applied?: number;
  /** Bound on entry bytes per append message (default APPEND_BYTES_MAX). */
  appendBytesMax?: number;
  /** Ticks a follower in snapshot state waits for the snapshot's acknowledgement before probing again. */
  snapshotWaitTicks?: number;
}

/** Leadership as seen by this node; in a Ready when it changed. */
export interface SoftState {
  leaderId: NodeId;
  role: Role;
  term: number;
}

/** One batch of work for the driver (see the file comment for the order). */
export interface Ready {
  softState?: SoftState;
  hardState?: HardState;
  snapshot?: Snapshot;
  entries: Entry[];
  messages: Message[];
  committedEntries: Entry[];
  readStates: ReadState[];
  /** Read requests that can no longer be confirmed here (leadership lost): fail them with NOT_LEADER. */
  droppedReads: number[];
}

interface PendingRead {
  id: number;
  index: number;
  seq: number;
  acks: Set<NodeId>;
}

export class RaftNode {
  readonly id: NodeId;
  readonly voters: readonly NodeId[];
  /** False for an observer: it follows the log, never campaigns, never votes. */
  readonly isVoter: boolean;
  /** The other voters. */
  private readonly peers: NodeId[];
  /** Observers this node replicates to when it leads (told by the driver). */
  private readonly observers = new Set<NodeId>();
  private readonly quorum: number;
  private readonly random: () => number;
  readonly electionTicks: number;
  readonly heartbeatTicks: number;
  private readonly snapshotWaitTicks: number;
  private readonly appendBytesMax: number;

  private _term = 0;
  private _vote: NodeId = NO_NODE;
  private _lead: NodeId = NO_NODE;
  private _role: Role = 'follower';

  // The log: entries[i] has index snapIndex + 1 + i.
  private snapIndex = 0;
  private snapTerm = 0;
  private entries: Entry[] = [];
  private latestSnapshot: Snapshot | undefined;
  private _commit = 0;
  /** Highest committed index handed out for applying. */
  private appliedOut = 0;
  /** First index not yet handed to storage. */
  private unstableFrom: number;
  private snapshotToInstall: Snapshot | undefined;

  private msgs: Message[] = [];
  private readStates: ReadState[] = [];
  private droppedReads: number[] = [];
  private prevHard: HardState;
  private prevSoft: SoftState;
  private awaitingAdvance = false;

  private electionElapsed = 0;
  private heartbeatElapsed = 0;
  private randomizedElectionTimeout = 0;
  private readonly votes = new Map<NodeId, boolean>();

  // Leader state.
  private readonly progress = new Map<NodeId, Progress>();
  private broadcastPending = false;
  private uncommittedBytes = 0;
  private leaderStartIndex = 0;
  private readSeq = 0;
  private nextReadId = 0;
  private pendingReads: PendingRead[] = [];
  private readsAwaitingTermCommit: number[] = [];

  constructor(config: RaftNodeConfig, initial: RaftInitialState) {
    const voters = [...new Set(config.voters)].sort((a, b) => a - b);
    if (!Number.isInteger(config.id) || config.id <= 0)
      throw new Error(`node id ${config.id} must be a positive integer`);
    if (voters.some((v) => !Number.isInteger(v) || v <= 0))
      throw new Error(`voter ids must be positive integers: ${voters}`);
    if (voters.length === 0) throw new Error('a Raft group needs at least one voter');
    this.id = config.id;
    this.voters = voters;
    this.isVoter = voters.includes(config.id);
    this.peers = voters.filter((v) => v !== config.id);
    this.quorum = Math.floor(voters.length / 2) + 1;
    this.random = config.random;
    this.electionTicks = config.electionTicks ?? ELECTION_TICKS_DEFAULT;
    this.heartbeatTicks = config.heartbeatTicks ?? HEARTBEAT_TICKS_DEFAULT;
    this.snapshotWaitTicks = config.snapshotWaitTicks ?? 2 * this.electionTicks;
    this.appendBytesMax = config.appendBytesMax ?? APPEND_BYTES_MAX;
    if (!(this.heartbeatTicks >= 1 && this.heartbeatTicks < this.electionTicks)) {
      throw new Error(
        `heartbeatTicks (${this.heartbeatTicks}) must be at least 1 and below electionTicks (${this.electionTicks})`,
      );
    }

    const { hardState, snapshot, entries } = initial;
    if (snapshot) {
      this.snapIndex = snapshot.index;
      this.snapTerm = snapshot.term;
      this.latestSnapshot = snapshot;
    }
    let expect = this.snapIndex + 1;
    for (const e of entries) {
      if (e.index !== expect)
        throw new Error(`stored log is not contiguous: expected index ${expect}, found ${e.index}`);
      expect++;
    }
    this.entries = entries.slice();
    this._term = hardState.term;
    this._vote = hardState.vote;
    this._commit = Math.min(Math.max(hardState.commit, this.snapIndex), this.lastIndex());
    this.appliedOut = Math.min(Math.max(config.applied ?? this.snapIndex, this.snapIndex), this._commit);
    this.unstableFrom = this.lastIndex() + 1;
    this.prevHard = { term: this._term, vote: this._vote, commit: this._commit };
    this.prevSoft = { leaderId: NO_NODE, role: 'follower', term: this._term };
    this.resetElectionTimeout();
  }

  // ---- Read-only views ----

  get term(): number {
    return this._term;
  }
  get vote(): NodeId {
    return this._vote;
  }
  get leaderId(): NodeId {
    return this._lead;
  }
  get role(): Role {
    return this._role;
  }
  get commitIndex(): number {
    return this._commit;
  }
  /** The index of the latest snapshot (0 when none); the log starts after it. */
  get snapshotIndex(): number {
    return this.snapIndex;
  }
  isLeader(): boolean {
    return this._role === 'leader';
  }
  lastIndex(): number {
    return this.snapIndex + this.entries.length;
  }
  lastTerm(): number {
    return this.termAt(this.lastIndex())!;
  }
  /** The term of the entry at `index`, or undefined when it was compacted or does not exist. */
  termAt(index: number): number | undefined {
    if (index === this.snapIndex) return this.snapTerm;
    if (index < this.snapIndex || index > this.lastIndex()) return undefined;
    return this.entries[index - this.snapIndex - 1]!.term;
  }
  /** The entry at `index` if it is in the (uncompacted) log. */
  entryAt(index: number): Entry | undefined {
    if (index <= this.snapIndex || index > this.lastIndex()) return undefined;
    return this.entries[index - this.snapIndex - 1];
  }
  /**
   * An observer announced itself: replicate to it when leading (from now, or from the next
   * election). Voters and this node are ignored. True when it was not known before.
   */
  addObserver(id: NodeId): boolean {
    if (
      !Number.isInteger(id) ||
      id <= 0 ||
      id === this.id ||
      this.voters.includes(id) ||
      this.observers.has(id)
    )
      return false;
    this.observers.add(id);
    if (this._role === 'leader') {
      this.progress.set(id, new Progress(this.lastIndex() + 1));
      this.sendAppend(id);
    }
    return true;
  }

  /** Stop replicating to an observer (it went silent). */
  removeObserver(id: NodeId): void {
    if (!this.observers.delete(id)) return;
    this.progress.delete(id);
  }

  /** The observers this node knows of. */
  get observerIds(): NodeId[] {
    return [...this.observers];
  }

  /** A follower's replication state as the leader sees it (tests, metrics). */
  progressOf(id: NodeId): { match: number; next: number; state: string; inflight: number } | undefined {
    const p = this.progress.get(id);
    return p && { match: p.match, next: p.next, state: p.state, inflight: p.inflightCount() };
  }

  // ---- Inputs ----

  /** Advance logical time by one tick. */
  tick(): void {
    if (this._role === 'leader') this.tickLeader();
    else if (this.isVoter) this.tickElection();
    else this.electionElapsed++; // an observer never campaigns
  }

  /**
   * Propose `data` for the log. Leader only: otherwise throws NotLeaderError carrying the known
   * leader. Returns where the entry went; it is committed when it comes back in
   * `committedEntries` with this index *and* term (another term at that index means it was lost).
   */
  propose(data: Uint8Array): { index: number; term: number } {
    if (this._role !== 'leader') throw new NotLeaderError(this.id, this._lead);
    if (data.length > ENTRY_DATA_BYTES_MAX) {
      throw new RaftError(
        'PROPOSAL_TOO_LARGE',
        `proposal of ${data.length} bytes is over the ${ENTRY_DATA_BYTES_MAX}-byte limit; split it`,
      );
    }
    const entry: Entry = { index: this.lastIndex() + 1, term: this._term, type: 'data', data };
    const bytes = entryBytes(entry);
    if (this.uncommittedBytes + bytes > UNCOMMITTED_BYTES_MAX) {
      throw new RaftError(
        'PROPOSAL_BACKLOG_FULL',
        `the leader holds ${this.uncommittedBytes} uncommitted bytes (limit ${UNCOMMITTED_BYTES_MAX}); retry when earlier proposals commit`,
      );
    }
    this.appendAsLeader(entry);
    return { index: entry.index, term: entry.term };
  }

  /**
   * Start a linearizable read. Leader only (NotLeaderError otherwise). Returns a request id; a
   * ReadState with this id appears in a later Ready once the leader has confirmed, with a
   * heartbeat round in its current term, that it was still the leader when the read arrived.
   * The read may then be served once the state machine has applied ReadState.index. If
   * leadership is lost first, the id appears in `droppedReads`.
   */
  readIndex(): number {
    if (this._role !== 'leader') throw new NotLeaderError(this.id, this._lead);
    if (this.pendingReads.length + this.readsAwaitingTermCommit.length >= PENDING_READS_MAX) {
      throw new RaftError(
        'PROPOSAL_BACKLOG_FULL',
        `${PENDING_READS_MAX} reads are already waiting; retry shortly`,
      );
    }
    const id = ++this.nextReadId;
    if (this.termAt(this._commit) !== this._term) {
      // Until an entry of this term commits, the commit index may lag what earlier leaders committed.
      this.readsAwaitingTermCommit.push(id);
    } else {
      this.startRead(id);
    }
    return id;
  }

  /**
   * Handle a message from a peer. Ignored: messages not addressed to this node, from nodes that
   * are neither voters nor known observers, and (pre-)votes on an observer.
   */
  step(m: Message): void {
    if (m.to !== this.id || m.from === this.id) return;
    const fromVoter = this.voters.includes(m.from);
    if (!fromVoter && !this.observers.has(m.from)) return;
    // Observers only answer a leader's replication; anything else from them is ignored.
    if (!fromVoter && m.type !== 'appendResp' && m.type !== 'heartbeatResp') return;
    if (!this.isVoter && (m.type === 'preVote' || m.type === 'vote')) return;
    if (m.term > this._term) {
      if (m.type === 'preVote' || m.type === 'vote') {
        // Leader stickiness: a node that heard from a live leader within the election timeout
        // does not help anyone disrupt it.
        const inLease = this._lead !== NO_NODE && this.electionElapsed < this.electionTicks;
        if (inLease) return;
      }
      if (m.type === 'preVote') {
        // A pre-vote never changes our term.
      } else if (m.type === 'preVoteResp' && !m.reject) {
        // A granted pre-vote carries the term we would campaign in; we bump it when we win.
      } else if (m.type === 'append' || m.type === 'heartbeat' || m.type === 'snapshot') {
        this.becomeFollower(m.term, m.from);
      } else {
        this.becomeFollower(m.term, NO_NODE);
      }
    } else if (m.term < this._term) {
      if (m.type === 'append' || m.type === 'heartbeat') {
        // A stale leader: tell it our term so it steps down (with pre-vote and check-quorum it
        // would otherwise never learn of it).
        this.send({
          type: 'appendResp',
          from: this.id,
          to: m.from,
          term: this._term,
          reject: true,
          index: 0,
          hintIndex: 0,
          hintTerm: 0,
        });
      } else if (m.type === 'preVote') {
        this.send({ type: 'preVoteResp', from: this.id, to: m.from, term: this._term, reject: true });
      }
      return;
    }

    if (m.type === 'preVote' || m.type === 'vote') {
      this.handleVoteRequest(m);
      return;
    }
    switch (this._role) {
      case 'leader':
        if (m.type === 'appendResp') this.handleAppendResponse(m);
        else if (m.type === 'heartbeatResp') this.handleHeartbeatResponse(m);
        return;
      case 'preCandidate':
      case 'candidate':
        if (m.type === 'append' || m.type === 'heartbeat' || m.type === 'snapshot') {
          this.becomeFollower(this._term, m.from);
          this.stepFollower(m);
        } else if (
          (m.type === 'preVoteResp' && this._role === 'preCandidate') ||
          (m.type === 'voteResp' && this._role === 'candidate')
        ) {
          this.poll(m);
        }
        return;
      case 'follower':
        this.stepFollower(m);
        return;
    }
  }

  // ---- Output ----

  /** Whether a Ready is waiting (and may be taken: the previous one was advanced). */
  hasReady(): boolean {
    if (this.awaitingAdvance) return false;
    return (
      this.broadcastPending ||
      this.msgs.length > 0 ||
      this.unstableFrom <= this.lastIndex() ||
      this.snapshotToInstall !== undefined ||
      this._commit > this.appliedOut ||
      this.readStates.length > 0 ||
      this.droppedReads.length > 0 ||
      !sameHard(this.prevHard, this.hardState()) ||
      !sameSoft(this.prevSoft, this.softState())
    );
  }

  /** Take the next batch of work. Call `advance()` when it is done before taking another. */
  ready(): Ready {
    if (this.awaitingAdvance) throw new Error('ready() called again before advance()');
    if (this.broadcastPending && this._role === 'leader') this.broadcastAppend();
    this.broadcastPending = false;
    const rd: Ready = {
      entries:
        this.unstableFrom <= this.lastIndex() ? this.slice(this.unstableFrom, this.lastIndex() + 1) : [],
      messages: this.msgs,
      committedEntries: [],
      readStates: this.readStates,
      droppedReads: this.droppedReads,
    };
    this.unstableFrom = this.lastIndex() + 1;
    this.msgs = [];
    this.readStates = [];
    this.droppedReads = [];
    if (this.snapshotToInstall) {
      rd.snapshot = this.snapshotToInstall;
      this.snapshotToInstall = undefined;
    }
    const hard = this.hardState();
    if (!sameHard(this.prevHard, hard)) {
      rd.hardState = hard;
      this.prevHard = hard;
    }
    const soft = this.softState();
    if (!sameSoft(this.prevSoft, soft)) {
      rd.softState = soft;
      this.prevSoft = soft;
    }
    if (this._commit > this.appliedOut) {
      let bytes = 0;
      let i = this.appliedOut + 1;
      for (; i <= this._commit; i++) {
        const e = this.entryAt(i)!;
        if (rd.committedEntries.length > 0 && bytes + entryBytes(e) > APPLY_BYTES_MAX) break;
        bytes += entryBytes(e);
        rd.committedEntries.push(e);
      }
      this.appliedOut = i - 1;
    }
    this.awaitingAdvance = true;
    return rd;
  }

  /** The last Ready was persisted, sent and applied. */
  advance(): void {
    this.awaitingAdvance = false;
  }

  /**
   * Compact the log: the state machine's snapshot `data` reflects every entry up to `index`,
   * which must be applied (handed out and advanced) and durable. Returns the Snapshot, which the
   * driver persists (storage.compact) and which this node sends to followers that fall behind.
   */
  compact(index: number, data: Uint8Array): Snapshot {
    if (this.awaitingAdvance) throw new Error('compact() called between ready() and advance()');
    if (index <= this.snapIndex || index > this.appliedOut || index >= this.unstableFrom) {
      throw new Error(
        `cannot compact at ${index}: it must be above the snapshot (${this.snapIndex}), applied (${this.appliedOut}) and stored`,
      );
    }
    const snapshot: Snapshot = { index, term: this.termAt(index)!, data };
    this.entries = this.entries.slice(index - this.snapIndex);
    this.snapIndex = index;
    this.snapTerm = snapshot.term;
    this.latestSnapshot = snapshot;
    return snapshot;
  }

  // ---- Internals: roles ----

  private hardState(): HardState {
    return { term: this._term, vote: this._vote, commit: this._commit };
  }

  private softState(): SoftState {
    return { leaderId: this._lead, role: this._role, term: this._term };
  }

  private resetElectionTimeout(): void {
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    // A quorum of one has nobody to wait for or to split a vote with: it campaigns on the next tick.
    this.randomizedElectionTimeout =
      this.peers.length === 0 ? 1 : this.electionTicks + Math.floor(this.random() * this.electionTicks);
  }

  private reset(term: number): void {
    if (term !== this._term) {
      this._term = term;
      this._vote = NO_NODE;
    }
    this._lead = NO_NODE;
    this.resetElectionTimeout();
    this.votes.clear();
    this.progress.clear();
    this.broadcastPending = false;
    this.uncommittedBytes = 0;
    for (const r of this.pendingReads) this.droppedReads.push(r.id);
    this.droppedReads.push(...this.readsAwaitingTermCommit);
    this.pendingReads = [];
    this.readsAwaitingTermCommit = [];
  }

  private becomeFollower(term: number, lead: NodeId): void {
    this.reset(term);
    this._role = 'follower';
    this._lead = lead;
  }

  private becomeLeader(): void {
    this.reset(this._term);
    this._role = 'leader';
    this._lead = this.id;
    for (const p of [...this.peers, ...this.observers])
      this.progress.set(p, new Progress(this.lastIndex() + 1));
    this.leaderStartIndex = this.lastIndex() + 1;
    this.appendAsLeader({
      index: this.lastIndex() + 1,
      term: this._term,
      type: 'noop',
      data: new Uint8Array(0),
    });
  }

  private campaign(pre: boolean): void {
    let term: number;
    if (pre) {
      // A pre-candidate keeps its term and vote; it asks whether it could win term + 1.
      this.reset(this._term);
      this._role = 'preCandidate';
      term = this._term + 1;
    } else {
      this.reset(this._term + 1);
      this._role = 'candidate';
      this._vote = this.id;
      term = this._term;
    }
    this.votes.set(this.id, true);
    if (this.tally().granted >= this.quorum) {
      if (pre) this.campaign(false);
      else this.becomeLeader();
      return;
    }
    for (const p of this.peers) {
      this.send({
        type: pre ? 'preVote' : 'vote',
        from: this.id,
        to: p,
        term,
        lastIndex: this.lastIndex(),
        lastTerm: this.lastTerm(),
      });
    }
  }

  private tally(): { granted: number; rejected: number } {
    let granted = 0;
    let rejected = 0;
    for (const v of this.votes.values()) {
      if (v) granted++;
      else rejected++;
    }
    return { granted, rejected };
  }

  private poll(m: VoteResponse): void {
    if (!this.votes.has(m.from)) this.votes.set(m.from, !m.reject);
    const { granted, rejected } = this.tally();
    if (granted >= this.quorum) {
      if (this._role === 'preCandidate') this.campaign(false);
      else this.becomeLeader();
    } else if (rejected >= this.quorum) {
      this.becomeFollower(this._term, NO_NODE);
    }
  }

  private handleVoteRequest(m: VoteRequest): void {
    const pre = m.type === 'preVote';
    const canVote =
      this._vote === m.from ||
      (this._vote === NO_NODE && this._lead === NO_NODE) ||
      (pre && m.term > this._term);
    const upToDate =
      m.lastTerm > this.lastTerm() || (m.lastTerm === this.lastTerm() && m.lastIndex >= this.lastIndex());
    const type = pre ? 'preVoteResp' : 'voteResp';
    if (canVote && upToDate) {
      this.send({ type, from: this.id, to: m.from, term: m.term, reject: false });
      if (!pre) {
        this.electionElapsed = 0;
        this._vote = m.from;
      }
    } else {
      this.send({ type, from: this.id, to: m.from, term: this._term, reject: true });
    }
  }

  private tickElection(): void {
    this.electionElapsed++;
    if (this.electionElapsed >= this.randomizedElectionTimeout) {
      this.electionElapsed = 0;
      this.campaign(true);
    }
  }

  private tickLeader(): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    if (this.electionElapsed >= this.electionTicks) {
      this.electionElapsed = 0;
      if (!this.quorumActive()) {
        // Check-quorum: a leader cut off from a majority stops acting as one.
        this.becomeFollower(this._term, NO_NODE);
        return;
      }
    }
    for (const [id, pr] of this.progress) {
      if (pr.state === 'snapshot' && ++pr.snapshotTicks >= this.snapshotWaitTicks) {
        pr.becomeProbe();
        this.sendAppend(id);
      }
    }
    if (this.heartbeatElapsed >= this.heartbeatTicks) {
      this.heartbeatElapsed = 0;
      this.broadcastHeartbeat();
    }
  }

  private quorumActive(): boolean {
    let active = 1;
    for (const [id, pr] of this.progress) {
      if (pr.recentActive && this.countsTowardQuorum(id)) active++;
      pr.recentActive = false;
    }
    return active >= this.quorum;
  }

  // ---- Internals: the log ----

  private slice(lo: number, hi: number, bytesMax = Number.POSITIVE_INFINITY): Entry[] {
    const out: Entry[] = [];
    let bytes = 0;
    for (let i = lo; i < hi; i++) {
      const e = this.entries[i - this.snapIndex - 1]!;
      bytes += entryBytes(e);
      if (out.length > 0 && bytes > bytesMax) break;
      out.push(e);
    }
    return out;
  }

  private matchTerm(index: number, term: number): boolean {
    return this.termAt(index) === term;
  }

  /**
   * The largest index at or below `index` whose term is at most `term` (the first candidate for a
   * match when an append with prevTerm `term` failed); the snapshot index if none is left.
   */
  private findConflictByTerm(index: number, term: number): number {
    let i = Math.min(index, this.lastIndex());
    while (i > this.snapIndex && this.termAt(i)! > term) i--;
    return Math.max(i, this.snapIndex);
  }

  private truncateAndAppend(from: Entry[]): void {
    const first = from[0]!.index;
    if (first <= this._commit) {
      throw new Error(
        `node ${this.id}: refusing to overwrite committed entry ${first} (commit ${this._commit})`,
      );
    }
    this.entries.length = first - this.snapIndex - 1;
    for (const e of from) this.entries.push(e);
    if (first < this.unstableFrom) this.unstableFrom = first;
  }

  private commitTo(index: number): void {
    if (index > this._commit) this._commit = index;
  }

  /**
   * Does this peer's progress count toward a quorum (commit, check-quorum, read-index)? Voters
   * do, observers do not. Overridden only by a broken variant in the tests.
   */
  protected countsTowardQuorum(id: NodeId): boolean {
    return !this.observers.has(id);
  }

  /** Overridden only by a deliberately broken variant in the tests, to prove the simulation catches it. */
  protected mayCommitByCounting(index: number): boolean {
    return this.termAt(index) === this._term;
  }

  private appendAsLeader(entry: Entry): void {
    this.entries.push(entry);
    this.uncommittedBytes += entryBytes(entry);
    this.broadcastPending = true;
    this.maybeCommit(); // a quorum of one commits at once
  }

  private maybeCommit(): boolean {
    const matches = [this.lastIndex()];
    for (const [id, pr] of this.progress) if (this.countsTowardQuorum(id)) matches.push(pr.match);
    matches.sort((a, b) => b - a);
    const index = matches[this.quorum - 1]!;
    if (index <= this._commit || !this.mayCommitByCounting(index)) return false;
    const from = Math.max(this._commit + 1, this.leaderStartIndex);
    for (let i = from; i <= index; i++) this.uncommittedBytes -= entryBytes(this.entryAt(i)!);
    if (this.uncommittedBytes < 0) this.uncommittedBytes = 0;
    this.commitTo(index);
    if (this.readsAwaitingTermCommit.length > 0 && this.termAt(this._commit) === this._term) {
      const waiting = this.readsAwaitingTermCommit;
      this.readsAwaitingTermCommit = [];
      for (const id of waiting) this.startRead(id);
    }
    return true;
  }

  // ---- Internals: leader replication ----

  private send(m: Message): void {
    this.msgs.push(m);
  }

  private broadcastAppend(): void {
    for (const p of this.progress.keys()) this.sendAppend(p);
  }

  private broadcastHeartbeat(): void {
    const ctx = this.pendingReads.length > 0 ? this.readSeq : 0;
    for (const [p, pr] of this.progress) {
      const hb: Heartbeat = {
        type: 'heartbeat',
        from: this.id,
        to: p,
        term: this._term,
        commit: Math.min(pr.match, this._commit),
        ctx,
      };
      this.send(hb);
    }
  }

  /** Send `to` what it needs next, if anything and if not paused; true when a message went. */
  private sendAppend(to: NodeId, sendIfEmpty = true): boolean {
    const pr = this.progress.get(to)!;
    if (pr.isPaused()) return false;
    const prevIndex = pr.next - 1;
    const prevTerm = this.termAt(prevIndex);
    if (prevTerm === undefined) {
      if (prevIndex > this.lastIndex()) {
        // A follower ahead of a log it cannot be ahead of: probe from our end.
        pr.next = this.lastIndex() + 1;
        return this.sendAppend(to, sendIfEmpty);
      }
      return this.sendSnapshot(to, pr);
    }
    const entries = this.slice(pr.next, this.lastIndex() + 1, this.appendBytesMax);
    if (entries.length === 0 && !sendIfEmpty) return false;
    const m: AppendRequest = {
      type: 'append',
      from: this.id,
      to,
      term: this._term,
      prevIndex,
      prevTerm,
      entries,
      commit: this._commit,
    };
    this.send(m);
    pr.sentAppend(prevIndex + entries.length, entries.length);
    return true;
  }

  private sendSnapshot(to: NodeId, pr: Progress): boolean {
    const snapshot = this.latestSnapshot;
    if (!snapshot)
      throw new Error(`node ${this.id}: log compacted at ${this.snapIndex} but no snapshot is held`);
    const m: SnapshotRequest = { type: 'snapshot', from: this.id, to, term: this._term, snapshot };
    this.send(m);
    pr.becomeSnapshot(snapshot.index);
    return true;
  }

  private handleAppendResponse(m: AppendResponse): void {
    const pr = this.progress.get(m.from);
    if (!pr) return; // an observer dropped meanwhile
    pr.recentActive = true;
    if (m.reject) {
      let matchHint = m.hintIndex;
      if (m.hintTerm > 0) matchHint = this.findConflictByTerm(m.hintIndex, m.hintTerm);
      if (pr.maybeDecrTo(m.index, matchHint)) {
        if (pr.state === 'replicate') pr.becomeProbe();
        this.sendAppend(m.from);
      }
      return;
    }
    if (!pr.maybeUpdate(m.index)) return;
    if (pr.state === 'probe') {
      pr.becomeReplicate();
    } else if (pr.state === 'snapshot' && pr.match >= this.snapIndex) {
      pr.becomeProbe();
      pr.becomeReplicate();
    }
    if (this.maybeCommit()) {
      this.broadcastAppend();
    } else {
      while (this.sendAppend(m.from, false)) {}
    }
  }

  private handleHeartbeatResponse(m: HeartbeatResponse): void {
    const pr = this.progress.get(m.from);
    if (!pr) return;
    pr.recentActive = true;
    pr.probeSent = false;
    pr.freeOneInflight();
    if (pr.match < this.lastIndex()) this.sendAppend(m.from);
    if (m.ctx > 0 && this.countsTowardQuorum(m.from)) this.ackRead(m.from, m.ctx);
  }

  private startRead(id: number): void {
    if (this.peers.length === 0) {
      this.readStates.push({ id, index: this._commit });
      return;
    }
    const seq = ++this.readSeq;
    this.pendingReads.push({ id, index: this._commit, seq, acks: new Set([this.id]) });
    this.broadcastHeartbeat();
  }

  private ackRead(from: NodeId, ctx: number): void {
    for (const r of this.pendingReads) {
      if (r.seq > ctx) break;
      r.acks.add(from);
    }
    let n = 0;
    while (n < this.pendingReads.length && this.pendingReads[n]!.acks.size >= this.quorum) {
      const r = this.pendingReads[n]!;
      this.readStates.push({ id: r.id, index: r.index });
      n++;
    }
    if (n > 0) this.pendingReads.splice(0, n);
  }

  // ---- Internals: follower ----

  private stepFollower(m: Message): void {
    switch (m.type) {
      case 'append':
        this.electionElapsed = 0;
        this._lead = m.from;
        this.handleAppend(m);
        return;
      case 'heartbeat':
        this.electionElapsed = 0;
        this._lead = m.from;
        this.commitTo(Math.min(m.commit, this.lastIndex()));
        this.send({ type: 'heartbeatResp', from: this.id, to: m.from, term: this._term, ctx: m.ctx });
        return;
      case 'snapshot':
        this.electionElapsed = 0;
        this._lead = m.from;
        this.handleSnapshot(m);
        return;
      default:
        return;
    }
  }

  private respondAppend(
    to: NodeId,
    fields: Pick<AppendResponse, 'reject' | 'index' | 'hintIndex' | 'hintTerm'>,
  ): void {
    this.send({ type: 'appendResp', from: this.id, to, term: this._term, ...fields });
  }

  private handleAppend(m: AppendRequest): void {
    if (m.prevIndex < this._commit) {
      // Everything up to our commit index matches any current leader's log.
      this.respondAppend(m.from, { reject: false, index: this._commit, hintIndex: 0, hintTerm: 0 });
      return;
    }
    if (this.matchTerm(m.prevIndex, m.prevTerm)) {
      const lastNew = m.prevIndex + m.entries.length;
      for (let k = 0; k < m.entries.length; k++) {
        const e = m.entries[k]!;
        if (!this.matchTerm(e.index, e.term)) {
          this.truncateAndAppend(m.entries.slice(k));
          break;
        }
      }
      this.commitTo(Math.min(m.commit, lastNew));
      this.respondAppend(m.from, { reject: false, index: lastNew, hintIndex: 0, hintTerm: 0 });
      return;
    }
    const hintIndex = this.findConflictByTerm(Math.min(m.prevIndex, this.lastIndex()), m.prevTerm);
    this.respondAppend(m.from, {
      reject: true,
      index: m.prevIndex,
      hintIndex,
      hintTerm: this.termAt(hintIndex) ?? 0,
    });
  }

  private handleSnapshot(m: SnapshotRequest): void {
    const s = m.snapshot;
    if (s.index <= this._commit) {
      this.respondAppend(m.from, { reject: false, index: this._commit, hintIndex: 0, hintTerm: 0 });
      return;
    }
    if (this.matchTerm(s.index, s.term)) {
      // Our log already has the snapshot's last entry: just learn that it is committed.
      this.commitTo(s.index);
      this.respondAppend(m.from, { reject: false, index: this._commit, hintIndex: 0, hintTerm: 0 });
      return;
    }
    this.entries = [];
    this.snapIndex = s.index;
    this.snapTerm = s.term;
    this.latestSnapshot = s;
    this.snapshotToInstall = s;
    this._commit = s.index;
    this.appliedOut = s.index;
    this.unstableFrom = s.index + 1;
    this.respondAppend(m.from, { reject: false, index: this.lastIndex(), hintIndex: 0, hintTerm: 0 });
  }
}

function sameHard(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}

function sameSoft(a: SoftState, b: SoftState): boolean {
  return a.leaderId === b.leaderId && a.role === b.role && a.term === b.term;
}
