// DeleteGroups (api key 42), versions 0-2: request and response schemas.
// Transcribed from Apache Kafka's DeleteGroupsRequest.json and DeleteGroupsResponse.json
// (clients/src/main/resources/common/message, apache/kafka 1eb7644349cb), keeping only
// the fields that exist in the versions Samsa implements. Property names are Kafka's field names
// in lowerCamelCase; int64 is a JS number, uuid a 32-digit lowercase hex string.
import type { MessageSchema } from '../schema/types.js';

export const deleteGroupsRequestSchema: MessageSchema = {
  name: 'DeleteGroupsRequest',
  apiKey: 42,
  kind: 'request',
  versions: '0-2',
  flexibleVersions: '2+',
  fields: [{ name: 'groupsNames', type: 'array', items: 'string', versions: '0+' }],
};

export const deleteGroupsResponseSchema: MessageSchema = {
  name: 'DeleteGroupsResponse',
  apiKey: 42,
  kind: 'response',
  versions: '0-2',
  flexibleVersions: '2+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '0+' },
    {
      name: 'results',
      type: 'array',
      items: 'struct',
      versions: '0+',
      struct: 'DeletableGroupResult',
      fields: [
        { name: 'groupId', type: 'string', versions: '0+' },
        { name: 'errorCode', type: 'int16', versions: '0+' },
      ],
    },
  ],
};

export interface DeleteGroupsRequest {
  /** The group names to delete. (versions 0+) */
  groupsNames: string[];
}

export interface DeleteGroupsResponse {
  /** The duration in milliseconds for which the request was throttled due to a quota violation, or zero if the request did not violate any quota. (versions 0+) */
  throttleTimeMs: number;
  /** The deletion results (versions 0+) */
  results: DeleteGroupsResponseDeletableGroupResult[];
}

export interface DeleteGroupsResponseDeletableGroupResult {
  /** The group id (versions 0+) */
  groupId: string;
  /** The deletion error, or 0 if the deletion succeeded. (versions 0+) */
  errorCode: number;
}
