/**
 * Running a peer broker's server as a child process: a free loopback port, a wait until it
 * answers, a stop by PID that waits for the exit, and its resident memory from /proc.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, closeSync, constants, openSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { delimiter, join } from 'node:path';

/** How often a readiness or exit condition is polled. */
const pollIntervalMs = 100;
/** How long a stopped server gets to exit after SIGTERM before SIGKILL. */
export const stopGraceMsMax = 30_000;
/** How many characters of a server log a failure reason quotes. */
const logTailCharsMax = 600;

/** A free TCP port on 127.0.0.1: listen on port 0, read the port back, close. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string')
    throw new Error('listening on port 0 gave no TCP port');
  return address.port;
}

/** The full path of an executable found on PATH (or the absolute path itself), else undefined. */
export function findExecutable(name: string, path = process.env.PATH ?? ''): string | undefined {
  const candidates = name.includes('/') ? [name] : path.split(delimiter).map((dir) => join(dir, name));
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** VmRSS of a /proc/<pid>/status text, in KiB; undefined when the line is absent (e.g. a zombie). */
export function parseVmRssKiB(status: string): number | undefined {
  const m = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  return m ? Number(m[1]) : undefined;
}

/** Resident memory of a live process in MiB (two decimals), or undefined if it cannot be read. */
export function rssMiB(pid: number): number | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const kib = parseVmRssKiB(status);
  return kib === undefined ? undefined : Math.round((kib / 1024) * 100) / 100;
}

/** True while a process exists and has not exited (a zombie counts as exited). */
export function pidAlive(pid: number): boolean {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

/** Poll `check` until it returns true; throws `what` on timeout or when `abort` gives a reason. */
export async function waitUntil(
  what: string,
  check: () => boolean | Promise<boolean>,
  opts: { timeoutMs: number; abort?: () => string | undefined },
): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    const stop = opts.abort?.();
    if (stop !== undefined) throw new Error(`${what}: ${stop}`);
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`${what}: still not done after ${opts.timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, pollIntervalMs));
  }
}

/** True when a TCP connection to 127.0.0.1:port is accepted. */
export function tcpAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.connect(port, '127.0.0.1');
  });
}

/** The last characters of a log file, for failure reasons ("" if unreadable). */
export function logTail(file: string): string {
  try {
    const text = readFileSync(file, 'utf8').trim();
    return text.length > logTailCharsMax ? `…${text.slice(-logTailCharsMax)}` : text;
  } catch {
    return '';
  }
}

export interface ServerProcess {
  pid: number;
  proc: ChildProcess;
  logFile: string;
  /** Why the process is no longer running (exit code or signal), undefined while it runs. */
  exitReason(): string | undefined;
  /** SIGTERM, wait for the exit (SIGKILL after `stopGraceMsMax`); a no-op once exited. */
  stop(): Promise<void>;
}

/** Spawn a server in the foreground with stdout and stderr appended to `logFile`. */
export async function startServer(opts: {
  command: string;
  args: string[];
  logFile: string;
  env?: NodeJS.ProcessEnv;
}): Promise<ServerProcess> {
  const fd = openSync(opts.logFile, 'a');
  let proc: ChildProcess;
  try {
    proc = spawn(opts.command, opts.args, { stdio: ['ignore', fd, fd], env: opts.env ?? process.env });
  } finally {
    closeSync(fd);
  }
  let exit: string | undefined;
  const exited = new Promise<void>((resolve) => {
    proc.once('exit', (code, signal) => {
      exit = signal ? `killed by ${signal}` : `exited with code ${code}`;
      resolve();
    });
  });
  const spawned = await new Promise<Error | undefined>((resolve) => {
    proc.once('spawn', () => resolve(undefined));
    proc.once('error', resolve);
  });
  if (spawned || proc.pid === undefined) {
    throw new Error(`cannot start ${opts.command}: ${spawned?.message ?? 'no pid'}`);
  }
  const pid = proc.pid;
  return {
    pid,
    proc,
    logFile: opts.logFile,
    exitReason: () => exit,
    stop: async () => {
      if (exit !== undefined) return;
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), stopGraceMsMax);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Run a command to completion; never throws (a spawn failure comes back as code -1). */
export function runCommand(
  command: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const proc = spawn(command, args, { env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    proc.stdout.setEncoding('utf8').on('data', (s: string) => {
      stdout += s;
    });
    proc.stderr.setEncoding('utf8').on('data', (s: string) => {
      stderr += s;
    });
    const timer = setTimeout(() => proc.kill('SIGKILL'), opts.timeoutMs);
    proc.once('error', (err) => {
      clearTimeout(timer);
      resolve({ code: -1, stdout, stderr: `${stderr}${err.message}` });
    });
    proc.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr: signal ? `${stderr}killed by ${signal}` : stderr });
    });
  });
}

/**
 * PIDs of live processes named `comm` whose environment holds `key=value` — how a helper
 * daemon a server forked for itself (e.g. an `epmd -daemon` started with this run's private
 * ERL_EPMD_PORT) is found to be stopped by PID.
 */
export function pidsWithEnv(comm: string, key: string, value: string): number[] {
  const wanted = `${key}=${value}`;
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== comm) continue;
      if (
        readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0').includes(wanted) &&
        pidAlive(Number(entry))
      ) {
        pids.push(Number(entry));
      }
    } catch {
      // gone, or not ours to read
    }
  }
  return pids;
}

/** SIGTERM a process that is not our child and wait until it has exited (SIGKILL after the grace). */
export async function stopPid(pid: number, what: string): Promise<void> {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return; // already gone
  }
  try {
    await waitUntil(`${what} (pid ${pid}) did not exit after SIGTERM`, () => !pidAlive(pid), {
      timeoutMs: stopGraceMsMax,
    });
  } catch {
    process.kill(pid, 'SIGKILL');
    await waitUntil(`${what} (pid ${pid}) did not exit after SIGKILL`, () => !pidAlive(pid), {
      timeoutMs: 10_000,
    });
  }
}
