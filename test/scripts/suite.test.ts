/**
 * The benchmark suite end to end with tiny counts: the Samsa-only sections (Kafka's 2014 table,
 * partitions, stored data) with --profile, as `npm run bench` runs it (node dist/scripts/bench/suite.js);
 * checks the JSON, the report and the charts it writes — not the speed.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import type { SuiteResult } from '../../scripts/bench/suite-types.js';
import { cleanEnv } from '../cli/samsa.js';
import { repoRoot } from '../helpers/paths.js';
import { describeRun, runProcess } from '../helpers/process.js';
import { tempDir } from '../helpers/temp.js';
import { checkXml } from './xml.js';

t.test('--only kafka2014,partitions,stored-data --records 2000 --profile', async (t) => {
  const out = join(tempDir(t, 'samsa-suite-test-'), 'out');
  const run = await runProcess(
    process.execPath,
    [
      join(repoRoot, 'dist/scripts/bench/suite.js'),
      '--only',
      'kafka2014,partitions,stored-data',
      '--records',
      '2000',
      '--profile',
      '--out',
      out,
    ],
    { env: cleanEnv(), timeoutMs: 120_000 },
  );
  t.equal(run.code, 0, 'the suite succeeds', { run: describeRun(run) });
  const r = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as SuiteResult;
  t.same(r.errors, []);
  t.same(r.options.only, ['kafka2014', 'partitions', 'stored-data']);
  const k = r.sections.kafka2014!;
  t.match(k.producer.result, {
    operation: 'produce',
    records: 2000,
    recordBytes: 100,
    config: { partitions: 6, acks: '1' },
  });
  t.match(k.consumer.result, { operation: 'consume', records: 2000 });
  t.equal(k.together.consumer.result.records, 2000, 'together: the consumer read all the producer wrote');
  t.ok(k.together.recordsPerSec > 0);
  t.match(k.latencyAtRate.result, { operation: 'e2e', records: 2000, config: { rate: 10_000, lingerMs: 0 } });
  t.match(k.latencySerial.result, { config: { method: 'serial' } });
  t.ok(k.latencySerial.result.latencyMs!.p50 > 0);
  t.ok(k.broker.peakRssMiB > 10, `broker memory sampled: ${k.broker.peakRssMiB} MiB`);
  t.same(
    r.sections.partitions!.map((s) => [s.partitions, s.produce?.result.records]),
    [
      [1, 2000],
      [10, 2000],
    ],
  );
  const d = r.sections.storedData!;
  t.equal(d.windows.length, 5);
  t.ok(
    d.windows.every(
      (w, i) => w.recordsPerSec > 0 && (i === 0 || w.storedBytes > d.windows[i - 1]!.storedBytes),
    ),
  );
  const ids = r.targets.map((x) => x.id);
  for (const id of ['producer', 'consumer', 'e2e-p50', 'e2e-p99', 'memory-1000'])
    t.ok(ids.includes(id), `target ${id}`);
  t.not(r.targets.find((x) => x.id === 'producer')!.met, null, 'the producer target is judged');
  t.equal(r.targets.find((x) => x.id === 'memory-1000')!.met, null, 'no 1,000-partition step: not measured');
  t.ok(r.machine.cores > 0 && r.machine.loadAfter !== null && r.versions.node === process.version);
  t.ok(
    r.profiles.some((p) => p.label === 'broker: kafka2014' && p.top.length > 0),
    'the broker profile is summarised',
  );
  t.ok(
    r.profiles.some((p) => p.label === 'samsa bench: produce'),
    'the client profile too',
  );
  const md = readFileSync(join(out, 'report.md'), 'utf8');
  t.match(md, /## Targets/);
  t.match(md, /## Profiles/);
  for (const file of Object.keys(r.charts)) {
    t.ok(existsSync(join(out, 'charts', file)), `${file} written`);
    t.same(checkXml(readFileSync(join(out, 'charts', file), 'utf8')).errors, [], `${file} well-formed`);
    t.match(md, new RegExp(`\\]\\(charts/${file.replace('.', '\\.')}\\)`), `${file} referenced`);
  }
  t.ok(Object.keys(r.charts).length >= 5, 'charts for every section run');
});

t.test(
  '--only replication --records 2000: a three-broker cluster with replication factor 3 beside one broker',
  async (t) => {
    const out = join(tempDir(t, 'samsa-suite-rep-'), 'out');
    const run = await runProcess(
      process.execPath,
      [
        join(repoRoot, 'dist/scripts/bench/suite.js'),
        '--only',
        'replication',
        '--records',
        '2000',
        '--out',
        out,
      ],
      { env: cleanEnv(), timeoutMs: 120_000 },
    );
    t.equal(run.code, 0, 'the suite succeeds', { run: describeRun(run) });
    const r = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as SuiteResult;
    t.same(r.errors, []);
    const rep = r.sections.replication!;
    for (const x of [rep.single.acks1, rep.single.acksAll, rep.cluster.acks1, rep.cluster.acksAll])
      t.match(x.result, { operation: 'produce', records: 2000 });
    t.equal(rep.cluster.acksAll.result.config?.acks, 'all');
    t.equal(rep.cluster.brokers.length, 3);
    t.equal(rep.layout.length, 6);
    t.ok(
      rep.layout.every((p) => p.replicas.length === 3 && p.isr.length === 3),
      'every partition on three replicas, all in sync',
    );
    const md = readFileSync(join(out, 'report.md'), 'utf8');
    t.match(md, /## Replication: 3 brokers, replication factor 3/);
    t.match(md, /786,980/);
    t.ok(r.charts['replication.svg'], 'chart written');
  },
);
