/**
 * `samsa produce TOPIC`: one record per input line, from stdin or `--file`. A line may carry a
 * key (`--key-separator`) and headers (`--header-separator`); `--header k=v` adds headers to
 * every record. With `--verbose`, every acknowledged record's partition and offset is printed.
 */
import { createReadStream, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { type Command, InvalidArgumentError, Option } from 'commander';
import type { Acks, ProducerRecord } from '../index.js';
import { CliError, quoteArg } from './errors.js';
import { exitCodes } from './exit-codes.js';
import { examples } from './help.js';
import { integer, keyValueList, separator } from './options.js';
import { exitQuietlyOnClosedPipe, note, print } from './output.js';
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

/** Records sent and not yet acknowledged; reading input waits beyond this. */
const pendingRecordsMax = 100_000;

interface ProduceOptions {
  file?: string;
  keySeparator?: string;
  header?: [string, string][];
  headerSeparator?: string;
  partition?: number;
  acks: Acks;
  compression: 'none' | 'gzip';
  verbose?: boolean;
}

export function registerProduceCommand(program: Command): void {
  examples(
    program
      .command('produce')
      .description('send records to a topic, one per line of stdin (or of --file)')
      .argument('<topic>', 'topic to write to')
      .option('-f, --file <path>', 'read records from this file instead of stdin')
      .option(
        '-K, --key-separator <sep>',
        'split each line at the first <sep> into key and value',
        separator('--key-separator'),
      )
      .option(
        '-H, --header <key=value>',
        'add a header to every record (repeatable)',
        keyValueList('--header'),
      )
      .option(
        '--header-separator <sep>',
        'each line starts with headers "k=v,k=v" followed by <sep> (then key and value)',
        separator('--header-separator'),
      )
      .option(
        '-p, --partition <n>',
        'write every record to this partition (default: by key, or spread)',
        integer('--partition', 0),
      )
      .addOption(
        new Option('--acks <acks>', 'acknowledgement: 0 none, 1 leader, all in-sync replicas')
          .default('all')
          .argParser(parseAcks),
      )
      .addOption(
        new Option('--compression <codec>', 'batch compression').choices(['none', 'gzip']).default('none'),
      )
      .option('-v, --verbose', 'print the partition and offset of every record sent')
      .action(async (topic: string, opts: ProduceOptions, cmd: Command) =>
        produce(globals(cmd), topic, opts),
      ),
    [
      'echo hello | samsa produce events',
      'printf "user-1:signed up\\nuser-2:paid\\n" | samsa produce events --key-separator : --verbose',
      'samsa produce events --file records.txt --acks 1 --compression gzip',
      'samsa produce events --header source=cli --header trace=abc < records.txt',
      'printf "source=web,id=7\\tuser-1\\thello\\n" | samsa produce events --header-separator "\\t" -K "\\t"',
    ],
    'Each line is one record (the trailing newline is not part of it). Empty lines are sent as empty values. Without --partition, keyed records go to the key’s partition (murmur2, like Java).',
  );
}

function parseAcks(value: string): Acks {
  if (value === 'all' || value === '-1') return 'all';
  if (value === '0') return 0;
  if (value === '1') return 1;
  throw new InvalidArgumentError(`--acks must be 0, 1 or all, not "${value}".`);
}

async function produce(g: Globals, topic: string, opts: ProduceOptions): Promise<void> {
  let inputBytes: number | undefined;
  if (opts.file !== undefined) {
    try {
      inputBytes = statSync(opts.file).size;
    } catch (err) {
      throw new CliError(`cannot read --file ${opts.file}: ${(err as Error).message}`, exitCodes.usage);
    }
  }
  await withAdmin(g, async (admin) => {
    const d = await describeTopic(admin, topic);
    if (opts.partition !== undefined) choosePartitions(d, [opts.partition]);
  });

  const { Producer } = await loadClient();
  const producer = new Producer<string, string>({
    ...clientOptions(g),
    acks: opts.acks,
    compression: opts.compression,
    autoCreateTopics: false,
  });
  exitQuietlyOnClosedPipe();
  const progress = new Progress({ label: `producing to ${topic}`, unit: 'records' });
  let sent = 0;
  let acked = 0;
  let readBytes = 0;
  let failure: Error | undefined;
  let drained: (() => void) | undefined;
  const onSettled = () => {
    if (drained && sent - acked < pendingRecordsMax / 2) {
      drained();
      drained = undefined;
    }
  };
  let inputError: Error | undefined;
  const verbose = opts.verbose ? new InOrder() : undefined;

  try {
    await producer.connect();
    const input = opts.file !== undefined ? createReadStream(opts.file) : process.stdin;
    if (opts.file === undefined && process.stdin.isTTY)
      note('type records, one per line; end with Ctrl-D (Ctrl-C to abort)');
    input.on('error', (err: Error) => {
      inputError = err;
    });
    const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
    const fixedHeaders = opts.header ?? [];

    for await (const line of lines) {
      if (failure) break;
      readBytes += Buffer.byteLength(line) + 1;
      const record = parseLine(line, topic, opts, fixedHeaders);
      if (!producer.writable) await producer.waitForCapacity();
      if (sent - acked >= pendingRecordsMax) await new Promise<void>((r) => (drained = r));
      sent++;
      const slot = verbose?.reserve();
      producer.send(record).then(
        (meta) => {
          acked++;
          if (verbose && slot !== undefined) {
            const offset = meta.offset < 0 ? 'n/a (acks=0)' : String(meta.offset);
            const key = record.key === null || record.key === undefined ? '' : ` key ${String(record.key)}`;
            verbose.fill(slot, `partition ${meta.partition} offset ${offset}${key}\n`);
          }
          progress.add(
            1,
            inputBytes ? `${Math.floor((100 * Math.min(readBytes, inputBytes)) / inputBytes)}%` : undefined,
          );
          onSettled();
        },
        (err: Error) => {
          acked++;
          failure ??= err;
          if (verbose && slot !== undefined) verbose.fill(slot, '');
          onSettled();
        },
      );
    }
    if (inputError) throw new CliError(`cannot read input: ${inputError.message}`, exitCodes.failure);
    await producer.flush();
  } finally {
    await producer.close().catch(() => undefined);
  }
  if (failure) {
    progress.done();
    throw failure;
  }
  const summary = `produced ${sent} record${sent === 1 ? '' : 's'} to ${quoteArg(topic)}`;
  progress.done(summary);
  if (opts.verbose && !progress.enabled) note(summary);
}

function parseLine(
  line: string,
  topic: string,
  opts: ProduceOptions,
  fixedHeaders: [string, string][],
): ProducerRecord<string, string> {
  let rest = line;
  const headers: { key: string; value: string }[] = fixedHeaders.map(([key, value]) => ({ key, value }));
  if (opts.headerSeparator !== undefined) {
    const cut = rest.indexOf(opts.headerSeparator);
    if (cut >= 0) {
      for (const pair of rest.slice(0, cut).split(',')) {
        if (pair === '') continue;
        const eq = pair.indexOf('=');
        headers.push(
          eq < 0 ? { key: pair, value: '' } : { key: pair.slice(0, eq), value: pair.slice(eq + 1) },
        );
      }
      rest = rest.slice(cut + opts.headerSeparator.length);
    }
  }
  let key: string | null = null;
  if (opts.keySeparator !== undefined) {
    const cut = rest.indexOf(opts.keySeparator);
    if (cut >= 0) {
      key = rest.slice(0, cut);
      rest = rest.slice(cut + opts.keySeparator.length);
    }
  }
  const record: ProducerRecord<string, string> = { topic, key, value: rest };
  if (headers.length > 0) record.headers = headers;
  if (opts.partition !== undefined) record.partition = opts.partition;
  return record;
}

/** Lines printed in the order their slots were reserved, whatever order they are filled in. */
class InOrder {
  private readonly lines: (string | undefined)[] = [];
  private head = 0;
  private next = 0;

  reserve(): number {
    return this.next++;
  }

  fill(slot: number, text: string): void {
    this.lines[slot - this.head] = text;
    let n = 0;
    let out = '';
    while (n < this.lines.length && this.lines[n] !== undefined) out += this.lines[n++];
    if (n === 0) return;
    this.lines.splice(0, n);
    this.head += n;
    print(out);
  }
}
