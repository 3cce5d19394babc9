/**
 * Benchmarks run the broker as a user would: its own process, `samsa broker start`, on a
 * free port, with group joins not delayed (group.initial.rebalance.delay.ms=0).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** The repository root (dist/scripts/bench/ is three levels below it). */
export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
/** The `samsa` command line, compiled. */
export const cliMain = join(root, 'dist/client/cli/main.js');

export interface BrokerProcess {
  port: number;
  pid: number;
  proc: ChildProcess;
  /** The command that started it, for reports. */
  command: string[];
  /** The broker.properties lines it ran with. */
  config: string[];
  /** SIGTERM, then wait for the exit. */
  stop(): Promise<void>;
}

export interface BrokerProcessOptions {
  /** Node flags before the script (e.g. --cpu-prof). */
  nodeArgs?: string[];
  /** More broker.properties settings. */
  config?: Record<string, string | number>;
}

export async function startBrokerProcess(
  dataDir: string,
  opts: BrokerProcessOptions = {},
): Promise<BrokerProcess> {
  mkdirSync(dirname(dataDir), { recursive: true });
  const configFile = join(dirname(dataDir), 'broker.properties');
  const config = Object.entries({ 'group.initial.rebalance.delay.ms': 0, ...opts.config }).map(
    ([k, v]) => `${k}=${v}`,
  );
  writeFileSync(configFile, `${config.join('\n')}\n`);
  const args = [
    ...(opts.nodeArgs ?? []),
    cliMain,
    'broker',
    'start',
    '--data-dir',
    dataDir,
    '--port',
    '0',
    '--admin-port',
    '-1',
    '--config',
    configFile,
  ];
  const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise((r) => proc.once('exit', r));
  const lines = createInterface({ input: proc.stdout! });
  for await (const line of lines) {
    const m = /"port":(\d+)/.exec(line);
    if (m && line.includes('broker ready')) {
      lines.removeAllListeners();
      proc.stdout!.resume();
      return {
        port: Number(m[1]),
        pid: proc.pid!,
        proc,
        command: ['node', ...args.map((a) => (a === cliMain ? 'dist/client/cli/main.js' : a))],
        config,
        stop: async () => {
          if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
          await exited;
        },
      };
    }
  }
  throw new Error('broker exited before it was ready (its log is above)');
}
