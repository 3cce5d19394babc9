/**
 * Kafka's classic rebalance protocol for one coordinator: JoinGroup, SyncGroup, Heartbeat and
 * LeaveGroup, with every timer the protocol needs (member sessions, the rebalance timeout, the
 * initial rebalance delay, pending sync, pending MEMBER_ID_REQUIRED members, new member join).
 *
 * Behaviour follows Kafka's GroupCoordinator (classic groups): the same states, transitions and
 * error codes. Where Kafka leaves a request unanswered forever (a JoinGroup replaced by a
 * duplicate, a SyncGroup of a member that left), Samsa answers it: the broker answers the
 * requests of a connection in order, and one lost answer would stall the connection.
 *
 * The coordinator (coordinator.ts) checks the group id and its own state before calling in.
 * Not thread-safe; everything runs on the event loop.
 */

import { ErrorCode } from '../../protocol/error-codes.js';
import type { Clock } from './clock.js';
import type { GroupCoordinatorConfig } from './config.js';
import type { ClassicGroup } from './group.js';
import type { GroupStore } from './group-store.js';
import {
  EMPTY_BYTES,
  GroupMember,
  type GroupProtocol,
  type JoinResult,
  joinError,
  type SyncResult,
  syncError,
} from './member.js';
import type { GroupLogger, HeartbeatArgs, JoinArgs, LeaveArgs, LeaveResult, SyncArgs } from './types.js';

export interface MembershipDeps {
  store: GroupStore;
  clock: Clock;
  config: GroupCoordinatorConfig;
  log: GroupLogger;
  newUuid: () => string;
}

export class GroupMembership {
  private readonly store: GroupStore;
  private readonly clock: Clock;
  private readonly config: GroupCoordinatorConfig;
  private readonly log: GroupLogger;
  private readonly newUuid: () => string;

  constructor(deps: MembershipDeps) {
    this.store = deps.store;
    this.clock = deps.clock;
    this.config = deps.config;
    this.log = deps.log;
    this.newUuid = deps.newUuid;
  }

  /** After a load: members get fresh sessions; a group over group.max.size rebalances. */
  resume(group: ClassicGroup): void {
    for (const m of group.members.values()) this.scheduleHeartbeat(group, m, m.sessionTimeoutMs);
    if (group.size > this.config.groupMembersMax)
      this.prepareRebalance(group, 'loaded group is over capacity');
  }

  /** Stop every timer of the group and answer whatever its members wait for with `errorCode`. */
  shutDown(group: ClassicGroup, errorCode: number): void {
    this.cancelGroupTimers(group);
    for (const m of group.members.values()) {
      this.cancelHeartbeat(m);
      group.completeJoin(m, joinError(m.memberId, errorCode));
      group.completeSync(m, syncError(errorCode));
    }
  }

  cancelGroupTimers(group: ClassicGroup): void {
    if (group.joinTimer) this.clock.clearTimer(group.joinTimer);
    if (group.syncTimer) this.clock.clearTimer(group.syncTimer);
    group.joinTimer = null;
    group.syncTimer = null;
    for (const t of group.pendingJoinMembers.values()) if (t) this.clock.clearTimer(t);
  }

  // ---------------------------------------------------------------- timers

  scheduleHeartbeat(group: ClassicGroup, member: GroupMember, timeoutMs: number): void {
    this.cancelHeartbeat(member);
    member.heartbeatTimer = this.clock.setTimer(timeoutMs, () => {
      member.heartbeatTimer = null;
      this.onHeartbeatExpired(group, member);
    });
  }

  cancelHeartbeat(member: GroupMember): void {
    if (member.heartbeatTimer) this.clock.clearTimer(member.heartbeatTimer);
    member.heartbeatTimer = null;
  }

  private onHeartbeatExpired(group: ClassicGroup, member: GroupMember): void {
    if (!this.store.isCurrent(group) || group.members.get(member.memberId) !== member) return;
    // Members waiting for a rebalance step count as alive, unless they are new: a new member's
    // JoinGroup may wait at most newMemberJoinTimeoutMs.
    const satisfied = !member.isNew && (member.awaitingJoin !== null || member.awaitingSync !== null);
    if (satisfied) return;
    this.log.info({ groupId: group.groupId, memberId: member.memberId }, 'member session expired');
    this.removeMemberAndUpdateGroup(group, member);
  }

  private addPendingMember(group: ClassicGroup, memberId: string, timeoutMs: number): void {
    const timer = this.clock.setTimer(timeoutMs, () => {
      if (!this.store.isCurrent(group) || !group.pendingJoinMembers.has(memberId)) return;
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

  // ---------------------------------------------------------------- membership

  /** Remove a member from the group, cancelling its timer and answering whatever it waits for. */
  private dropMember(group: ClassicGroup, member: GroupMember, syncErrorCode: number): void {
    this.cancelHeartbeat(member);
    group.completeJoin(member, joinError('', ErrorCode.UNKNOWN_MEMBER_ID));
    group.completeSync(member, syncError(syncErrorCode));
    group.remove(member.memberId);
  }

  private removeMemberAndUpdateGroup(group: ClassicGroup, member: GroupMember): void {
    this.dropMember(group, member, ErrorCode.UNKNOWN_MEMBER_ID);
    if (group.is('Stable') || group.is('CompletingRebalance'))
      this.maybePrepareRebalance(group, 'member removed');
    else if (group.is('PreparingRebalance')) this.maybeCompleteJoinPhase(group);
  }

  validateMember(group: ClassicGroup, memberId: string, groupInstanceId: string | null): number {
    if (groupInstanceId !== null) {
      const current = group.staticMembers.get(groupInstanceId);
      if (current === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
      if (current !== memberId) {
        this.log.info(
          { groupId: group.groupId, memberId, groupInstanceId },
          'fenced a stale static member id',
        );
        return ErrorCode.FENCED_INSTANCE_ID;
      }
    }
    return group.members.has(memberId) ? ErrorCode.NONE : ErrorCode.UNKNOWN_MEMBER_ID;
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
    const { sessionTimeoutMsMin, sessionTimeoutMsMax } = this.config;
    if (a.sessionTimeoutMs < sessionTimeoutMsMin || a.sessionTimeoutMs > sessionTimeoutMsMax) {
      return Promise.resolve(joinError(a.memberId, ErrorCode.INVALID_SESSION_TIMEOUT));
    }
    const protocols = this.checkedProtocols(a.protocols);
    if (protocols === null) return Promise.resolve(joinError(a.memberId, ErrorCode.INVALID_REQUEST));
    const args: JoinArgs = { ...a, protocols, rebalanceTimeoutMs: Math.max(0, a.rebalanceTimeoutMs) };
    const isNewMember = a.memberId === '';
    let group = this.store.get(a.groupId);
    if (!group) {
      if (!isNewMember) return Promise.resolve(joinError(a.memberId, ErrorCode.UNKNOWN_MEMBER_ID));
      const created = this.store.create(a.groupId);
      if (!created) return Promise.resolve(joinError(a.memberId, ErrorCode.COORDINATOR_NOT_AVAILABLE));
      group = created;
    }
    const g = group;
    return new Promise<JoinResult>((resolve) => {
      if (!this.acceptJoiningMember(g, a.memberId)) {
        const member = g.members.get(a.memberId);
        if (member) this.dropMember(g, member, ErrorCode.GROUP_MAX_SIZE_REACHED);
        else g.remove(a.memberId);
        resolve(joinError('', ErrorCode.GROUP_MAX_SIZE_REACHED));
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
      resolve(joinError('', ErrorCode.COORDINATOR_NOT_AVAILABLE));
      return;
    }
    const names = a.protocols.map((p) => p.name);
    if (!group.supportsProtocols(a.protocolType, names)) {
      resolve(joinError('', ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
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
        resolve(joinError('', ErrorCode.GROUP_MAX_SIZE_REACHED));
        return;
      }
      this.addPendingMember(group, newMemberId, a.sessionTimeoutMs);
      resolve(joinError(newMemberId, ErrorCode.MEMBER_ID_REQUIRED));
      return;
    }
    this.addMemberAndRebalance(group, newMemberId, a, resolve);
  }

  private joinCurrentMember(group: ClassicGroup, a: JoinArgs, resolve: (r: JoinResult) => void): void {
    if (group.is('Dead')) {
      resolve(joinError(a.memberId, ErrorCode.COORDINATOR_NOT_AVAILABLE));
      return;
    }
    const names = a.protocols.map((p) => p.name);
    if (!group.supportsProtocols(a.protocolType, names)) {
      resolve(joinError(a.memberId, ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
      return;
    }
    if (group.pendingJoinMembers.has(a.memberId)) {
      // A pending member id was handed out to a dynamic member; a static one cannot use it.
      if (a.groupInstanceId !== null) {
        resolve(joinError(a.memberId, ErrorCode.UNKNOWN_MEMBER_ID));
        return;
      }
      const timer = group.pendingJoinMembers.get(a.memberId);
      if (timer) this.clock.clearTimer(timer);
      this.addMemberAndRebalance(group, a.memberId, a, resolve);
      return;
    }
    const memberError = this.validateMember(group, a.memberId, a.groupInstanceId);
    if (memberError !== ErrorCode.NONE) {
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
        resolve(joinError(a.memberId, ErrorCode.UNKNOWN_MEMBER_ID));
        return;
    }
  }

  private generationJoinResult(group: ClassicGroup, member: GroupMember, withMembers: boolean): JoinResult {
    return {
      errorCode: ErrorCode.NONE,
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
      previous(joinError(member.memberId, ErrorCode.REBALANCE_IN_PROGRESS));
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
      r({ ...joinError(oldMemberId, ErrorCode.FENCED_INSTANCE_ID) });
    }
    if (old.awaitingSync) {
      const r = old.awaitingSync;
      old.awaitingSync = null;
      r(syncError(ErrorCode.FENCED_INSTANCE_ID));
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
        void this.store.storeGroup(group, assignment).then((errorCode) => {
          const current = group.members.get(newMemberId);
          if (!current) return;
          if (errorCode !== ErrorCode.NONE) {
            if (!this.store.isCurrent(group) || group.generationId !== generationId) {
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
            errorCode: ErrorCode.NONE,
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

  maybePrepareRebalance(group: ClassicGroup, reason: string): void {
    if (group.canRebalance) this.prepareRebalance(group, reason);
  }

  prepareRebalance(group: ClassicGroup, reason: string): void {
    if (group.is('CompletingRebalance'))
      this.resetAndPropagateAssignmentError(group, ErrorCode.REBALANCE_IN_PROGRESS);
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
    if (!this.store.isCurrent(group) || !group.is('PreparingRebalance')) return;
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
    if (!this.store.isCurrent(group) || !group.is('PreparingRebalance')) return;
    if (group.joinTimer) this.clock.clearTimer(group.joinTimer);
    group.joinTimer = null;
    for (const m of [...group.members.values()]) {
      if (!m.awaitingJoin && !m.isStatic) {
        this.log.info(
          { groupId: group.groupId, memberId: m.memberId },
          'member did not rejoin in time; removed',
        );
        this.dropMember(group, m, ErrorCode.UNKNOWN_MEMBER_ID);
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
      void this.store.storeGroup(group, new Map());
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
    if (!this.store.isCurrent(group) || group.generationId !== generationId) return;
    if (!group.is('CompletingRebalance') && !group.is('Stable')) return;
    if (group.pendingSyncMembers.size === 0) return;
    const missing = [...group.pendingSyncMembers];
    for (const id of missing) {
      const m = group.members.get(id);
      if (m) this.dropMember(group, m, ErrorCode.UNKNOWN_MEMBER_ID);
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
    const ok = errorCode === ErrorCode.NONE;
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
    const group = this.store.get(a.groupId);
    if (!group) return Promise.resolve(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    const validation = this.validateSync(group, a);
    if (validation !== ErrorCode.NONE) return Promise.resolve(syncError(validation));
    switch (group.state) {
      case 'Empty':
        return Promise.resolve(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
      case 'PreparingRebalance':
        return Promise.resolve(syncError(ErrorCode.REBALANCE_IN_PROGRESS));
      case 'Stable': {
        const member = group.members.get(a.memberId)!;
        this.removePendingSyncMember(group, a.memberId);
        this.scheduleHeartbeat(group, member, member.sessionTimeoutMs);
        return Promise.resolve({
          errorCode: ErrorCode.NONE,
          protocolType: group.protocolType,
          protocolName: group.protocolName,
          assignment: member.assignment,
        });
      }
      case 'CompletingRebalance':
        return new Promise<SyncResult>((resolve) => this.syncCompleting(group, a, resolve));
      case 'Dead':
        return Promise.resolve(syncError(ErrorCode.COORDINATOR_NOT_AVAILABLE));
    }
  }

  private validateSync(group: ClassicGroup, a: SyncArgs): number {
    if (group.is('Dead')) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    const memberError = this.validateMember(group, a.memberId, a.groupInstanceId);
    if (memberError !== ErrorCode.NONE) return memberError;
    if (a.generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
    if (a.protocolType !== null && a.protocolType !== group.protocolType)
      return ErrorCode.INCONSISTENT_GROUP_PROTOCOL;
    if (a.protocolName !== null && a.protocolName !== group.protocolName)
      return ErrorCode.INCONSISTENT_GROUP_PROTOCOL;
    return ErrorCode.NONE;
  }

  private syncCompleting(group: ClassicGroup, a: SyncArgs, resolve: (r: SyncResult) => void): void {
    const member = group.members.get(a.memberId)!;
    const previous = member.awaitingSync;
    member.awaitingSync = resolve;
    if (previous) previous(syncError(ErrorCode.REBALANCE_IN_PROGRESS));
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
      this.resetAndPropagateAssignmentError(group, ErrorCode.UNKNOWN_SERVER_ERROR);
      this.maybePrepareRebalance(group, 'assignment too large');
      return;
    }
    for (const id of group.members.keys()) if (!assignment.has(id)) assignment.set(id, EMPTY_BYTES);
    void this.store.storeGroup(group, assignment).then((errorCode) => {
      // Members may have joined or left meanwhile: only the same generation may proceed.
      if (
        !this.store.isCurrent(group) ||
        !group.is('CompletingRebalance') ||
        group.generationId !== generationId
      )
        return;
      if (errorCode !== ErrorCode.NONE) {
        this.resetAndPropagateAssignmentError(group, errorCode);
        this.maybePrepareRebalance(group, 'storing the assignment failed');
        return;
      }
      for (const m of group.members.values()) m.assignment = assignment.get(m.memberId) ?? EMPTY_BYTES;
      this.propagateAssignment(group, ErrorCode.NONE);
      group.transitionTo('Stable', this.clock.now());
      this.log.info({ groupId: group.groupId, generationId }, 'group is stable');
    });
  }

  heartbeat(a: HeartbeatArgs): number {
    const group = this.store.get(a.groupId);
    if (!group) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (group.is('Dead')) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    const memberError = this.validateMember(group, a.memberId, a.groupInstanceId);
    if (memberError !== ErrorCode.NONE) return memberError;
    if (a.generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
    const member = group.members.get(a.memberId)!;
    switch (group.state) {
      case 'Empty':
        return ErrorCode.UNKNOWN_MEMBER_ID;
      case 'PreparingRebalance':
        this.scheduleHeartbeat(group, member, member.sessionTimeoutMs);
        return ErrorCode.REBALANCE_IN_PROGRESS;
      case 'CompletingRebalance':
      case 'Stable':
        this.scheduleHeartbeat(group, member, member.sessionTimeoutMs);
        return ErrorCode.NONE;
      case 'Dead':
        return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    }
  }

  leaveGroup(a: LeaveArgs): LeaveResult {
    const group = this.store.get(a.groupId);
    const answer = (m: LeaveArgs['members'][number], errorCode: number) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      errorCode,
    });
    if (!group)
      return {
        errorCode: ErrorCode.NONE,
        members: a.members.map((m) => answer(m, ErrorCode.UNKNOWN_MEMBER_ID)),
      };
    if (group.is('Dead')) return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, members: [] };
    const members = a.members.map((m) => {
      if (m.memberId === '') {
        // Administrative removal by group.instance.id.
        const current = m.groupInstanceId === null ? undefined : group.staticMembers.get(m.groupInstanceId);
        if (current === undefined) return answer(m, ErrorCode.UNKNOWN_MEMBER_ID);
        this.leave(group, group.members.get(current)!);
        return answer(m, ErrorCode.NONE);
      }
      if (group.pendingJoinMembers.has(m.memberId)) {
        this.removePendingMember(group, m.memberId);
        return answer(m, ErrorCode.NONE);
      }
      const memberError = this.validateMember(group, m.memberId, m.groupInstanceId);
      if (memberError !== ErrorCode.NONE) return answer(m, memberError);
      this.leave(group, group.members.get(m.memberId)!);
      return answer(m, ErrorCode.NONE);
    });
    return { errorCode: ErrorCode.NONE, members };
  }

  private leave(group: ClassicGroup, member: GroupMember): void {
    this.log.info({ groupId: group.groupId, memberId: member.memberId }, 'member left the group');
    this.removeMemberAndUpdateGroup(group, member);
  }
}
