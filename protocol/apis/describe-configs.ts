// DescribeConfigs (api key 32), versions 0-4: request and response schemas.
// Transcribed from Apache Kafka's DescribeConfigsRequest.json and DescribeConfigsResponse.json
// (clients/src/main/resources/common/message, apache/kafka 1eb7644349cb), keeping only
// the fields that exist in the versions Samsa implements. Property names are Kafka's field names
// in lowerCamelCase; int64 is a JS number, uuid a 32-digit lowercase hex string.
import type { MessageSchema } from '../schema/types.js';

export const describeConfigsRequestSchema: MessageSchema = {
  name: 'DescribeConfigsRequest',
  apiKey: 32,
  kind: 'request',
  versions: '0-4',
  flexibleVersions: '4+',
  fields: [
    {
      name: 'resources',
      type: 'array',
      items: 'struct',
      versions: '0+',
      struct: 'DescribeConfigsResource',
      fields: [
        { name: 'resourceType', type: 'int8', versions: '0+' },
        { name: 'resourceName', type: 'string', versions: '0+' },
        { name: 'configurationKeys', type: 'array', items: 'string', versions: '0+', nullableVersions: '0+' },
      ],
    },
    { name: 'includeSynonyms', type: 'bool', versions: '1+' },
    { name: 'includeDocumentation', type: 'bool', versions: '3+' },
  ],
};

export const describeConfigsResponseSchema: MessageSchema = {
  name: 'DescribeConfigsResponse',
  apiKey: 32,
  kind: 'response',
  versions: '0-4',
  flexibleVersions: '4+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '0+' },
    {
      name: 'results',
      type: 'array',
      items: 'struct',
      versions: '0+',
      struct: 'DescribeConfigsResult',
      fields: [
        { name: 'errorCode', type: 'int16', versions: '0+' },
        { name: 'errorMessage', type: 'string', versions: '0+', nullableVersions: '0+' },
        { name: 'resourceType', type: 'int8', versions: '0+' },
        { name: 'resourceName', type: 'string', versions: '0+' },
        {
          name: 'configs',
          type: 'array',
          items: 'struct',
          versions: '0+',
          struct: 'DescribeConfigsResourceResult',
          fields: [
            { name: 'name', type: 'string', versions: '0+' },
            { name: 'value', type: 'string', versions: '0+', nullableVersions: '0+' },
            { name: 'readOnly', type: 'bool', versions: '0+' },
            { name: 'isDefault', type: 'bool', versions: '0' },
            { name: 'configSource', type: 'int8', versions: '1+', default: -1 },
            { name: 'isSensitive', type: 'bool', versions: '0+' },
            {
              name: 'synonyms',
              type: 'array',
              items: 'struct',
              versions: '1+',
              struct: 'DescribeConfigsSynonym',
              fields: [
                { name: 'name', type: 'string', versions: '1+' },
                { name: 'value', type: 'string', versions: '1+', nullableVersions: '0+' },
                { name: 'source', type: 'int8', versions: '1+' },
              ],
            },
            { name: 'configType', type: 'int8', versions: '3+' },
            { name: 'documentation', type: 'string', versions: '3+', nullableVersions: '0+' },
          ],
        },
      ],
    },
  ],
};

export interface DescribeConfigsRequest {
  /** The resources whose configurations we want to describe. (versions 0+) */
  resources: DescribeConfigsRequestDescribeConfigsResource[];
  /** True if we should include all synonyms. (versions 1+) */
  includeSynonyms?: boolean;
  /** True if we should include configuration documentation. (versions 3+) */
  includeDocumentation?: boolean;
}

export interface DescribeConfigsRequestDescribeConfigsResource {
  /** The resource type. (versions 0+) */
  resourceType: number;
  /** The resource name. (versions 0+) */
  resourceName: string;
  /** The configuration keys to list, or null to list all configuration keys. (versions 0+) */
  configurationKeys: string[] | null;
}

export interface DescribeConfigsResponse {
  /** The duration in milliseconds for which the request was throttled due to a quota violation, or zero if the request did not violate any quota. (versions 0+) */
  throttleTimeMs: number;
  /** The results for each resource. (versions 0+) */
  results: DescribeConfigsResponseDescribeConfigsResult[];
}

export interface DescribeConfigsResponseDescribeConfigsSynonym {
  /** The synonym name. (versions 1+) */
  name: string;
  /** The synonym value. (versions 1+) */
  value: string | null;
  /** The synonym source. (versions 1+) */
  source: number;
}

export interface DescribeConfigsResponseDescribeConfigsResourceResult {
  /** The configuration name. (versions 0+) */
  name: string;
  /** The configuration value. (versions 0+) */
  value: string | null;
  /** True if the configuration is read-only. (versions 0+) */
  readOnly: boolean;
  /** True if the configuration is not set. (versions 0) */
  isDefault?: boolean;
  /** The configuration source. (versions 1+) */
  configSource?: number;
  /** True if this configuration is sensitive. (versions 0+) */
  isSensitive: boolean;
  /** The synonyms for this configuration key. (versions 1+) */
  synonyms?: DescribeConfigsResponseDescribeConfigsSynonym[];
  /** The configuration data type. Type can be one of the following values - BOOLEAN, STRING, INT, SHORT, LONG, DOUBLE, LIST, CLASS, PASSWORD (versions 3+) */
  configType?: number;
  /** The configuration documentation. (versions 3+) */
  documentation?: string | null;
}

export interface DescribeConfigsResponseDescribeConfigsResult {
  /** The error code, or 0 if we were able to successfully describe the configurations. (versions 0+) */
  errorCode: number;
  /** The error message, or null if we were able to successfully describe the configurations. (versions 0+) */
  errorMessage: string | null;
  /** The resource type. (versions 0+) */
  resourceType: number;
  /** The resource name. (versions 0+) */
  resourceName: string;
  /** Each listed configuration. (versions 0+) */
  configs: DescribeConfigsResponseDescribeConfigsResourceResult[];
}
