/** `samsa cluster info|health`: brokers, controller and topic count; a scriptable health check. */
import type { Command } from 'commander';
import { CliError } from './errors.js';
import { exitCodes } from './exit-codes.js';
import { examples } from './help.js';
import { fields, formatOption, type OutputFormat, print, printJson, table } from './output.js';
import { type Globals, globals, withAdmin } from './session.js';

export function registerClusterCommands(program: Command): void {
  const cluster = program.command('cluster').description('inspect the cluster');
  examples(cluster, ['samsa cluster info', 'samsa cluster health && echo ok']);

  examples(
    cluster
      .command('info')
      .description('cluster id, brokers, controller and topic count')
      .addOption(formatOption())
      .action(async (opts: { format: OutputFormat }, cmd: Command) => info(globals(cmd), opts.format)),
    ['samsa cluster info', 'samsa cluster info --brokers kafka1:9092,kafka2:9092 --format json'],
  );

  examples(
    cluster
      .command('health')
      .description('exit 0 when a broker answers and every partition has a leader')
      .addOption(formatOption())
      .action(async (opts: { format: OutputFormat }, cmd: Command) => health(globals(cmd), opts.format)),
    [
      'samsa cluster health',
      'until samsa cluster health >/dev/null 2>&1; do sleep 1; done   # wait for a broker',
    ],
    'Exit codes: 0 healthy, 3 no broker reachable, 4 partitions without a leader.',
  );
}

async function info(g: Globals, format: OutputFormat): Promise<void> {
  await withAdmin(g, async (admin) => {
    const c = await admin.describeCluster();
    const all = await admin.listTopics({ includeInternal: true });
    const user = await admin.listTopics();
    const brokers = [...c.brokers].sort((a, b) => a.nodeId - b.nodeId);
    if (format === 'json') {
      return printJson({
        clusterId: c.clusterId,
        controllerId: c.controllerId,
        brokers,
        topics: user.length,
        internalTopics: all.length - user.length,
      });
    }
    print(
      fields([
        ['cluster id', c.clusterId ?? '-'],
        ['controller', c.controllerId < 0 ? 'none' : c.controllerId],
        ['brokers', brokers.length],
        ['topics', `${user.length} (+${all.length - user.length} internal)`],
      ]) +
        '\n' +
        table(
          ['id', 'host', 'port', 'rack', 'controller'],
          brokers.map((b) => [b.nodeId, b.host, b.port, b.rack, b.nodeId === c.controllerId ? 'yes' : '']),
        ),
    );
  });
}

async function health(g: Globals, format: OutputFormat): Promise<void> {
  await withAdmin(g, async (admin) => {
    const c = await admin.describeCluster();
    const names = await admin.listTopics({ includeInternal: true });
    const described = names.length > 0 ? await admin.describeTopics(names) : [];
    const leaderless = described.flatMap((t) =>
      t.partitions.filter((p) => p.leader < 0).map((p) => `${t.name}-${p.partition}`),
    );
    const partitions = described.reduce((a, t) => a + t.partitions.length, 0);
    const healthy = leaderless.length === 0;
    if (format === 'json')
      printJson({
        healthy,
        brokers: c.brokers.length,
        controllerId: c.controllerId,
        topics: described.length,
        partitions,
        leaderlessPartitions: leaderless,
      });
    else if (healthy)
      print(
        `healthy: ${c.brokers.length} broker${c.brokers.length === 1 ? '' : 's'}, ${described.length} topics, ${partitions} partitions, every partition has a leader\n`,
      );
    if (!healthy)
      throw new CliError(
        `unhealthy: ${leaderless.length} of ${partitions} partitions have no leader: ${leaderless.slice(0, 20).join(', ')}${leaderless.length > 20 ? ', …' : ''}`,
        exitCodes.failure,
      );
  });
}
