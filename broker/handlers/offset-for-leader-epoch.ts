/**
 * OffsetForLeaderEpoch (key 23), versions 2–4: the end offset of a leader epoch in this
 * broker's log — the start offset of the next higher epoch, or the log end offset for the
 * latest — and the largest epoch at or below the one asked for. Followers use it to truncate
 * to the history they share with the leader (KIP-101/279); consumers to detect truncation
 * after a leader change (KIP-320). Unknown epochs below the first answer -1/-1.
 */
import type { OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse } from '../../protocol/apis/index.js';
import { ErrorCode as E } from '../../protocol/error-codes.js';
import type { ApiHandler, RequestContext } from '../request-context.js';
import { storageErrorOutcome } from '../storage-errors.js';

function handle(req: OffsetForLeaderEpochRequest, ctx: RequestContext): OffsetForLeaderEpochResponse {
  const { topics, authority } = ctx.core;
  return {
    throttleTimeMs: 0,
    topics: req.topics.map((t) => ({
      topic: t.topic,
      partitions: t.partitions.map((p) => {
        const answer = (errorCode: number, leaderEpoch = -1, endOffset = -1) => ({
          errorCode,
          partition: p.partition,
          leaderEpoch,
          endOffset,
        });
        const epochError = authority.leaderError(t.topic, p.partition, p.currentLeaderEpoch ?? -1);
        if (epochError) return answer(epochError);
        const plog = topics.partition(t.topic, p.partition);
        if (!plog) return answer(E.UNKNOWN_TOPIC_OR_PARTITION);
        try {
          const r = plog.endOffsetForEpoch(p.leaderEpoch);
          return answer(0, r.epoch, r.endOffset);
        } catch (err) {
          const o = storageErrorOutcome(
            err,
            ctx.core.log,
            `offset for leader epoch of ${t.topic}-${p.partition}`,
          );
          return answer(o.errorCode);
        }
      }),
    })),
  };
}

export const offsetForLeaderEpochHandler: ApiHandler<
  OffsetForLeaderEpochRequest,
  OffsetForLeaderEpochResponse
> = {
  apiKey: 23,
  minVersion: 2,
  maxVersion: 4,
  handle,
};
