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
  /** Calls `fn` after every line and on exit; returns an unsubscribe. */
  onChange(fn: () => void): () => void;
  readonly running: boolean;
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
  const self: LineProcess = {
    stdout,
    stderr,
    exited,
    describe,
    get running() {
      return running;
    },
    onChange(fn: () => void) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    until<T>(what: string, probe: () => T | undefined | null | false, timeoutMs = 20_000): Promise<T> {
      return untilLines([self], what, probe, timeoutMs);
    },
    async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 15_000) {
      if (running) child.kill(signal);
      return withTimeout(`${cmd} to exit after ${signal}\n${describe()}`, exited, timeoutMs);
    },
  };
  return self;
}

/**
 * Resolves once `probe` holds, re-checked after every line any of `procs` prints; rejects after
 * `timeoutMs`, or when one of them exits first.
 */
export function untilLines<T>(
  procs: LineProcess[],
  what: string,
  probe: () => T | undefined | null | false,
  timeoutMs = 20_000,
): Promise<T> {
  const describeAll = () => procs.map((p) => p.describe()).join('\n');
  const now = probe();
  if (now) return Promise.resolve(now);
  return new Promise<T>((resolve, reject) => {
    const offs: (() => void)[] = [];
    const done = () => {
      clearTimeout(timer);
      for (const off of offs) off();
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${describeAll()}`));
    }, timeoutMs);
    const check = () => {
      const v = probe();
      if (v) {
        done();
        resolve(v);
      } else if (procs.some((p) => !p.running)) {
        done();
        reject(new Error(`a process exited while waiting for ${what}\n${describeAll()}`));
      }
    };
    for (const p of procs) offs.push(p.onChange(check));
  });
}
