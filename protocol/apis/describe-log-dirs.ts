// DescribeLogDirs (api key 35), versions 1-4: request and response schemas.
// Transcribed from Apache Kafka's DescribeLogDirsRequest.json and DescribeLogDirsResponse.json
// (clients/src/main/resources/common/message, apache/kafka 1eb7644349cb), keeping only
// the fields that exist in the versions Samsa implements. Property names are Kafka's field names
// in lowerCamelCase; int64 is a JS number, uuid a 32-digit lowercase hex string.
import type { MessageSchema } from '../schema/types.js';

export const describeLogDirsRequestSchema: MessageSchema = {
  name: 'DescribeLogDirsRequest',
  apiKey: 35,
  kind: 'request',
  versions: '1-4',
  flexibleVersions: '2+',
  fields: [
    {
      name: 'topics',
      type: 'array',
      items: 'struct',
      versions: '0+',
      nullableVersions: '0+',
      struct: 'DescribableLogDirTopic',
      fields: [
        { name: 'topic', type: 'string', versions: '0+' },
        { name: 'partitions', type: 'array', items: 'int32', versions: '0+' },
      ],
    },
  ],
};

export const describeLogDirsResponseSchema: MessageSchema = {
  name: 'DescribeLogDirsResponse',
  apiKey: 35,
  kind: 'response',
  versions: '1-4',
  flexibleVersions: '2+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '0+' },
    { name: 'errorCode', type: 'int16', versions: '3+' },
    {
      name: 'results',
      type: 'array',
      items: 'struct',
      versions: '0+',
      struct: 'DescribeLogDirsResult',
      fields: [
        { name: 'errorCode', type: 'int16', versions: '0+' },
        { name: 'logDir', type: 'string', versions: '0+' },
        {
          name: 'topics',
          type: 'array',
          items: 'struct',
          versions: '0+',
          struct: 'DescribeLogDirsTopic',
          fields: [
            { name: 'name', type: 'string', versions: '0+' },
            {
              name: 'partitions',
              type: 'array',
              items: 'struct',
              versions: '0+',
              struct: 'DescribeLogDirsPartition',
              fields: [
                { name: 'partitionIndex', type: 'int32', versions: '0+' },
                { name: 'partitionSize', type: 'int64', versions: '0+' },
                { name: 'offsetLag', type: 'int64', versions: '0+' },
                { name: 'isFutureKey', type: 'bool', versions: '0+' },
              ],
            },
          ],
        },
        { name: 'totalBytes', type: 'int64', versions: '4+', default: -1 },
        { name: 'usableBytes', type: 'int64', versions: '4+', default: -1 },
      ],
    },
  ],
};

export interface DescribeLogDirsRequest {
  /** Each topic that we want to describe log directories for, or null for all topics. (versions 0+) */
  topics: DescribeLogDirsRequestDescribableLogDirTopic[] | null;
}

export interface DescribeLogDirsRequestDescribableLogDirTopic {
  /** The topic name (versions 0+) */
  topic: string;
  /** The partition indexes. (versions 0+) */
  partitions: number[];
}

export interface DescribeLogDirsResponse {
  /** The duration in milliseconds for which the request was throttled due to a quota violation, or zero if the request did not violate any quota. (versions 0+) */
  throttleTimeMs: number;
  /** The error code, or 0 if there was no error. (versions 3+) */
  errorCode?: number;
  /** The log directories. (versions 0+) */
  results: DescribeLogDirsResponseDescribeLogDirsResult[];
}

export interface DescribeLogDirsResponseDescribeLogDirsPartition {
  /** The partition index. (versions 0+) */
  partitionIndex: number;
  /** The size of the log segments in this partition in bytes. (versions 0+) */
  partitionSize: number;
  /** The lag of the log's LEO w.r.t. partition's HW (if it is the current log for the partition) or current replica's LEO (if it is the future log for the partition) (versions 0+) */
  offsetLag: number;
  /** True if this log is created by AlterReplicaLogDirsRequest and will replace the current log of the replica in the future. (versions 0+) */
  isFutureKey: boolean;
}

export interface DescribeLogDirsResponseDescribeLogDirsTopic {
  /** The topic name. (versions 0+) */
  name: string;
  /** (versions 0+) */
  partitions: DescribeLogDirsResponseDescribeLogDirsPartition[];
}

export interface DescribeLogDirsResponseDescribeLogDirsResult {
  /** The error code, or 0 if there was no error. (versions 0+) */
  errorCode: number;
  /** The absolute log directory path. (versions 0+) */
  logDir: string;
  /** Each topic. (versions 0+) */
  topics: DescribeLogDirsResponseDescribeLogDirsTopic[];
  /** The total size in bytes of the volume the log directory is in. (versions 4+) */
  totalBytes?: number;
  /** The usable size in bytes of the volume the log directory is in. (versions 4+) */
  usableBytes?: number;
}
