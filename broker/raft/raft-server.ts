/**
 * A running Raft voter (or observer): RaftNode + storage + TCP transport + a real timer,
 * driving a state machine. This is what the controller builds on.
 *
 * An observer (a node id not among the voters) announces itself to every voter every
 * OBSERVE_INTERVAL_TICKS with the address it is reached at; voters link to it and their
 * leader replicates to it. A voter forgets an observer silent for OBSERVER_SILENCE_MS.
 *
 * The loop (one pass per event-loop turn in which something happened, so many proposals share
 * one fsync): take the node's Ready; write and fsync it; send its messages; restore the state
 * machine from its snapshot, apply its committed entries (data entries only; the leader's no-op
 * entries are skipped); answer reads; advance; compact the log when `snapshotEntries` entries
 * were applied since the last snapshot.
 *
 * The state machine is in memory and rebuilt at start: restored from the stored snapshot (if
 * any), then fed every committed entry after it.
 *
 * A storage or state-machine failure is fatal: the server stops, emits 'error', and rejects
 * everything pending with STOPPED (continuing could break Raft's promises).
 */
import { EventEmitter } from 'node:events';
import type { StorageLogger } from '../../storage/logger.js';
import { silentLogger } from '../../storage/logger.js';
import { NotLeaderError, RaftError } from './raft-errors.js';
import { FileStorage } from './raft-file-storage.js';
import { RaftNode, type Ready } from './raft-node.js';
import type { RaftStorage } from './raft-storage.js';
import { type PeerAddress, RaftTransport } from './raft-transport.js';
import {
  APP_PAYLOAD_BYTES_MAX,
  type Entry,
  type NodeId,
  type Role,
  SNAPSHOT_DATA_BYTES_MAX,
  type Snapshot,
} from './raft-types.js';

/** Ticks per second when not configured: one tick every 50 ms, elections after 0.5–1 s. */
export const TICK_MS_DEFAULT = 50;
/** Applied entries between snapshots when not configured. */
export const SNAPSHOT_ENTRIES_DEFAULT = 10_000;
/** How long a proposal or read waits when no timeout is given. */
export const REQUEST_TIMEOUT_MS_DEFAULT = 10_000;
/** Ticks between an observer's announcements to the voters. */
export const OBSERVE_INTERVAL_TICKS = 10;
/** A voter drops an observer it has not heard announce itself for this long. */
export const OBSERVER_SILENCE_MS = 15_000;
/** Bound on proposals waiting to be applied at this server. */
export const PENDING_PROPOSALS_MAX = 100_000;

/** The replicated state machine: deterministic, in memory, never throws for valid entries. */
export interface RaftStateMachine {
  /** Apply one committed data entry (in index order, each exactly once per start). */
  apply(entry: Entry): void;
  /** Serialize the state as of the last applied entry. */
  snapshot(): Uint8Array;
  /** Replace the whole state with a snapshot's (at start-up, or when the leader sends one). */
  restore(snapshot: Snapshot): void;
}

export interface RaftServerOptions {
  nodeId: NodeId;
  /** Every voter's id with its address (this node's entry is ignored: it listens on `host`/`port`). */
  voters: ReadonlyMap<NodeId, PeerAddress>;
  /** Directory for the file-backed log, unless `storage` is given. */
  dir?: string;
  storage?: RaftStorage;
  stateMachine: RaftStateMachine;
  host?: string;
  /** Port to listen on (0: any free port; read it back from `port`). */
  port?: number;
  /** An observer's host as voters reach it (default: `host`). */
  advertisedHost?: string;
  tickMs?: number;
  electionTicks?: number;
  heartbeatTicks?: number;
  snapshotEntries?: number;
  random?: () => number;
  logger?: StorageLogger;
}

/** 'leaderChange' is emitted with this whenever the known leader or term changes. */
export interface LeaderChange {
  leaderId: NodeId;
  term: number;
  role: Role;
}

interface PendingProposal {
  term: number;
  resolve: (at: { index: number; term: number }) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

interface PendingRead {
  resolve: (index: number) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
  index: number;
}

export interface RaftServerEvents {
  leaderChange: [LeaderChange];
  /** A fatal storage or state-machine failure; the server has stopped. */
  error: [Error];
  /** An app message from another voter (see {@link RaftServer.sendApp}). */
  appMessage: [from: NodeId, payload: Uint8Array];
}

export class RaftServer extends EventEmitter<RaftServerEvents> {
  readonly nodeId: NodeId;
  private readonly node: RaftNode;
  private readonly storage: RaftStorage;
  private readonly transport: RaftTransport;
  private readonly sm: RaftStateMachine;
  private readonly logger: StorageLogger;
  private readonly snapshotEntries: number;
  private timer: NodeJS.Timeout | undefined;
  private scheduled = false;
  private stopped = false;
  private _port = 0;
  private _applied = 0;
  private compactRefusedAt = 0;
  private readonly proposals = new Map<number, PendingProposal>();
  /** Reads by node read id: confirmed ones carry their index and wait for it to be applied. */
  private readonly reads = new Map<number, PendingRead>();
  private readonly confirmedReads: PendingRead[] = [];
  /** Voters: when each observer last announced itself. */
  private readonly observerSeen = new Map<NodeId, number>();
  private readonly advertisedHost: string;
  private ticks = 0;

  private constructor(opts: RaftServerOptions, storage: RaftStorage) {
    super();
    this.nodeId = opts.nodeId;
    this.sm = opts.stateMachine;
    this.storage = storage;
    this.logger = opts.logger ?? silentLogger;
    this.snapshotEntries = opts.snapshotEntries ?? SNAPSHOT_ENTRIES_DEFAULT;
    this.advertisedHost = opts.advertisedHost ?? opts.host ?? '127.0.0.1';
    const initial = storage.load();
    if (initial.snapshot) {
      this.sm.restore(initial.snapshot);
      this._applied = initial.snapshot.index;
    }
    this.node = new RaftNode(
      {
        id: opts.nodeId,
        voters: [...opts.voters.keys()],
        random: opts.random ?? Math.random,
        electionTicks: opts.electionTicks,
        heartbeatTicks: opts.heartbeatTicks,
        applied: this._applied,
      },
      initial,
    );
    this.transport = new RaftTransport({
      nodeId: opts.nodeId,
      voters: [...opts.voters.keys()],
      host: opts.host,
      port: opts.port,
      logger: this.logger,
      onMessage: (m) => {
        if (this.stopped) return;
        if (m.type === 'app') {
          this.emit('appMessage', m.from, m.payload);
          return;
        }
        if (m.type === 'observe') {
          this.observed(m.from, { host: m.host, port: m.port });
          return;
        }
        this.node.step(m);
        this.schedule();
      },
    });
  }

  /** Open storage, restore the state machine, listen, dial the peers and start ticking. */
  static async start(opts: RaftServerOptions): Promise<RaftServer> {
    if (!opts.storage && !opts.dir) throw new Error('RaftServer needs a dir or a storage');
    const storage = opts.storage ?? FileStorage.open(opts.dir!, { logger: opts.logger });
    let server: RaftServer;
    try {
      server = new RaftServer(opts, storage);
    } catch (err) {
      storage.close();
      throw err;
    }
    try {
      server._port = await server.transport.listen();
    } catch (err) {
      storage.close();
      throw err;
    }
    for (const [id, addr] of opts.voters) if (id !== opts.nodeId) server.transport.setPeer(id, addr);
    server.timer = setInterval(() => {
      if (server.stopped) return;
      server.node.tick();
      server.observerDuties();
      server.schedule();
    }, opts.tickMs ?? TICK_MS_DEFAULT);
    server.observerDuties();
    server.schedule();
    return server;
  }

  /** The port the transport listens on. */
  get port(): number {
    return this._port;
  }
  /** The leader this node knows of (0 when none). */
  get leaderId(): NodeId {
    return this.node.leaderId;
  }
  get term(): number {
    return this.node.term;
  }
  get role(): Role {
    return this.node.role;
  }
  isLeader(): boolean {
    return this.node.isLeader();
  }
  /** Index of the last entry applied to the state machine (snapshot included). */
  get appliedIndex(): number {
    return this._applied;
  }
  get commitIndex(): number {
    return this.node.commitIndex;
  }
  /** Index of the latest snapshot (log entries up to it are compacted). */
  get snapshotIndex(): number {
    return this.node.snapshotIndex;
  }
  /** Transport counters (sent, received, dropped, bad frames). */
  get transportStats(): RaftTransport['stats'] {
    return this.transport.stats;
  }

  /**
   * Send bytes to another voter for the layer above Raft (the cluster's controller traffic),
   * over the same links as Raft's own messages: best effort, no answer, dropped when the
   * peer's queue is full or the payload is over APP_PAYLOAD_BYTES_MAX.
   */
  sendApp(to: NodeId, payload: Uint8Array): void {
    if (this.stopped || to === this.nodeId || payload.length > APP_PAYLOAD_BYTES_MAX) return;
    this.transport.send({ type: 'app', from: this.nodeId, to, term: 0, payload });
  }

  /** Is this node an observer (not a voter)? */
  get isObserver(): boolean {
    return !this.node.isVoter;
  }

  /** The observers this node knows of (voters: those that announced themselves lately). */
  get observers(): NodeId[] {
    return this.node.observerIds;
  }

  /** An observer announced itself: link to it, replicate to it when leading. */
  private observed(id: NodeId, address: PeerAddress): void {
    if (!this.node.isVoter || this.node.voters.includes(id)) return;
    if (!this.transport.addObserverPeer(id, address)) {
      this.logger.warn({ observer: id }, 'raft: too many observers; ignoring a new one');
      return;
    }
    this.observerSeen.set(id, Date.now());
    if (this.node.addObserver(id)) {
      this.logger.info({ observer: id, ...address }, 'raft: an observer joined');
      this.schedule();
    }
  }

  /** Observer: announce itself now and then. Voter: forget observers gone silent. */
  private observerDuties(): void {
    if (this.ticks++ % OBSERVE_INTERVAL_TICKS !== 0) return;
    if (!this.node.isVoter) {
      for (const v of this.node.voters)
        this.transport.send({
          type: 'observe',
          from: this.nodeId,
          to: v,
          term: 0,
          host: this.advertisedHost,
          port: this._port,
        });
      return;
    }
    const now = Date.now();
    for (const [id, seen] of this.observerSeen) {
      if (now - seen < OBSERVER_SILENCE_MS) continue;
      this.observerSeen.delete(id);
      this.node.removeObserver(id);
      this.transport.removeObserverPeer(id);
      this.logger.info({ observer: id }, 'raft: an observer went silent; no longer replicating to it');
    }
  }

  /** A peer moved (e.g. restarted on another port). */
  setPeerAddress(id: NodeId, address: PeerAddress): void {
    this.transport.setPeer(id, address);
  }

  /**
   * Propose `data`. Resolves with its (index, term) once it is committed and applied here.
   * Rejects with NotLeaderError (carrying the leader to retry at), RaftError PROPOSAL_TOO_LARGE
   * / PROPOSAL_BACKLOG_FULL (nothing was proposed), PROPOSAL_DROPPED (a new leader replaced it:
   * it will never apply), TIMEOUT / OUTCOME_UNKNOWN / STOPPED (it may or may not apply).
   */
  propose(data: Uint8Array, opts: { timeoutMs?: number } = {}): Promise<{ index: number; term: number }> {
    if (this.stopped) return Promise.reject(this.stoppedError());
    if (this.proposals.size >= PENDING_PROPOSALS_MAX) {
      return Promise.reject(
        new RaftError(
          'PROPOSAL_BACKLOG_FULL',
          `${PENDING_PROPOSALS_MAX} proposals are already waiting; retry shortly`,
        ),
      );
    }
    let at: { index: number; term: number };
    try {
      at = this.node.propose(data);
    } catch (err) {
      return Promise.reject(err);
    }
    this.schedule();
    const timeoutMs = opts.timeoutMs ?? REQUEST_TIMEOUT_MS_DEFAULT;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.proposals.delete(at.index);
        reject(
          new RaftError(
            'TIMEOUT',
            `proposal at index ${at.index} not applied within ${timeoutMs} ms; it may still be`,
          ),
        );
      }, timeoutMs);
      this.proposals.set(at.index, { term: at.term, resolve, reject, timer });
    });
  }

  /**
   * A linearizable read barrier (read-index): resolves with an index once this node is known to
   * have been the leader when the call was made and has applied everything committed by then;
   * state read from the state machine afterwards is up to date. Leader only (NotLeaderError).
   */
  readBarrier(opts: { timeoutMs?: number } = {}): Promise<number> {
    if (this.stopped) return Promise.reject(this.stoppedError());
    let id: number;
    try {
      id = this.node.readIndex();
    } catch (err) {
      return Promise.reject(err);
    }
    this.schedule();
    const timeoutMs = opts.timeoutMs ?? REQUEST_TIMEOUT_MS_DEFAULT;
    return new Promise((resolve, reject) => {
      const read: PendingRead = {
        resolve,
        reject,
        index: -1,
        timer: setTimeout(() => {
          this.reads.delete(id);
          const i = this.confirmedReads.indexOf(read);
          if (i >= 0) this.confirmedReads.splice(i, 1);
          reject(new RaftError('TIMEOUT', `read not confirmed within ${timeoutMs} ms`));
        }, timeoutMs),
      };
      this.reads.set(id, read);
    });
  }

  /** Stop ticking, close the transport and storage; pending requests reject with STOPPED. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.failPending(this.stoppedError());
    await this.transport.close();
    try {
      this.storage.close();
    } catch (err) {
      this.logger.warn({ err }, 'raft: closing storage failed');
    }
  }

  private stoppedError(): RaftError {
    return new RaftError(
      'STOPPED',
      `Raft node ${this.nodeId} is stopped; its outcome, if any, is unknown here`,
    );
  }

  private failPending(err: Error): void {
    for (const p of this.proposals.values()) {
      clearTimeout(p.timer);
      p.reject(err);
    }
    this.proposals.clear();
    for (const r of this.reads.values()) {
      clearTimeout(r.timer);
      r.reject(err);
    }
    this.reads.clear();
    this.confirmedReads.length = 0;
  }

  private schedule(): void {
    if (this.scheduled || this.stopped) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (this.stopped) return;
      try {
        this.drain();
      } catch (err) {
        this.fatal(err as Error);
      }
    });
  }

  private fatal(err: Error): void {
    this.logger.error({ err, nodeId: this.nodeId }, 'raft: fatal error; stopping this voter');
    void this.stop();
    if (this.listenerCount('error') > 0) this.emit('error', err);
  }

  private drain(): void {
    while (!this.stopped && this.node.hasReady()) {
      const rd = this.node.ready();
      this.storage.write({ hardState: rd.hardState, snapshot: rd.snapshot, entries: rd.entries });
      this.storage.sync();
      for (const m of rd.messages) this.transport.send(m);
      this.applyReady(rd);
      this.node.advance();
      this.maybeCompact();
      if (rd.softState) {
        this.emit('leaderChange', { ...rd.softState });
      }
    }
  }

  private applyReady(rd: Ready): void {
    if (rd.snapshot) {
      this.sm.restore(rd.snapshot);
      this._applied = rd.snapshot.index;
      for (const [index, p] of this.proposals) {
        if (index > rd.snapshot.index) continue;
        clearTimeout(p.timer);
        this.proposals.delete(index);
        p.reject(
          new RaftError(
            'OUTCOME_UNKNOWN',
            `a snapshot replaced the log at index ${index}; the proposal may or may not be in it`,
          ),
        );
      }
    }
    for (const e of rd.committedEntries) {
      if (e.type === 'data') this.sm.apply(e);
      this._applied = e.index;
      const p = this.proposals.get(e.index);
      if (p) {
        clearTimeout(p.timer);
        this.proposals.delete(e.index);
        if (p.term === e.term) p.resolve({ index: e.index, term: e.term });
        else
          p.reject(
            new RaftError('PROPOSAL_DROPPED', `another leader's entry took index ${e.index}; propose again`),
          );
      }
    }
    for (const rs of rd.readStates) {
      const r = this.reads.get(rs.id);
      if (!r) continue;
      this.reads.delete(rs.id);
      r.index = rs.index;
      this.confirmedReads.push(r);
    }
    for (const id of rd.droppedReads) {
      const r = this.reads.get(id);
      if (!r) continue;
      this.reads.delete(id);
      clearTimeout(r.timer);
      r.reject(new NotLeaderError(this.nodeId, this.node.leaderId));
    }
    if (this.confirmedReads.length > 0) {
      for (let i = this.confirmedReads.length - 1; i >= 0; i--) {
        const r = this.confirmedReads[i]!;
        if (r.index > this._applied) continue;
        this.confirmedReads.splice(i, 1);
        clearTimeout(r.timer);
        r.resolve(r.index);
      }
    }
  }

  private maybeCompact(): void {
    const since = Math.max(this.node.snapshotIndex, this.compactRefusedAt);
    if (this._applied - since < this.snapshotEntries) return;
    const data = this.sm.snapshot();
    if (data.length > SNAPSHOT_DATA_BYTES_MAX) {
      // Not fatal: the log keeps growing until the state shrinks; try again later.
      this.compactRefusedAt = this._applied;
      this.logger.error(
        { nodeId: this.nodeId, bytes: data.length, limit: SNAPSHOT_DATA_BYTES_MAX },
        'raft: state machine snapshot over the size limit; the log is not compacted',
      );
      return;
    }
    const snapshot = this.node.compact(this._applied, data);
    this.storage.compact(snapshot);
  }
}
