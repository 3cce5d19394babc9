/** `samsa broker start`: runs a broker node in this process until SIGTERM/SIGINT. */
import type { Command } from 'commander';
import { exitCodes } from './exit-codes.js';

export function registerBrokerCommands(program: Command): void {
  const broker = program.command('broker').description('run a Samsa broker');
  broker
    .command('start')
    .description('start a broker node (stops cleanly on SIGTERM or SIGINT)')
    .option('--data-dir <dir>', 'where partition logs are kept (default ./data)')
    .option('--host <host>', 'address to listen on (default 127.0.0.1)')
    .option('--port <port>', 'port to listen on; 0 picks a free one (default 9092)')
    .option('--advertised-host <host>', 'host name clients are told to connect to')
    .option(
      '--advertised-port <port>',
      'port clients and other brokers are told to connect to (behind a proxy or NAT; default: --port)',
    )
    .option('--admin-port <port>', 'admin HTTP port (health, metrics); -1 turns it off (default 9644)')
    .option('--node-id <id>', 'this node id (default 1)')
    .option(
      '--controller-voters <list>',
      'every voter of the metadata quorum, id@host:port,... (this node included); default: this node alone',
    )
    .option(
      '--controller-port <port>',
      "metadata quorum port (default: this node's port in --controller-voters; alone: any free port)",
    )
    .option('--config <file>', 'a config file: Kafka-style key=value properties, or JSON')
    .option('--log-level <level>', 'trace, debug, info, warn, error (default info)')
    .addHelpText(
      'after',
      `
Every setting can also come from a config file or a SAMSA_* environment variable
(SAMSA_DATA_DIR, SAMSA_PORT, SAMSA_AUTO_CREATE_TOPICS=false, ...). Flags win over the
environment, which wins over the file.

Examples:
  samsa broker start
  samsa broker start --data-dir /var/lib/samsa --port 9092
  SAMSA_PORT=0 samsa broker start      # pick a free port; the ready line says which
  samsa broker start --node-id 1 --port 9092 --data-dir d1 \\
    --controller-voters 1@127.0.0.1:9093,2@127.0.0.1:9095,3@127.0.0.1:9097   # one of three`,
    )
    .action(async (opts: Record<string, string | undefined>) => {
      // Loaded lazily: the CLI is otherwise built only on the client library.
      const { runBrokerProcess } = await import('../../broker/main.js');
      const code = await runBrokerProcess({
        file: opts['config'],
        flags: {
          dataDir: opts['dataDir'],
          host: opts['host'],
          port: opts['port'],
          advertisedHost: opts['advertisedHost'],
          advertisedPort: opts['advertisedPort'],
          adminPort: opts['adminPort'],
          nodeId: opts['nodeId'],
          controllerVoters: opts['controllerVoters'],
          controllerPort: opts['controllerPort'],
          logLevel: opts['logLevel'],
        },
      });
      process.exitCode = code === 0 ? exitCodes.ok : code;
    });
}
