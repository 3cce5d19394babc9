// JoinGroup (api key 11), versions 0-7: request and response schemas.
// Transcribed from Apache Kafka's JoinGroupRequest.json and JoinGroupResponse.json
// (clients/src/main/resources/common/message, apache/kafka 1eb7644349cb), keeping only
// the fields that exist in the versions Samsa implements. Property names are Kafka's field names
// in lowerCamelCase; int64 is a JS number, uuid a 32-digit lowercase hex string.
import type { MessageSchema } from '../schema/types.js';

export const joinGroupRequestSchema: MessageSchema = {
  name: 'JoinGroupRequest',
  apiKey: 11,
  kind: 'request',
  versions: '0-7',
  flexibleVersions: '6+',
  fields: [
    { name: 'groupId', type: 'string', versions: '0+' },
    { name: 'sessionTimeoutMs', type: 'int32', versions: '0+' },
    { name: 'rebalanceTimeoutMs', type: 'int32', versions: '1+', default: -1 },
    { name: 'memberId', type: 'string', versions: '0+' },
    { name: 'groupInstanceId', type: 'string', versions: '5+', nullableVersions: '5+', default: null },
    { name: 'protocolType', type: 'string', versions: '0+' },
    {
      name: 'protocols',
      type: 'array',
      items: 'struct',
      versions: '0+',
      struct: 'JoinGroupRequestProtocol',
      fields: [
        { name: 'name', type: 'string', versions: '0+' },
        { name: 'metadata', type: 'bytes', versions: '0+' },
      ],
    },
  ],
};

export const joinGroupResponseSchema: MessageSchema = {
  name: 'JoinGroupResponse',
  apiKey: 11,
  kind: 'response',
  versions: '0-7',
  flexibleVersions: '6+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '2+' },
    { name: 'errorCode', type: 'int16', versions: '0+' },
    { name: 'generationId', type: 'int32', versions: '0+', default: -1 },
    { name: 'protocolType', type: 'string', versions: '7+', nullableVersions: '7+', default: null },
    { name: 'protocolName', type: 'string', versions: '0+', nullableVersions: '7+' },
    { name: 'leader', type: 'string', versions: '0+' },
    { name: 'memberId', type: 'string', versions: '0+' },
    {
      name: 'members',
      type: 'array',
      items: 'struct',
      versions: '0+',
      struct: 'JoinGroupResponseMember',
      fields: [
        { name: 'memberId', type: 'string', versions: '0+' },
        { name: 'groupInstanceId', type: 'string', versions: '5+', nullableVersions: '5+', default: null },
        { name: 'metadata', type: 'bytes', versions: '0+' },
      ],
    },
  ],
};

export interface JoinGroupRequest {
  /** The group identifier. (versions 0+) */
  groupId: string;
  /** The coordinator considers the consumer dead if it receives no heartbeat after this timeout in milliseconds. (versions 0+) */
  sessionTimeoutMs: number;
  /** The maximum time in milliseconds that the coordinator will wait for each member to rejoin when rebalancing the group. (versions 1+) */
  rebalanceTimeoutMs?: number;
  /** The member id assigned by the group coordinator. (versions 0+) */
  memberId: string;
  /** The unique identifier of the consumer instance provided by end user. (versions 5+) */
  groupInstanceId?: string | null;
  /** The unique name the for class of protocols implemented by the group we want to join. (versions 0+) */
  protocolType: string;
  /** The list of protocols that the member supports. (versions 0+) */
  protocols: JoinGroupRequestProtocol[];
}

export interface JoinGroupRequestProtocol {
  /** The protocol name. (versions 0+) */
  name: string;
  /** The protocol metadata. (versions 0+) */
  metadata: Buffer;
}

export interface JoinGroupResponse {
  /** The duration in milliseconds for which the request was throttled due to a quota violation, or zero if the request did not violate any quota. (versions 2+) */
  throttleTimeMs?: number;
  /** The error code, or 0 if there was no error. (versions 0+) */
  errorCode: number;
  /** The generation ID of the group. (versions 0+) */
  generationId: number;
  /** The group protocol name. (versions 7+) */
  protocolType?: string | null;
  /** The group protocol selected by the coordinator. (versions 0+) */
  protocolName: string | null;
  /** The leader of the group. (versions 0+) */
  leader: string;
  /** The member ID assigned by the group coordinator. (versions 0+) */
  memberId: string;
  members: JoinGroupResponseMember[];
}

export interface JoinGroupResponseMember {
  /** The group member ID. (versions 0+) */
  memberId: string;
  /** The unique identifier of the consumer instance provided by end user. (versions 5+) */
  groupInstanceId?: string | null;
  /** The group member metadata. (versions 0+) */
  metadata: Buffer;
}
