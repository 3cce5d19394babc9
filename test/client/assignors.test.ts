/** Assignors and the consumer protocol encodings. */
import t from 'tap';
import {
  cooperativeStickyAssignor,
  decodeAssignment,
  decodeSubscription,
  encodeAssignment,
  encodeSubscription,
  type MemberSubscription,
  rangeAssignor,
  roundRobinAssignor,
  type TopicPartitions,
} from '../../client/assignors.js';

const member = (memberId: string, topics: string[], owned: TopicPartitions[] = []): MemberSubscription => ({
  memberId,
  groupInstanceId: null,
  topics,
  ownedPartitions: owned,
  userData: null,
});

const count = (m: Map<string, TopicPartitions[]>, id: string) =>
  (m.get(id) ?? []).reduce((n, tp) => n + tp.partitions.length, 0);

function allAssigned(m: Map<string, TopicPartitions[]>): string[] {
  const out: string[] = [];
  for (const l of m.values()) for (const tp of l) for (const p of tp.partitions) out.push(`${tp.topic}-${p}`);
  return out.sort();
}

t.test('subscription and assignment round-trip', async (t) => {
  const sub = encodeSubscription(['a', 'b'], [{ topic: 'a', partitions: [0, 2] }], Buffer.from('ud'));
  const d = decodeSubscription(sub);
  t.same(d.topics, ['a', 'b']);
  t.same(d.ownedPartitions, [{ topic: 'a', partitions: [0, 2] }]);
  t.equal(d.userData?.toString(), 'ud');
  const asg = encodeAssignment([{ topic: 'x', partitions: [1, 3] }]);
  t.same(decodeAssignment(asg).partitions, [{ topic: 'x', partitions: [1, 3] }]);
  t.same(decodeAssignment(Buffer.alloc(0)).partitions, []);
  t.throws(() => decodeSubscription(sub.subarray(0, 5)), { code: 'SAMSA_PROTOCOL' });
});

t.test('range assigns consecutive ranges per topic', async (t) => {
  const r = rangeAssignor.assign(
    [member('m1', ['t']), member('m2', ['t']), member('m3', ['t'])],
    new Map([['t', 7]]),
  );
  t.same(r.get('m1'), [{ topic: 't', partitions: [0, 1, 2] }]);
  t.same(r.get('m2'), [{ topic: 't', partitions: [3, 4] }]);
  t.same(r.get('m3'), [{ topic: 't', partitions: [5, 6] }]);
});

t.test('roundrobin deals partitions in turn, skipping members not subscribed', async (t) => {
  const r = roundRobinAssignor.assign(
    [member('a', ['t', 'u']), member('b', ['t'])],
    new Map([
      ['t', 3],
      ['u', 2],
    ]),
  );
  t.same(allAssigned(r), ['t-0', 't-1', 't-2', 'u-0', 'u-1']);
  t.same(r.get('b'), [{ topic: 't', partitions: [1] }]);
});

t.test('cooperative-sticky: balanced, sticky, and never moves a partition in one step', async (t) => {
  const topics = new Map([['t', 6]]);
  const first = cooperativeStickyAssignor.assign([member('a', ['t'])], topics);
  t.equal(count(first, 'a'), 6);
  // b joins: a keeps 3, gives up 3, but b gets nothing yet (a still owns them).
  const second = cooperativeStickyAssignor.assign(
    [member('a', ['t'], first.get('a')!), member('b', ['t'])],
    topics,
  );
  t.equal(count(second, 'a'), 3);
  t.equal(count(second, 'b'), 0);
  // a revoked; next round b gets the free partitions.
  const third = cooperativeStickyAssignor.assign(
    [member('a', ['t'], second.get('a')!), member('b', ['t'])],
    topics,
  );
  t.same(third.get('a'), second.get('a'), 'a keeps what it had');
  t.equal(count(third, 'b'), 3);
  t.same(allAssigned(third), ['t-0', 't-1', 't-2', 't-3', 't-4', 't-5']);
  // three members, 6 partitions: 2 each in the end.
  let owned = new Map<string, TopicPartitions[]>([
    ['a', third.get('a')!],
    ['b', third.get('b')!],
    ['c', []],
  ]);
  for (let round = 0; round < 3; round++) {
    const r = cooperativeStickyAssignor.assign(
      [...owned].map(([id, o]) => member(id, ['t'], o)),
      topics,
    );
    owned = r;
  }
  t.same([count(owned, 'a'), count(owned, 'b'), count(owned, 'c')], [2, 2, 2]);
  t.same(allAssigned(owned), ['t-0', 't-1', 't-2', 't-3', 't-4', 't-5']);
});
