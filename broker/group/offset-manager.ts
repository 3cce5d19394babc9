/**
 * Committed offsets (Kafka's offset side of GroupCoordinator/GroupMetadataManager):
 * OffsetCommit with its generation and member checks (including standalone commits with
 * generation -1), OffsetFetch, OffsetDelete, and the expiration of offsets under
 * offsets.retention.minutes. A commit is acknowledged only after its records were appended.
 *
 * Not thread-safe; everything runs on the event loop.
 */

import { ErrorCode } from '../../protocol/error-codes.js';
import type { Clock } from './clock.js';
import type { GroupCoordinatorConfig } from './config.js';
import type { ClassicGroup, CommittedOffset } from './group.js';
import { appendErrorCode, type GroupStore } from './group-store.js';
import type { GroupMembership } from './membership.js';
import { type GroupLogRecord, groupRecord, offsetRecord } from './records.js';
import type { CommitArgs, FetchedPartition, FetchResult, GroupLogger, PartitionErrors } from './types.js';

export interface OffsetManagerDeps {
  store: GroupStore;
  membership: GroupMembership;
  clock: Clock;
  config: GroupCoordinatorConfig;
  log: GroupLogger;
  topicExists: (topic: string, partition: number) => boolean;
}

export class OffsetManager {
  private readonly store: GroupStore;
  private readonly membership: GroupMembership;
  private readonly clock: Clock;
  private readonly config: GroupCoordinatorConfig;
  private readonly log: GroupLogger;
  private readonly topicExists: (topic: string, partition: number) => boolean;

  constructor(deps: OffsetManagerDeps) {
    this.store = deps.store;
    this.membership = deps.membership;
    this.clock = deps.clock;
    this.config = deps.config;
    this.log = deps.log;
    this.topicExists = deps.topicExists;
  }

  private validateOffsetCommit(group: ClassicGroup, a: CommitArgs): number {
    if (group.is('Dead')) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    // Generation -1 on an empty group: a consumer that does not use group management.
    if (a.generationId < 0 && group.is('Empty')) return ErrorCode.NONE;
    if (a.generationId >= 0 || a.memberId !== '' || a.groupInstanceId !== null) {
      const memberError = this.membership.validateMember(group, a.memberId, a.groupInstanceId);
      if (memberError !== ErrorCode.NONE) return memberError;
      if (a.generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
    } else if (!group.is('Empty')) {
      // Without member id and generation only an empty group takes commits.
      return ErrorCode.UNKNOWN_MEMBER_ID;
    }
    // Valid member and generation, but the assignment is not out yet.
    if (group.is('CompletingRebalance')) return ErrorCode.REBALANCE_IN_PROGRESS;
    return ErrorCode.NONE;
  }

  /** `statusError` is the coordinator's verdict on the group id; unknown partitions are reported first, as Kafka does. */
  async commitOffsets(a: CommitArgs, statusError: number): Promise<PartitionErrors> {
    const errors = new Map<string, number>(); // `${topicIndex}:${partitionIndex}` -> code
    const key = (ti: number, p: number) => `${ti}:${p}`;
    const answer = (): PartitionErrors =>
      a.topics.map((t, ti) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({
          partitionIndex: p.partitionIndex,
          errorCode: errors.get(key(ti, p.partitionIndex)) ?? ErrorCode.NONE,
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
          errors.set(key(ti, p.partitionIndex), ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        }
      }
    });
    if (statusError !== ErrorCode.NONE) return failAll(statusError);
    let group = this.store.get(a.groupId);
    if (!group) {
      // No group: a standalone consumer may create one; a member of a gone generation may not.
      if (a.generationId >= 0) return failAll(ErrorCode.ILLEGAL_GENERATION);
      const created = this.store.create(a.groupId);
      if (!created) return failAll(ErrorCode.COORDINATOR_NOT_AVAILABLE);
      group = created;
    }
    const validation = this.validateOffsetCommit(group, a);
    if (validation !== ErrorCode.NONE) return failAll(validation);
    const member = group.members.get(a.memberId);
    if (member && (group.is('Stable') || group.is('PreparingRebalance'))) {
      this.membership.scheduleHeartbeat(group, member, member.sessionTimeoutMs);
    }

    const now = this.clock.now();
    const expireTimestamp = a.retentionTimeMs >= 0 ? now + a.retentionTimeMs : null;
    const accepted: { topic: string; partition: number; offset: CommittedOffset }[] = [];
    a.topics.forEach((t, ti) => {
      for (const p of t.partitions) {
        if (errors.has(key(ti, p.partitionIndex))) continue;
        const metadata = p.committedMetadata ?? '';
        if (Buffer.byteLength(metadata, 'utf8') > this.config.offsetMetadataBytesMax) {
          errors.set(key(ti, p.partitionIndex), ErrorCode.OFFSET_METADATA_TOO_LARGE);
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
      await this.store.append(a.groupId, records);
    } catch (err) {
      this.log.error({ groupId: a.groupId, err }, 'storing committed offsets failed');
      return failAll(appendErrorCode(err, 'offsets'));
    } finally {
      g.inflightCommits--;
    }
    // A group deleted meanwhile wrote its tombstones after these records: they stay deleted.
    if (this.store.isCurrent(g)) for (const x of accepted) g.setOffset(x.topic, x.partition, x.offset);
    return answer();
  }

  /** Committed offsets of a group: of the listed partitions, or of every partition when `topics` is null. */
  fetchOffsets(groupId: string, topics: { name: string; partitionIndexes: number[] }[] | null): FetchResult {
    const group = this.store.get(groupId);
    const row = (p: number, o: CommittedOffset | undefined): FetchedPartition => ({
      partitionIndex: p,
      committedOffset: o?.offset ?? -1,
      committedLeaderEpoch: o?.leaderEpoch ?? -1,
      metadata: o?.metadata ?? '',
      errorCode: ErrorCode.NONE,
    });
    if (topics === null) {
      if (!group) return { errorCode: ErrorCode.NONE, topics: [] };
      return {
        errorCode: ErrorCode.NONE,
        topics: [...group.offsets].map(([name, parts]) => ({
          name,
          partitions: [...parts].sort((x, y) => x[0] - y[0]).map(([p, o]) => row(p, o)),
        })),
      };
    }
    return {
      errorCode: ErrorCode.NONE,
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
    const group = this.store.get(groupId);
    if (!group || group.is('Dead')) return { errorCode: ErrorCode.GROUP_ID_NOT_FOUND, topics: [] };
    if (!group.is('Empty') && !group.usesConsumerProtocol())
      return { errorCode: ErrorCode.NON_EMPTY_GROUP, topics: [] };
    const eligible: { topic: string; partition: number }[] = [];
    const out: PartitionErrors = topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => {
        let errorCode: number = ErrorCode.NONE;
        if (!this.topicExists(t.name, p)) errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
        else if (!group.is('Empty') && group.isSubscribedToTopic(t.name))
          errorCode = ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC;
        else eligible.push({ topic: t.name, partition: p });
        return { partitionIndex: p, errorCode };
      }),
    }));
    if (eligible.length > 0) {
      for (const x of eligible) group.deleteOffset(x.topic, x.partition);
      try {
        await this.store.append(
          groupId,
          eligible.map((x) => offsetRecord(groupId, x.topic, x.partition, null)),
        );
      } catch (err) {
        this.log.error({ groupId, err }, 'storing offset deletions failed');
        return { errorCode: appendErrorCode(err, 'offsets'), topics: [] };
      }
    }
    return { errorCode: ErrorCode.NONE, topics: out };
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
    for (const group of [...this.store.groups.values()]) {
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
      // An empty group with no offsets left is gone, unless a new member is just being let in.
      if (allExpired && group.is('Empty') && group.pendingJoinMembers.size === 0) {
        this.membership.cancelGroupTimers(group);
        this.store.remove(group);
        records.push(groupRecord(group.groupId, null));
      }
      if (records.length > 0) {
        this.store.append(group.groupId, records).catch((err: unknown) => {
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
}
