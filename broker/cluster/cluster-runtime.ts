/**
 * One broker's part in the cluster: a voter of the Raft metadata quorum (KRaft's combined
 * mode), the metadata state machine every voter applies, this broker's registration and
 * heartbeats, the controller's timed duties while this voter leads the quorum, and the
 * {@link ReplicaManager} that follows the image's role assignments.
 *
 * - Anything a broker asks of the cluster (register, create a topic, change an ISR…) is an
 *   entry of the metadata log; a broker that does not lead the quorum forwards it to the
 *   leader as an app message and waits until the entry is applied locally (retrying, with the
 *   same request id, across leader changes; see {@link submit}).
 * - Every broker heartbeats to the quorum leader. The leader (the active controller) fences a
 *   broker whose session expires and unfences one that heartbeats with the metadata log
 *   applied past its registration, by proposing requests that every broker decides alike.
 * - After each applied entry, the broker's roles are recomputed and carried out in order.
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { Packr } from 'msgpackr';
import type { StorageLogger } from '../../storage/logger.js';
import { RaftServer } from '../raft/raft-server.js';
import type { PeerAddress } from '../raft/raft-transport.js';
import { BrokerHeartbeats } from './broker-heartbeats.js';
import { preferredLeaderElections } from './controller-decisions.js';
import type { MetadataImage } from './metadata-image.js';
import { encodeMetadataRecord, type MetadataRequest, type RegisterBrokerRecord } from './metadata-records.js';
import { MetadataStateMachine, type RequestResult } from './metadata-state-machine.js';
import { roleChanges } from './partition-roles.js';
import { type ReplicaLog, ReplicaManager, type ReplicaManagerOptions } from './replica-manager.js';

export interface ClusterRuntimeOptions<L extends ReplicaLog> {
  brokerId: number;
  /** Where clients and other brokers reach this broker's Kafka listener. */
  endpoint: { host: string; port: number };
  rack?: string | null;
  raft: {
    dir: string;
    host: string;
    /** 0 picks a free port (tests). */
    port: number;
    /**
     * Every voter with its controller address (this broker's own entry included, unless it is
     * an observer: a broker that is not a voter follows the metadata log without voting).
     */
    voters: ReadonlyMap<number, PeerAddress>;
    /** An observer's controller host as voters reach it (default: host). */
    advertisedHost?: string;
    tickMs?: number;
    electionTicks?: number;
  };
  /** broker.session.timeout.ms: a broker silent this long is fenced. */
  sessionTimeoutMs: number;
  /** broker.heartbeat.interval.ms. */
  heartbeatIntervalMs: number;
  /** How often the controller moves leadership back to preferred replicas; 0: never. */
  preferredLeaderCheckMs: number;
  replicas: Omit<ReplicaManagerOptions<L>, 'brokerId' | 'alterPartition' | 'log' | 'now'>;
  now?: () => number;
  log: StorageLogger & ReplicaManagerOptions<L>['log'];
}

/** Time a forwarded request waits for its entry before it is sent again. */
const resendMs = 1_000;
/** Requests this broker waits on at once; more are refused. */
export const pendingSubmitsMax = 10_000;

type AppPayload =
  | { kind: 'propose'; data: Uint8Array }
  | { kind: 'heartbeat'; brokerId: number; appliedOffset: number };

const packr = new Packr({ useRecords: false });

interface PendingSubmit {
  done: (image: MetadataImage, result: RequestResult | undefined) => boolean;
  resend: () => void;
}

export interface ClusterRuntimeEvents {
  /** The image changed (after this broker's roles were carried out). */
  metadata: [MetadataImage];
}

export class ClusterRuntime<L extends ReplicaLog> extends EventEmitter<ClusterRuntimeEvents> {
  readonly sm: MetadataStateMachine;
  readonly replicas: ReplicaManager<L>;
  readonly incarnationId = randomBytes(8).toString('hex');
  private raft!: RaftServer;
  private readonly heartbeats: BrokerHeartbeats;
  private readonly pending = new Set<PendingSubmit>();
  private readonly timers: NodeJS.Timeout[] = [];
  private reconcileChain: Promise<void> = Promise.resolve();
  private reconcileQueued = false;
  private sessionRequestsInFlight = new Set<number>();
  private requestSeq = 0;
  private stopped = false;
  private readonly now: () => number;

  private constructor(private readonly o: ClusterRuntimeOptions<L>) {
    super();
    this.now = o.now ?? Date.now;
    this.sm = new MetadataStateMachine(o.log);
    this.heartbeats = new BrokerHeartbeats(o.sessionTimeoutMs, this.now);
    this.replicas = new ReplicaManager<L>({
      ...o.replicas,
      brokerId: o.brokerId,
      log: o.log,
      now: this.now,
      alterPartition: async (req) =>
        (
          await this.submit({
            type: 'alter-partition',
            requestId: this.nextRequestId('isr'),
            brokerId: o.brokerId,
            ...req,
          })
        ).errorCode,
    });
  }

  /** Start the quorum voter, register this broker, and begin heartbeating. */
  static async start<L extends ReplicaLog>(o: ClusterRuntimeOptions<L>): Promise<ClusterRuntime<L>> {
    const rt = new ClusterRuntime(o);
    rt.sm.onApplied(() => rt.afterApply());
    rt.raft = await RaftServer.start({
      nodeId: o.brokerId,
      voters: o.raft.voters,
      dir: o.raft.dir,
      host: o.raft.host,
      port: o.raft.port,
      advertisedHost: o.raft.advertisedHost,
      tickMs: o.raft.tickMs,
      electionTicks: o.raft.electionTicks,
      stateMachine: rt.sm,
      logger: o.log,
    });
    rt.raft.on('appMessage', (from, payload) => rt.onAppMessage(from, payload));
    rt.raft.on('leaderChange', (c) => {
      if (c.role === 'leader') rt.heartbeats.resetAll(rt.sm.image);
      for (const p of rt.pending) p.resend();
    });
    rt.raft.on('error', (err) => o.log.error({ err: err.message }, 'metadata quorum stopped'));
    rt.timers.push(setInterval(() => rt.heartbeat(), o.heartbeatIntervalMs));
    rt.timers.push(
      setInterval(() => rt.controllerDuties(), Math.max(50, Math.floor(o.heartbeatIntervalMs / 2))),
    );
    if (o.preferredLeaderCheckMs > 0)
      rt.timers.push(setInterval(() => rt.electPreferredLeaders(), o.preferredLeaderCheckMs));
    rt.timers.push(
      setInterval(() => rt.replicas.maintainIsr(), Math.max(100, Math.floor(o.heartbeatIntervalMs / 2))),
    );
    return rt;
  }

  get image(): MetadataImage {
    return this.sm.image;
  }

  /** The port the metadata quorum listens on. */
  get controllerPort(): number {
    return this.raft.port;
  }

  get quorumLeaderId(): number {
    return this.raft.leaderId;
  }

  isController(): boolean {
    return this.raft.isLeader();
  }

  /** Another voter's controller address changed (it restarted elsewhere). */
  setVoterAddress(id: number, address: PeerAddress): void {
    this.raft.setPeerAddress(id, address);
  }

  /**
   * Resolves once this broker has carried out the partition roles of the metadata applied so far
   * (logs opened, leading or following): a topic created through submit() can then be used here.
   */
  async rolesApplied(): Promise<void> {
    do {
      await new Promise<void>((resolve) => setImmediate(resolve));
      await this.reconcileChain;
    } while (this.reconcileQueued && !this.stopped);
  }

  /** Register this broker (again, after a restart) and wait until the registration is applied. */
  async register(timeoutMs = 30_000): Promise<number> {
    const record: RegisterBrokerRecord = {
      type: 'register-broker',
      brokerId: this.o.brokerId,
      incarnationId: this.incarnationId,
      host: this.o.endpoint.host,
      port: this.o.endpoint.port,
      rack: this.o.rack ?? null,
      brokerEpoch: -1,
    };
    await this.send(
      encodeMetadataRecord(record),
      (image) => image.brokers.get(this.o.brokerId)?.incarnationId === this.incarnationId,
      timeoutMs,
      `registration of broker ${this.o.brokerId}`,
    );
    this.heartbeat();
    // The controller (maybe this node, e.g. a quorum of one) may unfence it now rather than on its next round.
    this.controllerDuties();
    return this.image.brokers.get(this.o.brokerId)!.brokerEpoch;
  }

  /**
   * Put a request on the metadata log and wait for its outcome, as every broker decides it.
   * Forwarded to the quorum leader when this broker is not it; sent again (same request id,
   * so applied at most once) after a leader change or `resendMs` without an answer.
   */
  async submit(req: MetadataRequest, timeoutMs = 30_000): Promise<RequestResult> {
    const known = this.sm.resultOf(req.requestId);
    if (known) return known;
    await this.send(
      encodeMetadataRecord(req),
      (_image, result) => result !== undefined || this.sm.resultOf(req.requestId) !== undefined,
      timeoutMs,
      `${req.type} request ${req.requestId}`,
    );
    return this.sm.resultOf(req.requestId)!;
  }

  /** A request id unique to this broker's run. */
  nextRequestId(what: string): string {
    return `${this.o.brokerId}-${this.incarnationId}-${what}-${++this.requestSeq}`;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    await this.reconcileChain;
    await this.replicas.close();
    await this.raft.stop();
  }

  private send(
    data: Uint8Array,
    isDone: (image: MetadataImage, result: RequestResult | undefined) => boolean,
    timeoutMs: number,
    what: string,
  ): Promise<void> {
    if (isDone(this.image, undefined)) return Promise.resolve();
    if (this.pending.size >= pendingSubmitsMax)
      return Promise.reject(
        new Error(`${pendingSubmitsMax} metadata requests already waiting; retry shortly`),
      );
    return new Promise((resolve, reject) => {
      let resendTimer: NodeJS.Timeout | undefined;
      const finish = (err?: Error) => {
        clearTimeout(deadline);
        clearTimeout(resendTimer);
        this.pending.delete(p);
        if (err) reject(err);
        else resolve();
      };
      const deadline = setTimeout(
        () =>
          finish(
            new Error(
              `${what} was not applied within ${timeoutMs} ms (metadata quorum leader: ${this.raft.leaderId || 'none'})`,
            ),
          ),
        timeoutMs,
      );
      const p: PendingSubmit = {
        done: (image, result) => {
          if (!isDone(image, result)) return false;
          finish();
          return true;
        },
        resend: () => {
          if (this.stopped) return finish(new Error(`${what}: broker stopping`));
          clearTimeout(resendTimer);
          resendTimer = setTimeout(() => p.resend(), resendMs);
          this.forward(data);
        },
      };
      this.pending.add(p);
      p.resend();
    });
  }

  /** Whether the image holds this run's own registration (so it is no older than this run). */
  private registeredHere(): boolean {
    return this.image.brokers.get(this.o.brokerId)?.incarnationId === this.incarnationId;
  }

  private forward(data: Uint8Array): void {
    if (this.raft.isLeader()) {
      this.raft.propose(data).catch(() => {
        // Not leader any more, or dropped: the pending submit resends after a leader change.
      });
    } else if (this.raft.leaderId > 0) {
      this.raft.sendApp(this.raft.leaderId, packr.pack({ kind: 'propose', data } satisfies AppPayload));
    }
  }

  private onAppMessage(from: number, payload: Uint8Array): void {
    let m: AppPayload;
    try {
      m = packr.unpack(payload) as AppPayload;
    } catch {
      this.o.log.warn({ from }, 'undecodable controller message dropped');
      return;
    }
    if (!this.raft.isLeader()) return;
    if (m.kind === 'propose' && m.data instanceof Uint8Array) this.raft.propose(m.data).catch(() => {});
    else if (m.kind === 'heartbeat' && m.brokerId === from && Number.isSafeInteger(m.appliedOffset))
      this.heartbeats.heartbeat(from, m.appliedOffset);
  }

  private heartbeat(): void {
    if (this.stopped) return;
    const appliedOffset = this.raft.appliedIndex;
    if (this.raft.isLeader()) this.heartbeats.heartbeat(this.o.brokerId, appliedOffset);
    else if (this.raft.leaderId > 0)
      this.raft.sendApp(
        this.raft.leaderId,
        packr.pack({ kind: 'heartbeat', brokerId: this.o.brokerId, appliedOffset } satisfies AppPayload),
      );
  }

  /** On the quorum leader: fence brokers whose session expired, unfence ready ones. */
  private controllerDuties(): void {
    if (this.stopped || !this.raft.isLeader()) return;
    this.heartbeats.heartbeat(this.o.brokerId, this.raft.appliedIndex);
    const image = this.image;
    const expire = this.heartbeats.toFence(image).map((id) => ['broker-session-expired', id] as const);
    const ready = this.heartbeats.toUnfence(image).map((id) => ['broker-ready', id] as const);
    for (const [type, brokerId] of [...expire, ...ready]) {
      if (this.sessionRequestsInFlight.has(brokerId)) continue;
      const brokerEpoch = image.brokers.get(brokerId)!.brokerEpoch;
      this.sessionRequestsInFlight.add(brokerId);
      this.o.log.info(
        { brokerId, brokerEpoch },
        type === 'broker-ready' ? 'unfencing broker' : 'fencing broker: session expired',
      );
      this.submit({ type, requestId: this.nextRequestId(type), brokerId, brokerEpoch }, 10_000)
        .catch((err: Error) => this.o.log.warn({ brokerId, err: err.message }, `${type} not applied`))
        .finally(() => this.sessionRequestsInFlight.delete(brokerId));
    }
  }

  private electPreferredLeaders(): void {
    if (this.stopped || !this.raft.isLeader() || preferredLeaderElections(this.image).length === 0) return;
    this.submit(
      { type: 'elect-preferred-leaders', requestId: this.nextRequestId('preferred') },
      10_000,
    ).catch(() => {});
  }

  private afterApply(): void {
    for (const p of this.pending) p.done(this.image, undefined);
    // Until this run's registration is applied, the image may be an old one (the metadata log
    // replayed from disk, or catching up from the quorum): acting on it would make this broker
    // lead or follow at epochs long gone. Roles are carried out from then on.
    if (this.reconcileQueued || this.stopped || !this.registeredHere()) return;
    this.reconcileQueued = true;
    setImmediate(() => {
      this.reconcileQueued = false;
      this.reconcileChain = this.reconcileChain
        .then(async () => {
          if (this.stopped) return;
          const image = this.image;
          await this.replicas.applyRoleChanges(
            roleChanges(this.replicas.currentRoles, image, this.o.brokerId),
            image,
          );
          this.emit('metadata', image);
        })
        .catch((err: Error) => this.o.log.error({ err: err.message }, 'carrying out partition roles failed'));
    });
  }
}
