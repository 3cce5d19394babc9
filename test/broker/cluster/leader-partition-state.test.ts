import t from 'tap';
import {
  followerTruncationOffset,
  LeaderPartitionState,
} from '../../../broker/cluster/leader-partition-state.js';
import { ErrorCode as E } from '../../../protocol/error-codes.js';

function leader(o: { isr?: number[]; hw?: number; start?: number } = {}) {
  const clock = { ms: 1000 };
  const s = new LeaderPartitionState({
    leaderId: 1,
    leaderEpoch: 3,
    replicas: [1, 2, 3],
    isr: o.isr ?? [1, 2, 3],
    leaderEpochStartOffset: o.start ?? 0,
    highWatermark: o.hw ?? 0,
    replicaLagTimeMaxMs: 30_000,
    now: () => clock.ms,
  });
  return { s, clock };
}

t.test('the high watermark is the minimum log end offset over the ISR and never moves back', async (t) => {
  const { s } = leader();
  t.notOk(s.onLeaderAppend(10), 'followers have not fetched: HW stays');
  t.notOk(s.onFollowerFetch(2, 10));
  t.ok(s.onFollowerFetch(3, 4));
  t.equal(s.highWatermark, 4);
  t.ok(s.onFollowerFetch(3, 10));
  t.equal(s.highWatermark, 10);
  t.notOk(s.onFollowerFetch(3, 7), 'a follower going back (truncation) does not lower the HW');
  t.equal(s.highWatermark, 10);
  t.throws(() => s.onFollowerFetch(9, 0), /not a follower/);
});

t.test('acks=all waits for the HW, checks min.insync.replicas before and after the append', async (t) => {
  const { s } = leader();
  t.equal(s.checkAcksAllBeforeAppend(3), 0);
  s.onLeaderAppend(5);
  t.same(s.acksAllOutcome(5, 2), { done: false });
  s.onFollowerFetch(2, 5);
  t.same(s.acksAllOutcome(5, 2), { done: false }, 'one ISR follower still behind');
  s.onFollowerFetch(3, 5);
  t.same(s.acksAllOutcome(5, 2), { done: true, errorCode: 0 });
  s.onLeaderAppend(8);
  s.setIsr([1]);
  t.same(
    s.acksAllOutcome(8, 2),
    { done: true, errorCode: E.NOT_ENOUGH_REPLICAS_AFTER_APPEND },
    'ISR shrank to the leader: HW jumps, but too few replicas',
  );
  t.equal(s.checkAcksAllBeforeAppend(2), E.NOT_ENOUGH_REPLICAS);
});

t.test('a follower that stops catching up for replica.lag.time.max.ms leaves the ISR', async (t) => {
  const { s, clock } = leader();
  s.onLeaderAppend(100);
  s.onFollowerFetch(2, 100);
  s.onFollowerFetch(3, 50);
  clock.ms += 20_000;
  t.equal(s.isrToShrink(), undefined, 'still inside the window');
  s.onFollowerFetch(2, 100);
  s.onFollowerFetch(3, 60);
  clock.ms += 11_000;
  t.same(s.isrToShrink(), [1, 2], 'follower 3 has been behind since it was last caught up (t=1000)');
  s.setIsr([1, 2]);
  t.equal(s.highWatermark, 100, 'without 3, the HW is the leader and follower 2');
});

t.test(
  'a follower that reached the leader end as of its previous fetch counts as caught up then',
  async (t) => {
    const { s, clock } = leader();
    s.onLeaderAppend(100);
    s.onFollowerFetch(3, 100);
    // New data keeps arriving: follower 3 is never exactly at the end, but each fetch has what
    // the leader had at its previous fetch.
    for (let end = 200; end <= 400; end += 100) {
      clock.ms += 10_000;
      s.onLeaderAppend(end);
      s.onFollowerFetch(2, end);
      s.onFollowerFetch(3, end - 100);
    }
    clock.ms += 10_000;
    t.equal(s.isrToShrink(), undefined, 'follower 3 keeps up, one fetch behind (caught up as of 20 s ago)');
    clock.ms += 11_000;
    t.same(s.isrToShrink(), [1, 2], 'then stops fetching: out after the lag window');
  },
);

t.test(
  'an out-of-sync follower rejoins once at the HW and in this epoch; the pending member counts for the HW',
  async (t) => {
    const { s } = leader({ isr: [1, 2], hw: 50, start: 50 });
    s.onLeaderAppend(80);
    s.onFollowerFetch(3, 40);
    t.equal(s.isrToExpand(3), undefined, 'below the HW');
    s.onFollowerFetch(2, 80);
    t.equal(s.highWatermark, 80);
    s.onFollowerFetch(3, 80);
    t.equal(s.isrToExpand(2), undefined, 'already in the ISR');
    t.same(s.isrToExpand(3), [1, 2, 3]);
    t.equal(s.isrToExpand(3), undefined, 'proposed once while pending');
    s.onLeaderAppend(90);
    s.onFollowerFetch(2, 90);
    t.equal(s.highWatermark, 80, 'the pending member (at 80) holds the HW back');
    s.setIsr([1, 2, 3]);
    t.same(s.isr, [1, 2, 3]);
    s.onFollowerFetch(3, 90);
    t.equal(s.highWatermark, 90);
  },
);

t.test('follower truncation keeps exactly the common prefix (KIP-101 / KIP-279)', async (t) => {
  // Local epochs: 1 -> [0, 10), 2 -> [10, 15). Log end 15.
  const localEnd = (epoch: number) => (epoch >= 2 ? 15 : epoch === 1 ? 10 : 0);
  t.equal(
    followerTruncationOffset({ leaderEpoch: 2, endOffset: 12 }, localEnd, 15, 0),
    12,
    'leader has less of epoch 2',
  );
  t.equal(
    followerTruncationOffset({ leaderEpoch: 2, endOffset: 20 }, localEnd, 15, 0),
    15,
    'leader has more: keep all',
  );
  t.equal(
    followerTruncationOffset({ leaderEpoch: 1, endOffset: 10 }, localEnd, 15, 0),
    10,
    'leader never saw epoch 2',
  );
  t.equal(followerTruncationOffset({ leaderEpoch: 1, endOffset: 8 }, localEnd, 15, 0), 8);
  t.equal(
    followerTruncationOffset({ leaderEpoch: -1, endOffset: -1 }, localEnd, 15, 5),
    5,
    'no shared history',
  );
});
