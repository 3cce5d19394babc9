/**
 * RELIABILITY.md test 3, KIP-101 scenario 2 (replica divergence after both replicas lose their
 * unflushed tail), on three brokers and a topic with replication factor 3:
 *
 * 1. 10 acks=all batches are written in leader epoch e0; the leader is bounced, and 10 more are
 *    written in epoch e1 under the new leader A. Every replica holds the same 20 batches.
 * 2. Power outage: all three are SIGKILLed. SIGKILL keeps the page cache, so the loss of
 *    unflushed data is made by hand: A's .log is cut back to 15 batches (it keeps some of e1),
 *    B's and C's to 5 (all of e1 gone; their leader-epoch checkpoints still name e1, which
 *    recovery must trim, as Kafka truncates its epoch cache to the recovered log end).
 * 3. The lagging B and C restart first; one of them becomes leader in a new epoch e2 and
 *    accepts 5 acks=all writes at offsets 5..9 — the offsets where A still holds e0 batches.
 * 4. A restarts. It must not keep its tail (truncating to its high watermark would), but ask the
 *    leader where its epoch ends, truncate there, and fetch the e2 batches.
 *
 * Pass: afterwards every replica holds identical (base offset, leader epoch, CRC) for every
 * batch, read straight from each broker's .log files, the same leader-epoch checkpoint, and the
 * records acknowledged after the outage are read back (before the brokers stop).(before the brokers stop).
 */
import { readdirSync, readFileSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { Admin } from '../../client/admin.js';
import {
  clusterProducer,
  createReplicatedTopic,
  spawnCluster,
  waitForFullIsr,
  waitForIdenticalReplicas,
  waitForPartitions,
} from '../helpers/cluster.js';
import { kcatConsume } from '../helpers/kcat.js';
import { describeRun } from '../helpers/process.js';
import { uniqueTopic } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait.js';

interface BatchHeader {
  baseOffset: number;
  epoch: number;
  crc: number;
  /** Byte position of the batch in its segment file. */
  position: number;
  size: number;
}

/** The single segment file of partition 0 of `topic` in `dataDir`. */
function segmentPath(dataDir: string, topic: string): string {
  const dir = join(dataDir, `${topic}-0`);
  const logs = readdirSync(dir).filter((f) => f.endsWith('.log'));
  if (logs.length !== 1) throw new Error(`expected one segment in ${dir}, found ${logs.join(', ')}`);
  return join(dir, logs[0]!);
}

/** Every batch header of a segment file (v2 record batches: offset, length, epoch, magic, crc). */
function batches(path: string): BatchHeader[] {
  const buf = readFileSync(path);
  const out: BatchHeader[] = [];
  for (let pos = 0; pos + 21 <= buf.length; ) {
    const size = 12 + buf.readInt32BE(pos + 8);
    if (pos + size > buf.length) throw new Error(`${path}: batch at ${pos} runs past the end`);
    out.push({
      baseOffset: Number(buf.readBigInt64BE(pos)),
      epoch: buf.readInt32BE(pos + 12),
      crc: buf.readUInt32BE(pos + 17),
      position: pos,
      size,
    });
    pos += size;
  }
  return out;
}

/** Cut a segment file back to its first `keep` batches (a batch boundary). */
function keepBatches(path: string, keep: number): void {
  const all = batches(path);
  truncateSync(path, all[keep]!.position);
}

const summary = (bs: BatchHeader[]) => bs.map((b) => `${b.baseOffset}@e${b.epoch}:${b.crc.toString(16)}`);

t.test(
  'KIP-101 scenario 2: both replicas lose their tail, the lagging one leads first; logs converge',
  async (t) => {
    const cluster = await spawnCluster(t);
    const topic = uniqueTopic('cluster-kip101-s2');
    const created = await createReplicatedTopic(cluster, topic, 1, ['--config', 'min.insync.replicas=2']);
    t.equal(created.code, 0, 'topic created', { run: describeRun(created) });
    const [first] = await waitForFullIsr(cluster, topic, 1);

    const send = async (producer: Awaited<ReturnType<typeof clusterProducer>>, values: string[]) => {
      for (const value of values) await producer.send({ topic, acks: -1, messages: [{ value }] });
    };
    const early = await clusterProducer(
      t,
      cluster.brokers.map((b) => b.bootstrap),
      'samsa-kip101-s2-a',
    );
    await send(
      early,
      Array.from({ length: 10 }, (_, i) => `e0-${i}`),
    );
    // A bounce moves leadership: the next ten batches are written in a later epoch.
    t.equal((await cluster.brokers[first!.leader - 1]!.stop()).code, 0, 'the first leader stops');
    await waitForPartitions(
      cluster.bootstrap,
      topic,
      'a new leader',
      (ps) => ps[0] !== undefined && ps[0].leader > 0 && ps[0].leader !== first!.leader,
    );
    await cluster.restart(first!.leader);
    const [second] = await waitForFullIsr(cluster, topic, 1);
    await send(
      early,
      Array.from({ length: 10 }, (_, i) => `e1-${i}`),
    );
    await early.disconnect();
    await waitForIdenticalReplicas(cluster.dataDirs, topic, 1);

    const a = second!.leader;
    const [b, c] = [1, 2, 3].filter((id) => id !== a) as [number, number];
    await Promise.all(cluster.brokers.map((x) => x.kill()));
    const before = batches(segmentPath(cluster.dataDirs[a - 1]!, topic));
    t.equal(before.length, 20, 'twenty batches before the outage');
    const e0 = before[0]!.epoch;
    const e1 = before[19]!.epoch;
    t.ok(e1 > e0, `two leader epochs in the log (e${e0}, then e${e1} from offset 10)`);

    keepBatches(segmentPath(cluster.dataDirs[a - 1]!, topic), 15);
    keepBatches(segmentPath(cluster.dataDirs[b - 1]!, topic), 5);
    keepBatches(segmentPath(cluster.dataDirs[c - 1]!, topic), 5);

    // The lagging two come back first (together: the metadata quorum needs two of three).
    await Promise.all([cluster.restart(b), cluster.restart(c)]);
    const [lagging] = await waitForPartitions(
      cluster.bootstrap,
      topic,
      `a leader among brokers ${b} and ${c} with both in sync`,
      (ps) => ps[0] !== undefined && (ps[0].leader === b || ps[0].leader === c) && ps[0].isrs.length === 2,
    );
    const later = await clusterProducer(
      t,
      [b, c].map((id) => cluster.brokers[id - 1]!.bootstrap),
      'samsa-kip101-s2-b',
    );
    const afterOutage = Array.from({ length: 5 }, (_, i) => `e2-${i}`);
    await send(later, afterOutage);
    await later.disconnect();
    const newLeaderLog = batches(segmentPath(cluster.dataDirs[lagging!.leader - 1]!, topic));
    const e2 = newLeaderLog[5]!.epoch;
    t.ok(e2 > e1, `broker ${lagging!.leader} leads in epoch ${e2} and wrote offsets 5..9 in it`);
    const aLog = batches(segmentPath(cluster.dataDirs[a - 1]!, topic));
    t.same(
      aLog.slice(5, 10).map((x) => x.epoch),
      [e0, e0, e0, e0, e0],
      `broker ${a} (down) still holds different batches at offsets 5..9: the logs have diverged`,
    );

    await cluster.restart(a);
    await waitForFullIsr(cluster, topic, 1);
    await waitForIdenticalReplicas(cluster.dataDirs, topic, 1);
    const admin = new Admin({ brokers: cluster.bootstrap().split(','), requestTimeoutMs: 10_000 });
    t.teardown(() => admin.close());
    await waitFor(
      'the high watermark to reach 10',
      async () => (await admin.latestOffsets(topic))[0]!.offset === 10,
      {
        timeoutMs: 15_000,
        intervalMs: 100,
      },
    );
    const got = (
      await kcatConsume(cluster.bootstrap(), topic, ['-o', 'beginning'], { timeoutMs: 60_000 })
    ).map((m) => m.payload);
    t.same(
      got,
      [...Array.from({ length: 5 }, (_, i) => `e0-${i}`), ...afterOutage],
      'what survived the outage, then everything acknowledged after it',
    );
    for (const x of cluster.brokers) t.equal((await x.stop()).code, 0, 'broker stops cleanly');

    const logs = cluster.dataDirs.map((d) => summary(batches(segmentPath(d, topic))));
    t.same(logs[1], logs[0], 'brokers 1 and 2 hold identical (offset, epoch, CRC) for every batch');
    t.same(logs[2], logs[0], 'brokers 1 and 3 hold identical (offset, epoch, CRC) for every batch');
    t.same(
      logs[0]!.map((s) => Number(s.split('@')[0])),
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
      `ten batches: five from before the outage, five from after (${logs[0]!.join(' ')})`,
    );
    const checkpoints = cluster.dataDirs.map((d) =>
      readFileSync(join(d, `${topic}-0`, 'leader-epoch-checkpoint'), 'utf8'),
    );
    t.equal(checkpoints[1], checkpoints[0], 'brokers 1 and 2 have the same leader-epoch checkpoint');
    t.equal(checkpoints[2], checkpoints[0], 'brokers 1 and 3 have the same leader-epoch checkpoint');
    t.notMatch(
      checkpoints[0]!,
      new RegExp(`^${e1} `, 'm'),
      `epoch ${e1} (lost to the outage) is gone from it`,
    );
  },
);
