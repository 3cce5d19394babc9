// Metadata (api key 3), versions 0-9: request and response schemas.
// Transcribed from Apache Kafka's MetadataRequest.json and MetadataResponse.json
// (clients/src/main/resources/common/message, apache/kafka 1eb7644349cb), keeping only
// the fields that exist in the versions Samsa implements. Property names are Kafka's field names
// in lowerCamelCase; int64 is a JS number, uuid a 32-digit lowercase hex string.
import type { MessageSchema } from '../schema/types.js';

export const metadataRequestSchema: MessageSchema = {
  name: 'MetadataRequest',
  apiKey: 3,
  kind: 'request',
  versions: '0-9',
  flexibleVersions: '9+',
  fields: [
    {
      name: 'topics',
      type: 'array',
      items: 'struct',
      versions: '0+',
      nullableVersions: '1+',
      struct: 'MetadataRequestTopic',
      fields: [{ name: 'name', type: 'string', versions: '0+' }],
    },
    { name: 'allowAutoTopicCreation', type: 'bool', versions: '4+', default: true },
    { name: 'includeClusterAuthorizedOperations', type: 'bool', versions: '8-10' },
    { name: 'includeTopicAuthorizedOperations', type: 'bool', versions: '8+' },
  ],
};

export const metadataResponseSchema: MessageSchema = {
  name: 'MetadataResponse',
  apiKey: 3,
  kind: 'response',
  versions: '0-9',
  flexibleVersions: '9+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '3+' },
    {
      name: 'brokers',
      type: 'array',
      items: 'struct',
      versions: '0+',
      struct: 'MetadataResponseBroker',
      fields: [
        { name: 'nodeId', type: 'int32', versions: '0+' },
        { name: 'host', type: 'string', versions: '0+' },
        { name: 'port', type: 'int32', versions: '0+' },
        { name: 'rack', type: 'string', versions: '1+', nullableVersions: '1+', default: null },
      ],
    },
    { name: 'clusterId', type: 'string', versions: '2+', nullableVersions: '2+', default: null },
    { name: 'controllerId', type: 'int32', versions: '1+', default: -1 },
    {
      name: 'topics',
      type: 'array',
      items: 'struct',
      versions: '0+',
      struct: 'MetadataResponseTopic',
      fields: [
        { name: 'errorCode', type: 'int16', versions: '0+' },
        { name: 'name', type: 'string', versions: '0+' },
        { name: 'isInternal', type: 'bool', versions: '1+' },
        {
          name: 'partitions',
          type: 'array',
          items: 'struct',
          versions: '0+',
          struct: 'MetadataResponsePartition',
          fields: [
            { name: 'errorCode', type: 'int16', versions: '0+' },
            { name: 'partitionIndex', type: 'int32', versions: '0+' },
            { name: 'leaderId', type: 'int32', versions: '0+' },
            { name: 'leaderEpoch', type: 'int32', versions: '7+', default: -1 },
            { name: 'replicaNodes', type: 'array', items: 'int32', versions: '0+' },
            { name: 'isrNodes', type: 'array', items: 'int32', versions: '0+' },
            { name: 'offlineReplicas', type: 'array', items: 'int32', versions: '5+' },
          ],
        },
        { name: 'topicAuthorizedOperations', type: 'int32', versions: '8+', default: -2147483648 },
      ],
    },
    { name: 'clusterAuthorizedOperations', type: 'int32', versions: '8-10', default: -2147483648 },
  ],
};

export interface MetadataRequest {
  /** The topics to fetch metadata for. (versions 0+) */
  topics: MetadataRequestTopic[] | null;
  /** If this is true, the broker may auto-create topics that we requested which do not already exist, if it is configured to do so. (versions 4+) */
  allowAutoTopicCreation?: boolean;
  /** Whether to include cluster authorized operations. (versions 8-10) */
  includeClusterAuthorizedOperations?: boolean;
  /** Whether to include topic authorized operations. (versions 8+) */
  includeTopicAuthorizedOperations?: boolean;
}

export interface MetadataRequestTopic {
  /** The topic name. (versions 0+) */
  name: string;
}

export interface MetadataResponse {
  /** The duration in milliseconds for which the request was throttled due to a quota violation, or zero if the request did not violate any quota. (versions 3+) */
  throttleTimeMs?: number;
  /** A list of brokers present in the cluster. (versions 0+) */
  brokers: MetadataResponseBroker[];
  /** The cluster ID that responding broker belongs to. (versions 2+) */
  clusterId?: string | null;
  /** The ID of the controller broker. (versions 1+) */
  controllerId?: number;
  /** Each topic in the response. (versions 0+) */
  topics: MetadataResponseTopic[];
  /** 32-bit bitfield to represent authorized operations for this cluster. (versions 8-10) */
  clusterAuthorizedOperations?: number;
}

export interface MetadataResponseBroker {
  /** The broker ID. (versions 0+) */
  nodeId: number;
  /** The broker hostname. (versions 0+) */
  host: string;
  /** The broker port. (versions 0+) */
  port: number;
  /** The rack of the broker, or null if it has not been assigned to a rack. (versions 1+) */
  rack?: string | null;
}

export interface MetadataResponsePartition {
  /** The partition error, or 0 if there was no error. (versions 0+) */
  errorCode: number;
  /** The partition index. (versions 0+) */
  partitionIndex: number;
  /** The ID of the leader broker. (versions 0+) */
  leaderId: number;
  /** The leader epoch of this partition. (versions 7+) */
  leaderEpoch?: number;
  /** The set of all nodes that host this partition. (versions 0+) */
  replicaNodes: number[];
  /** The set of nodes that are in sync with the leader for this partition. (versions 0+) */
  isrNodes: number[];
  /** The set of offline replicas of this partition. (versions 5+) */
  offlineReplicas?: number[];
}

export interface MetadataResponseTopic {
  /** The topic error, or 0 if there was no error. (versions 0+) */
  errorCode: number;
  /** The topic name. Null for non-existing topics queried by ID. This is never null when ErrorCode is zero. One of Name and TopicId is always populated. (versions 0+) */
  name: string;
  /** True if the topic is internal. (versions 1+) */
  isInternal?: boolean;
  /** Each partition in the topic. (versions 0+) */
  partitions: MetadataResponsePartition[];
  /** 32-bit bitfield to represent authorized operations for this topic. (versions 8+) */
  topicAuthorizedOperations?: number;
}
