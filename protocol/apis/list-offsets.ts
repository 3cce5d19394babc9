// ListOffsets (api key 2), versions 1-7: request and response schemas.
// Transcribed from Apache Kafka's ListOffsetsRequest.json and ListOffsetsResponse.json
// (clients/src/main/resources/common/message, apache/kafka 1eb7644349cb), keeping only
// the fields that exist in the versions Samsa implements. Property names are Kafka's field names
// in lowerCamelCase; int64 is a JS number, uuid a 32-digit lowercase hex string.
import type { MessageSchema } from '../schema/types.js';

export const listOffsetsRequestSchema: MessageSchema = {
  name: 'ListOffsetsRequest',
  apiKey: 2,
  kind: 'request',
  versions: '1-7',
  flexibleVersions: '6+',
  fields: [
    { name: 'replicaId', type: 'int32', versions: '0+' },
    { name: 'isolationLevel', type: 'int8', versions: '2+' },
    {
      name: 'topics',
      type: 'array',
      items: 'struct',
      versions: '0+',
      struct: 'ListOffsetsTopic',
      fields: [
        { name: 'name', type: 'string', versions: '0+' },
        {
          name: 'partitions',
          type: 'array',
          items: 'struct',
          versions: '0+',
          struct: 'ListOffsetsPartition',
          fields: [
            { name: 'partitionIndex', type: 'int32', versions: '0+' },
            { name: 'currentLeaderEpoch', type: 'int32', versions: '4+', default: -1 },
            { name: 'timestamp', type: 'int64', versions: '0+' },
          ],
        },
      ],
    },
  ],
};

export const listOffsetsResponseSchema: MessageSchema = {
  name: 'ListOffsetsResponse',
  apiKey: 2,
  kind: 'response',
  versions: '1-7',
  flexibleVersions: '6+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '2+' },
    {
      name: 'topics',
      type: 'array',
      items: 'struct',
      versions: '0+',
      struct: 'ListOffsetsTopicResponse',
      fields: [
        { name: 'name', type: 'string', versions: '0+' },
        {
          name: 'partitions',
          type: 'array',
          items: 'struct',
          versions: '0+',
          struct: 'ListOffsetsPartitionResponse',
          fields: [
            { name: 'partitionIndex', type: 'int32', versions: '0+' },
            { name: 'errorCode', type: 'int16', versions: '0+' },
            { name: 'timestamp', type: 'int64', versions: '1+', default: -1 },
            { name: 'offset', type: 'int64', versions: '1+', default: -1 },
            { name: 'leaderEpoch', type: 'int32', versions: '4+', default: -1 },
          ],
        },
      ],
    },
  ],
};

export interface ListOffsetsRequest {
  /** The broker ID of the requester, or -1 if this request is being made by a normal consumer. (versions 0+) */
  replicaId: number;
  /** This setting controls the visibility of transactional records. Using READ_UNCOMMITTED (isolation_level = 0) makes all records visible. With READ_COMMITTED (isolation_level = 1), non-transactional and COMMITTED transactional records are visible. To be more concrete, READ_COMMITTED returns all data from offsets smaller than the current LSO (last stable offset), and enables the inclusion of the list of aborted transactions in the result, which allows consumers to discard ABORTED transactional records (versions 2+) */
  isolationLevel?: number;
  /** Each topic in the request. (versions 0+) */
  topics: ListOffsetsRequestListOffsetsTopic[];
}

export interface ListOffsetsRequestListOffsetsPartition {
  /** The partition index. (versions 0+) */
  partitionIndex: number;
  /** The current leader epoch. (versions 4+) */
  currentLeaderEpoch?: number;
  /** The current timestamp. (versions 0+) */
  timestamp: number;
}

export interface ListOffsetsRequestListOffsetsTopic {
  /** The topic name. (versions 0+) */
  name: string;
  /** Each partition in the request. (versions 0+) */
  partitions: ListOffsetsRequestListOffsetsPartition[];
}

export interface ListOffsetsResponse {
  /** The duration in milliseconds for which the request was throttled due to a quota violation, or zero if the request did not violate any quota. (versions 2+) */
  throttleTimeMs?: number;
  /** Each topic in the response. (versions 0+) */
  topics: ListOffsetsResponseListOffsetsTopicResponse[];
}

export interface ListOffsetsResponseListOffsetsPartitionResponse {
  /** The partition index. (versions 0+) */
  partitionIndex: number;
  /** The partition error code, or 0 if there was no error. (versions 0+) */
  errorCode: number;
  /** The timestamp associated with the returned offset. (versions 1+) */
  timestamp: number;
  /** The returned offset. (versions 1+) */
  offset: number;
  leaderEpoch?: number;
}

export interface ListOffsetsResponseListOffsetsTopicResponse {
  /** The topic name (versions 0+) */
  name: string;
  /** Each partition in the response. (versions 0+) */
  partitions: ListOffsetsResponseListOffsetsPartitionResponse[];
}
