/**
 * Compiled codecs for every implemented (api key, version), built once at module load.
 */
import { apiSchemaList } from '../apis/index.js';
import { compileMessage, type MessageCodec } from './engine.js';

interface ApiCodecs {
  readonly minVersion: number;
  readonly request: readonly MessageCodec[];
  readonly response: readonly MessageCodec[];
}

const byKey = new Map<number, ApiCodecs>();
for (const api of apiSchemaList) {
  const request: MessageCodec[] = [];
  const response: MessageCodec[] = [];
  for (let v = api.minVersion; v <= api.maxVersion; v++) {
    request.push(compileMessage(api.request, v));
    response.push(compileMessage(api.response, v));
  }
  byKey.set(api.apiKey, { minVersion: api.minVersion, request, response });
}

/** The request codec of (apiKey, version), or undefined when not implemented. */
export function requestCodec(apiKey: number, version: number): MessageCodec | undefined {
  const c = byKey.get(apiKey);
  return c?.request[version - c.minVersion];
}

/** The response codec of (apiKey, version), or undefined when not implemented. */
export function responseCodec(apiKey: number, version: number): MessageCodec | undefined {
  const c = byKey.get(apiKey);
  return c?.response[version - c.minVersion];
}
