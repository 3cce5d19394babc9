/**
 * A broker without controller.quorum.voters is a cluster of one: its own metadata quorum, the
 * same code path as a cluster. A data directory written before the quorum existed is adopted
 * on the quorum's first start — topics with their records, and committed group offsets — and a
 * topic deleted afterwards stays deleted across restarts.
 */

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import t from 'tap';
import { startBroker } from '../../broker/broker.js';
import { CLUSTER_METADATA_DIR } from '../../broker/cluster-mode.js';
import { PartitionGroupLog } from '../../broker/group/partition-group-log.js';
import { partitionForGroup } from '../../broker/group/partitioning.js';
import { offsetRecord } from '../../broker/group/records.js';
import { Admin } from '../../client/admin.js';
import { encodeRecordBatch } from '../../protocol/record-batch.js';
import { LogManager } from '../../storage/log-manager.js';
import { tempDir } from '../helpers/temp.js';

const silent = pino({ level: 'silent' });

/** A data directory as a broker without a metadata quorum left it. */
async function legacyDataDir(dir: string): Promise<void> {
  const logs = await LogManager.open({ dataDir: dir });
  await logs.createTopic('legacy', 2, { 'retention.ms': '86400000' });
  for (let p = 0; p < 2; p++)
    logs.log('legacy', p)!.append(
      encodeRecordBatch({
        records: Array.from({ length: 5 }, (_, i) => ({ key: null, value: Buffer.from(`p${p}-${i}`) })),
        now: Date.now(),
      }),
      { leaderEpoch: 0 },
    );
  // Fewer partitions than offsets.topic.num.partitions (50): the existing count stays.
  await logs.createTopic('__consumer_offsets', 10, { 'cleanup.policy': 'compact' });
  const p = partitionForGroup('legacy-group', 10);
  await new PartitionGroupLog({ log: logs.log('__consumer_offsets', p)! }).append([
    offsetRecord('legacy-group', 'legacy', 1, {
      offset: 3,
      leaderEpoch: 0,
      metadata: '',
      commitTimestamp: Date.now(),
      expireTimestamp: null,
    }),
  ]);
  await logs.close();
}

t.test('a broker alone is its own quorum and adopts a data directory from before it', async (t) => {
  const dataDir = tempDir(t, 'samsa-quorum-of-one-');
  await legacyDataDir(dataDir);
  const start = () => startBroker({ host: '127.0.0.1', port: 0, nodeId: 1, dataDir, logger: silent });

  let broker = await start();
  t.teardown(() => broker.close());
  t.ok(existsSync(join(dataDir, CLUSTER_METADATA_DIR)), 'the metadata log lives in the data directory');
  t.ok(
    existsSync(join(dataDir, CLUSTER_METADATA_DIR, 'local-topics-adopted')),
    'adoption is marked done once every local topic is in the quorum',
  );
  t.equal(broker.core.controllerId(), 1, 'this node is the controller');
  t.same(
    broker.core.brokers().map((b) => b.nodeId),
    [1],
    'and the only broker',
  );

  let admin = new Admin({ brokers: [`127.0.0.1:${broker.port}`] });
  t.teardown(() => admin.close());
  t.same((await admin.listTopics()).sort(), ['legacy'], 'the legacy topic is adopted');
  const [described] = await admin.describeTopics(['legacy']);
  t.same(
    described!.partitions.map((p) => [p.partition, p.leader, p.replicas]),
    [
      [0, 1, [1]],
      [1, 1, [1]],
    ],
    'with its partitions, led here',
  );
  const ends = await admin.listOffsets('legacy', -1);
  t.same(
    ends.map((o) => [o.partition, o.offset]),
    [
      [0, 5],
      [1, 5],
    ],
    'and its records',
  );
  const committed = await admin.fetchGroupOffsets('legacy-group', ['legacy']);
  t.same(
    committed.filter((o) => o.offset >= 0).map((o) => [o.partition, o.offset]),
    [[1, 3]],
    'committed group offsets are kept',
  );
  t.equal(
    broker.core.groups?.config.offsetsTopicPartitions,
    10,
    '__consumer_offsets keeps its 10 partitions',
  );

  // Deleted, then restarted: the quorum remembers the deletion; nothing is adopted again.
  await admin.deleteTopics(['legacy']);
  await admin.close();
  await broker.close();
  broker = await start();
  admin = new Admin({ brokers: [`127.0.0.1:${broker.port}`] });
  t.same(await admin.listTopics(), [], 'a deleted topic stays deleted after a restart');
  await admin.close();
});
