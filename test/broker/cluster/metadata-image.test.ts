import t from 'tap';
import { MetadataImage } from '../../../broker/cluster/metadata-image.js';
import {
  decodeMetadataRecord,
  encodeMetadataRecord,
  type MetadataRecord,
  MetadataRecordError,
} from '../../../broker/cluster/metadata-records.js';
import { partitionRecord, registerBroker } from './fixtures.js';

const topicId = 'a'.repeat(32);

const broker = (id: number, epoch = 10 + id) => registerBroker(id, epoch);

function sampleLog(): MetadataRecord[] {
  return [
    broker(1),
    broker(2),
    { type: 'unfence-broker', brokerId: 1, brokerEpoch: 11 },
    { type: 'unfence-broker', brokerId: 2, brokerEpoch: 12 },
    { type: 'topic', name: 't', topicId },
    partitionRecord('t', 0, [1, 2]),
    { type: 'topic-config', topic: 't', key: 'min.insync.replicas', value: '2' },
  ];
}

t.test('records round-trip through msgpack and bad entries are refused with the field named', async (t) => {
  for (const r of sampleLog()) t.same(decodeMetadataRecord(encodeMetadataRecord(r)), r);
  const bad = {
    type: 'partition',
    topic: 't',
    partition: 0,
    replicas: [1, 1],
    isr: [],
    leader: 1,
    leaderEpoch: 0,
    partitionEpoch: 0,
  };
  t.throws(() => decodeMetadataRecord(encodeMetadataRecord(bad as MetadataRecord)), /bad "replicas"/);
  t.throws(
    () => decodeMetadataRecord(encodeMetadataRecord({ type: 'nope' } as unknown as MetadataRecord)),
    MetadataRecordError,
  );
  t.throws(() => decodeMetadataRecord(Buffer.from([0x92, 0x01])), /not msgpack/);
  t.throws(
    () => decodeMetadataRecord(encodeMetadataRecord([1, 2] as unknown as MetadataRecord)),
    /not an object/,
  );
  const partial = { type: 'partition-change', topic: 't', partition: 0, leader: -1 };
  t.same(decodeMetadataRecord(encodeMetadataRecord(partial as MetadataRecord)), partial);
});

t.test('applying builds brokers, topics, partitions and configs; changes bump the epochs', async (t) => {
  const image = new MetadataImage();
  for (const [i, r] of sampleLog().entries()) t.same(image.apply(r, i), { applied: true });
  t.equal(image.offset, 6);
  t.same(image.liveBrokerIds(), [1, 2]);
  t.same(image.partition('t', 0), {
    replicas: [1, 2],
    isr: [1, 2],
    leader: 1,
    leaderEpoch: 0,
    partitionEpoch: 0,
  });
  t.equal(image.topics.get('t')?.configs.get('min.insync.replicas'), '2');

  image.apply({ type: 'partition-change', topic: 't', partition: 0, isr: [1] }, 7);
  t.same(image.partition('t', 0), {
    replicas: [1, 2],
    isr: [1],
    leader: 1,
    leaderEpoch: 0,
    partitionEpoch: 1,
  });
  image.apply({ type: 'partition-change', topic: 't', partition: 0, leader: 2, isr: [2] }, 8);
  t.same(image.partition('t', 0), {
    replicas: [1, 2],
    isr: [2],
    leader: 2,
    leaderEpoch: 1,
    partitionEpoch: 2,
  });
  image.apply({ type: 'partition-change', topic: 't', partition: 0, leader: -1 }, 9);
  t.same([image.partition('t', 0)?.leader, image.partition('t', 0)?.leaderEpoch], [-1, 2]);

  image.apply({ type: 'topic-config', topic: 't', key: 'min.insync.replicas', value: null }, 10);
  t.notOk(image.topics.get('t')?.configs.has('min.insync.replicas'));
  image.apply({ type: 'remove-topic', name: 't' }, 11);
  t.notOk(image.topics.has('t'));
});

t.test('records that do not fit are skipped with a reason, leaving the image unchanged', async (t) => {
  const image = new MetadataImage();
  for (const [i, r] of sampleLog().entries()) image.apply(r, i);
  const before = JSON.stringify(image.toRecords());
  const cases: [MetadataRecord, RegExp][] = [
    [{ type: 'partition-change', topic: 't', partition: 5, isr: [1] }, /does not exist/],
    [{ type: 'partition-change', topic: 't', partition: 0, isr: [1, 3] }, /3 is not a replica/],
    [{ type: 'partition-change', topic: 't', partition: 0, leader: 3 }, /leader 3 is not a replica/],
    [
      {
        type: 'partition',
        topic: 't',
        partition: 3,
        replicas: [1],
        isr: [1],
        leader: 1,
        leaderEpoch: 0,
        partitionEpoch: 0,
      },
      /not the next one/,
    ],
    [
      {
        type: 'partition',
        topic: 'u',
        partition: 0,
        replicas: [1],
        isr: [1],
        leader: 1,
        leaderEpoch: 0,
        partitionEpoch: 0,
      },
      /"u" does not exist/,
    ],
    [{ type: 'topic', name: 't', topicId }, /exists/],
    [{ type: 'fence-broker', brokerId: 1, brokerEpoch: 3 }, /stale/],
    [{ type: 'fence-broker', brokerId: 9, brokerEpoch: 3 }, /not registered/],
    [broker(1, 5), /older/],
    [{ type: 'remove-topic', name: 'u' }, /does not exist/],
  ];
  for (const [record, reason] of cases) {
    const r = image.apply(record, 99);
    t.equal(r.applied, false, record.type);
    if (!r.applied) t.match(r.reason, reason);
  }
  t.equal(JSON.stringify(image.toRecords()), before);
});

t.test('a re-registered broker starts fenced until it is unfenced at its new epoch', async (t) => {
  const image = new MetadataImage();
  for (const [i, r] of sampleLog().entries()) image.apply(r, i);
  image.apply(broker(2, 40), 20);
  t.same(image.liveBrokerIds(), [1]);
  t.equal(image.apply({ type: 'unfence-broker', brokerId: 2, brokerEpoch: 12 }, 21).applied, false);
  t.equal(image.apply({ type: 'unfence-broker', brokerId: 2, brokerEpoch: 40 }, 22).applied, true);
  t.same(image.liveBrokerIds(), [1, 2]);
});

t.test('toRecords/fromRecords rebuilds an identical image (the snapshot)', async (t) => {
  const image = new MetadataImage();
  for (const [i, r] of sampleLog().entries()) image.apply(r, i);
  image.apply({ type: 'fence-broker', brokerId: 2, brokerEpoch: 12 }, 7);
  image.apply({ type: 'partition-change', topic: 't', partition: 0, isr: [1], leader: 1 }, 8);
  const copy = MetadataImage.fromRecords(image.toRecords(), image.offset);
  t.equal(copy.offset, 8);
  t.same(copy.toRecords(), image.toRecords());
  t.same(copy.liveBrokerIds(), [1]);
  t.same(copy.partition('t', 0), image.partition('t', 0));
});
