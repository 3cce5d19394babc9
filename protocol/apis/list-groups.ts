// ListGroups (api key 16), versions 0-4: request and response schemas.
// Transcribed from Apache Kafka's ListGroupsRequest.json and ListGroupsResponse.json
// (clients/src/main/resources/common/message, apache/kafka 1eb7644349cb), keeping only
// the fields that exist in the versions Samsa implements. Property names are Kafka's field names
// in lowerCamelCase; int64 is a JS number, uuid a 32-digit lowercase hex string.
import type { MessageSchema } from '../schema/types.js';

export const listGroupsRequestSchema: MessageSchema = {
  name: 'ListGroupsRequest',
  apiKey: 16,
  kind: 'request',
  versions: '0-4',
  flexibleVersions: '3+',
  fields: [{ name: 'statesFilter', type: 'array', items: 'string', versions: '4+' }],
};

export const listGroupsResponseSchema: MessageSchema = {
  name: 'ListGroupsResponse',
  apiKey: 16,
  kind: 'response',
  versions: '0-4',
  flexibleVersions: '3+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '1+' },
    { name: 'errorCode', type: 'int16', versions: '0+' },
    {
      name: 'groups',
      type: 'array',
      items: 'struct',
      versions: '0+',
      struct: 'ListedGroup',
      fields: [
        { name: 'groupId', type: 'string', versions: '0+' },
        { name: 'protocolType', type: 'string', versions: '0+' },
        { name: 'groupState', type: 'string', versions: '4+' },
      ],
    },
  ],
};

export interface ListGroupsRequest {
  /** The states of the groups we want to list. If empty, all groups are returned with their state. (versions 4+) */
  statesFilter?: string[];
}

export interface ListGroupsResponse {
  /** The duration in milliseconds for which the request was throttled due to a quota violation, or zero if the request did not violate any quota. (versions 1+) */
  throttleTimeMs?: number;
  /** The error code, or 0 if there was no error. (versions 0+) */
  errorCode: number;
  /** Each group in the response. (versions 0+) */
  groups: ListGroupsResponseListedGroup[];
}

export interface ListGroupsResponseListedGroup {
  /** The group ID. (versions 0+) */
  groupId: string;
  /** The group protocol type. (versions 0+) */
  protocolType: string;
  /** The group state name. (versions 4+) */
  groupState?: string;
}
