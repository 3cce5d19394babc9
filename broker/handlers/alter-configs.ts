/**
 * IncrementalAlterConfigs (key 44, versions 0–1: SET, DELETE, APPEND, SUBTRACT per entry)
 * and the older AlterConfigs (key 33, versions 0–2: replaces a topic's whole override set).
 * Topic configs only; broker settings are static (config file, environment, flags).
 */
import type {
  AlterConfigsRequest,
  AlterConfigsResponse,
  IncrementalAlterConfigsRequest,
  IncrementalAlterConfigsResponse,
} from '../../protocol/apis/index.js';
import { ErrorCode as E } from '../../protocol/error-codes.js';
import type { ApiHandler, RequestContext } from '../request-context.js';
import { topicConfigDefs } from '../topic-configs.js';
import { RESOURCE_BROKER, RESOURCE_TOPIC } from './describe-configs.js';

const OP_SET = 0;
const OP_DELETE = 1;
const OP_APPEND = 2;
const OP_SUBTRACT = 3;

type Outcome = { errorCode: number; errorMessage: string | null };

function notTopic(resourceType: number): Outcome {
  return {
    errorCode: E.INVALID_REQUEST,
    errorMessage:
      resourceType === RESOURCE_BROKER
        ? 'broker settings cannot be changed at run time; change the config file or SAMSA_* variables and restart'
        : `resource type ${resourceType} is not supported; use 2 (topic)`,
  };
}

function listOf(v: string | undefined): string[] {
  return (v ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

async function incremental(req: IncrementalAlterConfigsRequest, ctx: RequestContext) {
  const { topics } = ctx.core;
  const responses = [];
  for (const r of req.resources) {
    const base = { resourceType: r.resourceType, resourceName: r.resourceName };
    if (r.resourceType !== RESOURCE_TOPIC) {
      responses.push({ ...base, ...notTopic(r.resourceType) });
      continue;
    }
    const current = topics.configOverrides(r.resourceName);
    if (!current) {
      responses.push({
        ...base,
        errorCode: E.UNKNOWN_TOPIC_OR_PARTITION,
        errorMessage: `topic "${r.resourceName}" does not exist`,
      });
      continue;
    }
    const next: Record<string, string> = { ...current };
    let problem: Outcome | null = null;
    for (const c of r.configs) {
      const def = topicConfigDefs[c.name];
      if (c.configOperation === OP_SET) {
        if (c.value === null)
          problem = { errorCode: E.INVALID_CONFIG, errorMessage: `no value given for ${c.name}` };
        else next[c.name] = c.value;
      } else if (c.configOperation === OP_DELETE) {
        delete next[c.name];
      } else if (c.configOperation === OP_APPEND || c.configOperation === OP_SUBTRACT) {
        if (def?.kind !== 'list') {
          problem = {
            errorCode: E.INVALID_CONFIG,
            errorMessage: `${c.name} is not a list; APPEND/SUBTRACT need one`,
          };
          continue;
        }
        const have = listOf(next[c.name] ?? def.defaultValue(ctx.core.config));
        const items = listOf(c.value ?? '');
        next[c.name] = (
          c.configOperation === OP_APPEND
            ? [...have, ...items.filter((i) => !have.includes(i))]
            : have.filter((i) => !items.includes(i))
        ).join(',');
      } else {
        problem = {
          errorCode: E.INVALID_REQUEST,
          errorMessage: `unknown config operation ${c.configOperation}`,
        };
      }
    }
    responses.push({
      ...base,
      ...(problem ?? (await topics.setConfigs(r.resourceName, next, req.validateOnly))),
    });
  }
  return { throttleTimeMs: 0, responses };
}

async function alter(req: AlterConfigsRequest, ctx: RequestContext) {
  const responses = [];
  for (const r of req.resources) {
    const base = { resourceType: r.resourceType, resourceName: r.resourceName };
    if (r.resourceType !== RESOURCE_TOPIC) {
      responses.push({ ...base, ...notTopic(r.resourceType) });
      continue;
    }
    const next: Record<string, string> = {};
    for (const c of r.configs) if (c.value !== null) next[c.name] = c.value;
    responses.push({
      ...base,
      ...(await ctx.core.topics.setConfigs(r.resourceName, next, req.validateOnly)),
    });
  }
  return { throttleTimeMs: 0, responses };
}

export const incrementalAlterConfigsHandler: ApiHandler<
  IncrementalAlterConfigsRequest,
  IncrementalAlterConfigsResponse
> = {
  apiKey: 44,
  minVersion: 0,
  maxVersion: 1,
  handle: incremental,
};

export const alterConfigsHandler: ApiHandler<AlterConfigsRequest, AlterConfigsResponse> = {
  apiKey: 33,
  minVersion: 0,
  maxVersion: 2,
  handle: alter,
};
