#!/usr/bin/env node
/**
 * The `samsa` command line. Every command but `broker start` is built on the client library;
 * `broker start` loads broker/ lazily so that the client never depends on it otherwise.
 */
import { Command, CommanderError } from 'commander';
import { registerBrokerCommands } from './broker-command.js';
import { exitCodes } from './exit-codes.js';

const program = new Command();
program
  .name('samsa')
  .description('Samsa: a Kafka-compatible message log broker, its client and tools')
  .showHelpAfterError('(run with --help for usage and examples)')
  .exitOverride();

registerBrokerCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    process.exitCode = err.exitCode === 0 ? 0 : exitCodes.usage;
  } else {
    process.stderr.write(`samsa: ${(err as Error).message}\n`);
    process.exitCode = (err as { exitCode?: number }).exitCode ?? exitCodes.failure;
  }
}
