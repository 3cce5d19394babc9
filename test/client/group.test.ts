/**
 * Consumer groups against a real broker: subscribe, commit and resume, a rebalance over three
 * consumers with each assignor, heartbeats that keep going while the handler is stalled,
 * static membership, rebalance callbacks, a broker restart under a group, and group admin.
 *
 * Needs the broker's group coordinator (FindCoordinator, JoinGroup, ...). Against a broker
 * without it, every test here fails with SAMSA_UNSUPPORTED_VERSION from FindCoordinator.
 */
import t from 'tap';
import type { TopicPartitions } from '../../client/assignors.js';
import type { Consumer, ConsumerRecord } from '../../client/consumer.js';
import { stringDeserializer } from '../../client/serializers.js';
import { uniqueTopic } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait.js';
import { startClientTestBroker, take, testAdmin, testConsumer, testProducer } from './fixtures/index.js';

const brokerConfig = { groupMinSessionTimeoutMs: 500, groupInitialRebalanceDelayMs: 0 };

type StrConsumer = Consumer<string | null, string | null>;

function groupConsumer(
  t: Parameters<typeof testConsumer>[0],
  b: Parameters<typeof testConsumer>[1],
  groupId: string,
  extra: Parameters<typeof testConsumer>[2] = {},
): StrConsumer {
  return testConsumer<string | null, string | null>(t, b, {
    groupId,
    resetPolicy: 'earliest',
    keyDeserializer: stringDeserializer,
    valueDeserializer: stringDeserializer,
    sessionTimeoutMs: 3000,
    heartbeatIntervalMs: 100,
    autoCommitIntervalMs: 200,
    ...(extra as object),
  }) as StrConsumer;
}

const count = (c: StrConsumer) => c.assignment().length;

t.test('a group member reads and commits; the next member resumes after the commit', async (t) => {
  const b = await startClientTestBroker(t, brokerConfig);
  const topic = uniqueTopic('group-commit');
  const groupId = uniqueTopic('g');
  await testAdmin(t, b).createTopics([{ name: topic, partitions: 2 }]);
  const p = testProducer(t, b);
  await p.sendBatch(Array.from({ length: 100 }, (_, i) => ({ topic, key: String(i), value: String(i) })));
  const c1 = groupConsumer(t, b, groupId, { autoCommit: false });
  c1.subscribe([topic]);
  await c1.connect();
  t.equal(count(c1), 2, 'the only member owns every partition');
  const it = c1.records();
  const first = await take(it, 60);
  await it.return(undefined);
  await c1.commit();
  const committed = await c1.committed();
  t.equal(
    committed.reduce((s, o) => s + o.offset, 0),
    60,
    'the processed offsets are committed',
  );
  await c1.close();
  const c2 = groupConsumer(t, b, groupId);
  c2.subscribe([topic]);
  await c2.connect();
  const rest = await take(c2.records(), 40);
  const all = new Set([...first, ...rest].map((r) => r.value));
  t.equal(all.size, 100, 'nothing read twice, nothing skipped');
});

for (const assignor of ['cooperative-sticky', 'range', 'roundrobin'] as const) {
  t.test(
    `rebalance with three consumers (${assignor}): 2 partitions each, every record read once`,
    async (t) => {
      const b = await startClientTestBroker(t, brokerConfig);
      const topic = uniqueTopic('group-3');
      const groupId = uniqueTopic('g3');
      await testAdmin(t, b).createTopics([{ name: topic, partitions: 6 }]);
      const revokedSeen: TopicPartitions[][] = [];
      const consumers: StrConsumer[] = [];
      for (let i = 0; i < 3; i++) {
        const c = groupConsumer(t, b, groupId, {
          assignors: [assignor],
          onRevoked: (ps) => {
            revokedSeen.push(ps);
          },
        });
        c.subscribe([topic]);
        await c.connect();
        consumers.push(c);
      }
      await waitFor('three members with two partitions each', () => consumers.every((c) => count(c) === 2), {
        timeoutMs: 20_000,
      });
      const owned = consumers.flatMap((c) => c.assignment().map((a) => `${a.topic}-${a.partition}`));
      t.equal(new Set(owned).size, 6, 'the six partitions are spread over the three members');
      t.ok(revokedSeen.length > 0, 'onRevoked ran when partitions moved');
      const gens = new Set(consumers.map((c) => c.groupState!.generationId));
      t.equal(gens.size, 1, 'all members are in the same generation');

      const p = testProducer(t, b);
      await p.sendBatch(Array.from({ length: 600 }, (_, i) => ({ topic, key: `k${i}`, value: String(i) })));
      const got: ConsumerRecord<string | null, string | null>[][] = [[], [], []];
      let total = 0;
      await Promise.all(
        consumers.map(async (c, i) => {
          const it = c.records();
          const deadline = Date.now() + 20_000;
          let pending = it.next();
          while (total < 600 && Date.now() < deadline) {
            let timer: NodeJS.Timeout | undefined;
            const r = await Promise.race([
              pending,
              new Promise<null>((res) => (timer = setTimeout(() => res(null), 200))),
            ]);
            clearTimeout(timer);
            if (r === null) continue; // this member is idle; check whether the others are done
            if (r.done) break;
            got[i]!.push(r.value);
            total++;
            pending = it.next();
          }
        }),
      );
      const values = got.flat().map((r) => r.value);
      t.equal(values.length, 600, 'exactly 600 records read');
      t.equal(new Set(values).size, 600, 'no duplicates');
      t.ok(
        got.every((g) => g.length > 0),
        'every member read some',
      );
    },
  );
}

t.test('heartbeats keep the member alive while its handler is stalled', async (t) => {
  const b = await startClientTestBroker(t, brokerConfig);
  const topic = uniqueTopic('group-stall');
  const groupId = uniqueTopic('gs');
  await testAdmin(t, b).createTopics([{ name: topic, partitions: 2 }]);
  const p = testProducer(t, b);
  await p.sendBatch(Array.from({ length: 10 }, (_, i) => ({ topic, value: String(i) })));
  const c = groupConsumer(t, b, groupId, { sessionTimeoutMs: 1000, heartbeatIntervalMs: 100 });
  c.subscribe([topic]);
  await c.connect();
  const gen = c.groupState!.generationId;
  const it = c.records();
  await take(it, 1);
  // The "handler" now takes three session timeouts; heartbeats must keep the session.
  await new Promise((r) => setTimeout(r, 3000));
  t.equal(c.groupState!.generationId, gen, 'no rebalance happened');
  t.equal(count(c), 2, 'the member still owns its partitions');
  const more = await take(it, 9);
  t.equal(more.length, 9);
});

t.test('static membership: a restarted member with the same instance id causes no rebalance', async (t) => {
  const b = await startClientTestBroker(t, brokerConfig);
  const topic = uniqueTopic('group-static');
  const groupId = uniqueTopic('gst');
  await testAdmin(t, b).createTopics([{ name: topic, partitions: 4 }]);
  const other = groupConsumer(t, b, groupId, { groupInstanceId: 'other' });
  other.subscribe([topic]);
  await other.connect();
  const a = groupConsumer(t, b, groupId, { groupInstanceId: 'a' });
  a.subscribe([topic]);
  await a.connect();
  await waitFor('two members with two partitions each', () => count(other) === 2 && count(a) === 2, {
    timeoutMs: 20_000,
  });
  const genOther = other.groupState!.generationId;
  const mine = a.assignment();
  await a.close(); // static: no LeaveGroup
  const a2 = groupConsumer(t, b, groupId, { groupInstanceId: 'a' });
  a2.subscribe([topic]);
  await a2.connect();
  t.same(a2.assignment(), mine, 'the returning instance gets its partitions back');
  t.equal(other.groupState!.generationId, genOther, 'the other member saw no rebalance');
});

t.test('a group consumer resumes after a broker restart', async (t) => {
  const b = await startClientTestBroker(t, brokerConfig);
  const topic = uniqueTopic('group-restart');
  const groupId = uniqueTopic('gr');
  await testAdmin(t, b).createTopics([{ name: topic, partitions: 2 }]);
  const p = testProducer(t, b, { retryBackoffMs: 20, retryBackoffMsMax: 200, connectTimeoutMs: 1000 });
  await p.sendBatch(Array.from({ length: 500 }, (_, i) => ({ topic, key: String(i), value: String(i) })));
  const c = groupConsumer(t, b, groupId, {
    retryBackoffMs: 20,
    retryBackoffMsMax: 200,
    connectTimeoutMs: 1000,
  });
  c.subscribe([topic]);
  await c.connect();
  const it = c.records();
  const before = await take(it, 250);
  await b.restart();
  await p.sendBatch(
    Array.from({ length: 500 }, (_, i) => ({ topic, key: String(500 + i), value: String(500 + i) })),
  );
  const seen = new Set(before.map((r) => r.value));
  const deadline = Date.now() + 30_000;
  while (seen.size < 1000 && Date.now() < deadline) {
    const [r] = await take(it, 1, deadline - Date.now());
    seen.add(r!.value);
  }
  t.equal(seen.size, 1000, 'every record was read (redelivery after the restart is allowed)');
});

t.test('admin: list, describe, reset offsets and delete groups', async (t) => {
  const b = await startClientTestBroker(t, brokerConfig);
  const admin = testAdmin(t, b);
  const topic = uniqueTopic('group-admin');
  const groupId = uniqueTopic('ga');
  await admin.createTopics([{ name: topic, partitions: 2 }]);
  const p = testProducer(t, b);
  await p.sendBatch(Array.from({ length: 20 }, (_, i) => ({ topic, partition: i % 2, value: String(i) })));
  const c = groupConsumer(t, b, groupId, { autoCommit: false });
  c.subscribe([topic]);
  await c.connect();
  const it = c.records();
  await take(it, 20);
  await it.return(undefined);
  await c.commit();
  t.ok((await admin.listGroups()).some((g) => g.groupId === groupId));
  const [d] = await admin.describeGroups([groupId]);
  t.equal(d!.members.length, 1);
  t.same(d!.members[0]!.subscription, [topic]);
  t.equal(d!.members[0]!.assignment[0]?.partitions.length, 2);
  await c.close();
  t.same(
    (await admin.fetchGroupOffsets(groupId, [topic])).map((o) => o.offset),
    [10, 10],
  );
  await admin.resetGroupOffsets(groupId, topic, 'earliest');
  t.same(
    (await admin.fetchGroupOffsets(groupId, [topic])).map((o) => o.offset),
    [0, 0],
  );
  await admin.resetGroupOffsets(groupId, topic, { offsets: [{ topic, partition: 1, offset: 4 }] });
  t.same(
    (await admin.fetchGroupOffsets(groupId, [topic])).map((o) => o.offset),
    [0, 4],
  );
  await admin.deleteGroups([groupId]);
  t.notOk((await admin.listGroups()).some((g) => g.groupId === groupId));
});
