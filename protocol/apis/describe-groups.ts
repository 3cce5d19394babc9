// DescribeGroups (api key 15), versions 0-5: request and response schemas.
// Transcribed from Apache Kafka's DescribeGroupsRequest.json and DescribeGroupsResponse.json
// (clients/src/main/resources/common/message, apache/kafka 1eb7644349cb), keeping only
// the fields that exist in the versions Samsa implements. Property names are Kafka's field names
// in lowerCamelCase; int64 is a JS number, uuid a 32-digit lowercase hex string.
import type { MessageSchema } from '../schema/types.js';

export const describeGroupsRequestSchema: MessageSchema = {
  name: 'DescribeGroupsRequest',
  apiKey: 15,
  kind: 'request',
  versions: '0-5',
  flexibleVersions: '5+',
  fields: [
    { name: 'groups', type: 'array', items: 'string', versions: '0+' },
    { name: 'includeAuthorizedOperations', type: 'bool', versions: '3+' },
  ],
};

export const describeGroupsResponseSchema: MessageSchema = {
  name: 'DescribeGroupsResponse',
  apiKey: 15,
  kind: 'response',
  versions: '0-5',
  flexibleVersions: '5+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '1+' },
    {
      name: 'groups',
      type: 'array',
      items: 'struct',
      versions: '0+',
      struct: 'DescribedGroup',
      fields: [
        { name: 'errorCode', type: 'int16', versions: '0+' },
        { name: 'groupId', type: 'string', versions: '0+' },
        { name: 'groupState', type: 'string', versions: '0+' },
        { name: 'protocolType', type: 'string', versions: '0+' },
        { name: 'protocolData', type: 'string', versions: '0+' },
        {
          name: 'members',
          type: 'array',
          items: 'struct',
          versions: '0+',
          struct: 'DescribedGroupMember',
          fields: [
            { name: 'memberId', type: 'string', versions: '0+' },
            {
              name: 'groupInstanceId',
              type: 'string',
              versions: '4+',
              nullableVersions: '4+',
              default: null,
            },
            { name: 'clientId', type: 'string', versions: '0+' },
            { name: 'clientHost', type: 'string', versions: '0+' },
            { name: 'memberMetadata', type: 'bytes', versions: '0+' },
            { name: 'memberAssignment', type: 'bytes', versions: '0+' },
          ],
        },
        { name: 'authorizedOperations', type: 'int32', versions: '3+', default: -2147483648 },
      ],
    },
  ],
};

export interface DescribeGroupsRequest {
  /** The names of the groups to describe (versions 0+) */
  groups: string[];
  /** Whether to include authorized operations. (versions 3+) */
  includeAuthorizedOperations?: boolean;
}

export interface DescribeGroupsResponse {
  /** The duration in milliseconds for which the request was throttled due to a quota violation, or zero if the request did not violate any quota. (versions 1+) */
  throttleTimeMs?: number;
  /** Each described group. (versions 0+) */
  groups: DescribeGroupsResponseDescribedGroup[];
}

export interface DescribeGroupsResponseDescribedGroupMember {
  /** The member ID assigned by the group coordinator. (versions 0+) */
  memberId: string;
  /** The unique identifier of the consumer instance provided by end user. (versions 4+) */
  groupInstanceId?: string | null;
  /** The client ID used in the member's latest join group request. (versions 0+) */
  clientId: string;
  /** The client host. (versions 0+) */
  clientHost: string;
  /** The metadata corresponding to the current group protocol in use. (versions 0+) */
  memberMetadata: Buffer;
  /** The current assignment provided by the group leader. (versions 0+) */
  memberAssignment: Buffer;
}

export interface DescribeGroupsResponseDescribedGroup {
  /** The describe error, or 0 if there was no error. (versions 0+) */
  errorCode: number;
  /** The group ID string. (versions 0+) */
  groupId: string;
  /** The group state string, or the empty string. (versions 0+) */
  groupState: string;
  /** The group protocol type, or the empty string. (versions 0+) */
  protocolType: string;
  /** The group protocol data, or the empty string. (versions 0+) */
  protocolData: string;
  /** The group members. (versions 0+) */
  members: DescribeGroupsResponseDescribedGroupMember[];
  /** 32-bit bitfield to represent authorized operations for this group. (versions 3+) */
  authorizedOperations?: number;
}
