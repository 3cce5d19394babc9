/**
 * RELIABILITY.md test 1 with kcat (librdkafka): three brokers, a topic of three partitions with
 * replication factor 3 and min.insync.replicas=2; one `kcat -P -X acks=all` process is fed
 * keyed lines on stdin for the whole test while the leader of partition 0 is taken down five
 * times in a row — SIGKILL and SIGTERM (a bounce) in turn, each victim started again before the
 * next round.
 *
 * kcat at verbosity 3 prints librdkafka's delivery report for every message ("Message delivered
 * to partition P (offset O)", or "Delivery failed"), so the test knows exactly which (partition,
 * offset) pairs were acknowledged. No pair may be reported twice (a second acknowledgement at an
 * offset means the first record there was lost), every acknowledged offset is consumed, and the
 * sequence numbers at acknowledged offsets rise with the offset in every partition (in order:
 * one request in flight per connection, as librdkafka without idempotence needs for ordering).
 * The three replicas converge to byte-identical logs.
 */
import { spawn } from 'node:child_process';
import t from 'tap';
import {
  bounceLeaders,
  createReplicatedTopic,
  partitionBytes,
  spawnCluster,
  waitForFullIsr,
  waitForIdenticalReplicas,
} from '../helpers/cluster.js';
import { kcatConsume } from '../helpers/kcat.js';
import { describeRun } from '../helpers/process.js';
import { uniqueTopic } from '../helpers/temp.js';
import { withTimeout } from '../helpers/wait.js';

const PARTITIONS = 3;
/** Lines written to kcat per tick of the feeder (a tick every 10 ms: about 500 records/s). */
const LINES_PER_TICK = 5;
const DELIVERED = /^% Message delivered to partition (\d+) \(offset (-?\d+)\)/;
const FAILED = /^% Delivery failed for message: (.*)$/;

t.test(
  'kcat acks=all while the leader is killed or bounced 5 times: nothing acknowledged is lost',
  async (t) => {
    const cluster = await spawnCluster(t);
    const topic = uniqueTopic('cluster-bounce-kcat');
    const created = await createReplicatedTopic(cluster, topic, PARTITIONS, [
      '--config',
      'min.insync.replicas=2',
    ]);
    t.equal(created.code, 0, 'topic created', { run: describeRun(created) });
    await waitForFullIsr(cluster, topic, PARTITIONS);

    const kcat = spawn(
      'kcat',
      [
        '-b',
        cluster.bootstrap(),
        '-P',
        '-t',
        topic,
        '-K:',
        '-X',
        'acks=all',
        '-X',
        'max.in.flight.requests.per.connection=1',
        '-X',
        'message.timeout.ms=60000',
        '-X',
        'linger.ms=5',
        '-v',
        '-v',
        '-v',
      ],
      { stdio: ['pipe', 'ignore', 'pipe'] },
    );
    const exited = new Promise<number | null>((resolve) => kcat.on('close', (code) => resolve(code)));
    t.teardown(() => {
      if (kcat.exitCode === null && kcat.signalCode === null) kcat.kill('SIGKILL');
    });
    kcat.stdin.on('error', () => {});
    /** Acknowledged offsets per partition, in the order the reports came. */
    const delivered: number[][] = Array.from({ length: PARTITIONS }, () => []);
    let deliveredCount = 0;
    const failed: string[] = [];
    const otherLines: string[] = [];
    let partial = '';
    kcat.stderr.setEncoding('utf8');
    kcat.stderr.on('data', (d: string) => {
      partial += d;
      const lines = partial.split('\n');
      partial = lines.pop()!;
      for (const line of lines) {
        const ok = DELIVERED.exec(line);
        const bad = FAILED.exec(line);
        if (ok) {
          delivered[Number(ok[1])]!.push(Number(ok[2]));
          deliveredCount++;
        } else if (bad) failed.push(bad[1]!);
        else if (otherLines.length < 200) otherLines.push(line);
      }
    });

    let written = 0;
    const feeder = setInterval(() => {
      let chunk = '';
      for (let i = 0; i < LINES_PER_TICK; i++, written++) chunk += `k${written}:v${written}\n`;
      kcat.stdin.write(chunk);
    }, 10);
    t.teardown(() => clearInterval(feeder));

    const rounds = await bounceLeaders(cluster, topic, PARTITIONS, {
      rounds: 5,
      progress: () => deliveredCount,
      step: 60,
    });
    clearInterval(feeder);
    kcat.stdin.end();
    const code = await withTimeout('kcat to deliver what is queued and exit', exited, 90_000);
    t.equal(
      rounds.length,
      5,
      `five leaders taken down: ${rounds.map((r) => `${r.victim}(${r.how})->${r.next}`).join(' ')}`,
    );
    t.equal(
      deliveredCount + failed.length,
      written,
      `a delivery report for each of the ${written} records written`,
      {
        code,
        failed: failed.slice(0, 10),
        kcatSaid: otherLines.slice(-20),
      },
    );
    t.ok(deliveredCount >= 600, `${deliveredCount} records acknowledged (${failed.length} failed)`);

    // Read once the cluster has settled: every replica back in sync.
    await waitForFullIsr(cluster, topic, PARTITIONS);
    const got = await kcatConsume(cluster.bootstrap(), topic, ['-o', 'beginning'], { timeoutMs: 60_000 });
    for (let p = 0; p < PARTITIONS; p++) {
      const offsets = delivered[p]!;
      t.equal(new Set(offsets).size, offsets.length, `partition ${p}: no offset acknowledged twice`);
      const atOffset = new Map(
        got.filter((m) => m.partition === p).map((m) => [m.offset, Number((m.payload ?? '').slice(1))]),
      );
      t.same(
        offsets.filter((o) => !atOffset.has(o)),
        [],
        `partition ${p}: all ${offsets.length} acknowledged offsets are read back`,
      );
      const sorted = [...offsets].sort((a, b) => a - b);
      const seqs = sorted.map((o) => atOffset.get(o)!);
      t.ok(
        seqs.every((s, i) => i === 0 || s > seqs[i - 1]!),
        `partition ${p}: acknowledged records are in the order written`,
      );
    }

    const sizes = await waitForIdenticalReplicas(cluster.dataDirs, topic, PARTITIONS);
    for (const b of cluster.brokers) t.equal((await b.stop()).code, 0, 'broker stops cleanly');
    for (let p = 0; p < PARTITIONS; p++) {
      const [a, b, c] = cluster.dataDirs.map((d) => partitionBytes(d, topic, p));
      t.ok(
        a!.equals(b!) && a!.equals(c!),
        `partition ${p}: the three replicas are byte-identical (${sizes[p]} bytes)`,
      );
    }
  },
);
