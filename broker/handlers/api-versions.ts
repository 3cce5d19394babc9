/**
 * ApiVersions (key 18), versions 0–3: advertises exactly the APIs and versions this broker
 * implements — the intersection of its handlers and the codec's schemas. An unsupported
 * ApiVersions version is answered by the dispatcher (error 35 with this list, v0 body).
 */
import type { ApiHandler, RequestContext } from '../request-context.js';

export interface ApiRange {
  apiKey: number;
  minVersion: number;
  maxVersion: number;
}

export function apiVersionsResponse(ranges: ApiRange[], errorCode = 0) {
  return {
    errorCode,
    apiKeys: ranges.map((r) => ({ apiKey: r.apiKey, minVersion: r.minVersion, maxVersion: r.maxVersion })),
    throttleTimeMs: 0,
    supportedFeatures: [],
    finalizedFeaturesEpoch: -1,
    finalizedFeatures: [],
    zkMigrationReady: false,
  };
}

export function apiVersionsHandler(ranges: () => ApiRange[]): ApiHandler {
  return {
    apiKey: 18,
    minVersion: 0,
    maxVersion: 3,
    handle: (_req: unknown, _ctx: RequestContext) => apiVersionsResponse(ranges()),
  };
}
