// DeleteTopics (api key 20), versions 1-6: request and response schemas.
// Transcribed from Apache Kafka's DeleteTopicsRequest.json and DeleteTopicsResponse.json
// (clients/src/main/resources/common/message, apache/kafka 1eb7644349cb), keeping only
// the fields that exist in the versions Samsa implements. Property names are Kafka's field names
// in lowerCamelCase; int64 is a JS number, uuid a 32-digit lowercase hex string.
import type { MessageSchema } from '../schema/types.js';

export const deleteTopicsRequestSchema: MessageSchema = {
  name: 'DeleteTopicsRequest',
  apiKey: 20,
  kind: 'request',
  versions: '1-6',
  flexibleVersions: '4+',
  fields: [
    {
      name: 'topics',
      type: 'array',
      items: 'struct',
      versions: '6+',
      struct: 'DeleteTopicState',
      fields: [
        { name: 'name', type: 'string', versions: '6+', nullableVersions: '6+', default: null },
        { name: 'topicId', type: 'uuid', versions: '6+' },
      ],
    },
    { name: 'topicNames', type: 'array', items: 'string', versions: '0-5' },
    { name: 'timeoutMs', type: 'int32', versions: '0+' },
  ],
};

export const deleteTopicsResponseSchema: MessageSchema = {
  name: 'DeleteTopicsResponse',
  apiKey: 20,
  kind: 'response',
  versions: '1-6',
  flexibleVersions: '4+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '1+' },
    {
      name: 'responses',
      type: 'array',
      items: 'struct',
      versions: '0+',
      struct: 'DeletableTopicResult',
      fields: [
        { name: 'name', type: 'string', versions: '0+', nullableVersions: '6+' },
        { name: 'topicId', type: 'uuid', versions: '6+' },
        { name: 'errorCode', type: 'int16', versions: '0+' },
        { name: 'errorMessage', type: 'string', versions: '5+', nullableVersions: '5+', default: null },
      ],
    },
  ],
};

export interface DeleteTopicsRequest {
  /** The name or topic ID of the topic (versions 6+) */
  topics?: DeleteTopicsRequestDeleteTopicState[];
  /** The names of the topics to delete (versions 0-5) */
  topicNames?: string[];
  /** The length of time in milliseconds to wait for the deletions to complete. (versions 0+) */
  timeoutMs: number;
}

export interface DeleteTopicsRequestDeleteTopicState {
  /** The topic name (versions 6+) */
  name: string | null;
  /** The unique topic ID (versions 6+) */
  topicId: string;
}

export interface DeleteTopicsResponse {
  /** The duration in milliseconds for which the request was throttled due to a quota violation, or zero if the request did not violate any quota. (versions 1+) */
  throttleTimeMs: number;
  /** The results for each topic we tried to delete. (versions 0+) */
  responses: DeleteTopicsResponseDeletableTopicResult[];
}

export interface DeleteTopicsResponseDeletableTopicResult {
  /** The topic name (versions 0+) */
  name: string | null;
  /** the unique topic ID (versions 6+) */
  topicId?: string;
  /** The deletion error, or 0 if the deletion succeeded. (versions 0+) */
  errorCode: number;
  /** The error message, or null if there was no error. (versions 5+) */
  errorMessage?: string | null;
}
