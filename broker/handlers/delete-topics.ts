/** DeleteTopics (key 20), versions 1–6 (v6 names topics in a struct; ids are not used). */

import type { DeleteTopicsRequest, DeleteTopicsResponse } from '../../protocol/apis/index.js';
import { ErrorCode as E } from '../../protocol/error-codes.js';
import { ZERO_UUID } from '../../protocol/reader.js';
import type { ApiHandler, RequestContext } from '../request-context.js';

async function handle(req: DeleteTopicsRequest, ctx: RequestContext) {
  const names: (string | null)[] =
    ctx.apiVersion >= 6 ? (req.topics ?? []).map((t) => t.name ?? null) : (req.topicNames ?? []);
  const responses: DeleteTopicsResponse['responses'] = [];
  for (const name of names) {
    if (name === null) {
      responses.push({
        name: null,
        topicId: ZERO_UUID,
        errorCode: E.UNKNOWN_TOPIC_ID,
        errorMessage: 'topics are deleted by name in Samsa; topic ids are not supported',
      });
      continue;
    }
    const r = await ctx.core.topics.delete(name);
    responses.push({ name, topicId: ZERO_UUID, ...r });
  }
  return { throttleTimeMs: 0, responses };
}

export const deleteTopicsHandler: ApiHandler<DeleteTopicsRequest, DeleteTopicsResponse> = {
  apiKey: 20,
  minVersion: 1,
  maxVersion: 6,
  handle,
};
