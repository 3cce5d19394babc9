/**
 * The records of the cluster metadata log: what the Raft quorum replicates and every broker
 * applies, in order, to its {@link MetadataImage}. They are internal (no Kafka client sees
 * them), so they are msgpack (msgpackr), not Kafka's own metadata record format.
 *
 * Every record is a plain object with a `type`. {@link decodeMetadataRecord} checks the shape
 * of what it decodes, so a corrupt or foreign entry is an error, never a half-applied record.
 */
import { Packr } from 'msgpackr';

/**
 * A broker announcing itself. Its `brokerEpoch` is the offset of this entry in the metadata
 * log: a broker proposes it as -1 and the image fills in the offset when it applies it.
 */
export interface RegisterBrokerRecord {
  type: 'register-broker';
  brokerId: number;
  /** Random per process start: tells a restart from a duplicate registration. */
  incarnationId: string;
  host: string;
  port: number;
  rack: string | null;
  brokerEpoch: number;
}

/** A broker that stopped heartbeating (fenced) or came back (unfenced). */
export interface BrokerFencingRecord {
  type: 'fence-broker' | 'unfence-broker';
  brokerId: number;
  brokerEpoch: number;
}

export interface TopicRecord {
  type: 'topic';
  name: string;
  /** 32 lowercase hex digits, as the rest of Samsa spells Kafka uuids. */
  topicId: string;
}

/** A partition's full state, written when it is created. */
export interface PartitionRecord {
  type: 'partition';
  topic: string;
  partition: number;
  /** Replica broker ids; the first is the preferred leader. */
  replicas: number[];
  isr: number[];
  /** -1 when no replica can lead. */
  leader: number;
  leaderEpoch: number;
  /** Bumped on every change (ISR or leader), the version AlterPartition requests check. */
  partitionEpoch: number;
}

/** A change to one partition; absent fields are unchanged. */
export interface PartitionChangeRecord {
  type: 'partition-change';
  topic: string;
  partition: number;
  isr?: number[];
  /** A new leader (or -1). Any leader change bumps the leader epoch by one. */
  leader?: number;
}

export interface RemoveTopicRecord {
  type: 'remove-topic';
  name: string;
}

/** A topic config set (`value` a string) or removed (`value` null). */
export interface TopicConfigRecord {
  type: 'topic-config';
  topic: string;
  key: string;
  value: string | null;
}

export type MetadataRecord =
  | RegisterBrokerRecord
  | BrokerFencingRecord
  | TopicRecord
  | PartitionRecord
  | PartitionChangeRecord
  | RemoveTopicRecord
  | TopicConfigRecord;

/**
 * Requests: what a broker (or the active controller) asks of the cluster. They go through the
 * metadata log like records, and every broker decides each one the same way when it applies
 * it (controller-decisions.ts against the image as of that entry), so there is no separate
 * controller state to lose or to disagree about. `requestId` makes retries idempotent and lets
 * the asker find the outcome.
 */
export interface CreateTopicRequest {
  type: 'create-topic';
  requestId: string;
  name: string;
  topicId: string;
  partitions: number;
  replicationFactor: number;
  configs: Record<string, string>;
  /** Replicas of each partition as the user assigned them; absent: the controller places them. */
  assignments?: number[][];
}

export interface DeleteTopicRequest {
  type: 'delete-topic';
  requestId: string;
  name: string;
}

/** Grow a topic to `count` partitions. */
export interface CreatePartitionsRequest {
  type: 'create-partitions';
  requestId: string;
  topic: string;
  count: number;
}

/** Set (string) or remove (null) topic configs. */
export interface AlterTopicConfigsRequest {
  type: 'alter-topic-configs';
  requestId: string;
  topic: string;
  configs: Record<string, string | null>;
}

/** A partition leader asks for a new ISR (Kafka's AlterPartition). */
export interface AlterPartitionRequest {
  type: 'alter-partition';
  requestId: string;
  brokerId: number;
  topic: string;
  partition: number;
  leaderEpoch: number;
  partitionEpoch: number;
  isr: number[];
}

/**
 * The active controller saw a broker's session expire (fence it and move its leaderships) or a
 * fenced broker heartbeat with its metadata caught up (unfence it).
 */
export interface BrokerSessionRequest {
  type: 'broker-session-expired' | 'broker-ready';
  requestId: string;
  brokerId: number;
  brokerEpoch: number;
}

/** Move leadership back to preferred replicas where they are live and in sync. */
export interface PreferredLeadersRequest {
  type: 'elect-preferred-leaders';
  requestId: string;
}

export type MetadataRequest =
  | CreateTopicRequest
  | DeleteTopicRequest
  | CreatePartitionsRequest
  | AlterTopicConfigsRequest
  | AlterPartitionRequest
  | BrokerSessionRequest
  | PreferredLeadersRequest;

/** One metadata log entry: a record (a fact) or a request (decided when applied). */
export type MetadataEntry = MetadataRecord | MetadataRequest;

/** A metadata log entry that is not a well-formed record. */
export class MetadataRecordError extends Error {
  override name = 'MetadataRecordError';
}

const packr = new Packr({ useRecords: false, mapsAsObjects: true });

export function encodeMetadataRecord(record: MetadataEntry): Uint8Array {
  return packr.pack(record);
}

export function decodeMetadataRecord(bytes: Uint8Array): MetadataEntry {
  let value: unknown;
  try {
    value = packr.unpack(bytes);
  } catch (err) {
    throw new MetadataRecordError(`metadata record is not msgpack: ${(err as Error).message}`);
  }
  return checkMetadataEntry(value);
}

type Check = (v: unknown) => boolean;
const isInt: Check = (v) => Number.isSafeInteger(v);
const isId: Check = (v) => Number.isSafeInteger(v) && (v as number) >= 0;
const isString: Check = (v) => typeof v === 'string';
const isStringOrNull: Check = (v) => v === null || typeof v === 'string';
const isIdList: Check = (v) => Array.isArray(v) && v.every(isId) && new Set(v).size === v.length;
const isPositive: Check = (v) => Number.isSafeInteger(v) && (v as number) > 0;
const isStringMap =
  (nullable: boolean): Check =>
  (v) =>
    typeof v === 'object' &&
    v !== null &&
    !Array.isArray(v) &&
    Object.values(v).every((x) => typeof x === 'string' || (nullable && x === null));

/** The fields each entry type must have, and their checks. Optional fields end with '?'. */
const shapes: Record<MetadataEntry['type'], Record<string, Check>> = {
  'register-broker': {
    brokerId: isId,
    incarnationId: isString,
    host: isString,
    port: (v) => isInt(v) && (v as number) > 0 && (v as number) < 65536,
    rack: isStringOrNull,
    brokerEpoch: isInt,
  },
  'fence-broker': { brokerId: isId, brokerEpoch: isInt },
  'unfence-broker': { brokerId: isId, brokerEpoch: isInt },
  topic: { name: isString, topicId: (v) => typeof v === 'string' && /^[0-9a-f]{32}$/.test(v) },
  partition: {
    topic: isString,
    partition: isId,
    replicas: isIdList,
    isr: isIdList,
    leader: (v) => isInt(v) && (v as number) >= -1,
    leaderEpoch: isId,
    partitionEpoch: isId,
  },
  'partition-change': {
    topic: isString,
    partition: isId,
    'isr?': isIdList,
    'leader?': (v) => isInt(v) && (v as number) >= -1,
  },
  'remove-topic': { name: isString },
  'topic-config': { topic: isString, key: isString, value: isStringOrNull },
  'create-topic': {
    requestId: isString,
    name: isString,
    topicId: (v) => typeof v === 'string' && /^[0-9a-f]{32}$/.test(v),
    partitions: isPositive,
    replicationFactor: isPositive,
    configs: isStringMap(false),
    'assignments?': (v) => Array.isArray(v) && v.length <= 1_000_000 && v.every(isIdList),
  },
  'delete-topic': { requestId: isString, name: isString },
  'create-partitions': { requestId: isString, topic: isString, count: isPositive },
  'alter-topic-configs': { requestId: isString, topic: isString, configs: isStringMap(true) },
  'alter-partition': {
    requestId: isString,
    brokerId: isId,
    topic: isString,
    partition: isId,
    leaderEpoch: isId,
    partitionEpoch: isId,
    isr: isIdList,
  },
  'broker-session-expired': { requestId: isString, brokerId: isId, brokerEpoch: isInt },
  'broker-ready': { requestId: isString, brokerId: isId, brokerEpoch: isInt },
  'elect-preferred-leaders': { requestId: isString },
};

/** A decoded value as a well-formed entry, or MetadataRecordError naming what is wrong. */
export function checkMetadataEntry(value: unknown): MetadataEntry {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new MetadataRecordError('metadata record is not an object');
  const rec = value as Record<string, unknown>;
  const type = rec.type;
  if (typeof type !== 'string' || !Object.hasOwn(shapes, type))
    throw new MetadataRecordError(`unknown metadata record type ${JSON.stringify(type)}`);
  const shape = shapes[type as MetadataEntry['type']];
  for (const [key, check] of Object.entries(shape)) {
    const optional = key.endsWith('?');
    const field = optional ? key.slice(0, -1) : key;
    if (optional && rec[field] === undefined) continue;
    if (!check(rec[field]))
      throw new MetadataRecordError(
        `metadata record "${type}" has a bad "${field}": ${JSON.stringify(rec[field])}`,
      );
  }
  return rec as unknown as MetadataEntry;
}
