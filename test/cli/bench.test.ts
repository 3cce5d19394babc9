/**
 * `samsa bench produce|consume|e2e`: run as a user would against a broker process; the counts
 * and the JSON shape are checked (not the speed: speed lives in docs/benchmarks.md).
 */
import t from 'tap';
import { Histogram } from '../../client/cli/histogram.js';
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

t.test('bad flags are usage errors', async (t) => {
  check(t, await run(['bench', 'produce', 'x', '--acks', '2']), {
    code: 1,
    stderr: /--acks must be 0, 1 or all/,
  });
  check(t, await run(['bench', 'produce', 'x', '--records', '0']), { code: 1 });
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
