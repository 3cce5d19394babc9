// WORK IN PROGRESS (not run by tap: no .test suffix). The majority side stops acknowledging
// acks=all once the leader is isolated; see the rel2 report. Rename to .test.ts when it passes.
/**
 * RELIABILITY.md test 11, a network partition between brokers, on three brokers whose every
 * broker-to-broker byte goes through a chaos proxy:
 *
 * - metadata quorum (Raft): one proxy per directed pair — broker a's --controller-voters names
 *   proxy a->b for each peer b, so a's own voter list decides the path of its messages;
 * - replication: each broker advertises (--advertised-port) a proxy in front of its Kafka port,
 *   which the other brokers' replica fetchers connect to; the proxy tells them apart by their
 *   client id (samsa-broker-<id>) and can blackhole one source while passing the rest.
 *
 * The leader of an RF=3, min.insync.replicas=2 partition is isolated (all of its inbound and
 * outbound broker traffic blackholed, and clients reach it only at its real port) while kafkajs produces
 * acks=all. Pass: the majority elects a new leader and keeps acknowledging; the isolated broker
 * acknowledges no acks=all write sent straight to it; after the partition heals every
 * acknowledged record is read back in order and the three logs converge to identical bytes.
 */
import t from 'tap';
import { encodeRecordBatch } from '../../protocol/record-batch.js';
import { WireClient } from '../broker/wire-client.js';
import { ChaosProxy } from '../helpers/chaos-proxy.js';
import {
  type ClusterNetwork,
  clusterProducer,
  createReplicatedTopic,
  partitionBytes,
  spawnCluster,
  waitForFullIsr,
  waitForIdenticalReplicas,
  waitForPartitions,
} from '../helpers/cluster.js';
import { kcatConsume } from '../helpers/kcat.js';
import { describeRun } from '../helpers/process.js';
import { uniqueTopic } from '../helpers/temp.js';
import { waitFor, withTimeout } from '../helpers/wait.js';

const IDS = [1, 2, 3];

t.test('a network partition isolates the leader: no acknowledged acks=all write is lost', async (t) => {
  /** raft[a][b]: a's messages to b's metadata quorum port. */
  const raft = new Map<number, Map<number, ChaosProxy>>();
  /** kafka[x]: in front of x's Kafka port, advertised as x's address. */
  const kafka = new Map<number, ChaosProxy>();
  const network: ClusterNetwork = async (controllerPorts) => {
    for (const a of IDS) {
      const row = new Map<number, ChaosProxy>();
      for (const b of IDS)
        if (a !== b)
          row.set(b, await ChaosProxy.start(t, { host: '127.0.0.1', port: controllerPorts[b - 1]! }));
      raft.set(a, row);
      kafka.set(a, await ChaosProxy.start(t));
    }
    return {
      voters: (a) =>
        IDS.map((b) => `${b}@127.0.0.1:${a === b ? controllerPorts[b - 1] : raft.get(a)!.get(b)!.port}`).join(
          ',',
        ),
      args: (a) => ['--advertised-port', String(kafka.get(a)!.port)],
    };
  };
  // Brokers become ready together; their Kafka proxies learn where to forward as each one logs
  // its port (until then, connections to the proxy are closed and the peers retry).
  const starting = spawnCluster(t, 3, network);
  const cluster = await starting;
  for (const id of IDS) kafka.get(id)!.setTarget({ host: '127.0.0.1', port: cluster.brokers[id - 1]!.port });

  const topic = uniqueTopic('cluster-netsplit');
  const created = await createReplicatedTopic(cluster, topic, 1, ['--config', 'min.insync.replicas=2']);
  t.equal(created.code, 0, 'topic created', { run: describeRun(created) });
  const [before] = await waitForFullIsr(cluster, topic, 1);
  const isolated = before!.leader;
  const majority = IDS.filter((id) => id !== isolated);
  t.ok(
    kafka.get(isolated)!.forwardedBytes > 0,
    'replica fetches reach the leader through its advertised proxy',
  );

  // The producer is on the majority side: it bootstraps from the majority's real ports. (Asked
  // for metadata, the isolated broker would say it still leads — it cannot know better — and
  // kafkajs, which does not compare leader epochs (KIP-320), would wait on it.)
  const producer = await clusterProducer(
    t,
    majority.map((id) => cluster.brokers[id - 1]!.bootstrap),
    'samsa-netsplit',
    { retries: 30, initialRetryTime: 100, maxRetryTime: 1000 },
  );
  const acked: number[] = [];
  let failures = 0;
  let stopping = false;
  const producing = (async () => {
    for (let i = 0; !stopping; i++) {
      try {
        await producer.send({ topic, acks: -1, timeout: 3000, messages: [{ value: `v${i}` }] });
        acked.push(i);
      } catch {
        failures++;
      }
    }
  })();
  t.teardown(() => {
    stopping = true;
    return withTimeout('the producing loop to stop', producing, 5000).catch(() => {});
  });
  const grown = (n: number, what: string) => {
    const from = acked.length;
    return waitFor(`${n} more acknowledged records ${what}`, () => acked.length >= from + n, {
      timeoutMs: 60_000,
      intervalMs: 20,
    });
  };
  await grown(100, 'before the partition');

  // Isolate the leader: its quorum traffic both ways, the others' fetches from it, its fetches
  // from them.
  for (const b of majority) {
    raft.get(isolated)!.get(b)!.setMode('blackhole');
    raft.get(b)!.get(isolated)!.setMode('blackhole');
    kafka.get(b)!.blockSources([`samsa-broker-${isolated}`]);
  }
  // Inbound to its advertised address everything is cut, clients included; the test's own
  // minority write goes to its real port.
  kafka.get(isolated)!.setMode('blackhole');
  const ackedAtSplit = acked.length;

  const majorityBootstrap = () => majority.map((id) => cluster.brokers[id - 1]!.bootstrap).join(',');
  const [during] = await waitForPartitions(
    majorityBootstrap,
    topic,
    'the majority to elect a leader of its own',
    (ps) => ps[0] !== undefined && majority.includes(ps[0].leader) && ps[0].isrs.length === 2,
  );
  t.ok(majority.includes(during!.leader), `broker ${during!.leader} leads on the majority side`);
  await grown(100, 'on the majority side');

  // The isolated broker, asked directly, acknowledges no acks=all write.
  const conn = await WireClient.connect(cluster.brokers[isolated - 1]!.port);
  t.teardown(() => conn.close());
  const res = await conn.request(0, 9, {
    transactionalId: null,
    acks: -1,
    timeoutMs: 3000,
    topicData: [
      {
        name: topic,
        partitionData: [
          { index: 0, records: encodeRecordBatch({ records: [{ value: Buffer.from('minority') }] }) },
        ],
      },
    ],
  });
  const code = res.responses[0]!.partitionResponses[0]!.errorCode;
  t.not(code, 0, `the isolated broker ${isolated} refuses the acks=all write (error ${code})`);

  // Heal: every connection that lost bytes is closed; the isolated broker rejoins as a follower.
  for (const row of raft.values())
    for (const p of row.values()) {
      p.setMode('reset');
      p.setMode('pass');
    }
  for (const p of kafka.values()) p.unblockSources();
  kafka.get(isolated)!.setMode('reset');
  kafka.get(isolated)!.setMode('pass');
  await waitForFullIsr(cluster, topic, 1);
  await grown(100, 'after the partition healed');
  stopping = true;
  await producing;
  t.ok(
    acked.length >= 300,
    `${acked.length} acknowledged (${acked.length - ackedAtSplit} since the split), ${failures} sends failed`,
  );

  const got = (await kcatConsume(cluster.bootstrap(), topic, ['-o', 'beginning'], { timeoutMs: 60_000 })).map(
    (m) => (m.payload === 'minority' ? -1 : Number((m.payload ?? '').slice(1))),
  );
  const seen = new Set(got);
  t.same(
    acked.filter((i) => !seen.has(i)),
    [],
    'every acknowledged record is read back',
  );
  const ackedSet = new Set(acked);
  t.same(
    got.filter((v, i) => ackedSet.has(v) && got.indexOf(v) === i),
    acked,
    'in the order acknowledged',
  );
  t.notOk(seen.has(-1), 'the write the isolated broker took alone is gone (truncated when it rejoined)');

  const [size] = await waitForIdenticalReplicas(cluster.dataDirs, topic, 1);
  for (const b of cluster.brokers) t.equal((await b.stop()).code, 0, 'broker stops cleanly');
  const [a, b, c] = cluster.dataDirs.map((d) => partitionBytes(d, topic, 0));
  t.ok(a!.equals(b!) && a!.equals(c!), `the three replicas are byte-identical (${size} bytes)`);
});
