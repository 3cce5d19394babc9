/**
 * Broker fixtures: one in this process (`startTestBroker`) or one as a child process running the
 * real command line (`spawnBroker`). Both listen on port 0 on 127.0.0.1, use a temporary data
 * directory unless given one, keep the broker's log lines for assertions and failure messages,
 * and are stopped in the test's teardown.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { type Broker, startBroker } from '../../broker/broker.js';
import type { BrokerConfig } from '../../broker/config.js';
import { cliPath } from './paths.js';
import { tempDir } from './temp.js';
import { withTimeout } from './wait.js';

interface TestLike {
  teardown(fn: () => void | Promise<void>): void;
}

/** One pino log line, parsed. */
export type LogLine = { level: number; msg: string; [k: string]: unknown };

/** Log lines kept per broker; older ones are dropped. */
const logLinesMax = 20_000;

/** Collects log lines and lets tests wait for one that matches (event-driven, no polling). */
export class LogSink {
  readonly lines: LogLine[] = [];
  private waiters: { match: (l: LogLine) => boolean; resolve: (l: LogLine) => void }[] = [];

  push(line: LogLine): void {
    this.lines.push(line);
    if (this.lines.length > logLinesMax) this.lines.splice(0, this.lines.length - logLinesMax);
    this.waiters = this.waiters.filter((w) => {
      if (!w.match(line)) return true;
      w.resolve(line);
      return false;
    });
  }

  pushText(text: string): void {
    for (const raw of text.split('\n')) {
      if (raw.trim() === '') continue;
      try {
        this.push(JSON.parse(raw) as LogLine);
      } catch {
        this.push({ level: 30, msg: raw, unparsed: true });
      }
    }
  }

  /** The first line (already seen, or still to come) that matches. */
  waitFor(what: string, match: (l: LogLine) => boolean, timeoutMs = 10_000): Promise<LogLine> {
    const seen = this.lines.find(match);
    if (seen) return Promise.resolve(seen);
    return withTimeout(
      `log line: ${what}`,
      new Promise<LogLine>((resolve) => this.waiters.push({ match, resolve })),
      timeoutMs,
    );
  }

  /** The last `n` lines as text, for failure messages. */
  tail(n = 40): string {
    return this.lines
      .slice(-n)
      .map((l) => JSON.stringify(l))
      .join('\n');
  }
}

export interface TestBroker {
  host: string;
  port: number;
  /** "host:port", what every client takes as its bootstrap server. */
  bootstrap: string;
  dataDir: string;
  logs: LogSink;
}

export interface InProcessBroker extends TestBroker {
  broker: Broker;
  close(): Promise<void>;
}

/**
 * A broker in this process. Its logs go to `logs` (level `logLevel`, default info) rather than
 * to stdout, so tests can assert on them.
 */
export async function startTestBroker(
  t: TestLike,
  config: Partial<BrokerConfig> & { logLevel?: string } = {},
): Promise<InProcessBroker> {
  const dataDir = config.dataDir ?? tempDir(t, 'samsa-broker-');
  const logs = new LogSink();
  const logger = pino({ level: config.logLevel ?? 'info' }, { write: (s: string) => logs.pushText(s) });
  const broker = await startBroker({ host: '127.0.0.1', port: 0, ...config, dataDir, logger });
  let closed: Promise<void> | undefined;
  const close = () => (closed ??= broker.close());
  t.teardown(close);
  return {
    broker,
    host: broker.host,
    port: broker.port,
    bootstrap: `${broker.host}:${broker.port}`,
    dataDir,
    logs,
    close,
  };
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface BrokerProcess extends TestBroker {
  child: ChildProcess;
  pid: number;
  /** Settles when the process has exited. */
  exited: Promise<ExitStatus>;
  readonly running: boolean;
  stderr(): string;
  /** Send `signal` (SIGTERM by default) and wait for the process to exit. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<ExitStatus>;
  /** SIGKILL: the process gets no chance to flush or write its clean-shutdown marker. */
  kill(): Promise<ExitStatus>;
  /** Resident and peak resident memory of the process, from /proc (Linux). */
  memory(): { rssBytes: number; hwmBytes: number };
}

export interface SpawnBrokerOptions {
  dataDir?: string;
  nodeId?: number;
  /** Written to a properties file passed with --config (Kafka names or camelCase keys). */
  config?: Record<string, string | number | boolean>;
  extraArgs?: string[];
  env?: NodeJS.ProcessEnv;
  readyTimeoutMs?: number;
}

/** `node dist/client/cli/main.js broker start …` on port 0; resolves once the ready line is logged. */
export async function spawnBroker(t: TestLike, opts: SpawnBrokerOptions = {}): Promise<BrokerProcess> {
  const dataDir = opts.dataDir ?? tempDir(t, 'samsa-broker-');
  const args = [cliPath, 'broker', 'start', '--data-dir', dataDir, '--host', '127.0.0.1', '--port', '0'];
  if (opts.nodeId !== undefined) args.push('--node-id', String(opts.nodeId));
  if (opts.config) {
    const file = join(tempDir(t, 'samsa-config-'), 'broker.properties');
    writeFileSync(
      file,
      Object.entries(opts.config)
        .map(([k, v]) => `${k}=${v}\n`)
        .join(''),
    );
    args.push('--config', file);
  }
  args.push(...(opts.extraArgs ?? []));
  // The broker reads SAMSA_* variables: do not let the caller's environment leak in.
  const env: NodeJS.ProcessEnv = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('SAMSA_')),
  );
  const child = spawn(process.execPath, args, {
    env: { ...env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs = new LogSink();
  let stderrText = '';
  let partial = '';
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (d: string) => {
    partial += d;
    const cut = partial.lastIndexOf('\n');
    if (cut < 0) return;
    logs.pushText(partial.slice(0, cut));
    partial = partial.slice(cut + 1);
  });
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (d: string) => {
    stderrText = (stderrText + d).slice(-64 * 1024);
  });
  let running = true;
  const exited = new Promise<ExitStatus>((resolve) => {
    child.on('exit', (code, signal) => {
      running = false;
      resolve({ code, signal });
    });
  });
  t.teardown(async () => {
    if (running) {
      child.kill('SIGKILL');
      await exited;
    }
  });

  const describe = () => `broker stdout:\n${logs.tail()}\nbroker stderr:\n${stderrText}`;
  const ready = logs.waitFor(
    'broker ready',
    (l) =>
      typeof l.msg === 'string' && l.msg.startsWith('samsa broker ready on') && typeof l['port'] === 'number',
    opts.readyTimeoutMs ?? 20_000,
  );
  const line = await Promise.race([
    ready,
    exited.then((s) => {
      throw new Error(
        `broker exited before it was ready (code ${s.code}, signal ${s.signal})\n${describe()}`,
      );
    }),
  ]).catch((err: Error) => {
    child.kill('SIGKILL');
    throw new Error(`${err.message}\n${describe()}`);
  });
  const port = line['port'] as number;
  const host = typeof line['host'] === 'string' ? line['host'] : '127.0.0.1';
  const pid = child.pid!;

  const stop = async (signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 20_000): Promise<ExitStatus> => {
    if (running) child.kill(signal);
    return withTimeout(`broker pid ${pid} to exit after ${signal}\n${describe()}`, exited, timeoutMs);
  };
  return {
    host,
    port,
    bootstrap: `${host}:${port}`,
    dataDir,
    logs,
    child,
    pid,
    exited,
    get running() {
      return running;
    },
    stderr: () => stderrText,
    stop,
    kill: () => stop('SIGKILL'),
    memory: () => processMemory(pid),
  };
}

/** VmRSS and VmHWM of a process, in bytes. */
export function processMemory(pid: number): { rssBytes: number; hwmBytes: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string) => {
    const m = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status);
    if (!m) throw new Error(`no ${name} in /proc/${pid}/status`);
    return Number(m[1]) * 1024;
  };
  return { rssBytes: kb('VmRSS'), hwmBytes: kb('VmHWM') };
}
