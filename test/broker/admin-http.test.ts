import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { pino } from 'pino';
import t from 'tap';
import { startBroker } from '../../broker/broker.js';
import { encodeRecordBatch } from '../../protocol/record-batch.js';
import { WireClient } from './wire-client.js';

t.test('admin HTTP: health, readiness, JSON views, Prometheus metrics that move', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'samsa-admin-'));
  const broker = await startBroker({ dataDir, port: 0, adminPort: 0, logger: pino({ level: 'silent' }) });
  const client = await WireClient.connect(broker.port);
  t.teardown(async () => {
    client.close();
    await broker.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  const base = `http://127.0.0.1:${broker.adminPort}`;
  const get = async (path: string) => {
    const r = await fetch(base + path);
    return { status: r.status, type: r.headers.get('content-type') ?? '', text: await r.text() };
  };
  t.equal((await get('/healthz')).status, 200);
  t.equal((await get('/readyz')).status, 200);

  await client.request(19, 7, {
    topics: [{ name: 'm', numPartitions: 2, replicationFactor: 1, assignments: [], configs: [] }],
    timeoutMs: 1000,
    validateOnly: false,
  });
  const scrape = async () => {
    const r = await get('/metrics');
    t.match(r.type, /text\/plain/);
    const families = parsePrometheusTextFormat(r.text);
    const value = (name: string, labels: Record<string, string> = {}) => {
      const fam = families.find((f) => f.name === name);
      const m = fam?.metrics.find((x) => Object.entries(labels).every(([k, v]) => x.labels?.[k] === v));
      return Number(m?.value ?? m?.count ?? Number.NaN);
    };
    return { families, value };
  };
  const before = await scrape();
  const offsetsPartitions = 50;
  t.equal(before.value('samsa_partitions'), 2 + offsetsPartitions, "m's two and __consumer_offsets' fifty");
  t.ok(Number.isNaN(before.value('samsa_topic_records_in_total', { topic: 'm' })), 'no records yet');
  t.equal(before.value('samsa_active_controller'), 1, 'a broker alone is the active controller');
  t.equal(before.value('samsa_leader_partitions'), 2 + offsetsPartitions, 'and leads every partition');
  t.equal(before.value('samsa_under_replicated_partitions'), 0);
  t.equal(before.value('samsa_offline_partitions'), 0);

  const records = encodeRecordBatch({ records: [{ value: Buffer.from('a') }, { value: Buffer.from('b') }] });
  await client.request(0, 7, {
    transactionalId: null,
    acks: 1,
    timeoutMs: 1000,
    topicData: [{ name: 'm', partitionData: [{ index: 1, records }] }],
  });
  const after = await scrape();
  t.equal(after.value('samsa_topic_records_in_total', { topic: 'm' }), 2);
  t.equal(after.value('samsa_topic_bytes_in_total', { topic: 'm' }), records.length);
  t.equal(after.value('samsa_partition_high_watermark', { topic: 'm', partition: '1' }), 2);
  t.equal(after.value('samsa_requests_total', { api: 'Produce' }), 1);
  t.equal(after.families.find((f) => f.name === 'samsa_request_duration_seconds')?.type, 'HISTOGRAM');
  t.ok(after.value('samsa_connections') >= 1);
  t.ok(after.value('samsa_process_resident_memory_bytes') > 0);

  const topics = JSON.parse((await get('/v1/topics')).text);
  t.same(topics.topics, [
    {
      name: '__consumer_offsets',
      internal: true,
      partitions: offsetsPartitions,
      configs: { 'cleanup.policy': 'compact', 'segment.bytes': '104857600' },
    },
    { name: 'm', internal: false, partitions: 2, configs: {} },
  ]);
  const topic = JSON.parse((await get('/v1/topics/m')).text);
  t.same(
    topic.partitions.map((p: { partition: number; logEndOffset: number; leader: number }) => [
      p.partition,
      p.logEndOffset,
      p.leader,
    ]),
    [
      [0, 0, 1],
      [1, 2, 1],
    ],
  );
  const missing = await get('/v1/topics/nope');
  t.equal(missing.status, 404);
  t.match(JSON.parse(missing.text).message, /samsa topic create nope/);
  const bad = await get('/v1/topics/bad%20name');
  t.equal(bad.status, 400);
  // A group that committed offset 1 of partition 1 (which holds 2 records): lag 1.
  const commit = await client.request(8, 8, {
    groupId: 'billing',
    generationIdOrMemberEpoch: -1,
    memberId: '',
    groupInstanceId: null,
    topics: [
      {
        name: 'm',
        partitions: [
          { partitionIndex: 1, committedOffset: 1, committedLeaderEpoch: -1, committedMetadata: 'x' },
        ],
      },
    ],
  });
  t.equal(commit.topics[0]?.partitions[0]?.errorCode, 0);
  const groups = JSON.parse((await get('/v1/groups')).text);
  t.same(
    groups.groups.map((g: { groupId: string }) => g.groupId),
    ['billing'],
  );
  const group = JSON.parse((await get('/v1/groups/billing')).text);
  t.same(group.offsets, [
    { topic: 'm', partition: 1, committedOffset: 1, metadata: 'x', highWatermark: 2, lag: 1 },
  ]);
  t.equal((await get('/v1/groups/nobody')).status, 404);
  const lagMetrics = await scrape();
  t.equal(lagMetrics.value('samsa_consumer_group_lag', { group: 'billing', topic: 'm', partition: '1' }), 1);

  const brokers = JSON.parse((await get('/v1/brokers')).text);
  t.equal(brokers.brokers[0].port, broker.port);
  t.equal((await get('/nowhere')).status, 404);
});
