/**
 * RELIABILITY.md test 5 on a three-broker cluster (cluster mode, experimental):
 * min.insync.replicas. With one follower of a replication-factor-3 partition gone and the ISR
 * shrunk to two, a topic that needs three in-sync replicas refuses acks=all writes with
 * NOT_ENOUGH_REPLICAS, the high watermark does not move, and acks=1 is still accepted.
 * (Two of three brokers gone would also take the metadata quorum's majority: the ISR could not
 * shrink, and acks=all would time out instead.)
 */
import kafkajs from 'kafkajs';
import t from 'tap';
import { Admin } from '../../client/admin.js';
import { spawnCluster } from '../helpers/cluster.js';
import { kcat } from '../helpers/kcat.js';
import { cliPath } from '../helpers/paths.js';
import { describeRun, runProcess } from '../helpers/process.js';
import { uniqueTopic } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait.js';

const { Kafka, logLevel } = kafkajs;

interface KcatPartition {
  partition: number;
  leader: number;
  isrs: { id: number }[];
}

async function partition0(bootstrap: string, topic: string): Promise<KcatPartition | undefined> {
  const r = await kcat(bootstrap, ['-L', '-J', '-t', topic], { timeoutMs: 20_000 });
  if (r.code !== 0) return undefined;
  const md = JSON.parse(r.stdout) as { topics: { topic: string; partitions?: KcatPartition[] }[] };
  return md.topics.find((x) => x.topic === topic)?.partitions?.[0];
}

/** The error and its causes, as one string (kafkajs wraps protocol errors). */
function errorChain(err: unknown): string {
  const parts: string[] = [];
  for (
    let e = err as { name?: string; type?: string; message?: string; cause?: unknown } | undefined;
    e;
    e = e.cause as typeof e
  )
    parts.push(`${e.name ?? ''} ${e.type ?? ''} ${e.message ?? ''}`);
  return parts.join(' <- ');
}

t.test(
  'min.insync.replicas: below it acks=all is refused and the high watermark stays; acks=1 works',
  async (t) => {
    const cluster = await spawnCluster(t);
    const topic = uniqueTopic('cluster-minisr');
    const create = await runProcess(
      process.execPath,
      [
        cliPath,
        '--brokers',
        cluster.bootstrap(),
        'topic',
        'create',
        topic,
        '--partitions',
        '1',
        '--replication-factor',
        '3',
        '--config',
        'min.insync.replicas=3',
      ],
      { timeoutMs: 60_000 },
    );
    t.equal(create.code, 0, 'topic created', { run: describeRun(create) });
    const before = await waitFor(
      'all three in sync',
      async () => {
        const p = await partition0(cluster.bootstrap(), topic);
        return p && p.leader > 0 && p.isrs.length === 3 ? p : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    const leaderId = before.leader;

    const kafka = new Kafka({
      clientId: 'samsa-minisr',
      brokers: cluster.brokers.map((b) => b.bootstrap),
      logLevel: logLevel.NOTHING,
      connectionTimeout: 3000,
      requestTimeout: 10_000,
      retry: { retries: 0 },
    });
    const producer = kafka.producer({ allowAutoTopicCreation: false, retry: { retries: 0 } });
    t.teardown(() => producer.disconnect());
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: [{ value: 'while all three are in sync' }] });

    const followerId = [1, 2, 3].find((id) => id !== leaderId)!;
    await cluster.brokers[followerId - 1]!.kill();
    const shrunk = await waitFor(
      'the ISR to shrink to two',
      async () => {
        const p = await partition0(cluster.bootstrap(), topic);
        return p && p.isrs.length === 2 && p.leader === leaderId ? p : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    t.notOk(
      shrunk.isrs.some((r) => r.id === followerId),
      `broker ${followerId} left the ISR`,
    );

    const admin = new Admin({ brokers: cluster.bootstrap().split(','), requestTimeoutMs: 10_000 });
    t.teardown(() => admin.close());
    const hw = async () => (await admin.latestOffsets(topic))[0]!.offset;
    const hwBefore = await hw();
    t.equal(hwBefore, 1);

    const refused = await producer
      .send({ topic, acks: -1, timeout: 5000, messages: [{ value: 'acks=all below min.insync.replicas' }] })
      .then(
        () => 'accepted',
        (err: unknown) => errorChain(err),
      );
    t.match(refused, /NOT_ENOUGH_REPLICAS/, 'acks=all refused with NOT_ENOUGH_REPLICAS');
    t.equal(await hw(), hwBefore, 'the high watermark did not move');

    await producer.send({ topic, acks: 1, messages: [{ value: 'acks=1 still works' }] });
    // acks=1 answers once the leader has it; the high watermark follows when the other in-sync
    // replica has fetched it.
    await waitFor('the acks=1 record to be committed', async () => (await hw()) === hwBefore + 1, {
      timeoutMs: 15_000,
      intervalMs: 100,
    });
    t.pass('acks=1 accepted, and committed by the two in-sync replicas');
  },
);
