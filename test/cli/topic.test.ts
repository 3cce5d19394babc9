/** `samsa topic …` against a broker process: every subcommand, its output and exit code, and failures. */
import t from 'tap';
import { uniqueTopic } from '../helpers/temp.js';
import { check, cliBroker, lines } from './samsa.js';

const { run } = await cliBroker(t);

t.test('topic create, list, describe, alter-config, add-partitions, delete', async (t) => {
  const topic = uniqueTopic('cli-topic');

  check(t, await run(['topic', 'create', topic, '--partitions', '3', '--config', 'retention.ms=3600000']), {
    code: 0,
    stdout: `created topic "${topic}" with 3 partitions (replication factor 1)\n`,
    stderr: '',
  });

  const [again, idempotent, list, listJson] = await Promise.all([
    run(['topic', 'create', topic]),
    run(['topic', 'create', topic, '--if-not-exists']),
    run(['topic', 'list']),
    run(['topic', 'list', '--internal', '--format', 'json']),
  ]);
  check(t, again, {
    code: 4,
    stdout: '',
    stderr: new RegExp(`topic "${topic}" already exists; see it with: samsa topic describe ${topic}`),
  });
  check(t, idempotent, { code: 0, stdout: `topic "${topic}" already exists\n` });
  check(t, list, { code: 0, stdout: new RegExp(`^NAME +PARTITIONS +REPLICAS\n(.*\n)*${topic} +3 +1\n`) });
  t.notMatch(list.stdout, /__consumer_offsets/, 'internal topics hidden by default');
  const listed = JSON.parse(listJson.stdout) as { name: string; partitions: number; internal: boolean }[];
  t.same(
    listed.find((x) => x.name === topic),
    { name: topic, partitions: 3, replicationFactor: 1, internal: false },
  );
  t.ok(
    listed.some((x) => x.name === '__consumer_offsets' && x.internal),
    '--internal lists __consumer_offsets',
  );

  // Some data so offsets and sizes are not all zero.
  check(t, await run(['produce', topic, '--partition', '1'], { input: 'a\nb\nc\n' }), {
    code: 0,
    stdout: '',
  });

  const [table, json] = await Promise.all([
    run(['topic', 'describe', topic]),
    run(['topic', 'describe', topic, '--format', 'json']),
  ]);
  check(t, table, { code: 0, stderr: '' });
  t.match(table.stdout, new RegExp(`^topic: +${topic}\npartitions: +3\nreplication factor: +1\n`));
  t.match(table.stdout, /configs: +retention\.ms=3600000\n/, 'only overrides are listed');
  t.match(table.stdout, /size on disk: +\d+(\.\d)? (B|KiB)\n/, 'size on disk through the Kafka protocol');
  t.match(
    table.stdout,
    /PARTITION +LEADER +REPLICAS +ISR +LOG-START +LOG-END +SIZE\n0 +1 +1 +1 +0 +0 +0 B\n1 +1 +1 +1 +0 +3 +\d+ B\n2 /,
  );
  const d = JSON.parse(json.stdout);
  t.equal(d.name, topic);
  t.same(d.configs, { 'retention.ms': '3600000' });
  t.same(
    d.partitionDetails.map(
      (p: {
        partition: number;
        leader: number;
        isr: number[];
        logStartOffset: number;
        logEndOffset: number;
      }) => [p.partition, p.leader, p.isr, p.logStartOffset, p.logEndOffset],
    ),
    [
      [0, 1, [1], 0, 0],
      [1, 1, [1], 0, 3],
      [2, 1, [1], 0, 0],
    ],
  );
  t.notOk('sizeNote' in d, 'sizes known, no note');
  t.same(
    d.partitionDetails.map((p: { sizeBytes: number }) => p.sizeBytes > 0),
    [false, true, false],
    'only partition 1 holds bytes',
  );
  t.equal(
    d.sizeBytes,
    d.partitionDetails.reduce((a: number, p: { sizeBytes: number }) => a + p.sizeBytes, 0),
  );
  t.ok(d.sizeBytes > 0);

  const altered = await run([
    'topic',
    'alter-config',
    topic,
    '--config',
    'retention.ms=1000',
    '--config',
    'max.message.bytes=2048',
  ]);
  check(t, altered, {
    code: 0,
    stdout: `set retention.ms=1000 on topic "${topic}"\nset max.message.bytes=2048 on topic "${topic}"\n`,
  });
  const removed = await run(['topic', 'alter-config', topic, '--delete', 'retention.ms', '--format', 'json']);
  check(t, removed, { code: 0 });
  t.same(JSON.parse(removed.stdout).configs, { 'max.message.bytes': '2048' }, 'retention.ms back to default');

  check(t, await run(['topic', 'add-partitions', topic, '--partitions', '5']), {
    code: 0,
    stdout: `topic "${topic}" now has 5 partitions (was 3)\n`,
  });
  check(t, await run(['topic', 'add-partitions', topic, '--partitions', '4']), {
    code: 4,
    stderr: /already has 5 partitions; --partitions is the new total and must be more than 5/,
  });

  check(t, await run(['topic', 'delete', topic]), { code: 0, stdout: `deleted topic "${topic}"\n` });
  const [gone, deleteAgain, deleteIfExists] = await Promise.all([
    run(['topic', 'describe', topic]),
    run(['topic', 'delete', topic]),
    run(['topic', 'delete', topic, '--if-exists']),
  ]);
  const notFound = `error: topic "${topic}" does not exist; create it with: samsa topic create ${topic}\n`;
  check(t, gone, { code: 2, stdout: '', stderr: notFound });
  check(t, deleteAgain, { code: 2, stderr: notFound });
  check(t, deleteIfExists, { code: 0, stdout: `topic "${topic}" does not exist\n` });
});

t.test('topic failures: missing topics exit 2, bad flags exit 1, refused configs exit 4', async (t) => {
  const results = await Promise.all([
    run(['topic', 'alter-config', 'nope', '--config', 'retention.ms=1']),
    run(['topic', 'add-partitions', 'nope', '--partitions', '2']),
    run(['topic', 'create', 'x', '--partitions', 'zero']),
    run(['topic', 'create']),
    run(['topic', 'create', 'x', '--config', 'novalue']),
    run(['topic', 'alter-config', 'x']),
    run(['topic', 'frobnicate']),
    run(['topic', 'create', 'bad-config', '--config', 'no.such.config=1']),
    run(['topic', 'describe', 'x', '--format', 'yaml']),
  ]);
  const [
    alterMissing,
    growMissing,
    badCount,
    noName,
    badConfigFlag,
    nothingToAlter,
    unknown,
    refused,
    badFormat,
  ] = results;
  check(t, alterMissing!, { code: 2, stderr: /topic "nope" does not exist/ });
  check(t, growMissing!, { code: 2, stderr: /topic "nope" does not exist/ });
  check(t, badCount!, { code: 1, stderr: /--partitions must be an integer, not "zero"/ });
  check(t, noName!, { code: 1, stderr: /missing required argument 'name'/ });
  check(t, badConfigFlag!, { code: 1, stderr: /--config must look like key=value, not "novalue"/ });
  check(t, nothingToAlter!, {
    code: 1,
    stderr: /nothing to change: give --config key=value and\/or --delete key/,
  });
  check(t, unknown!, { code: 1, stderr: /unknown command 'frobnicate'/ });
  check(t, refused!, { code: 4, stderr: /^error: create topic bad-config: INVALID_CONFIG/ });
  check(t, badFormat!, { code: 1, stderr: /Allowed choices are table, json/ });
  t.equal(lines(refused!.stderr).length, 1, 'one line of error');
});
