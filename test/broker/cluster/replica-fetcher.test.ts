import { join } from 'node:path';
import t from 'tap';
import { ReplicaFetcher, wholeBatches } from '../../../broker/cluster/replica-fetcher.js';
import { DEFAULT_LOG_CONFIG } from '../../../storage/config.js';
import { PartitionLog } from '../../../storage/partition-log.js';
import { startClientTestBroker, testAdmin, testProducer } from '../../client/fixtures/index.js';
import { tempDir } from '../../helpers/temp.js';
import { waitFor } from '../../helpers/wait.js';

const quiet = { info() {}, warn() {} };

// The leader here is a single broker (a quorum of one) that knows no broker 2, so the fetcher
// fetches as replica -1: a consumer's view, up to the high watermark — the log end, since the
// leader is its only replica. Fetching as a follower the leader knows is covered by the replica
// manager tests and the cluster e2e tests.

async function followerLog(tt: Parameters<typeof tempDir>[0], topic: string): Promise<PartitionLog> {
  const log = await PartitionLog.open({
    dir: join(tempDir(tt, 'samsa-follower-'), `${topic}-0`),
    topic,
    partition: 0,
    config: DEFAULT_LOG_CONFIG,
  });
  tt.teardown(() => log.closeQuietly());
  return log;
}

t.test('a follower copies the leader byte for byte, long-polls for more, and tracks the HW', async (t) => {
  const b = await startClientTestBroker(t);
  await testAdmin(t, b).createTopics([{ name: 'rep', partitions: 1 }]);
  const producer = testProducer(t, b, { lingerMs: 0 });
  const send = (n: number, tag: string) =>
    producer.sendBatch(
      Array.from({ length: n }, (_, i) => ({ topic: 'rep', partition: 0, value: `${tag}-${i}` })),
    );
  await send(500, 'a');
  await send(300, 'b');

  const log = await followerLog(t, 'rep');
  const fetcher = new ReplicaFetcher({
    brokerId: -1,
    leader: { id: 1, host: '127.0.0.1', port: b.port },
    maxWaitMs: 200,
    partitionBytesMax: 4096,
    log: quiet,
  });
  t.teardown(() => fetcher.stop());
  fetcher.addPartition({ topic: 'rep', partition: 0, leaderEpoch: 0, log });
  fetcher.start();

  const leader = b.broker.core.topics.partition('rep', 0)!;
  await waitFor('follower caught up', () => log.logEndOffset === 800);
  t.equal(fetcher.phaseOf('rep', 0), 'fetching');
  t.ok(log.dumpBytes().equals(leader.dumpBytes()), 'identical bytes: offsets and epochs kept');
  await waitFor('follower HW', () => log.highWatermark === 800);
  t.same(log.leaderEpochEntries, leader.leaderEpochEntries);

  await send(10, 'c');
  await waitFor('follower got the new batch', () => log.logEndOffset === 810);
  t.ok(log.dumpBytes().equals(leader.dumpBytes()));
});

t.test('a follower with a divergent tail truncates to the leader’s history first', async (t) => {
  const b = await startClientTestBroker(t);
  await testAdmin(t, b).createTopics([{ name: 'div', partitions: 1 }]);
  const producer = testProducer(t, b, { lingerMs: 0 });
  await producer.sendBatch(
    Array.from({ length: 100 }, (_, i) => ({ topic: 'div', partition: 0, value: `x${i}` })),
  );
  const leader = b.broker.core.topics.partition('div', 0)!;

  // The follower holds the leader's first 100 records plus 20 the leader never had (written
  // by an old leader at the same epoch and never committed).
  const log = await followerLog(t, 'div');
  log.append(leader.dumpBytes(), { assignOffsets: false });
  const stray = Buffer.from(leader.dumpBytes().subarray(0, leader.read(0, 1 << 20).records.length));
  log.append(stray, { leaderEpoch: 0 });
  const divergedEnd = log.logEndOffset;
  t.equal(divergedEnd, 200);

  const lines: object[] = [];
  const fetcher = new ReplicaFetcher({
    brokerId: -1,
    leader: { id: 1, host: '127.0.0.1', port: b.port },
    maxWaitMs: 100,
    log: { info: (o) => lines.push(o), warn() {} },
  });
  t.teardown(() => fetcher.stop());
  fetcher.addPartition({ topic: 'div', partition: 0, leaderEpoch: 0, log });
  fetcher.start();
  await waitFor('truncated', () => lines.length > 0);
  t.match(lines[0], { from: divergedEnd, to: 100 });
  await producer.sendBatch([{ topic: 'div', partition: 0, value: 'after' }]);
  await waitFor('caught up after truncation', () => log.logEndOffset === 101);
  t.ok(log.dumpBytes().equals(leader.dumpBytes()));
});

t.test('a stale leader epoch pauses the partition instead of fetching', async (t) => {
  const b = await startClientTestBroker(t);
  await testAdmin(t, b).createTopics([{ name: 'stale', partitions: 1 }]);
  const log = await followerLog(t, 'stale');
  const warnings: object[] = [];
  const fetcher = new ReplicaFetcher({
    brokerId: -1,
    leader: { id: 1, host: '127.0.0.1', port: b.port },
    maxWaitMs: 100,
    log: { info() {}, warn: (o) => warnings.push(o) },
  });
  t.teardown(() => fetcher.stop());
  fetcher.addPartition({ topic: 'stale', partition: 0, leaderEpoch: 5, log });
  fetcher.start();
  await waitFor('paused', () => fetcher.phaseOf('stale', 0) === 'paused');
  t.match(warnings[0], { errorCode: 75 }, 'UNKNOWN_LEADER_EPOCH: the follower is ahead of this leader');
  // The leader may only be behind on metadata: the partition asks again after a pause, rather
  // than waiting for a role change that would never come.
  await waitFor('asked again', () => warnings.length >= 2);
  t.match(warnings[1], { errorCode: 75 }, 'the paused partition tried again');
});

t.test('the leader goes away: the fetcher retries with backoff and resumes when it is back', async (t) => {
  const b = await startClientTestBroker(t);
  await testAdmin(t, b).createTopics([{ name: 'away', partitions: 1 }]);
  const log = await followerLog(t, 'away');
  const warnings: object[] = [];
  const fetcher = new ReplicaFetcher({
    brokerId: -1,
    leader: { id: 1, host: '127.0.0.1', port: b.port },
    maxWaitMs: 100,
    backoffMsMin: 20,
    backoffMsMax: 100,
    log: { info() {}, warn: (o) => warnings.push(o) },
  });
  t.teardown(() => fetcher.stop());
  fetcher.addPartition({ topic: 'away', partition: 0, leaderEpoch: 0, log });
  fetcher.start();
  await waitFor('fetching', () => fetcher.phaseOf('away', 0) === 'fetching');
  await b.stop();
  await waitFor('retrying', () => warnings.length >= 2);
  await b.restart();
  await testProducer(t, b, { lingerMs: 0 }).sendBatch([{ topic: 'away', partition: 0, value: 'back' }]);
  await waitFor('resumed', () => log.logEndOffset === 1, { timeoutMs: 15_000 });
});

t.test('wholeBatches cuts a trailing partial batch', async (t) => {
  const batch = Buffer.alloc(70);
  batch.writeInt32BE(58, 8);
  t.equal(wholeBatches(Buffer.concat([batch, batch])).length, 140);
  t.equal(wholeBatches(Buffer.concat([batch, batch.subarray(0, 30)])).length, 70);
  t.equal(wholeBatches(batch.subarray(0, 10)).length, 0);
});
