/**
 * The records of the cluster metadata log: what the Raft quorum replicates and every broker
 * applies, in order, to its {@link MetadataImage}. They are internal (no Kafka client sees
 * them), so they are msgpack (msgpackr), not Kafka's own metadata record format.
 *
 * Every record is a plain object with a `type`. {@link decodeMetadataRecord} checks the shape
 * of what it decodes, so a corrupt or foreign entry is an error, never a half-applied record.
 */
import { Packr } from 'msgpackr';

/** A broker announcing itself to the controller; `brokerEpoch` is the record's log offset. */
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

/** A metadata log entry that is not a well-formed record. */
export class MetadataRecordError extends Error {
  override name = 'MetadataRecordError';
}

const packr = new Packr({ useRecords: false, mapsAsObjects: true });

export function encodeMetadataRecord(record: MetadataRecord): Uint8Array {
  return packr.pack(record);
}

export function decodeMetadataRecord(bytes: Uint8Array): MetadataRecord {
  let value: unknown;
  try {
    value = packr.unpack(bytes);
  } catch (err) {
    throw new MetadataRecordError(`metadata record is not msgpack: ${(err as Error).message}`);
  }
  return checkRecord(value);
}

type Check = (v: unknown) => boolean;
const isInt: Check = (v) => Number.isSafeInteger(v);
const isId: Check = (v) => Number.isSafeInteger(v) && (v as number) >= 0;
const isString: Check = (v) => typeof v === 'string';
const isStringOrNull: Check = (v) => v === null || typeof v === 'string';
const isIdList: Check = (v) => Array.isArray(v) && v.every(isId) && new Set(v).size === v.length;

/** The fields each record type must have, and their checks. Optional fields end with '?'. */
const shapes: Record<MetadataRecord['type'], Record<string, Check>> = {
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
};

function checkRecord(value: unknown): MetadataRecord {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new MetadataRecordError('metadata record is not an object');
  const rec = value as Record<string, unknown>;
  const type = rec.type;
  if (typeof type !== 'string' || !Object.hasOwn(shapes, type))
    throw new MetadataRecordError(`unknown metadata record type ${JSON.stringify(type)}`);
  const shape = shapes[type as MetadataRecord['type']];
  for (const [key, check] of Object.entries(shape)) {
    const optional = key.endsWith('?');
    const field = optional ? key.slice(0, -1) : key;
    if (optional && rec[field] === undefined) continue;
    if (!check(rec[field]))
      throw new MetadataRecordError(
        `metadata record "${type}" has a bad "${field}": ${JSON.stringify(rec[field])}`,
      );
  }
  return rec as unknown as MetadataRecord;
}
