/**
 * DescribeConfigs (key 32), versions 0–4: topic configs (overrides and defaults) and the
 * broker's own settings (read-only: they come from the config file, environment and flags).
 */

import type { DescribeConfigsRequest, DescribeConfigsResponse } from '../../protocol/apis/index.js';
import { ErrorCode as E } from '../../protocol/error-codes.js';
import type { BrokerConfig } from '../config.js';
import type { ApiHandler, RequestContext } from '../request-context.js';
import { topicConfigDefs } from '../topic-configs.js';

export const RESOURCE_TOPIC = 2;
export const RESOURCE_BROKER = 4;

/** Kafka's ConfigSource values. */
const SOURCE_DYNAMIC_TOPIC = 1;
const SOURCE_STATIC_BROKER = 4;
const SOURCE_DEFAULT = 5;

/** Kafka's ConfigType values (DescribeConfigs v3+). */
const typeIds = { boolean: 1, string: 2, int: 3, long: 5, list: 7 } as const;

export interface ConfigEntry {
  name: string;
  value: string | null;
  readOnly: boolean;
  isDefault: boolean;
  configSource: number;
  isSensitive: boolean;
  synonyms: { name: string; value: string | null; source: number }[];
  configType: number;
  documentation: string | null;
}

export function describeTopicConfigs(
  ctx: RequestContext,
  overrides: Record<string, string>,
  keys: string[] | null,
): ConfigEntry[] {
  const out: ConfigEntry[] = [];
  for (const [name, def] of Object.entries(topicConfigDefs)) {
    if (keys && !keys.includes(name)) continue;
    const overridden = name in overrides;
    const value = overridden ? overrides[name]! : def.defaultValue(ctx.core.config);
    out.push({
      name,
      value,
      readOnly: false,
      isDefault: !overridden,
      configSource: overridden ? SOURCE_DYNAMIC_TOPIC : SOURCE_DEFAULT,
      isSensitive: false,
      synonyms: [],
      configType: typeIds[def.kind],
      documentation: def.doc,
    });
  }
  return out;
}

function describeBroker(config: BrokerConfig, keys: string[] | null): ConfigEntry[] {
  return Object.entries(config)
    .filter(([k, v]) => typeof v !== 'object' && (!keys || keys.includes(k)))
    .map(([name, v]) => ({
      name,
      value: String(v),
      readOnly: true,
      isDefault: false,
      configSource: SOURCE_STATIC_BROKER,
      isSensitive: false,
      synonyms: [],
      configType:
        typeof v === 'number' ? typeIds.long : typeof v === 'boolean' ? typeIds.boolean : typeIds.string,
      documentation: null,
    }));
}

function handle(req: DescribeConfigsRequest, ctx: RequestContext) {
  const { topics, config, self } = ctx.core;
  const results = req.resources.map((r) => {
    const base = { resourceType: r.resourceType, resourceName: r.resourceName };
    if (r.resourceType === RESOURCE_TOPIC) {
      const overrides = topics.configOverrides(r.resourceName);
      if (!overrides) {
        return {
          ...base,
          errorCode: E.UNKNOWN_TOPIC_OR_PARTITION,
          errorMessage: `topic "${r.resourceName}" does not exist`,
          configs: [],
        };
      }
      return {
        ...base,
        errorCode: 0,
        errorMessage: null,
        configs: describeTopicConfigs(ctx, overrides, r.configurationKeys),
      };
    }
    if (r.resourceType === RESOURCE_BROKER) {
      if (r.resourceName !== '' && r.resourceName !== String(self().nodeId)) {
        return {
          ...base,
          errorCode: E.INVALID_REQUEST,
          errorMessage: `this is broker ${self().nodeId}; ask broker ${r.resourceName} directly`,
          configs: [],
        };
      }
      return {
        ...base,
        errorCode: 0,
        errorMessage: null,
        configs: describeBroker(config, r.configurationKeys),
      };
    }
    return {
      ...base,
      errorCode: E.INVALID_REQUEST,
      errorMessage: `resource type ${r.resourceType} is not supported; use 2 (topic) or 4 (broker)`,
      configs: [],
    };
  });
  return { throttleTimeMs: 0, results };
}

export const describeConfigsHandler: ApiHandler<DescribeConfigsRequest, DescribeConfigsResponse> = {
  apiKey: 32,
  minVersion: 0,
  maxVersion: 4,
  handle,
};
