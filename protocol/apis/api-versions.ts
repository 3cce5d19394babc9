// ApiVersions (api key 18), versions 0-3: request and response schemas.
// Transcribed from Apache Kafka's ApiVersionsRequest.json and ApiVersionsResponse.json
// (clients/src/main/resources/common/message, apache/kafka 1eb7644349cb), keeping only
// the fields that exist in the versions Samsa implements. Property names are Kafka's field names
// in lowerCamelCase; int64 is a JS number, uuid a 32-digit lowercase hex string.
import type { MessageSchema } from '../schema/types.js';

export const apiVersionsRequestSchema: MessageSchema = {
  name: 'ApiVersionsRequest',
  apiKey: 18,
  kind: 'request',
  versions: '0-3',
  flexibleVersions: '3+',
  fields: [
    { name: 'clientSoftwareName', type: 'string', versions: '3+' },
    { name: 'clientSoftwareVersion', type: 'string', versions: '3+' },
  ],
};

export const apiVersionsResponseSchema: MessageSchema = {
  name: 'ApiVersionsResponse',
  apiKey: 18,
  kind: 'response',
  versions: '0-3',
  flexibleVersions: '3+',
  fields: [
    { name: 'errorCode', type: 'int16', versions: '0+' },
    {
      name: 'apiKeys',
      type: 'array',
      items: 'struct',
      versions: '0+',
      struct: 'ApiVersion',
      fields: [
        { name: 'apiKey', type: 'int16', versions: '0+' },
        { name: 'minVersion', type: 'int16', versions: '0+' },
        { name: 'maxVersion', type: 'int16', versions: '0+' },
      ],
    },
    { name: 'throttleTimeMs', type: 'int32', versions: '1+' },
    {
      name: 'supportedFeatures',
      type: 'array',
      items: 'struct',
      versions: '3+',
      taggedVersions: '3+',
      tag: 0,
      struct: 'SupportedFeatureKey',
      fields: [
        { name: 'name', type: 'string', versions: '3+' },
        { name: 'minVersion', type: 'int16', versions: '3+' },
        { name: 'maxVersion', type: 'int16', versions: '3+' },
      ],
    },
    {
      name: 'finalizedFeaturesEpoch',
      type: 'int64',
      versions: '3+',
      taggedVersions: '3+',
      tag: 1,
      default: -1,
    },
    {
      name: 'finalizedFeatures',
      type: 'array',
      items: 'struct',
      versions: '3+',
      taggedVersions: '3+',
      tag: 2,
      struct: 'FinalizedFeatureKey',
      fields: [
        { name: 'name', type: 'string', versions: '3+' },
        { name: 'maxVersionLevel', type: 'int16', versions: '3+' },
        { name: 'minVersionLevel', type: 'int16', versions: '3+' },
      ],
    },
    { name: 'zkMigrationReady', type: 'bool', versions: '3+', taggedVersions: '3+', tag: 3 },
  ],
};

export interface ApiVersionsRequest {
  /** The name of the client. (versions 3+) */
  clientSoftwareName?: string;
  /** The version of the client. (versions 3+) */
  clientSoftwareVersion?: string;
}

export interface ApiVersionsResponse {
  /** The top-level error code. (versions 0+) */
  errorCode: number;
  /** The APIs supported by the broker. (versions 0+) */
  apiKeys: ApiVersionsResponseApiVersion[];
  /** The duration in milliseconds for which the request was throttled due to a quota violation, or zero if the request did not violate any quota. (versions 1+) */
  throttleTimeMs?: number;
  /** Features supported by the broker. Note: in v0-v3, features with MinSupportedVersion = 0 are omitted. (versions 3+, tagged 0) */
  supportedFeatures?: ApiVersionsResponseSupportedFeatureKey[];
  /** The monotonically increasing epoch for the finalized features information. Valid values are >= 0. A value of -1 is special and represents unknown epoch. (versions 3+, tagged 1) */
  finalizedFeaturesEpoch?: number;
  /** List of cluster-wide finalized features. The information is valid only if FinalizedFeaturesEpoch >= 0. (versions 3+, tagged 2) */
  finalizedFeatures?: ApiVersionsResponseFinalizedFeatureKey[];
  /** Set by a KRaft controller if the required configurations for ZK migration are present (versions 3+, tagged 3) */
  zkMigrationReady?: boolean;
}

export interface ApiVersionsResponseApiVersion {
  /** The API index. (versions 0+) */
  apiKey: number;
  /** The minimum supported version, inclusive. (versions 0+) */
  minVersion: number;
  /** The maximum supported version, inclusive. (versions 0+) */
  maxVersion: number;
}

export interface ApiVersionsResponseSupportedFeatureKey {
  /** The name of the feature. (versions 3+) */
  name: string;
  /** The minimum supported version for the feature. (versions 3+) */
  minVersion: number;
  /** The maximum supported version for the feature. (versions 3+) */
  maxVersion: number;
}

export interface ApiVersionsResponseFinalizedFeatureKey {
  /** The name of the feature. (versions 3+) */
  name: string;
  /** The cluster-wide finalized max version level for the feature. (versions 3+) */
  maxVersionLevel: number;
  /** The cluster-wide finalized min version level for the feature. (versions 3+) */
  minVersionLevel: number;
}
