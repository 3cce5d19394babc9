#!/usr/bin/env node
/**
 * The `samsa` command line. Every command but `broker start` is built on the client library;
 * `broker start` loads broker/ lazily so that the client never depends on it otherwise.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { registerBenchCommands } from './bench.js';
import { registerBrokerCommands } from './broker-command.js';
import { registerClusterCommands } from './cluster.js';
import { registerConsumeCommand } from './consume.js';
import { toCliError } from './errors.js';
import { exitCodes } from './exit-codes.js';
import { registerGroupCommands } from './group.js';
import { examples, exitCodesHelp } from './help.js';
import { integer, parseBrokerList } from './options.js';
import { shouldExitWhenDone } from './output.js';
import { registerProduceCommand } from './produce.js';
import { defaultBrokers } from './session.js';
import { registerTopicCommands } from './topic.js';

/** After the command finished, handles left open must not keep the process alive longer than this. */
const exitGraceMs = 2_000;

function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'));
    return String(pkg.version);
  } catch {
    return 'unknown';
  }
}

const program = new Command();
program
  .name('samsa')
  .description('Samsa: a Kafka-compatible message log broker, its client and tools')
  .version(packageVersion(), '-V, --version')
  .addOption(
    new Option('--brokers <host:port,...>', 'bootstrap brokers')
      .env('SAMSA_BROKERS')
      .default(parseBrokerList(defaultBrokers), defaultBrokers)
      .argParser(parseBrokerList),
  )
  .addOption(
    new Option('--timeout <ms>', 'bound on connecting and on each request')
      .env('SAMSA_TIMEOUT_MS')
      .default(30_000)
      .argParser(integer('--timeout', 1)),
  )
  .showHelpAfterError('(run with --help for usage and examples)')
  .exitOverride();

registerBrokerCommands(program);
const brokerGroup = program.commands.find((c) => c.name() === 'broker');
if (brokerGroup)
  examples(
    brokerGroup,
    ['samsa broker start', 'samsa broker start --data-dir /var/lib/samsa --port 9092'],
    'Stop a broker with SIGTERM or Ctrl-C: it finishes in-flight requests and closes its logs cleanly.',
  );
registerTopicCommands(program);
registerProduceCommand(program);
registerConsumeCommand(program);
registerBenchCommands(program);
registerGroupCommands(program);
registerClusterCommands(program);

examples(
  program,
  [
    'samsa broker start --data-dir ./data',
    'samsa topic create events --partitions 3',
    'echo "hello" | samsa produce events',
    'samsa consume events --from-beginning --exit-at-end',
    'samsa group describe billing',
    'samsa cluster health --brokers kafka1:9092,kafka2:9092',
  ],
  `Global options (--brokers, --timeout) go before or after the command.
--brokers defaults to $SAMSA_BROKERS, else ${defaultBrokers}.

${exitCodesHelp}`,
);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    process.exitCode = err.exitCode === 0 ? exitCodes.ok : exitCodes.usage;
  } else {
    const e = toCliError(err);
    process.stderr.write(`error: ${e.message}\n`);
    process.exitCode = e.exitCode;
  }
}
if (shouldExitWhenDone()) {
  // Everything is closed and committed; only sockets are still winding down.
  process.stdout.write('', () => process.stderr.write('', () => process.exit()));
} else setTimeout(() => process.exit(), exitGraceMs).unref();
