/** CreatePartitions (key 37), versions 0–3: grow a topic's partition count. */
import type { CreatePartitionsRequest, CreatePartitionsResponse } from '../../protocol/apis/index.js';
import { ErrorCode as E } from '../../protocol/error-codes.js';
import type { ApiHandler, RequestContext } from '../request-context.js';

async function handle(req: CreatePartitionsRequest, ctx: RequestContext) {
  const results = [];
  const live = new Set(ctx.core.brokers().map((b) => b.nodeId));
  for (const t of req.topics) {
    const bad = (t.assignments ?? []).flatMap((a) => a.brokerIds).find((id) => !live.has(id));
    if (bad !== undefined) {
      results.push({
        name: t.name,
        errorCode: E.INVALID_REPLICA_ASSIGNMENT,
        errorMessage: `broker ${bad} is not in the cluster`,
      });
      continue;
    }
    const r = await ctx.core.topics.addPartitions(t.name, t.count, req.validateOnly);
    results.push({ name: t.name, ...r });
  }
  return { throttleTimeMs: 0, results };
}

export const createPartitionsHandler: ApiHandler<CreatePartitionsRequest, CreatePartitionsResponse> = {
  apiKey: 37,
  minVersion: 0,
  maxVersion: 3,
  handle,
};
