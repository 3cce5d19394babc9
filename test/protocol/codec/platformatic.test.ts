/**
 * Cross-check against a real client that uses flexible versions: @platformatic/kafka's request
 * writers produce bodies that Samsa decodes and re-encodes byte for byte, and its response
 * parsers read what Samsa encodes.
 */
import * as plt from '@platformatic/kafka';
import t from 'tap';
import type { ImplementedApiKey, ResponseTypes } from '../../../protocol/apis/index.js';
import {
  concatChunks,
  decodeRequest,
  encodeRequest,
  encodeResponse,
  requestHeaderVersion,
  responseHeaderVersion,
} from '../../../protocol/framing.js';

// biome-ignore lint/suspicious/noExplicitAny: the client's API modules are used generically
type Any = any;
const p = plt as Any;
const uuid = '0123456789abcdef0123456789abcdef';

const requests: [string, Any, number, number, Any[]][] = [
  ['ApiVersions v3', p.apiVersionsV3, 18, 3, ['@platformatic/kafka', '1.35.0']],
  ['Metadata v9', p.metadataV9, 3, 9, [['a', 'b'], true, false]],
  [
    'Produce v7',
    p.produceV7,
    0,
    7,
    [
      -1,
      5000,
      [
        {
          topic: 't',
          partition: 2,
          key: Buffer.from('k'),
          value: Buffer.from('v'),
          timestamp: 1700000000000n,
        },
      ],
    ],
  ],
  [
    'Fetch v12',
    p.fetchV12,
    1,
    12,
    [
      500,
      1,
      1048576,
      1,
      0,
      -1,
      [
        {
          topicId: 'orders',
          partitions: [
            {
              partition: 0,
              currentLeaderEpoch: -1,
              fetchOffset: 42n,
              lastFetchedEpoch: -1,
              partitionMaxBytes: 1024,
            },
          ],
        },
      ],
      [],
      'rack',
    ],
  ],
  [
    'ListOffsets v5',
    p.listOffsetsV5,
    2,
    5,
    [-1, 1, [{ name: 't', partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1n }] }]],
  ],
  [
    'CreateTopics v7',
    p.createTopicsV7,
    19,
    7,
    [
      [
        {
          name: 'n',
          numPartitions: 3,
          replicationFactor: 1,
          assignments: [{ partitionIndex: 0, brokerIds: [1] }],
          configs: [{ name: 'cleanup.policy', value: 'compact' }],
        },
      ],
      5000,
      false,
    ],
  ],
  ['DeleteTopics v6', p.deleteTopicsV6, 20, 6, [[{ name: 'x', topicId: uuid }], 1000]],
  ['FindCoordinator v4', p.findCoordinatorV4, 10, 4, [0, ['g1', 'g2']]],
  [
    'OffsetFetch v8',
    p.offsetFetchV8,
    9,
    8,
    [[{ groupId: 'g', topics: [{ name: 't', partitionIndexes: [0, 1] }] }], true],
  ],
  [
    'OffsetCommit v8',
    p.offsetCommitV8,
    8,
    8,
    [
      'g',
      3,
      'm',
      null,
      [
        {
          name: 't',
          partitions: [
            { partitionIndex: 0, committedOffset: 10n, committedLeaderEpoch: -1, committedMetadata: null },
          ],
        },
      ],
    ],
  ],
  [
    'JoinGroup v6',
    p.joinGroupV6,
    11,
    6,
    ['g', 30000, 60000, '', null, 'consumer', [{ name: 'roundrobin', metadata: Buffer.from([1]) }]],
  ],
  ['Heartbeat v4', p.heartbeatV4, 12, 4, ['g', 3, 'm', 'inst']],
  [
    'SyncGroup v4',
    p.syncGroupV4,
    14,
    4,
    ['g', 3, 'm', null, 'consumer', 'roundrobin', [{ memberId: 'm', assignment: Buffer.from([7]) }]],
  ],
  ['LeaveGroup v4', p.leaveGroupV4, 13, 4, ['g', [{ memberId: 'm', groupInstanceId: null }]]],
  ['InitProducerId v4', p.initProducerIdV4, 22, 4, [null, 60000, -1n, -1]],
  [
    'CreatePartitions v3',
    p.createPartitionsV3,
    37,
    3,
    [[{ name: 't', count: 4, assignments: [{ brokerIds: [1] }] }], 1000, true],
  ],
  [
    'DescribeConfigs v4',
    p.describeConfigsV4,
    32,
    4,
    [[{ resourceType: 2, resourceName: 't', configurationKeys: ['retention.ms'] }], true, false],
  ],
  ['DeleteGroups v2', p.deleteGroupsV2, 42, 2, [['g']]],
  ['DescribeCluster v1', p.describeClusterV1, 60, 1, [false, 1]],
  ['ListGroups v4', p.listGroupsV4, 16, 4, [['STABLE']]],
  ['DescribeGroups v5', p.describeGroupsV5, 15, 5, [['g'], true]],
  ['DescribeLogDirs v4', p.describeLogDirsV4, 35, 4, [[{ name: 't', partitions: [0, 2] }]]],
];

t.test('request bodies written by @platformatic/kafka decode and re-encode identically', async (t) => {
  for (const [name, mod, apiKey, version, args] of requests) {
    const body: Buffer = mod.createRequest(...args).buffer;
    const decoded = decodeRequest(apiKey as ImplementedApiKey, version, body, 0);
    const frame = concatChunks(encodeRequest(apiKey as ImplementedApiKey, version, 1, null, decoded));
    const headerBytes = 4 + 8 + 2 + (requestHeaderVersion(apiKey, version) === 2 ? 1 : 0);
    t.ok(frame.subarray(headerBytes).equals(body), name);
  }
});

t.test('decoded values from @platformatic/kafka', async (t) => {
  const dec = (i: number) => {
    const [, mod, apiKey, version, args] = requests[i]!;
    return decodeRequest(apiKey as ImplementedApiKey, version, mod.createRequest(...args).buffer, 0) as Any;
  };
  t.same(dec(0), { clientSoftwareName: '@platformatic/kafka', clientSoftwareVersion: '1.35.0' });
  t.same(dec(1).topics, [{ name: 'a' }, { name: 'b' }]);
  t.equal(dec(3).topics[0].topic, 'orders');
  t.equal(dec(3).topics[0].partitions[0].fetchOffset, 42);
  t.equal(dec(3).rackId, 'rack');
  t.same(dec(6).topics, [{ name: 'x', topicId: uuid }]);
  t.same(dec(7).coordinatorKeys, ['g1', 'g2']);
  t.same(dec(8).groups, [{ groupId: 'g', topics: [{ name: 't', partitionIndexes: [0, 1] }] }]);
  t.same(dec(requests.length - 1).topics, [{ topic: 't', partitions: [0, 2] }], 'DescribeLogDirs v4');
  t.equal(dec(8).requireStable, true);
  const produce = dec(2);
  t.equal(produce.topicData[0].partitionData[0].index, 2);
  t.equal(produce.topicData[0].partitionData[0].records[16], 2, 'record batch magic 2');
});

async function parses<K extends ImplementedApiKey>(
  mod: Any,
  apiKey: K,
  version: number,
  body: ResponseTypes[K],
): Promise<Any> {
  const frame = concatChunks(encodeResponse(apiKey, version, 5, body));
  const headerBytes = 8 + (responseHeaderVersion(apiKey, version) === 1 ? 1 : 0);
  return mod.parseResponse(5, apiKey, version, p.Reader.from(frame.subarray(headerBytes)));
}

t.test('responses encoded by Samsa parse in @platformatic/kafka', async (t) => {
  const av = await parses(p.apiVersionsV3, 18, 3, {
    errorCode: 0,
    apiKeys: [
      { apiKey: 0, minVersion: 0, maxVersion: 9 },
      { apiKey: 3, minVersion: 0, maxVersion: 9 },
    ],
    throttleTimeMs: 0,
  });
  t.same(
    av.apiKeys.map((a: Any) => [a.apiKey, a.minVersion, a.maxVersion]),
    [
      [0, 0, 9],
      [3, 0, 9],
    ],
  );

  const md = await parses(p.metadataV9, 3, 9, {
    throttleTimeMs: 0,
    brokers: [{ nodeId: 1, host: 'localhost', port: 9092, rack: null }],
    clusterId: 'c1',
    controllerId: 1,
    topics: [
      {
        errorCode: 0,
        name: 'orders',
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
        topicAuthorizedOperations: -2147483648,
      },
    ],
    clusterAuthorizedOperations: -2147483648,
  });
  t.equal(md.clusterId, 'c1');
  t.equal(md.topics[0].name, 'orders');
  t.same(md.topics[0].partitions[0].replicaNodes, [1]);

  const fetch = await parses(p.fetchV12, 1, 12, {
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
            highWatermark: 100,
            lastStableOffset: 100,
            logStartOffset: 0,
            abortedTransactions: null,
            preferredReadReplica: -1,
            records: null,
          },
        ],
      },
    ],
  });
  t.equal(fetch.responses[0].partitions[0].highWatermark, 100n);

  const fc = await parses(p.findCoordinatorV4, 10, 4, {
    throttleTimeMs: 0,
    coordinators: [{ key: 'g', nodeId: 1, host: 'h', port: 9092, errorCode: 0, errorMessage: null }],
  });
  t.same(fc.coordinators[0].key, 'g');
  t.same(fc.coordinators[0].nodeId, 1);

  const of = await parses(p.offsetFetchV8, 9, 8, {
    throttleTimeMs: 0,
    groups: [
      {
        groupId: 'g',
        topics: [
          {
            name: 't',
            partitions: [
              { partitionIndex: 0, committedOffset: 7, committedLeaderEpoch: -1, metadata: '', errorCode: 0 },
            ],
          },
        ],
        errorCode: 0,
      },
    ],
  });
  t.equal(of.groups[0].topics[0].partitions[0].committedOffset, 7n);

  const pr = await parses(p.produceV7, 0, 7, {
    responses: [
      {
        name: 't',
        partitionResponses: [
          { index: 2, errorCode: 0, baseOffset: 99, logAppendTimeMs: -1, logStartOffset: 0 },
        ],
      },
    ],
    throttleTimeMs: 0,
  });
  t.equal(pr.responses[0].partitionResponses[0].baseOffset, 99n);

  const ld = await parses(p.describeLogDirsV4, 35, 4, {
    throttleTimeMs: 0,
    errorCode: 0,
    results: [
      {
        errorCode: 0,
        logDir: '/var/lib/samsa',
        topics: [
          {
            name: 't',
            partitions: [{ partitionIndex: 2, partitionSize: 4096, offsetLag: 0, isFutureKey: false }],
          },
        ],
        totalBytes: 2 ** 40,
        usableBytes: 2 ** 39,
      },
    ],
  });
  t.same(ld.results[0].topics[0].partitions[0], {
    partitionIndex: 2,
    partitionSize: 4096n,
    offsetLag: 0n,
    isFutureKey: false,
  });
  t.same(
    [ld.results[0].logDir, ld.results[0].totalBytes, ld.results[0].usableBytes],
    ['/var/lib/samsa', 2n ** 40n, 2n ** 39n],
  );
});
