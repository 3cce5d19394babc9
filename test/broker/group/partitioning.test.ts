import t from 'tap';
import { subscriptionTopics } from '../../../broker/group/consumer-protocol.js';
import { javaStringHashCode, partitionForGroup } from '../../../broker/group/partitioning.js';
import { decodeRecord, groupRecord, offsetRecord } from '../../../broker/group/records.js';
import { subscription } from './fixtures/harness.js';

t.test("Java's String.hashCode and Kafka's partitionFor", async (t) => {
  t.equal(javaStringHashCode(''), 0);
  t.equal(javaStringHashCode('a'), 97);
  t.equal(javaStringHashCode('hello'), 99162322);
  t.equal(javaStringHashCode('Hello World'), -862545276);
  t.equal(javaStringHashCode('polygenelubricants'), -2147483648, 'the famous Integer.MIN_VALUE string');
  t.equal(partitionForGroup('polygenelubricants', 50), 0, 'Utils.abs(MIN_VALUE) is 0');
  t.equal(partitionForGroup('Hello World', 50), 862545276 % 50);
  t.equal(javaStringHashCode('ü€𝄞'), javaStringHashCode('ü€\ud834\udd1e'), 'UTF-16 code units');
  for (const g of ['a', 'group-1', 'console-consumer-42']) {
    const p = partitionForGroup(g, 50);
    t.ok(p >= 0 && p < 50);
  }
});

t.test('consumer subscription topics, and garbage', async (t) => {
  t.same(subscriptionTopics(subscription(['a', 'bb'])), ['a', 'bb']);
  t.equal(subscriptionTopics(Buffer.alloc(3)), null);
  const lying = Buffer.alloc(6);
  lying.writeInt32BE(1_000_000, 2);
  t.equal(subscriptionTopics(lying), null, 'a count larger than the bytes left');
});

t.test('records round trip, and unreadable ones are typed errors', async (t) => {
  const o = { offset: 5, leaderEpoch: 1, metadata: 'x', commitTimestamp: 9, expireTimestamp: null };
  t.same(decodeRecord(offsetRecord('g', 't', 3, o)), {
    kind: 'offset',
    groupId: 'g',
    topic: 't',
    partition: 3,
    value: o,
  });
  t.same(decodeRecord(offsetRecord('g', 't', 3, null)), {
    kind: 'offset',
    groupId: 'g',
    topic: 't',
    partition: 3,
    value: null,
  });
  const g = {
    protocolType: 'consumer',
    generationId: 4,
    protocolName: 'range',
    leaderId: 'm',
    stateTimestamp: 7,
    members: [
      {
        memberId: 'm',
        groupInstanceId: null,
        clientId: 'c',
        clientHost: 'h',
        rebalanceTimeoutMs: 1,
        sessionTimeoutMs: 2,
        subscription: Buffer.from('s'),
        assignment: Buffer.from('a'),
      },
    ],
  };
  const back = decodeRecord(groupRecord('g', g));
  t.same(back, { kind: 'group', groupId: 'g', value: g });
  t.ok(
    back.kind === 'group' && Buffer.isBuffer(back.value?.members[0]?.assignment),
    'bytes come back as Buffers',
  );
  t.same(
    offsetRecord('g', 't', 3, o).key,
    offsetRecord('g', 't', 3, null).key,
    'same key for value and tombstone',
  );
  t.throws(() => decodeRecord({ key: Buffer.from([0xc1]), value: null }), { code: 'SAMSA_GROUP_RECORD' });
  t.throws(() => decodeRecord({ key: offsetRecord('g', 't', 1, null).key, value: Buffer.from([0x90]) }), {
    code: 'SAMSA_GROUP_RECORD',
  });
});
