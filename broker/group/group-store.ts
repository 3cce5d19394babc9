/**
 * The groups this coordinator holds and their persistence (Kafka's GroupMetadataManager):
 * the in-memory map, the bound on how many groups exist, loading them back from the
 * __consumer_offsets logs, and writing their records — one queue per partition, so records of
 * a partition are appended (and acknowledged) in the order they were written.
 *
 * Not thread-safe; everything runs on the event loop.
 */

import { ErrorCode } from '../../protocol/error-codes.js';
import type { Clock } from './clock.js';
import { ClassicGroup, type CommittedOffset } from './group.js';
import type { GroupLog } from './group-log.js';
import { EMPTY_BYTES, GroupMember } from './member.js';
import { partitionForGroup } from './partitioning.js';
import {
  decodeRecord,
  type GroupLogRecord,
  GroupRecordError,
  groupRecord,
  type StoredGroup,
} from './records.js';
import type { GroupLogger } from './types.js';

/**
 * Kafka's mapping of a failed __consumer_offsets append to what the client is told
 * (GroupMetadataManager): too large, storage gone, or otherwise unavailable. Storage errors
 * are recognised by their `code` (storage/errors.ts) without importing storage.
 */
export function appendErrorCode(err: unknown, what: 'group' | 'offsets'): number {
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'RECORD_TOO_LARGE' || code === 'APPEND_TOO_LARGE') {
    return what === 'offsets' ? ErrorCode.INVALID_COMMIT_OFFSET_SIZE : ErrorCode.UNKNOWN_SERVER_ERROR;
  }
  if (
    code === 'STORAGE_IO' ||
    code === 'PARTITION_OFFLINE' ||
    code === 'LOG_CLOSED' ||
    code === NOT_COORDINATOR_CODE
  ) {
    return ErrorCode.NOT_COORDINATOR;
  }
  return ErrorCode.COORDINATOR_NOT_AVAILABLE;
}

/**
 * The `code` of an error a GroupLog throws when this node may no longer write the partition
 * (its leadership moved): the client is told NOT_COORDINATOR and finds the new coordinator.
 */
export const NOT_COORDINATOR_CODE = 'SAMSA_NOT_COORDINATOR';

/** Thrown for writes to a partition this node does not coordinate (any more). */
export class NotCoordinatorError extends Error {
  readonly code = NOT_COORDINATOR_CODE;
}

export interface GroupStoreOptions {
  partitions: number;
  groupsMax: number;
  /** The log of a partition not attached with attachLog(); absent: such writes fail with NotCoordinatorError. */
  logFor?: ((partition: number) => GroupLog) | undefined;
  ownsPartition: (partition: number) => boolean;
  clock: Clock;
  log: GroupLogger;
}

export class GroupStore {
  readonly groups = new Map<string, ClassicGroup>();
  private readonly logs = new Map<number, GroupLog>();
  /** The last operation queued on each partition's log. */
  private readonly tails = new Map<number, Promise<void>>();

  constructor(private readonly opts: GroupStoreOptions) {}

  partitionFor(groupId: string): number {
    return partitionForGroup(groupId, this.opts.partitions);
  }

  get(groupId: string): ClassicGroup | undefined {
    return this.groups.get(groupId);
  }

  /** Still the live group of its id (not deleted, not replaced)? */
  isCurrent(group: ClassicGroup): boolean {
    return this.groups.get(group.groupId) === group && !group.is('Dead');
  }

  /** A new Empty group, or null when groupsMax groups exist already. */
  create(groupId: string): ClassicGroup | null {
    if (this.groups.size >= this.opts.groupsMax) {
      this.opts.log.warn(
        { groupId, groupsMax: this.opts.groupsMax },
        'refusing a new group: too many groups',
      );
      return null;
    }
    const group = new ClassicGroup(groupId, 'Empty', this.opts.clock.now());
    this.groups.set(groupId, group);
    return group;
  }

  /** The group is gone: Dead, and no longer held. */
  remove(group: ClassicGroup): void {
    group.transitionTo('Dead', this.opts.clock.now());
    if (this.groups.get(group.groupId) === group) this.groups.delete(group.groupId);
  }

  // ---------------------------------------------------------------- writing

  private logOf(partition: number): GroupLog {
    let log = this.logs.get(partition);
    if (log) return log;
    if (!this.opts.logFor)
      throw new NotCoordinatorError(`__consumer_offsets partition ${partition} is not coordinated here`);
    this.logs.set(partition, (log = this.opts.logFor(partition)));
    return log;
  }

  /** Write and read a partition through `log` from now on (cluster mode: this node became its leader). */
  attachLog(partition: number, log: GroupLog): void {
    this.logs.set(partition, log);
  }

  /**
   * Stop writing a partition: its groups leave the store (Dead) and its log is forgotten at once;
   * resolves once the writes queued on it before have finished (they fail if leadership moved).
   */
  async detachPartition(partition: number): Promise<ClassicGroup[]> {
    const removed: ClassicGroup[] = [];
    for (const group of [...this.groups.values()]) {
      if (this.partitionFor(group.groupId) !== partition) continue;
      removed.push(group);
      this.remove(group);
    }
    this.logs.delete(partition);
    await (this.tails.get(partition) ?? Promise.resolve());
    return removed;
  }

  /** Run `op` on a partition's log after every operation queued on it before. */
  private enqueue(partition: number, op: (log: GroupLog) => unknown): Promise<void> {
    let log: GroupLog;
    try {
      log = this.logOf(partition);
    } catch (err) {
      return Promise.reject(err);
    }
    const prev = this.tails.get(partition) ?? Promise.resolve();
    const next = prev.then(async () => {
      await op(log);
    });
    const tail = next.catch(() => {});
    this.tails.set(partition, tail);
    void tail.then(() => {
      if (this.tails.get(partition) === tail) this.tails.delete(partition);
    });
    return next;
  }

  /** Resolves once every write queued so far for this group's partition has finished. */
  settled(groupId: string): Promise<void> {
    return this.tails.get(this.partitionFor(groupId)) ?? Promise.resolve();
  }

  append(groupId: string, records: GroupLogRecord[]): Promise<void> {
    return this.enqueue(this.partitionFor(groupId), (log) => log.append(records));
  }

  /** Write the group's metadata with these assignments; resolves to an error code (NONE when stored). */
  async storeGroup(group: ClassicGroup, assignment: Map<string, Buffer>): Promise<number> {
    const stored: StoredGroup = {
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
    try {
      await this.append(group.groupId, [groupRecord(group.groupId, stored)]);
      return ErrorCode.NONE;
    } catch (err) {
      this.opts.log.error({ groupId: group.groupId, err }, 'storing group metadata failed');
      return appendErrorCode(err, 'group');
    }
  }

  /** Ask every log that can compact to do so, queued behind its appends. */
  compactLogs(): Promise<void> {
    const runs: Promise<void>[] = [];
    for (const [p, log] of this.logs) {
      if (!log.compact) continue;
      runs.push(
        this.enqueue(p, (l) => l.compact?.()).catch((err: unknown) => {
          this.opts.log.error({ partition: p, err }, 'compacting __consumer_offsets failed');
        }),
      );
    }
    return Promise.all(runs).then(() => {});
  }

  /** Resolves once every queued write has finished. */
  async drain(): Promise<void> {
    await Promise.all([...this.tails.values()]);
  }

  // ---------------------------------------------------------------- loading

  /**
   * Replay every owned partition's log into groups (members come back Stable, with their
   * stored assignments; groups without members come back Empty). Records that cannot be read
   * are skipped and counted; a log that cannot be read at all fails the load.
   */
  async load(): Promise<void> {
    for (let p = 0; p < this.opts.partitions; p++) {
      if (!this.opts.ownsPartition(p)) continue;
      for (const group of await this.readPartition(p)) this.groups.set(group.groupId, group);
    }
  }

  /**
   * Replay one partition's log into the groups it holds, without adding them to the store.
   * Records that cannot be read are skipped and counted; a log that cannot be read at all throws.
   */
  async readPartition(p: number): Promise<ClassicGroup[]> {
    const stored = new Map<string, { group: StoredGroup | null; offsets: Map<string, CommittedOffset> }>();
    let skipped = 0;
    for await (const r of this.logOf(p).load()) {
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
    if (skipped > 0)
      this.opts.log.warn({ partition: p, skipped }, 'skipped unreadable __consumer_offsets records');
    const now = this.opts.clock.now();
    const groups: ClassicGroup[] = [];
    for (const [groupId, entry] of stored) {
      if (entry.group === null && entry.offsets.size === 0) continue;
      const group = restoreGroup(groupId, entry.group, now);
      for (const [k, o] of entry.offsets) {
        const sep = k.indexOf(':');
        group.setOffset(k.slice(sep + 1), Number(k.slice(0, sep)), o);
      }
      groups.push(group);
    }
    return groups;
  }
}

function restoreGroup(groupId: string, g: StoredGroup | null, now: number): ClassicGroup {
  const hasMembers = g !== null && g.members.length > 0 && g.protocolName !== null;
  const group = new ClassicGroup(groupId, hasMembers ? 'Stable' : 'Empty', g?.stateTimestamp ?? now);
  if (g === null) return group;
  group.protocolType = g.protocolType;
  group.generationId = g.generationId;
  if (hasMembers) {
    group.protocolName = g.protocolName;
    for (const m of g.members) {
      if (m.groupInstanceId !== null && group.staticMembers.has(m.groupInstanceId)) continue;
      group.add(
        new GroupMember({
          memberId: m.memberId,
          groupInstanceId: m.groupInstanceId,
          clientId: m.clientId,
          clientHost: m.clientHost,
          rebalanceTimeoutMs: m.rebalanceTimeoutMs,
          sessionTimeoutMs: m.sessionTimeoutMs,
          protocolType: g.protocolType ?? '',
          protocols: [{ name: g.protocolName!, metadata: m.subscription }],
          assignment: m.assignment,
        }),
        null,
      );
    }
    if (g.leaderId !== null && group.members.has(g.leaderId)) group.leaderId = g.leaderId;
  }
  group.subscribedTopics = group.computeSubscribedTopics();
  return group;
}
