// IncrementalAlterConfigs (api key 44), versions 0-1: request and response schemas.
// Transcribed from Apache Kafka's IncrementalAlterConfigsRequest.json and IncrementalAlterConfigsResponse.json
// (clients/src/main/resources/common/message, apache/kafka 1eb7644349cb), keeping only
// the fields that exist in the versions Samsa implements. Property names are Kafka's field names
// in lowerCamelCase; int64 is a JS number, uuid a 32-digit lowercase hex string.
import type { MessageSchema } from '../schema/types.js';

export const incrementalAlterConfigsRequestSchema: MessageSchema = {
  name: 'IncrementalAlterConfigsRequest',
  apiKey: 44,
  kind: 'request',
  versions: '0-1',
  flexibleVersions: '1+',
  fields: [
    {
      name: 'resources',
      type: 'array',
      items: 'struct',
      versions: '0+',
      struct: 'AlterConfigsResource',
      fields: [
        { name: 'resourceType', type: 'int8', versions: '0+' },
        { name: 'resourceName', type: 'string', versions: '0+' },
        {
          name: 'configs',
          type: 'array',
          items: 'struct',
          versions: '0+',
          struct: 'AlterableConfig',
          fields: [
            { name: 'name', type: 'string', versions: '0+' },
            { name: 'configOperation', type: 'int8', versions: '0+' },
            { name: 'value', type: 'string', versions: '0+', nullableVersions: '0+' },
          ],
        },
      ],
    },
    { name: 'validateOnly', type: 'bool', versions: '0+' },
  ],
};

export const incrementalAlterConfigsResponseSchema: MessageSchema = {
  name: 'IncrementalAlterConfigsResponse',
  apiKey: 44,
  kind: 'response',
  versions: '0-1',
  flexibleVersions: '1+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '0+' },
    {
      name: 'responses',
      type: 'array',
      items: 'struct',
      versions: '0+',
      struct: 'AlterConfigsResourceResponse',
      fields: [
        { name: 'errorCode', type: 'int16', versions: '0+' },
        { name: 'errorMessage', type: 'string', versions: '0+', nullableVersions: '0+' },
        { name: 'resourceType', type: 'int8', versions: '0+' },
        { name: 'resourceName', type: 'string', versions: '0+' },
      ],
    },
  ],
};

export interface IncrementalAlterConfigsRequest {
  /** The incremental updates for each resource. (versions 0+) */
  resources: IncrementalAlterConfigsRequestAlterConfigsResource[];
  /** True if we should validate the request, but not change the configurations. (versions 0+) */
  validateOnly: boolean;
}

export interface IncrementalAlterConfigsRequestAlterableConfig {
  /** The configuration key name. (versions 0+) */
  name: string;
  /** The type (Set, Delete, Append, Subtract) of operation. (versions 0+) */
  configOperation: number;
  /** The value to set for the configuration key. (versions 0+) */
  value: string | null;
}

export interface IncrementalAlterConfigsRequestAlterConfigsResource {
  /** The resource type. (versions 0+) */
  resourceType: number;
  /** The resource name. (versions 0+) */
  resourceName: string;
  /** The configurations. (versions 0+) */
  configs: IncrementalAlterConfigsRequestAlterableConfig[];
}

export interface IncrementalAlterConfigsResponse {
  /** Duration in milliseconds for which the request was throttled due to a quota violation, or zero if the request did not violate any quota. (versions 0+) */
  throttleTimeMs: number;
  /** The responses for each resource. (versions 0+) */
  responses: IncrementalAlterConfigsResponseAlterConfigsResourceResponse[];
}

export interface IncrementalAlterConfigsResponseAlterConfigsResourceResponse {
  /** The resource error code. (versions 0+) */
  errorCode: number;
  /** The resource error message, or null if there was no error. (versions 0+) */
  errorMessage: string | null;
  /** The resource type. (versions 0+) */
  resourceType: number;
  /** The resource name. (versions 0+) */
  resourceName: string;
}
