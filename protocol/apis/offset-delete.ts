// OffsetDelete (api key 47), versions 0-0: request and response schemas.
// Transcribed from Apache Kafka's OffsetDeleteRequest.json and OffsetDeleteResponse.json
// (clients/src/main/resources/common/message, apache/kafka 1eb7644349cb), keeping only
// the fields that exist in the versions Samsa implements. Property names are Kafka's field names
// in lowerCamelCase; int64 is a JS number, uuid a 32-digit lowercase hex string.
import type { MessageSchema } from '../schema/types.js';

export const offsetDeleteRequestSchema: MessageSchema = {
  name: 'OffsetDeleteRequest',
  apiKey: 47,
  kind: 'request',
  versions: '0',
  flexibleVersions: 'none',
  fields: [
    { name: 'groupId', type: 'string', versions: '0+' },
    {
      name: 'topics',
      type: 'array',
      items: 'struct',
      versions: '0+',
      struct: 'OffsetDeleteRequestTopic',
      fields: [
        { name: 'name', type: 'string', versions: '0+' },
        {
          name: 'partitions',
          type: 'array',
          items: 'struct',
          versions: '0+',
          struct: 'OffsetDeleteRequestPartition',
          fields: [{ name: 'partitionIndex', type: 'int32', versions: '0+' }],
        },
      ],
    },
  ],
};

export const offsetDeleteResponseSchema: MessageSchema = {
  name: 'OffsetDeleteResponse',
  apiKey: 47,
  kind: 'response',
  versions: '0',
  flexibleVersions: 'none',
  fields: [
    { name: 'errorCode', type: 'int16', versions: '0+' },
    { name: 'throttleTimeMs', type: 'int32', versions: '0+' },
    {
      name: 'topics',
      type: 'array',
      items: 'struct',
      versions: '0+',
      struct: 'OffsetDeleteResponseTopic',
      fields: [
        { name: 'name', type: 'string', versions: '0+' },
        {
          name: 'partitions',
          type: 'array',
          items: 'struct',
          versions: '0+',
          struct: 'OffsetDeleteResponsePartition',
          fields: [
            { name: 'partitionIndex', type: 'int32', versions: '0+' },
            { name: 'errorCode', type: 'int16', versions: '0+' },
          ],
        },
      ],
    },
  ],
};

export interface OffsetDeleteRequest {
  /** The unique group identifier. (versions 0+) */
  groupId: string;
  /** The topics to delete offsets for (versions 0+) */
  topics: OffsetDeleteRequestTopic[];
}

export interface OffsetDeleteRequestPartition {
  /** The partition index. (versions 0+) */
  partitionIndex: number;
}

export interface OffsetDeleteRequestTopic {
  /** The topic name. (versions 0+) */
  name: string;
  /** Each partition to delete offsets for. (versions 0+) */
  partitions: OffsetDeleteRequestPartition[];
}

export interface OffsetDeleteResponse {
  /** The top-level error code, or 0 if there was no error. (versions 0+) */
  errorCode: number;
  /** The duration in milliseconds for which the request was throttled due to a quota violation, or zero if the request did not violate any quota. (versions 0+) */
  throttleTimeMs: number;
  /** The responses for each topic. (versions 0+) */
  topics: OffsetDeleteResponseTopic[];
}

export interface OffsetDeleteResponsePartition {
  /** The partition index. (versions 0+) */
  partitionIndex: number;
  /** The error code, or 0 if there was no error. (versions 0+) */
  errorCode: number;
}

export interface OffsetDeleteResponseTopic {
  /** The topic name. (versions 0+) */
  name: string;
  /** The responses for each partition in the topic. (versions 0+) */
  partitions: OffsetDeleteResponsePartition[];
}
