/**
 * Runs `samsa bench ... --json` as its own process, as a user would, and returns its result
 * with the exact command line (for the report).
 */
import { spawn } from 'node:child_process';
import type { BenchResult } from '../../client/cli/bench.js';
import { cliMain } from './broker-process.js';

export interface SamsaBenchRun {
  /** `samsa --brokers ... bench ...`, as a user would type it. */
  command: string;
  result: BenchResult;
}

export interface SamsaBenchOptions {
  /** Node flags for the client process (e.g. --cpu-prof). */
  nodeArgs?: string[];
  /** Give up after this long (default 30 minutes). */
  timeoutMs?: number;
}

/** `samsa --brokers <brokers> bench <args> --json`; rejects with its stderr when it fails. */
export function runSamsaBench(
  brokers: string,
  args: string[],
  opts: SamsaBenchOptions = {},
): Promise<SamsaBenchRun> {
  const full = ['--brokers', brokers, 'bench', ...args, '--json'];
  const command = `samsa ${full.join(' ')}`;
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), cliMain, ...full], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30 * 60_000);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code !== 0) {
        reject(new Error(`${command} failed (${signal ?? `exit ${code}`}): ${stderr.trim()}`));
        return;
      }
      try {
        resolve({ command, result: JSON.parse(stdout) as BenchResult });
      } catch {
        reject(new Error(`${command} printed no JSON: ${stdout.slice(0, 200)}`));
      }
    });
  });
}
