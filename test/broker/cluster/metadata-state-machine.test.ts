import t from 'tap';
import { encodeMetadataRecord, type MetadataEntry } from '../../../broker/cluster/metadata-records.js';
import { MetadataStateMachine, resultsMax } from '../../../broker/cluster/metadata-state-machine.js';
import { ErrorCode as E } from '../../../protocol/error-codes.js';
import { registerBroker } from './fixtures.js';

/** Feeds entries to a state machine at consecutive Raft indexes. */
function driver(sm = new MetadataStateMachine()) {
  let index = 0;
  return {
    sm,
    apply(e: MetadataEntry) {
      sm.apply({ index: ++index, data: encodeMetadataRecord(e) });
      return index;
    },
    applyRaw(data: Uint8Array) {
      sm.apply({ index: ++index, data });
      return index;
    },
  };
}

function threeBrokers() {
  const d = driver();
  for (const id of [1, 2, 3]) {
    const at = d.apply(registerBroker(id, -1));
    d.apply({ type: 'broker-ready', requestId: `ready-${id}`, brokerId: id, brokerEpoch: at });
  }
  return d;
}

t.test('a registration proposed with epoch -1 gets its log offset as the broker epoch', async (t) => {
  const d = driver();
  d.apply(registerBroker(1, -1));
  const at = d.apply(registerBroker(2, -1));
  t.equal(d.sm.image.brokers.get(2)?.brokerEpoch, at);
  t.equal(d.sm.image.brokers.get(2)?.fenced, true);
  d.apply({ type: 'broker-ready', requestId: 'r', brokerId: 2, brokerEpoch: at - 1 });
  t.same(d.sm.resultOf('r')?.errorCode, E.STALE_BROKER_EPOCH);
  d.apply({ type: 'broker-ready', requestId: 'r2', brokerId: 2, brokerEpoch: at });
  t.same(d.sm.image.liveBrokerIds(), [2]);
});

t.test('requests are decided at apply time, answered by id, and not applied twice', async (t) => {
  const d = threeBrokers();
  const events: string[] = [];
  d.sm.onApplied((e) => events.push(`${e.offset}:${e.records.length}`));
  const create = {
    type: 'create-topic',
    requestId: 'c1',
    name: 'orders',
    topicId: 'a'.repeat(32),
    partitions: 3,
    replicationFactor: 3,
    configs: { 'min.insync.replicas': '2' },
  } as const;
  const at = d.apply(create);
  t.same(d.sm.resultOf('c1'), { offset: at, errorCode: 0, message: null });
  t.equal(d.sm.image.topics.get('orders')?.partitions.length, 3);
  t.equal(d.sm.image.topics.get('orders')?.configs.get('min.insync.replicas'), '2');
  t.same(events, [`${at}:5`], 'topic + 3 partitions + 1 config');

  d.apply(create);
  t.same(d.sm.resultOf('c1'), { offset: at, errorCode: 0, message: null }, 'the retry gets the first answer');
  d.apply({ ...create, requestId: 'c2' });
  t.equal(d.sm.resultOf('c2')?.errorCode, E.TOPIC_ALREADY_EXISTS);
  d.apply({ ...create, requestId: 'c3', name: 'big', replicationFactor: 4 });
  t.equal(d.sm.resultOf('c3')?.errorCode, E.INVALID_REPLICATION_FACTOR);
  t.match(d.sm.resultOf('c3')?.message, /more than the 3 live broker/);

  d.apply({ type: 'create-partitions', requestId: 'p1', topic: 'orders', count: 5 });
  t.equal(d.sm.image.topics.get('orders')?.partitions.length, 5);
  t.equal(d.sm.image.partition('orders', 4)?.replicas.length, 3);
  d.apply({ type: 'create-partitions', requestId: 'p2', topic: 'orders', count: 2 });
  t.equal(d.sm.resultOf('p2')?.errorCode, E.INVALID_PARTITIONS);

  d.apply({
    type: 'alter-topic-configs',
    requestId: 'a1',
    topic: 'orders',
    configs: { 'min.insync.replicas': null, 'retention.ms': '1000' },
  });
  t.same([...(d.sm.image.topics.get('orders')?.configs ?? [])], [['retention.ms', '1000']]);

  d.apply({ type: 'delete-topic', requestId: 'd1', name: 'orders' });
  t.notOk(d.sm.image.topics.has('orders'));
  d.apply({ type: 'delete-topic', requestId: 'd2', name: 'orders' });
  t.equal(d.sm.resultOf('d2')?.errorCode, E.UNKNOWN_TOPIC_OR_PARTITION);
});

t.test('a broker session expiring moves its leaderships; preferred leaders come back', async (t) => {
  const d = threeBrokers();
  d.apply({
    type: 'create-topic',
    requestId: 'c',
    name: 't',
    topicId: 'b'.repeat(32),
    partitions: 3,
    replicationFactor: 3,
    configs: {},
  });
  const led = [0, 1, 2].filter((p) => d.sm.image.partition('t', p)?.leader === 2);
  t.equal(led.length, 1);
  const epoch2 = d.sm.image.brokers.get(2)!.brokerEpoch;
  d.apply({ type: 'broker-session-expired', requestId: 'x', brokerId: 2, brokerEpoch: epoch2 });
  for (let p = 0; p < 3; p++) {
    t.not(d.sm.image.partition('t', p)?.leader, 2);
    t.notOk(d.sm.image.partition('t', p)?.isr.includes(2));
  }
  d.apply({ type: 'broker-ready', requestId: 'y', brokerId: 2, brokerEpoch: epoch2 });
  const p = led[0]!;
  const s = structuredClone(d.sm.image.partition('t', p)!);
  d.apply({
    type: 'alter-partition',
    requestId: 'z',
    brokerId: s.leader,
    topic: 't',
    partition: p,
    leaderEpoch: s.leaderEpoch,
    partitionEpoch: s.partitionEpoch,
    isr: [...s.isr, 2],
  });
  t.equal(d.sm.resultOf('z')?.errorCode, 0);
  d.apply({
    type: 'alter-partition',
    requestId: 'z2',
    brokerId: s.leader,
    topic: 't',
    partition: p,
    leaderEpoch: s.leaderEpoch,
    partitionEpoch: s.partitionEpoch,
    isr: [s.leader],
  });
  t.equal(d.sm.resultOf('z2')?.errorCode, E.INVALID_UPDATE_VERSION, 'stale partition epoch');
  d.apply({ type: 'elect-preferred-leaders', requestId: 'e' });
  t.equal(d.sm.image.partition('t', p)?.leader, 2);
});

t.test('snapshot and restore carry the image and the outcomes; corrupt entries are skipped', async (t) => {
  const warnings: string[] = [];
  const d = driver(new MetadataStateMachine({ warn: (_o, msg) => warnings.push(msg) }));
  d.apply(registerBroker(1, -1));
  d.apply({ type: 'broker-ready', requestId: 'r', brokerId: 1, brokerEpoch: 1 });
  d.apply({
    type: 'create-topic',
    requestId: 'c',
    name: 't',
    topicId: 'c'.repeat(32),
    partitions: 2,
    replicationFactor: 1,
    configs: {},
  });
  const bad = d.applyRaw(Buffer.from([0x92, 0x01]));
  t.same(warnings, ['metadata log entry skipped']);
  t.equal(d.sm.image.offset, bad);
  const copy = new MetadataStateMachine();
  copy.restore({ index: bad, data: d.sm.snapshot() });
  t.same(copy.image.toRecords(), d.sm.image.toRecords());
  t.equal(copy.image.offset, bad);
  t.same(copy.resultOf('c'), d.sm.resultOf('c'));
  const again = driver(copy);
  again.apply({
    type: 'create-topic',
    requestId: 'c',
    name: 't2',
    topicId: 'c'.repeat(32),
    partitions: 1,
    replicationFactor: 1,
    configs: {},
  });
  t.notOk(copy.image.topics.has('t2'), 'a retry after restore is still recognised');
});

t.test('outcomes are bounded', async (t) => {
  const d = driver();
  for (let i = 0; i <= resultsMax; i++) d.apply({ type: 'elect-preferred-leaders', requestId: `e${i}` });
  t.equal(d.sm.resultOf('e0'), undefined, 'the oldest was forgotten');
  t.ok(d.sm.resultOf(`e${resultsMax}`));
});

t.test('a malformed snapshot is refused before anything is replaced', async (t) => {
  const d = threeBrokers();
  const before = JSON.stringify(d.sm.image.toRecords());
  const { Packr } = await import('msgpackr');
  const pack = (v: unknown) => new Packr({ useRecords: false, mapsAsObjects: true }).pack(v);
  const cases: [Uint8Array, RegExp][] = [
    [Buffer.from([0x92, 0x01]), /not msgpack/],
    [pack({ records: 'x', results: [] }), /lacks its records/],
    [pack({ records: [{ type: 'topic', name: 't', topicId: 'nope' }], results: [] }), /bad "topicId"/],
    [
      pack({ records: [{ type: 'delete-topic', requestId: 'r', name: 't' }], results: [] }),
      /holds a request/,
    ],
    [
      pack({ records: [], results: [['r', { offset: 'x', errorCode: 0, message: null }]] }),
      /malformed request outcome/,
    ],
  ];
  for (const [data, why] of cases) t.throws(() => d.sm.restore({ index: 99, data }), why);
  t.equal(JSON.stringify(d.sm.image.toRecords()), before, 'the image is untouched');
});
