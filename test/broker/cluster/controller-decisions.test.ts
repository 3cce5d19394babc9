import t from 'tap';
import {
  alterPartition,
  chooseLeader,
  createTopic,
  fenceBroker,
  placeReplicas,
  preferredLeaderElections,
  unfenceBroker,
} from '../../../broker/cluster/controller-decisions.js';
import type { MetadataImage } from '../../../broker/cluster/metadata-image.js';
import type { MetadataRecord } from '../../../broker/cluster/metadata-records.js';
import { ErrorCode as E } from '../../../protocol/error-codes.js';
import { liveCluster } from './fixtures.js';

function applyAll(image: MetadataImage, records: MetadataRecord[]): void {
  for (const r of records) t.same(image.apply(r, image.offset + 1), { applied: true }, r.type);
}

function mustCreate(image: MetadataImage, name: string, partitions: number, replicationFactor: number): void {
  const d = createTopic(image, { name, topicId: 'b'.repeat(32), partitions, replicationFactor });
  if (!('records' in d)) throw new Error(d.message);
  applyAll(image, d.records);
}

t.test('placement spreads leaders and replicas evenly, never two replicas on one broker', async (t) => {
  const placement = placeReplicas([3, 1, 2], 60, 3, 0);
  const leaders = new Map<number, number>();
  const replicas = new Map<number, number>();
  for (const r of placement) {
    t.equal(new Set(r).size, 3);
    leaders.set(r[0]!, (leaders.get(r[0]!) ?? 0) + 1);
    for (const id of r) replicas.set(id, (replicas.get(id) ?? 0) + 1);
  }
  t.same([...leaders.values()], [20, 20, 20]);
  t.same([...replicas.values()], [60, 60, 60]);
  const rf2 = placeReplicas([1, 2, 3, 4], 12, 2, 1);
  const pairs = new Set(rf2.map((r) => r.join(',')));
  t.ok(pairs.size > 4, `followers vary with the shift: ${[...pairs].join(' ')}`);
  t.same(placeReplicas([7], 3, 1, 5), [[7], [7], [7]]);
  t.throws(() => placeReplicas([1, 2], 1, 3, 0), /needs 1..2 brokers/);
});

t.test('createTopic refuses more replicas than live brokers, and existing names', async (t) => {
  const image = liveCluster([1, 2, 3]);
  applyAll(image, fenceBroker(image, 3));
  const d = createTopic(image, { name: 't', topicId: 'c'.repeat(32), partitions: 1, replicationFactor: 3 });
  t.same('errorCode' in d && d.errorCode, E.INVALID_REPLICATION_FACTOR);
  mustCreate(image, 't', 4, 2);
  t.same(image.partition('t', 0)?.isr, image.partition('t', 0)?.replicas);
  const again = createTopic(image, {
    name: 't',
    topicId: 'c'.repeat(32),
    partitions: 1,
    replicationFactor: 1,
  });
  t.same('errorCode' in again && again.errorCode, E.TOPIC_ALREADY_EXISTS);
});

t.test(
  'a fenced leader is replaced from the ISR and leaves every ISR; the last ISR member stays',
  async (t) => {
    const image = liveCluster([1, 2, 3]);
    mustCreate(image, 't', 3, 3);
    mustCreate(image, 'solo', 3, 1);
    const led = [0, 1, 2].filter((p) => image.partition('t', p)?.leader === 1);
    applyAll(image, fenceBroker(image, 1));
    for (let p = 0; p < 3; p++) {
      const s = image.partition('t', p)!;
      t.notOk(s.isr.includes(1), `t-${p} ISR ${s.isr}`);
      t.not(s.leader, 1);
      t.ok(s.isr.includes(s.leader));
      t.equal(s.leaderEpoch, led.includes(p) ? 1 : 0);
    }
    const solo = [0, 1, 2].map((p) => image.partition('solo', p)!).find((s) => s.replicas[0] === 1)!;
    t.same([solo.leader, solo.isr], [-1, [1]], 'no clean leader: offline, ISR kept');
    t.same(fenceBroker(image, 1), [], 'fencing twice is a no-op');

    applyAll(image, unfenceBroker(image, 1));
    t.same([solo.leader, solo.isr], [1, [1]], 'the last ISR member leads again when it returns');
    t.same(unfenceBroker(image, 1), []);
  },
);

t.test('unclean election only when the topic allows it, and it resets the ISR', async (t) => {
  const image = liveCluster([1, 2]);
  mustCreate(image, 't', 1, 2);
  applyAll(image, [{ type: 'partition-change', topic: 't', partition: 0, isr: [1] }]);
  applyAll(image, fenceBroker(image, 1));
  t.equal(image.partition('t', 0)?.leader, -1, 'clean only: no leader');
  const p = image.partition('t', 0)!;
  t.equal(chooseLeader(p, new Set([2]), true), 2);
  applyAll(image, [
    { type: 'topic-config', topic: 't', key: 'unclean.leader.election.enable', value: 'true' },
  ]);
  applyAll(image, fenceBroker(image, 2));
  applyAll(image, unfenceBroker(image, 2));
  t.same([image.partition('t', 0)?.leader, image.partition('t', 0)?.isr], [2, [2]]);
});

t.test('preferred leaders take leadership back once live and in the ISR', async (t) => {
  const image = liveCluster([1, 2]);
  mustCreate(image, 't', 2, 2);
  applyAll(image, fenceBroker(image, 1));
  applyAll(image, unfenceBroker(image, 1));
  t.same(preferredLeaderElections(image), [], 'not in the ISR yet: no move');
  const p = image.partition('t', 0)!.replicas[0] === 1 ? 0 : 1;
  const s = image.partition('t', p)!;
  const d = alterPartition(image, {
    brokerId: s.leader,
    topic: 't',
    partition: p,
    leaderEpoch: s.leaderEpoch,
    partitionEpoch: s.partitionEpoch,
    isr: [...s.isr, 1],
  });
  if (!('records' in d)) throw new Error(d.message);
  applyAll(image, d.records);
  applyAll(image, preferredLeaderElections(image));
  t.equal(image.partition('t', p)?.leader, 1);
  t.same(preferredLeaderElections(image), []);
});

t.test('alterPartition checks leader, epochs and eligibility', async (t) => {
  const image = liveCluster([1, 2, 3]);
  mustCreate(image, 't', 1, 3);
  const s = image.partition('t', 0)!;
  const base = { brokerId: s.leader, topic: 't', partition: 0, leaderEpoch: 0, partitionEpoch: 0 };
  const code = (req: Partial<typeof base> & { isr: number[] }) => {
    const d = alterPartition(image, { ...base, ...req });
    return 'errorCode' in d ? d.errorCode : 0;
  };
  const follower = s.replicas.find((id) => id !== s.leader)!;
  t.equal(code({ brokerId: follower, isr: [follower] }), E.NOT_LEADER_OR_FOLLOWER);
  t.equal(code({ leaderEpoch: 1, isr: [s.leader] }), E.UNKNOWN_LEADER_EPOCH);
  t.equal(code({ partitionEpoch: 4, isr: [s.leader] }), E.INVALID_UPDATE_VERSION);
  t.equal(code({ isr: [follower] }), E.INVALID_REQUEST, 'must keep the leader');
  t.equal(code({ isr: [s.leader, 9] }), E.INELIGIBLE_REPLICA);
  t.equal(code({ topic: 'x', isr: [1] }), E.UNKNOWN_TOPIC_OR_PARTITION);
  t.equal(code({ isr: [s.leader] }), 0);
  const d = alterPartition(image, { ...base, isr: [s.leader] });
  if ('records' in d) applyAll(image, d.records);
  t.equal(code({ isr: [s.leader] }), E.INVALID_UPDATE_VERSION, 'the old partition epoch is stale now');
  applyAll(image, fenceBroker(image, follower));
  t.equal(
    code({ partitionEpoch: 1, isr: [s.leader, follower] }),
    E.INELIGIBLE_REPLICA,
    'a fenced broker cannot rejoin',
  );
});
