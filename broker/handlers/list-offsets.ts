/**
 * ListOffsets (key 2), versions 1–6: the earliest offset (-2), the latest (-1: the high
 * watermark, which is also the last stable offset without transactions), or the first offset
 * whose timestamp is at or after a time. (v7's max-timestamp lookup, -3, is not implemented.)
 */
import type { ListOffsetsRequest, ListOffsetsResponse } from '../../protocol/apis/index.js';
import { ErrorCode as E } from '../../protocol/error-codes.js';
import type { ApiHandler, RequestContext } from '../request-context.js';
import { storageErrorOutcome } from '../storage-errors.js';

const LATEST = -1;
const EARLIEST = -2;

function handle(req: ListOffsetsRequest, ctx: RequestContext) {
  const { topics, authority } = ctx.core;
  return {
    throttleTimeMs: 0,
    topics: req.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => {
        const base = { partitionIndex: p.partitionIndex, oldStyleOffsets: [] as number[], leaderEpoch: -1 };
        const epochError = authority.leaderError(t.name, p.partitionIndex, p.currentLeaderEpoch ?? -1);
        if (epochError) return { ...base, errorCode: epochError, timestamp: -1, offset: -1 };
        const plog = topics.partition(t.name, p.partitionIndex);
        if (!plog) return { ...base, errorCode: E.UNKNOWN_TOPIC_OR_PARTITION, timestamp: -1, offset: -1 };
        const leaderEpoch = authority.leaderEpoch(t.name, p.partitionIndex);
        try {
          if (p.timestamp === EARLIEST) {
            return {
              ...base,
              errorCode: 0,
              timestamp: -1,
              offset: plog.logStartOffset,
              leaderEpoch: leaderEpoch,
            };
          }
          if (p.timestamp === LATEST) {
            return {
              ...base,
              errorCode: 0,
              timestamp: -1,
              offset: plog.highWatermark,
              leaderEpoch: leaderEpoch,
            };
          }
          if (p.timestamp < 0) {
            return { ...base, errorCode: E.INVALID_REQUEST, timestamp: -1, offset: -1 };
          }
          const found = plog.offsetForTimestamp(p.timestamp);
          if (!found || found.offset >= plog.highWatermark)
            return { ...base, errorCode: 0, timestamp: -1, offset: -1 };
          return {
            ...base,
            errorCode: 0,
            timestamp: found.timestamp,
            offset: found.offset,
            leaderEpoch: leaderEpoch,
          };
        } catch (err) {
          const o = storageErrorOutcome(err, ctx.core.log, `list offsets of ${t.name}-${p.partitionIndex}`);
          return { ...base, errorCode: o.errorCode, timestamp: -1, offset: -1 };
        }
      }),
    })),
  };
}

export const listOffsetsHandler: ApiHandler<ListOffsetsRequest, ListOffsetsResponse> = {
  apiKey: 2,
  minVersion: 1,
  maxVersion: 7,
  handle,
};
