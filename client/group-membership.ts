/**
 * Membership of one consumer in a consumer group (classic protocol): JoinGroup / SyncGroup,
 * the leader's assignment, heartbeats on their own timer — so a slow message handler never
 * delays them — eager and cooperative rebalances, static membership (group.instance.id), and
 * LeaveGroup on close.
 */

import { ApiKey } from '../protocol/api-keys.js';
import type { JoinGroupResponse } from '../protocol/apis/index.js';
import { ErrorCode } from '../protocol/error-codes.js';
import {
  type Assignor,
  decodeAssignment,
  decodeSubscription,
  encodeAssignment,
  encodeSubscription,
  type MemberSubscription,
  type TopicPartitions,
} from './assignors.js';
import { backoffDelay, type Cluster } from './cluster.js';
import { isRetriableError, kafkaError, SamsaError } from './errors.js';

export interface GroupMembershipOptions {
  groupId: string;
  /** Static membership: a stable id that survives restarts without a rebalance. */
  groupInstanceId: string | null;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  heartbeatIntervalMs: number;
  /** In order of preference; all must share one rebalance protocol. */
  assignors: Assignor[];
  /** How long the coordinator may stay unreachable before membership fails (ms). */
  reconnectTimeoutMs: number;
}

export interface GroupMembershipHooks {
  /** Topics currently subscribed. */
  topics(): string[];
  /** Partitions taken away (before they move); commit here. */
  revoked(partitions: TopicPartitions[]): Promise<void>;
  /** Partitions given; `lost` is true when they were lost without a clean revoke. */
  assigned(partitions: TopicPartitions[]): Promise<void>;
  /** Partitions lost (session expired, fenced): no commit possible. */
  lost(partitions: TopicPartitions[]): Promise<void>;
  fatal(err: SamsaError): void;
}

const protocolType = 'consumer';

function tpKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

function flatten(list: TopicPartitions[]): Set<string> {
  const s = new Set<string>();
  for (const tp of list) for (const p of tp.partitions) s.add(tpKey(tp.topic, p));
  return s;
}

function minus(a: TopicPartitions[], b: TopicPartitions[]): TopicPartitions[] {
  const bs = flatten(b);
  const out: TopicPartitions[] = [];
  for (const tp of a) {
    const ps = tp.partitions.filter((p) => !bs.has(tpKey(tp.topic, p)));
    if (ps.length > 0) out.push({ topic: tp.topic, partitions: ps });
  }
  return out;
}

export class GroupMembership {
  memberId = '';
  generationId = -1;
  protocolName: string | null = null;
  coordinator = -1;
  /** Partitions owned now. */
  owned: TopicPartitions[] = [];
  /** Number of completed rebalances (tests wait on it). */
  rebalances = 0;

  private heartbeatTimer: NodeJS.Timeout | undefined;
  private joining: Promise<void> | undefined;
  private rejoinNeeded = false;
  private stopped = false;
  private coordinatorLostSince = 0;
  private readonly stableWaiters: (() => void)[] = [];

  constructor(
    private readonly cluster: Cluster,
    private readonly options: GroupMembershipOptions,
    private readonly hooks: GroupMembershipHooks,
  ) {
    const protocols = new Set(options.assignors.map((a) => a.protocol));
    if (options.assignors.length === 0 || protocols.size > 1) {
      throw new SamsaError(
        'SAMSA_INVALID_ARGUMENT',
        'assignors must be non-empty and share one rebalance protocol (eager or cooperative)',
      );
    }
  }

  get cooperative(): boolean {
    return this.options.assignors[0]!.protocol === 'COOPERATIVE';
  }

  get isStable(): boolean {
    return this.generationId >= 0 && !this.joining && !this.rejoinNeeded;
  }

  /** Resolves after the next completed rebalance. */
  nextRebalance(): Promise<void> {
    return new Promise((r) => this.stableWaiters.push(r));
  }

  /** Join (or rejoin) the group; concurrent calls share one join. */
  join(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.joining) {
      this.rejoinNeeded = true;
      return this.joining;
    }
    this.stopHeartbeats();
    this.joining = this.joinLoop()
      .catch((err: unknown) => {
        if (!this.stopped)
          this.hooks.fatal(
            err instanceof SamsaError ? err : new SamsaError('SAMSA_GROUP', String(err), { cause: err }),
          );
      })
      .finally(() => {
        this.joining = undefined;
        if (!this.stopped && this.generationId >= 0) this.startHeartbeats();
        for (const w of this.stableWaiters.splice(0)) w();
      });
    return this.joining;
  }

  /** Leave the group (dynamic members) and stop heartbeats. */
  async leave(): Promise<void> {
    this.stopped = true;
    this.stopHeartbeats();
    // A join in progress is not awaited (it may wait a whole rebalance timeout); it ends when the
    // connections close.
    if (this.memberId === '' || this.coordinator < 0) return;
    if (this.options.groupInstanceId !== null) return; // static members keep their slot until the session expires
    try {
      const conn = await this.cluster.connectionTo(this.coordinator);
      await conn.request(
        ApiKey.LeaveGroup,
        {
          groupId: this.options.groupId,
          memberId: this.memberId,
          members: [{ memberId: this.memberId, groupInstanceId: this.options.groupInstanceId }],
        },
        { timeoutMs: 5000 },
      );
    } catch {
      // Best effort: the session timeout removes us anyway.
    }
  }

  private async findCoordinator(): Promise<void> {
    const deadline = Date.now() + this.options.reconnectTimeoutMs;
    for (let attempt = 0; ; attempt++) {
      if (this.stopped) throw new SamsaError('SAMSA_CLOSED', 'the consumer is closed');
      try {
        this.coordinator = await this.cluster.findCoordinator(this.options.groupId);
        return;
      } catch (err) {
        if (!isRetriableError(err) || Date.now() > deadline) {
          throw new SamsaError(
            'SAMSA_GROUP',
            `cannot find the coordinator of group ${this.options.groupId}: ${(err as Error).message}`,
            { cause: err },
          );
        }
        await this.cluster.sleep(
          backoffDelay(attempt, this.cluster.options.retryBackoffMs, this.cluster.options.retryBackoffMsMax),
        );
      }
    }
  }

  private async joinLoop(): Promise<void> {
    const deadline = Date.now() + this.options.reconnectTimeoutMs + this.options.rebalanceTimeoutMs;
    let attempt = 0;
    for (;;) {
      if (this.stopped) return;
      this.rejoinNeeded = false;
      try {
        if (this.coordinator < 0) await this.findCoordinator();
        const again = await this.joinOnce();
        attempt = 0;
        if (!again && !this.rejoinNeeded) return;
      } catch (err) {
        if (this.stopped) return;
        if (err instanceof SamsaError && (err.code === 'SAMSA_GROUP' || err.code === 'SAMSA_CLOSED'))
          throw err;
        if (!isRetriableError(err) || Date.now() > deadline) {
          throw new SamsaError(
            'SAMSA_GROUP',
            `joining group ${this.options.groupId} failed: ${(err as Error).message}`,
            { cause: err },
          );
        }
        this.coordinator = -1;
        await this.cluster.sleep(
          backoffDelay(
            attempt++,
            this.cluster.options.retryBackoffMs,
            this.cluster.options.retryBackoffMsMax,
          ),
        );
      }
    }
  }

  /** One JoinGroup + SyncGroup round; true when another round is needed. */
  private async joinOnce(): Promise<boolean> {
    const o = this.options;
    if (!this.cooperative && this.owned.length > 0) {
      const revoked = this.owned;
      this.owned = [];
      await this.hooks.revoked(revoked);
    }
    const topics = [...this.hooks.topics()].sort();
    const conn = await this.cluster.connectionTo(this.coordinator);
    const join: JoinGroupResponse = await conn.request(
      ApiKey.JoinGroup,
      {
        groupId: o.groupId,
        sessionTimeoutMs: o.sessionTimeoutMs,
        rebalanceTimeoutMs: o.rebalanceTimeoutMs,
        memberId: this.memberId,
        groupInstanceId: o.groupInstanceId,
        protocolType,
        protocols: o.assignors.map((a) => ({
          name: a.name,
          metadata: encodeSubscription(topics, this.cooperative ? this.owned : []),
        })),
      },
      { timeoutMs: o.rebalanceTimeoutMs + this.cluster.options.requestTimeoutMs },
    );
    switch (join.errorCode) {
      case 0:
        break;
      case ErrorCode.MEMBER_ID_REQUIRED:
        this.memberId = join.memberId;
        return true;
      case ErrorCode.UNKNOWN_MEMBER_ID:
      case ErrorCode.ILLEGAL_GENERATION:
        await this.loseAll();
        return true;
      case ErrorCode.REBALANCE_IN_PROGRESS:
        return true;
      case ErrorCode.NOT_COORDINATOR:
      case ErrorCode.COORDINATOR_NOT_AVAILABLE:
      case ErrorCode.COORDINATOR_LOAD_IN_PROGRESS:
        this.coordinator = -1;
        throw kafkaError(join.errorCode, `JoinGroup(${o.groupId})`);
      default:
        throw new SamsaError('SAMSA_GROUP', `JoinGroup(${o.groupId}) failed`, {
          kafkaCode: join.errorCode,
          cause: kafkaError(join.errorCode, 'JoinGroup'),
        });
    }
    this.memberId = join.memberId;
    this.generationId = join.generationId;
    this.protocolName = join.protocolName;
    let assignments: { memberId: string; assignment: Buffer }[] = [];
    if (join.leader === join.memberId) assignments = await this.leaderAssign(join);
    const sync = await conn.request(
      ApiKey.SyncGroup,
      {
        groupId: o.groupId,
        generationId: join.generationId,
        memberId: this.memberId,
        groupInstanceId: o.groupInstanceId,
        protocolType,
        protocolName: join.protocolName,
        assignments,
      },
      { timeoutMs: o.rebalanceTimeoutMs + this.cluster.options.requestTimeoutMs },
    );
    switch (sync.errorCode) {
      case 0:
        break;
      case ErrorCode.REBALANCE_IN_PROGRESS:
        return true;
      case ErrorCode.UNKNOWN_MEMBER_ID:
      case ErrorCode.ILLEGAL_GENERATION:
        await this.loseAll();
        return true;
      case ErrorCode.NOT_COORDINATOR:
      case ErrorCode.COORDINATOR_NOT_AVAILABLE:
        this.coordinator = -1;
        throw kafkaError(sync.errorCode, `SyncGroup(${o.groupId})`);
      default:
        throw new SamsaError('SAMSA_GROUP', `SyncGroup(${o.groupId}) failed`, {
          kafkaCode: sync.errorCode,
          cause: kafkaError(sync.errorCode, 'SyncGroup'),
        });
    }
    const assigned = decodeAssignment(sync.assignment).partitions;
    const revoked = minus(this.owned, assigned);
    const added = minus(assigned, this.owned);
    if (revoked.length > 0) await this.hooks.revoked(revoked);
    this.owned = assigned;
    this.rebalances++;
    if (added.length > 0 || !this.cooperative) await this.hooks.assigned(added);
    // Cooperative: partitions we gave up go to others in a follow-up rebalance.
    return this.cooperative && revoked.length > 0;
  }

  private async leaderAssign(join: JoinGroupResponse): Promise<{ memberId: string; assignment: Buffer }[]> {
    const assignor = this.options.assignors.find((a) => a.name === join.protocolName);
    if (!assignor)
      throw new SamsaError(
        'SAMSA_GROUP',
        `the group chose protocol ${join.protocolName}, which this consumer does not know`,
      );
    const members: MemberSubscription[] = join.members.map((m) => {
      const s = decodeSubscription(m.metadata);
      return {
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId ?? null,
        topics: s.topics,
        ownedPartitions: s.ownedPartitions,
        userData: s.userData,
      };
    });
    const allTopics = [...new Set(members.flatMap((m) => m.topics))];
    // One refresh: a subscribed topic that does not exist simply gets no partitions.
    await this.cluster.refreshMetadata(allTopics, false).catch(() => undefined);
    const counts = new Map<string, number>();
    for (const t of allTopics) {
      const n = this.cluster.partitionCount(t);
      if (n !== undefined) counts.set(t, n);
    }
    const result = assignor.assign(members, counts);
    return members.map((m) => ({
      memberId: m.memberId,
      assignment: encodeAssignment(result.get(m.memberId) ?? []),
    }));
  }

  private async loseAll(): Promise<void> {
    this.memberId = this.options.groupInstanceId !== null ? this.memberId : '';
    this.generationId = -1;
    if (this.options.groupInstanceId === null) this.memberId = '';
    const lost = this.owned;
    this.owned = [];
    if (lost.length > 0) await this.hooks.lost(lost);
  }

  private startHeartbeats(): void {
    this.stopHeartbeats();
    this.heartbeatTimer = setInterval(() => void this.heartbeat(), this.options.heartbeatIntervalMs);
  }

  private stopHeartbeats(): void {
    clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = undefined;
  }

  private heartbeatInFlight = false;

  private async heartbeat(): Promise<void> {
    if (this.heartbeatInFlight || this.joining || this.stopped) return;
    this.heartbeatInFlight = true;
    try {
      if (this.coordinator < 0) await this.findCoordinator();
      const conn = await this.cluster.connectionTo(this.coordinator);
      const res = await conn.request(
        ApiKey.Heartbeat,
        {
          groupId: this.options.groupId,
          generationId: this.generationId,
          memberId: this.memberId,
          groupInstanceId: this.options.groupInstanceId,
        },
        { timeoutMs: Math.max(1000, this.options.sessionTimeoutMs) },
      );
      this.coordinatorLostSince = 0;
      switch (res.errorCode) {
        case 0:
          return;
        case ErrorCode.REBALANCE_IN_PROGRESS:
          void this.join();
          return;
        case ErrorCode.UNKNOWN_MEMBER_ID:
        case ErrorCode.ILLEGAL_GENERATION:
          await this.loseAll();
          void this.join();
          return;
        case ErrorCode.NOT_COORDINATOR:
        case ErrorCode.COORDINATOR_NOT_AVAILABLE:
        case ErrorCode.COORDINATOR_LOAD_IN_PROGRESS:
          this.coordinator = -1;
          return;
        case ErrorCode.FENCED_INSTANCE_ID:
          this.hooks.fatal(
            new SamsaError(
              'SAMSA_GROUP',
              `static member ${this.options.groupInstanceId} was fenced by another instance`,
              { kafkaCode: res.errorCode },
            ),
          );
          return;
        default:
          this.hooks.fatal(
            new SamsaError('SAMSA_GROUP', `heartbeat failed`, {
              kafkaCode: res.errorCode,
              cause: kafkaError(res.errorCode, 'Heartbeat'),
            }),
          );
      }
    } catch (err) {
      if (this.stopped) return;
      // Coordinator unreachable (restart, move): find it again; give up after reconnectTimeoutMs.
      this.coordinator = -1;
      const now = Date.now();
      if (this.coordinatorLostSince === 0) this.coordinatorLostSince = now;
      if (now - this.coordinatorLostSince > this.options.reconnectTimeoutMs) {
        this.hooks.fatal(
          new SamsaError(
            'SAMSA_FATAL',
            `group coordinator unreachable for ${now - this.coordinatorLostSince} ms: ${(err as Error).message}`,
            { cause: err },
          ),
        );
      }
    } finally {
      this.heartbeatInFlight = false;
    }
  }
}
