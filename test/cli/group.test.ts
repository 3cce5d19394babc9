/** `samsa group …` with real consumers: lag after commits, reset-offsets dry run vs --execute, delete. */
import t from 'tap';
import { uniqueTopic } from '../helpers/temp.js';
import { check, cliBroker, lines } from './samsa.js';

const { run, start } = await cliBroker(t);

t.test('describe shows members, assignments, committed offsets and lag; reset and delete', async (t) => {
  const topic = uniqueTopic('cli-group');
  const group = `g-${topic}`;
  check(t, await run(['topic', 'create', topic, '--partitions', '1']), { code: 0 });
  const input = Array.from({ length: 10 }, (_, i) => `m${i}`).join('\n') + '\n';
  check(t, await run(['produce', topic], { input }), { code: 0 });

  // A group member that reads 4 records and commits them as it leaves.
  check(t, await run(['consume', topic, '--group', group, '--count', '4']), {
    code: 0,
    stdout: 'm0\nm1\nm2\nm3\n',
  });
  const [listed, described, describedJson] = await Promise.all([
    run(['group', 'list']),
    run(['group', 'describe', group]),
    run(['group', 'describe', group, '--format', 'json']),
  ]);
  check(t, listed, {
    code: 0,
    stdout: new RegExp(`^GROUP +STATE +PROTOCOL-TYPE\n(.*\n)*${group} +Empty +consumer\n`),
  });
  check(t, described, { code: 0, stderr: '' });
  t.match(
    described.stdout,
    new RegExp(`^group: +${group}\nstate: +Empty\n(.*\n)*members: +0\ntotal lag: +6\n`),
  );
  t.match(
    described.stdout,
    new RegExp(`TOPIC +PARTITION +COMMITTED +LOG-END +LAG +MEMBER +CLIENT-ID\n${topic} +0 +4 +10 +6 +- +-\n`),
  );
  const d = JSON.parse(describedJson.stdout);
  t.match(d, { groupId: group, state: 'Empty', members: [], totalLag: 6 });
  t.same(d.offsets, [
    { topic, partition: 0, committed: 4, logEnd: 10, lag: 6, memberId: null, clientId: null, host: null },
  ]);

  // The next run of the group continues from the committed offset.
  check(t, await run(['consume', topic, '--group', group, '--count', '2']), { code: 0, stdout: 'm4\nm5\n' });

  // A member that stays: describe shows it and its assignment; reset --execute and delete refuse.
  const member = start(['consume', topic, '--group', group, '--format', '%o']);
  await member.waitForOutput('stdout', /^6\n7\n8\n9\n$/);
  const [active, refusedReset, refusedDelete, dryRunWhileActive] = await Promise.all([
    run(['group', 'describe', group, '--format', 'json']),
    run(['group', 'reset-offsets', group, '--topic', topic, '--to-earliest', '--execute']),
    run(['group', 'delete', group]),
    run(['group', 'reset-offsets', group, '--topic', topic, '--to-earliest']),
  ]);
  const a = JSON.parse(active.stdout);
  t.equal(a.state, 'Stable');
  t.equal(a.members.length, 1);
  t.same(a.members[0].assignment, [{ topic, partitions: [0] }]);
  t.equal(a.members[0].clientId, 'samsa-cli');
  t.match(a.offsets[0], { topic, partition: 0, memberId: a.members[0].memberId, clientId: 'samsa-cli' });
  check(t, refusedReset, {
    code: 4,
    stderr: new RegExp(`group "${group}" has 1 active member \\(state Stable\\); stop its consumers first`),
  });
  check(t, refusedDelete, { code: 4, stderr: new RegExp(`group "${group}" still has active members`) });
  check(t, dryRunWhileActive, { code: 0, stderr: /dry run: nothing changed/ });
  t.equal(await member.stop('SIGTERM'), 0, 'the member leaves on SIGTERM');

  // Committed 10 now (the member printed 6..9 and committed as it left).
  const [dryRun, shiftPlan] = await Promise.all([
    run(['group', 'reset-offsets', group, '--topic', topic, '--to-earliest']),
    run(['group', 'reset-offsets', group, '--all-topics', '--shift-by', '-3', '--format', 'json']),
  ]);
  check(t, dryRun, {
    code: 0,
    stdout: new RegExp(`^TOPIC +PARTITION +CURRENT +NEW\n${topic} +0 +10 +0\n$`),
    stderr: new RegExp(
      `^dry run: nothing changed; to apply it \\(the group must have no active members\\):\n  samsa --brokers \\S+ group reset-offsets ${group} --topic ${topic} --to-earliest --execute\n$`,
    ),
  });
  check(t, shiftPlan, { code: 0 });
  t.same(JSON.parse(shiftPlan.stdout), {
    groupId: group,
    executed: false,
    partitions: [{ topic, partition: 0, current: 10, new: 7 }],
  });
  check(t, await run(['group', 'describe', group, '--format', 'json']), { code: 0, stdout: /"totalLag": 0/ });

  check(t, await run(['group', 'reset-offsets', group, '--topic', topic, '--to-offset', '3', '--execute']), {
    code: 0,
    stdout: new RegExp(`${topic} +0 +10 +3\n`),
    stderr: `reset 1 partition offset of group "${group}"\n`,
  });
  check(t, await run(['consume', topic, '--group', group, '--count', '1']), { code: 0, stdout: 'm3\n' });
  const [toLatest, byTime] = await Promise.all([
    run(['group', 'reset-offsets', group, '--topic', topic, '--to-latest', '--format', 'json']),
    run([
      'group',
      'reset-offsets',
      group,
      '--topic',
      topic,
      '--to-datetime',
      new Date(Date.now() + 60_000).toISOString(),
    ]),
  ]);
  t.match(JSON.parse(toLatest.stdout).partitions, [{ current: 4, new: 10 }]);
  check(t, byTime, { code: 0, stdout: new RegExp(`${topic} +0 +4 +10\n`), stderr: /dry run/ });
  check(
    t,
    await run([
      'group',
      'reset-offsets',
      group,
      '-t',
      topic,
      '--to-earliest',
      '--execute',
      '--format',
      'json',
    ]),
    {
      code: 0,
      stdout: /"executed": true/,
    },
  );
  check(t, await run(['group', 'describe', group]), {
    code: 0,
    stdout: new RegExp(`${topic} +0 +0 +10 +10 `),
  });

  check(t, await run(['group', 'delete', group]), { code: 0, stdout: `deleted group "${group}"\n` });
  const [afterDelete, deleteAgain, listAfter] = await Promise.all([
    run(['group', 'describe', group]),
    run(['group', 'delete', group]),
    run(['group', 'list', '--format', 'json']),
  ]);
  const notFound = `error: consumer group "${group}" does not exist; list groups with: samsa group list\n`;
  check(t, afterDelete, { code: 2, stderr: notFound });
  check(t, deleteAgain, { code: 2, stderr: notFound });
  t.notOk(
    (JSON.parse(listAfter.stdout) as { groupId: string }[]).some((g) => g.groupId === group),
    'deleted group is not listed',
  );
});

t.test('group failures: bad reset flags exit 1, unknown topic exit 2', async (t) => {
  const topic = uniqueTopic('cli-group-bad');
  check(t, await run(['topic', 'create', topic, '--partitions', '1']), { code: 0 });
  const results = await Promise.all([
    run(['group', 'reset-offsets', 'g', '--topic', topic]),
    run(['group', 'reset-offsets', 'g', '--to-earliest']),
    run(['group', 'reset-offsets', 'g', '--topic', topic, '--to-earliest', '--to-latest']),
    run(['group', 'reset-offsets', 'g', '--topic', topic, '--to-offset', '-1']),
    run(['group', 'reset-offsets', 'g', '--topic', 'no-such-topic', '--to-earliest']),
    run(['group', 'reset-offsets', 'never-committed', '--all-topics', '--to-earliest']),
    run(['group', 'reset-offsets', 'never-committed', '--topic', topic, '--shift-by', '1']),
    run(['group', 'describe']),
  ]);
  const [noTarget, noTopic, twoTargets, negative, missingTopic, nothingCommitted, cannotShift, noGroup] =
    results;
  check(t, noTarget!, { code: 1, stderr: /say where to: --to-earliest, --to-latest/ });
  check(t, noTopic!, { code: 1, stderr: /say which topics: --topic NAME/ });
  check(t, twoTargets!, {
    code: 1,
    stderr: /option '--to-earliest' cannot be used with option '--to-latest'/,
  });
  check(t, negative!, { code: 1, stderr: /--to-offset must be at least 0/ });
  check(t, missingTopic!, { code: 2, stderr: /topic "no-such-topic" does not exist/ });
  check(t, nothingCommitted!, { code: 2, stderr: /group "never-committed" has no committed offsets/ });
  check(t, cannotShift!, {
    code: 4,
    stderr: /cannot shift .*-0: group "never-committed" has no committed offset there/,
  });
  check(t, noGroup!, { code: 1, stderr: /missing required argument 'group'/ });
  t.equal(lines(noTarget!.stdout).length, 0, 'nothing on stdout when failing');
});
