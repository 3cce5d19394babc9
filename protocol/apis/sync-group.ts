// SyncGroup (api key 14), versions 0-5: request and response schemas.
// Transcribed from Apache Kafka's SyncGroupRequest.json and SyncGroupResponse.json
// (clients/src/main/resources/common/message, apache/kafka 1eb7644349cb), keeping only
// the fields that exist in the versions Samsa implements. Property names are Kafka's field names
// in lowerCamelCase; int64 is a JS number, uuid a 32-digit lowercase hex string.
import type { MessageSchema } from '../schema/types.js';

export const syncGroupRequestSchema: MessageSchema = {
  name: 'SyncGroupRequest',
  apiKey: 14,
  kind: 'request',
  versions: '0-5',
  flexibleVersions: '4+',
  fields: [
    { name: 'groupId', type: 'string', versions: '0+' },
    { name: 'generationId', type: 'int32', versions: '0+' },
    { name: 'memberId', type: 'string', versions: '0+' },
    { name: 'groupInstanceId', type: 'string', versions: '3+', nullableVersions: '3+', default: null },
    { name: 'protocolType', type: 'string', versions: '5+', nullableVersions: '5+', default: null },
    { name: 'protocolName', type: 'string', versions: '5+', nullableVersions: '5+', default: null },
    {
      name: 'assignments',
      type: 'array',
      items: 'struct',
      versions: '0+',
      struct: 'SyncGroupRequestAssignment',
      fields: [
        { name: 'memberId', type: 'string', versions: '0+' },
        { name: 'assignment', type: 'bytes', versions: '0+' },
      ],
    },
  ],
};

export const syncGroupResponseSchema: MessageSchema = {
  name: 'SyncGroupResponse',
  apiKey: 14,
  kind: 'response',
  versions: '0-5',
  flexibleVersions: '4+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '1+' },
    { name: 'errorCode', type: 'int16', versions: '0+' },
    { name: 'protocolType', type: 'string', versions: '5+', nullableVersions: '5+', default: null },
    { name: 'protocolName', type: 'string', versions: '5+', nullableVersions: '5+', default: null },
    { name: 'assignment', type: 'bytes', versions: '0+' },
  ],
};

export interface SyncGroupRequest {
  /** The unique group identifier. (versions 0+) */
  groupId: string;
  /** The generation of the group. (versions 0+) */
  generationId: number;
  /** The member ID assigned by the group. (versions 0+) */
  memberId: string;
  /** The unique identifier of the consumer instance provided by end user. (versions 3+) */
  groupInstanceId?: string | null;
  /** The group protocol type. (versions 5+) */
  protocolType?: string | null;
  /** The group protocol name. (versions 5+) */
  protocolName?: string | null;
  /** Each assignment. (versions 0+) */
  assignments: SyncGroupRequestAssignment[];
}

export interface SyncGroupRequestAssignment {
  /** The ID of the member to assign. (versions 0+) */
  memberId: string;
  /** The member assignment. (versions 0+) */
  assignment: Buffer;
}

export interface SyncGroupResponse {
  /** The duration in milliseconds for which the request was throttled due to a quota violation, or zero if the request did not violate any quota. (versions 1+) */
  throttleTimeMs?: number;
  /** The error code, or 0 if there was no error. (versions 0+) */
  errorCode: number;
  /** The group protocol type. (versions 5+) */
  protocolType?: string | null;
  /** The group protocol name. (versions 5+) */
  protocolName?: string | null;
  /** The member assignment. (versions 0+) */
  assignment: Buffer;
}
