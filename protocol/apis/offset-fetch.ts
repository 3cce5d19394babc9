// OffsetFetch (api key 9), versions 1-8: request and response schemas.
// Transcribed from Apache Kafka's OffsetFetchRequest.json and OffsetFetchResponse.json
// (clients/src/main/resources/common/message, apache/kafka 1eb7644349cb), keeping only
// the fields that exist in the versions Samsa implements. Property names are Kafka's field names
// in lowerCamelCase; int64 is a JS number, uuid a 32-digit lowercase hex string.
import type { MessageSchema } from '../schema/types.js';

export const offsetFetchRequestSchema: MessageSchema = {
  name: 'OffsetFetchRequest',
  apiKey: 9,
  kind: 'request',
  versions: '1-8',
  flexibleVersions: '6+',
  fields: [
    { name: 'groupId', type: 'string', versions: '0-7' },
    {
      name: 'topics',
      type: 'array',
      items: 'struct',
      versions: '0-7',
      nullableVersions: '2-7',
      struct: 'OffsetFetchRequestTopic',
      fields: [
        { name: 'name', type: 'string', versions: '0-7' },
        { name: 'partitionIndexes', type: 'array', items: 'int32', versions: '0-7' },
      ],
    },
    {
      name: 'groups',
      type: 'array',
      items: 'struct',
      versions: '8+',
      struct: 'OffsetFetchRequestGroup',
      fields: [
        { name: 'groupId', type: 'string', versions: '8+' },
        {
          name: 'topics',
          type: 'array',
          items: 'struct',
          versions: '8+',
          nullableVersions: '8+',
          struct: 'OffsetFetchRequestTopics',
          fields: [
            { name: 'name', type: 'string', versions: '8+' },
            { name: 'partitionIndexes', type: 'array', items: 'int32', versions: '8+' },
          ],
        },
      ],
    },
    { name: 'requireStable', type: 'bool', versions: '7+' },
  ],
};

export const offsetFetchResponseSchema: MessageSchema = {
  name: 'OffsetFetchResponse',
  apiKey: 9,
  kind: 'response',
  versions: '1-8',
  flexibleVersions: '6+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '3+' },
    {
      name: 'topics',
      type: 'array',
      items: 'struct',
      versions: '0-7',
      struct: 'OffsetFetchResponseTopic',
      fields: [
        { name: 'name', type: 'string', versions: '0-7' },
        {
          name: 'partitions',
          type: 'array',
          items: 'struct',
          versions: '0-7',
          struct: 'OffsetFetchResponsePartition',
          fields: [
            { name: 'partitionIndex', type: 'int32', versions: '0-7' },
            { name: 'committedOffset', type: 'int64', versions: '0-7' },
            { name: 'committedLeaderEpoch', type: 'int32', versions: '5-7', default: -1 },
            { name: 'metadata', type: 'string', versions: '0-7', nullableVersions: '0-7' },
            { name: 'errorCode', type: 'int16', versions: '0-7' },
          ],
        },
      ],
    },
    { name: 'errorCode', type: 'int16', versions: '2-7' },
    {
      name: 'groups',
      type: 'array',
      items: 'struct',
      versions: '8+',
      struct: 'OffsetFetchResponseGroup',
      fields: [
        { name: 'groupId', type: 'string', versions: '8+' },
        {
          name: 'topics',
          type: 'array',
          items: 'struct',
          versions: '8+',
          struct: 'OffsetFetchResponseTopics',
          fields: [
            { name: 'name', type: 'string', versions: '8+' },
            {
              name: 'partitions',
              type: 'array',
              items: 'struct',
              versions: '8+',
              struct: 'OffsetFetchResponsePartitions',
              fields: [
                { name: 'partitionIndex', type: 'int32', versions: '8+' },
                { name: 'committedOffset', type: 'int64', versions: '8+' },
                { name: 'committedLeaderEpoch', type: 'int32', versions: '8+', default: -1 },
                { name: 'metadata', type: 'string', versions: '8+', nullableVersions: '8+' },
                { name: 'errorCode', type: 'int16', versions: '8+' },
              ],
            },
          ],
        },
        { name: 'errorCode', type: 'int16', versions: '8+' },
      ],
    },
  ],
};

export interface OffsetFetchRequest {
  /** The group to fetch offsets for. (versions 0-7) */
  groupId?: string;
  /** Each topic we would like to fetch offsets for, or null to fetch offsets for all topics. (versions 0-7) */
  topics?: OffsetFetchRequestTopic[] | null;
  /** Each group we would like to fetch offsets for (versions 8+) */
  groups?: OffsetFetchRequestGroup[];
  /** Whether broker should hold on returning unstable offsets but set a retriable error code for the partitions. (versions 7+) */
  requireStable?: boolean;
}

export interface OffsetFetchRequestTopic {
  /** The topic name. (versions 0-7) */
  name: string;
  /** The partition indexes we would like to fetch offsets for. (versions 0-7) */
  partitionIndexes: number[];
}

export interface OffsetFetchRequestTopics {
  /** The topic name. (versions 8+) */
  name: string;
  /** The partition indexes we would like to fetch offsets for. (versions 8+) */
  partitionIndexes: number[];
}

export interface OffsetFetchRequestGroup {
  /** The group ID. (versions 8+) */
  groupId: string;
  /** Each topic we would like to fetch offsets for, or null to fetch offsets for all topics. (versions 8+) */
  topics: OffsetFetchRequestTopics[] | null;
}

export interface OffsetFetchResponse {
  /** The duration in milliseconds for which the request was throttled due to a quota violation, or zero if the request did not violate any quota. (versions 3+) */
  throttleTimeMs?: number;
  /** The responses per topic. (versions 0-7) */
  topics?: OffsetFetchResponseTopic[];
  /** The top-level error code, or 0 if there was no error. (versions 2-7) */
  errorCode?: number;
  /** The responses per group id. (versions 8+) */
  groups?: OffsetFetchResponseGroup[];
}

export interface OffsetFetchResponsePartition {
  /** The partition index. (versions 0-7) */
  partitionIndex: number;
  /** The committed message offset. (versions 0-7) */
  committedOffset: number;
  /** The leader epoch. (versions 5-7) */
  committedLeaderEpoch?: number;
  /** The partition metadata. (versions 0-7) */
  metadata: string | null;
  /** The error code, or 0 if there was no error. (versions 0-7) */
  errorCode: number;
}

export interface OffsetFetchResponseTopic {
  /** The topic name. (versions 0-7) */
  name: string;
  /** The responses per partition (versions 0-7) */
  partitions: OffsetFetchResponsePartition[];
}

export interface OffsetFetchResponsePartitions {
  /** The partition index. (versions 8+) */
  partitionIndex: number;
  /** The committed message offset. (versions 8+) */
  committedOffset: number;
  /** The leader epoch. (versions 8+) */
  committedLeaderEpoch: number;
  /** The partition metadata. (versions 8+) */
  metadata: string | null;
  /** The partition-level error code, or 0 if there was no error. (versions 8+) */
  errorCode: number;
}

export interface OffsetFetchResponseTopics {
  /** The topic name. (versions 8+) */
  name: string;
  /** The responses per partition (versions 8+) */
  partitions: OffsetFetchResponsePartitions[];
}

export interface OffsetFetchResponseGroup {
  /** The group ID. (versions 8+) */
  groupId: string;
  /** The responses per topic. (versions 8+) */
  topics: OffsetFetchResponseTopics[];
  /** The group-level error code, or 0 if there was no error. (versions 8+) */
  errorCode: number;
}
