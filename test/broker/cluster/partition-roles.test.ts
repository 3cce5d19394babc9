import t from 'tap';
import { BrokerHeartbeats } from '../../../broker/cluster/broker-heartbeats.js';
import type { MetadataImage } from '../../../broker/cluster/metadata-image.js';
import { type PartitionRole, partitionKey, roleChanges } from '../../../broker/cluster/partition-roles.js';
import { liveCluster, partitionRecord } from './fixtures.js';

function image(): MetadataImage {
  const img = liveCluster([1, 2, 3]);
  img.apply({ type: 'topic', name: 't', topicId: 'd'.repeat(32) }, 6);
  img.apply(partitionRecord('t', 0, [1, 2]), 7);
  img.apply(partitionRecord('t', 1, [2, 3]), 8);
  return img;
}

function applyChanges(current: Map<string, PartitionRole>, img: MetadataImage, id: number) {
  const changes = roleChanges(current, img, id);
  for (const c of changes) {
    const k = partitionKey(c.topic, c.partition);
    if (c.role) current.set(k, c.role);
    else current.delete(k);
  }
  return changes;
}

t.test('roles follow the image, and only changed partitions are listed', async (t) => {
  const img = image();
  const b2 = new Map<string, PartitionRole>();
  const first = applyChanges(b2, img, 2);
  t.same(
    first.map((c) => [c.partition, c.role?.kind]),
    [
      [0, 'follower'],
      [1, 'leader'],
    ],
  );
  t.same(roleChanges(b2, img, 2), [], 'nothing changed: nothing to do');
  t.same(roleChanges(new Map(), img, 9), [], 'not a replica of anything');

  img.apply({ type: 'partition-change', topic: 't', partition: 1, isr: [2] }, 20);
  t.same(
    applyChanges(b2, img, 2).map((c) => [c.partition, c.role]),
    [[1, { kind: 'leader', leaderEpoch: 0, partitionEpoch: 1, replicas: [2, 3], isr: [2] }]],
    'a leader learns its new ISR',
  );

  img.apply({ type: 'partition-change', topic: 't', partition: 0, leader: 2, isr: [2] }, 21);
  t.same(
    applyChanges(b2, img, 2).map((c) => [c.partition, c.role?.kind, c.role?.leaderEpoch]),
    [[0, 'leader', 1]],
    'follower becomes leader at the next epoch',
  );
  const b1 = new Map<string, PartitionRole>();
  applyChanges(b1, image(), 1);
  t.same(
    roleChanges(b1, img, 1).map((c) => c.role),
    [{ kind: 'follower', leaderId: 2, leaderEpoch: 1 }],
  );

  img.apply({ type: 'partition-change', topic: 't', partition: 0, leader: -1 }, 22);
  t.same(applyChanges(b2, img, 2)[0]?.role, { kind: 'offline', leaderEpoch: 2 });

  img.apply({ type: 'remove-topic', name: 't' }, 23);
  t.same(
    applyChanges(b2, img, 2).map((c) => [c.partition, c.role, c.topicRemoved]),
    [
      [0, undefined, true],
      [1, undefined, true],
    ],
  );
  t.equal(b2.size, 0);
});

t.test('heartbeats: fence after the session, unfence once caught up and heartbeating', async (t) => {
  const clock = { ms: 0 };
  const img = image();
  const hb = new BrokerHeartbeats(1000, () => clock.ms);
  hb.resetAll(img);
  clock.ms = 900;
  hb.heartbeat(1, 10);
  hb.heartbeat(2, 10);
  t.same(hb.toFence(img), []);
  clock.ms = 1500;
  t.same(hb.toFence(img), [3], 'broker 3 never heartbeated since this controller took over');
  img.apply({ type: 'fence-broker', brokerId: 3, brokerEpoch: 4 }, 30);
  t.same(hb.toUnfence(img), [], 'fenced and silent');
  hb.heartbeat(3, 3);
  t.same(hb.toUnfence(img), [], 'heartbeating but behind its own registration (epoch 4)');
  hb.heartbeat(3, 30);
  t.same(hb.toUnfence(img), [3]);
  clock.ms = 2600;
  t.same(hb.toUnfence(img), [], 'its session ran out again');
});
