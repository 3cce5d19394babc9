/**
 * The registry of every API Samsa implements: its request/response schemas and the version
 * range implemented (what ApiVersions should advertise), plus the type maps from api key to
 * request and response types.
 */
import type { MessageSchema } from '../schema/types.js';
import {
  type AlterConfigsRequest,
  type AlterConfigsResponse,
  alterConfigsRequestSchema,
  alterConfigsResponseSchema,
} from './alter-configs.js';
import {
  type ApiVersionsRequest,
  type ApiVersionsResponse,
  apiVersionsRequestSchema,
  apiVersionsResponseSchema,
} from './api-versions.js';
import {
  type CreatePartitionsRequest,
  type CreatePartitionsResponse,
  createPartitionsRequestSchema,
  createPartitionsResponseSchema,
} from './create-partitions.js';
import {
  type CreateTopicsRequest,
  type CreateTopicsResponse,
  createTopicsRequestSchema,
  createTopicsResponseSchema,
} from './create-topics.js';
import {
  type DeleteGroupsRequest,
  type DeleteGroupsResponse,
  deleteGroupsRequestSchema,
  deleteGroupsResponseSchema,
} from './delete-groups.js';
import {
  type DeleteRecordsRequest,
  type DeleteRecordsResponse,
  deleteRecordsRequestSchema,
  deleteRecordsResponseSchema,
} from './delete-records.js';
import {
  type DeleteTopicsRequest,
  type DeleteTopicsResponse,
  deleteTopicsRequestSchema,
  deleteTopicsResponseSchema,
} from './delete-topics.js';
import {
  type DescribeClusterRequest,
  type DescribeClusterResponse,
  describeClusterRequestSchema,
  describeClusterResponseSchema,
} from './describe-cluster.js';
import {
  type DescribeConfigsRequest,
  type DescribeConfigsResponse,
  describeConfigsRequestSchema,
  describeConfigsResponseSchema,
} from './describe-configs.js';
import {
  type DescribeGroupsRequest,
  type DescribeGroupsResponse,
  describeGroupsRequestSchema,
  describeGroupsResponseSchema,
} from './describe-groups.js';
import {
  type DescribeLogDirsRequest,
  type DescribeLogDirsResponse,
  describeLogDirsRequestSchema,
  describeLogDirsResponseSchema,
} from './describe-log-dirs.js';
import { type FetchRequest, type FetchResponse, fetchRequestSchema, fetchResponseSchema } from './fetch.js';
import {
  type FindCoordinatorRequest,
  type FindCoordinatorResponse,
  findCoordinatorRequestSchema,
  findCoordinatorResponseSchema,
} from './find-coordinator.js';
import {
  type HeartbeatRequest,
  type HeartbeatResponse,
  heartbeatRequestSchema,
  heartbeatResponseSchema,
} from './heartbeat.js';
import {
  type IncrementalAlterConfigsRequest,
  type IncrementalAlterConfigsResponse,
  incrementalAlterConfigsRequestSchema,
  incrementalAlterConfigsResponseSchema,
} from './incremental-alter-configs.js';
import {
  type InitProducerIdRequest,
  type InitProducerIdResponse,
  initProducerIdRequestSchema,
  initProducerIdResponseSchema,
} from './init-producer-id.js';
import {
  type JoinGroupRequest,
  type JoinGroupResponse,
  joinGroupRequestSchema,
  joinGroupResponseSchema,
} from './join-group.js';
import {
  type LeaveGroupRequest,
  type LeaveGroupResponse,
  leaveGroupRequestSchema,
  leaveGroupResponseSchema,
} from './leave-group.js';
import {
  type ListGroupsRequest,
  type ListGroupsResponse,
  listGroupsRequestSchema,
  listGroupsResponseSchema,
} from './list-groups.js';
import {
  type ListOffsetsRequest,
  type ListOffsetsResponse,
  listOffsetsRequestSchema,
  listOffsetsResponseSchema,
} from './list-offsets.js';
import {
  type MetadataRequest,
  type MetadataResponse,
  metadataRequestSchema,
  metadataResponseSchema,
} from './metadata.js';
import {
  type OffsetCommitRequest,
  type OffsetCommitResponse,
  offsetCommitRequestSchema,
  offsetCommitResponseSchema,
} from './offset-commit.js';
import {
  type OffsetDeleteRequest,
  type OffsetDeleteResponse,
  offsetDeleteRequestSchema,
  offsetDeleteResponseSchema,
} from './offset-delete.js';
import {
  type OffsetFetchRequest,
  type OffsetFetchResponse,
  offsetFetchRequestSchema,
  offsetFetchResponseSchema,
} from './offset-fetch.js';
import {
  type OffsetForLeaderEpochRequest,
  type OffsetForLeaderEpochResponse,
  offsetForLeaderEpochRequestSchema,
  offsetForLeaderEpochResponseSchema,
} from './offset-for-leader-epoch.js';
import {
  type ProduceRequest,
  type ProduceResponse,
  produceRequestSchema,
  produceResponseSchema,
} from './produce.js';
import {
  type SyncGroupRequest,
  type SyncGroupResponse,
  syncGroupRequestSchema,
  syncGroupResponseSchema,
} from './sync-group.js';

export * from './alter-configs.js';
export * from './api-versions.js';
export * from './create-partitions.js';
export * from './create-topics.js';
export * from './delete-groups.js';
export * from './delete-records.js';
export * from './delete-topics.js';
export * from './describe-cluster.js';
export * from './describe-configs.js';
export * from './describe-groups.js';
export * from './describe-log-dirs.js';
export * from './fetch.js';
export * from './find-coordinator.js';
export * from './heartbeat.js';
export * from './incremental-alter-configs.js';
export * from './init-producer-id.js';
export * from './join-group.js';
export * from './leave-group.js';
export * from './list-groups.js';
export * from './list-offsets.js';
export * from './metadata.js';
export * from './offset-commit.js';
export * from './offset-delete.js';
export * from './offset-fetch.js';
export * from './offset-for-leader-epoch.js';
export * from './produce.js';
export * from './sync-group.js';

export interface ApiSchema {
  /** Kafka's API name, e.g. "Produce". */
  readonly name: string;
  readonly apiKey: number;
  readonly minVersion: number;
  readonly maxVersion: number;
  readonly request: MessageSchema;
  readonly response: MessageSchema;
}

/** Implemented APIs in api key order. */
export const apiSchemaList: readonly ApiSchema[] = [
  {
    name: 'Produce',
    apiKey: 0,
    minVersion: 0,
    maxVersion: 9,
    request: produceRequestSchema,
    response: produceResponseSchema,
  },
  {
    name: 'Fetch',
    apiKey: 1,
    minVersion: 4,
    maxVersion: 12,
    request: fetchRequestSchema,
    response: fetchResponseSchema,
  },
  {
    name: 'ListOffsets',
    apiKey: 2,
    minVersion: 1,
    maxVersion: 7,
    request: listOffsetsRequestSchema,
    response: listOffsetsResponseSchema,
  },
  {
    name: 'Metadata',
    apiKey: 3,
    minVersion: 0,
    maxVersion: 9,
    request: metadataRequestSchema,
    response: metadataResponseSchema,
  },
  {
    name: 'OffsetCommit',
    apiKey: 8,
    minVersion: 2,
    maxVersion: 8,
    request: offsetCommitRequestSchema,
    response: offsetCommitResponseSchema,
  },
  {
    name: 'OffsetFetch',
    apiKey: 9,
    minVersion: 1,
    maxVersion: 8,
    request: offsetFetchRequestSchema,
    response: offsetFetchResponseSchema,
  },
  {
    name: 'FindCoordinator',
    apiKey: 10,
    minVersion: 0,
    maxVersion: 4,
    request: findCoordinatorRequestSchema,
    response: findCoordinatorResponseSchema,
  },
  {
    name: 'JoinGroup',
    apiKey: 11,
    minVersion: 0,
    maxVersion: 7,
    request: joinGroupRequestSchema,
    response: joinGroupResponseSchema,
  },
  {
    name: 'Heartbeat',
    apiKey: 12,
    minVersion: 0,
    maxVersion: 4,
    request: heartbeatRequestSchema,
    response: heartbeatResponseSchema,
  },
  {
    name: 'LeaveGroup',
    apiKey: 13,
    minVersion: 0,
    maxVersion: 4,
    request: leaveGroupRequestSchema,
    response: leaveGroupResponseSchema,
  },
  {
    name: 'SyncGroup',
    apiKey: 14,
    minVersion: 0,
    maxVersion: 5,
    request: syncGroupRequestSchema,
    response: syncGroupResponseSchema,
  },
  {
    name: 'DescribeGroups',
    apiKey: 15,
    minVersion: 0,
    maxVersion: 5,
    request: describeGroupsRequestSchema,
    response: describeGroupsResponseSchema,
  },
  {
    name: 'ListGroups',
    apiKey: 16,
    minVersion: 0,
    maxVersion: 4,
    request: listGroupsRequestSchema,
    response: listGroupsResponseSchema,
  },
  {
    name: 'ApiVersions',
    apiKey: 18,
    minVersion: 0,
    maxVersion: 3,
    request: apiVersionsRequestSchema,
    response: apiVersionsResponseSchema,
  },
  {
    name: 'CreateTopics',
    apiKey: 19,
    minVersion: 2,
    maxVersion: 7,
    request: createTopicsRequestSchema,
    response: createTopicsResponseSchema,
  },
  {
    name: 'DeleteTopics',
    apiKey: 20,
    minVersion: 1,
    maxVersion: 6,
    request: deleteTopicsRequestSchema,
    response: deleteTopicsResponseSchema,
  },
  {
    name: 'DeleteRecords',
    apiKey: 21,
    minVersion: 0,
    maxVersion: 2,
    request: deleteRecordsRequestSchema,
    response: deleteRecordsResponseSchema,
  },
  {
    name: 'InitProducerId',
    apiKey: 22,
    minVersion: 0,
    maxVersion: 4,
    request: initProducerIdRequestSchema,
    response: initProducerIdResponseSchema,
  },
  {
    name: 'OffsetForLeaderEpoch',
    apiKey: 23,
    minVersion: 2,
    maxVersion: 4,
    request: offsetForLeaderEpochRequestSchema,
    response: offsetForLeaderEpochResponseSchema,
  },
  {
    name: 'DescribeConfigs',
    apiKey: 32,
    minVersion: 0,
    maxVersion: 4,
    request: describeConfigsRequestSchema,
    response: describeConfigsResponseSchema,
  },
  {
    name: 'AlterConfigs',
    apiKey: 33,
    minVersion: 0,
    maxVersion: 2,
    request: alterConfigsRequestSchema,
    response: alterConfigsResponseSchema,
  },
  {
    name: 'DescribeLogDirs',
    apiKey: 35,
    minVersion: 1,
    maxVersion: 4,
    request: describeLogDirsRequestSchema,
    response: describeLogDirsResponseSchema,
  },
  {
    name: 'CreatePartitions',
    apiKey: 37,
    minVersion: 0,
    maxVersion: 3,
    request: createPartitionsRequestSchema,
    response: createPartitionsResponseSchema,
  },
  {
    name: 'DeleteGroups',
    apiKey: 42,
    minVersion: 0,
    maxVersion: 2,
    request: deleteGroupsRequestSchema,
    response: deleteGroupsResponseSchema,
  },
  {
    name: 'IncrementalAlterConfigs',
    apiKey: 44,
    minVersion: 0,
    maxVersion: 1,
    request: incrementalAlterConfigsRequestSchema,
    response: incrementalAlterConfigsResponseSchema,
  },
  {
    name: 'OffsetDelete',
    apiKey: 47,
    minVersion: 0,
    maxVersion: 0,
    request: offsetDeleteRequestSchema,
    response: offsetDeleteResponseSchema,
  },
  {
    name: 'DescribeCluster',
    apiKey: 60,
    minVersion: 0,
    maxVersion: 1,
    request: describeClusterRequestSchema,
    response: describeClusterResponseSchema,
  },
];

/** Implemented APIs by api key. */
export const apiSchemas: ReadonlyMap<number, ApiSchema> = new Map(apiSchemaList.map((a) => [a.apiKey, a]));

/** Request body type by api key. */
export interface RequestTypes {
  0: ProduceRequest;
  1: FetchRequest;
  2: ListOffsetsRequest;
  3: MetadataRequest;
  8: OffsetCommitRequest;
  9: OffsetFetchRequest;
  10: FindCoordinatorRequest;
  11: JoinGroupRequest;
  12: HeartbeatRequest;
  13: LeaveGroupRequest;
  14: SyncGroupRequest;
  15: DescribeGroupsRequest;
  16: ListGroupsRequest;
  18: ApiVersionsRequest;
  19: CreateTopicsRequest;
  20: DeleteTopicsRequest;
  21: DeleteRecordsRequest;
  22: InitProducerIdRequest;
  23: OffsetForLeaderEpochRequest;
  32: DescribeConfigsRequest;
  33: AlterConfigsRequest;
  35: DescribeLogDirsRequest;
  37: CreatePartitionsRequest;
  42: DeleteGroupsRequest;
  44: IncrementalAlterConfigsRequest;
  47: OffsetDeleteRequest;
  60: DescribeClusterRequest;
}

/** Response body type by api key. */
export interface ResponseTypes {
  0: ProduceResponse;
  1: FetchResponse;
  2: ListOffsetsResponse;
  3: MetadataResponse;
  8: OffsetCommitResponse;
  9: OffsetFetchResponse;
  10: FindCoordinatorResponse;
  11: JoinGroupResponse;
  12: HeartbeatResponse;
  13: LeaveGroupResponse;
  14: SyncGroupResponse;
  15: DescribeGroupsResponse;
  16: ListGroupsResponse;
  18: ApiVersionsResponse;
  19: CreateTopicsResponse;
  20: DeleteTopicsResponse;
  21: DeleteRecordsResponse;
  22: InitProducerIdResponse;
  23: OffsetForLeaderEpochResponse;
  32: DescribeConfigsResponse;
  33: AlterConfigsResponse;
  35: DescribeLogDirsResponse;
  37: CreatePartitionsResponse;
  42: DeleteGroupsResponse;
  44: IncrementalAlterConfigsResponse;
  47: OffsetDeleteResponse;
  60: DescribeClusterResponse;
}

/** An api key Samsa implements. */
export type ImplementedApiKey = keyof RequestTypes & keyof ResponseTypes;

/** The implemented ranges, in the shape of an ApiVersions response's apiKeys array. */
export function implementedApiVersions(): { apiKey: number; minVersion: number; maxVersion: number }[] {
  return apiSchemaList.map((a) => ({ apiKey: a.apiKey, minVersion: a.minVersion, maxVersion: a.maxVersion }));
}
