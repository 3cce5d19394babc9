/**
 * The group handlers through the real codec: every version of every group API is encoded as a
 * client would, decoded as the broker does, answered, and the answer encoded and decoded
 * again. Catches responses a version cannot carry (a null where the field is not nullable…).
 */
import t from 'tap';
import { groupApiHandlers } from '../../../broker/group/handlers.js';
import type { ImplementedApiKey } from '../../../protocol/apis/index.js';
import { ErrorCode as E } from '../../../protocol/error-codes.js';
import {
  concatChunks,
  decodeRequest,
  decodeRequestHeader,
  decodeResponse,
  encodeRequest,
  encodeResponse,
} from '../../../protocol/framing.js';
import { flush, setup, subscription } from './fixtures/harness.js';

// biome-ignore lint/suspicious/noExplicitAny: bodies are checked by the codec, not by TypeScript, here.
type Body = any;

async function wire() {
  const h = await setup({ config: { initialRebalanceDelayMs: 0 } });
  const handlers = new Map(
    groupApiHandlers(h.coordinator, { self: () => ({ nodeId: 1, host: 'localhost', port: 9092 }) }).map(
      (x) => [x.apiKey, x],
    ),
  );
  const call = async (apiKey: number, version: number, body: Body): Promise<Body> => {
    const key = apiKey as ImplementedApiKey;
    const frame = concatChunks(encodeRequest(key, version, 7, 'wire-client', body as never)).subarray(4);
    const header = decodeRequestHeader(frame);
    const req = decodeRequest(key, version, frame, header.bodyOffset);
    const handler = handlers.get(apiKey)!;
    const pending = Promise.resolve(
      handler.handle(req, { apiVersion: version, clientId: header.clientId, clientHost: '/127.0.0.1' }),
    );
    // JoinGroup waits for the (zero) initial delay.
    h.clock.advance(0);
    await flush();
    const res = await pending;
    const out = concatChunks(encodeResponse(key, version, 7, res as never)).subarray(4);
    const decoded = decodeResponse(key, version, out);
    t.equal(decoded.correlationId, 7);
    return decoded.body;
  };
  return { h, call };
}

const protocols = [{ name: 'range', metadata: subscription(['t1']) }];

t.test('a whole group life cycle at every JoinGroup version', async (t) => {
  for (let v = 0; v <= 7; v++) {
    const { call } = await wire();
    const groupId = `g-v${v}`;
    const find = await call(10, Math.min(v, 3), { key: groupId, keyType: 0 });
    t.equal(find.errorCode, 0);
    t.equal(find.port, 9092);

    const joinBody = {
      groupId,
      sessionTimeoutMs: 10_000,
      rebalanceTimeoutMs: 20_000,
      memberId: '',
      groupInstanceId: null,
      protocolType: 'consumer',
      protocols,
    };
    let j = await call(11, v, joinBody);
    if (v >= 4) {
      t.equal(j.errorCode, E.MEMBER_ID_REQUIRED, `v${v} asks for a member id`);
      j = await call(11, v, { ...joinBody, memberId: j.memberId });
    }
    t.equal(j.errorCode, 0, `join v${v}`);
    t.equal(j.leader, j.memberId);
    t.equal(j.protocolName, 'range');
    t.equal(j.members.length, 1);

    const sv = Math.min(v, 5);
    const s = await call(14, sv, {
      groupId,
      generationId: j.generationId,
      memberId: j.memberId,
      groupInstanceId: null,
      protocolType: 'consumer',
      protocolName: 'range',
      assignments: [{ memberId: j.memberId, assignment: Buffer.from('assigned') }],
    });
    t.equal(s.errorCode, 0, `sync v${sv}`);
    t.equal(Buffer.from(s.assignment).toString(), 'assigned');

    const hb = await call(12, Math.min(v, 4), {
      groupId,
      generationId: j.generationId,
      memberId: j.memberId,
      groupInstanceId: null,
    });
    t.equal(hb.errorCode, 0);

    const cv = Math.max(2, Math.min(v + 1, 8));
    const commit = await call(8, cv, {
      groupId,
      generationIdOrMemberEpoch: j.generationId,
      memberId: j.memberId,
      groupInstanceId: null,
      retentionTimeMs: -1,
      topics: [
        {
          name: 't1',
          partitions: [
            { partitionIndex: 2, committedOffset: 33, committedLeaderEpoch: 1, committedMetadata: null },
          ],
        },
      ],
    });
    t.equal(commit.topics[0].partitions[0].errorCode, 0, `commit v${cv}`);

    const fv = Math.max(1, Math.min(v + 1, 7));
    const fetched = await call(9, fv, {
      groupId,
      topics: [{ name: 't1', partitionIndexes: [2] }],
      requireStable: false,
    });
    t.equal(fetched.topics[0].partitions[0].committedOffset, 33, `fetch v${fv}`);

    const described = await call(15, Math.min(v, 5), {
      groups: [groupId],
      includeAuthorizedOperations: true,
    });
    t.equal(described.groups[0].groupState, 'Stable');
    t.equal(Buffer.from(described.groups[0].members[0].memberAssignment).toString(), 'assigned');

    const listed = await call(16, Math.min(v, 4), { statesFilter: [] });
    t.same(
      listed.groups.map((g: Body) => g.groupId),
      [groupId],
    );

    const lv = Math.min(v, 4);
    const leave = await call(
      13,
      lv,
      lv >= 3
        ? { groupId, members: [{ memberId: j.memberId, groupInstanceId: null }] }
        : { groupId, memberId: j.memberId },
    );
    t.equal(leave.errorCode, 0, `leave v${lv}`);

    const od = await call(47, 0, { groupId, topics: [{ name: 't1', partitions: [{ partitionIndex: 2 }] }] });
    t.equal(od.errorCode, 0);
    const del = await call(42, Math.min(v, 2), { groupsNames: [groupId] });
    t.same(
      del.results.map((r: Body) => [r.groupId, r.errorCode]),
      [[groupId, 0]],
    );
  }
});

t.test('error answers encode at every version', async (t) => {
  const { call } = await wire();
  for (let v = 0; v <= 7; v++) {
    const r = await call(11, v, {
      groupId: 'e',
      sessionTimeoutMs: 1,
      rebalanceTimeoutMs: 1,
      memberId: 'x',
      groupInstanceId: null,
      protocolType: 'consumer',
      protocols,
    });
    t.equal(r.errorCode, E.INVALID_SESSION_TIMEOUT, `join v${v}`);
  }
  for (let v = 0; v <= 5; v++) {
    const r = await call(14, v, {
      groupId: 'e',
      generationId: 1,
      memberId: 'x',
      groupInstanceId: null,
      protocolType: null,
      protocolName: null,
      assignments: [],
    });
    t.equal(r.errorCode, E.UNKNOWN_MEMBER_ID, `sync v${v}`);
  }
  for (let v = 0; v <= 4; v++) {
    const r = await call(10, v, v >= 4 ? { keyType: 1, coordinatorKeys: ['tx'] } : { key: 'tx', keyType: 1 });
    const code = v >= 4 ? r.coordinators[0].errorCode : r.errorCode;
    t.equal(code, v >= 1 ? E.COORDINATOR_NOT_AVAILABLE : 0, `find coordinator v${v}`);
  }
  const v8 = await call(9, 8, {
    groups: [{ groupId: 'nobody', topics: [{ name: 't1', partitionIndexes: [0] }] }],
    requireStable: true,
  });
  t.equal(v8.groups[0].topics[0].partitions[0].committedOffset, -1);
  const v1 = await call(9, 1, { groupId: 'nobody', topics: [{ name: 't1', partitionIndexes: [0] }] });
  t.equal(v1.topics[0].partitions[0].committedOffset, -1);
  for (let v = 0; v <= 5; v++) {
    const d = await call(15, v, { groups: ['nobody'], includeAuthorizedOperations: false });
    t.equal(d.groups[0].groupState, 'Dead');
  }
  const leave = await call(13, 4, { groupId: '', members: [{ memberId: 'm', groupInstanceId: 'i' }] });
  t.equal(leave.errorCode, E.INVALID_GROUP_ID);
});
