// Fetch (api key 1), versions 4-12: request and response schemas.
// Transcribed from Apache Kafka's FetchRequest.json and FetchResponse.json
// (clients/src/main/resources/common/message, apache/kafka 1eb7644349cb), keeping only
// the fields that exist in the versions Samsa implements. Property names are Kafka's field names
// in lowerCamelCase; int64 is a JS number, uuid a 32-digit lowercase hex string.
import type { MessageSchema } from '../schema/types.js';

export const fetchRequestSchema: MessageSchema = {
  name: 'FetchRequest',
  apiKey: 1,
  kind: 'request',
  versions: '4-12',
  flexibleVersions: '12+',
  fields: [
    {
      name: 'clusterId',
      type: 'string',
      versions: '12+',
      nullableVersions: '12+',
      taggedVersions: '12+',
      tag: 0,
      default: null,
    },
    { name: 'replicaId', type: 'int32', versions: '0-14', default: -1 },
    { name: 'maxWaitMs', type: 'int32', versions: '0+' },
    { name: 'minBytes', type: 'int32', versions: '0+' },
    { name: 'maxBytes', type: 'int32', versions: '3+', default: 2147483647 },
    { name: 'isolationLevel', type: 'int8', versions: '4+' },
    { name: 'sessionId', type: 'int32', versions: '7+' },
    { name: 'sessionEpoch', type: 'int32', versions: '7+', default: -1 },
    {
      name: 'topics',
      type: 'array',
      items: 'struct',
      versions: '0+',
      struct: 'FetchTopic',
      fields: [
        { name: 'topic', type: 'string', versions: '0-12' },
        {
          name: 'partitions',
          type: 'array',
          items: 'struct',
          versions: '0+',
          struct: 'FetchPartition',
          fields: [
            { name: 'partition', type: 'int32', versions: '0+' },
            { name: 'currentLeaderEpoch', type: 'int32', versions: '9+', default: -1 },
            { name: 'fetchOffset', type: 'int64', versions: '0+' },
            { name: 'lastFetchedEpoch', type: 'int32', versions: '12+', default: -1 },
            { name: 'logStartOffset', type: 'int64', versions: '5+', default: -1 },
            { name: 'partitionMaxBytes', type: 'int32', versions: '0+' },
          ],
        },
      ],
    },
    {
      name: 'forgottenTopicsData',
      type: 'array',
      items: 'struct',
      versions: '7+',
      struct: 'ForgottenTopic',
      fields: [
        { name: 'topic', type: 'string', versions: '7-12' },
        { name: 'partitions', type: 'array', items: 'int32', versions: '7+' },
      ],
    },
    { name: 'rackId', type: 'string', versions: '11+' },
  ],
};

export const fetchResponseSchema: MessageSchema = {
  name: 'FetchResponse',
  apiKey: 1,
  kind: 'response',
  versions: '4-12',
  flexibleVersions: '12+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '1+' },
    { name: 'errorCode', type: 'int16', versions: '7+' },
    { name: 'sessionId', type: 'int32', versions: '7+' },
    {
      name: 'responses',
      type: 'array',
      items: 'struct',
      versions: '0+',
      struct: 'FetchableTopicResponse',
      fields: [
        { name: 'topic', type: 'string', versions: '0-12' },
        {
          name: 'partitions',
          type: 'array',
          items: 'struct',
          versions: '0+',
          struct: 'PartitionData',
          fields: [
            { name: 'partitionIndex', type: 'int32', versions: '0+' },
            { name: 'errorCode', type: 'int16', versions: '0+' },
            { name: 'highWatermark', type: 'int64', versions: '0+' },
            { name: 'lastStableOffset', type: 'int64', versions: '4+', default: -1 },
            { name: 'logStartOffset', type: 'int64', versions: '5+', default: -1 },
            {
              name: 'divergingEpoch',
              type: 'struct',
              versions: '12+',
              taggedVersions: '12+',
              tag: 0,
              struct: 'EpochEndOffset',
              fields: [
                { name: 'epoch', type: 'int32', versions: '12+', default: -1 },
                { name: 'endOffset', type: 'int64', versions: '12+', default: -1 },
              ],
            },
            {
              name: 'currentLeader',
              type: 'struct',
              versions: '12+',
              taggedVersions: '12+',
              tag: 1,
              struct: 'LeaderIdAndEpoch',
              fields: [
                { name: 'leaderId', type: 'int32', versions: '12+', default: -1 },
                { name: 'leaderEpoch', type: 'int32', versions: '12+', default: -1 },
              ],
            },
            {
              name: 'snapshotId',
              type: 'struct',
              versions: '12+',
              taggedVersions: '12+',
              tag: 2,
              struct: 'SnapshotId',
              fields: [
                { name: 'endOffset', type: 'int64', versions: '0+', default: -1 },
                { name: 'epoch', type: 'int32', versions: '0+', default: -1 },
              ],
            },
            {
              name: 'abortedTransactions',
              type: 'array',
              items: 'struct',
              versions: '4+',
              nullableVersions: '4+',
              struct: 'AbortedTransaction',
              fields: [
                { name: 'producerId', type: 'int64', versions: '4+' },
                { name: 'firstOffset', type: 'int64', versions: '4+' },
              ],
            },
            { name: 'preferredReadReplica', type: 'int32', versions: '11+', default: -1 },
            { name: 'records', type: 'records', versions: '0+', nullableVersions: '0+' },
          ],
        },
      ],
    },
  ],
};

export interface FetchRequest {
  /** The clusterId if known. This is used to validate metadata fetches prior to broker registration. (versions 12+, tagged 0) */
  clusterId?: string | null;
  /** The broker ID of the follower, of -1 if this request is from a consumer. (versions 0-14) */
  replicaId: number;
  /** The maximum time in milliseconds to wait for the response. (versions 0+) */
  maxWaitMs: number;
  /** The minimum bytes to accumulate in the response. (versions 0+) */
  minBytes: number;
  /** The maximum bytes to fetch. See KIP-74 for cases where this limit may not be honored. (versions 3+) */
  maxBytes: number;
  /** This setting controls the visibility of transactional records. Using READ_UNCOMMITTED (isolation_level = 0) makes all records visible. With READ_COMMITTED (isolation_level = 1), non-transactional and COMMITTED transactional records are visible. To be more concrete, READ_COMMITTED returns all data from offsets smaller than the current LSO (last stable offset), and enables the inclusion of the list of aborted transactions in the result, which allows consumers to discard ABORTED transactional records (versions 4+) */
  isolationLevel: number;
  /** The fetch session ID. (versions 7+) */
  sessionId?: number;
  /** The fetch session epoch, which is used for ordering requests in a session. (versions 7+) */
  sessionEpoch?: number;
  /** The topics to fetch. (versions 0+) */
  topics: FetchRequestFetchTopic[];
  /** In an incremental fetch request, the partitions to remove. (versions 7+) */
  forgottenTopicsData?: FetchRequestForgottenTopic[];
  /** Rack ID of the consumer making this request (versions 11+) */
  rackId?: string;
}

export interface FetchRequestFetchPartition {
  /** The partition index. (versions 0+) */
  partition: number;
  /** The current leader epoch of the partition. (versions 9+) */
  currentLeaderEpoch?: number;
  /** The message offset. (versions 0+) */
  fetchOffset: number;
  /** The epoch of the last fetched record or -1 if there is none (versions 12+) */
  lastFetchedEpoch?: number;
  /** The earliest available offset of the follower replica. The field is only used when the request is sent by the follower. (versions 5+) */
  logStartOffset?: number;
  /** The maximum bytes to fetch from this partition. See KIP-74 for cases where this limit may not be honored. (versions 0+) */
  partitionMaxBytes: number;
}

export interface FetchRequestFetchTopic {
  /** The name of the topic to fetch. (versions 0-12) */
  topic: string;
  /** The partitions to fetch. (versions 0+) */
  partitions: FetchRequestFetchPartition[];
}

export interface FetchRequestForgottenTopic {
  /** The topic name. (versions 7-12) */
  topic: string;
  /** The partitions indexes to forget. (versions 7+) */
  partitions: number[];
}

export interface FetchResponse {
  /** The duration in milliseconds for which the request was throttled due to a quota violation, or zero if the request did not violate any quota. (versions 1+) */
  throttleTimeMs: number;
  /** The top level response error code. (versions 7+) */
  errorCode?: number;
  /** The fetch session ID, or 0 if this is not part of a fetch session. (versions 7+) */
  sessionId?: number;
  /** The response topics. (versions 0+) */
  responses: FetchResponseFetchableTopicResponse[];
}

export interface FetchResponseEpochEndOffset {
  epoch: number;
  endOffset: number;
}

export interface FetchResponseLeaderIdAndEpoch {
  /** The ID of the current leader or -1 if the leader is unknown. (versions 12+) */
  leaderId: number;
  /** The latest known leader epoch (versions 12+) */
  leaderEpoch: number;
}

export interface FetchResponseSnapshotId {
  endOffset: number;
  epoch: number;
}

export interface FetchResponseAbortedTransaction {
  /** The producer id associated with the aborted transaction. (versions 4+) */
  producerId: number;
  /** The first offset in the aborted transaction. (versions 4+) */
  firstOffset: number;
}

export interface FetchResponsePartitionData {
  /** The partition index. (versions 0+) */
  partitionIndex: number;
  /** The error code, or 0 if there was no fetch error. (versions 0+) */
  errorCode: number;
  /** The current high water mark. (versions 0+) */
  highWatermark: number;
  /** The last stable offset (or LSO) of the partition. This is the last offset such that the state of all transactional records prior to this offset have been decided (ABORTED or COMMITTED) (versions 4+) */
  lastStableOffset: number;
  /** The current log start offset. (versions 5+) */
  logStartOffset?: number;
  /** In case divergence is detected based on the `LastFetchedEpoch` and `FetchOffset` in the request, this field indicates the largest epoch and its end offset such that subsequent records are known to diverge (versions 12+, tagged 0) */
  divergingEpoch?: FetchResponseEpochEndOffset;
  currentLeader?: FetchResponseLeaderIdAndEpoch;
  /** In the case of fetching an offset less than the LogStartOffset, this is the end offset and epoch that should be used in the FetchSnapshot request. (versions 12+, tagged 2) */
  snapshotId?: FetchResponseSnapshotId;
  /** The aborted transactions. (versions 4+) */
  abortedTransactions: FetchResponseAbortedTransaction[] | null;
  /** The preferred read replica for the consumer to use on its next fetch request (versions 11+) */
  preferredReadReplica?: number;
  /** The record data. (versions 0+) */
  records: Buffer | null;
}

export interface FetchResponseFetchableTopicResponse {
  /** The topic name. (versions 0-12) */
  topic: string;
  /** The topic partitions. (versions 0+) */
  partitions: FetchResponsePartitionData[];
}
