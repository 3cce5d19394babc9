/**
 * `samsa topic create|list|describe|delete|add-partitions|alter-config`.
 *
 * `describe` shows size on disk from DescribeLogDirs (every broker asked, replicas summed), and
 * "n/a" with the reason when the brokers cannot answer it.
 */
import type { Command } from 'commander';
import type { Admin, ConfigEntry, TopicDescription } from '../index.js';
import { CliError, kafkaName, quoteArg, topicNotFound, usageError } from './errors.js';
import { exitCodes } from './exit-codes.js';
import { examples } from './help.js';
import { collect, integer, keyValue } from './options.js';
import { fields, formatOption, type OutputFormat, print, printJson, table } from './output.js';
import { describeTopic, type Globals, globals, withAdmin } from './session.js';

const partitionCountMax = 1_000_000;

export function registerTopicCommands(program: Command): void {
  const topic = program.command('topic').description('create, list, describe, change and delete topics');
  examples(topic, [
    'samsa topic create events --partitions 6 --config retention.ms=86400000',
    'samsa topic list',
    'samsa topic describe events',
  ]);

  examples(
    topic
      .command('create')
      .description('create a topic')
      .argument('<name>', 'topic name (letters, digits, ".", "_", "-")')
      .option(
        '-p, --partitions <n>',
        'number of partitions (default: the broker’s num.partitions)',
        integer('--partitions', 1, partitionCountMax),
      )
      .option(
        '-r, --replication-factor <n>',
        'copies of each partition (default: the broker’s default)',
        integer('--replication-factor', 1, 32767),
      )
      .option(
        '-c, --config <key=value>',
        'a topic config, e.g. retention.ms=86400000 (repeatable)',
        keyValue('--config'),
      )
      .option('--if-not-exists', 'succeed when the topic already exists')
      .action(async (name: string, opts: CreateOptions, cmd: Command) =>
        createTopic(globals(cmd), name, opts),
      ),
    [
      'samsa topic create events',
      'samsa topic create events --partitions 6 --replication-factor 1',
      'samsa topic create audit -p 3 --config retention.ms=604800000 --config cleanup.policy=delete',
    ],
  );

  examples(
    topic
      .command('list')
      .alias('ls')
      .description('list topics with their partition counts')
      .option('--internal', 'include internal topics (__consumer_offsets)')
      .addOption(formatOption())
      .action(async (opts: { internal?: boolean; format: OutputFormat }, cmd: Command) =>
        listTopics(globals(cmd), opts),
      ),
    [
      'samsa topic list',
      'samsa topic list --internal --format json',
      'SAMSA_BROKERS=kafka1:9092 samsa topic list',
    ],
  );

  examples(
    topic
      .command('describe')
      .description('partitions, leaders, replicas, ISR, log start/end offsets, configs and size on disk')
      .argument('<names...>', 'one or more topics')
      .addOption(formatOption())
      .action(async (names: string[], opts: DescribeOptions, cmd: Command) =>
        describeTopics(globals(cmd), names, opts),
      ),
    ['samsa topic describe events', 'samsa topic describe events audit --format json'],
    'With --format json, one topic gives an object and several give an array. Size on disk is the sum over all replicas, as the brokers report it (DescribeLogDirs, like kafka-log-dirs.sh); it shows n/a when they cannot.',
  );

  examples(
    topic
      .command('delete')
      .alias('rm')
      .description('delete topics and their data')
      .argument('<names...>', 'one or more topics')
      .option('--if-exists', 'succeed when a topic does not exist')
      .action(async (names: string[], opts: { ifExists?: boolean }, cmd: Command) =>
        deleteTopics(globals(cmd), names, opts),
      ),
    ['samsa topic delete events', 'samsa topic delete old-1 old-2 --if-exists'],
  );

  examples(
    topic
      .command('add-partitions')
      .description('grow a topic to more partitions (keyed records may then map to other partitions)')
      .argument('<name>', 'topic')
      .requiredOption(
        '-p, --partitions <total>',
        'the new total number of partitions',
        integer('--partitions', 1, partitionCountMax),
      )
      .action(async (name: string, opts: { partitions: number }, cmd: Command) =>
        addPartitions(globals(cmd), name, opts.partitions),
      ),
    ['samsa topic add-partitions events --partitions 12'],
  );

  examples(
    topic
      .command('alter-config')
      .description('set or remove topic configs (other configs are left alone)')
      .argument('<name>', 'topic')
      .option('-c, --config <key=value>', 'set a config (repeatable)', keyValue('--config'))
      .option('-d, --delete <key>', 'remove an override, back to the default (repeatable)', collect)
      .addOption(formatOption())
      .action(async (name: string, opts: AlterOptions, cmd: Command) =>
        alterConfig(globals(cmd), name, opts),
      ),
    [
      'samsa topic alter-config events --config retention.ms=3600000',
      'samsa topic alter-config events --delete retention.ms',
    ],
  );
}

interface CreateOptions {
  partitions?: number;
  replicationFactor?: number;
  config?: Record<string, string>;
  ifNotExists?: boolean;
}

async function createTopic(g: Globals, name: string, opts: CreateOptions): Promise<void> {
  await withAdmin(g, async (admin) => {
    try {
      await admin.createTopics([
        {
          name,
          partitions: opts.partitions ?? -1,
          replicationFactor: opts.replicationFactor ?? -1,
          configs: opts.config ?? {},
        },
      ]);
    } catch (err) {
      if (kafkaName(err) !== 'TOPIC_ALREADY_EXISTS') throw err;
      if (opts.ifNotExists) {
        print(`topic "${name}" already exists\n`);
        return;
      }
      throw new CliError(
        `topic "${name}" already exists; see it with: samsa topic describe ${quoteArg(name)}`,
        exitCodes.failure,
      );
    }
    const d = await describeTopic(admin, name);
    const rf = d.partitions[0]?.replicas.length ?? 0;
    print(
      `created topic "${name}" with ${plural(d.partitions.length, 'partition')} (replication factor ${rf})\n`,
    );
  });
}

async function listTopics(g: Globals, opts: { internal?: boolean; format: OutputFormat }): Promise<void> {
  await withAdmin(g, async (admin) => {
    const names = await admin.listTopics({ includeInternal: opts.internal ?? false });
    const described = names.length > 0 ? await admin.describeTopics(names) : [];
    const rows = described.map((d) => ({
      name: d.name,
      partitions: d.partitions.length,
      replicationFactor: d.partitions[0]?.replicas.length ?? 0,
      internal: d.internal,
    }));
    if (opts.format === 'json') return printJson(rows);
    if (rows.length === 0) {
      print('no topics; create one with: samsa topic create NAME\n');
      return;
    }
    const headers = ['name', 'partitions', 'replicas'];
    if (opts.internal) headers.push('internal');
    print(
      table(
        headers,
        rows.map((r) => [r.name, r.partitions, r.replicationFactor, ...(opts.internal ? [r.internal] : [])]),
      ),
    );
  });
}

interface DescribeOptions {
  format: OutputFormat;
}

interface PartitionView {
  partition: number;
  leader: number;
  leaderEpoch: number;
  replicas: number[];
  isr: number[];
  logStartOffset: number;
  logEndOffset: number;
  sizeBytes: number | null;
}

interface TopicView {
  name: string;
  internal: boolean;
  partitions: number;
  replicationFactor: number;
  configs: Record<string, string | null>;
  sizeBytes: number | null;
  sizeNote?: string;
  partitionDetails: PartitionView[];
}

async function describeTopics(g: Globals, names: string[], opts: DescribeOptions): Promise<void> {
  await withAdmin(g, async (admin) => {
    const views: TopicView[] = [];
    for (const name of names) views.push(await topicView(admin, name));
    if (opts.format === 'json') return printJson(views.length === 1 ? views[0] : views);
    print(views.map(renderTopic).join('\n'));
  });
}

async function topicView(admin: Admin, name: string): Promise<TopicView> {
  const d: TopicDescription = await describeTopic(admin, name);
  const [earliest, latest, configs, sized] = await Promise.all([
    admin.earliestOffsets(name),
    admin.latestOffsets(name),
    admin.describeConfigs({ topic: name }),
    partitionSizes(admin, name).then(
      (sizes) => ({ sizes, note: undefined }),
      (err: unknown) => ({ sizes: undefined, note: `the brokers cannot tell: ${(err as Error).message}` }),
    ),
  ]);
  const { sizes } = sized;
  const partitionDetails = d.partitions.map((p) => ({
    partition: p.partition,
    leader: p.leader,
    leaderEpoch: p.leaderEpoch,
    replicas: p.replicas,
    isr: p.isr,
    logStartOffset: earliest.find((o) => o.partition === p.partition)?.offset ?? -1,
    logEndOffset: latest.find((o) => o.partition === p.partition)?.offset ?? -1,
    sizeBytes: sizes?.get(p.partition) ?? null,
  }));
  const overrides: Record<string, string | null> = {};
  for (const c of configs) if (isOverride(c)) overrides[c.name] = c.isSensitive ? '(sensitive)' : c.value;
  const view: TopicView = {
    name,
    internal: d.internal,
    partitions: d.partitions.length,
    replicationFactor: d.partitions[0]?.replicas.length ?? 0,
    configs: overrides,
    sizeBytes: sizes ? partitionDetails.reduce((a, p) => a + (p.sizeBytes ?? 0), 0) : null,
    partitionDetails,
  };
  if (sized.note) view.sizeNote = sized.note;
  return view;
}

/** Bytes on disk of each partition of a topic, summed over every broker's replica. */
async function partitionSizes(admin: Admin, topic: string): Promise<Map<number, number>> {
  const sizes = new Map<number, number>();
  for (const dir of await admin.describeLogDirs([topic])) {
    for (const t of dir.topics) {
      if (t.name !== topic) continue;
      for (const p of t.partitions) sizes.set(p.partition, (sizes.get(p.partition) ?? 0) + p.sizeBytes);
    }
  }
  return sizes;
}

function renderTopic(v: TopicView): string {
  const configs = Object.entries(v.configs)
    .map(([k, val]) => `${k}=${val ?? ''}`)
    .join(', ');
  const head = fields([
    ['topic', v.name],
    ['partitions', v.partitions],
    ['replication factor', v.replicationFactor],
    ['internal', v.internal],
    ['configs', configs || '(defaults)'],
    ['size on disk', v.sizeBytes === null ? `n/a (${v.sizeNote})` : formatBytes(v.sizeBytes)],
  ]);
  const rows = v.partitionDetails.map((p) => [
    p.partition,
    p.leader < 0 ? 'none' : p.leader,
    p.replicas.join(','),
    p.isr.join(','),
    p.logStartOffset,
    p.logEndOffset,
    p.sizeBytes === null ? 'n/a' : formatBytes(p.sizeBytes),
  ]);
  return `${head}\n${table(['partition', 'leader', 'replicas', 'isr', 'log-start', 'log-end', 'size'], rows)}`;
}

async function deleteTopics(g: Globals, names: string[], opts: { ifExists?: boolean }): Promise<void> {
  await withAdmin(g, async (admin) => {
    const existing = new Set(await admin.listTopics({ includeInternal: true }));
    const missing = names.filter((n) => !existing.has(n));
    if (missing.length > 0 && !opts.ifExists) throw topicNotFound(missing[0]!);
    const present = names.filter((n) => existing.has(n));
    if (present.length > 0) await admin.deleteTopics(present);
    for (const n of present) print(`deleted topic "${n}"\n`);
    for (const n of missing) print(`topic "${n}" does not exist\n`);
  });
}

async function addPartitions(g: Globals, name: string, total: number): Promise<void> {
  await withAdmin(g, async (admin) => {
    const d = await describeTopic(admin, name);
    const current = d.partitions.length;
    if (total <= current)
      throw new CliError(
        `topic "${name}" already has ${plural(current, 'partition')}; --partitions is the new total and must be more than ${current} (partitions cannot be removed)`,
        exitCodes.failure,
      );
    await admin.createPartitions([{ topic: name, count: total }]);
    print(`topic "${name}" now has ${total} partitions (was ${current})\n`);
  });
}

interface AlterOptions {
  config?: Record<string, string>;
  delete?: string[];
  format: OutputFormat;
}

async function alterConfig(g: Globals, name: string, opts: AlterOptions): Promise<void> {
  const changes: Record<string, string | null> = { ...(opts.config ?? {}) };
  for (const k of opts.delete ?? []) {
    if (k in changes) throw usageError(`config "${k}" is both set with --config and removed with --delete`);
    changes[k] = null;
  }
  if (Object.keys(changes).length === 0)
    throw usageError('nothing to change: give --config key=value and/or --delete key');
  await withAdmin(g, async (admin) => {
    await describeTopic(admin, name);
    await admin.alterTopicConfigs(name, changes);
    const after = await admin.describeConfigs({ topic: name });
    const overrides: Record<string, string | null> = {};
    for (const c of after) if (isOverride(c)) overrides[c.name] = c.value;
    if (opts.format === 'json') return printJson({ topic: name, changed: changes, configs: overrides });
    for (const [k, v] of Object.entries(changes))
      print(v === null ? `removed ${k} from topic "${name}"\n` : `set ${k}=${v} on topic "${name}"\n`);
  });
}

/** Kafka's config source DYNAMIC_TOPIC_CONFIG: a value set on the topic itself. */
const sourceDynamicTopic = 1;

/**
 * Whether a config is set on the topic. The source (DescribeConfigs v1+) decides; `isDefault`
 * only exists in v0 and reads as false in later versions.
 */
function isOverride(c: ConfigEntry): boolean {
  return c.source >= 0 ? c.source === sourceDynamicTopic : !c.isDefault;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = -1;
  do {
    v /= 1024;
    i++;
  } while (v >= 1024 && i < units.length - 1);
  return `${v.toFixed(1)} ${units[i]}`;
}
