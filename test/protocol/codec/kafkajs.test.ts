/**
 * Cross-check against a real client: kafkajs's own protocol encoders produce request frames
 * that Samsa decodes, and kafkajs's decoders parse the responses Samsa encodes (the versions
 * kafkajs 2.2.4 sends).
 */
import { createRequire } from 'node:module';
import t from 'tap';
import type { ImplementedApiKey, ResponseTypes } from '../../../protocol/apis/index.js';
import { concatChunks, decodeRequestFrame, encodeResponse } from '../../../protocol/framing.js';

const require = createRequire(import.meta.url);
// biome-ignore lint/suspicious/noExplicitAny: kafkajs internals are untyped
type Any = any;
const kjsRequest: (o: Any) => Promise<{ buffer: Buffer }> = require('kafkajs/src/protocol/request');
const kjs = (api: string, version: number, args: Any): { request: Any; response: Any } =>
  require(`kafkajs/src/protocol/requests/${api}`).protocol({ version })(args);

async function kafkajsFrame(api: string, version: number, args: Any): Promise<Buffer> {
  const { request } = kjs(api, version, args);
  const enc = await kjsRequest({ correlationId: 17, clientId: 'kafkajs-test', request });
  const buf = enc.buffer;
  return buf.subarray(4);
}

async function kafkajsParses<K extends ImplementedApiKey>(
  api: string,
  version: number,
  args: Any,
  apiKey: K,
  body: ResponseTypes[K],
): Promise<Any> {
  const { response } = kjs(api, version, args);
  const frame = concatChunks(encodeResponse(apiKey, version, 17, body));
  const payload = frame.subarray(8); // size and correlation id (response header v0)
  return response.parse(await response.decode(payload));
}

t.test('ApiVersions v2', async (t) => {
  const { header, body } = decodeRequestFrame(await kafkajsFrame('apiVersions', 2, {}));
  t.same(
    [header.apiKey, header.apiVersion, header.correlationId, header.clientId],
    [18, 2, 17, 'kafkajs-test'],
  );
  t.same(body, { clientSoftwareName: '', clientSoftwareVersion: '' });
  const parsed = await kafkajsParses('apiVersions', 2, {}, 18, {
    errorCode: 0,
    apiKeys: [{ apiKey: 0, minVersion: 0, maxVersion: 7 }],
    throttleTimeMs: 0,
  });
  t.same(parsed.apiVersions, [{ apiKey: 0, minVersion: 0, maxVersion: 7 }]);
});

t.test('Metadata v6', async (t) => {
  const { body } = decodeRequestFrame(
    await kafkajsFrame('metadata', 6, { topics: ['a', 'b'], allowAutoTopicCreation: false }),
  );
  t.same(body, {
    topics: [{ name: 'a' }, { name: 'b' }],
    allowAutoTopicCreation: false,
    includeClusterAuthorizedOperations: false,
    includeTopicAuthorizedOperations: false,
  });
  const parsed = await kafkajsParses('metadata', 6, { topics: [] }, 3, {
    throttleTimeMs: 0,
    brokers: [{ nodeId: 1, host: '127.0.0.1', port: 9092, rack: null }],
    clusterId: 'cluster-x',
    controllerId: 1,
    topics: [
      {
        errorCode: 0,
        name: 'a',
        isInternal: false,
        partitions: [
          {
            errorCode: 0,
            partitionIndex: 0,
            leaderId: 1,
            leaderEpoch: 0,
            replicaNodes: [1],
            isrNodes: [1],
            offlineReplicas: [],
          },
        ],
      },
    ],
  });
  t.equal(parsed.clusterId, 'cluster-x');
  t.same(parsed.brokers, [{ nodeId: 1, host: '127.0.0.1', port: 9092, rack: null }]);
  t.equal(parsed.topicMetadata[0].topic, 'a');
  t.same(parsed.topicMetadata[0].partitionMetadata[0].replicas, [1]);
});

t.test('Produce v7 with a kafkajs record batch', async (t) => {
  const args = {
    acks: -1,
    timeout: 30000,
    topicData: [
      {
        topic: 'orders',
        partitions: [{ partition: 1, messages: [{ key: 'k', value: 'v', timestamp: 1700000000000 }] }],
      },
    ],
  };
  const frame = await kafkajsFrame('produce', 7, args);
  const { header, body } = decodeRequestFrame(frame);
  t.same([header.apiKey, header.apiVersion], [0, 7]);
  const b = body as ResponseTypes[0] & Any;
  t.equal(b.transactionalId, null);
  t.equal(b.acks, -1);
  t.equal(b.timeoutMs, 30000);
  const records: Buffer = b.topicData[0].partitionData[0].records;
  t.equal(b.topicData[0].name, 'orders');
  t.equal(b.topicData[0].partitionData[0].index, 1);
  t.equal(records.readInt32BE(8) + 12, records.length, 'a whole RecordBatch v2');
  t.equal(records[16], 2, 'magic 2');
  t.equal(records.buffer, frame.buffer, 'zero-copy');
  const parsed = await kafkajsParses('produce', 7, args, 0, {
    responses: [
      {
        name: 'orders',
        partitionResponses: [
          { index: 1, errorCode: 0, baseOffset: 41, logAppendTimeMs: -1, logStartOffset: 0 },
        ],
      },
    ],
    throttleTimeMs: 0,
  });
  t.equal(parsed.topics[0].partitions[0].baseOffset, '41');
});

t.test('Fetch v11', async (t) => {
  const args = {
    maxWaitTime: 500,
    minBytes: 1,
    maxBytes: 1048576,
    topics: [{ topic: 'orders', partitions: [{ partition: 0, fetchOffset: '12', maxBytes: 1024 }] }],
    rackId: 'r1',
  };
  const { body } = decodeRequestFrame(await kafkajsFrame('fetch', 11, args));
  t.same(body, {
    replicaId: -1,
    maxWaitMs: 500,
    minBytes: 1,
    maxBytes: 1048576,
    isolationLevel: 1,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [
      {
        topic: 'orders',
        partitions: [
          {
            partition: 0,
            currentLeaderEpoch: -1,
            fetchOffset: 12,
            lastFetchedEpoch: -1,
            logStartOffset: -1,
            partitionMaxBytes: 1024,
          },
        ],
      },
    ],
    forgottenTopicsData: [],
    rackId: 'r1',
    clusterId: null,
  });
  const parsed = await kafkajsParses('fetch', 11, args, 1, {
    throttleTimeMs: 0,
    errorCode: 0,
    sessionId: 0,
    responses: [
      {
        topic: 'orders',
        partitions: [
          {
            partitionIndex: 0,
            errorCode: 0,
            highWatermark: 12,
            lastStableOffset: 12,
            logStartOffset: 0,
            abortedTransactions: [],
            preferredReadReplica: -1,
            records: Buffer.alloc(0),
          },
        ],
      },
    ],
  });
  t.equal(parsed.responses[0].topicName, 'orders');
  t.equal(parsed.responses[0].partitions[0].highWatermark, '12');
});

t.test('ListOffsets v3, CreateTopics v3, DeleteTopics v1', async (t) => {
  const lo = decodeRequestFrame(
    await kafkajsFrame('listOffsets', 3, {
      topics: [{ topic: 't', partitions: [{ partition: 0, timestamp: -2 }] }],
    }),
  );
  t.same(lo.body, {
    replicaId: -1,
    isolationLevel: 1,
    topics: [{ name: 't', partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -2 }] }],
  });

  const ct = decodeRequestFrame(
    await kafkajsFrame('createTopics', 3, {
      topics: [
        {
          topic: 'n',
          numPartitions: 3,
          replicationFactor: 1,
          configEntries: [{ name: 'retention.ms', value: '1000' }],
        },
      ],
      validateOnly: true,
      timeout: 5000,
    }),
  );
  t.same(ct.body, {
    topics: [
      {
        name: 'n',
        numPartitions: 3,
        replicationFactor: 1,
        assignments: [],
        configs: [{ name: 'retention.ms', value: '1000' }],
      },
    ],
    timeoutMs: 5000,
    validateOnly: true,
  });
  const dt = decodeRequestFrame(await kafkajsFrame('deleteTopics', 1, { topics: ['x', 'y'], timeout: 100 }));
  t.same(dt.body, { topics: [], topicNames: ['x', 'y'], timeoutMs: 100 });
});

t.test(
  'group APIs: FindCoordinator v2, JoinGroup v5, SyncGroup v3, Heartbeat v3, LeaveGroup v3, OffsetCommit v5, OffsetFetch v4',
  async (t) => {
    const fc = decodeRequestFrame(await kafkajsFrame('findCoordinator', 2, { groupId: 'g' }));
    t.same(fc.body, { key: 'g', keyType: 0, coordinatorKeys: [] });
    const jg = decodeRequestFrame(
      await kafkajsFrame('joinGroup', 5, {
        groupId: 'g',
        sessionTimeout: 30000,
        rebalanceTimeout: 60000,
        memberId: '',
        groupInstanceId: null,
        protocolType: 'consumer',
        groupProtocols: [{ name: 'RoundRobinAssigner', metadata: Buffer.from([1, 2, 3]) }],
      }),
    );
    t.same(jg.body, {
      groupId: 'g',
      sessionTimeoutMs: 30000,
      rebalanceTimeoutMs: 60000,
      memberId: '',
      groupInstanceId: null,
      protocolType: 'consumer',
      protocols: [{ name: 'RoundRobinAssigner', metadata: Buffer.from([1, 2, 3]) }],
    });
    const sg = decodeRequestFrame(
      await kafkajsFrame('syncGroup', 3, {
        groupId: 'g',
        generationId: 4,
        memberId: 'm',
        groupAssignment: [{ memberId: 'm', memberAssignment: Buffer.from([9]) }],
      }),
    );
    t.same(sg.body, {
      groupId: 'g',
      generationId: 4,
      memberId: 'm',
      groupInstanceId: null,
      protocolType: null,
      protocolName: null,
      assignments: [{ memberId: 'm', assignment: Buffer.from([9]) }],
    });
    const hb = decodeRequestFrame(
      await kafkajsFrame('heartbeat', 3, { groupId: 'g', groupGenerationId: 4, memberId: 'm' }),
    );
    t.same(hb.body, { groupId: 'g', generationId: 4, memberId: 'm', groupInstanceId: null });
    const lg = decodeRequestFrame(await kafkajsFrame('leaveGroup', 3, { groupId: 'g', memberId: 'm' }));
    t.same(lg.body, { groupId: 'g', memberId: '', members: [{ memberId: 'm', groupInstanceId: null }] });
    const oc = decodeRequestFrame(
      await kafkajsFrame('offsetCommit', 5, {
        groupId: 'g',
        groupGenerationId: 4,
        memberId: 'm',
        topics: [{ topic: 't', partitions: [{ partition: 0, offset: '100' }] }],
      }),
    );
    t.same(oc.body, {
      groupId: 'g',
      generationIdOrMemberEpoch: 4,
      memberId: 'm',
      groupInstanceId: null,
      retentionTimeMs: -1,
      topics: [
        {
          name: 't',
          partitions: [
            { partitionIndex: 0, committedOffset: 100, committedLeaderEpoch: -1, committedMetadata: null },
          ],
        },
      ],
    });
    const of = decodeRequestFrame(
      await kafkajsFrame('offsetFetch', 4, {
        groupId: 'g',
        topics: [{ topic: 't', partitions: [{ partition: 0 }] }],
      }),
    );
    t.same(of.body, {
      groupId: 'g',
      topics: [{ name: 't', partitionIndexes: [0] }],
      groups: [],
      requireStable: false,
    });

    const parsed = await kafkajsParses('joinGroup', 5, { groupId: 'g', memberId: '' }, 11, {
      throttleTimeMs: 0,
      errorCode: 0,
      generationId: 1,
      protocolType: 'consumer',
      protocolName: 'RoundRobinAssigner',
      leader: 'm1',
      memberId: 'm1',
      members: [{ memberId: 'm1', groupInstanceId: null, metadata: Buffer.from([1]) }],
    });
    t.equal(parsed.leaderId, 'm1');
    t.equal(parsed.groupProtocol, 'RoundRobinAssigner');
    t.same(parsed.members[0].memberMetadata, Buffer.from([1]));
  },
);
