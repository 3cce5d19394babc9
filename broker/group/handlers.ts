/**
 * The group APIs on the wire: one handler per API, mapping each version's request fields onto
 * the GroupCoordinator and its answer onto that version's response fields.
 *
 *   FindCoordinator (10)  v0–4   v4 batches coordinatorKeys; keyType 1 (transactions) has no coordinator yet
 *   JoinGroup       (11)  v0–7   v0 has no rebalance timeout (the session timeout is used); v4+ MEMBER_ID_REQUIRED
 *   SyncGroup       (14)  v0–5   v5 checks protocolType/protocolName
 *   Heartbeat       (12)  v0–4
 *   LeaveGroup      (13)  v0–4   v3+ batches members; v0–2 report the first member error at top level
 *   OffsetCommit     (8)  v2–8   v2–4 retention time; v6+ leader epoch; v7+ group instance id
 *   OffsetFetch      (9)  v1–8   v1: errors per partition; v2+: null topics = all; v8 batches groups
 *   ListGroups      (16)  v0–4   v4 filters by state
 *   DescribeGroups  (15)  v0–5
 *   DeleteGroups    (42)  v0–2
 *   OffsetDelete    (47)  v0
 *
 * JoinGroup and SyncGroup answer when the rebalance step completes (their promises resolve
 * later); the broker's connection pipeline keeps responses in request order.
 */
import type * as Api from '../../protocol/apis/index.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import type { FetchResult, GroupCoordinator } from './coordinator.js';

/** What a group handler needs to know about the request (the broker's RequestContext fits). */
export interface GroupRequestContext {
  apiVersion: number;
  clientId: string | null;
  clientHost: string;
}

/** Where clients reach this node. */
export interface CoordinatorNode {
  nodeId: number;
  host: string;
  port: number;
}

export interface GroupHandlerOptions {
  /** This node as clients should reach it (read per request: the port may be known only after listen). */
  self: () => CoordinatorNode;
  /**
   * The node that coordinates a group when it is not simply this one (cluster mode); null
   * when no node can. Absent: this node coordinates every group it owns.
   */
  coordinatorFor?: ((groupId: string) => CoordinatorNode | null) | undefined;
}

const COORDINATOR_KEY_TYPE_GROUP = 0;
const COORDINATOR_KEY_TYPE_TRANSACTION = 1;
/** DescribeGroups' authorizedOperations when the client did not ask for them. */
const AUTHORIZED_OPERATIONS_OMITTED = -2147483648;
/** Without ACLs every group operation is allowed: READ(3), DELETE(6), DESCRIBE(8). */
const GROUP_OPERATIONS_ALL = (1 << 3) | (1 << 6) | (1 << 8);

export interface GroupApiHandlers {
  findCoordinator(req: Api.FindCoordinatorRequest, ctx: GroupRequestContext): Api.FindCoordinatorResponse;
  joinGroup(req: Api.JoinGroupRequest, ctx: GroupRequestContext): Promise<Api.JoinGroupResponse>;
  syncGroup(req: Api.SyncGroupRequest, ctx: GroupRequestContext): Promise<Api.SyncGroupResponse>;
  heartbeat(req: Api.HeartbeatRequest, ctx: GroupRequestContext): Api.HeartbeatResponse;
  leaveGroup(req: Api.LeaveGroupRequest, ctx: GroupRequestContext): Promise<Api.LeaveGroupResponse>;
  offsetCommit(req: Api.OffsetCommitRequest, ctx: GroupRequestContext): Promise<Api.OffsetCommitResponse>;
  offsetFetch(req: Api.OffsetFetchRequest, ctx: GroupRequestContext): Api.OffsetFetchResponse;
  listGroups(req: Api.ListGroupsRequest, ctx: GroupRequestContext): Api.ListGroupsResponse;
  describeGroups(req: Api.DescribeGroupsRequest, ctx: GroupRequestContext): Api.DescribeGroupsResponse;
  deleteGroups(req: Api.DeleteGroupsRequest, ctx: GroupRequestContext): Promise<Api.DeleteGroupsResponse>;
  offsetDelete(req: Api.OffsetDeleteRequest, ctx: GroupRequestContext): Promise<Api.OffsetDeleteResponse>;
}

export function createGroupHandlers(
  coordinator: GroupCoordinator,
  opts: GroupHandlerOptions,
): GroupApiHandlers {
  const findOne = (key: string, keyType: number) => {
    const fail = (errorCode: number, errorMessage: string) => ({
      errorCode,
      errorMessage,
      nodeId: -1,
      host: '',
      port: -1,
    });
    if (keyType === COORDINATOR_KEY_TYPE_TRANSACTION) {
      return fail(ErrorCode.COORDINATOR_NOT_AVAILABLE, 'transactions are not supported');
    }
    if (keyType !== COORDINATOR_KEY_TYPE_GROUP)
      return fail(ErrorCode.INVALID_REQUEST, `unknown key type ${keyType}`);
    if (!coordinator.serving)
      return fail(ErrorCode.COORDINATOR_NOT_AVAILABLE, 'the group coordinator is not ready');
    if (!opts.coordinatorFor && !coordinator.coordinates(key))
      return fail(ErrorCode.COORDINATOR_NOT_AVAILABLE, 'no coordinator for this group');
    const self = opts.coordinatorFor ? opts.coordinatorFor(key) : opts.self();
    if (!self)
      return fail(
        ErrorCode.COORDINATOR_NOT_AVAILABLE,
        'no live broker coordinates this group yet (its __consumer_offsets partition has no leader); retry shortly',
      );
    return {
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      nodeId: self.nodeId,
      host: self.host,
      port: self.port,
    };
  };

  const fetchTopics = (topics: Api.OffsetFetchRequestTopic[] | null | undefined) =>
    topics == null
      ? null
      : topics.map((t) => ({ name: t.name ?? '', partitionIndexes: t.partitionIndexes ?? [] }));

  return {
    findCoordinator(req, ctx) {
      const keyType =
        ctx.apiVersion >= 1 ? (req.keyType ?? COORDINATOR_KEY_TYPE_GROUP) : COORDINATOR_KEY_TYPE_GROUP;
      if (ctx.apiVersion >= 4) {
        const coordinators = (req.coordinatorKeys ?? []).map((key) => ({ key, ...findOne(key, keyType) }));
        return {
          throttleTimeMs: 0,
          errorCode: 0,
          errorMessage: null,
          nodeId: -1,
          host: '',
          port: -1,
          coordinators,
        };
      }
      const one = findOne(req.key ?? '', keyType);
      return { throttleTimeMs: 0, ...one, coordinators: [] };
    },

    async joinGroup(req, ctx) {
      const v = ctx.apiVersion;
      const rebalanceTimeoutMs =
        v >= 1 && req.rebalanceTimeoutMs !== undefined && req.rebalanceTimeoutMs >= 0
          ? req.rebalanceTimeoutMs
          : req.sessionTimeoutMs;
      const r = await coordinator.joinGroup({
        groupId: req.groupId,
        memberId: req.memberId ?? '',
        groupInstanceId: v >= 5 ? (req.groupInstanceId ?? null) : null,
        requireKnownMemberId: v >= 4,
        clientId: ctx.clientId ?? '',
        clientHost: ctx.clientHost,
        rebalanceTimeoutMs,
        sessionTimeoutMs: req.sessionTimeoutMs,
        protocolType: req.protocolType ?? '',
        protocols: req.protocols ?? [],
      });
      return {
        throttleTimeMs: 0,
        errorCode: r.errorCode,
        generationId: r.generationId,
        protocolType: r.protocolType,
        // Before v7 the protocol name is not nullable.
        protocolName: v >= 7 ? r.protocolName : (r.protocolName ?? ''),
        leader: r.leader,
        skipAssignment: r.skipAssignment,
        memberId: r.memberId,
        members: r.members,
      };
    },

    async syncGroup(req, ctx) {
      const v = ctx.apiVersion;
      const r = await coordinator.syncGroup({
        groupId: req.groupId,
        generationId: req.generationId,
        memberId: req.memberId ?? '',
        groupInstanceId: v >= 3 ? (req.groupInstanceId ?? null) : null,
        protocolType: v >= 5 ? (req.protocolType ?? null) : null,
        protocolName: v >= 5 ? (req.protocolName ?? null) : null,
        assignments: req.assignments ?? [],
      });
      return { throttleTimeMs: 0, ...r };
    },

    heartbeat(req, ctx) {
      const errorCode = coordinator.heartbeat({
        groupId: req.groupId,
        generationId: req.generationId,
        memberId: req.memberId ?? '',
        groupInstanceId: ctx.apiVersion >= 3 ? (req.groupInstanceId ?? null) : null,
      });
      return { throttleTimeMs: 0, errorCode };
    },

    async leaveGroup(req, ctx) {
      const batched = ctx.apiVersion >= 3;
      const members = batched
        ? (req.members ?? []).map((m) => ({
            memberId: m.memberId ?? '',
            groupInstanceId: m.groupInstanceId ?? null,
          }))
        : [{ memberId: req.memberId ?? '', groupInstanceId: null }];
      const r = coordinator.leaveGroup({ groupId: req.groupId, members });
      // A leave that empties the group writes its new state: answer once that is stored, so an
      // acknowledged leave survives a crash (Kafka completes LeaveGroup after the append too).
      await coordinator.writesSettled(req.groupId);
      if (batched) return { throttleTimeMs: 0, errorCode: r.errorCode, members: r.members };
      const memberError = r.members.find((m) => m.errorCode !== ErrorCode.NONE)?.errorCode ?? ErrorCode.NONE;
      const errorCode = r.errorCode !== ErrorCode.NONE ? r.errorCode : memberError;
      return { throttleTimeMs: 0, errorCode, members: [] };
    },

    async offsetCommit(req, ctx) {
      const v = ctx.apiVersion;
      const topics = await coordinator.commitOffsets({
        groupId: req.groupId,
        generationId: req.generationIdOrMemberEpoch ?? -1,
        memberId: req.memberId ?? '',
        groupInstanceId: v >= 7 ? (req.groupInstanceId ?? null) : null,
        retentionTimeMs: v >= 2 && v <= 4 ? (req.retentionTimeMs ?? -1) : -1,
        topics: req.topics.map((t) => ({
          name: t.name,
          partitions: t.partitions.map((p) => ({
            partitionIndex: p.partitionIndex,
            committedOffset: p.committedOffset,
            committedLeaderEpoch: v >= 6 ? (p.committedLeaderEpoch ?? -1) : -1,
            committedMetadata: p.committedMetadata,
          })),
        })),
      });
      return { throttleTimeMs: 0, topics };
    },

    offsetFetch(req, ctx) {
      const v = ctx.apiVersion;
      if (v >= 8) {
        const groups = (req.groups ?? []).map((g) => {
          const groupId = g.groupId ?? '';
          const r = coordinator.fetchOffsets(groupId, fetchTopics(g.topics));
          return { groupId, topics: r.topics, errorCode: r.errorCode };
        });
        return { throttleTimeMs: 0, topics: [], errorCode: 0, groups };
      }
      const topics = fetchTopics(req.topics);
      const r: FetchResult = coordinator.fetchOffsets(req.groupId ?? '', v >= 2 ? topics : (topics ?? []));
      if (v < 2 && r.errorCode !== ErrorCode.NONE) {
        // v1 has no group-level error: every requested partition carries it.
        const failed = (topics ?? []).map((t) => ({
          name: t.name,
          partitions: t.partitionIndexes.map((partitionIndex) => ({
            partitionIndex,
            committedOffset: -1,
            committedLeaderEpoch: -1,
            metadata: '',
            errorCode: r.errorCode,
          })),
        }));
        return { throttleTimeMs: 0, topics: failed, errorCode: r.errorCode, groups: [] };
      }
      return { throttleTimeMs: 0, topics: r.topics, errorCode: r.errorCode, groups: [] };
    },

    listGroups(req, ctx) {
      const r = coordinator.listGroups(ctx.apiVersion >= 4 ? (req.statesFilter ?? []) : []);
      return { throttleTimeMs: 0, errorCode: r.errorCode, groups: r.groups };
    },

    describeGroups(req, ctx) {
      const withOps = ctx.apiVersion >= 3 && req.includeAuthorizedOperations === true;
      return {
        throttleTimeMs: 0,
        groups: (req.groups ?? []).map((groupId) => ({
          ...coordinator.describeGroup(groupId),
          authorizedOperations: withOps ? GROUP_OPERATIONS_ALL : AUTHORIZED_OPERATIONS_OMITTED,
        })),
      };
    },

    async deleteGroups(req) {
      const results = await coordinator.deleteGroups(req.groupsNames ?? []);
      return { throttleTimeMs: 0, results };
    },

    async offsetDelete(req) {
      const r = await coordinator.deleteOffsets(
        req.groupId,
        (req.topics ?? []).map((t) => ({
          name: t.name,
          partitions: t.partitions.map((p) => p.partitionIndex),
        })),
      );
      return { errorCode: r.errorCode, throttleTimeMs: 0, topics: r.topics };
    },
  };
}

/** The shape of the broker's ApiHandler (broker/request-context.ts), without importing it. */
export interface GroupApiHandler {
  apiKey: number;
  minVersion: number;
  maxVersion: number;
  // biome-ignore lint/suspicious/noExplicitAny: the decoded request's type is the codec's business.
  handle(req: any, ctx: GroupRequestContext): unknown;
}

/** Every group API with its key and versions, ready for the broker's dispatch table. */
export function groupApiHandlers(
  coordinator: GroupCoordinator,
  opts: GroupHandlerOptions,
): GroupApiHandler[] {
  const h = createGroupHandlers(coordinator, opts);
  return [
    { apiKey: 8, minVersion: 2, maxVersion: 8, handle: h.offsetCommit },
    { apiKey: 9, minVersion: 1, maxVersion: 8, handle: h.offsetFetch },
    { apiKey: 10, minVersion: 0, maxVersion: 4, handle: h.findCoordinator },
    { apiKey: 11, minVersion: 0, maxVersion: 7, handle: h.joinGroup },
    { apiKey: 12, minVersion: 0, maxVersion: 4, handle: h.heartbeat },
    { apiKey: 13, minVersion: 0, maxVersion: 4, handle: h.leaveGroup },
    { apiKey: 14, minVersion: 0, maxVersion: 5, handle: h.syncGroup },
    { apiKey: 15, minVersion: 0, maxVersion: 5, handle: h.describeGroups },
    { apiKey: 16, minVersion: 0, maxVersion: 4, handle: h.listGroups },
    { apiKey: 42, minVersion: 0, maxVersion: 2, handle: h.deleteGroups },
    { apiKey: 47, minVersion: 0, maxVersion: 0, handle: h.offsetDelete },
  ];
}
