/**
 * Fetch (key 1), versions 4–12. Whole stored batches are sent from the requested offset up to
 * the high watermark (a consumer, from the partition's leader only) or the log end (a follower
 * broker, `replica_id` ≥ 0, in cluster mode: its fetch offset also tells the leader how far it
 * has replicated), within `partitionMaxBytes` and the response's `maxBytes` (at least one
 * batch for the first partition that has data, as KIP-74 asks). With fewer than `minBytes`
 * available the request parks until appends bring enough, `maxWaitMs` passes, or shutdown —
 * woken by the appends, never by polling. Fetch sessions are not kept (session id 0).
 */

import type {
  FetchRequestFetchPartition as FetchPartition,
  FetchRequest,
  FetchResponse,
  FetchResponsePartitionData as PartitionData,
} from '../../protocol/apis/index.js';
import { ErrorCode as E, errorName } from '../../protocol/error-codes.js';
import {
  BATCH_LENGTH_OFFSET,
  LOG_OVERHEAD,
  RECORD_BATCH_OVERHEAD,
  RECORDS_COUNT_OFFSET,
} from '../../protocol/record-batch.js';
import type { PartitionLog } from '../../storage/partition-log.js';
import { AppendWaiters } from '../append-waiters.js';
import type { ApiHandler, RequestContext } from '../request-context.js';
import { storageErrorOutcome } from '../storage-errors.js';

function readOnce(req: FetchRequest, ctx: RequestContext) {
  const { topics, config } = ctx.core;
  let budget = Math.min(
    req.maxBytes > 0 ? req.maxBytes : config.fetchResponseBytesMax,
    config.fetchResponseBytesMax,
  );
  let total = 0;
  let hasError = false;
  const responses: FetchResponse['responses'] = [];
  for (const t of req.topics) {
    const partitions: PartitionData[] = [];
    for (const p of t.partitions) {
      const plog = topics.partition(t.topic, p.partition);
      const data = readPartition(ctx, plog, t.topic, p, budget, total === 0, req.replicaId);
      if (data.errorCode !== 0) hasError = true;
      const n = data.records?.length ?? 0;
      total += n;
      budget = Math.max(0, budget - n);
      partitions.push(data);
    }
    responses.push({ topic: t.topic, partitions });
  }
  const body: FetchResponse = { throttleTimeMs: 0, errorCode: 0, sessionId: 0, responses };
  return { body, total, hasError };
}

const noRecords = Buffer.alloc(0);

function readPartition(
  ctx: RequestContext,
  plog: PartitionLog | undefined,
  topic: string,
  p: FetchPartition,
  budget: number,
  first: boolean,
  replicaId: number,
): PartitionData {
  // An empty record set, never null, also with an error: librdkafka fails to parse a null one
  // (MessageSetSize -1) and retries the same fetch forever without reading the error code (an
  // OFFSET_OUT_OF_RANGE never reset, a NOT_LEADER_OR_FOLLOWER never sent it to the new leader).
  // Kafka sends empty records too.
  const empty = (errorCode: number, hw = -1, lso = -1, start = -1): PartitionData => ({
    partitionIndex: p.partition,
    errorCode,
    highWatermark: hw,
    lastStableOffset: lso,
    logStartOffset: start,
    abortedTransactions: [],
    preferredReadReplica: -1,
    records: noRecords,
  });
  const { authority } = ctx.core;
  const requestedEpoch = p.currentLeaderEpoch ?? -1;
  const replica =
    replicaId >= 0 && plog
      ? authority.replicaFetched(replicaId, topic, p.partition, p.fetchOffset, requestedEpoch)
      : undefined;
  const leaderError = replica ?? authority.leaderError(topic, p.partition, requestedEpoch);
  if (leaderError !== 0) return empty(leaderError);
  if (!plog) return empty(E.UNKNOWN_TOPIC_OR_PARTITION);
  const hw = plog.highWatermark;
  const start = plog.logStartOffset;
  if (p.fetchOffset < start || p.fetchOffset > plog.logEndOffset) {
    return empty(E.OFFSET_OUT_OF_RANGE, hw, hw, start);
  }
  // Followers replicate everything the leader has; consumers see only what is committed.
  const limit = replica === 0 ? plog.logEndOffset : hw;
  const maxBytes = Math.min(p.partitionMaxBytes, budget);
  if (p.fetchOffset >= limit || (maxBytes <= 0 && !first)) return empty(0, hw, hw, start);
  try {
    const r = plog.read(p.fetchOffset, Math.max(0, maxBytes), { maxOffset: limit, minOneBatch: first });
    if (r.records.length > 0) {
      ctx.core.metrics.bytesOut.inc({ topic }, r.records.length);
      ctx.core.metrics.recordsOut.inc({ topic }, countRecords(r.records));
    }
    return { ...empty(0, hw, hw, start), records: r.records };
  } catch (err) {
    const o = storageErrorOutcome(err, ctx.core.log, `read ${topic}-${p.partition}`);
    ctx.core.metrics.fetchErrors.inc({ topic, error: errorName(o.errorCode) });
    return empty(o.errorCode, hw, hw, start);
  }
}

/** Records in whole stored batches, from each batch header (records are not decoded). */
function countRecords(batches: Buffer): number {
  let n = 0;
  for (
    let pos = 0;
    pos + RECORD_BATCH_OVERHEAD <= batches.length;
    pos += LOG_OVERHEAD + batches.readInt32BE(pos + BATCH_LENGTH_OFFSET)
  ) {
    n += batches.readInt32BE(pos + RECORDS_COUNT_OFFSET);
  }
  return n;
}

function handle(req: FetchRequest, ctx: RequestContext): FetchResponse | Promise<FetchResponse> {
  const first = readOnce(req, ctx);
  const waitMs = Math.min(Math.max(0, req.maxWaitMs), ctx.core.config.fetchWaitMsMax);
  if (first.total >= req.minBytes || first.hasError || waitMs === 0 || ctx.core.stopping) return first.body;
  const keys = req.topics.flatMap((t) => t.partitions.map((p) => AppendWaiters.key(t.topic, p.partition)));
  return new Promise((resolve) => {
    let arrived = first.total;
    const parked = ctx.core.topics.waiters.park(keys, waitMs, {
      onAppend: (bytes) => {
        arrived += bytes;
        return arrived >= req.minBytes || bytes === 0;
      },
      finish: () => resolve(readOnce(req, ctx).body),
    });
    if (!parked) resolve(first.body);
  });
}

export const fetchHandler: ApiHandler<FetchRequest, FetchResponse> = {
  apiKey: 1,
  minVersion: 4,
  maxVersion: 12,
  handle,
};
