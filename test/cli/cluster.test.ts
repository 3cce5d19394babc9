/**
 * `samsa cluster …`, and what every command shares: --brokers and SAMSA_BROKERS, the "cannot
 * reach" failure (exit 3), --help with examples everywhere, and progress only on a terminal.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { cliPath } from '../helpers/paths.js';
import { runProcess } from '../helpers/process.js';
import { tempDir, uniqueTopic } from '../helpers/temp.js';
import { check, cleanEnv, cliBroker, closedPort, samsa } from './samsa.js';

const { run, bootstrap, broker } = await cliBroker(t);

t.test('cluster info and health', async (t) => {
  const topic = uniqueTopic('cli-cluster');
  check(t, await run(['topic', 'create', topic, '--partitions', '2']), { code: 0 });
  const [info, infoJson, health, healthJson, viaEnv] = await Promise.all([
    run(['cluster', 'info']),
    run(['cluster', 'info', '--format', 'json']),
    run(['cluster', 'health']),
    run(['cluster', 'health', '--format', 'json']),
    samsa(['cluster', 'info', '--format', 'json'], { env: { SAMSA_BROKERS: bootstrap } }),
  ]);
  check(t, info, {
    code: 0,
    stdout: new RegExp(
      `^cluster id: +\\S+\ncontroller: +1\nbrokers: +1\ntopics: +\\d+ \\(\\+1 internal\\)\n\nID +HOST +PORT +RACK +CONTROLLER\n1 +127\\.0\\.0\\.1 +${broker.port} +- +yes\n$`,
    ),
    stderr: '',
  });
  const i = JSON.parse(infoJson.stdout);
  t.match(i, {
    controllerId: 1,
    brokers: [{ nodeId: 1, host: '127.0.0.1', port: broker.port }],
    internalTopics: 1,
  });
  t.ok(i.topics >= 1, 'counts the topic');
  t.same(JSON.parse(viaEnv.stdout), i, 'SAMSA_BROKERS is used without --brokers');
  check(t, health, {
    code: 0,
    stdout: /^healthy: 1 broker, \d+ topics, \d+ partitions, every partition has a leader\n$/,
  });
  t.match(JSON.parse(healthJson.stdout), {
    healthy: true,
    brokers: 1,
    controllerId: 1,
    leaderlessPartitions: [],
  });
});

t.test('an unreachable broker: exit 3 and how to start one, from every kind of command', async (t) => {
  const port = await closedPort();
  const down = `127.0.0.1:${port}`;
  const message = `error: cannot reach broker at ${down}: connection refused — is it running? start one with: samsa broker start\n`;
  const runs = await Promise.all([
    samsa(['--brokers', down, 'cluster', 'health']),
    samsa(['topic', 'list', '--brokers', down]),
    samsa(['produce', 'x', '--brokers', down], { input: 'a\n' }),
    samsa(['consume', 'x', '--brokers', down, '-e']),
    samsa(['group', 'describe', 'g'], { env: { SAMSA_BROKERS: down } }),
    samsa(['--brokers', `${down},127.0.0.1:${port}`, 'cluster', 'info']),
    samsa(['--brokers', 'no-such-host.invalid:9092', 'cluster', 'info']),
  ]);
  for (const r of runs.slice(0, 5)) check(t, r, { code: 3, stdout: '', stderr: message });
  check(t, runs[5]!, {
    code: 3,
    stderr:
      /cannot reach any broker \(127\.0\.0\.1:\d+: connection refused; 127\.0\.0\.1:\d+: connection refused\)/,
  });
  check(t, runs[6]!, {
    code: 3,
    stderr: /no-such-host\.invalid:9092: host not found — check --brokers \(or SAMSA_BROKERS\)/,
  });
});

t.test('a broker that goes away: a following consumer exits 3 instead of hanging', async (t) => {
  const doomed = await cliBroker(t);
  const topic = uniqueTopic('cli-lost');
  check(t, await doomed.run(['topic', 'create', topic, '--partitions', '1']), { code: 0 });
  const follower = doomed.start(['--timeout', '1000', 'consume', topic, '--verbose']);
  await follower.waitForOutput('stderr', /following/);
  await doomed.broker.kill();
  const exit = await follower.exited;
  t.equal(exit.code, 3, 'exit 3: unreachable');
  t.match(follower.stderr(), /error: lost the broker: .*ECONNREFUSED/);
});

t.test('--help everywhere has examples; --version; bad global flags', async (t) => {
  const commands = [
    [],
    ['topic'],
    ['topic', 'create'],
    ['topic', 'list'],
    ['topic', 'describe'],
    ['topic', 'delete'],
    ['topic', 'add-partitions'],
    ['topic', 'alter-config'],
    ['produce'],
    ['consume'],
    ['group'],
    ['group', 'list'],
    ['group', 'describe'],
    ['group', 'reset-offsets'],
    ['group', 'delete'],
    ['cluster'],
    ['cluster', 'info'],
    ['cluster', 'health'],
    ['broker'],
    ['broker', 'start'],
  ];
  const helps = await Promise.all(commands.map((c) => samsa([...c, '--help'])));
  for (const [i, r] of helps.entries()) {
    const what = ['samsa', ...commands[i]!, '--help'].join(' ');
    check(t, r, { code: 0, stdout: /\nExamples:\n {2}.*samsa /, stderr: '' }, what);
  }
  t.match(
    helps[0]!.stdout,
    /Exit codes:\n {2}0 +ok\n {2}1 +bad flags or arguments\n {2}2 +not found.*\n {2}3 +broker unreachable\n {2}4 /,
  );
  t.match(helps[9]!.stdout, /%k +key/, 'consume help lists the template fields');

  const [version, badBrokers, noCommand, unknownOption] = await Promise.all([
    samsa(['--version']),
    samsa(['--brokers', 'localhost:notaport', 'topic', 'list']),
    samsa([]),
    samsa(['topic', 'list', '--frobnicate']),
  ]);
  check(t, version, { code: 0, stdout: /^\d+\.\d+\.\d+\n$/ });
  check(t, badBrokers, { code: 1, stderr: /broker address "localhost:notaport" is not host:port/ });
  check(t, noCommand, { code: 1, stderr: /Usage: samsa/ });
  check(t, unknownOption, {
    code: 1,
    stderr: /unknown option '--frobnicate'\n\(run with --help for usage and examples\)/,
  });
});

const hasScript = spawnSync('script', ['--version']).status === 0;

t.test(
  'progress: drawn on a terminal, silent when piped',
  { skip: hasScript ? false : 'no script(1) for a pty' },
  async (t) => {
    const topic = uniqueTopic('cli-progress');
    check(t, await run(['topic', 'create', topic, '--partitions', '1']), { code: 0 });
    const dir = tempDir(t, 'samsa-cli-progress-');
    const file = join(dir, 'big.txt');
    writeFileSync(file, Array.from({ length: 5000 }, (_, i) => `record ${i}`).join('\n') + '\n');

    const piped = await run(['produce', topic, '--file', file]);
    check(t, piped, { code: 0, stdout: '', stderr: '' }, 'piped produce is silent');

    // script(1) runs the command with stdin, stdout and stderr on a pseudo-terminal.
    const quote = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;
    const command = [process.execPath, cliPath, '--brokers', bootstrap, 'produce', topic, '--file', file]
      .map(quote)
      .join(' ');
    const tty = await runProcess('script', ['-qec', command, '/dev/null'], {
      env: cleanEnv(),
      timeoutMs: 30_000,
    });
    t.equal(tty.code, 0, 'produce on a terminal succeeds');
    t.match(
      tty.stdout,
      new RegExp(`producing to ${topic}: \\d+ records \\d+% \\(\\d+/s\\)`),
      'progress is drawn',
    );
    t.match(tty.stdout, new RegExp(`produced 5000 records to ${topic}`), 'summary on a terminal');

    const consumed = await run(['consume', topic, '--count', '10000', '-e', '--format', '%o']);
    check(t, consumed, { code: 0, stderr: '' });
    t.equal(consumed.stdout.split('\n').length - 1, 10_000, 'both runs produced every record');

    // Records to a file, progress on the terminal.
    const out = join(dir, 'out.txt');
    const consumeCommand = [
      process.execPath,
      cliPath,
      '--brokers',
      bootstrap,
      'consume',
      topic,
      '--count',
      '10000',
    ]
      .map(quote)
      .join(' ');
    const ttyConsume = await runProcess(
      'script',
      ['-qec', `${consumeCommand} > ${quote(out)}`, '/dev/null'],
      {
        env: cleanEnv(),
        timeoutMs: 30_000,
      },
    );
    t.equal(ttyConsume.code, 0, 'consume on a terminal succeeds');
    t.match(
      ttyConsume.stdout,
      new RegExp(`consuming ${topic}: \\d+/10000 records`),
      'consume progress is drawn',
    );
    t.equal(readFileSync(out, 'utf8').split('\n').length - 1, 10_000, 'the records went to the file');
  },
);
