/** CreateTopics (key 19), versions 2–7, with validate-only and topic configs. */

import type { CreateTopicsRequest, CreateTopicsResponse } from '../../protocol/apis/index.js';
import { ErrorCode as E } from '../../protocol/error-codes.js';
import { ZERO_UUID } from '../../protocol/reader.js';
import type { ApiHandler, RequestContext } from '../request-context.js';
import { describeTopicConfigs } from './describe-configs.js';

/** Topics in one CreateTopics request at most. */
export const createTopicsPerRequestMax = 10_000;

async function handle(req: CreateTopicsRequest, ctx: RequestContext) {
  const { topics } = ctx.core;
  const seen = new Map<string, number>();
  for (const t of req.topics) seen.set(t.name, (seen.get(t.name) ?? 0) + 1);
  const out = [];
  for (const [i, t] of req.topics.entries()) {
    const base = { name: t.name, topicId: ZERO_UUID, topicConfigErrorCode: 0 };
    const duplicate = (seen.get(t.name) ?? 0) > 1;
    if (duplicate || i >= createTopicsPerRequestMax) {
      out.push({
        ...base,
        errorCode: E.INVALID_REQUEST,
        errorMessage: duplicate
          ? `topic "${t.name}" appears more than once in the request`
          : `at most ${createTopicsPerRequestMax} topics can be created in one request`,
        numPartitions: -1,
        replicationFactor: -1,
        configs: null,
      });
      continue;
    }
    const configs: Record<string, string> = {};
    for (const c of t.configs) if (c.value !== null) configs[c.name] = c.value;
    const r = await topics.create({
      name: t.name,
      numPartitions: t.numPartitions,
      replicationFactor: t.replicationFactor,
      assignments: t.assignments,
      configs,
      validateOnly: req.validateOnly,
    });
    if (r.errorCode !== 0) {
      out.push({ ...base, ...r, numPartitions: -1, replicationFactor: -1, configs: null });
      continue;
    }
    const numPartitions = req.validateOnly
      ? t.numPartitions > 0
        ? t.numPartitions
        : t.assignments.length || ctx.core.config.defaultPartitions
      : topics.partitionCount(t.name);
    const replicationFactor =
      t.replicationFactor > 0
        ? t.replicationFactor
        : (t.assignments[0]?.brokerIds.length ?? ctx.core.config.defaultReplicationFactor);
    out.push({
      ...base,
      errorCode: 0,
      errorMessage: null,
      numPartitions,
      replicationFactor,
      configs: describeTopicConfigs(
        ctx,
        req.validateOnly ? configs : (topics.configOverrides(t.name) ?? {}),
        null,
      ).map((c) => ({
        name: c.name,
        value: c.value,
        readOnly: c.readOnly,
        configSource: c.configSource,
        isSensitive: false,
      })),
    });
  }
  return { throttleTimeMs: 0, topics: out };
}

export const createTopicsHandler: ApiHandler<CreateTopicsRequest, CreateTopicsResponse> = {
  apiKey: 19,
  minVersion: 2,
  maxVersion: 7,
  handle,
};
