/**
 * The group coordinator: Kafka's classic group protocol and offset management as logic over
 * an injected clock and GroupLog — no sockets, no wire formats (handlers.ts maps the wire
 * versions onto this). This file is the front: lifecycle (load, expiration task, close), the
 * checks every group request starts with (group id, loading, ownership), and the admin
 * operations; membership.ts runs rebalances, offset-manager.ts committed offsets,
 * group-store.ts holds the groups and writes their records.
 *
 * Writes go to the GroupLog of the group's __consumer_offsets partition, in order; a commit is
 * acknowledged, and assignments handed out, only after their append resolved.
 *
 * Not thread-safe; everything runs on the event loop. Results of JoinGroup/SyncGroup are
 * promises that resolve when the rebalance step completes.
 */

import { ErrorCode } from '../../protocol/error-codes.js';
import { type Clock, SystemClock, type TimerHandle } from './clock.js';
import { type GroupCoordinatorConfig, resolveGroupConfig } from './config.js';
import type { ClassicGroup, GroupState } from './group.js';
import type { GroupLog } from './group-log.js';
import { appendErrorCode, GroupStore } from './group-store.js';
import { EMPTY_BYTES, type JoinResult, joinError, type SyncResult, syncError } from './member.js';
import { GroupMembership } from './membership.js';
import { OffsetManager } from './offset-manager.js';
import { type GroupLogRecord, groupRecord, offsetRecord } from './records.js';
import type {
  CommitArgs,
  FetchResult,
  GroupDescription,
  GroupLogger,
  GroupOverview,
  HeartbeatArgs,
  JoinArgs,
  LeaveArgs,
  LeaveResult,
  PartitionErrors,
  SyncArgs,
} from './types.js';

export type * from './types.js';

const silentLogger: GroupLogger = { debug() {}, info() {}, warn() {}, error() {} };

export interface GroupCoordinatorOptions {
  config?: Partial<GroupCoordinatorConfig>;
  /** Defaults to the system clock. */
  clock?: Clock;
  /**
   * The log of one __consumer_offsets partition; called once per partition by start(). Absent
   * with `loadOnLeadership`: logs arrive with loadPartition().
   */
  logFor?: (partition: number) => GroupLog;
  /** Does this topic partition exist? (OffsetCommit and OffsetDelete answer UNKNOWN_TOPIC_OR_PARTITION otherwise.) */
  topicExists: (topic: string, partition: number) => boolean;
  /** Does this node coordinate the groups of this __consumer_offsets partition? Default: every one. */
  ownsPartition?: (partition: number) => boolean;
  /**
   * Cluster mode: start() loads nothing; this node coordinates exactly the partitions given to
   * loadPartition() (it leads them) until unloadPartition() (leadership moved).
   */
  loadOnLeadership?: boolean;
  logger?: GroupLogger;
  /** Random suffix of member ids; defaults to crypto.randomUUID. */
  newUuid?: () => string;
}

/** Which API asks: OffsetCommit/OffsetFetch/DescribeGroups/DeleteGroups accept the empty group id. */
type GroupApi =
  | 'join'
  | 'sync'
  | 'heartbeat'
  | 'leave'
  | 'commit'
  | 'fetch'
  | 'describe'
  | 'delete'
  | 'offsetDelete';
const apisAllowingEmptyGroupId = new Set<GroupApi>(['commit', 'fetch', 'describe', 'delete']);

type Phase = 'idle' | 'loading' | 'active' | 'closed';

/** Thrown by start() when it is called twice or after close(). */
export class GroupCoordinatorStateError extends Error {
  readonly code = 'SAMSA_GROUP_COORDINATOR_STATE';
}

export class GroupCoordinator {
  readonly config: GroupCoordinatorConfig;
  private readonly clock: Clock;
  private readonly ownsPartition: (partition: number) => boolean;
  private readonly log: GroupLogger;
  private readonly store: GroupStore;
  private readonly membership: GroupMembership;
  private readonly offsets: OffsetManager;
  private expirationTimer: TimerHandle | null = null;
  private phase: Phase = 'idle';
  private readonly loadOnLeadership: boolean;
  /** With loadOnLeadership: the partitions this node coordinates, and whether each is still loading. */
  private readonly led = new Map<number, { loading: boolean }>();

  constructor(opts: GroupCoordinatorOptions) {
    this.config = resolveGroupConfig(opts.config);
    this.clock = opts.clock ?? new SystemClock();
    this.loadOnLeadership = opts.loadOnLeadership ?? false;
    this.ownsPartition = this.loadOnLeadership
      ? (p) => this.led.get(p)?.loading === false
      : (opts.ownsPartition ?? (() => true));
    this.log = opts.logger ?? silentLogger;
    this.store = new GroupStore({
      partitions: this.config.offsetsTopicPartitions,
      groupsMax: this.config.groupsMax,
      logFor: opts.logFor,
      ownsPartition: this.ownsPartition,
      clock: this.clock,
      log: this.log,
    });
    const common = { store: this.store, clock: this.clock, config: this.config, log: this.log };
    this.membership = new GroupMembership({
      ...common,
      newUuid: opts.newUuid ?? (() => crypto.randomUUID()),
    });
    this.offsets = new OffsetManager({
      ...common,
      membership: this.membership,
      topicExists: opts.topicExists,
    });
  }

  // ---------------------------------------------------------------- lifecycle

  /** Load every owned __consumer_offsets partition, then start serving and the expiration task. */
  async start(): Promise<void> {
    if (this.phase !== 'idle') throw new GroupCoordinatorStateError(`start() in phase ${this.phase}`);
    this.phase = 'loading';
    if (!this.loadOnLeadership) await this.store.load();
    if (this.phase !== 'loading') return; // closed while loading
    this.phase = 'active';
    for (const group of this.store.groups.values()) this.membership.resume(group);
    this.scheduleExpiration();
    this.log.info({ groups: this.store.groups.size }, 'group coordinator loaded');
  }

  /**
   * Stop: cancel every timer, answer every waiting JoinGroup/SyncGroup with NOT_COORDINATOR,
   * and wait for the writes in flight.
   */
  async close(): Promise<void> {
    if (this.phase === 'closed') return;
    this.phase = 'closed';
    if (this.expirationTimer) this.clock.clearTimer(this.expirationTimer);
    this.expirationTimer = null;
    for (const group of this.store.groups.values())
      this.membership.shutDown(group, ErrorCode.NOT_COORDINATOR);
    await this.store.drain();
  }

  /**
   * Cluster mode: this node now leads __consumer_offsets partition `partition`. Replay `log`
   * and coordinate the partition's groups; their requests get COORDINATOR_LOAD_IN_PROGRESS
   * meanwhile. A partition loaded already is unloaded first (a new leader epoch).
   */
  async loadPartition(partition: number, log: GroupLog): Promise<void> {
    if (!this.loadOnLeadership)
      throw new GroupCoordinatorStateError('loadPartition() needs loadOnLeadership');
    if (this.phase !== 'active') return;
    await this.unloadPartition(partition);
    const entry = { loading: true };
    this.led.set(partition, entry);
    this.store.attachLog(partition, log);
    let groups: ClassicGroup[];
    try {
      groups = await this.store.readPartition(partition);
    } catch (err) {
      if (this.led.get(partition) === entry) await this.unloadPartition(partition);
      throw err;
    }
    if (this.led.get(partition) !== entry || this.phase !== 'active') return; // unloaded meanwhile
    for (const group of groups) {
      this.store.groups.set(group.groupId, group);
      this.membership.resume(group);
    }
    entry.loading = false;
    this.log.debug(
      { partition, groups: groups.length },
      'coordinating the groups of a __consumer_offsets partition',
    );
  }

  /**
   * Cluster mode: this node no longer leads `partition`. Its groups are dropped here (members
   * waiting on a rebalance get NOT_COORDINATOR and find the new coordinator); resolves once the
   * writes queued on it have finished.
   */
  async unloadPartition(partition: number): Promise<void> {
    if (!this.led.delete(partition)) return;
    for (const group of this.store.groups.values())
      if (this.partitionFor(group.groupId) === partition)
        this.membership.shutDown(group, ErrorCode.NOT_COORDINATOR);
    const groups = await this.store.detachPartition(partition);
    if (groups.length > 0)
      this.log.info(
        { partition, groups: groups.length },
        'stopped coordinating a __consumer_offsets partition',
      );
  }

  /** Cluster mode: the partitions this node coordinates or is loading. */
  get ledPartitions(): number[] {
    return [...this.led.keys()];
  }

  private scheduleExpiration(): void {
    this.expirationTimer = this.clock.setTimer(this.config.offsetsRetentionCheckIntervalMs, () => {
      this.expirationTimer = null;
      if (this.phase !== 'active') return;
      this.offsets.expireOffsets();
      void this.store.compactLogs();
      this.scheduleExpiration();
    });
  }

  /** True between a finished start() and close(): FindCoordinator may point clients here. */
  get serving(): boolean {
    return this.phase === 'active';
  }

  /** Is this node the coordinator of the group (single node: always)? */
  coordinates(groupId: string): boolean {
    return this.ownsPartition(this.partitionFor(groupId));
  }

  /** Does this node coordinate the groups of this __consumer_offsets partition (loaded, not loading)? */
  coordinatesPartition(partition: number): boolean {
    return this.ownsPartition(partition);
  }

  partitionFor(groupId: string): number {
    return this.store.partitionFor(groupId);
  }

  /** A group's state, or undefined when the coordinator holds no such group (tests, admin views). */
  groupState(groupId: string): GroupState | undefined {
    return this.store.get(groupId)?.state;
  }

  /** A read-only view of a group (tests, admin views). */
  inspect(groupId: string): Readonly<ClassicGroup> | undefined {
    return this.store.get(groupId);
  }

  get groupCount(): number {
    return this.store.groups.size;
  }

  /** Remove expired offsets and then empty groups without offsets now (the periodic task does this too). */
  expireOffsets(): number {
    return this.offsets.expireOffsets();
  }

  /** Compact the logs that can (the periodic task does this too). */
  compactLogs(): Promise<void> {
    return this.store.compactLogs();
  }

  private groupStatusError(groupId: string | null | undefined, api: GroupApi): number {
    if (typeof groupId !== 'string' || (groupId === '' && !apisAllowingEmptyGroupId.has(api))) {
      return ErrorCode.INVALID_GROUP_ID;
    }
    if (this.phase === 'loading') return ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
    if (this.phase !== 'active') return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    const p = this.partitionFor(groupId);
    if (this.led.get(p)?.loading) return ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
    if (!this.ownsPartition(p)) return ErrorCode.NOT_COORDINATOR;
    return ErrorCode.NONE;
  }

  // ---------------------------------------------------------------- membership

  joinGroup(a: JoinArgs): Promise<JoinResult> {
    const statusError = this.groupStatusError(a.groupId, 'join');
    if (statusError !== ErrorCode.NONE) return Promise.resolve(joinError(a.memberId, statusError));
    return this.membership.joinGroup(a);
  }

  syncGroup(a: SyncArgs): Promise<SyncResult> {
    const statusError = this.groupStatusError(a.groupId, 'sync');
    // The rebalance state is not known while loading: have the member rejoin (older clients
    // do not expect COORDINATOR_LOAD_IN_PROGRESS here).
    if (statusError === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS) {
      return Promise.resolve(syncError(ErrorCode.REBALANCE_IN_PROGRESS));
    }
    if (statusError !== ErrorCode.NONE) return Promise.resolve(syncError(statusError));
    return this.membership.syncGroup(a);
  }

  heartbeat(a: HeartbeatArgs): number {
    const statusError = this.groupStatusError(a.groupId, 'heartbeat');
    // While loading, answer blindly: the member's state is not known yet.
    if (statusError === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS) return ErrorCode.NONE;
    if (statusError !== ErrorCode.NONE) return statusError;
    return this.membership.heartbeat(a);
  }

  /** Resolves once the group metadata writes queued so far for this group are on disk (page cache). */
  writesSettled(groupId: string): Promise<void> {
    return this.store.settled(groupId);
  }

  leaveGroup(a: LeaveArgs): LeaveResult {
    const statusError = this.groupStatusError(a.groupId, 'leave');
    if (statusError !== ErrorCode.NONE) return { errorCode: statusError, members: [] };
    return this.membership.leaveGroup(a);
  }

  // ---------------------------------------------------------------- offsets

  commitOffsets(a: CommitArgs): Promise<PartitionErrors> {
    return this.offsets.commitOffsets(a, this.groupStatusError(a.groupId, 'commit'));
  }

  /** Committed offsets of a group: of the listed partitions, or of every partition when `topics` is null. */
  fetchOffsets(groupId: string, topics: { name: string; partitionIndexes: number[] }[] | null): FetchResult {
    const statusError = this.groupStatusError(groupId, 'fetch');
    if (statusError !== ErrorCode.NONE) return { errorCode: statusError, topics: [] };
    return this.offsets.fetchOffsets(groupId, topics);
  }

  async deleteOffsets(
    groupId: string,
    topics: { name: string; partitions: number[] }[],
  ): Promise<{ errorCode: number; topics: PartitionErrors }> {
    const statusError = this.groupStatusError(groupId, 'offsetDelete');
    if (statusError !== ErrorCode.NONE) return { errorCode: statusError, topics: [] };
    return this.offsets.deleteOffsets(groupId, topics);
  }

  // ---------------------------------------------------------------- admin

  listGroups(statesFilter: string[]): { errorCode: number; groups: GroupOverview[] } {
    if (this.phase !== 'active' && this.phase !== 'loading') {
      return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, groups: [] };
    }
    const errorCode = this.phase === 'loading' ? ErrorCode.COORDINATOR_LOAD_IN_PROGRESS : ErrorCode.NONE;
    const wanted = new Set(statesFilter.map((s) => s.toLowerCase()));
    const groups: GroupOverview[] = [];
    for (const g of this.store.groups.values()) {
      if (wanted.size > 0 && !wanted.has(g.state.toLowerCase())) continue;
      groups.push({ groupId: g.groupId, protocolType: g.protocolType ?? '', groupState: g.state });
    }
    return { errorCode, groups };
  }

  describeGroup(groupId: string): GroupDescription {
    const statusError = this.groupStatusError(groupId, 'describe');
    const empty = { groupId, protocolType: '', protocolData: '', members: [] };
    if (statusError !== ErrorCode.NONE) return { errorCode: statusError, groupState: '', ...empty };
    const group = this.store.get(groupId);
    if (!group) return { errorCode: ErrorCode.NONE, groupState: 'Dead', ...empty };
    const stable = group.is('Stable');
    return {
      errorCode: ErrorCode.NONE,
      groupId,
      groupState: group.state,
      protocolType: group.protocolType ?? '',
      protocolData: stable ? (group.protocolName ?? '') : '',
      members: [...group.members.values()].map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        memberMetadata: stable ? m.metadata(group.protocolName) : EMPTY_BYTES,
        memberAssignment: stable ? m.assignment : EMPTY_BYTES,
      })),
    };
  }

  async deleteGroups(groupIds: string[]): Promise<{ groupId: string; errorCode: number }[]> {
    const results = new Map<string, number>();
    const deleted: ClassicGroup[] = [];
    for (const groupId of groupIds) {
      if (results.has(groupId)) continue;
      const statusError = this.groupStatusError(groupId, 'delete');
      if (statusError !== ErrorCode.NONE) {
        results.set(groupId, statusError);
        continue;
      }
      const group = this.store.get(groupId);
      if (!group || group.is('Dead')) results.set(groupId, ErrorCode.GROUP_ID_NOT_FOUND);
      else if (!group.is('Empty')) results.set(groupId, ErrorCode.NON_EMPTY_GROUP);
      else {
        this.membership.cancelGroupTimers(group);
        this.store.remove(group);
        deleted.push(group);
      }
    }
    await Promise.all(
      deleted.map(async (group) => {
        const records: GroupLogRecord[] = [];
        for (const [topic, parts] of group.offsets) {
          for (const p of parts.keys()) records.push(offsetRecord(group.groupId, topic, p, null));
        }
        records.push(groupRecord(group.groupId, null));
        try {
          await this.store.append(group.groupId, records);
          results.set(group.groupId, ErrorCode.NONE);
        } catch (err) {
          this.log.error({ groupId: group.groupId, err }, 'storing group deletion failed');
          results.set(group.groupId, appendErrorCode(err, 'group'));
        }
      }),
    );
    return groupIds.map((groupId) => ({ groupId, errorCode: results.get(groupId) ?? ErrorCode.NONE }));
  }
}
