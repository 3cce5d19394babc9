/**
 * Example: administration — topics, configs, offsets, groups and the cluster.
 *
 *   npx tsc -p . && node dist/client/examples/admin.js [host:port]
 */
import { Admin } from '../index.js';

const broker = process.argv[2] ?? 'localhost:9092';
const admin = new Admin({ brokers: [broker], clientId: 'example-admin' });

const cluster = await admin.describeCluster();
console.log('cluster', cluster.clusterId, 'controller', cluster.controllerId, 'brokers', cluster.brokers);

await admin.createTopics(
  [{ name: 'example-admin', partitions: 3, configs: { 'retention.ms': '86400000' } }],
  {
    ifNotExists: true,
  },
);
await admin.createPartitions([{ topic: 'example-admin', count: 6 }]).catch((err) => console.log(err.message));
console.log(JSON.stringify(await admin.describeTopics(['example-admin']), null, 2));

await admin.alterTopicConfigs('example-admin', { 'retention.ms': '3600000' });
console.log(await admin.describeConfigs({ topic: 'example-admin' }, ['retention.ms']));

console.log('earliest', await admin.earliestOffsets('example-admin'));
console.log('latest', await admin.latestOffsets('example-admin'));
console.log('an hour ago', await admin.offsetsByTime('example-admin', Date.now() - 3_600_000));

for (const g of await admin.listGroups()) {
  const [d] = await admin.describeGroups([g.groupId]);
  console.log(
    g.groupId,
    d?.state,
    d?.members.map((m) => m.clientId),
  );
}

await admin.deleteTopics(['example-admin']);
await admin.close();
