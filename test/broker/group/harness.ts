/**
 * Shared setup for the group coordinator tests: a coordinator over in-memory logs and a manual
 * clock, with short timeouts, deterministic member ids, and helpers for the consumer protocol.
 * No sleeps: time moves only through clock.advance(), and flush() lets promise reactions run.
 */
import { ManualClock } from '../../../broker/group/clock.js';
import type { GroupCoordinatorConfig } from '../../../broker/group/config.js';
import { GroupCoordinator, type JoinArgs } from '../../../broker/group/coordinator.js';
import { MemoryGroupLogs } from '../../../broker/group/group-log.js';
import type { JoinResult, SyncResult } from '../../../broker/group/member.js';

export const SESSION_MS = 10_000;
export const REBALANCE_MS = 30_000;
export const INITIAL_DELAY_MS = 100;

export const testConfig: Partial<GroupCoordinatorConfig> = {
  initialRebalanceDelayMs: INITIAL_DELAY_MS,
  sessionTimeoutMsMin: 1000,
  sessionTimeoutMsMax: 60_000,
  offsetsTopicPartitions: 4,
};

export interface Harness {
  clock: ManualClock;
  logs: MemoryGroupLogs;
  coordinator: GroupCoordinator;
  topics: Map<string, number>;
}

export async function setup(
  opts: { config?: Partial<GroupCoordinatorConfig>; logs?: MemoryGroupLogs; clock?: ManualClock } = {},
): Promise<Harness> {
  const clock = opts.clock ?? new ManualClock();
  const logs = opts.logs ?? new MemoryGroupLogs();
  const topics = new Map<string, number>([
    ['t1', 6],
    ['t2', 2],
  ]);
  let n = 0;
  const coordinator = new GroupCoordinator({
    config: { ...testConfig, ...opts.config },
    clock,
    logFor: logs.logFor,
    topicExists: (t, p) => p >= 0 && p < (topics.get(t) ?? 0),
    newUuid: () => `uuid${++n}`,
  });
  await coordinator.start();
  return { clock, logs, coordinator, topics };
}

/** Let every pending promise reaction (and chained appends) run. */
export async function flush(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((r) => setImmediate(r));
}

/** A promise with its outcome visible synchronously once settled. */
export interface Tracked<T> {
  done: boolean;
  value: T | undefined;
  promise: Promise<T>;
}

export function track<T>(promise: Promise<T>): Tracked<T> {
  const t: Tracked<T> = { done: false, value: undefined, promise };
  void promise.then((v) => {
    t.done = true;
    t.value = v;
  });
  return t;
}

/** A ConsumerProtocolSubscription v0: int16 version, topics, null user data. */
export function subscription(topics: string[]): Buffer {
  const parts: Buffer[] = [];
  const head = Buffer.alloc(6);
  head.writeInt16BE(0, 0);
  head.writeInt32BE(topics.length, 2);
  parts.push(head);
  for (const t of topics) {
    const len = Buffer.alloc(2);
    len.writeInt16BE(Buffer.byteLength(t), 0);
    parts.push(len, Buffer.from(t));
  }
  const userData = Buffer.alloc(4);
  userData.writeInt32BE(-1, 0);
  parts.push(userData);
  return Buffer.concat(parts);
}

export function joinArgs(groupId: string, over: Partial<JoinArgs> = {}): JoinArgs {
  return {
    groupId,
    memberId: '',
    groupInstanceId: null,
    requireKnownMemberId: false,
    clientId: 'client',
    clientHost: '/127.0.0.1',
    rebalanceTimeoutMs: REBALANCE_MS,
    sessionTimeoutMs: SESSION_MS,
    protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: subscription(['t1']) }],
    ...over,
  };
}

export function join(h: Harness, groupId: string, over: Partial<JoinArgs> = {}): Tracked<JoinResult> {
  return track(h.coordinator.joinGroup(joinArgs(groupId, over)));
}

export function sync(
  h: Harness,
  groupId: string,
  r: JoinResult,
  assignments: { memberId: string; assignment: Buffer }[] = [],
  groupInstanceId: string | null = null,
): Tracked<SyncResult> {
  return track(
    h.coordinator.syncGroup({
      groupId,
      generationId: r.generationId,
      memberId: r.memberId,
      groupInstanceId,
      protocolType: null,
      protocolName: null,
      assignments,
    }),
  );
}

/**
 * Let the initial rebalance delay run out: it restarts (up to the rebalance timeout) as long as
 * members keep arriving, so advance one delay at a time until every join is answered.
 */
export async function completeInitialRebalance(h: Harness, pending: Tracked<unknown>[]): Promise<void> {
  for (let i = 0; i < 20 && !pending.every((p) => p.done); i++) {
    h.clock.advance(INITIAL_DELAY_MS);
    await flush();
  }
}

/** Join `n` members into a new group, complete the rebalance, and sync with `assign(memberIds)`. */
export async function stableGroup(
  h: Harness,
  groupId: string,
  n: number,
  over: (i: number) => Partial<JoinArgs> = () => ({}),
): Promise<{ joins: JoinResult[]; syncs: SyncResult[] }> {
  const pending = Array.from({ length: n }, (_, i) => join(h, groupId, { clientId: `c${i}`, ...over(i) }));
  await completeInitialRebalance(h, pending);
  const joins = pending.map((p) => {
    if (!p.done) throw new Error('join did not complete');
    return p.value!;
  });
  const leader = joins.find((j) => j.memberId === j.leader)!;
  const assignments = leader.members.map((m) => ({ memberId: m.memberId, assignment: Buffer.from(`a:${m.memberId}`) }));
  const syncs = joins.map((j) => sync(h, groupId, j, j.memberId === leader.memberId ? assignments : []));
  await flush();
  return {
    joins,
    syncs: syncs.map((s) => {
      if (!s.done) throw new Error('sync did not complete');
      return s.value!;
    }),
  };
}
