/** Running a command to completion with a time limit, its input on stdin and its output captured. */
import { spawn } from 'node:child_process';

export interface RunResult {
  command: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

export interface RunOptions {
  input?: string | Buffer;
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/** Output kept per stream; beyond it the middle is dropped (a runaway client cannot eat memory). */
const outputBytesMax = 64 * 1024 * 1024;

export function runProcess(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  const { input, timeoutMs = 30_000, env, cwd } = opts;
  const command = [cmd, ...args].map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : JSON.stringify(a))).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: env ?? process.env, cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outBytes = 0;
    let errBytes = 0;
    let timedOut = false;
    child.stdout.on('data', (d: Buffer) => {
      if ((outBytes += d.length) <= outputBytesMax) out.push(d);
    });
    child.stderr.on('data', (d: Buffer) => {
      if ((errBytes += d.length) <= outputBytesMax) err.push(d);
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        command,
        code,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        timedOut,
      });
    });
    // A child that exits before reading all of its input must not fail the run with EPIPE.
    child.stdin.on('error', () => {});
    if (input !== undefined) child.stdin.end(input);
    else child.stdin.end();
  });
}

/** A one-paragraph description of a run, for assertion messages. */
export function describeRun(r: RunResult, tailChars = 4000): string {
  const tail = (s: string) => (s.length > tailChars ? `…${s.slice(-tailChars)}` : s);
  return [
    `$ ${r.command}`,
    `exit ${r.code}${r.signal ? ` (signal ${r.signal})` : ''}${r.timedOut ? ' TIMED OUT' : ''}`,
    `stdout: ${tail(r.stdout)}`,
    `stderr: ${tail(r.stderr)}`,
  ].join('\n');
}
