/**
 * The suite's pure parts: target verdicts, the Markdown report, the .cpuprofile summary, the
 * command line and plan, disk scaling, /proc parsing, kcat's version line.
 */
import t from 'tap';
import type { BenchResult } from '../../client/cli/bench.js';
import { buildCharts } from '../../scripts/bench/report/charts.js';
import { kcatVersion } from '../../scripts/bench/report/machine.js';
import { renderMarkdown } from '../../scripts/bench/report/markdown.js';
import { type CpuProfile, shortUrl, summariseProfile } from '../../scripts/bench/report/profile.js';
import { atLeast, atMost, judgeTargets } from '../../scripts/bench/report/targets.js';
import { statusMiB } from '../../scripts/bench/rss.js';
import { scaleToDisk } from '../../scripts/bench/sections/scale.js';
import { parseSuiteArgs, planFor, sectionNames } from '../../scripts/bench/suite-options.js';
import type { BenchRun, SuiteResult } from '../../scripts/bench/suite-types.js';
import { checkXml } from './xml.js';

t.test('targets: met or missed, and by how much', async (t) => {
  t.match(atLeast('p', 'goal', 880_000, 1_000_000, 'records/s'), {
    met: false,
    margin: /missed by 12 %.*0\.88×/,
  });
  t.match(atLeast('p', 'goal', 1_100_000, 1_000_000, 'records/s'), { met: true, margin: /ahead by 10 %/ });
  t.match(atMost('l', 'goal', 7.5, 5, 'ms'), { met: false, margin: /missed by 2\.5 ms \(50 % over/ });
  t.match(atMost('m', 'goal', 200, 256, 'MiB'), { met: true, margin: /56\.0 MiB to spare/ });
  t.match(atLeast('p', 'goal', null, 1, 'records/s'), { met: null, measured: 'not measured' });
  const all = judgeTargets({
    producerRecordsPerSec: 500_000,
    consumerRecordsPerSec: 2_000_000,
    e2eP50Ms: 1.2,
    e2eP99Ms: 9,
    peers: [
      {
        peer: 'redis-streams',
        samsaProduce: 500_000,
        peerProduce: 250_000,
        samsaConsume: 2_000_000,
        peerConsume: 2_500_000,
      },
      {
        peer: 'nats-jetstream',
        samsaProduce: 500_000,
        peerProduce: null,
        samsaConsume: 2_000_000,
        peerConsume: null,
        reason: 'nats-server not installed',
      },
    ],
    rssAt1000PartitionsMiB: 300,
  });
  const byId = Object.fromEntries(all.map((x) => [x.id, x]));
  t.equal(byId.producer?.met, false);
  t.equal(byId.consumer?.met, true);
  t.equal(byId['e2e-p50']?.met, true);
  t.equal(byId['e2e-p99']?.met, false);
  t.equal(byId['peer-redis-streams-produce']?.met, true);
  t.match(byId['peer-redis-streams-produce']?.measured, /2\.00×/);
  t.equal(byId['peer-redis-streams-consume']?.met, false);
  t.match(byId['peer-nats-jetstream-produce'], { met: null, measured: /nats-server not installed/ });
  t.equal(byId['memory-1000']?.met, false);
});

const bench = (over: Partial<BenchResult>): BenchRun => ({
  command: `samsa bench ${over.operation ?? 'produce'}`,
  result: {
    operation: 'produce',
    topic: 't',
    records: 1000,
    recordBytes: 100,
    seconds: 1,
    recordsPerSecond: 1000,
    megabytesPerSecond: 0.1,
    latencyMs: null,
    config: {
      partitions: 6,
      producers: 1,
      consumers: 0,
      durationS: null,
      rate: 0,
      acks: '1',
      compression: 'none',
      batchBytes: 1,
      lingerMs: 0,
      method: 'count',
    },
    ...over,
  },
});

function fixture(): SuiteResult {
  const options = parseSuiteArgs(['--quick']);
  const broker = {
    command: ['node', 'main.js', 'broker', 'start'],
    config: ['group.initial.rebalance.delay.ms=0'],
    peakRssMiB: 120,
    hwmMiB: 121,
  };
  const lat = { p50: 1.5, p99: 6, p999: 9, max: 12 };
  const r: SuiteResult = {
    startedAt: '2026-01-02T03:04:05.000Z',
    finishedAt: '2026-01-02T03:09:05.000Z',
    command: 'npm run bench -- --quick',
    options,
    plan: planFor(options),
    machine: {
      cpuModel: 'Test CPU',
      cores: 2,
      memoryGiB: 8,
      freeMemoryGiB: 4,
      os: 'Linux',
      disk: 'ext4',
      loadBefore: [3, 3, 3],
      loadAfter: [4, 4, 4],
    },
    versions: {
      node: 'v20',
      samsaCommit: 'abcdef1234567890',
      samsaDirty: false,
      kcat: 'kcat 1.7.1, librdkafka 2.0.2',
      npm: { kafkajs: '2.2.4' },
    },
    sections: {
      kafka2014: {
        broker,
        producer: bench({ operation: 'produce', recordsPerSecond: 700_000 }),
        consumer: bench({ operation: 'consume', recordsPerSecond: 1_600_000 }),
        together: { producer: bench({}), consumer: bench({ operation: 'consume' }), recordsPerSec: 400_000 },
        latencyAtRate: bench({ operation: 'e2e', latencyMs: lat }),
        latencySerial: bench({ operation: 'e2e', latencyMs: lat }),
      },
      peers: {
        samsa: {
          produce: bench({ recordsPerSecond: 500_000 }),
          consume: bench({ operation: 'consume', recordsPerSecond: 900_000 }),
          broker,
          durability: 'page cache',
        },
        peers: [
          {
            peer: 'rabbitmq-streams',
            available: false,
            reason: 'rabbitmq-server is not installed',
            config: [],
            notes: [],
          },
        ],
      },
      partitions: [
        { partitions: 1, createSeconds: 0.01, produce: bench({ recordsPerSecond: 600_000 }), broker },
        {
          partitions: 1000,
          createSeconds: 2,
          produce: bench({ recordsPerSecond: 300_000 }),
          broker: { ...broker, peakRssMiB: 300 },
        },
      ],
      storedData: {
        broker,
        plannedBytes: 2e9,
        bytes: 1e9,
        diskBytes: 1.1e9,
        note: 'scaled down',
        partitions: 6,
        windows: [
          { storedBytes: 5e8, recordsPerSec: 500_000, mbPerSec: 50 },
          { storedBytes: 1e9, recordsPerSec: 480_000, mbPerSec: 48 },
        ],
      },
    },
    errors: [{ section: 'clients', message: 'kcat exploded' }],
    targets: [],
    profiles: [
      {
        file: 'x',
        label: 'broker: kafka2014',
        totalMs: 1000,
        busyMs: 800,
        top: [{ name: 'append (storage/log.js:3)', selfMs: 300, selfPct: 30, busyPct: 37.5 }],
      },
    ],
    charts: {},
  };
  return r;
}

t.test('the Markdown report: verdicts, tables, charts, unavailable peers, profiles, errors', async (t) => {
  const r = fixture();
  r.targets = judgeTargets({
    producerRecordsPerSec: 700_000,
    consumerRecordsPerSec: 1_600_000,
    e2eP50Ms: 1.5,
    e2eP99Ms: 6,
    peers: [
      {
        peer: 'rabbitmq-streams',
        samsaProduce: 500_000,
        peerProduce: null,
        samsaConsume: 900_000,
        peerConsume: null,
        reason: 'rabbitmq-server is not installed',
      },
    ],
    rssAt1000PartitionsMiB: 300,
  });
  const charts = buildCharts(r);
  for (const [file, svg] of Object.entries(charts)) {
    t.same(checkXml(svg).errors, [], `${file} is well-formed`);
    r.charts[file] = `charts/${file}`;
  }
  t.same(Object.keys(charts).sort(), [
    'kafka2014-latency.svg',
    'kafka2014-throughput.svg',
    'partitions-memory.svg',
    'partitions-throughput.svg',
    'peers.svg',
    'stored-data.svg',
  ]);
  const md = renderMarkdown(r, (f) => `bench/${f}`);
  t.match(
    md,
    /\| ≥ 1,000,000 records\/s, one producer[^\n]*\| 700,000 records\/s \| \*\*missed\*\* \| missed by 30 %/,
  );
  t.match(md, /\| ≥ 1,500,000 records\/s, one consumer[^\n]*\*\*met\*\* \| ahead by 7 %/);
  t.match(md, /end-to-end p99 ≤ 5 ms[^\n]*\*\*missed\*\* \| missed by 1 ms/);
  t.match(md, /broker memory ≤ 256 MiB[^\n]*300\.0 MiB \| \*\*missed\*\*/);
  t.match(
    md,
    /ahead of rabbitmq-streams on produce \| not measured: rabbitmq-server is not installed \| not measured/,
  );
  t.match(md, /\| rabbitmq-streams \| unavailable \| unavailable \|/);
  t.match(md, /\| one producer \| 821,557 \| 700,000 \| 0\.1 \| 0\.85× \|/);
  t.match(md, /!\[[^\]]+\]\(bench\/kafka2014-throughput\.svg\)/);
  t.match(md, /measured under load/);
  t.match(md, /## Profiles[\s\S]*`append \(storage\/log\.js:3\)` \| 300\.0 \| 30 \| 37\.5/);
  t.match(md, /see \[Profiles\]/);
  t.match(md, /- clients: kcat exploded/);
  t.match(md, /Note: scaled down/);
  t.notMatch(md, /undefined|NaN/);
});

t.test('a .cpuprofile summary: self time per function, idle apart', async (t) => {
  const frame = (id: number, functionName: string, url = '', lineNumber = 0) => ({
    id,
    callFrame: { functionName, url, lineNumber },
  });
  const profile: CpuProfile = {
    nodes: [
      frame(1, '(root)'),
      frame(2, '(idle)'),
      frame(3, 'append', 'file:///w/dist/storage/partition-log.js', 41),
      frame(4, 'crc32c', 'file:///w/dist/protocol/crc32c.js', 9),
      frame(5, 'append', 'file:///w/dist/storage/partition-log.js', 41),
    ],
    startTime: 0,
    endTime: 1000,
    samples: [2, 3, 3, 4, 5, 2],
    timeDeltas: [0, 100_000, 100_000, 100_000, 100_000, 100_000],
  };
  const s = summariseProfile(profile, 'broker: test', 'f.cpuprofile');
  t.equal(s.totalMs, 500, 'total ms from the deltas (µs)');
  t.equal(s.busyMs, 400, 'busy: idle left out');
  t.same(
    s.top.map((e) => [e.name, e.selfMs]),
    [
      ['append (storage/partition-log.js:42)', 300],
      ['(idle)', 100],
      ['crc32c (protocol/crc32c.js:10)', 100],
    ],
  );
  t.equal(s.top[0]!.busyPct, 75, 'busy share leaves idle out');
  t.equal(shortUrl('file:///x/node_modules/kafkajs/src/a.js'), 'kafkajs/src/a.js');
  t.equal(shortUrl('node:internal/streams'), 'node:internal/streams');
});

t.test('the command line and the plan', async (t) => {
  t.same(parseSuiteArgs([]).only, [...sectionNames]);
  t.same(
    parseSuiteArgs(['--only', 'scale,kafka2014']).only,
    ['kafka2014', 'partitions', 'stored-data'],
    'in run order',
  );
  t.throws(() => parseSuiteArgs(['--only', 'nope']), /unknown section "nope"/);
  t.throws(() => parseSuiteArgs(['--records', '5']), /at least 100/);
  t.throws(() => parseSuiteArgs(['--out']), /--out needs a value/);
  t.throws(() => parseSuiteArgs(['--fast']), /unknown option --fast/);
  const o = parseSuiteArgs(['--quick', '--docs', '--profile', '--out', 'x']);
  t.match(o, { quick: true, docs: true, profile: true, out: 'x' });
  const full = planFor(parseSuiteArgs([]));
  t.same(full.partitions.counts, [1, 100, 1000, 10_000]);
  t.equal(full.storedData.bytes, 10 * 1024 ** 3);
  t.equal(full.kafka2014.partitions, 6);
  t.equal(full.recordBytes, 100);
  const quick = planFor(o);
  t.ok(
    quick.kafka2014.records < full.kafka2014.records && quick.storedData.bytes < full.storedData.bytes,
    'quick is smaller',
  );
  t.equal(planFor(parseSuiteArgs(['--records', '2000'])).kafka2014.serialRecords, 1000);
});

t.test('disk, memory and version parsing', async (t) => {
  t.same(scaleToDisk(1e9, 100 * 1024 ** 3), { bytes: 1e9, note: null });
  const short = scaleToDisk(10 * 1024 ** 3, 6 * 1024 ** 3);
  t.ok(short.bytes > 0 && short.bytes < 4 * 1024 ** 3, `scaled down to ${short.bytes}`);
  t.match(short.note, /scaled down from 10\.0 GiB/);
  t.equal(scaleToDisk(1e9, 1024 ** 3).bytes, 0, 'nothing fits');
  const status = 'Name:\tnode\nVmHWM:\t  204800 kB\nVmRSS:\t  102400 kB\n';
  t.equal(statusMiB(status, 'VmRSS'), 100);
  t.equal(statusMiB(status, 'VmHWM'), 200);
  t.equal(statusMiB('Name: x', 'VmRSS'), null);
  t.equal(
    kcatVersion('kcat - Apache Kafka producer\nVersion 1.7.1 (JSON, librdkafka 2.0.2 builtin.features=gzip)'),
    'kcat 1.7.1, librdkafka 2.0.2',
  );
});
