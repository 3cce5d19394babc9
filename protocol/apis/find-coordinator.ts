// FindCoordinator (api key 10), versions 0-4: request and response schemas.
// Transcribed from Apache Kafka's FindCoordinatorRequest.json and FindCoordinatorResponse.json
// (clients/src/main/resources/common/message, apache/kafka 1eb7644349cb), keeping only
// the fields that exist in the versions Samsa implements. Property names are Kafka's field names
// in lowerCamelCase; int64 is a JS number, uuid a 32-digit lowercase hex string.
import type { MessageSchema } from '../schema/types.js';

export const findCoordinatorRequestSchema: MessageSchema = {
  name: 'FindCoordinatorRequest',
  apiKey: 10,
  kind: 'request',
  versions: '0-4',
  flexibleVersions: '3+',
  fields: [
    { name: 'key', type: 'string', versions: '0-3' },
    { name: 'keyType', type: 'int8', versions: '1+' },
    { name: 'coordinatorKeys', type: 'array', items: 'string', versions: '4+' },
  ],
};

export const findCoordinatorResponseSchema: MessageSchema = {
  name: 'FindCoordinatorResponse',
  apiKey: 10,
  kind: 'response',
  versions: '0-4',
  flexibleVersions: '3+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '1+' },
    { name: 'errorCode', type: 'int16', versions: '0-3' },
    { name: 'errorMessage', type: 'string', versions: '1-3', nullableVersions: '1-3' },
    { name: 'nodeId', type: 'int32', versions: '0-3' },
    { name: 'host', type: 'string', versions: '0-3' },
    { name: 'port', type: 'int32', versions: '0-3' },
    {
      name: 'coordinators',
      type: 'array',
      items: 'struct',
      versions: '4+',
      struct: 'Coordinator',
      fields: [
        { name: 'key', type: 'string', versions: '4+' },
        { name: 'nodeId', type: 'int32', versions: '4+' },
        { name: 'host', type: 'string', versions: '4+' },
        { name: 'port', type: 'int32', versions: '4+' },
        { name: 'errorCode', type: 'int16', versions: '4+' },
        { name: 'errorMessage', type: 'string', versions: '4+', nullableVersions: '4+' },
      ],
    },
  ],
};

export interface FindCoordinatorRequest {
  /** The coordinator key. (versions 0-3) */
  key?: string;
  /** The coordinator key type. (Group, transaction, etc.) (versions 1+) */
  keyType?: number;
  /** The coordinator keys. (versions 4+) */
  coordinatorKeys?: string[];
}

export interface FindCoordinatorResponse {
  /** The duration in milliseconds for which the request was throttled due to a quota violation, or zero if the request did not violate any quota. (versions 1+) */
  throttleTimeMs?: number;
  /** The error code, or 0 if there was no error. (versions 0-3) */
  errorCode?: number;
  /** The error message, or null if there was no error. (versions 1-3) */
  errorMessage?: string | null;
  /** The node id. (versions 0-3) */
  nodeId?: number;
  /** The host name. (versions 0-3) */
  host?: string;
  /** The port. (versions 0-3) */
  port?: number;
  /** Each coordinator result in the response (versions 4+) */
  coordinators?: FindCoordinatorResponseCoordinator[];
}

export interface FindCoordinatorResponseCoordinator {
  /** The coordinator key. (versions 4+) */
  key: string;
  /** The node id. (versions 4+) */
  nodeId: number;
  /** The host name. (versions 4+) */
  host: string;
  /** The port. (versions 4+) */
  port: number;
  /** The error code, or 0 if there was no error. (versions 4+) */
  errorCode: number;
  /** The error message, or null if there was no error. (versions 4+) */
  errorMessage: string | null;
}
