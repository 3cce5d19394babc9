/**
 * Group consumers of @platformatic/kafka 1.x (`Consumer.consume()` with a groupId: JoinGroup v6,
 * SyncGroup v4, OffsetCommit v8, OffsetFetch v8) and kafka-python 2.0.2 (KafkaConsumer with a
 * group_id, explicit commits) against an in-process broker, handing one group's committed
 * offsets from one client to the other:
 * - kafka-python processes and commits 12 of 30 records; OffsetFetch and @platformatic/kafka
 *   (mode 'committed') resume at exactly those offsets; kafka-python then resumes after
 *   platformatic's commits;
 * - two @platformatic/kafka members split the partitions (one owner each, same generation),
 *   each record produced afterwards is processed once by its owner, and kafka-python reads back
 *   the committed end offsets.
 */
import {
  Consumer,
  type ConsumerGroupJoinPayload,
  type Message,
  stringDeserializers,
} from '@platformatic/kafka';
import t from 'tap';
import { startTestBroker } from '../helpers/broker.js';
import { committedOffsets, offsetFetch } from '../helpers/groups-raw.js';
import { kcatProduce } from '../helpers/kcat.js';
import { runPython } from '../helpers/python.js';
import { createTopics, RawConnection } from '../helpers/raw-client.js';
import type { TapTest } from '../helpers/tap-types.js';
import { uniqueTopic } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait.js';

const b = await startTestBroker(t, { groupInitialRebalanceDelayMs: 0 });
const raw = await RawConnection.open(b.host, b.port, t);
const PARTS = [0, 1, 2];

async function newTopic(stem: string): Promise<string> {
  const topic = uniqueTopic(stem);
  const [res] = await createTopics(raw, [{ name: topic, partitions: PARTS.length }]);
  if (res?.errorCode !== 0) throw new Error(`CreateTopics ${topic}: error ${res?.errorCode}`);
  return topic;
}

/** Records `from`..`from+n-1` on each partition, values `v-<partition>-<i>`. */
async function produce(topic: string, from: number, n: number): Promise<void> {
  for (const p of PARTS) {
    await kcatProduce(
      b.bootstrap,
      topic,
      Array.from({ length: n }, (_, i) => `v-${p}-${from + i}`),
      ['-p', String(p)],
    );
  }
}

interface PyRecord {
  partition: number;
  offset: number;
  value: string;
}

interface PyConsumed {
  records: PyRecord[];
  assignment: number[];
  committed: Record<string, number | null>;
  timed_out: boolean;
}

interface PyCommitted {
  consumer: Record<string, number | null>;
  admin: Record<string, number>;
  metadata: Record<string, string>;
  end_offsets: Record<string, number>;
  state: string | null;
}

function pyConsume(group: string, topic: string, count: number | null, metadata = ''): Promise<PyConsumed> {
  return runPython<PyConsumed>('groups_client.py', {
    action: 'consume_group',
    bootstrap: b.bootstrap,
    group,
    topic,
    partitions: PARTS,
    count,
    metadata,
    timeout_s: 25,
  });
}

function pyCommitted(group: string, topic: string): Promise<PyCommitted> {
  return runPython<PyCommitted>('groups_client.py', {
    action: 'committed',
    bootstrap: b.bootstrap,
    group,
    topic,
    partitions: PARTS,
  });
}

interface PltRecord {
  member: string;
  partition: number;
  offset: number;
  value: string;
}

/** Everything the platformatic members of one test did, with waiting on it. */
class PltObserver {
  readonly records: PltRecord[] = [];
  readonly joins: (ConsumerGroupJoinPayload & { member: string })[] = [];
  readonly errors: string[] = [];
  private listeners = new Set<() => void>();
  changed(): void {
    for (const fn of [...this.listeners]) fn();
  }
  until<T>(what: string, probe: () => T | undefined | null | false, timeoutMs = 20_000): Promise<T> {
    const now = probe();
    if (now) return Promise.resolve(now);
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.listeners.delete(check);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${this.describe()}`));
      }, timeoutMs);
      const check = () => {
        const v = probe();
        if (!v) return;
        clearTimeout(timer);
        this.listeners.delete(check);
        resolve(v);
      };
      this.listeners.add(check);
    });
  }
  /** Latest join (generation and partitions of `topic`) of each member. */
  latest(topic: string): Map<string, { generationId: number; partitions: number[] }> {
    const out = new Map<string, { generationId: number; partitions: number[] }>();
    for (const j of this.joins) {
      const partitions = (j.assignments ?? [])
        .filter((a) => a.topic === topic)
        .flatMap((a) => a.partitions)
        .sort((x, y) => x - y);
      out.set(j.member, { generationId: j.generationId ?? -1, partitions });
    }
    return out;
  }
  describe(): string {
    return [
      `joins: ${JSON.stringify(this.joins.map((j) => ({ m: j.member, g: j.generationId, a: j.assignments })))}`,
      `records: ${this.records.length}`,
      `errors: ${this.errors.join('; ')}`,
    ].join('\n');
  }
}

interface PltMember {
  consumer: Consumer<string, string, string, string>;
  stop(): Promise<void>;
}

/** A platformatic group member consuming `topic` from the group's committed offsets, committing each record. */
async function pltMember(
  t: TapTest,
  o: PltObserver,
  groupId: string,
  topic: string,
  name: string,
): Promise<PltMember> {
  const consumer = new Consumer<string, string, string, string>({
    clientId: `samsa-e2e-${name}`,
    bootstrapBrokers: [b.bootstrap],
    groupId,
    sessionTimeout: 10_000,
    rebalanceTimeout: 10_000,
    heartbeatInterval: 200,
    maxWaitTime: 200,
    retries: 5,
    retryDelay: 100,
    deserializers: stringDeserializers,
  });
  consumer.on('consumer:group:join', (p) => {
    o.joins.push({ ...p, member: name });
    o.changed();
  });
  let closed = false;
  consumer.on('consumer:heartbeat:error', (p) => {
    if (!closed) o.errors.push(`${name} heartbeat: ${p.error.message}`);
  });
  // A rejoin under way when close() is called fails against the closed pool and is emitted as
  // 'error': only errors before close count.
  consumer.on('error', (e: Error) => {
    if (!closed) o.errors.push(`${name}: ${e.message}`);
  });
  t.teardown(() => (closed ? undefined : consumer.close(true)));
  const stream = await consumer.consume({
    topics: [topic],
    mode: 'committed',
    fallbackMode: 'earliest',
    autocommit: false,
  });
  stream.on('error', (e: Error) => {
    o.errors.push(`${name} stream: ${e.message}`);
    o.changed();
  });
  stream.on('data', (m: Message<string, string, string, string>) => {
    o.records.push({ member: name, partition: m.partition, offset: Number(m.offset), value: m.value });
    o.changed();
    Promise.resolve(m.commit()).catch((e: Error) =>
      o.errors.push(`${name} commit ${m.offset}: ${e.message}`),
    );
  });
  return {
    consumer,
    async stop() {
      if (closed) return;
      closed = true;
      await stream.close();
      await consumer.close();
    },
  };
}

async function waitCommitted(groupId: string, topic: string, want: number[]): Promise<void> {
  let last: number[] = [];
  await waitFor(
    `${groupId}'s committed offsets to reach [${want.join(',')}]`,
    async () => {
      last = await committedOffsets(raw, groupId, topic, PARTS);
      return last.every((x, i) => x === want[i]);
    },
    { timeoutMs: 15_000, intervalMs: 50 },
  ).catch((err: Error) => {
    throw new Error(`${err.message}; last [${last.join(',')}]`);
  });
}

const keyOf = (r: { partition: number; offset: number }) => `${r.partition}/${r.offset}`;

t.test('kafka-python commits, @platformatic/kafka resumes, kafka-python resumes again', async (t) => {
  const topic = await newTopic('grp-py-plt');
  const groupId = uniqueTopic('grp-py-plt-g');
  await produce(topic, 0, 10);

  const py1 = await pyConsume(groupId, topic, 12, 'from-python');
  t.notOk(py1.timed_out, 'kafka-python processed 12 records in time');
  t.equal(py1.records.length, 12);
  t.same(py1.assignment, PARTS, 'the only member is assigned every partition');
  const next1 = PARTS.map((p) => {
    const offs = py1.records.filter((r) => r.partition === p).map((r) => r.offset);
    t.same(
      offs,
      offs.map((_, i) => i),
      `partition ${p}: a prefix from offset 0`,
    );
    return offs.length;
  });
  t.same(
    PARTS.map((p) => py1.committed[String(p)] ?? 0),
    next1,
    `kafka-python's committed() reads back its commits [${next1}]`,
  );
  const fetched = await offsetFetch(raw, groupId, null);
  t.same(
    fetched.offsets
      .filter((o) => o.offset >= 0n)
      .map((o) => [o.partition, Number(o.offset), o.metadata])
      .sort(),
    PARTS.filter((p) => next1[p]! > 0)
      .map((p) => [p, next1[p], 'from-python'])
      .sort(),
    'OffsetFetch (all topics) returns them with their metadata',
  );

  const o = new PltObserver();
  const m = await pltMember(t, o, groupId, topic, 'plt');
  await o.until('platformatic to read the other 18 records', () => o.records.length >= 18 || undefined);
  await waitCommitted(groupId, topic, [10, 10, 10]);
  t.same(o.errors, [], 'no platformatic errors');
  t.equal(o.records.length, 18, 'platformatic reads exactly the 18 records kafka-python left');
  t.ok(
    o.records.every((r) => r.offset >= next1[r.partition]!),
    'starting at kafka-python committed offsets',
  );
  t.same(
    [...py1.records.map(keyOf), ...o.records.map(keyOf)].sort(),
    PARTS.flatMap((p) => Array.from({ length: 10 }, (_, i) => `${p}/${i}`)).sort(),
    'between them, every record once',
  );
  t.ok(
    o.records.every((r) => r.value === `v-${r.partition}-${r.offset}`),
    'with the right values',
  );
  const join = o.latest(topic).get('plt');
  t.same(
    join?.partitions,
    PARTS,
    `platformatic's join event: every partition (generation ${join?.generationId})`,
  );
  await m.stop();

  await produce(topic, 10, 5);
  const py2 = await pyConsume(groupId, topic, null);
  t.notOk(py2.timed_out, 'kafka-python caught up in time');
  t.same(
    py2.records.map(keyOf).sort(),
    PARTS.flatMap((p) => Array.from({ length: 5 }, (_, i) => `${p}/${10 + i}`)).sort(),
    "kafka-python resumes after platformatic's commits: exactly the 15 new records",
  );
  const c = await pyCommitted(groupId, topic);
  t.same(c.consumer, { 0: 15, 1: 15, 2: 15 }, 'KafkaConsumer.committed: the end offsets');
  t.same(c.admin, { 0: 15, 1: 15, 2: 15 }, 'KafkaAdminClient.list_consumer_group_offsets agrees');
  t.equal(c.state, 'Empty');
});

t.test('two @platformatic/kafka members split the partitions; each record processed once', async (t) => {
  const topic = await newTopic('grp-plt-two');
  const groupId = uniqueTopic('grp-plt-two-g');
  const o = new PltObserver();
  const m1 = await pltMember(t, o, groupId, topic, 'm1');
  await o.until('m1 to join', () => o.latest(topic).get('m1')?.partitions.length === 3 || undefined);
  const m2 = await pltMember(t, o, groupId, topic, 'm2');
  const split = await o.until('m1 and m2 to hold the partitions in one generation', () => {
    const l = o.latest(topic);
    const a = l.get('m1');
    const c = l.get('m2');
    if (!a || !c || a.generationId !== c.generationId) return undefined;
    const all = [...a.partitions, ...c.partitions].sort();
    return all.join(',') === PARTS.join(',') && a.partitions.length > 0 && c.partitions.length > 0
      ? { m1: a.partitions, m2: c.partitions, generationId: a.generationId }
      : undefined;
  });
  t.pass(`generation ${split.generationId}: m1 [${split.m1}] m2 [${split.m2}]`);
  const gens = new Map<number, Map<number, string[]>>();
  for (const j of o.joins) {
    const owners = gens.get(j.generationId ?? -1) ?? new Map<number, string[]>();
    gens.set(j.generationId ?? -1, owners);
    for (const a of j.assignments ?? [])
      for (const p of a.partitions) owners.set(p, [...(owners.get(p) ?? []), j.member]);
  }
  t.same(
    [...gens].flatMap(([g, owners]) =>
      [...owners].filter(([, ms]) => ms.length > 1).map(([p, ms]) => `${g}:${p}:${ms}`),
    ),
    [],
    'no partition has two owners in any generation',
  );

  await produce(topic, 0, 10);
  await o.until('30 records processed', () => o.records.length >= 30 || undefined);
  await waitCommitted(groupId, topic, [10, 10, 10]);
  t.equal(o.records.length, 30, 'each record processed once');
  t.same(
    o.records.filter((r) => !(r.member === 'm1' ? split.m1 : split.m2).includes(r.partition)),
    [],
    'each by the owner of its partition',
  );
  t.same(o.errors, [], 'no platformatic errors');
  await m2.stop();
  await m1.stop();
  const c = await pyCommitted(groupId, topic);
  t.same(c.consumer, { 0: 10, 1: 10, 2: 10 }, 'kafka-python reads back the committed offsets');
  t.equal(c.state, 'Empty', 'both members left');
});
