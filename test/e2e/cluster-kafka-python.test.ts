/**
 * kafka-python (Debian's python3-kafka, run by /usr/bin/python3) against three brokers: a topic
 * of two partitions with replication factor 3 and min.insync.replicas=2. A kafka-python
 * producer sends acks=all records one at a time while a kafka-python group member (group_id,
 * manual commits after every poll) consumes them. The group id is chosen so that its
 * coordinator — the leader of its __consumer_offsets partition — is the broker leading the
 * topic's partition 0, and that broker is SIGKILLed mid-stream (one kill takes out both; two
 * kills would also take the metadata quorum's majority).
 *
 * Both clients find the new leader and the new coordinator on their own. Pass: every
 * acknowledged record is consumed, in order per partition; the offsets committed before the
 * kill survive it (nothing below them is delivered again afterwards, and the committed offsets
 * never go back); at the end the committed offsets are the partition ends.
 */
import { join } from 'node:path';
import t from 'tap';
import { partitionForGroup } from '../../broker/group/partitioning.js';
import {
  createReplicatedTopic,
  spawnCluster,
  waitForFullIsr,
  waitForPartitions,
} from '../helpers/cluster.js';
import { spawnLines, untilLines } from '../helpers/groups-process.js';
import { pythonScriptsDir, systemPython } from '../helpers/paths.js';
import { describeRun } from '../helpers/process.js';
import { runPython } from '../helpers/python.js';
import { uniqueTopic } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait.js';

const PARTITIONS = 2;
const OFFSETS_TOPIC = '__consumer_offsets';
const OFFSETS_PARTITIONS = 50;

type PyEvent =
  | { event: 'ack'; i: number; partition: number; offset: number }
  | { event: 'error'; i: number; error: string }
  | { event: 'record'; partition: number; offset: number; value: string }
  | { event: 'assigned' | 'revoked'; partitions: number[] }
  | { event: 'commit_failed'; error: string }
  | { event: 'closed' };

function events(lines: readonly string[]): PyEvent[] {
  const out: PyEvent[] = [];
  for (const l of lines) {
    try {
      out.push(JSON.parse(l) as PyEvent);
    } catch {
      // kafka-python's own warnings
    }
  }
  return out;
}

interface Committed {
  consumer: Record<string, number | null>;
  admin: Record<string, number>;
  end_offsets: Record<string, number>;
}

t.test(
  'kafka-python producer and group member ride out the death of the leader and the coordinator',
  async (t) => {
    const cluster = await spawnCluster(t);
    const topic = uniqueTopic('cluster-py');
    const created = await createReplicatedTopic(cluster, topic, PARTITIONS, [
      '--config',
      'min.insync.replicas=2',
    ]);
    t.equal(created.code, 0, 'topic created', { run: describeRun(created) });
    const [p0] = await waitForFullIsr(cluster, topic, PARTITIONS);
    const victim = p0!.leader;
    const offsets = await waitForPartitions(
      cluster.bootstrap,
      OFFSETS_TOPIC,
      `${OFFSETS_PARTITIONS} partitions with leaders`,
      (ps) => ps.length === OFFSETS_PARTITIONS && ps.every((p) => p.leader > 0 && p.isrs.length === 3),
    );
    let group = '';
    for (let n = 0; group === ''; n++) {
      const g = `${topic}-g${n}`;
      if (offsets.find((p) => p.partition === partitionForGroup(g, OFFSETS_PARTITIONS))!.leader === victim)
        group = g;
    }
    const groupPartition = partitionForGroup(group, OFFSETS_PARTITIONS);

    const bootstrap = cluster.brokers.map((b) => b.bootstrap);
    const member = spawnLines(t, systemPython, [
      join(pythonScriptsDir, 'groups_client.py'),
      JSON.stringify({ action: 'member', bootstrap, group, topic }),
    ]);
    await member.until(
      'the member to be assigned both partitions',
      () =>
        events(member.stdout).some((e) => e.event === 'assigned' && e.partitions.length === PARTITIONS) ||
        undefined,
      60_000,
    );
    const producer = spawnLines(t, systemPython, [
      join(pythonScriptsDir, 'cluster_client.py'),
      JSON.stringify({ action: 'produce_stream', bootstrap, topic, partitions: PARTITIONS }),
    ]);
    const acks = () => events(producer.stdout).filter((e) => e.event === 'ack');
    const records = () => events(member.stdout).filter((e) => e.event === 'record');
    await untilLines(
      [producer, member],
      '150 records acknowledged and 100 consumed',
      () => (acks().length >= 150 && records().length >= 100) || undefined,
      60_000,
    );

    const committed = () =>
      runPython<Committed>('groups_client.py', {
        action: 'committed',
        bootstrap: cluster.bootstrap().split(','),
        group,
        topic,
        partitions: [0, 1],
      });
    const before = await committed();
    t.ok(
      Object.values(before.admin).some((o) => o > 0),
      `the member has committed before the kill: ${JSON.stringify(before.admin)}`,
    );
    const eventsAtKill = member.stdout.length;
    const ackedAtKill = acks().length;
    await cluster.brokers[victim - 1]!.kill();

    const moved = await waitForPartitions(
      cluster.bootstrap,
      OFFSETS_TOPIC,
      'a new coordinator for the group',
      (ps) => {
        const p = ps.find((x) => x.partition === groupPartition);
        return p !== undefined && p.leader > 0 && p.leader !== victim;
      },
      30_000,
    );
    await untilLines(
      [producer, member],
      '150 more records acknowledged after the kill',
      () => acks().length >= ackedAtKill + 150 || undefined,
      60_000,
    );
    const closed = await producer.stop('SIGTERM', 60_000);
    t.equal(closed.code, 0, 'the producer closes cleanly', { out: producer.describe() });
    const acked = acks() as Extract<PyEvent, { event: 'ack' }>[];
    const failed = events(producer.stdout).filter((e) => e.event === 'error');
    t.ok(acked.length >= 300, `${acked.length} records acknowledged, ${failed.length} failed`);

    const wanted = new Set(acked.map((a) => `v${a.i}`));
    await member.until(
      'the member to consume every acknowledged record',
      () => {
        const seen = new Set(records().map((r) => (r as { value: string }).value));
        return [...wanted].every((v) => seen.has(v)) || undefined;
      },
      60_000,
    );
    const got = records() as Extract<PyEvent, { event: 'record' }>[];
    for (let p = 0; p < PARTITIONS; p++) {
      const ackedHere = acked.filter((a) => a.partition === p).map((a) => `v${a.i}`);
      const ackedSet = new Set(ackedHere);
      const values = got.filter((r) => r.partition === p).map((r) => r.value);
      const firstSeen = values.filter((v, i) => ackedSet.has(v) && values.indexOf(v) === i);
      t.same(firstSeen, ackedHere, `partition ${p}: all ${ackedHere.length} acknowledged records, in order`);
    }

    const afterKill = events(member.stdout.slice(eventsAtKill)).filter(
      (e) => e.event === 'record',
    ) as Extract<PyEvent, { event: 'record' }>[];
    const rewound = afterKill.filter((r) => r.offset < (before.admin[String(r.partition)] ?? 0));
    t.same(rewound, [], 'nothing below the offsets committed before the kill is delivered again');

    // The member commits after every poll: its commits reach the new coordinator.
    const after = await untilCommitted(committed);
    for (let p = 0; p < PARTITIONS; p++)
      t.ok(
        after.admin[String(p)]! >= (before.admin[String(p)] ?? 0),
        `partition ${p}: committed offset ${before.admin[String(p)]} -> ${after.admin[String(p)]}, never back`,
      );
    t.same(
      after.admin,
      after.end_offsets,
      `committed offsets are the partition ends (coordinator now broker ${moved.find((x) => x.partition === groupPartition)!.leader})`,
    );
    t.same(after.consumer, after.end_offsets, 'KafkaConsumer.committed agrees');
    t.equal((await member.stop('SIGTERM', 30_000)).code, 0, 'the member leaves the group cleanly');
  },
);

/** The committed offsets, once they have reached the partition ends. */
function untilCommitted(read: () => Promise<Committed>): Promise<Committed> {
  return waitFor(
    'the committed offsets to reach the partition ends',
    async () => {
      const c = await read();
      return JSON.stringify(c.admin) === JSON.stringify(c.end_offsets) ? c : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 200 },
  );
}
