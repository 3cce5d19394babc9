/**
 * The group coordinator: Kafka's classic group protocol (JoinGroup, SyncGroup, Heartbeat,
 * LeaveGroup) and offset management, as logic over an injected clock and GroupLog — no
 * sockets, no wire formats (handlers.ts maps wire versions onto this).
 *
 * Behaviour follows Kafka's GroupCoordinator/GroupMetadataManager (classic groups): the same
 * states, transitions, timers (session, rebalance, initial rebalance delay, pending sync, new
 * member join) and error codes. Where Kafka leaves a request unanswered forever (a JoinGroup
 * replaced by a duplicate, a SyncGroup of a member that left), Samsa answers it, because the
 * broker answers requests on a connection in order and one lost answer would stall it.
 *
 * Writes go to the GroupLog of the group's __consumer_offsets partition, in order; a commit is
 * acknowledged, and assignments handed out, only after their append resolved.
 *
 * Not thread-safe; everything runs on the event loop. Results of JoinGroup/SyncGroup are
 * promises that resolve when the rebalance step completes.
 */
import { type Clock, SystemClock, type TimerHandle } from './clock.js';
import { type GroupCoordinatorConfig, resolveGroupConfig } from './config.js';
import { GroupError } from './error-codes.js';
import { ClassicGroup, type CommittedOffset, type GroupState } from './group.js';
import type { GroupLog } from './group-log.js';
import {
  EMPTY_BYTES,
  GroupMember,
  type GroupProtocol,
  type JoinResult,
  joinError,
  type SyncResult,
  syncError,
} from './member.js';
import { partitionForGroup } from './partitioning.js';
import {
  decodeRecord,
  type GroupLogRecord,
  GroupRecordError,
  groupRecord,
  offsetRecord,
  type StoredGroup,
} from './records.js';

/** The logging the coordinator does (pino's Logger fits). */
export interface GroupLogger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

const silentLogger: GroupLogger = { debug() {}, info() {}, warn() {}, error() {} };

export interface GroupCoordinatorOptions {
  config?: Partial<GroupCoordinatorConfig>;
  /** Defaults to the system clock. */
  clock?: Clock;
  /** The log of one __consumer_offsets partition; called once per partition by start(). */
  logFor: (partition: number) => GroupLog;
  /** Does this topic partition exist? (OffsetCommit and OffsetDelete answer UNKNOWN_TOPIC_OR_PARTITION otherwise.) */
  topicExists: (topic: string, partition: number) => boolean;
  /** Does this node coordinate the groups of this __consumer_offsets partition? Default: every one. */
  ownsPartition?: (partition: number) => boolean;
  logger?: GroupLogger;
  /** Random suffix of member ids; defaults to crypto.randomUUID. */
  newUuid?: () => string;
}

export interface JoinArgs {
  groupId: string;
  /** '' for a member joining for the first time. */
  memberId: string;
  groupInstanceId: string | null;
  /** JoinGroup v4+: a new dynamic member first gets MEMBER_ID_REQUIRED and its id. */
  requireKnownMemberId: boolean;
  clientId: string;
  clientHost: string;
  rebalanceTimeoutMs: number;
  sessionTimeoutMs: number;
  protocolType: string;
  protocols: GroupProtocol[];
}

export interface SyncArgs {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  protocolType: string | null;
  protocolName: string | null;
  assignments: { memberId: string; assignment: Buffer }[];
}

export interface HeartbeatArgs {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
}

export interface LeaveArgs {
  groupId: string;
  members: { memberId: string; groupInstanceId: string | null }[];
}

export interface LeaveResult {
  errorCode: number;
  members: { memberId: string; groupInstanceId: string | null; errorCode: number }[];
}

export interface CommitPartition {
  partitionIndex: number;
  committedOffset: number;
  committedLeaderEpoch: number;
  committedMetadata: string | null;
}

export interface CommitArgs {
  groupId: string;
  /** -1 for a commit outside group management ("simple" / standalone consumers). */
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  /** OffsetCommit v2–4 retention time; -1 for the broker's retention rule. */
  retentionTimeMs: number;
  topics: { name: string; partitions: CommitPartition[] }[];
}

export type PartitionErrors = { name: string; partitions: { partitionIndex: number; errorCode: number }[] }[];

export interface FetchedPartition {
  partitionIndex: number;
  committedOffset: number;
  committedLeaderEpoch: number;
  metadata: string;
  errorCode: number;
}

export interface FetchResult {
  errorCode: number;
  topics: { name: string; partitions: FetchedPartition[] }[];
}

export interface GroupOverview {
  groupId: string;
  protocolType: string;
  groupState: GroupState;
}

export interface GroupDescription {
  errorCode: number;
  groupId: string;
  groupState: string;
  protocolType: string;
  protocolData: string;
  members: {
    memberId: string;
    groupInstanceId: string | null;
    clientId: string;
    clientHost: string;
    memberMetadata: Buffer;
    memberAssignment: Buffer;
  }[];
}

/**
 * Kafka's mapping of a failed __consumer_offsets append to what the client is told
 * (GroupMetadataManager): too large, storage gone, or otherwise unavailable. Storage errors
 * are recognised by their `code` (storage/errors.ts) without importing storage.
 */
function appendErrorCode(err: unknown, what: 'group' | 'offsets'): number {
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'RECORD_TOO_LARGE' || code === 'APPEND_TOO_LARGE') {
    return what === 'offsets' ? GroupError.INVALID_COMMIT_OFFSET_SIZE : GroupError.UNKNOWN_SERVER_ERROR;
  }
  if (code === 'STORAGE_IO' || code === 'PARTITION_OFFLINE' || code === 'LOG_CLOSED')
    return GroupError.NOT_COORDINATOR;
  return GroupError.COORDINATOR_NOT_AVAILABLE;
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
  private readonly logFor: (partition: number) => GroupLog;
  private readonly topicExists: (topic: string, partition: number) => boolean;
  private readonly ownsPartition: (partition: number) => boolean;
  private readonly log: GroupLogger;
  private readonly newUuid: () => string;
  private readonly groups = new Map<string, ClassicGroup>();
  private readonly logs = new Map<number, GroupLog>();
  /** The last append of each partition: appends of one partition run one after the other. */
  private readonly appendTails = new Map<number, Promise<void>>();
  private expirationTimer: TimerHandle | null = null;
  private phase: Phase = 'idle';

  constructor(opts: GroupCoordinatorOptions) {
    this.config = resolveGroupConfig(opts.config);
    this.clock = opts.clock ?? new SystemClock();
    this.logFor = opts.logFor;
    this.topicExists = opts.topicExists;
    this.ownsPartition = opts.ownsPartition ?? (() => true);
    this.log = opts.logger ?? silentLogger;
    this.newUuid = opts.newUuid ?? (() => crypto.randomUUID());
  }

  // ---------------------------------------------------------------- lifecycle

  /** Load every owned __consumer_offsets partition, then start serving and the expiration task. */
  async start(): Promise<void> {
    if (this.phase !== 'idle') throw new GroupCoordinatorStateError(`start() in phase ${this.phase}`);
    this.phase = 'loading';
    const stored = new Map<string, { group: StoredGroup | null; offsets: Map<string, CommittedOffset> }>();
    let skipped = 0;
    for (let p = 0; p < this.config.offsetsTopicPartitions; p++) {
      if (!this.ownsPartition(p)) continue;
      const log = this.logFor(p);
      this.logs.set(p, log);
      for await (const r of log.load()) {
        let rec: ReturnType<typeof decodeRecord>;
        try {
          rec = decodeRecord(r);
        } catch (err) {
          if (!(err instanceof GroupRecordError)) throw err;
          skipped++;
          continue;
        }
        let entry = stored.get(rec.groupId);
        if (!entry) stored.set(rec.groupId, (entry = { group: null, offsets: new Map() }));
        if (rec.kind === 'group') entry.group = rec.value;
        else {
          const k = `${rec.partition}:${rec.topic}`;
          if (rec.value === null) entry.offsets.delete(k);
          else entry.offsets.set(k, rec.value);
        }
      }
    }
    if (this.phase !== 'loading') return; // closed while loading
    if (skipped > 0) this.log.warn({ skipped }, 'skipped unreadable __consumer_offsets records');
    const now = this.clock.now();
    for (const [groupId, entry] of stored) {
      if (entry.group === null && entry.offsets.size === 0) continue;
      const group = this.restoreGroup(groupId, entry.group, now);
      for (const [k, o] of entry.offsets) {
        const sep = k.indexOf(':');
        group.setOffset(k.slice(sep + 1), Number(k.slice(0, sep)), o);
      }
      this.groups.set(groupId, group);
    }
    this.phase = 'active';
    for (const group of this.groups.values()) {
      for (const m of group.members.values()) this.scheduleHeartbeat(group, m, m.sessionTimeoutMs);
      if (group.size > this.config.groupMembersMax)
        this.prepareRebalance(group, 'loaded group is over capacity');
    }
    this.scheduleExpiration();
    this.log.info({ groups: this.groups.size }, 'group coordinator loaded');
  }

  private restoreGroup(groupId: string, g: StoredGroup | null, now: number): ClassicGroup {
    const hasMembers = g !== null && g.members.length > 0 && g.protocolName !== null;
    const group = new ClassicGroup(groupId, hasMembers ? 'Stable' : 'Empty', g?.stateTimestamp ?? now);
    if (g === null) return group;
    group.protocolType = g.protocolType;
    group.generationId = g.generationId;
    if (hasMembers) {
      group.protocolName = g.protocolName;
      for (const m of g.members) {
        const member = new GroupMember({
          memberId: m.memberId,
          groupInstanceId: m.groupInstanceId,
          clientId: m.clientId,
          clientHost: m.clientHost,
          rebalanceTimeoutMs: m.rebalanceTimeoutMs,
          sessionTimeoutMs: m.sessionTimeoutMs,
          protocolType: g.protocolType ?? '',
          protocols: [{ name: g.protocolName!, metadata: m.subscription }],
          assignment: m.assignment,
        });
        if (member.groupInstanceId !== null && group.staticMembers.has(member.groupInstanceId)) continue;
        group.add(member, null);
      }
      if (g.leaderId !== null && group.members.has(g.leaderId)) group.leaderId = g.leaderId;
    }
    group.subscribedTopics = group.computeSubscribedTopics();
    return group;
  }

  /**
   * Stop: cancel every timer, answer every waiting JoinGroup/SyncGroup with NOT_COORDINATOR,
   * and wait for appends in flight.
   */
  async close(): Promise<void> {
    if (this.phase === 'closed') return;
    this.phase = 'closed';
    if (this.expirationTimer) this.clock.clearTimer(this.expirationTimer);
    this.expirationTimer = null;
    for (const group of this.groups.values()) {
      this.cancelGroupTimers(group);
      for (const m of group.members.values()) {
        this.cancelHeartbeat(m);
        group.completeJoin(m, joinError(m.memberId, GroupError.NOT_COORDINATOR));
        group.completeSync(m, syncError(GroupError.NOT_COORDINATOR));
      }
    }
    await Promise.all([...this.appendTails.values()]);
  }

  private cancelGroupTimers(group: ClassicGroup): void {
    if (group.joinTimer) this.clock.clearTimer(group.joinTimer);
    if (group.syncTimer) this.clock.clearTimer(group.syncTimer);
    group.joinTimer = null;
    group.syncTimer = null;
    for (const t of group.pendingJoinMembers.values()) if (t) this.clock.clearTimer(t);
  }

  /** True between a finished start() and close(): FindCoordinator may point clients here. */
  get serving(): boolean {
    return this.phase === 'active';
  }

  /** Is this node the coordinator of the group (single node: always, once started)? */
  coordinates(groupId: string): boolean {
    return this.ownsPartition(this.partitionFor(groupId));
  }

  partitionFor(groupId: string): number {
    return partitionForGroup(groupId, this.config.offsetsTopicPartitions);
  }

  /** A group's state, or undefined when the coordinator holds no such group (tests, admin views). */
  groupState(groupId: string): GroupState | undefined {
    return this.groups.get(groupId)?.state;
  }

  /** A read-only view of a group (tests, admin views). */
  inspect(groupId: string): Readonly<ClassicGroup> | undefined {
    return this.groups.get(groupId);
  }

  get groupCount(): number {
    return this.groups.size;
  }

  private groupStatusError(groupId: string | null | undefined, api: GroupApi): number {
    if (typeof groupId !== 'string' || (groupId === '' && !apisAllowingEmptyGroupId.has(api))) {
      return GroupError.INVALID_GROUP_ID;
    }
    if (this.phase === 'loading') return GroupError.COORDINATOR_LOAD_IN_PROGRESS;
    if (this.phase !== 'active') return GroupError.COORDINATOR_NOT_AVAILABLE;
    if (!this.ownsPartition(this.partitionFor(groupId))) return GroupError.NOT_COORDINATOR;
    return GroupError.NONE;
  }

  /** A new Empty group, or null when the coordinator already holds groupsMax groups. */
  private createGroup(groupId: string): ClassicGroup | null {
    if (this.groups.size >= this.config.groupsMax) {
      this.log.warn({ groupId, groupsMax: this.config.groupsMax }, 'refusing a new group: too many groups');
      return null;
    }
    const group = new ClassicGroup(groupId, 'Empty', this.clock.now());
    this.groups.set(groupId, group);
    return group;
  }

  private isCurrent(group: ClassicGroup): boolean {
    return this.groups.get(group.groupId) === group && !group.is('Dead');
  }

  // ---------------------------------------------------------------- persistence

  private logOf(partition: number): GroupLog {
    let log = this.logs.get(partition);
    if (!log) this.logs.set(partition, (log = this.logFor(partition)));
    return log;
  }

  /** Run `op` on a partition's log after every operation queued before it. */
  private enqueue(partition: number, op: (log: GroupLog) => unknown): Promise<void> {
    const log = this.logOf(partition);
    const prev = this.appendTails.get(partition) ?? Promise.resolve();
    const next = prev.then(async () => {
      await op(log);
    });
    const tail = next.catch(() => {});
    this.appendTails.set(partition, tail);
    void tail.then(() => {
      if (this.appendTails.get(partition) === tail) this.appendTails.delete(partition);
    });
    return next;
  }

  private append(groupId: string, records: GroupLogRecord[]): Promise<void> {
    return this.enqueue(this.partitionFor(groupId), (log) => log.append(records));
  }

  /** Ask every log that can compact to do so (serialised with appends). Runs with the expiration task. */
  compactLogs(): Promise<void> {
    const runs: Promise<void>[] = [];
    for (const [p, log] of this.logs) {
      if (!log.compact) continue;
      runs.push(
        this.enqueue(p, (l) => l.compact?.()).catch((err: unknown) => {
          this.log.error({ partition: p, err }, 'compacting __consumer_offsets failed');
        }),
      );
    }
    return Promise.all(runs).then(() => {});
  }

  private storedGroup(group: ClassicGroup, assignment: Map<string, Buffer>): StoredGroup {
    return {
      protocolType: group.protocolType,
      generationId: group.generationId,
      protocolName: group.protocolName,
      leaderId: group.leaderId,
      stateTimestamp: group.stateTimestamp,
      members: [...group.members.values()].map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        rebalanceTimeoutMs: m.rebalanceTimeoutMs,
        sessionTimeoutMs: m.sessionTimeoutMs,
        subscription: m.metadata(group.protocolName),
        assignment: assignment.get(m.memberId) ?? EMPTY_BYTES,
      })),
    };
  }

  /** Write the group's metadata; resolves to an error code (NONE when stored). */
  private async storeGroup(group: ClassicGroup, assignment: Map<string, Buffer>): Promise<number> {
    try {
      await this.append(group.groupId, [groupRecord(group.groupId, this.storedGroup(group, assignment))]);
      return GroupError.NONE;
    } catch (err) {
      this.log.error({ groupId: group.groupId, err }, 'storing group metadata failed');
      return appendErrorCode(err, 'group');
    }
  }

  // ---------------------------------------------------------------- timers

  private scheduleHeartbeat(group: ClassicGroup, member: GroupMember, timeoutMs: number): void {
    this.cancelHeartbeat(member);
    member.heartbeatTimer = this.clock.setTimer(timeoutMs, () => {
      member.heartbeatTimer = null;
      this.onHeartbeatExpired(group, member);
    });
  }

  private cancelHeartbeat(member: GroupMember): void {
    if (member.heartbeatTimer) this.clock.clearTimer(member.heartbeatTimer);
    member.heartbeatTimer = null;
  }

  private onHeartbeatExpired(group: ClassicGroup, member: GroupMember): void {
    if (!this.isCurrent(group) || group.members.get(member.memberId) !== member) return;
    // Members waiting for a rebalance step count as alive, unless they are new: a new member's
    // JoinGroup may wait at most newMemberJoinTimeoutMs.
    const satisfied = !member.isNew && (member.awaitingJoin !== null || member.awaitingSync !== null);
    if (satisfied) return;
    this.log.info({ groupId: group.groupId, memberId: member.memberId }, 'member session expired');
    this.removeMemberAndUpdateGroup(group, member);
  }

  private addPendingMember(group: ClassicGroup, memberId: string, timeoutMs: number): void {
    const timer = this.clock.setTimer(timeoutMs, () => {
      if (!this.isCurrent(group) || !group.pendingJoinMembers.has(memberId)) return;
      group.pendingJoinMembers.set(memberId, null);
      this.removePendingMember(group, memberId);
    });
    group.pendingJoinMembers.set(memberId, timer);
  }

  private removePendingMember(group: ClassicGroup, memberId: string): void {
    const timer = group.pendingJoinMembers.get(memberId);
    if (timer) this.clock.clearTimer(timer);
    group.remove(memberId);
    if (group.is('PreparingRebalance')) this.maybeCompleteJoinPhase(group);
  }

  private scheduleExpiration(): void {
    this.expirationTimer = this.clock.setTimer(this.config.offsetsRetentionCheckIntervalMs, () => {
      this.expirationTimer = null;
      if (this.phase !== 'active') return;
      this.expireOffsets();
      void this.compactLogs();
      this.scheduleExpiration();
    });
  }

  // ---------------------------------------------------------------- membership

  /** Remove a member from the group, cancelling its timer and answering whatever it waits for. */
  private dropMember(group: ClassicGroup, member: GroupMember, syncErrorCode: number): void {
    this.cancelHeartbeat(member);
    group.completeJoin(member, joinError('', GroupError.UNKNOWN_MEMBER_ID));
    group.completeSync(member, syncError(syncErrorCode));
    group.remove(member.memberId);
  }

  private removeMemberAndUpdateGroup(group: ClassicGroup, member: GroupMember): void {
    this.dropMember(group, member, GroupError.UNKNOWN_MEMBER_ID);
    if (group.is('Stable') || group.is('CompletingRebalance'))
      this.maybePrepareRebalance(group, 'member removed');
    else if (group.is('PreparingRebalance')) this.maybeCompleteJoinPhase(group);
  }

  private validateMember(group: ClassicGroup, memberId: string, groupInstanceId: string | null): number {
    if (groupInstanceId !== null) {
      const current = group.staticMembers.get(groupInstanceId);
      if (current === undefined) return GroupError.UNKNOWN_MEMBER_ID;
      if (current !== memberId) {
        this.log.info(
          { groupId: group.groupId, memberId, groupInstanceId },
          'fenced a stale static member id',
        );
        return GroupError.FENCED_INSTANCE_ID;
      }
    }
    return group.members.has(memberId) ? GroupError.NONE : GroupError.UNKNOWN_MEMBER_ID;
  }

  private acceptJoiningMember(group: ClassicGroup, memberId: string): boolean {
    const max = this.config.groupMembersMax;
    switch (group.state) {
      case 'Empty':
      case 'Dead':
        return true;
      case 'PreparingRebalance':
        return group.members.get(memberId)?.awaitingJoin != null || group.numAwaitingJoin < max;
      case 'CompletingRebalance':
      case 'Stable':
        return group.members.has(memberId) || group.size < max;
    }
  }

  joinGroup(a: JoinArgs): Promise<JoinResult> {
    const statusError = this.groupStatusError(a.groupId, 'join');
    if (statusError !== GroupError.NONE) return Promise.resolve(joinError(a.memberId, statusError));
    const { sessionTimeoutMsMin, sessionTimeoutMsMax } = this.config;
    if (a.sessionTimeoutMs < sessionTimeoutMsMin || a.sessionTimeoutMs > sessionTimeoutMsMax) {
      return Promise.resolve(joinError(a.memberId, GroupError.INVALID_SESSION_TIMEOUT));
    }
    const protocols = this.checkedProtocols(a.protocols);
    if (protocols === null) return Promise.resolve(joinError(a.memberId, GroupError.INVALID_REQUEST));
    const args: JoinArgs = { ...a, protocols, rebalanceTimeoutMs: Math.max(0, a.rebalanceTimeoutMs) };
    const isNewMember = a.memberId === '';
    let group = this.groups.get(a.groupId);
    if (!group) {
      if (!isNewMember) return Promise.resolve(joinError(a.memberId, GroupError.UNKNOWN_MEMBER_ID));
      const created = this.createGroup(a.groupId);
      if (!created) return Promise.resolve(joinError(a.memberId, GroupError.COORDINATOR_NOT_AVAILABLE));
      group = created;
    }
    const g = group;
    return new Promise<JoinResult>((resolve) => {
      if (!this.acceptJoiningMember(g, a.memberId)) {
        const member = g.members.get(a.memberId);
        if (member) this.dropMember(g, member, GroupError.GROUP_MAX_SIZE_REACHED);
        else g.remove(a.memberId);
        resolve(joinError('', GroupError.GROUP_MAX_SIZE_REACHED));
      } else if (isNewMember) {
        this.joinNewMember(g, args, resolve);
      } else {
        this.joinCurrentMember(g, args, resolve);
      }
      if (g.is('PreparingRebalance')) this.maybeCompleteJoinPhase(g);
    });
  }

  /** Protocols deduplicated by name (Kafka keeps the first), or null when over the bounds. */
  private checkedProtocols(protocols: GroupProtocol[]): GroupProtocol[] | null {
    if (protocols.length > this.config.memberProtocolsMax) return null;
    const seen = new Set<string>();
    const out: GroupProtocol[] = [];
    let bytes = 0;
    for (const p of protocols) {
      if (seen.has(p.name)) continue;
      seen.add(p.name);
      bytes += p.metadata.length;
      out.push(p);
    }
    return bytes > this.config.memberMetadataBytesMax ? null : out;
  }

  private joinNewMember(group: ClassicGroup, a: JoinArgs, resolve: (r: JoinResult) => void): void {
    if (group.is('Dead')) {
      resolve(joinError('', GroupError.COORDINATOR_NOT_AVAILABLE));
      return;
    }
    const names = a.protocols.map((p) => p.name);
    if (!group.supportsProtocols(a.protocolType, names)) {
      resolve(joinError('', GroupError.INCONSISTENT_GROUP_PROTOCOL));
      return;
    }
    const newMemberId = `${a.groupInstanceId ?? a.clientId}-${this.newUuid()}`;
    if (a.groupInstanceId !== null) {
      const oldMemberId = group.staticMembers.get(a.groupInstanceId);
      if (oldMemberId !== undefined) {
        this.log.info(
          { groupId: group.groupId, groupInstanceId: a.groupInstanceId, oldMemberId, newMemberId },
          'static member rejoined; replacing its member id',
        );
        this.updateStaticMemberAndRebalance(group, oldMemberId, newMemberId, a, resolve);
        return;
      }
      this.addMemberAndRebalance(group, newMemberId, a, resolve);
      return;
    }
    if (a.requireKnownMemberId) {
      if (group.pendingJoinMembers.size >= this.config.groupMembersMax) {
        resolve(joinError('', GroupError.GROUP_MAX_SIZE_REACHED));
        return;
      }
      this.addPendingMember(group, newMemberId, a.sessionTimeoutMs);
      resolve(joinError(newMemberId, GroupError.MEMBER_ID_REQUIRED));
      return;
    }
    this.addMemberAndRebalance(group, newMemberId, a, resolve);
  }

  private joinCurrentMember(group: ClassicGroup, a: JoinArgs, resolve: (r: JoinResult) => void): void {
    if (group.is('Dead')) {
      resolve(joinError(a.memberId, GroupError.COORDINATOR_NOT_AVAILABLE));
      return;
    }
    const names = a.protocols.map((p) => p.name);
    if (!group.supportsProtocols(a.protocolType, names)) {
      resolve(joinError(a.memberId, GroupError.INCONSISTENT_GROUP_PROTOCOL));
      return;
    }
    if (group.pendingJoinMembers.has(a.memberId)) {
      // A pending member id was handed out to a dynamic member; a static one cannot use it.
      if (a.groupInstanceId !== null) {
        resolve(joinError(a.memberId, GroupError.UNKNOWN_MEMBER_ID));
        return;
      }
      const timer = group.pendingJoinMembers.get(a.memberId);
      if (timer) this.clock.clearTimer(timer);
      this.addMemberAndRebalance(group, a.memberId, a, resolve);
      return;
    }
    const memberError = this.validateMember(group, a.memberId, a.groupInstanceId);
    if (memberError !== GroupError.NONE) {
      resolve(joinError(a.memberId, memberError));
      return;
    }
    const member = group.members.get(a.memberId)!;
    switch (group.state) {
      case 'PreparingRebalance':
        this.updateMemberAndRebalance(group, member, a, resolve);
        return;
      case 'CompletingRebalance':
        if (member.matches(a.protocols)) {
          // The member lost our JoinGroup answer: send the current generation again.
          resolve(this.generationJoinResult(group, member, group.isLeader(member.memberId)));
          return;
        }
        this.updateMemberAndRebalance(group, member, a, resolve);
        return;
      case 'Stable':
        // The leader rejoining forces a rebalance (its way to react to topic metadata changes).
        if (group.isLeader(member.memberId) || !member.matches(a.protocols)) {
          this.updateMemberAndRebalance(group, member, a, resolve);
          return;
        }
        resolve(this.generationJoinResult(group, member, false));
        return;
      case 'Empty':
      case 'Dead':
        resolve(joinError(a.memberId, GroupError.UNKNOWN_MEMBER_ID));
        return;
    }
  }

  private generationJoinResult(group: ClassicGroup, member: GroupMember, withMembers: boolean): JoinResult {
    return {
      errorCode: GroupError.NONE,
      generationId: group.generationId,
      protocolType: group.protocolType,
      protocolName: group.protocolName,
      leader: group.leaderId ?? '',
      memberId: member.memberId,
      members: withMembers ? group.currentMemberMetadata() : [],
      skipAssignment: false,
    };
  }

  /** Point the member's waiting JoinGroup at `resolve`, answering a replaced one first. */
  private awaitJoin(
    group: ClassicGroup,
    member: GroupMember,
    a: JoinArgs,
    resolve: ((r: JoinResult) => void) | null,
  ): void {
    const previous = member.awaitingJoin;
    group.updateMember(member, a.protocols, a.rebalanceTimeoutMs, a.sessionTimeoutMs, resolve);
    // Kafka drops a replaced JoinGroup silently; answering keeps the old connection moving.
    if (previous && previous !== resolve)
      previous(joinError(member.memberId, GroupError.REBALANCE_IN_PROGRESS));
  }

  private addMemberAndRebalance(
    group: ClassicGroup,
    memberId: string,
    a: JoinArgs,
    resolve: (r: JoinResult) => void,
  ): void {
    const member = new GroupMember({
      memberId,
      groupInstanceId: a.groupInstanceId,
      clientId: a.clientId,
      clientHost: a.clientHost,
      rebalanceTimeoutMs: a.rebalanceTimeoutMs,
      sessionTimeoutMs: a.sessionTimeoutMs,
      protocolType: a.protocolType,
      protocols: a.protocols,
    });
    member.isNew = true;
    if (group.is('PreparingRebalance') && group.previousState === 'Empty') group.newMemberAdded = true;
    group.add(member, resolve);
    // Until its first answer a new member cannot heartbeat: bound the wait instead.
    this.scheduleHeartbeat(group, member, this.config.newMemberJoinTimeoutMs);
    this.maybePrepareRebalance(group, `member ${memberId} joined`);
  }

  private updateMemberAndRebalance(
    group: ClassicGroup,
    member: GroupMember,
    a: JoinArgs,
    resolve: (r: JoinResult) => void,
  ): void {
    this.awaitJoin(group, member, a, resolve);
    this.maybePrepareRebalance(group, `member ${member.memberId} rejoined`);
  }

  private updateStaticMemberAndRebalance(
    group: ClassicGroup,
    oldMemberId: string,
    newMemberId: string,
    a: JoinArgs,
    resolve: (r: JoinResult) => void,
  ): void {
    const instanceId = a.groupInstanceId!;
    const currentLeader = group.leaderId ?? '';
    const old = group.members.get(oldMemberId)!;
    this.cancelHeartbeat(old);
    const member = group.replaceStaticMember(instanceId, oldMemberId, newMemberId);
    // Whatever the old id still waits for is answered: that instance is fenced.
    if (old.awaitingJoin) {
      const r = old.awaitingJoin;
      old.awaitingJoin = null;
      r({ ...joinError(oldMemberId, GroupError.FENCED_INSTANCE_ID) });
    }
    if (old.awaitingSync) {
      const r = old.awaitingSync;
      old.awaitingSync = null;
      r(syncError(GroupError.FENCED_INSTANCE_ID));
    }
    this.scheduleHeartbeat(group, member, member.sessionTimeoutMs);
    const oldProtocols = member.protocols;
    const oldRebalanceTimeoutMs = member.rebalanceTimeoutMs;
    const oldSessionTimeoutMs = member.sessionTimeoutMs;
    group.updateMember(member, a.protocols, a.rebalanceTimeoutMs, a.sessionTimeoutMs, resolve);
    switch (group.state) {
      case 'Stable': {
        if (group.selectProtocol() !== group.protocolName) {
          this.maybePrepareRebalance(group, `static member ${instanceId} changed protocols`);
          return;
        }
        // Same protocol: no rebalance. Persist the new member id, then answer with the old
        // leader id so that a returning leader does not run a pointless assignment.
        const assignment = new Map([...group.members.values()].map((m) => [m.memberId, m.assignment]));
        const generationId = group.generationId;
        void this.storeGroup(group, assignment).then((errorCode) => {
          const current = group.members.get(newMemberId);
          if (!current) return;
          if (errorCode !== GroupError.NONE) {
            if (!this.isCurrent(group) || group.generationId !== generationId) {
              group.completeJoin(current, joinError('', errorCode));
              return;
            }
            group.updateMember(current, oldProtocols, oldRebalanceTimeoutMs, oldSessionTimeoutMs, null);
            this.cancelHeartbeat(current);
            const restored = group.replaceStaticMember(instanceId, newMemberId, oldMemberId);
            this.scheduleHeartbeat(group, restored, restored.sessionTimeoutMs);
            resolve({ ...joinError('', errorCode), generationId, leader: currentLeader });
            return;
          }
          group.completeJoin(current, {
            errorCode: GroupError.NONE,
            generationId: group.generationId,
            protocolType: group.protocolType,
            protocolName: group.protocolName,
            leader: currentLeader,
            memberId: newMemberId,
            members: [],
            skipAssignment: false,
          });
        });
        return;
      }
      case 'CompletingRebalance':
        // The leader may already be assigning to the old id: start over.
        this.prepareRebalance(group, `static member ${instanceId} rejoined during CompletingRebalance`);
        return;
      case 'PreparingRebalance':
        return;
      case 'Empty':
      case 'Dead':
        throw new Error(
          `group ${group.groupId}: static member ${instanceId} rejoined in state ${group.state}`,
        );
    }
  }

  private maybePrepareRebalance(group: ClassicGroup, reason: string): void {
    if (group.canRebalance) this.prepareRebalance(group, reason);
  }

  private prepareRebalance(group: ClassicGroup, reason: string): void {
    if (group.is('CompletingRebalance'))
      this.resetAndPropagateAssignmentError(group, GroupError.REBALANCE_IN_PROGRESS);
    if (group.syncTimer) this.clock.clearTimer(group.syncTimer);
    group.syncTimer = null;
    group.pendingSyncMembers.clear();
    if (group.joinTimer) this.clock.clearTimer(group.joinTimer);
    group.joinTimer = null;
    const initial = group.is('Empty');
    if (initial) {
      const delayMs = this.config.initialRebalanceDelayMs;
      const remainingMs = Math.max(group.rebalanceTimeoutMs - delayMs, 0);
      group.joinTimer = this.clock.setTimer(delayMs, () =>
        this.initialRebalanceDelayOver(group, delayMs, remainingMs),
      );
    }
    group.transitionTo('PreparingRebalance', this.clock.now());
    this.log.info(
      { groupId: group.groupId, generationId: group.generationId, reason },
      'preparing to rebalance group',
    );
    if (!initial) {
      if (group.hasAllMembersJoined()) this.completeJoin(group);
      else group.joinTimer = this.clock.setTimer(group.rebalanceTimeoutMs, () => this.completeJoin(group));
    }
  }

  /** The initial delay is over: wait once more if members kept coming (bounded by the rebalance timeout). */
  private initialRebalanceDelayOver(group: ClassicGroup, delayMs: number, remainingMs: number): void {
    group.joinTimer = null;
    if (!this.isCurrent(group) || !group.is('PreparingRebalance')) return;
    if (group.newMemberAdded && remainingMs !== 0) {
      group.newMemberAdded = false;
      const nextDelayMs = Math.min(this.config.initialRebalanceDelayMs, remainingMs);
      const nextRemainingMs = Math.max(remainingMs - delayMs, 0);
      group.joinTimer = this.clock.setTimer(nextDelayMs, () =>
        this.initialRebalanceDelayOver(group, nextDelayMs, nextRemainingMs),
      );
      return;
    }
    this.completeJoin(group);
  }

  private maybeCompleteJoinPhase(group: ClassicGroup): void {
    // The initial rebalance always waits its delay out.
    if (group.is('PreparingRebalance') && group.hasAllMembersJoined() && group.previousState !== 'Empty') {
      this.completeJoin(group);
    }
  }

  /** End of the join phase: drop dynamic members that did not rejoin, start the next generation, answer. */
  private completeJoin(group: ClassicGroup): void {
    if (!this.isCurrent(group) || !group.is('PreparingRebalance')) return;
    if (group.joinTimer) this.clock.clearTimer(group.joinTimer);
    group.joinTimer = null;
    for (const m of [...group.members.values()]) {
      if (!m.awaitingJoin && !m.isStatic) {
        this.log.info(
          { groupId: group.groupId, memberId: m.memberId },
          'member did not rejoin in time; removed',
        );
        this.dropMember(group, m, GroupError.UNKNOWN_MEMBER_ID);
      }
    }
    if (!group.maybeElectNewJoinedLeader() && group.size > 0) {
      // Only static members that did not rejoin are left: wait for them (or their sessions) again.
      this.log.warn({ groupId: group.groupId }, 'no member rejoined; waiting another rebalance timeout');
      group.joinTimer = this.clock.setTimer(group.rebalanceTimeoutMs, () => this.completeJoin(group));
      return;
    }
    group.initNextGeneration(this.clock.now());
    if (group.is('Empty')) {
      this.log.info({ groupId: group.groupId, generationId: group.generationId }, 'group is now empty');
      void this.storeGroup(group, new Map());
      return;
    }
    this.log.info(
      {
        groupId: group.groupId,
        generationId: group.generationId,
        members: group.size,
        protocol: group.protocolName,
      },
      'group rebalanced; waiting for the leader assignment',
    );
    for (const m of group.members.values()) {
      group.completeJoin(m, this.generationJoinResult(group, m, group.isLeader(m.memberId)));
      this.scheduleHeartbeat(group, m, m.sessionTimeoutMs);
      m.isNew = false;
      group.pendingSyncMembers.add(m.memberId);
    }
    const generationId = group.generationId;
    group.syncTimer = this.clock.setTimer(group.rebalanceTimeoutMs, () =>
      this.expirePendingSync(group, generationId),
    );
  }

  /** Members of the new generation that never sent SyncGroup in time are removed. */
  private expirePendingSync(group: ClassicGroup, generationId: number): void {
    group.syncTimer = null;
    if (!this.isCurrent(group) || group.generationId !== generationId) return;
    if (!group.is('CompletingRebalance') && !group.is('Stable')) return;
    if (group.pendingSyncMembers.size === 0) return;
    const missing = [...group.pendingSyncMembers];
    for (const id of missing) {
      const m = group.members.get(id);
      if (m) this.dropMember(group, m, GroupError.UNKNOWN_MEMBER_ID);
    }
    this.prepareRebalance(group, `members ${missing.join(', ')} did not sync in time`);
  }

  private removePendingSyncMember(group: ClassicGroup, memberId: string): void {
    group.pendingSyncMembers.delete(memberId);
    if (group.pendingSyncMembers.size === 0 && group.syncTimer) {
      this.clock.clearTimer(group.syncTimer);
      group.syncTimer = null;
    }
  }

  private resetAndPropagateAssignmentError(group: ClassicGroup, errorCode: number): void {
    for (const m of group.members.values()) m.assignment = EMPTY_BYTES;
    this.propagateAssignment(group, errorCode);
  }

  private propagateAssignment(group: ClassicGroup, errorCode: number): void {
    const ok = errorCode === GroupError.NONE;
    for (const m of group.members.values()) {
      const answered = group.completeSync(m, {
        errorCode,
        protocolType: ok ? group.protocolType : null,
        protocolName: ok ? group.protocolName : null,
        assignment: m.assignment,
      });
      // The member's session restarts once it has its answer.
      if (answered) this.scheduleHeartbeat(group, m, m.sessionTimeoutMs);
    }
  }

  syncGroup(a: SyncArgs): Promise<SyncResult> {
    const statusError = this.groupStatusError(a.groupId, 'sync');
    if (statusError === GroupError.COORDINATOR_LOAD_IN_PROGRESS) {
      // The rebalance state was lost with the load: have the member rejoin (older clients do not know LOAD_IN_PROGRESS here).
      return Promise.resolve(syncError(GroupError.REBALANCE_IN_PROGRESS));
    }
    if (statusError !== GroupError.NONE) return Promise.resolve(syncError(statusError));
    const group = this.groups.get(a.groupId);
    if (!group) return Promise.resolve(syncError(GroupError.UNKNOWN_MEMBER_ID));
    const validation = this.validateSync(group, a);
    if (validation !== GroupError.NONE) return Promise.resolve(syncError(validation));
    switch (group.state) {
      case 'Empty':
        return Promise.resolve(syncError(GroupError.UNKNOWN_MEMBER_ID));
      case 'PreparingRebalance':
        return Promise.resolve(syncError(GroupError.REBALANCE_IN_PROGRESS));
      case 'Stable': {
        const member = group.members.get(a.memberId)!;
        this.removePendingSyncMember(group, a.memberId);
        this.scheduleHeartbeat(group, member, member.sessionTimeoutMs);
        return Promise.resolve({
          errorCode: GroupError.NONE,
          protocolType: group.protocolType,
          protocolName: group.protocolName,
          assignment: member.assignment,
        });
      }
      case 'CompletingRebalance':
        return new Promise<SyncResult>((resolve) => this.syncCompleting(group, a, resolve));
      case 'Dead':
        return Promise.resolve(syncError(GroupError.COORDINATOR_NOT_AVAILABLE));
    }
  }

  private validateSync(group: ClassicGroup, a: SyncArgs): number {
    if (group.is('Dead')) return GroupError.COORDINATOR_NOT_AVAILABLE;
    const memberError = this.validateMember(group, a.memberId, a.groupInstanceId);
    if (memberError !== GroupError.NONE) return memberError;
    if (a.generationId !== group.generationId) return GroupError.ILLEGAL_GENERATION;
    if (a.protocolType !== null && a.protocolType !== group.protocolType)
      return GroupError.INCONSISTENT_GROUP_PROTOCOL;
    if (a.protocolName !== null && a.protocolName !== group.protocolName)
      return GroupError.INCONSISTENT_GROUP_PROTOCOL;
    return GroupError.NONE;
  }

  private syncCompleting(group: ClassicGroup, a: SyncArgs, resolve: (r: SyncResult) => void): void {
    const member = group.members.get(a.memberId)!;
    const previous = member.awaitingSync;
    member.awaitingSync = resolve;
    if (previous) previous(syncError(GroupError.REBALANCE_IN_PROGRESS));
    this.removePendingSyncMember(group, a.memberId);
    if (!group.isLeader(a.memberId)) return;

    const assignment = new Map<string, Buffer>();
    let tooLarge = false;
    for (const x of a.assignments) {
      if (!group.members.has(x.memberId)) continue;
      if (x.assignment.length > this.config.memberAssignmentBytesMax) tooLarge = true;
      assignment.set(x.memberId, x.assignment);
    }
    const generationId = group.generationId;
    this.log.info(
      { groupId: group.groupId, generationId, members: group.size, assigned: assignment.size },
      'assignment received from the leader',
    );
    if (tooLarge) {
      // As Kafka when the group record is too large to store: UNKNOWN_SERVER_ERROR, then rebalance.
      this.resetAndPropagateAssignmentError(group, GroupError.UNKNOWN_SERVER_ERROR);
      this.maybePrepareRebalance(group, 'assignment too large');
      return;
    }
    for (const id of group.members.keys()) if (!assignment.has(id)) assignment.set(id, EMPTY_BYTES);
    void this.storeGroup(group, assignment).then((errorCode) => {
      // Members may have joined or left meanwhile: only the same generation may proceed.
      if (!this.isCurrent(group) || !group.is('CompletingRebalance') || group.generationId !== generationId)
        return;
      if (errorCode !== GroupError.NONE) {
        this.resetAndPropagateAssignmentError(group, errorCode);
        this.maybePrepareRebalance(group, 'storing the assignment failed');
        return;
      }
      for (const m of group.members.values()) m.assignment = assignment.get(m.memberId) ?? EMPTY_BYTES;
      this.propagateAssignment(group, GroupError.NONE);
      group.transitionTo('Stable', this.clock.now());
      this.log.info({ groupId: group.groupId, generationId }, 'group is stable');
    });
  }

  heartbeat(a: HeartbeatArgs): number {
    const statusError = this.groupStatusError(a.groupId, 'heartbeat');
    // While loading, answer blindly: the member's state is not known yet.
    if (statusError === GroupError.COORDINATOR_LOAD_IN_PROGRESS) return GroupError.NONE;
    if (statusError !== GroupError.NONE) return statusError;
    const group = this.groups.get(a.groupId);
    if (!group) return GroupError.UNKNOWN_MEMBER_ID;
    if (group.is('Dead')) return GroupError.COORDINATOR_NOT_AVAILABLE;
    const memberError = this.validateMember(group, a.memberId, a.groupInstanceId);
    if (memberError !== GroupError.NONE) return memberError;
    if (a.generationId !== group.generationId) return GroupError.ILLEGAL_GENERATION;
    const member = group.members.get(a.memberId)!;
    switch (group.state) {
      case 'Empty':
        return GroupError.UNKNOWN_MEMBER_ID;
      case 'PreparingRebalance':
        this.scheduleHeartbeat(group, member, member.sessionTimeoutMs);
        return GroupError.REBALANCE_IN_PROGRESS;
      case 'CompletingRebalance':
      case 'Stable':
        this.scheduleHeartbeat(group, member, member.sessionTimeoutMs);
        return GroupError.NONE;
      case 'Dead':
        return GroupError.COORDINATOR_NOT_AVAILABLE;
    }
  }

  leaveGroup(a: LeaveArgs): LeaveResult {
    const statusError = this.groupStatusError(a.groupId, 'leave');
    if (statusError !== GroupError.NONE) return { errorCode: statusError, members: [] };
    const group = this.groups.get(a.groupId);
    const answer = (m: LeaveArgs['members'][number], errorCode: number) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      errorCode,
    });
    if (!group)
      return {
        errorCode: GroupError.NONE,
        members: a.members.map((m) => answer(m, GroupError.UNKNOWN_MEMBER_ID)),
      };
    if (group.is('Dead')) return { errorCode: GroupError.COORDINATOR_NOT_AVAILABLE, members: [] };
    const members = a.members.map((m) => {
      if (m.memberId === '') {
        // Administrative removal by group.instance.id.
        const current = m.groupInstanceId === null ? undefined : group.staticMembers.get(m.groupInstanceId);
        if (current === undefined) return answer(m, GroupError.UNKNOWN_MEMBER_ID);
        this.leave(group, group.members.get(current)!);
        return answer(m, GroupError.NONE);
      }
      if (group.pendingJoinMembers.has(m.memberId)) {
        this.removePendingMember(group, m.memberId);
        return answer(m, GroupError.NONE);
      }
      const memberError = this.validateMember(group, m.memberId, m.groupInstanceId);
      if (memberError !== GroupError.NONE) return answer(m, memberError);
      this.leave(group, group.members.get(m.memberId)!);
      return answer(m, GroupError.NONE);
    });
    return { errorCode: GroupError.NONE, members };
  }

  private leave(group: ClassicGroup, member: GroupMember): void {
    this.log.info({ groupId: group.groupId, memberId: member.memberId }, 'member left the group');
    this.removeMemberAndUpdateGroup(group, member);
  }

  // ---------------------------------------------------------------- offsets

  private validateOffsetCommit(group: ClassicGroup, a: CommitArgs): number {
    if (group.is('Dead')) return GroupError.COORDINATOR_NOT_AVAILABLE;
    // Generation -1 on an empty group: a consumer that does not use group management.
    if (a.generationId < 0 && group.is('Empty')) return GroupError.NONE;
    if (a.generationId >= 0 || a.memberId !== '' || a.groupInstanceId !== null) {
      const memberError = this.validateMember(group, a.memberId, a.groupInstanceId);
      if (memberError !== GroupError.NONE) return memberError;
      if (a.generationId !== group.generationId) return GroupError.ILLEGAL_GENERATION;
    } else if (!group.is('Empty')) {
      // Without member id and generation only an empty group takes commits.
      return GroupError.UNKNOWN_MEMBER_ID;
    }
    // Valid member and generation, but the assignment is not out yet.
    if (group.is('CompletingRebalance')) return GroupError.REBALANCE_IN_PROGRESS;
    return GroupError.NONE;
  }

  async commitOffsets(a: CommitArgs): Promise<PartitionErrors> {
    const errors = new Map<string, number>(); // `${topicIndex}:${partitionIndex}` -> code
    const key = (ti: number, p: number) => `${ti}:${p}`;
    const answer = (): PartitionErrors =>
      a.topics.map((t, ti) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({
          partitionIndex: p.partitionIndex,
          errorCode: errors.get(key(ti, p.partitionIndex)) ?? GroupError.NONE,
        })),
      }));
    const failAll = (code: number): PartitionErrors => {
      a.topics.forEach((t, ti) => {
        for (const p of t.partitions)
          if (!errors.has(key(ti, p.partitionIndex))) errors.set(key(ti, p.partitionIndex), code);
      });
      return answer();
    };
    // Unknown partitions are refused before the group is even looked at (as Kafka's KafkaApis).
    a.topics.forEach((t, ti) => {
      for (const p of t.partitions) {
        if (!this.topicExists(t.name, p.partitionIndex)) {
          errors.set(key(ti, p.partitionIndex), GroupError.UNKNOWN_TOPIC_OR_PARTITION);
        }
      }
    });
    const statusError = this.groupStatusError(a.groupId, 'commit');
    if (statusError !== GroupError.NONE) return failAll(statusError);
    let group = this.groups.get(a.groupId);
    if (!group) {
      // No group: a standalone consumer may create one; a member of a gone generation may not.
      if (a.generationId >= 0) return failAll(GroupError.ILLEGAL_GENERATION);
      const created = this.createGroup(a.groupId);
      if (!created) return failAll(GroupError.COORDINATOR_NOT_AVAILABLE);
      group = created;
    }
    const validation = this.validateOffsetCommit(group, a);
    if (validation !== GroupError.NONE) return failAll(validation);
    const member = group.members.get(a.memberId);
    if (member && (group.is('Stable') || group.is('PreparingRebalance'))) {
      this.scheduleHeartbeat(group, member, member.sessionTimeoutMs);
    }

    const now = this.clock.now();
    const expireTimestamp = a.retentionTimeMs >= 0 ? now + a.retentionTimeMs : null;
    const accepted: { topic: string; partition: number; offset: CommittedOffset }[] = [];
    a.topics.forEach((t, ti) => {
      for (const p of t.partitions) {
        if (errors.has(key(ti, p.partitionIndex))) continue;
        const metadata = p.committedMetadata ?? '';
        if (Buffer.byteLength(metadata, 'utf8') > this.config.offsetMetadataBytesMax) {
          errors.set(key(ti, p.partitionIndex), GroupError.OFFSET_METADATA_TOO_LARGE);
          continue;
        }
        accepted.push({
          topic: t.name,
          partition: p.partitionIndex,
          offset: {
            offset: p.committedOffset,
            leaderEpoch: p.committedLeaderEpoch,
            metadata,
            commitTimestamp: now,
            expireTimestamp,
          },
        });
      }
    });
    if (accepted.length === 0) return answer();
    const records = accepted.map((x) => offsetRecord(a.groupId, x.topic, x.partition, x.offset));
    const g = group;
    g.inflightCommits++;
    try {
      await this.append(a.groupId, records);
    } catch (err) {
      this.log.error({ groupId: a.groupId, err }, 'storing committed offsets failed');
      return failAll(appendErrorCode(err, 'offsets'));
    } finally {
      g.inflightCommits--;
    }
    // A group deleted meanwhile wrote its tombstones after these records: they stay deleted.
    if (this.isCurrent(g)) for (const x of accepted) g.setOffset(x.topic, x.partition, x.offset);
    return answer();
  }

  /** Committed offsets of a group: of the listed partitions, or of every partition when `topics` is null. */
  fetchOffsets(groupId: string, topics: { name: string; partitionIndexes: number[] }[] | null): FetchResult {
    const statusError = this.groupStatusError(groupId, 'fetch');
    if (statusError !== GroupError.NONE) return { errorCode: statusError, topics: [] };
    const group = this.groups.get(groupId);
    const row = (p: number, o: CommittedOffset | undefined): FetchedPartition => ({
      partitionIndex: p,
      committedOffset: o?.offset ?? -1,
      committedLeaderEpoch: o?.leaderEpoch ?? -1,
      metadata: o?.metadata ?? '',
      errorCode: GroupError.NONE,
    });
    if (topics === null) {
      if (!group) return { errorCode: GroupError.NONE, topics: [] };
      return {
        errorCode: GroupError.NONE,
        topics: [...group.offsets].map(([name, parts]) => ({
          name,
          partitions: [...parts].sort((x, y) => x[0] - y[0]).map(([p, o]) => row(p, o)),
        })),
      };
    }
    return {
      errorCode: GroupError.NONE,
      topics: topics.map((t) => ({
        name: t.name,
        partitions: t.partitionIndexes.map((p) => row(p, group?.offset(t.name, p))),
      })),
    };
  }

  async deleteOffsets(
    groupId: string,
    topics: { name: string; partitions: number[] }[],
  ): Promise<{ errorCode: number; topics: PartitionErrors }> {
    const statusError = this.groupStatusError(groupId, 'offsetDelete');
    if (statusError !== GroupError.NONE) return { errorCode: statusError, topics: [] };
    const group = this.groups.get(groupId);
    if (!group || group.is('Dead')) return { errorCode: GroupError.GROUP_ID_NOT_FOUND, topics: [] };
    if (!group.is('Empty') && !group.usesConsumerProtocol())
      return { errorCode: GroupError.NON_EMPTY_GROUP, topics: [] };
    const eligible: { topic: string; partition: number }[] = [];
    const out: PartitionErrors = topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => {
        let errorCode: number = GroupError.NONE;
        if (!this.topicExists(t.name, p)) errorCode = GroupError.UNKNOWN_TOPIC_OR_PARTITION;
        else if (!group.is('Empty') && group.isSubscribedToTopic(t.name))
          errorCode = GroupError.GROUP_SUBSCRIBED_TO_TOPIC;
        else eligible.push({ topic: t.name, partition: p });
        return { partitionIndex: p, errorCode };
      }),
    }));
    if (eligible.length > 0) {
      for (const x of eligible) group.deleteOffset(x.topic, x.partition);
      try {
        await this.append(
          groupId,
          eligible.map((x) => offsetRecord(groupId, x.topic, x.partition, null)),
        );
      } catch (err) {
        this.log.error({ groupId, err }, 'storing offset deletions failed');
        return { errorCode: appendErrorCode(err, 'offsets'), topics: [] };
      }
    }
    return { errorCode: GroupError.NONE, topics: out };
  }

  /**
   * Remove expired offsets and then groups that are Empty with no offsets left (Kafka's
   * offsets.retention.minutes rules). Runs every offsetsRetentionCheckIntervalMs; returns how
   * many offsets expired.
   */
  expireOffsets(): number {
    const now = this.clock.now();
    const retention = this.config.offsetsRetentionMs;
    let expiredCount = 0;
    for (const group of [...this.groups.values()]) {
      if (group.inflightCommits > 0 || group.is('Dead')) continue;
      const base = this.expirationBase(group);
      if (base === null) continue;
      const records: GroupLogRecord[] = [];
      let allExpired = true;
      for (const [topic, parts] of [...group.offsets]) {
        if (group.isSubscribedToTopic(topic)) {
          allExpired = false;
          continue;
        }
        for (const [partition, o] of [...parts]) {
          const expired = o.expireTimestamp !== null ? now >= o.expireTimestamp : now - base(o) >= retention;
          if (!expired) {
            allExpired = false;
            continue;
          }
          group.deleteOffset(topic, partition);
          records.push(offsetRecord(group.groupId, topic, partition, null));
          expiredCount++;
        }
      }
      if (allExpired && group.is('Empty')) {
        this.cancelGroupTimers(group);
        group.transitionTo('Dead', now);
        this.groups.delete(group.groupId);
        records.push(groupRecord(group.groupId, null));
      }
      if (records.length > 0) {
        this.append(group.groupId, records).catch((err: unknown) => {
          this.log.error({ groupId: group.groupId, err }, 'storing expired offsets failed');
        });
      }
    }
    if (expiredCount > 0) this.log.info({ expired: expiredCount }, 'expired committed offsets');
    return expiredCount;
  }

  /** From when an offset's retention counts, or null when the group's offsets do not expire now. */
  private expirationBase(group: ClassicGroup): ((o: CommittedOffset) => number) | null {
    if (group.protocolType === null) return (o) => o.commitTimestamp; // standalone consumer
    if (group.is('Empty')) return () => group.stateTimestamp;
    if (group.usesConsumerProtocol() && group.subscribedTopics !== null && group.is('Stable')) {
      return (o) => o.commitTimestamp;
    }
    return null;
  }

  // ---------------------------------------------------------------- admin

  listGroups(statesFilter: string[]): { errorCode: number; groups: GroupOverview[] } {
    if (this.phase !== 'active' && this.phase !== 'loading') {
      return { errorCode: GroupError.COORDINATOR_NOT_AVAILABLE, groups: [] };
    }
    const errorCode = this.phase === 'loading' ? GroupError.COORDINATOR_LOAD_IN_PROGRESS : GroupError.NONE;
    const wanted = new Set(statesFilter.map((s) => s.toLowerCase()));
    const groups: GroupOverview[] = [];
    for (const g of this.groups.values()) {
      if (wanted.size > 0 && !wanted.has(g.state.toLowerCase())) continue;
      groups.push({ groupId: g.groupId, protocolType: g.protocolType ?? '', groupState: g.state });
    }
    return { errorCode, groups };
  }

  describeGroup(groupId: string): GroupDescription {
    const statusError = this.groupStatusError(groupId, 'describe');
    const empty = { groupId, protocolType: '', protocolData: '', members: [] };
    if (statusError !== GroupError.NONE) return { errorCode: statusError, groupState: '', ...empty };
    const group = this.groups.get(groupId);
    if (!group) return { errorCode: GroupError.NONE, groupState: 'Dead', ...empty };
    const stable = group.is('Stable');
    return {
      errorCode: GroupError.NONE,
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
      if (statusError !== GroupError.NONE) {
        results.set(groupId, statusError);
        continue;
      }
      const group = this.groups.get(groupId);
      if (!group || group.is('Dead')) results.set(groupId, GroupError.GROUP_ID_NOT_FOUND);
      else if (!group.is('Empty')) results.set(groupId, GroupError.NON_EMPTY_GROUP);
      else {
        this.cancelGroupTimers(group);
        group.transitionTo('Dead', this.clock.now());
        this.groups.delete(groupId);
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
          await this.append(group.groupId, records);
          results.set(group.groupId, GroupError.NONE);
        } catch (err) {
          this.log.error({ groupId: group.groupId, err }, 'storing group deletion failed');
          results.set(group.groupId, appendErrorCode(err, 'group'));
        }
      }),
    );
    return groupIds.map((groupId) => ({ groupId, errorCode: results.get(groupId) ?? GroupError.NONE }));
  }
}
