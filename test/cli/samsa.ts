/**
 * Running the `samsa` command line as a user would, for the CLI tests: a broker process on port 0,
 * `run` for a command that finishes (output and exit code captured), `start` for one that keeps
 * running (follow mode) with waiting on its output lines, and a port where nothing listens.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { type BrokerProcess, spawnBroker } from '../helpers/broker.js';
import { cliPath } from '../helpers/paths.js';
import { describeRun, type RunResult, runProcess } from '../helpers/process.js';
import type { TapTest } from '../helpers/tap-types.js';
import { withTimeout } from '../helpers/wait.js';

/**
 * The environment of every CLI run: the caller's, minus any SAMSA_* setting and minus tap's
 * process-info hook (NODE_OPTIONS --import), which makes every node start more than twice as slow.
 */
export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) => !k.startsWith('SAMSA_') && !k.startsWith('_TAPJS_PROCESSINFO') && k !== 'NODE_OPTIONS',
    ),
  );
  return { ...env, ...extra };
}

export interface RunOpts {
  input?: string;
  env?: NodeJS.ProcessEnv;
  /** Do not add --brokers. */
  noBrokers?: boolean;
  timeoutMs?: number;
}

export interface CliBroker {
  broker: BrokerProcess;
  bootstrap: string;
  adminUrl: string;
  /** `samsa --brokers BOOTSTRAP ...args`, to completion. */
  run(args: string[], opts?: RunOpts): Promise<RunResult>;
  /** `samsa --brokers BOOTSTRAP ...args`, left running. */
  start(args: string[]): RunningCli;
}

/** A broker process for CLI tests: no initial rebalance delay, so group commands run fast. */
export async function cliBroker(t: TapTest): Promise<CliBroker> {
  const broker = await spawnBroker(t, {
    config: { 'group.initial.rebalance.delay.ms': 0 },
    env: { NODE_OPTIONS: '' },
  });
  const ready = await broker.logs.waitFor('ready line', (l) => typeof l['adminPort'] === 'number');
  const adminUrl = `http://127.0.0.1:${ready['adminPort'] as number}`;
  const withBrokers = (args: string[], opts: RunOpts = {}) =>
    opts.noBrokers ? args : ['--brokers', broker.bootstrap, ...args];
  return {
    broker,
    bootstrap: broker.bootstrap,
    adminUrl,
    run: (args, opts = {}) => samsa(withBrokers(args, opts), opts),
    start: (args) => startSamsa(t, withBrokers(args)),
  };
}

/** `samsa ...args` to completion. */
export function samsa(args: string[], opts: RunOpts = {}): Promise<RunResult> {
  return runProcess(process.execPath, [cliPath, ...args], {
    env: cleanEnv(opts.env),
    timeoutMs: opts.timeoutMs ?? 30_000,
    ...(opts.input !== undefined ? { input: opts.input } : {}),
  });
}

export interface Expect {
  code: number;
  stdout?: RegExp | string;
  stderr?: RegExp | string;
}

/** Check a run's exit code and output; the whole run is shown when anything differs. */
export function check(t: TapTest, r: RunResult, want: Expect, what = shortCommand(r)): void {
  const msg = describeRun(r);
  t.equal(r.code, want.code, `exit code ${want.code}: ${what}`, { run: msg });
  for (const stream of ['stdout', 'stderr'] as const) {
    const w = want[stream];
    if (w === undefined) continue;
    if (typeof w === 'string') t.equal(r[stream], w, `${stream} of ${what}`, { run: msg });
    else t.match(r[stream], w, `${stream} of ${what}`, { run: msg });
  }
}

/** "samsa topic list" rather than the node and script paths and the --brokers flag. */
function shortCommand(r: RunResult): string {
  return r.command.replace(/^\S+ \S+main\.js (--brokers \S+ )?/, 'samsa ');
}

export interface RunningCli {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves once stdout (or stderr) has a line matching `re`. */
  waitForOutput(stream: 'stdout' | 'stderr', re: RegExp, timeoutMs?: number): Promise<void>;
  /** Send a signal (default SIGTERM) and wait for the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** `samsa ...args` left running; killed in teardown if the test did not stop it. */
export function startSamsa(t: TapTest, args: string[]): RunningCli {
  const child = spawn(process.execPath, [cliPath, ...args], {
    env: cleanEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const text = { stdout: '', stderr: '' };
  const waiters: { stream: 'stdout' | 'stderr'; re: RegExp; resolve: () => void }[] = [];
  const onData = (stream: 'stdout' | 'stderr') => (d: string) => {
    text[stream] += d;
    for (let i = waiters.length - 1; i >= 0; i--) {
      const w = waiters[i]!;
      if (w.stream === stream && w.re.test(text[stream])) {
        waiters.splice(i, 1);
        w.resolve();
      }
    }
  };
  child.stdout.setEncoding('utf8').on('data', onData('stdout'));
  child.stderr.setEncoding('utf8').on('data', onData('stderr'));
  let running = true;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => {
      running = false;
      resolve({ code, signal });
    }),
  );
  t.teardown(async () => {
    if (running) {
      child.kill('SIGKILL');
      await exited;
    }
  });
  const describe = () => `samsa ${args.join(' ')}\nstdout: ${text.stdout}\nstderr: ${text.stderr}`;
  return {
    child,
    stdout: () => text.stdout,
    stderr: () => text.stderr,
    exited,
    waitForOutput(stream, re, timeoutMs = 20_000) {
      if (re.test(text[stream])) return Promise.resolve();
      const seen = new Promise<void>((resolve) => waiters.push({ stream, re, resolve }));
      const died = exited.then((s) => {
        throw new Error(`exited (code ${s.code}) before ${stream} matched ${re}\n${describe()}`);
      });
      return withTimeout(`${stream} to match ${re}\n${describe()}`, Promise.race([seen, died]), timeoutMs);
    },
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (running) child.kill(signal);
      const s = await withTimeout(`exit after ${signal}\n${describe()}`, exited, 20_000);
      return s.code;
    },
  };
}

/** A port where nothing listens: bound on port 0, then closed. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Lines of a command's stdout, without the final empty one. */
export function lines(s: string): string[] {
  return s.split('\n').filter((l, i, all) => l !== '' || i < all.length - 1);
}
