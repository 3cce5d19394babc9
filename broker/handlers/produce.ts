/**
 * Produce (key 0), versions 0–9 advertised, 3–9 served: 0–2 carry legacy message sets and are
 * answered with UNSUPPORTED_VERSION (librdkafka only compresses when v0 is advertised).
 * For each partition: the batches are validated (framing, magic, CRC, size) and appended as
 * they arrived — offsets written in place, records never decoded, stamped with the leader
 * epoch — then the high watermark moves as far as replication allows (single broker: to the
 * log end) and parked fetches wake. acks=all waits, within the request's timeout, until every
 * ISR member has the records (see PartitionAuthority). acks=0 gets no response.
 */
import type { ProduceRequest, ProduceResponse } from '../../protocol/apis/index.js';
import { crc32c } from '../../protocol/crc32c.js';
import { ErrorCode as E, errorName } from '../../protocol/error-codes.js';
import {
  BATCH_LENGTH_OFFSET,
  CRC_COVERAGE_START,
  CRC_OFFSET,
  LOG_OVERHEAD,
  MAGIC_OFFSET,
  MAGIC_V2,
  RECORDS_OFFSET,
} from '../../protocol/record-batch.js';
import { checkBatchRecords } from '../../protocol/record-validation.js';
import type { ApiHandler, RequestContext } from '../request-context.js';
import { storageErrorOutcome } from '../storage-errors.js';
import { isInternalTopic } from '../topic-names.js';

interface PartitionResponse {
  index: number;
  errorCode: number;
  baseOffset: number;
  logAppendTimeMs: number;
  logStartOffset: number;
  recordErrors: { batchIndex: number; batchIndexErrorMessage: string | null }[];
  errorMessage: string | null;
}

function partitionError(index: number, errorCode: number, errorMessage: string | null): PartitionResponse {
  return {
    index,
    errorCode,
    baseOffset: -1,
    logAppendTimeMs: -1,
    logStartOffset: -1,
    recordErrors: [],
    errorMessage,
  };
}

function handle(req: ProduceRequest, ctx: RequestContext) {
  const { log } = ctx.core;
  const acks = req.acks;
  if (ctx.apiVersion < PRODUCE_VERSION_MIN_SERVED) {
    // Advertised from 0 only because librdkafka compresses only when Produce v0 is listed;
    // versions 0-2 carry legacy message sets, which Kafka 4 refuses too.
    return {
      responses: req.topicData.map((t) => ({
        name: t.name,
        partitionResponses: t.partitionData.map((p) =>
          partitionError(
            p.index,
            E.UNSUPPORTED_VERSION,
            'Produce versions 0-2 (legacy message sets) are not supported; use v3 or later',
          ),
        ),
      })),
      throttleTimeMs: 0,
    };
  }
  const responses: { name: string; partitionResponses: PartitionResponse[] }[] = [];
  const replicating: Promise<void>[] = [];
  const appended = { nextOffset: -1 };
  for (const t of req.topicData) {
    const partitionResponses: PartitionResponse[] = [];
    for (const p of t.partitionData) {
      const response = produceOne(ctx, t.name, p.index, p.records, acks, appended);
      partitionResponses.push(response);
      if (acks === -1 && response.errorCode === 0)
        replicating.push(awaitReplication(ctx, t.name, response, appended.nextOffset, req.timeoutMs));
    }
    responses.push({ name: t.name, partitionResponses });
  }
  if (replicating.length > 0) return Promise.all(replicating).then(() => ({ responses, throttleTimeMs: 0 }));
  if (acks === 0) {
    for (const r of responses) {
      for (const p of r.partitionResponses) {
        if (p.errorCode !== 0)
          log.debug({ topic: r.name, partition: p.index, errorCode: p.errorCode }, 'acks=0 produce failed');
      }
    }
    return null;
  }
  return { responses, throttleTimeMs: 0 };
}

/** acks=all: the response waits until the ISR has the records (or says why it did not). */
async function awaitReplication(
  ctx: RequestContext,
  topic: string,
  response: PartitionResponse,
  nextOffset: number,
  timeoutMs: number,
): Promise<void> {
  const errorCode = await ctx.core.authority.awaitAcksAll(
    topic,
    response.index,
    nextOffset,
    Math.max(0, timeoutMs),
  );
  if (errorCode === 0) return;
  ctx.core.metrics.produceErrors.inc({ topic, error: errorName(errorCode) });
  response.errorCode = errorCode;
  response.errorMessage = `${topic}-${response.index}: appended at offset ${response.baseOffset} but not acknowledged by the in-sync replicas (${errorName(errorCode)}); the records may or may not be kept`;
}

/**
 * Walk the records of every well-framed batch (no objects made; compressed batches are
 * decompressed within a bound). Framing, magic, CRC and size are storage's checks on append;
 * when the walk fails, the CRC tells corruption in transit from a malformed batch.
 */
function checkRecords(
  records: Buffer,
  decompressedBytesMax: number,
): { errorCode: number; errorMessage: string } | null {
  let pos = 0;
  while (pos + RECORDS_OFFSET <= records.length) {
    const size = LOG_OVERHEAD + records.readInt32BE(pos + BATCH_LENGTH_OFFSET);
    if (size < RECORDS_OFFSET || pos + size > records.length || records[pos + MAGIC_OFFSET] !== MAGIC_V2)
      return null;
    const problem = checkBatchRecords(records, pos, decompressedBytesMax);
    if (problem) {
      if (crc32c(records, pos + CRC_COVERAGE_START, pos + size) !== records.readUInt32BE(pos + CRC_OFFSET)) {
        return { errorCode: E.CORRUPT_MESSAGE, errorMessage: `batch at byte ${pos} fails its CRC-32C check` };
      }
      const errorCode =
        problem.code === 'RECORDS_COMPRESSION_UNSUPPORTED'
          ? E.UNSUPPORTED_COMPRESSION_TYPE
          : E.INVALID_RECORD;
      return { errorCode, errorMessage: problem.message };
    }
    pos += size;
  }
  return null;
}

function produceOne(
  ctx: RequestContext,
  topic: string,
  partition: number,
  records: Buffer | null,
  acks: number,
  /** Set to the offset after the appended records. */
  appended: { nextOffset: number },
): PartitionResponse {
  const { topics, authority } = ctx.core;
  if (acks !== 0 && acks !== 1 && acks !== -1) {
    return partitionError(partition, E.INVALID_REQUIRED_ACKS, `acks must be 0, 1 or -1 (all), got ${acks}`);
  }
  if (isInternalTopic(topic)) {
    return partitionError(
      partition,
      E.INVALID_TOPIC_EXCEPTION,
      `topic "${topic}" is internal to the broker; clients cannot write to it`,
    );
  }
  const leaderError = authority.leaderError(topic, partition, -1);
  if (leaderError !== 0 && leaderError !== E.UNKNOWN_TOPIC_OR_PARTITION) {
    return partitionError(
      partition,
      leaderError,
      `this broker does not lead ${topic}-${partition} (${errorName(leaderError)}); refresh metadata and send to the leader`,
    );
  }
  const plog = topics.partition(topic, partition);
  if (!plog) {
    const msg = topics.exists(topic)
      ? `topic "${topic}" has no partition ${partition}`
      : `topic "${topic}" does not exist; create it with: samsa topic create ${topic}`;
    return partitionError(partition, E.UNKNOWN_TOPIC_OR_PARTITION, msg);
  }
  if (records === null || records.length === 0) {
    return partitionError(partition, E.INVALID_RECORD, 'the produce request carries no record batch');
  }
  if (acks === -1) {
    const pre = authority.acksAllPrecheck(topic, partition, plog);
    if (pre.errorCode !== 0) return partitionError(partition, pre.errorCode, pre.errorMessage);
  }
  const problem = checkRecords(records, ctx.core.config.decompressedBatchBytesMax);
  if (problem) {
    ctx.core.metrics.produceErrors.inc({ topic, error: errorName(problem.errorCode) });
    return partitionError(partition, problem.errorCode, `${topic}-${partition}: ${problem.errorMessage}`);
  }
  try {
    const r = plog.append(records, { leaderEpoch: authority.leaderEpoch(topic, partition) });
    appended.nextOffset = r.lastOffset + 1;
    authority.appended(topic, partition, plog);
    topics.appended(topic, partition, records.length);
    ctx.core.metrics.bytesIn.inc({ topic }, records.length);
    ctx.core.metrics.recordsIn.inc({ topic }, r.recordCount);
    return {
      index: partition,
      errorCode: 0,
      baseOffset: r.firstOffset,
      logAppendTimeMs: r.logAppendTimeMs,
      logStartOffset: plog.logStartOffset,
      recordErrors: [],
      errorMessage: null,
    };
  } catch (err) {
    const o = storageErrorOutcome(err, ctx.core.log, `append to ${topic}-${partition}`);
    ctx.core.metrics.produceErrors.inc({ topic, error: errorName(o.errorCode) });
    return partitionError(partition, o.errorCode, o.errorMessage);
  }
}

/** Versions 0-2 are advertised (see above) but answered with UNSUPPORTED_VERSION. */
const PRODUCE_VERSION_MIN_SERVED = 3;

export const produceHandler: ApiHandler<ProduceRequest, ProduceResponse> = {
  apiKey: 0,
  minVersion: 0,
  maxVersion: 9,
  handle,
};
