/**
 * `samsa consume TOPIC`: print records as they arrive (follow mode, the default), or until
 * `--count` records or the end of every partition (`--exit-at-end`). Without `--group` it reads
 * the partitions directly; with one it joins the group and commits what it printed.
 */
import { type Command, Option } from 'commander';
import type { PartitionAssignment, ResetPolicy } from '../index.js';
import { usageError } from './errors.js';
import { compileTemplate, defaultTemplate, formatJsonLine, type Rec, templateHelp } from './format.js';
import { examples } from './help.js';
import { integer, integerList, timestamp } from './options.js';
import { exitQuietlyOnClosedPipe, exitWhenDone, note, RecordWriter } from './output.js';
import { Progress } from './progress.js';
import {
  choosePartitions,
  clientOptions,
  describeTopic,
  type Globals,
  globals,
  loadClient,
  withAdmin,
} from './session.js';

interface ConsumeOptions {
  fromBeginning?: boolean;
  fromEnd?: boolean;
  offset?: number;
  fromTime?: number;
  group?: string;
  partition?: number[];
  count?: number;
  exitAtEnd?: boolean;
  verbose?: boolean;
  format: string;
  json?: boolean;
}

/** Broker-side wait of an empty fetch: following waits longer, bounded runs want to finish. */
const fetchWaitMsFollow = 500;
const fetchWaitMsBounded = 100;

const startFlags = ['fromBeginning', 'fromEnd', 'offset', 'fromTime'];

export function registerConsumeCommand(program: Command): void {
  examples(
    program
      .command('consume')
      .description('print records of a topic; follows new records until Ctrl-C unless --count or -e')
      .argument('<topic>', 'topic to read')
      .addOption(
        new Option('--from-beginning', 'start at the first record (the default)').conflicts(
          startFlags.filter((f) => f !== 'fromBeginning'),
        ),
      )
      .addOption(
        new Option('--from-end', 'start after the last record: only new records').conflicts(
          startFlags.filter((f) => f !== 'fromEnd'),
        ),
      )
      .addOption(
        new Option(
          '-o, --offset <n>',
          'start at offset n in every partition; negative: n records before the end',
        )
          .argParser(integer('--offset'))
          .conflicts(startFlags.filter((f) => f !== 'offset')),
      )
      .addOption(
        new Option(
          '--from-time <time>',
          'start at the first record at or after this time (ISO date or epoch ms)',
        )
          .argParser(timestamp('--from-time'))
          .conflicts(startFlags.filter((f) => f !== 'fromTime')),
      )
      .option('-g, --group <id>', 'consume as a member of this consumer group and commit progress')
      .addOption(
        new Option('-p, --partition <n>', 'read only this partition (repeatable; not with --group)')
          .argParser(integerList('--partition'))
          .conflicts('group'),
      )
      .option('-c, --count <n>', 'exit after n records', integer('--count', 1))
      .option('-e, --exit-at-end', 'exit once every partition has been read to its end')
      .option(
        '-v, --verbose',
        'say on stderr where reading starts, when it follows, and how many records it printed',
      )
      .option('--format <template>', 'output template, e.g. "%k=%v" (see below)', defaultTemplate)
      .addOption(new Option('--json', 'print each record as one JSON object per line').conflicts('format'))
      .action(async (topic: string, opts: ConsumeOptions, cmd: Command) =>
        consume(globals(cmd), topic, opts),
      ),
    [
      'samsa consume events --from-beginning --exit-at-end',
      'samsa consume events --count 10 --format "%p/%o %k=%v"',
      'samsa consume events --from-end                      # follow new records',
      'samsa consume events --offset -5 -e                  # the last 5 records of each partition',
      'samsa consume events --from-time 2024-05-01T00:00:00Z --json',
      'samsa consume events --group billing --count 100     # commits what it printed',
    ],
    `${templateHelp}

--json prints {"topic","partition","offset","timestamp","key","value","headers":[{"key","value"}]}.
With --group, --from-beginning/--from-end pick where to start when the group has no committed
offset (default: the beginning), while --offset and --from-time move the group's position.`,
  );
}

async function consume(g: Globals, topic: string, opts: ConsumeOptions): Promise<void> {
  const render = opts.json ? formatJsonLine : compileTemplate(opts.format);
  if (opts.group !== undefined && opts.group === '') throw usageError('--group must not be empty');

  // Check the topic, and work out explicit start offsets and the current ends, before any consumer exists.
  const plan = await withAdmin(g, async (admin) => {
    const d = await describeTopic(admin, topic);
    const partitions = choosePartitions(d, opts.partition);
    const [start, end] = await Promise.all([
      admin.earliestOffsets(topic, partitions),
      admin.latestOffsets(topic, partitions),
    ]);
    const ends = new Map(end.map((o) => [o.partition, o.offset]));
    let offsets: Map<number, number> | undefined;
    if (opts.offset !== undefined) {
      // Kept within the log: past the end means "from the end", before the start "from the start".
      offsets = new Map();
      for (const p of partitions) {
        const lo = start.find((o) => o.partition === p)?.offset ?? 0;
        const hi = ends.get(p) ?? 0;
        const n = opts.offset < 0 ? hi + opts.offset : opts.offset;
        offsets.set(p, Math.min(hi, Math.max(lo, n)));
      }
    }
    return { partitions, offsets, ends };
  });

  const follow = opts.count === undefined && !opts.exitAtEnd;
  const resetPolicy: ResetPolicy = opts.fromEnd ? 'latest' : 'earliest';
  const { Consumer } = await loadClient();
  const consumer = new Consumer<Buffer | null, Buffer | null>({
    ...clientOptions(g),
    ...(opts.group !== undefined ? { groupId: opts.group } : {}),
    resetPolicy,
    reconnectTimeoutMs: g.timeoutMs,
    // The client's first fetch may carry only the partitions positioned first, and the others
    // wait behind its long poll: a short wait keeps --count/-e runs quick.
    fetchMaxWaitMs: follow ? fetchWaitMsFollow : fetchWaitMsBounded,
    onAssigned: async (assigned) => {
      // Group mode: --offset and --from-time move the position of newly assigned partitions.
      const parts = assigned.flatMap((tp) =>
        tp.partitions.map((partition) => ({ topic: tp.topic, partition })),
      );
      if (plan.offsets)
        for (const p of parts) consumer.seek({ ...p, offset: plan.offsets.get(p.partition) ?? 0 });
      else if (opts.fromTime !== undefined) await consumer.seekToTimestamp(opts.fromTime, parts);
    },
  });

  let closing: Promise<void> | undefined;
  const close = () => (closing ??= consumer.close());
  const onSignal = () => void close();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  exitQuietlyOnClosedPipe();
  const writer = new RecordWriter();
  const progress = new Progress({
    label: `consuming ${topic}`,
    unit: 'records',
    dataOnStdout: true,
    ...(opts.count !== undefined ? { total: opts.count } : {}),
  });

  try {
    if (opts.group !== undefined) {
      consumer.subscribe([topic]);
      await consumer.connect();
    } else {
      await consumer.connect();
      const assignments: PartitionAssignment[] = plan.partitions.map((partition) => {
        const a: PartitionAssignment = { topic, partition };
        const offset = plan.offsets?.get(partition);
        if (offset !== undefined) a.offset = offset;
        else if (opts.fromTime !== undefined) a.timestamp = opts.fromTime;
        return a;
      });
      await consumer.assign(assignments);
    }

    // Exit-at-end: stop once every assigned partition reached its end as it was at the start.
    const atEnd = () =>
      opts.exitAtEnd === true &&
      consumer.positions().every((p) => p.offset >= (plan.ends.get(p.partition) ?? 0));

    if (opts.verbose) {
      const from = consumer
        .positions()
        .sort((a, b) => a.partition - b.partition)
        .map((p) => `partition ${p.partition} offset ${p.offset}`)
        .join(', ');
      const group = opts.group === undefined ? '' : ` in group "${opts.group}"`;
      note(`consuming ${topic}${group} from ${from || 'no partitions (none assigned)'}`);
      if (follow) note(`following ${topic}: waiting for new records (Ctrl-C to stop)`);
    }
    let printed = 0;
    if (!atEnd() && closing === undefined) {
      for await (const r of consumer.records()) {
        writer.write(render(r as Rec));
        printed++;
        progress.add();
        if (opts.count !== undefined && printed >= opts.count) break;
        if (atEnd()) break;
      }
    }
    writer.flush();
    progress.done();
    if (opts.verbose) note(`consumed ${printed} record${printed === 1 ? '' : 's'}`);
  } finally {
    writer.flush();
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    await close();
    exitWhenDone();
  }
}
