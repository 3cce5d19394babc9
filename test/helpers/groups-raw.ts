/**
 * Hand-built group API requests for the consumer-group end-to-end tests, on the independent
 * test codec (wire.ts) over a RawConnection: non-flexible versions only (request header v1,
 * response header v0), so nothing here shares code with protocol/.
 *
 *   JoinGroup v5, SyncGroup v3, Heartbeat v3, LeaveGroup v3, OffsetCommit v5, OffsetFetch v5,
 *   DescribeGroups v1, DeleteGroups v1.
 */
import type { RawConnection } from './raw-client.js';
import { Reader, Writer } from './wire.js';

export const GroupApiKey = {
  OffsetCommit: 8,
  OffsetFetch: 9,
  FindCoordinator: 10,
  JoinGroup: 11,
  Heartbeat: 12,
  LeaveGroup: 13,
  SyncGroup: 14,
  DescribeGroups: 15,
  DeleteGroups: 42,
} as const;

/** Kafka error codes (Errors.java) the group tests name. */
export const GroupErrorCode = {
  NONE: 0,
  UNKNOWN_TOPIC_OR_PARTITION: 3,
  ILLEGAL_GENERATION: 22,
  INCONSISTENT_GROUP_PROTOCOL: 23,
  UNKNOWN_MEMBER_ID: 25,
  INVALID_SESSION_TIMEOUT: 26,
  REBALANCE_IN_PROGRESS: 27,
  INVALID_REQUEST: 42,
  NON_EMPTY_GROUP: 68,
  GROUP_ID_NOT_FOUND: 69,
  MEMBER_ID_REQUIRED: 79,
  FENCED_INSTANCE_ID: 82,
} as const;

/** ConsumerProtocolSubscription v0: version int16, topics array of string, user data bytes. */
export function consumerSubscription(topics: string[], userData: Buffer | null = null): Buffer {
  return new Writer()
    .int16(0)
    .array(topics, (w, t) => w.string(t))
    .bytes(userData)
    .bytesOut();
}

/** ConsumerProtocolAssignment v0: version int16, [topic, [partition int32]], user data bytes. */
export function consumerAssignment(
  assigned: Record<string, number[]>,
  userData: Buffer | null = null,
): Buffer {
  return new Writer()
    .int16(0)
    .array(Object.entries(assigned), (w, [topic, parts]) =>
      w.string(topic).array(parts, (w2, p) => w2.int32(p)),
    )
    .bytes(userData)
    .bytesOut();
}

/** Decodes a ConsumerProtocolAssignment (v0 layout; later versions only append fields). */
export function parseConsumerAssignment(buf: Buffer | null): Record<string, number[]> {
  if (buf === null || buf.length === 0) return {};
  const r = new Reader(buf);
  r.int16();
  const out: Record<string, number[]> = {};
  r.array((x) => {
    const topic = x.string() ?? '';
    out[topic] = x.array((y) => y.int32());
  });
  return out;
}

export interface JoinGroupArgs {
  groupId: string;
  memberId?: string;
  groupInstanceId?: string | null;
  sessionTimeoutMs?: number;
  rebalanceTimeoutMs?: number;
  protocolType?: string;
  protocols: { name: string; metadata: Buffer }[];
}

export interface JoinGroupResult {
  errorCode: number;
  generationId: number;
  protocolName: string | null;
  leader: string;
  memberId: string;
  members: { memberId: string; groupInstanceId: string | null; metadata: Buffer | null }[];
}

/** JoinGroup v5 (v4 when `version` is 4: no group instance id). */
export function joinGroupBody(a: JoinGroupArgs, version = 5): Buffer {
  const w = new Writer()
    .string(a.groupId)
    .int32(a.sessionTimeoutMs ?? 10_000)
    .int32(a.rebalanceTimeoutMs ?? 10_000)
    .string(a.memberId ?? '');
  if (version >= 5) w.string(a.groupInstanceId ?? null);
  return w
    .string(a.protocolType ?? 'consumer')
    .array(a.protocols, (x, p) => x.string(p.name).bytes(p.metadata))
    .bytesOut();
}

export function parseJoinGroup(r: Reader, version = 5): JoinGroupResult {
  r.int32(); // throttle_time_ms
  const errorCode = r.int16();
  const generationId = r.int32();
  const protocolName = r.string();
  const leader = r.string() ?? '';
  const memberId = r.string() ?? '';
  const members = r.array((m) => ({
    memberId: m.string() ?? '',
    groupInstanceId: version >= 5 ? m.string() : null,
    metadata: m.bytes(),
  }));
  return { errorCode, generationId, protocolName, leader, memberId, members };
}

export async function joinGroup(
  conn: RawConnection,
  a: JoinGroupArgs,
  opts: { version?: number; timeoutMs?: number } = {},
): Promise<JoinGroupResult> {
  const version = opts.version ?? 5;
  const r = await conn.request(GroupApiKey.JoinGroup, version, joinGroupBody(a, version), {
    timeoutMs: opts.timeoutMs ?? 20_000,
  });
  return parseJoinGroup(r, version);
}

/**
 * A new dynamic member's whole JoinGroup v5 round trip: MEMBER_ID_REQUIRED, then a join with
 * the id the broker handed out. Throws unless the second join succeeds.
 */
export async function joinAsNewMember(
  conn: RawConnection,
  a: Omit<JoinGroupArgs, 'memberId'>,
  opts: { timeoutMs?: number } = {},
): Promise<JoinGroupResult> {
  const first = await joinGroup(conn, { ...a, memberId: '' }, opts);
  if (first.errorCode !== GroupErrorCode.MEMBER_ID_REQUIRED || first.memberId === '') {
    throw new Error(`JoinGroup v5 with an empty member id answered ${JSON.stringify(first)}`);
  }
  const second = await joinGroup(conn, { ...a, memberId: first.memberId }, opts);
  if (second.errorCode !== 0)
    throw new Error(`JoinGroup v5 with the handed-out id: error ${second.errorCode}`);
  return second;
}

export interface SyncGroupArgs {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId?: string | null;
  assignments?: { memberId: string; assignment: Buffer }[];
}

/** SyncGroup v3. */
export function syncGroupBody(a: SyncGroupArgs): Buffer {
  return new Writer()
    .string(a.groupId)
    .int32(a.generationId)
    .string(a.memberId)
    .string(a.groupInstanceId ?? null)
    .array(a.assignments ?? [], (w, x) => w.string(x.memberId).bytes(x.assignment))
    .bytesOut();
}

export async function syncGroup(
  conn: RawConnection,
  a: SyncGroupArgs,
  opts: { timeoutMs?: number } = {},
): Promise<{ errorCode: number; assignment: Buffer | null }> {
  const r = await conn.request(GroupApiKey.SyncGroup, 3, syncGroupBody(a), {
    timeoutMs: opts.timeoutMs ?? 20_000,
  });
  r.int32();
  return { errorCode: r.int16(), assignment: r.bytes() };
}

/** Heartbeat v3: resolves with the error code. */
export async function heartbeat(
  conn: RawConnection,
  a: { groupId: string; generationId: number; memberId: string; groupInstanceId?: string | null },
): Promise<number> {
  const body = new Writer()
    .string(a.groupId)
    .int32(a.generationId)
    .string(a.memberId)
    .string(a.groupInstanceId ?? null)
    .bytesOut();
  const r = await conn.request(GroupApiKey.Heartbeat, 3, body);
  r.int32();
  return r.int16();
}

/** LeaveGroup v3 (batched members; a static member is named by its group instance id). */
export async function leaveGroup(
  conn: RawConnection,
  groupId: string,
  memberIds: (string | { memberId: string; groupInstanceId: string | null })[],
): Promise<{ errorCode: number; members: { memberId: string; errorCode: number }[] }> {
  const body = new Writer()
    .string(groupId)
    .array(memberIds, (w, m) =>
      typeof m === 'string' ? w.string(m).string(null) : w.string(m.memberId).string(m.groupInstanceId),
    )
    .bytesOut();
  const r = await conn.request(GroupApiKey.LeaveGroup, 3, body);
  r.int32();
  const errorCode = r.int16();
  const members = r.array((m) => {
    const memberId = m.string() ?? '';
    m.string();
    return { memberId, errorCode: m.int16() };
  });
  return { errorCode, members };
}

export interface CommitEntry {
  topic: string;
  partition: number;
  offset: bigint | number;
  metadata?: string | null;
}

/** OffsetCommit v5: per partition error codes, keyed `topic/partition`. */
export async function offsetCommit(
  conn: RawConnection,
  a: { groupId: string; generationId?: number; memberId?: string; offsets: CommitEntry[] },
): Promise<Map<string, number>> {
  const byTopic = new Map<string, CommitEntry[]>();
  for (const o of a.offsets) byTopic.set(o.topic, [...(byTopic.get(o.topic) ?? []), o]);
  const body = new Writer()
    .string(a.groupId)
    .int32(a.generationId ?? -1)
    .string(a.memberId ?? '')
    .array([...byTopic], (w, [topic, parts]) =>
      w.string(topic).array(parts, (w2, p) =>
        w2
          .int32(p.partition)
          .int64(BigInt(p.offset))
          .string(p.metadata ?? null),
      ),
    )
    .bytesOut();
  const r = await conn.request(GroupApiKey.OffsetCommit, 5, body);
  r.int32();
  const out = new Map<string, number>();
  r.array((t) => {
    const topic = t.string() ?? '';
    t.array((p) => {
      const partition = p.int32();
      out.set(`${topic}/${partition}`, p.int16());
    });
  });
  return out;
}

export interface FetchedOffset {
  topic: string;
  partition: number;
  offset: bigint;
  metadata: string | null;
  errorCode: number;
}

/**
 * OffsetFetch v5 for one group (`topics` null = every committed partition): the group-level
 * error code and the partitions.
 */
export async function offsetFetch(
  conn: RawConnection,
  groupId: string,
  topics: { topic: string; partitions: number[] }[] | null,
): Promise<{ errorCode: number; offsets: FetchedOffset[] }> {
  const w = new Writer().string(groupId);
  if (topics === null) w.int32(-1);
  else w.array(topics, (x, t) => x.string(t.topic).array(t.partitions, (y, p) => y.int32(p)));
  const r = await conn.request(GroupApiKey.OffsetFetch, 5, w.bytesOut());
  r.int32();
  const offsets: FetchedOffset[] = [];
  r.array((t) => {
    const topic = t.string() ?? '';
    t.array((p) => {
      const partition = p.int32();
      const offset = p.int64();
      p.int32(); // committed leader epoch
      const metadata = p.string();
      offsets.push({ topic, partition, offset, metadata, errorCode: p.int16() });
    });
  });
  return { errorCode: r.int16(), offsets };
}

/** Committed offsets of `partitions` of `topic` as numbers (-1 = none); throws on any error code. */
export async function committedOffsets(
  conn: RawConnection,
  groupId: string,
  topic: string,
  partitions: number[],
): Promise<number[]> {
  const res = await offsetFetch(conn, groupId, [{ topic, partitions }]);
  if (res.errorCode !== 0) throw new Error(`OffsetFetch ${groupId}: error ${res.errorCode}`);
  return partitions.map((p) => {
    const o = res.offsets.find((x) => x.topic === topic && x.partition === p);
    if (!o) throw new Error(`OffsetFetch ${groupId}: no answer for ${topic}-${p}`);
    if (o.errorCode !== 0) throw new Error(`OffsetFetch ${groupId} ${topic}-${p}: error ${o.errorCode}`);
    return Number(o.offset);
  });
}

export interface DescribedGroup {
  errorCode: number;
  groupId: string;
  state: string;
  protocolType: string;
  protocol: string;
  members: { memberId: string; clientId: string; assignment: Buffer | null }[];
}

/** DescribeGroups v1. */
export async function describeGroups(conn: RawConnection, groupIds: string[]): Promise<DescribedGroup[]> {
  const body = new Writer().array(groupIds, (w, g) => w.string(g)).bytesOut();
  const r = await conn.request(GroupApiKey.DescribeGroups, 1, body);
  r.int32();
  return r.array((g) => {
    const errorCode = g.int16();
    const groupId = g.string() ?? '';
    const state = g.string() ?? '';
    const protocolType = g.string() ?? '';
    const protocol = g.string() ?? '';
    const members = g.array((m) => {
      const memberId = m.string() ?? '';
      const clientId = m.string() ?? '';
      m.string(); // client host
      m.bytes(); // metadata
      return { memberId, clientId, assignment: m.bytes() };
    });
    return { errorCode, groupId, state, protocolType, protocol, members };
  });
}

/** DeleteGroups v1: error code per group id. */
export async function deleteGroups(conn: RawConnection, groupIds: string[]): Promise<Map<string, number>> {
  const body = new Writer().array(groupIds, (w, g) => w.string(g)).bytesOut();
  const r = await conn.request(GroupApiKey.DeleteGroups, 1, body);
  r.int32();
  const out = new Map<string, number>();
  r.array((g) => {
    const id = g.string() ?? '';
    out.set(id, g.int16());
  });
  return out;
}
