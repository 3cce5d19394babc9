/** `samsa produce` and `samsa consume` as a user runs them: stdin and files in, templates and JSON out. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { tempDir, uniqueTopic } from '../helpers/temp.js';
import { check, cliBroker, lines } from './samsa.js';

// One broker for the whole file (each test uses its own topics).
const { run, start } = await cliBroker(t);

t.test(
  'produce from stdin with keys and headers, consume back with --count, templates and --json',
  async (t) => {
    const { run } = await cliBroker(t);
    const topic = uniqueTopic('cli-pc');
    check(t, await run(['topic', 'create', topic, '--partitions', '2']), { code: 0 });

    const produced = await run(
      ['produce', topic, '--key-separator', ':', '--header', 'source=cli', '--partition', '1', '--verbose'],
      { input: 'k1:hello\nk2:world\nno key here\n\n' },
    );
    check(t, produced, {
      code: 0,
      stdout:
        'partition 1 offset 0 key k1\npartition 1 offset 1 key k2\npartition 1 offset 2\npartition 1 offset 3\n',
      stderr: `produced 4 records to ${topic}\n`,
    });

    const [template, json, plain] = await Promise.all([
      run(['consume', topic, '--from-beginning', '--count', '3', '--format', '%t|%p|%o|%k|%v|%h|%K|%S']),
      run(['consume', topic, '--count', '4', '--json']),
      run(['consume', topic, '-e']),
    ]);
    check(t, template, {
      code: 0,
      stdout:
        `${topic}|1|0|k1|hello|source=cli|2|5\n` +
        `${topic}|1|1|k2|world|source=cli|2|5\n` +
        `${topic}|1|2||no key here|source=cli|-1|11\n`,
      stderr: '',
    });
    check(t, json, { code: 0, stderr: '' });
    const records = lines(json.stdout).map((l) => JSON.parse(l));
    t.equal(records.length, 4);
    t.match(records[0], {
      topic,
      partition: 1,
      offset: 0,
      key: 'k1',
      value: 'hello',
      headers: [{ key: 'source', value: 'cli' }],
    });
    t.type(records[0].timestamp, 'number');
    t.equal(records[2].key, null, 'a line without the separator has no key');
    t.equal(records[3].value, '', 'an empty line is an empty value');
    check(t, plain, { code: 0, stdout: 'hello\nworld\nno key here\n\n', stderr: '' });
  },
);

t.test('start positions, partitions, -e, header separators, files, gzip and acks', async (t) => {
  const topic = uniqueTopic('cli-pos');
  check(t, await run(['topic', 'create', topic, '--partitions', '2']), { code: 0 });
  const dir = tempDir(t, 'samsa-cli-');
  const file = join(dir, 'records.txt');
  writeFileSync(file, Array.from({ length: 50 }, (_, i) => `r${i}`).join('\n') + '\n');

  const [fromFile, withHeaders] = await Promise.all([
    run(['produce', topic, '--file', file, '--partition', '0', '--compression', 'gzip', '--acks', '1']),
    run(['produce', topic, '--partition', '1', '--header-separator', '\\t', '-K', '\\t'], {
      input: 'h1=v1,h2=v2\tkey-a\tvalue a\n\tkey-b\tvalue b\n',
    }),
  ]);
  const acks0 = await run(['produce', topic, '--partition', '1', '--acks', '0', '--verbose'], {
    input: 'fire and forget\n',
  });
  check(t, fromFile, { code: 0, stdout: '', stderr: '' });
  check(t, withHeaders, { code: 0, stdout: '', stderr: '' });
  check(t, acks0, { code: 0, stdout: /^partition 1 offset n\/a \(acks=0\)\n$/ });

  const timeBetween = Date.now() + 1;
  check(t, await run(['produce', topic, '--partition', '0'], { input: 'late-1\nlate-2\n' }), { code: 0 });

  const [p1, last2, fromOffset, fromTime, fromTimeMs, fromEndAtEnd, pastEnd] = await Promise.all([
    run(['consume', topic, '--partition', '1', '--count', '2', '--format', '%h|%k|%v']),
    run(['consume', topic, '--partition', '0', '--offset', '-2', '-e']),
    run(['consume', topic, '--partition', '0', '--offset', '48', '--count', '2', '--format', '%o:%v']),
    run(['consume', topic, '--from-time', new Date(timeBetween).toISOString(), '-e']),
    run(['consume', topic, '--from-time', String(timeBetween), '-e', '--format', '%p/%o']),
    run(['consume', topic, '--from-end', '-e']),
    run(['consume', topic, '--partition', '0', '--offset', '1000', '-e', '--verbose']),
  ]);
  check(t, p1, { code: 0, stdout: 'h1=v1,h2=v2|key-a|value a\n|key-b|value b\n' });
  check(t, last2, { code: 0, stdout: 'late-1\nlate-2\n' });
  check(t, fromOffset, { code: 0, stdout: '48:r48\n49:r49\n' });
  check(t, fromTime, { code: 0, stdout: 'late-1\nlate-2\n' });
  check(t, fromTimeMs, { code: 0, stdout: '0/50\n0/51\n' });
  check(t, fromEndAtEnd, { code: 0, stdout: '' });
  check(t, pastEnd, {
    code: 0,
    stdout: '',
    stderr: `consuming ${topic} from partition 0 offset 52\nconsumed 0 records\n`,
  });

  const all = await run(['consume', topic, '-e', '--format', '%p']);
  check(t, all, { code: 0 });
  const perPartition = lines(all.stdout).reduce<Record<string, number>>((a, p) => {
    a[p] = (a[p] ?? 0) + 1;
    return a;
  }, {});
  t.same(perPartition, { 0: 52, 1: 3 }, 'gzip batches and acks=0 records all arrived');
});

t.test('follow mode: new records appear until SIGTERM; --from-end sees only new ones', async (t) => {
  const topic = uniqueTopic('cli-follow');
  check(t, await run(['topic', 'create', topic, '--partitions', '1']), { code: 0 });
  check(t, await run(['produce', topic], { input: 'old\n' }), { code: 0 });

  const follower = start(['consume', topic, '--format', '%o %v']);
  const tail = start(['consume', topic, '--from-end', '--count', '1', '--verbose']);
  await follower.waitForOutput('stdout', /^0 old\n/);
  await tail.waitForOutput('stderr', /consuming .* from partition 0 offset 1\n/);
  check(t, await run(['produce', topic], { input: 'new\n' }), { code: 0 });
  await follower.waitForOutput('stdout', /^0 old\n1 new\n$/);
  t.equal(await follower.stop('SIGTERM'), 0, 'a following consumer stops cleanly on SIGTERM');
  const tailExit = await tail.exited;
  t.equal(tailExit.code, 0, '--count 1 exits after the new record');
  t.equal(tail.stdout(), 'new\n');
  t.match(tail.stderr(), /consumed 1 record\n$/);
  t.notMatch(tail.stderr(), /following/, '--count is not follow mode');
});

t.test('produce and consume failures', async (t) => {
  const topic = uniqueTopic('cli-fail');
  check(t, await run(['topic', 'create', topic, '--partitions', '2']), { code: 0 });
  const [
    missingP,
    missingC,
    badPartitionP,
    badPartitionC,
    badAcks,
    badCompression,
    badTemplate,
    clash,
    groupAndPartition,
    noFile,
    badTime,
  ] = await Promise.all([
    run(['produce', 'no-such-topic'], { input: 'x\n' }),
    run(['consume', 'no-such-topic', '-e']),
    run(['produce', topic, '--partition', '7'], { input: 'x\n' }),
    run(['consume', topic, '--partition', '2', '-e']),
    run(['produce', topic, '--acks', '2'], { input: 'x\n' }),
    run(['produce', topic, '--compression', 'zstd'], { input: 'x\n' }),
    run(['consume', topic, '--format', '%q', '-e']),
    run(['consume', topic, '--from-beginning', '--offset', '3']),
    run(['consume', topic, '--group', 'g', '--partition', '0']),
    run(['produce', topic, '--file', '/nonexistent/records.txt']),
    run(['consume', topic, '--from-time', 'yesterday']),
  ]);
  const missing =
    /^error: topic "no-such-topic" does not exist; create it with: samsa topic create no-such-topic\n$/;
  check(t, missingP!, { code: 2, stdout: '', stderr: missing });
  check(t, missingC!, { code: 2, stdout: '', stderr: missing });
  check(t, badPartitionP!, {
    code: 2,
    stderr: new RegExp(`partition 7 of topic "${topic}" does not exist \\(it has 2 partitions: 0..1\\)`),
  });
  check(t, badPartitionC!, { code: 2, stderr: /partition 2 of topic .* does not exist/ });
  check(t, badAcks!, { code: 1, stderr: /--acks must be 0, 1 or all, not "2"/ });
  check(t, badCompression!, { code: 1, stderr: /Allowed choices are none, gzip/ });
  check(t, badTemplate!, { code: 1, stderr: /unknown template field "%q"/ });
  check(t, clash!, { code: 1, stderr: /cannot be used with/ });
  check(t, groupAndPartition!, { code: 1, stderr: /cannot be used with/ });
  check(t, noFile!, { code: 1, stderr: /cannot read --file \/nonexistent\/records.txt/ });
  check(t, badTime!, { code: 1, stderr: /--from-time must be milliseconds since the epoch or an ISO date/ });
});
