/** Admin against a real broker: cluster, topics, partitions, configs, offsets. Group admin is in group.test.ts. */
import { resolve } from 'node:path';
import t from 'tap';
import { SamsaError } from '../../client/errors.js';
import { uniqueTopic } from '../helpers/temp.js';
import { startClientTestBroker, testAdmin, testProducer } from './fixtures/index.js';

t.test('cluster: brokers and controller', async (t) => {
  const b = await startClientTestBroker(t);
  const admin = testAdmin(t, b);
  const c = await admin.describeCluster();
  t.equal(c.brokers.length, 1);
  t.equal(c.brokers[0]!.port, b.port);
  t.equal(c.controllerId, c.brokers[0]!.nodeId);
  t.ok(c.clusterId, 'cluster id is known');
});

t.test('topics: create, list, describe, add partitions, delete', async (t) => {
  const b = await startClientTestBroker(t);
  const admin = testAdmin(t, b);
  const name = uniqueTopic('admin');
  await admin.createTopics([{ name, partitions: 3, configs: { 'retention.ms': '3600000' } }]);
  t.ok((await admin.listTopics()).includes(name));
  const [d] = await admin.describeTopics([name]);
  t.equal(d!.partitions.length, 3);
  t.ok(d!.partitions.every((p) => p.leader >= 0 && p.replicas.length === 1));
  const dup = await admin.createTopics([{ name, partitions: 1 }]).catch((e: unknown) => e);
  t.ok(dup instanceof SamsaError);
  t.equal((dup as SamsaError).kafkaName, 'TOPIC_ALREADY_EXISTS', 'Kafka error codes are carried through');
  await admin.createTopics([{ name, partitions: 1 }], { ifNotExists: true });
  await admin.createPartitions([{ topic: name, count: 5 }]);
  t.equal((await admin.describeTopics([name]))[0]!.partitions.length, 5);
  await admin.deleteTopics([name]);
  t.notOk((await admin.listTopics()).includes(name));
  await t.rejects(admin.deleteTopics([name]), {
    code: 'SAMSA_KAFKA',
    kafkaName: 'UNKNOWN_TOPIC_OR_PARTITION',
  });
});

t.test('configs: describe and alter', async (t) => {
  const b = await startClientTestBroker(t);
  const admin = testAdmin(t, b);
  const name = uniqueTopic('configs');
  await admin.createTopics([{ name, partitions: 1, configs: { 'retention.ms': '3600000' } }]);
  const before = await admin.describeConfigs({ topic: name }, ['retention.ms', 'cleanup.policy']);
  t.equal(before.find((c) => c.name === 'retention.ms')?.value, '3600000');
  await admin.alterTopicConfigs(name, { 'retention.ms': '7200000' });
  const after = await admin.describeConfigs({ topic: name }, ['retention.ms']);
  t.equal(after[0]?.value, '7200000');
  await admin.alterTopicConfigs(name, { 'retention.ms': null });
  const reset = await admin.describeConfigs({ topic: name }, ['retention.ms']);
  t.not(reset[0]?.value, '7200000', 'deleting a key returns it to the default');
  const brokerConfigs = await admin.describeConfigs({ broker: (await admin.describeCluster()).controllerId });
  t.ok(brokerConfigs.length > 0, 'broker configs are described');
});

t.test('log dirs: size on disk of every partition, per broker', async (t) => {
  const b = await startClientTestBroker(t);
  const admin = testAdmin(t, b);
  const topic = uniqueTopic('logdirs');
  const other = uniqueTopic('logdirs-other');
  await admin.createTopics([
    { name: topic, partitions: 2 },
    { name: other, partitions: 1 },
  ]);
  const p = testProducer(t, b);
  await p.sendBatch(Array.from({ length: 5 }, (_, i) => ({ topic, partition: 1, value: `value-${i}` })));

  const logSize = (n: number) => b.broker.core.topics.partition(topic, n)!.sizeBytes;
  const dirs = await admin.describeLogDirs([topic]);
  t.equal(dirs.length, 1, 'one broker, one log dir');
  const dir = dirs[0]!;
  t.equal(dir.broker, b.broker.nodeId);
  t.equal(dir.logDir, resolve(b.dataDir));
  t.equal(dir.errorCode, 0);
  t.ok(dir.totalBytes > 0 && dir.usableBytes > 0 && dir.usableBytes <= dir.totalBytes, 'volume bytes (v4)');
  t.same(dir.topics, [
    {
      name: topic,
      partitions: [
        { partition: 0, sizeBytes: logSize(0) },
        { partition: 1, sizeBytes: logSize(1) },
      ],
    },
  ]);
  t.ok(logSize(1) > 0, 'partition 1 holds bytes');

  const all = await admin.describeLogDirs();
  const names = all[0]!.topics.map((x) => x.name);
  t.ok(names.includes(topic) && names.includes(other), 'no topics given: every topic');

  await t.rejects(admin.describeLogDirs([uniqueTopic('missing')]), {
    code: 'SAMSA_KAFKA',
    kafkaName: 'UNKNOWN_TOPIC_OR_PARTITION',
  });
});

t.test('offsets: earliest, latest and by time', async (t) => {
  const b = await startClientTestBroker(t);
  const admin = testAdmin(t, b);
  const topic = uniqueTopic('offsets');
  await admin.createTopics([{ name: topic, partitions: 2 }]);
  const p = testProducer(t, b);
  const base = Date.now() - 60_000;
  await p.sendBatch(
    Array.from({ length: 10 }, (_, i) => ({
      topic,
      partition: 0,
      value: String(i),
      timestamp: base + i * 1000,
    })),
  );
  t.same(
    (await admin.earliestOffsets(topic)).map((o) => o.offset),
    [0, 0],
  );
  t.same(
    (await admin.latestOffsets(topic)).map((o) => o.offset),
    [10, 0],
  );
  const byTime = await admin.offsetsByTime(topic, base + 4500);
  t.equal(byTime[0]!.offset, 5);
  t.equal(byTime[1]!.offset, -1, 'no record at or after the time: -1');
});
