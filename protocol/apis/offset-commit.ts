// OffsetCommit (api key 8), versions 2-8: request and response schemas.
// Transcribed from Apache Kafka's OffsetCommitRequest.json and OffsetCommitResponse.json
// (clients/src/main/resources/common/message, apache/kafka 1eb7644349cb), keeping only
// the fields that exist in the versions Samsa implements. Property names are Kafka's field names
// in lowerCamelCase; int64 is a JS number, uuid a 32-digit lowercase hex string.
import type { MessageSchema } from '../schema/types.js';

export const offsetCommitRequestSchema: MessageSchema = {
  name: 'OffsetCommitRequest',
  apiKey: 8,
  kind: 'request',
  versions: '2-8',
  flexibleVersions: '8+',
  fields: [
    { name: 'groupId', type: 'string', versions: '0+' },
    { name: 'generationIdOrMemberEpoch', type: 'int32', versions: '1+', default: -1 },
    { name: 'memberId', type: 'string', versions: '1+' },
    { name: 'groupInstanceId', type: 'string', versions: '7+', nullableVersions: '7+', default: null },
    { name: 'retentionTimeMs', type: 'int64', versions: '2-4', default: -1 },
    {
      name: 'topics',
      type: 'array',
      items: 'struct',
      versions: '0+',
      struct: 'OffsetCommitRequestTopic',
      fields: [
        { name: 'name', type: 'string', versions: '0+' },
        {
          name: 'partitions',
          type: 'array',
          items: 'struct',
          versions: '0+',
          struct: 'OffsetCommitRequestPartition',
          fields: [
            { name: 'partitionIndex', type: 'int32', versions: '0+' },
            { name: 'committedOffset', type: 'int64', versions: '0+' },
            { name: 'committedLeaderEpoch', type: 'int32', versions: '6+', default: -1 },
            { name: 'committedMetadata', type: 'string', versions: '0+', nullableVersions: '0+' },
          ],
        },
      ],
    },
  ],
};

export const offsetCommitResponseSchema: MessageSchema = {
  name: 'OffsetCommitResponse',
  apiKey: 8,
  kind: 'response',
  versions: '2-8',
  flexibleVersions: '8+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '3+' },
    {
      name: 'topics',
      type: 'array',
      items: 'struct',
      versions: '0+',
      struct: 'OffsetCommitResponseTopic',
      fields: [
        { name: 'name', type: 'string', versions: '0+' },
        {
          name: 'partitions',
          type: 'array',
          items: 'struct',
          versions: '0+',
          struct: 'OffsetCommitResponsePartition',
          fields: [
            { name: 'partitionIndex', type: 'int32', versions: '0+' },
            { name: 'errorCode', type: 'int16', versions: '0+' },
          ],
        },
      ],
    },
  ],
};

export interface OffsetCommitRequest {
  /** The unique group identifier. (versions 0+) */
  groupId: string;
  /** The generation of the group if using the classic group protocol or the member epoch if using the consumer protocol. (versions 1+) */
  generationIdOrMemberEpoch: number;
  /** The member ID assigned by the group coordinator. (versions 1+) */
  memberId: string;
  /** The unique identifier of the consumer instance provided by end user. (versions 7+) */
  groupInstanceId?: string | null;
  /** The time period in ms to retain the offset. (versions 2-4) */
  retentionTimeMs?: number;
  /** The topics to commit offsets for. (versions 0+) */
  topics: OffsetCommitRequestTopic[];
}

export interface OffsetCommitRequestPartition {
  /** The partition index. (versions 0+) */
  partitionIndex: number;
  /** The message offset to be committed. (versions 0+) */
  committedOffset: number;
  /** The leader epoch of this partition. (versions 6+) */
  committedLeaderEpoch?: number;
  /** Any associated metadata the client wants to keep. (versions 0+) */
  committedMetadata: string | null;
}

export interface OffsetCommitRequestTopic {
  /** The topic name. (versions 0+) */
  name: string;
  /** Each partition to commit offsets for. (versions 0+) */
  partitions: OffsetCommitRequestPartition[];
}

export interface OffsetCommitResponse {
  /** The duration in milliseconds for which the request was throttled due to a quota violation, or zero if the request did not violate any quota. (versions 3+) */
  throttleTimeMs?: number;
  /** The responses for each topic. (versions 0+) */
  topics: OffsetCommitResponseTopic[];
}

export interface OffsetCommitResponsePartition {
  /** The partition index. (versions 0+) */
  partitionIndex: number;
  /** The error code, or 0 if there was no error. (versions 0+) */
  errorCode: number;
}

export interface OffsetCommitResponseTopic {
  /** The topic name. (versions 0+) */
  name: string;
  /** The responses for each partition in the topic. (versions 0+) */
  partitions: OffsetCommitResponsePartition[];
}
