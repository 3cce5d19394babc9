// LeaveGroup (api key 13), versions 0-4: request and response schemas.
// Transcribed from Apache Kafka's LeaveGroupRequest.json and LeaveGroupResponse.json
// (clients/src/main/resources/common/message, apache/kafka 1eb7644349cb), keeping only
// the fields that exist in the versions Samsa implements. Property names are Kafka's field names
// in lowerCamelCase; int64 is a JS number, uuid a 32-digit lowercase hex string.
import type { MessageSchema } from '../schema/types.js';

export const leaveGroupRequestSchema: MessageSchema = {
  name: 'LeaveGroupRequest',
  apiKey: 13,
  kind: 'request',
  versions: '0-4',
  flexibleVersions: '4+',
  fields: [
    { name: 'groupId', type: 'string', versions: '0+' },
    { name: 'memberId', type: 'string', versions: '0-2' },
    {
      name: 'members',
      type: 'array',
      items: 'struct',
      versions: '3+',
      struct: 'MemberIdentity',
      fields: [
        { name: 'memberId', type: 'string', versions: '3+' },
        { name: 'groupInstanceId', type: 'string', versions: '3+', nullableVersions: '3+', default: null },
      ],
    },
  ],
};

export const leaveGroupResponseSchema: MessageSchema = {
  name: 'LeaveGroupResponse',
  apiKey: 13,
  kind: 'response',
  versions: '0-4',
  flexibleVersions: '4+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '1+' },
    { name: 'errorCode', type: 'int16', versions: '0+' },
    {
      name: 'members',
      type: 'array',
      items: 'struct',
      versions: '3+',
      struct: 'MemberResponse',
      fields: [
        { name: 'memberId', type: 'string', versions: '3+' },
        { name: 'groupInstanceId', type: 'string', versions: '3+', nullableVersions: '3+' },
        { name: 'errorCode', type: 'int16', versions: '3+' },
      ],
    },
  ],
};

export interface LeaveGroupRequest {
  /** The ID of the group to leave. (versions 0+) */
  groupId: string;
  /** The member ID to remove from the group. (versions 0-2) */
  memberId?: string;
  /** List of leaving member identities. (versions 3+) */
  members?: LeaveGroupRequestMemberIdentity[];
}

export interface LeaveGroupRequestMemberIdentity {
  /** The member ID to remove from the group. (versions 3+) */
  memberId: string;
  /** The group instance ID to remove from the group. (versions 3+) */
  groupInstanceId: string | null;
}

export interface LeaveGroupResponse {
  /** The duration in milliseconds for which the request was throttled due to a quota violation, or zero if the request did not violate any quota. (versions 1+) */
  throttleTimeMs?: number;
  /** The error code, or 0 if there was no error. (versions 0+) */
  errorCode: number;
  /** List of leaving member responses. (versions 3+) */
  members?: LeaveGroupResponseMemberResponse[];
}

export interface LeaveGroupResponseMemberResponse {
  /** The member ID to remove from the group. (versions 3+) */
  memberId: string;
  /** The group instance ID to remove from the group. (versions 3+) */
  groupInstanceId: string | null;
  /** The error code, or 0 if there was no error. (versions 3+) */
  errorCode: number;
}
