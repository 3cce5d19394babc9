/**
 * Benchmarks run the broker as a user would: its own process, `samsa broker start`, on a
 * free port, with group joins not delayed (group.initial.rebalance.delay.ms=0).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export interface BrokerProcess {
  port: number;
  proc: ChildProcess;
  /** SIGTERM, then wait for the exit. */
  stop(): Promise<void>;
}

export async function startBrokerProcess(dataDir: string): Promise<BrokerProcess> {
  const configFile = join(dirname(dataDir), 'broker.properties');
  writeFileSync(configFile, 'group.initial.rebalance.delay.ms=0\n');
  const main = join(root, 'dist/client/cli/main.js');
  const proc = spawn(
    process.execPath,
    [
      main,
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
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const lines = createInterface({ input: proc.stdout! });
  for await (const line of lines) {
    const m = /"port":(\d+)/.exec(line);
    if (m && line.includes('broker ready')) {
      lines.removeAllListeners();
      proc.stdout!.resume();
      return {
        port: Number(m[1]),
        proc,
        stop: async () => {
          if (proc.exitCode !== null) return;
          const exited = new Promise((r) => proc.once('exit', r));
          proc.kill('SIGTERM');
          await exited;
        },
      };
    }
  }
  throw new Error('broker exited before it was ready');
}
