/**
 * kcat (librdkafka 2.0.2 on Debian 12): each call is a process with a time limit. Consumed
 * messages are read with `-J` (one JSON envelope per line, see kcat's json.c).
 */
import { describeRun, type RunResult, runProcess } from './process.js';

export interface KcatMessage {
  topic: string;
  partition: number;
  offset: number;
  tstype?: string;
  ts?: number;
  broker: number;
  /** name, value, name, value, … (absent when the message has no headers) */
  headers?: (string | null)[];
  key: string | null;
  payload: string | null;
}

export interface KcatOptions {
  input?: string | Buffer;
  timeoutMs?: number;
}

/** `kcat -b bootstrap …args`; the metadata timeout is raised so a slow CI machine does not flake. */
export function kcat(bootstrap: string, args: string[], opts: KcatOptions = {}): Promise<RunResult> {
  return runProcess('kcat', ['-b', bootstrap, '-m', '15', ...args], {
    input: opts.input,
    timeoutMs: opts.timeoutMs ?? 30_000,
  });
}

/** Throws with the whole run described unless kcat exited 0. */
export function assertOk(r: RunResult): RunResult {
  if (r.code !== 0 || r.timedOut) throw new Error(`kcat failed\n${describeRun(r)}`);
  return r;
}

/**
 * Produces `lines` (one message each, `key:value` when `-K:` is among `args`) and waits for
 * kcat to flush and exit.
 */
export async function kcatProduce(
  bootstrap: string,
  topic: string,
  lines: string[],
  args: string[] = [],
  opts: KcatOptions = {},
): Promise<RunResult> {
  return assertOk(
    await kcat(bootstrap, ['-P', '-t', topic, ...args], { ...opts, input: `${lines.join('\n')}\n` }),
  );
}

/**
 * Consumes with `-C -J -e` (exit at the end of every partition) and returns the messages in
 * the order printed. `args` adds e.g. `-o beginning`, `-p 0`, `-c 3`.
 */
export async function kcatConsume(
  bootstrap: string,
  topic: string,
  args: string[] = ['-o', 'beginning'],
  opts: KcatOptions = {},
): Promise<KcatMessage[]> {
  const r = assertOk(await kcat(bootstrap, ['-C', '-J', '-e', '-q', '-t', topic, ...args], opts));
  return parseJsonLines(r);
}

export function parseJsonLines(r: RunResult): KcatMessage[] {
  const out: KcatMessage[] = [];
  for (const line of r.stdout.split('\n')) {
    if (line.trim() === '') continue;
    try {
      out.push(JSON.parse(line) as KcatMessage);
    } catch {
      throw new Error(`kcat printed a line that is not JSON: ${line}\n${describeRun(r)}`);
    }
  }
  return out;
}

/** Headers of a `-J` message as [name, value] pairs. */
export function kcatHeaders(m: KcatMessage): [string, string | null][] {
  const h = m.headers ?? [];
  const out: [string, string | null][] = [];
  for (let i = 0; i + 1 < h.length; i += 2) out.push([h[i] as string, h[i + 1] ?? null]);
  return out;
}
