/**
 * kcat `-G` (librdkafka 2.0.2's balanced KafkaConsumer) consumer groups against an in-process
 * broker, with the committed offsets read back by kafka-python (KafkaConsumer.committed and
 * KafkaAdminClient.list_consumer_group_offsets) and by kcat itself (a later `-G` run of the
 * same group starts where the earlier one stopped):
 * - one member at a time: `-c 20` commits exactly the 20 records it printed; the next run
 *   reads exactly the other 10; a third reads nothing;
 * - two members at once: librdkafka's rebalance splits the partitions between them (each
 *   partition with one owner), records produced afterwards are each read by their owner, and
 *   after SIGTERM both have committed everything.
 */
import { join } from 'node:path';
import t from 'tap';
import { startTestBroker } from '../helpers/broker.js';
import { type LineProcess, spawnLines, untilLines } from '../helpers/groups-process.js';
import { describeGroups } from '../helpers/groups-raw.js';
import { type KcatMessage, kcat, kcatProduce, parseJsonLines } from '../helpers/kcat.js';
import { pythonScriptsDir, systemPython } from '../helpers/paths.js';
import { describeRun } from '../helpers/process.js';
import { runPython } from '../helpers/python.js';
import { createTopics, RawConnection } from '../helpers/raw-client.js';
import { uniqueTopic } from '../helpers/temp.js';

const b = await startTestBroker(t, { groupInitialRebalanceDelayMs: 0 });
const raw = await RawConnection.open(b.host, b.port, t);
const PARTS = [0, 1, 2];

interface Committed {
  consumer: Record<string, number | null>;
  admin: Record<string, number>;
  metadata: Record<string, string>;
  end_offsets: Record<string, number>;
  state: string | null;
}

function pyCommitted(group: string, topic: string): Promise<Committed> {
  return runPython<Committed>('groups_client.py', {
    action: 'committed',
    bootstrap: b.bootstrap,
    group,
    topic,
    partitions: PARTS,
  });
}

async function newTopic(stem: string): Promise<string> {
  const topic = uniqueTopic(stem);
  const [res] = await createTopics(raw, [{ name: topic, partitions: PARTS.length }]);
  if (res?.errorCode !== 0) throw new Error(`CreateTopics ${topic}: error ${res?.errorCode}`);
  return topic;
}

/** `n` records on each partition, keys `p<partition>-<i>` (kcat -p: no partitioner in play). */
async function produce(topic: string, from: number, n: number): Promise<void> {
  for (const p of PARTS) {
    await kcatProduce(
      b.bootstrap,
      topic,
      Array.from({ length: n }, (_, i) => `p${p}-${from + i}:value-${p}-${from + i}`),
      ['-p', String(p), '-K:'],
    );
  }
}

/** Balanced-consumer flags: no `-o` (kcat would force it onto every assignment), start at the beginning only when the group has no commit. */
const groupArgs = (group: string, topic: string) => [
  '-G',
  group,
  topic,
  '-J',
  '-X',
  'auto.offset.reset=earliest',
  '-X',
  'session.timeout.ms=6000',
  '-X',
  'heartbeat.interval.ms=200',
];

/** Whether `seen` ("partition/offset") holds offsets [from, to) of every partition. */
function covers(seen: Set<string>, from: number, to: number): boolean {
  return PARTS.every((p) =>
    Array.from({ length: to - from }, (_, i) => from + i).every((o) => seen.has(`${p}/${o}`)),
  );
}

const byPartition = (msgs: KcatMessage[]) =>
  Object.fromEntries(PARTS.map((p) => [String(p), msgs.filter((m) => m.partition === p).length]));

t.test('one kcat member at a time: each run resumes from what the previous committed', async (t) => {
  const topic = await newTopic('grp-kcat-seq');
  const group = uniqueTopic('grp-kcat-seq-g');
  await produce(topic, 0, 10);

  const first = await kcat(b.bootstrap, [...groupArgs(group, topic), '-q', '-c', '20'], {
    timeoutMs: 30_000,
  });
  t.equal(first.code, 0, describeRun(first));
  const got1 = parseJsonLines(first);
  t.equal(got1.length, 20, 'the first run prints 20 records');
  // Per partition, a run reads a prefix from the committed offset: offsets 0..n-1.
  for (const p of PARTS) {
    const offs = got1.filter((m) => m.partition === p).map((m) => m.offset);
    t.same(
      offs,
      offs.map((_, i) => i),
      `partition ${p}: offsets from 0, in order`,
    );
  }

  const c1 = await pyCommitted(group, topic);
  const counts1 = byPartition(got1);
  // librdkafka commits on close exactly the offsets of the records it handed to kcat.
  t.same(
    Object.fromEntries(PARTS.map((p) => [String(p), c1.consumer[String(p)] ?? 0])),
    counts1,
    `kafka-python committed(): offset after the last record printed per partition ${JSON.stringify(counts1)}`,
  );
  t.same(
    Object.fromEntries(PARTS.map((p) => [String(p), c1.admin[String(p)] ?? 0])),
    counts1,
    'list_consumer_group_offsets agrees',
  );
  t.equal(c1.state, 'Empty', 'the group is empty once kcat has left');

  const second = await kcat(b.bootstrap, [...groupArgs(group, topic), '-q', '-e'], { timeoutMs: 30_000 });
  t.equal(second.code, 0, describeRun(second));
  const got2 = parseJsonLines(second);
  t.equal(got2.length, 10, 'the second run reads exactly the 10 records the first did not');
  const all = [...got1, ...got2].map((m) => `${m.partition}/${m.offset}`).sort();
  t.same(
    all,
    PARTS.flatMap((p) => Array.from({ length: 10 }, (_, i) => `${p}/${i}`)).sort(),
    'together: each once',
  );
  t.ok(
    got2.every((m) => m.offset >= (counts1[String(m.partition)] ?? 0)),
    'the second run starts at the committed offsets',
  );

  const c2 = await pyCommitted(group, topic);
  t.same(c2.consumer, { 0: 10, 1: 10, 2: 10 }, 'everything committed (KafkaConsumer.committed)');
  t.same(c2.admin, { 0: 10, 1: 10, 2: 10 }, 'everything committed (KafkaAdminClient)');
  t.same(c2.end_offsets, { 0: 10, 1: 10, 2: 10 });

  const third = await kcat(b.bootstrap, [...groupArgs(group, topic), '-q', '-e'], { timeoutMs: 30_000 });
  t.equal(third.code, 0, describeRun(third));
  t.same(parseJsonLines(third), [], 'a third run has nothing left to read');

  // Another group id is independent: it reads everything.
  const other = await kcat(b.bootstrap, [...groupArgs(uniqueTopic('grp-kcat-other'), topic), '-q', '-e']);
  t.equal(parseJsonLines(other).length, 30, 'a different group starts from the beginning');
});

/** The partitions of the latest "assigned:" line kcat printed (stderr, verbosity 1), or undefined. */
function assigned(p: LineProcess, topic: string): number[] | undefined {
  for (let i = p.stderr.length - 1; i >= 0; i--) {
    const line = p.stderr[i]!;
    if (line.includes('revoked:')) return [];
    if (!line.includes('assigned:')) continue;
    const esc = topic.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    return [...line.matchAll(new RegExp(`${esc} \\[(\\d+)\\]`, 'g'))].map((m) => Number(m[1])).sort();
  }
  return undefined;
}

function messages(p: LineProcess): KcatMessage[] {
  return p.stdout.map((l) => JSON.parse(l) as KcatMessage);
}

t.test('two kcat members at once: partitions split, each record read, all committed', async (t) => {
  const topic = await newTopic('grp-kcat-two');
  const group = uniqueTopic('grp-kcat-two-g');
  await produce(topic, 0, 10);

  const a = spawnLines(t, 'kcat', ['-b', b.bootstrap, '-m', '15', '-u', ...groupArgs(group, topic)]);
  await a.until('member A to read the first 30 records', () => a.stdout.length >= 30 || undefined);
  t.same(assigned(a, topic), PARTS, 'alone, A is assigned every partition');

  const bb = spawnLines(t, 'kcat', ['-b', b.bootstrap, '-m', '15', '-u', ...groupArgs(group, topic)]);
  const split = await untilLines(
    [a, bb],
    'A and B to split the partitions',
    () => {
      const pa = assigned(a, topic);
      const pb = assigned(bb, topic);
      if (!pa?.length || !pb?.length) return undefined;
      return [...pa, ...pb].sort().join(',') === PARTS.join(',') ? { pa, pb } : undefined;
    },
    20_000,
  );
  t.same(
    split.pa.filter((p) => split.pb.includes(p)),
    [],
    `one owner per partition: A [${split.pa}] B [${split.pb}]`,
  );

  await produce(topic, 10, 10);
  const seen = () => new Set([...messages(a), ...messages(bb)].map((m) => `${m.partition}/${m.offset}`));
  await untilLines(
    [a, bb],
    'A and B together to read all 60 records',
    () => covers(seen(), 0, 20) || undefined,
  );
  const late = [
    ...messages(a).map((m) => ({ m, who: 'A', owns: split.pa })),
    ...messages(bb).map((m) => ({ m, who: 'B', owns: split.pb })),
  ].filter((x) => x.m.offset >= 10);
  t.equal(late.length, 30, 'the 30 records produced after the split are read once');
  t.same(
    late
      .filter((x) => !x.owns.includes(x.m.partition))
      .map((x) => `${x.who} read ${x.m.partition}/${x.m.offset}`),
    [],
    'each by the member that owns its partition',
  );
  t.ok(late.some((x) => x.who === 'A') && late.some((x) => x.who === 'B'), 'both members read some');
  t.same(
    messages(bb).filter((m) => m.offset < 10),
    [],
    'B starts from what A committed when its partitions were revoked',
  );

  t.same(await a.stop('SIGTERM'), { code: 0, signal: null }, 'A exits cleanly on SIGTERM');
  t.same(await bb.stop('SIGTERM'), { code: 0, signal: null }, 'B exits cleanly on SIGTERM');
  const c = await pyCommitted(group, topic);
  t.same(c.consumer, { 0: 20, 1: 20, 2: 20 }, 'kafka-python reads back the committed end offsets');
  t.same(c.admin, { 0: 20, 1: 20, 2: 20 });
  const again = await kcat(b.bootstrap, [...groupArgs(group, topic), '-q', '-e']);
  t.same(parseJsonLines(again), [], 'a new kcat member of the group has nothing left to read');
});

interface PyEvent {
  event: 'assigned' | 'revoked' | 'record' | 'commit_failed' | 'closed';
  partitions?: number[];
  partition?: number;
  offset?: number;
  value?: string;
  error?: string;
}

function pyEvents(p: LineProcess): PyEvent[] {
  return p.stdout.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as PyEvent);
}

/** The partitions of the member's latest assignment ([] after a revoke), or undefined before any. */
function pyAssigned(p: LineProcess): number[] | undefined {
  const last = pyEvents(p)
    .filter((e) => e.event === 'assigned' || e.event === 'revoked')
    .at(-1);
  return last === undefined ? undefined : last.event === 'assigned' ? (last.partitions ?? []) : [];
}

t.test(
  'kcat and kafka-python in one group: the protocol both offer, partitions split, offsets handed over',
  async (t) => {
    const topic = await newTopic('grp-kcat-py');
    const group = uniqueTopic('grp-kcat-py-g');
    await produce(topic, 0, 10);

    const a = spawnLines(t, 'kcat', ['-b', b.bootstrap, '-m', '15', '-u', ...groupArgs(group, topic)]);
    await a.until('kcat to read the first 30 records', () => a.stdout.length >= 30 || undefined);

    const py = spawnLines(t, systemPython, [
      join(pythonScriptsDir, 'groups_client.py'),
      JSON.stringify({ action: 'member', bootstrap: b.bootstrap, group, topic }),
    ]);
    const split = await untilLines(
      [a, py],
      'kcat and kafka-python to split the partitions',
      () => {
        const pk = assigned(a, topic);
        const pp = pyAssigned(py);
        if (!pk?.length || !pp?.length) return undefined;
        return [...pk, ...pp].sort().join(',') === PARTS.join(',') ? { pk, pp } : undefined;
      },
      20_000,
    );
    t.same(
      split.pk.filter((p) => split.pp.includes(p)),
      [],
      `one owner per partition: kcat [${split.pk}] kafka-python [${split.pp}]`,
    );
    const [described] = await describeGroups(raw, [group]);
    t.equal(described?.state, 'Stable');
    t.equal(described?.protocolType, 'consumer');
    t.equal(
      described?.protocol,
      'range',
      "the protocol both offer first (librdkafka's and kafka-python's default)",
    );
    t.equal(described?.members.length, 2);

    await produce(topic, 10, 10);
    const pyRecords = () =>
      pyEvents(py)
        .filter((e) => e.event === 'record')
        .map((e) => ({ partition: e.partition!, offset: e.offset! }));
    const kRecords = () => messages(a).map((m) => ({ partition: m.partition, offset: m.offset }));
    const seen = () => new Set([...kRecords(), ...pyRecords()].map((r) => `${r.partition}/${r.offset}`));
    await untilLines(
      [a, py],
      'kcat and kafka-python together to read all 60 records',
      () => covers(seen(), 0, 20) || undefined,
      20_000,
    );
    t.same(
      pyRecords().filter((r) => !split.pp.includes(r.partition)),
      [],
      'kafka-python reads only its partitions',
    );
    t.same(
      pyRecords().filter((r) => r.offset < 10),
      [],
      'kafka-python starts where kcat committed on revoke',
    );
    t.same(
      kRecords().filter((r) => r.offset >= 10 && !split.pk.includes(r.partition)),
      [],
      'kcat reads only its partitions after the split',
    );

    // kafka-python leaves: kcat takes everything back and resumes after kafka-python's commits.
    const kcatBefore = a.stdout.length;
    t.same(await py.stop('SIGTERM'), { code: 0, signal: null }, 'kafka-python leaves on SIGTERM');
    t.same(
      pyEvents(py).filter((e) => e.event === 'commit_failed'),
      [],
      'every kafka-python commit was accepted',
    );
    t.ok(
      pyEvents(py).some((e) => e.event === 'closed'),
      'after closing its consumer',
    );
    await a.until('kcat to be assigned every partition again', () =>
      assigned(a, topic)?.join(',') === PARTS.join(',') ? true : undefined,
    );
    await produce(topic, 20, 5);
    await a.until('kcat to read the last 15 records', () => covers(seen(), 20, 25) || undefined);
    const resumed = messages(a).slice(kcatBefore);
    t.same(
      resumed.filter((m) => m.offset < 20).map((m) => `${m.partition}/${m.offset}`),
      [],
      'kcat does not re-read what kafka-python committed',
    );
    t.same(await a.stop('SIGTERM'), { code: 0, signal: null });
    const c = await pyCommitted(group, topic);
    t.same(c.consumer, { 0: 25, 1: 25, 2: 25 }, 'the committed offsets are the end offsets');
  },
);
