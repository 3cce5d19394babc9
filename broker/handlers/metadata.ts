/**
 * Metadata (key 3), versions 0–9 (not 10+: topic ids would make @platformatic/kafka send ids
 * as names in Fetch 12). Lists brokers and the requested topics; unknown topics are created
 * when both the request (v4+) and the broker allow it.
 */
import type { MetadataRequest, MetadataResponse } from '../../protocol/apis/index.js';
import { ErrorCode as E } from '../../protocol/error-codes.js';
import type { ApiHandler, RequestContext } from '../request-context.js';
import { isInternalTopic } from '../topic-names.js';

const AUTHORIZED_OPERATIONS_UNKNOWN = -2147483648;

/** Topics named in one Metadata request at most; names beyond it get INVALID_REQUEST. */
export const metadataTopicsMax = 10_000;

async function handle(req: MetadataRequest, ctx: RequestContext) {
  const { core } = ctx;
  const topics = core.topics;
  // v0: an empty list means every topic; v1+: null means every topic.
  const all = req.topics === null || (ctx.apiVersion === 0 && req.topics.length === 0);
  const wanted = all ? topics.names() : [...new Set((req.topics ?? []).map((t) => t.name ?? ''))];
  const allowAuto = (ctx.apiVersion < 4 || req.allowAutoTopicCreation) && core.config.autoCreateTopics;
  const out = [];
  for (const [i, name] of wanted.entries()) {
    let errorCode = 0;
    if (!all && i >= metadataTopicsMax) {
      errorCode = E.INVALID_REQUEST; // bounds the auto-creation work one request can cause
    } else if (!topics.exists(name)) {
      if (allowAuto) {
        const created = await topics.autoCreate(name);
        if (created.errorCode !== 0 && created.errorCode !== E.TOPIC_ALREADY_EXISTS)
          errorCode = created.errorCode;
      } else {
        errorCode = E.UNKNOWN_TOPIC_OR_PARTITION;
      }
    }
    const count = errorCode === 0 ? topics.partitionCount(name) : 0;
    const partitions = [];
    for (let p = 0; p < count; p++) {
      const d = core.authority.describe(name, p, topics.partition(name, p));
      partitions.push({
        errorCode: d.errorCode,
        partitionIndex: p,
        leaderId: d.leaderId,
        leaderEpoch: d.leaderEpoch,
        replicaNodes: d.replicas,
        isrNodes: d.isr,
        offlineReplicas: d.offline,
      });
    }
    out.push({
      errorCode,
      name,
      isInternal: isInternalTopic(name),
      partitions,
      topicAuthorizedOperations: AUTHORIZED_OPERATIONS_UNKNOWN,
    });
  }
  return {
    throttleTimeMs: 0,
    brokers: core.brokers().map((b) => ({ nodeId: b.nodeId, host: b.host, port: b.port, rack: b.rack })),
    clusterId: core.clusterId,
    controllerId: core.controllerId(),
    topics: out,
    clusterAuthorizedOperations: AUTHORIZED_OPERATIONS_UNKNOWN,
  };
}

export const metadataHandler: ApiHandler<MetadataRequest, MetadataResponse> = {
  apiKey: 3,
  minVersion: 0,
  maxVersion: 9,
  handle,
};
