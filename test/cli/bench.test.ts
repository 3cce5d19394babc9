/**
 * `samsa bench produce|consume|e2e`: run as a user would against a broker process; the counts
 * and the JSON shape are checked (not the speed: speed lives in docs/benchmarks.md).
 */
import t from 'tap';
import { Histogram } from '../../client/cli/histogram.js';
import { Progress, progressBar } from '../../client/cli/progress.js';
import { uniqueTopic } from '../helpers/temp.js';
import { check, cliBroker } from './samsa.js';

const { run } = await cliBroker(t);

t.test('produce, then consume the same records; e2e reports latency percentiles', async (t) => {
  const topic = uniqueTopic('cli-bench');
  const produced = await run([
    'bench',
    'produce',
    topic,
    '--records',
    '20000',
    '--partitions',
    '2',
    '--json',
  ]);
  check(t, produced, { code: 0 });
  const p = JSON.parse(produced.stdout);
  t.match(p, { operation: 'produce', topic, records: 20000, recordBytes: 100 });
  t.ok(p.recordsPerSecond > 0 && p.megabytesPerSecond > 0, 'throughput reported');
  t.ok(p.latencyMs.p50 <= p.latencyMs.p99 && p.latencyMs.p99 <= p.latencyMs.max, 'percentiles in order');

  const consumed = await run(['bench', 'consume', topic, '--records', '20000', '--json']);
  check(t, consumed, { code: 0 });
  t.match(JSON.parse(consumed.stdout), { operation: 'consume', records: 20000 });

  const e2e = await run([
    'bench',
    'e2e',
    uniqueTopic('cli-bench-e2e'),
    '--records',
    '2000',
    '--rate',
    '5000',
  ]);
  check(t, e2e, {
    code: 0,
    stdout: /records of 100 bytes[\s\S]*latency ms: p50 [\d.]+, p99 [\d.]+, p99\.9 [\d.]+, max [\d.]+\n$/,
  });
});

t.test('several producers and consumers share the records; --duration bounds a run by time', async (t) => {
  const topic = uniqueTopic('cli-bench-many');
  const produced = await run([
    'bench',
    'produce',
    topic,
    '--records',
    '9000',
    '--partitions',
    '3',
    '--producers',
    '3',
    '--json',
  ]);
  check(t, produced, { code: 0 });
  t.match(JSON.parse(produced.stdout), {
    operation: 'produce',
    records: 9000,
    config: { partitions: 3, producers: 3, consumers: 0, method: 'count', durationS: null },
  });

  const consumed = await run(['bench', 'consume', topic, '--records', '9000', '--consumers', '3', '--json']);
  check(t, consumed, { code: 0 });
  t.match(JSON.parse(consumed.stdout), {
    operation: 'consume',
    records: 9000,
    config: { partitions: 3, consumers: 3, producers: 0, acks: null },
  });

  const timed = await run(['bench', 'produce', topic, '--duration', '1', '--rate', '2000', '--json']);
  check(t, timed, { code: 0 });
  const d = JSON.parse(timed.stdout);
  t.match(d, { config: { method: 'duration', durationS: 1, rate: 2000 } });
  t.ok(d.seconds >= 1 && d.seconds < 10, `ran about a second: ${d.seconds} s`);
  // 2,000/s for 1 s: the rate and the deadline both bound it (the first chunk goes at once).
  t.ok(d.records > 0 && d.records <= 2100, `paced: ${d.records} records`);

  const capped = await run(['bench', 'consume', topic, '--duration', '20', '--records', '500', '--json']);
  check(t, capped, { code: 0 });
  const c = JSON.parse(capped.stdout);
  t.ok(c.records >= 500 && c.seconds < 20, `--records caps a --duration run: ${c.records} in ${c.seconds} s`);
});

t.test("--serial measures Kafka's way: one record at a time", async (t) => {
  const r = await run([
    'bench',
    'e2e',
    uniqueTopic('cli-bench-serial'),
    '--serial',
    '--records',
    '200',
    '--json',
  ]);
  check(t, r, { code: 0 });
  const e = JSON.parse(r.stdout);
  t.match(e, { operation: 'e2e', records: 200, config: { method: 'serial', producers: 1, consumers: 1 } });
  t.ok(e.latencyMs.p50 > 0 && e.latencyMs.p50 <= e.latencyMs.max, 'latency percentiles');
});

t.test('bad flags are usage errors', async (t) => {
  check(t, await run(['bench', 'produce', 'x', '--acks', '2']), {
    code: 1,
    stderr: /--acks must be 0, 1 or all/,
  });
  check(t, await run(['bench', 'produce', 'x', '--records', '0']), { code: 1 });
  check(t, await run(['bench', 'produce', 'x', '--duration', '0']), {
    code: 1,
    stderr: /--duration must be between 1 and 86400/,
  });
  check(t, await run(['bench', 'produce', 'x', '--producers', '0']), { code: 1, stderr: /--producers/ });
  check(t, await run(['bench', 'e2e', 'x', '--serial', '--rate', '100']), {
    code: 1,
    stderr: /--serial sends one record at a time/,
  });
  check(t, await run(['bench', 'consume', uniqueTopic('cli-bench-one'), '--consumers', '2']), {
    code: 1,
    stderr: /--consumers 2 is more than the 1 partitions/,
  });
});

t.test('the histogram keeps percentiles within 2 %', async (t) => {
  const h = new Histogram();
  for (let v = 1; v <= 100_000; v++) h.record(v);
  for (const p of [50, 90, 99, 99.9]) {
    const exact = (p / 100) * 100_000;
    t.ok(Math.abs(h.percentile(p) - exact) / exact < 0.02, `p${p}: ${h.percentile(p)} vs ${exact}`);
  }
  t.equal(h.max, 100_000);
  t.equal(h.percentile(100), 100_000);
  t.equal(new Histogram().percentile(50), 0, 'empty histogram');
});

t.test('the progress bar: drawn on a terminal, in proportion, never on a pipe', async (t) => {
  t.equal(progressBar(0.5, 10), '[#####-----]  50%');
  t.equal(progressBar(2, 4), '[####] 100%', 'clamped above');
  t.equal(progressBar(-1, 4), '[----]   0%', 'clamped below');
  const written: string[] = [];
  const tty = { isTTY: true, write: (s: string) => written.push(s) };
  const p = new Progress({ label: 'producing', unit: 'records', total: 100, bar: true, stream: tty });
  p.add(25);
  t.match(written.join(''), /producing: \[######------------------\] {2}25% 25\/100 records/);
  p.done();
  t.equal(written.at(-1), '\r\x1b[K', 'the line is erased at the end');
  const piped: string[] = [];
  const q = new Progress({ label: 'x', unit: 'records', bar: true, stream: { write: (s) => piped.push(s) } });
  q.add(5);
  q.done('summary');
  t.same(piped, [], 'nothing on a pipe');
});
