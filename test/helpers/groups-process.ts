/**
 * A long-running child process (a kcat balanced consumer) whose stdout and stderr lines are
 * collected as they come, so a test can wait for a line (event-driven) while the process runs,
 * then stop it with a signal. Killed in teardown if still running.
 */
import { spawn } from 'node:child_process';
import { withTimeout } from './wait.js';

interface TestLike {
  teardown(fn: () => void | Promise<void>): void;
}

export interface LineProcess {
  readonly stdout: string[];
  readonly stderr: string[];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves once `probe` holds (re-checked after every line); rejects after `timeoutMs` or on exit. */
  until<T>(what: string, probe: () => T | undefined | null | false, timeoutMs?: number): Promise<T>;
  /** Sends `signal` and waits for the exit. */
  stop(
    signal?: NodeJS.Signals,
    timeoutMs?: number,
  ): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  describe(): string;
}

export function spawnLines(t: TestLike, cmd: string, args: string[]): LineProcess {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const stdout: string[] = [];
  const stderr: string[] = [];
  const listeners = new Set<() => void>();
  const changed = () => {
    for (const fn of [...listeners]) fn();
  };
  const reader = (into: string[]) => {
    let partial = '';
    return (d: string) => {
      partial += d;
      const lines = partial.split('\n');
      partial = lines.pop() ?? '';
      for (const l of lines) if (l.trim() !== '') into.push(l);
      changed();
    };
  };
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', reader(stdout));
  child.stderr.on('data', reader(stderr));
  let running = true;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('error', () => {
      running = false;
      resolve({ code: null, signal: null });
      changed();
    });
    child.on('close', (code, signal) => {
      running = false;
      resolve({ code, signal });
      changed();
    });
  });
  t.teardown(async () => {
    if (running) {
      child.kill('SIGKILL');
      await exited;
    }
  });
  const command = [cmd, ...args].join(' ');
  const describe = () =>
    `$ ${command}\nstdout (${stdout.length} lines, last 10):\n${stdout.slice(-10).join('\n')}\nstderr:\n${stderr.slice(-30).join('\n')}`;
  return {
    stdout,
    stderr,
    exited,
    describe,
    until<T>(what: string, probe: () => T | undefined | null | false, timeoutMs = 20_000): Promise<T> {
      const now = probe();
      if (now) return Promise.resolve(now);
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${describe()}`));
        }, timeoutMs);
        const check = () => {
          const v = probe();
          if (v) {
            clearTimeout(timer);
            listeners.delete(check);
            resolve(v);
          } else if (!running) {
            clearTimeout(timer);
            listeners.delete(check);
            reject(new Error(`process exited while waiting for ${what}\n${describe()}`));
          }
        };
        listeners.add(check);
      });
    },
    async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 15_000) {
      if (running) child.kill(signal);
      return withTimeout(`${cmd} to exit after ${signal}\n${describe()}`, exited, timeoutMs);
    },
  };
}
