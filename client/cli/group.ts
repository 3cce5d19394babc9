/**
 * `samsa group list|describe|reset-offsets|delete`: consumer groups, their members, committed
 * offsets and lag. Resetting offsets is a dry run unless `--execute`, and (as in Kafka) only
 * applies to a group with no active members.
 */
import { type Command, Option } from 'commander';
import type { Admin, GroupDescription, PartitionOffset } from '../index.js';
import { CliError, groupNotFound, kafkaName, quoteArg, usageError } from './errors.js';
import { exitCodes } from './exit-codes.js';
import { examples } from './help.js';
import { collect, integer, timestamp } from './options.js';
import { fields, formatOption, note, type OutputFormat, print, printJson, table } from './output.js';
import { Progress } from './progress.js';
import { describeTopic, type Globals, globals, withAdmin } from './session.js';

export function registerGroupCommands(program: Command): void {
  const group = program.command('group').description('list, describe, reset and delete consumer groups');
  examples(group, [
    'samsa group list',
    'samsa group describe billing',
    'samsa group reset-offsets billing --topic events --to-earliest',
  ]);

  examples(
    group
      .command('list')
      .alias('ls')
      .description('list consumer groups and their states')
      .addOption(formatOption())
      .action(async (opts: { format: OutputFormat }, cmd: Command) => listGroups(globals(cmd), opts.format)),
    ['samsa group list', 'samsa group list --format json'],
  );

  examples(
    group
      .command('describe')
      .description('members, their assignments, committed offsets and lag per partition')
      .argument('<group>', 'group id')
      .addOption(formatOption())
      .action(async (id: string, opts: { format: OutputFormat }, cmd: Command) =>
        describeGroup(globals(cmd), id, opts.format),
      ),
    ['samsa group describe billing', 'samsa group describe billing --format json'],
    'LAG is the log end offset minus the committed offset ("-" when nothing is committed).',
  );

  const targets = ['toEarliest', 'toLatest', 'toOffset', 'toDatetime', 'shiftBy'];
  const others = (t: string) => targets.filter((x) => x !== t);
  examples(
    group
      .command('reset-offsets')
      .description('move a group’s committed offsets (dry run unless --execute)')
      .argument('<group>', 'group id')
      .option('-t, --topic <topic>', 'topic whose offsets to move (repeatable)', collect)
      .option('--all-topics', 'every topic the group has committed offsets for')
      .addOption(
        new Option('--to-earliest', 'to the first offset still in the log').conflicts(others('toEarliest')),
      )
      .addOption(new Option('--to-latest', 'to the log end: skip everything').conflicts(others('toLatest')))
      .addOption(
        new Option('--to-offset <n>', 'to offset n (kept within the log)')
          .argParser(integer('--to-offset', 0))
          .conflicts(others('toOffset')),
      )
      .addOption(
        new Option('--to-datetime <time>', 'to the first record at or after this time (ISO date or epoch ms)')
          .argParser(timestamp('--to-datetime'))
          .conflicts(others('toDatetime')),
      )
      .addOption(
        new Option('--shift-by <n>', 'by n from the committed offset (negative: back)')
          .argParser(integer('--shift-by'))
          .conflicts(others('shiftBy')),
      )
      .addOption(new Option('--dry-run', 'only print the plan (the default)').conflicts('execute'))
      .option('--execute', 'apply the plan (the group must have no active members)')
      .addOption(formatOption())
      .action(async (id: string, opts: ResetOptions, cmd: Command) => resetOffsets(globals(cmd), id, opts)),
    [
      'samsa group reset-offsets billing --topic events --to-earliest            # show the plan',
      'samsa group reset-offsets billing --topic events --to-earliest --execute  # apply it',
      'samsa group reset-offsets billing --all-topics --shift-by -100 --execute',
      'samsa group reset-offsets billing -t events --to-datetime 2024-05-01T00:00:00Z',
    ],
  );

  examples(
    group
      .command('delete')
      .alias('rm')
      .description('delete groups and their committed offsets (the groups must have no active members)')
      .argument('<groups...>', 'group ids')
      .action(async (ids: string[], _opts: unknown, cmd: Command) => deleteGroups(globals(cmd), ids)),
    ['samsa group delete billing', 'samsa group delete old-1 old-2'],
  );
}

async function listGroups(g: Globals, format: OutputFormat): Promise<void> {
  await withAdmin(g, async (admin) => {
    const groups = await admin.listGroups();
    if (format === 'json') return printJson(groups.map((x) => ({ ...x, state: x.state ?? null })));
    if (groups.length === 0) {
      print('no consumer groups\n');
      return;
    }
    print(
      table(
        ['group', 'state', 'protocol-type'],
        groups.map((x) => [x.groupId, x.state, x.protocolType || '-']),
      ),
    );
  });
}

interface OffsetRow {
  topic: string;
  partition: number;
  committed: number | null;
  logEnd: number | null;
  lag: number | null;
  memberId: string | null;
  clientId: string | null;
  host: string | null;
}

async function loadGroup(
  admin: Admin,
  id: string,
): Promise<{ desc: GroupDescription; committed: PartitionOffset[] }> {
  let desc: GroupDescription | undefined;
  let committed: PartitionOffset[];
  try {
    [desc] = await admin.describeGroups([id]);
    committed = (await admin.fetchGroupOffsets(id)).filter((o) => o.offset >= 0);
  } catch (err) {
    if (kafkaName(err) === 'GROUP_ID_NOT_FOUND') throw groupNotFound(id);
    throw err;
  }
  if (!desc || (desc.state === 'Dead' && committed.length === 0)) throw groupNotFound(id);
  return { desc, committed };
}

async function describeGroup(g: Globals, id: string, format: OutputFormat): Promise<void> {
  await withAdmin(g, async (admin) => {
    const { desc, committed } = await loadGroup(admin, id);
    const owner = new Map<string, GroupDescription['members'][number]>();
    const keys = new Map<string, { topic: string; partition: number }>();
    for (const o of committed) keys.set(`${o.topic}\u0000${o.partition}`, o);
    for (const m of desc.members)
      for (const a of m.assignment)
        for (const p of a.partitions) {
          owner.set(`${a.topic}\u0000${p}`, m);
          keys.set(`${a.topic}\u0000${p}`, { topic: a.topic, partition: p });
        }
    const existing = new Set(await admin.listTopics({ includeInternal: true }));
    const ends = new Map<string, number>();
    for (const topic of new Set([...keys.values()].map((k) => k.topic))) {
      if (!existing.has(topic)) continue;
      for (const o of await admin.latestOffsets(topic)) ends.set(`${topic}\u0000${o.partition}`, o.offset);
    }
    const rows: OffsetRow[] = [...keys.entries()]
      .map(([k, { topic, partition }]) => {
        const c = committed.find((o) => o.topic === topic && o.partition === partition)?.offset ?? null;
        const end = ends.get(k) ?? null;
        const m = owner.get(k);
        return {
          topic,
          partition,
          committed: c,
          logEnd: end,
          lag: c !== null && end !== null ? Math.max(0, end - c) : null,
          memberId: m?.memberId ?? null,
          clientId: m?.clientId ?? null,
          host: m?.clientHost ?? null,
        };
      })
      .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
    const totalLag = rows.reduce((a, r) => a + (r.lag ?? 0), 0);
    if (format === 'json') {
      return printJson({
        groupId: desc.groupId,
        state: desc.state,
        protocolType: desc.protocolType,
        protocol: desc.protocol,
        members: desc.members,
        offsets: rows,
        totalLag,
      });
    }
    let out = fields([
      ['group', desc.groupId],
      ['state', desc.state],
      ['protocol', desc.protocol ? `${desc.protocolType} (${desc.protocol})` : desc.protocolType || '-'],
      ['members', desc.members.length],
      ['total lag', totalLag],
    ]);
    if (desc.members.length > 0) {
      out += `\n${table(
        ['member', 'client-id', 'host', 'assignment'],
        desc.members.map((m) => [
          m.memberId,
          m.clientId,
          m.clientHost,
          m.assignment.map((a) => `${a.topic}:${a.partitions.join(',')}`).join(' ') || '(none)',
        ]),
      )}`;
    }
    if (rows.length > 0) {
      out += `\n${table(
        ['topic', 'partition', 'committed', 'log-end', 'lag', 'member', 'client-id'],
        rows.map((r) => [r.topic, r.partition, r.committed, r.logEnd, r.lag, r.memberId, r.clientId]),
      )}`;
    } else out += '\nno committed offsets\n';
    print(out);
  });
}

interface ResetOptions {
  topic?: string[];
  allTopics?: boolean;
  toEarliest?: boolean;
  toLatest?: boolean;
  toOffset?: number;
  toDatetime?: number;
  shiftBy?: number;
  dryRun?: boolean;
  execute?: boolean;
  format: OutputFormat;
}

interface PlanRow {
  topic: string;
  partition: number;
  current: number | null;
  new: number;
}

async function resetOffsets(g: Globals, id: string, opts: ResetOptions): Promise<void> {
  const chosen = [opts.toEarliest, opts.toLatest, opts.toOffset, opts.toDatetime, opts.shiftBy].filter(
    (x) => x !== undefined,
  );
  if (chosen.length === 0)
    throw usageError(
      'say where to: --to-earliest, --to-latest, --to-offset N, --to-datetime TIME or --shift-by N',
    );
  if (opts.allTopics && opts.topic) throw usageError('give --topic or --all-topics, not both');
  if (!opts.allTopics && !opts.topic)
    throw usageError('say which topics: --topic NAME (repeatable) or --all-topics');

  await withAdmin(g, async (admin) => {
    let committedAll: PartitionOffset[] = [];
    try {
      committedAll = (await admin.fetchGroupOffsets(id)).filter((o) => o.offset >= 0);
    } catch (err) {
      if (kafkaName(err) !== 'GROUP_ID_NOT_FOUND') throw err;
    }
    const topics = opts.allTopics
      ? [...new Set(committedAll.map((o) => o.topic))].sort()
      : [...new Set(opts.topic)];
    if (topics.length === 0)
      throw new CliError(
        `group "${id}" has no committed offsets; name the topics with --topic`,
        exitCodes.notFound,
      );

    const plan: PlanRow[] = [];
    for (const topic of topics) {
      const d = await describeTopic(admin, topic);
      const partitions = d.partitions.map((p) => p.partition);
      const [start, end] = await Promise.all([admin.earliestOffsets(topic), admin.latestOffsets(topic)]);
      const byTime = opts.toDatetime !== undefined ? await admin.listOffsets(topic, opts.toDatetime) : [];
      for (const partition of partitions) {
        const lo = start.find((o) => o.partition === partition)?.offset ?? 0;
        const hi = end.find((o) => o.partition === partition)?.offset ?? 0;
        const current =
          committedAll.find((o) => o.topic === topic && o.partition === partition)?.offset ?? null;
        const clamp = (n: number) => Math.min(hi, Math.max(lo, n));
        let target: number;
        if (opts.toEarliest) target = lo;
        else if (opts.toLatest) target = hi;
        else if (opts.toOffset !== undefined) target = clamp(opts.toOffset);
        else if (opts.toDatetime !== undefined) {
          const t = byTime.find((o) => o.partition === partition)?.offset ?? -1;
          target = t < 0 ? hi : t;
        } else {
          if (current === null)
            throw new CliError(
              `cannot shift ${topic}-${partition}: group "${id}" has no committed offset there; use --to-earliest, --to-latest or --to-offset`,
              exitCodes.failure,
            );
          target = clamp(current + opts.shiftBy!);
        }
        plan.push({ topic, partition, current, new: target });
      }
    }

    if (opts.execute) {
      const [desc] = await admin.describeGroups([id]);
      if (desc && desc.members.length > 0)
        throw new CliError(
          `group "${id}" has ${desc.members.length} active member${desc.members.length === 1 ? '' : 's'} (state ${desc.state}); stop its consumers first: offsets can only be reset while a group is empty`,
          exitCodes.failure,
        );
      const progress = new Progress({ label: `resetting ${id}`, unit: 'topics', total: topics.length });
      for (const topic of topics) {
        const offsets = plan
          .filter((r) => r.topic === topic)
          .map((r) => ({ topic, partition: r.partition, offset: r.new }));
        await admin.resetGroupOffsets(id, topic, { offsets });
        progress.add();
      }
      progress.done();
    }

    if (opts.format === 'json') printJson({ groupId: id, executed: opts.execute === true, partitions: plan });
    else
      print(
        table(
          ['topic', 'partition', 'current', 'new'],
          plan.map((r) => [r.topic, r.partition, r.current, r.new]),
        ),
      );
    if (opts.execute)
      note(`reset ${plan.length} partition offset${plan.length === 1 ? '' : 's'} of group "${id}"`);
    else
      note(
        `dry run: nothing changed; to apply it (the group must have no active members):\n  samsa ${process.argv
          .slice(2)
          .filter((a) => a !== '--dry-run')
          .map(quoteArg)
          .join(' ')} --execute`,
      );
  });
}

async function deleteGroups(g: Globals, ids: string[]): Promise<void> {
  await withAdmin(g, async (admin) => {
    for (const id of ids) {
      try {
        await admin.deleteGroups([id]);
      } catch (err) {
        const name = kafkaName(err);
        if (name === 'GROUP_ID_NOT_FOUND') throw groupNotFound(id);
        if (name === 'NON_EMPTY_GROUP')
          throw new CliError(
            `group "${id}" still has active members; stop its consumers first, then delete it`,
            exitCodes.failure,
          );
        throw err;
      }
      print(`deleted group "${id}"\n`);
    }
  });
}
