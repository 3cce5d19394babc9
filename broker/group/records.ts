/**
 * The records the coordinator writes to __consumer_offsets, msgpack-encoded (msgpackr).
 *
 * Keys identify what a record is about, so compaction keeps the latest of each:
 *   offset commit   [1, groupId, topic, partition]
 *   group metadata  [2, groupId]
 * A null value is a tombstone (offset deleted or expired; group deleted).
 * Values carry a format version first, so later versions can add fields.
 */
import { pack, unpack } from 'msgpackr';
import type { CommittedOffset } from './group.js';

const OFFSET_KEY_TYPE = 1;
const GROUP_KEY_TYPE = 2;
const OFFSET_VALUE_VERSION = 1;
const GROUP_VALUE_VERSION = 1;

export interface GroupLogRecord {
  key: Buffer;
  value: Buffer | null;
}

export interface StoredMember {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  rebalanceTimeoutMs: number;
  sessionTimeoutMs: number;
  /** Metadata for the group's selected protocol. */
  subscription: Buffer;
  assignment: Buffer;
}

export interface StoredGroup {
  protocolType: string | null;
  generationId: number;
  protocolName: string | null;
  leaderId: string | null;
  stateTimestamp: number;
  members: StoredMember[];
}

export type DecodedRecord =
  | { kind: 'offset'; groupId: string; topic: string; partition: number; value: CommittedOffset | null }
  | { kind: 'group'; groupId: string; value: StoredGroup | null };

/** A stored record that cannot be understood: loading skips it and says so. */
export class GroupRecordError extends Error {
  readonly code = 'SAMSA_GROUP_RECORD';
}

export function offsetRecord(
  groupId: string,
  topic: string,
  partition: number,
  o: CommittedOffset | null,
): GroupLogRecord {
  const key = pack([OFFSET_KEY_TYPE, groupId, topic, partition]);
  if (o === null) return { key, value: null };
  return {
    key,
    value: pack([
      OFFSET_VALUE_VERSION,
      o.offset,
      o.leaderEpoch,
      o.metadata,
      o.commitTimestamp,
      o.expireTimestamp,
    ]),
  };
}

export function groupRecord(groupId: string, g: StoredGroup | null): GroupLogRecord {
  const key = pack([GROUP_KEY_TYPE, groupId]);
  if (g === null) return { key, value: null };
  const members = g.members.map((m) => [
    m.memberId,
    m.groupInstanceId,
    m.clientId,
    m.clientHost,
    m.rebalanceTimeoutMs,
    m.sessionTimeoutMs,
    m.subscription,
    m.assignment,
  ]);
  return {
    key,
    value: pack([
      GROUP_VALUE_VERSION,
      g.protocolType,
      g.generationId,
      g.protocolName,
      g.leaderId,
      g.stateTimestamp,
      members,
    ]),
  };
}

const isStr = (v: unknown): v is string => typeof v === 'string';
const isStrOrNull = (v: unknown): v is string | null => v === null || typeof v === 'string';
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);
const isBytes = (v: unknown): v is Uint8Array => v instanceof Uint8Array;
const toBuffer = (v: Uint8Array): Buffer =>
  Buffer.isBuffer(v) ? v : Buffer.from(v.buffer, v.byteOffset, v.length);

function fail(what: string): never {
  throw new GroupRecordError(`__consumer_offsets record: ${what}`);
}

function decodeOffsetValue(v: unknown): CommittedOffset {
  if (!Array.isArray(v) || v[0] !== OFFSET_VALUE_VERSION) fail('unknown offset value version');
  const [, offset, leaderEpoch, metadata, commitTimestamp, expireTimestamp] = v as unknown[];
  if (!isInt(offset) || !isInt(leaderEpoch) || !isStr(metadata) || !isInt(commitTimestamp))
    fail('bad offset value');
  if (expireTimestamp !== null && !isInt(expireTimestamp)) fail('bad offset expire timestamp');
  return { offset, leaderEpoch, metadata, commitTimestamp, expireTimestamp };
}

function decodeMember(v: unknown): StoredMember {
  if (!Array.isArray(v) || v.length < 8) fail('bad member');
  const [
    memberId,
    groupInstanceId,
    clientId,
    clientHost,
    rebalanceTimeoutMs,
    sessionTimeoutMs,
    subscription,
    assignment,
  ] = v as unknown[];
  if (!isStr(memberId) || !isStrOrNull(groupInstanceId) || !isStr(clientId) || !isStr(clientHost))
    fail('bad member');
  if (
    !isInt(rebalanceTimeoutMs) ||
    !isInt(sessionTimeoutMs) ||
    !isBytes(subscription) ||
    !isBytes(assignment)
  ) {
    fail('bad member');
  }
  return {
    memberId,
    groupInstanceId,
    clientId,
    clientHost,
    rebalanceTimeoutMs,
    sessionTimeoutMs,
    subscription: toBuffer(subscription),
    assignment: toBuffer(assignment),
  };
}

function decodeGroupValue(v: unknown): StoredGroup {
  if (!Array.isArray(v) || v[0] !== GROUP_VALUE_VERSION) fail('unknown group value version');
  const [, protocolType, generationId, protocolName, leaderId, stateTimestamp, members] = v as unknown[];
  if (
    !isStrOrNull(protocolType) ||
    !isInt(generationId) ||
    !isStrOrNull(protocolName) ||
    !isStrOrNull(leaderId)
  ) {
    fail('bad group value');
  }
  if (!isInt(stateTimestamp) || !Array.isArray(members)) fail('bad group value');
  return {
    protocolType,
    generationId,
    protocolName,
    leaderId,
    stateTimestamp,
    members: members.map(decodeMember),
  };
}

/** Decode one stored record; throws GroupRecordError when it is not one of ours. */
export function decodeRecord(r: GroupLogRecord): DecodedRecord {
  let key: unknown;
  let value: unknown = null;
  try {
    key = unpack(r.key);
    if (r.value !== null) value = unpack(r.value);
  } catch (err) {
    fail(`not msgpack (${(err as Error).message})`);
  }
  if (!Array.isArray(key)) fail('key is not an array');
  if (key[0] === OFFSET_KEY_TYPE) {
    const [, groupId, topic, partition] = key as unknown[];
    if (!isStr(groupId) || !isStr(topic) || !isInt(partition)) fail('bad offset key');
    return {
      kind: 'offset',
      groupId,
      topic,
      partition,
      value: r.value === null ? null : decodeOffsetValue(value),
    };
  }
  if (key[0] === GROUP_KEY_TYPE) {
    const [, groupId] = key as unknown[];
    if (!isStr(groupId)) fail('bad group key');
    return { kind: 'group', groupId, value: r.value === null ? null : decodeGroupValue(value) };
  }
  fail(`unknown key type ${String(key[0])}`);
}
