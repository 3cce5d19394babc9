/**
 * Consumer groups with kafkajs 2.2.4 against a broker process (`samsa broker start`):
 * - three consumers in one group over a 6-partition topic: once the group is stable every
 *   record is consumed exactly once, by the member that owns its partition;
 * - one consumer leaves (disconnect: commit, LeaveGroup), the other two take over its
 *   partitions in a new generation, and nothing is lost;
 * - the committed offsets survive SIGTERM and a restart on the same data directory: a new
 *   consumer of the group (fromBeginning, so lost offsets would show as re-reads) resumes exactly
 *   where the group left off; and they survive kill -9 of the broker as well.
 */
import t from 'tap';
import { type BrokerProcess, spawnBroker } from '../helpers/broker.js';
import { GroupObserver, type ProcessedRecord, trackedConsumer } from '../helpers/groups-kafkajs.js';
import { committedOffsets, describeGroups } from '../helpers/groups-raw.js';
import { kafkajsAdmin, kafkajsClient, kafkajsProducer } from '../helpers/kafkajs.js';
import { RawConnection } from '../helpers/raw-client.js';
import { tempDir, uniqueTopic } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait.js';

const PARTITIONS = 6;
const ALL = Array.from({ length: PARTITIONS }, (_, i) => i);

interface TestLike {
  teardown(fn: () => unknown): void;
}

/**
 * `samsa broker start` on `dataDir`: on a port the system picks, or again on `port` (the one
 * the system picked for the previous run; the later --port wins over the helper's `--port 0`).
 */
function startBroker(t: TestLike, dataDir: string, port?: number): Promise<BrokerProcess> {
  return spawnBroker(t, {
    dataDir,
    // No fixed ports: the admin HTTP server (default 9644) is off.
    extraArgs: ['--admin-port', '-1', ...(port === undefined ? [] : ['--port', String(port)])],
    config: { 'group.initial.rebalance.delay.ms': 0 },
  });
}

/** `perPartition` records on every partition, values `${tag}-${partition}-${i}`. */
function messages(tag: string, perPartition: number) {
  return ALL.flatMap((partition) =>
    Array.from({ length: perPartition }, (_, i) => ({ partition, value: `${tag}-${partition}-${i}` })),
  );
}

const key = (r: { partition: number; offset: number }) => `${r.partition}/${r.offset}`;

/** (partition, offset) -> how many times it was processed. */
function counts(records: ProcessedRecord[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of records) out.set(key(r), (out.get(key(r)) ?? 0) + 1);
  return out;
}

/** Whether offsets [from, to) of every partition were processed. */
function covers(records: ProcessedRecord[], from: number, to: number): boolean {
  const seen = counts(records);
  return ALL.every((p) =>
    Array.from({ length: to - from }, (_, i) => from + i).every((o) => seen.has(`${p}/${o}`)),
  );
}

async function waitCommitted(
  conn: RawConnection,
  groupId: string,
  topic: string,
  want: number,
  observer?: GroupObserver,
): Promise<void> {
  let last: number[] = [];
  await waitFor(
    `committed offsets of ${groupId} to reach ${want} on every partition`,
    async () => {
      last = await committedOffsets(conn, groupId, topic, ALL);
      return last.every((o) => o === want);
    },
    { timeoutMs: 15_000, intervalMs: 50 },
  ).catch((err: Error) => {
    throw new Error(`${err.message}; last seen [${last.join(',')}]\n${observer?.describe() ?? ''}`);
  });
}

t.test('three kafkajs consumers, one leaves, offsets resume after a broker restart', async (t) => {
  const dataDir = tempDir(t, 'samsa-groups-kjs-');
  let broker = await startBroker(t, dataDir);
  const topic = uniqueTopic('grp-kjs');
  const groupId = uniqueTopic('grp-kjs-group');

  const kafka = kafkajsClient(broker.bootstrap);
  const admin = await kafkajsAdmin(t, kafka);
  t.equal(await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }] }), true);
  const producer = await kafkajsProducer(t, kafka);
  let raw = await RawConnection.open(broker.host, broker.port, t);

  // --- Three members, stable group: exactly once, each record by its partition's owner.
  const observer = new GroupObserver(topic);
  const names = ['c1', 'c2', 'c3'];
  const members = new Map<string, Awaited<ReturnType<typeof trackedConsumer>>>();
  for (const name of names) {
    members.set(name, await trackedConsumer(t, { bootstrap: broker.bootstrap, groupId, name, observer }));
  }
  const gen1 = await observer.until('a generation with all three members', () =>
    observer.stableGeneration(names, PARTITIONS),
  );
  const owners1 = observer.latest(names);
  for (const name of names) {
    t.equal(owners1.get(name)?.partitions.length, 2, `${name} owns 2 of 6 partitions in generation ${gen1}`);
  }
  const assignmentsAtGen1 = observer.assignments.length;

  await producer.send({ topic, acks: -1, messages: messages('one', 100) });
  await observer.until('600 records processed', () => covers(observer.records, 0, 100) || undefined);
  await waitCommitted(raw, groupId, topic, 100, observer);

  const phase1 = observer.records.slice();
  const c1 = counts(phase1);
  t.equal(c1.size, 600, 'every one of the 600 records was processed');
  t.equal(phase1.length, 600, 'and none twice');
  t.same(
    [...c1].filter(([, n]) => n !== 1),
    [],
    'no (partition, offset) processed more than once',
  );
  const ownerOf = (gen: Map<string, { partitions: number[] }>, p: number) =>
    [...gen].filter(([, a]) => a.partitions.includes(p)).map(([m]) => m);
  t.same(
    phase1.filter((r) => ownerOf(owners1, r.partition)[0] !== r.member),
    [],
    'every record was processed by the member that owns its partition',
  );
  t.equal(observer.assignments.length, assignmentsAtGen1, 'no rebalance while the group was stable', {
    seen: observer.describe(),
  });

  // --- c2 leaves: c1 and c3 take over its partitions in a new generation, nothing is lost.
  const leaving = owners1.get('c2')!.partitions;
  await members.get('c2')!.stop();
  const stayers = ['c1', 'c3'];
  const gen2 = await observer.until('a generation of c1 and c3 holding all 6 partitions', () => {
    const g = observer.stableGeneration(stayers, PARTITIONS);
    return g !== undefined && g > gen1 ? g : undefined;
  });
  const owners2 = observer.latest(stayers);
  for (const p of leaving) {
    t.equal(ownerOf(owners2, p).length, 1, `partition ${p} of c2 has one owner in generation ${gen2}`);
  }
  t.same(
    observer.assignments.filter((a) => a.member === 'c2' && a.generationId >= gen2),
    [],
    'the member that left has no assignment in the new generation',
  );

  const before2 = observer.records.length;
  await producer.send({ topic, acks: -1, messages: messages('two', 100) });
  await observer.until(
    'the next 600 records processed',
    () => covers(observer.records, 100, 200) || undefined,
  );
  await waitCommitted(raw, groupId, topic, 200, observer);
  const phase2 = observer.records.slice(before2);
  const c2 = counts(phase2);
  t.equal(c2.size, 600, 'every record produced after the leave was processed');
  t.equal(phase2.length, 600, 'exactly once: the new generation was stable');
  t.ok(
    phase2.every((r) => r.offset >= 100 && ownerOf(owners2, r.partition)[0] === r.member),
    'each by its new owner, none of the earlier records again',
  );
  t.ok(
    leaving.every((p) => phase2.some((r) => r.partition === p && stayers.includes(r.member))),
    `the partitions c2 had (${leaving.join(',')}) are consumed by c1/c3`,
  );
  t.ok(covers(observer.records, 0, 200), 'nothing lost: offsets 0-199 of every partition were processed');

  // --- Stop the group, produce more, restart the broker: committed offsets come back.
  await members.get('c1')!.stop();
  await members.get('c3')!.stop();
  t.same(await committedOffsets(raw, groupId, topic, ALL), Array(PARTITIONS).fill(200));
  await producer.send({ topic, acks: -1, messages: messages('three', 10) });
  await producer.disconnect();
  await admin.disconnect();
  raw.close();

  t.same(await broker.stop('SIGTERM'), { code: 0, signal: null }, 'the broker stops cleanly');
  broker = await startBroker(t, dataDir);
  raw = await RawConnection.open(broker.host, broker.port, t);
  t.same(
    await committedOffsets(raw, groupId, topic, ALL),
    Array(PARTITIONS).fill(200),
    'the committed offsets survive the restart (OffsetFetch)',
  );

  const after = new GroupObserver(topic);
  const c4 = await trackedConsumer(t, { bootstrap: broker.bootstrap, groupId, name: 'c4', observer: after });
  await after.until(
    'the 60 records produced before the restart',
    () => after.records.length >= 60 || undefined,
  );
  await waitCommitted(raw, groupId, topic, 210, after);
  const resumed = after.records;
  t.equal(resumed.length, 60, 'exactly the 60 records after the committed offsets');
  t.same(
    resumed.filter((r) => r.offset < 200),
    [],
    'nothing before the committed offsets is read again (the consumer starts fromBeginning)',
  );
  t.same(
    [...counts(resumed).keys()].sort(),
    ALL.flatMap((p) => Array.from({ length: 10 }, (_, i) => `${p}/${200 + i}`)).sort(),
  );
  t.ok(
    resumed.every((r) => r.value === `three-${r.partition}-${r.offset - 200}`),
    'with the values produced before the restart',
  );

  // --- kill -9 (no clean shutdown, no flush): commits already acknowledged are not lost.
  await c4.stop();
  raw.close();
  const killed = broker;
  t.same(await broker.kill(), { code: null, signal: 'SIGKILL' });
  broker = await startBroker(t, dataDir);
  raw = await RawConnection.open(broker.host, broker.port, t);
  t.same(
    await committedOffsets(raw, groupId, topic, ALL),
    Array(PARTITIONS).fill(210),
    'the committed offsets survive kill -9 of the broker',
  );
  // c4's LeaveGroup was answered before the kill: the group it left empty must come back empty,
  // or the next member's JoinGroup waits out c4's rebalance timeout for a member that is gone.
  // (Kafka's group coordinator answers LeaveGroup once the records it caused are written.)
  const [reloaded] = await describeGroups(raw, [groupId]);
  t.same(
    { state: reloaded?.state, members: reloaded?.members.map((m) => m.memberId) },
    { state: 'Empty', members: [] },
    'after kill -9 the group is reloaded as the acknowledged LeaveGroup left it: Empty',
    {
      killedBrokerLog: killed.logs.lines
        .filter((l) => l['groupId'] === groupId)
        .slice(-6)
        .map((l) => `${l['time']} ${l.msg} ${String(l['memberId'] ?? '')}`),
    },
  );
  const kafka2 = kafkajsClient(broker.bootstrap);
  const producer2 = await kafkajsProducer(t, kafka2);
  await producer2.send({ topic, acks: -1, messages: messages('four', 1) });
  const last = new GroupObserver(topic);
  await trackedConsumer(t, { bootstrap: broker.bootstrap, groupId, name: 'c5', observer: last });
  await last.until('the 6 records produced after the crash', () => last.records.length >= 6 || undefined);
  await waitCommitted(raw, groupId, topic, 211, last);
  t.same(
    last.records.map((r) => key(r)).sort(),
    ALL.map((p) => `${p}/210`).sort(),
    'a new member resumes at the committed offsets: only the records produced after the crash',
  );
});

t.test(
  'a live group across a broker restart on the same port: kafkajs reconnects, nothing lost',
  async (t) => {
    const dataDir = tempDir(t, 'samsa-groups-kjs-live-');
    let broker = await startBroker(t, dataDir);
    const port = broker.port;
    const topic = uniqueTopic('grp-kjs-live');
    const groupId = uniqueTopic('grp-kjs-live-group');
    const kafka = kafkajsClient(broker.bootstrap);
    const admin = await kafkajsAdmin(t, kafka);
    t.equal(await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }] }), true);
    await admin.disconnect();
    let raw = await RawConnection.open(broker.host, broker.port, t);

    const observer = new GroupObserver(topic);
    const names = ['l1', 'l2'];
    const live = [];
    for (const name of names) {
      live.push(await trackedConsumer(t, { bootstrap: broker.bootstrap, groupId, name, observer }));
    }
    const gen = await observer.until('both members to hold the partitions', () =>
      observer.stableGeneration(names, PARTITIONS),
    );
    const producer = await kafkajsProducer(t, kafka);
    await producer.send({ topic, acks: -1, messages: messages('before', 20) });
    await producer.disconnect();
    await observer.until(
      'the 120 records before the restart',
      () => covers(observer.records, 0, 20) || undefined,
    );
    await waitCommitted(raw, groupId, topic, 20, observer);
    const membersBefore = observer.latest(names);

    // SIGTERM with the group live, then the same data directory on the same port.
    raw.close();
    t.same(
      await broker.stop('SIGTERM'),
      { code: 0, signal: null },
      'the broker stops cleanly with a live group',
    );
    broker = await startBroker(t, dataDir, port);
    t.equal(broker.port, port, 'the broker is back on the same port');
    raw = await RawConnection.open(broker.host, broker.port, t);
    t.same(await committedOffsets(raw, groupId, topic, ALL), Array(PARTITIONS).fill(20), 'commits survive');

    const before = observer.records.length;
    const kafka2 = kafkajsClient(broker.bootstrap);
    const producer2 = await kafkajsProducer(t, kafka2);
    await producer2.send({ topic, acks: -1, messages: messages('after', 10) });
    await observer.until(
      'the 60 records produced after the restart',
      () => covers(observer.records, 20, 30) || undefined,
      30_000,
    );
    await waitCommitted(raw, groupId, topic, 30, observer);
    const after = observer.records.slice(before);
    t.same(
      after.filter((r) => r.offset < 20),
      [],
      'the members do not re-read what was committed before the restart',
    );
    t.equal(after.length, 60, 'each record produced after the restart is processed once');
    const membersAfter = observer.latest(names);
    const kept = names.filter((n) => membersAfter.get(n)?.memberId === membersBefore.get(n)?.memberId);
    t.comment(
      `after the restart: generation ${gen} -> ${[...membersAfter.values()].map((a) => a.generationId).join('/')}, ` +
        `member ids kept by ${kept.length} of ${names.length} (Kafka reloads group membership from __consumer_offsets)`,
    );
    t.same(
      observer.errors.filter((e) => e.message.startsWith('CRASH')),
      [],
      'no kafkajs consumer crashed',
    );
    for (const c of live) await c.stop();
    t.same(
      await committedOffsets(raw, groupId, topic, ALL),
      Array(PARTITIONS).fill(30),
      'the members leave with everything committed',
    );
  },
);
