/**
 * Global options (`--brokers`, `--timeout`) and the connection to the cluster: every command
 * first checks that a bootstrap broker answers (a refused connection fails at once with exit 3,
 * instead of the client library's retries running to their deadline), then uses the client.
 */
import type { Command } from 'commander';
import type { Admin, TopicDescription } from '../index.js';
import { CliError, connectReason, isSamsaError, kafkaName, topicNotFound } from './errors.js';
import { exitCodes } from './exit-codes.js';

export const defaultBrokers = 'localhost:9092';
/** Connecting never waits longer than this, whatever --timeout says. */
const connectTimeoutMsMax = 10_000;

/**
 * The client library, loaded when a command first talks to a broker: `--help` and flag errors
 * answer without loading it.
 */
export function loadClient(): Promise<typeof import('../index.js')> {
  return import('../index.js');
}

export interface Globals {
  brokers: string[];
  /** Bound on connecting and on each request. */
  timeoutMs: number;
  clientId: string;
}

/** The global options as seen from a (sub)command's action. */
export function globals(cmd: Command): Globals {
  const o = cmd.optsWithGlobals<{ brokers: string[]; timeout: number }>();
  return { brokers: o.brokers, timeoutMs: o.timeout, clientId: 'samsa-cli' };
}

/** Client options shared by Admin, Producer and Consumer. */
export function clientOptions(g: Globals) {
  return {
    brokers: g.brokers,
    clientId: g.clientId,
    connectTimeoutMs: Math.min(g.timeoutMs, connectTimeoutMsMax),
    requestTimeoutMs: g.timeoutMs,
  };
}

/**
 * Resolve when one bootstrap broker accepts a connection and answers ApiVersions; otherwise throw
 * the "cannot reach" error (exit 3) naming every broker tried and why.
 */
async function checkReachable(g: Globals): Promise<void> {
  const { Connection, parseBrokerAddress } = await loadClient();
  const reasons: string[] = [];
  let allUnknownHosts = true;
  for (const address of g.brokers) {
    const { host, port } = parseBrokerAddress(address);
    try {
      const conn = await Connection.connect({
        host,
        port,
        clientId: g.clientId,
        connectTimeoutMs: Math.min(g.timeoutMs, connectTimeoutMsMax),
      });
      conn.close();
      return;
    } catch (err) {
      const reason = connectReason(err);
      if (reason !== 'host not found') allUnknownHosts = false;
      reasons.push(`${address}: ${reason}`);
    }
  }
  const where = reasons.length === 1 ? `broker at ${reasons[0]}` : `any broker (${reasons.join('; ')})`;
  const hint = allUnknownHosts
    ? 'check --brokers (or SAMSA_BROKERS)'
    : 'is it running? start one with: samsa broker start';
  throw new CliError(`cannot reach ${where} — ${hint}`, exitCodes.unreachable);
}

/** Run `fn` with a connected Admin, closed afterwards whatever happens. */
export async function withAdmin<T>(g: Globals, fn: (admin: Admin) => Promise<T>): Promise<T> {
  await checkReachable(g);
  const { Admin } = await loadClient();
  const admin = new Admin({ ...clientOptions(g), operationTimeoutMs: g.timeoutMs });
  try {
    await admin.connect();
    return await fn(admin);
  } finally {
    await admin.close();
  }
}

/** Describe one topic; a missing topic is the "does not exist" error (exit 2). */
export async function describeTopic(admin: Admin, topic: string): Promise<TopicDescription> {
  try {
    const [d] = await admin.describeTopics([topic]);
    if (!d) throw topicNotFound(topic);
    return d;
  } catch (err) {
    if (kafkaName(err) === 'UNKNOWN_TOPIC_OR_PARTITION') throw topicNotFound(topic);
    if (isSamsaError(err) && err.code === 'SAMSA_METADATA') throw topicNotFound(topic);
    throw err;
  }
}

/** Partitions to use: the ones asked for (each checked to exist) or all of them. */
export function choosePartitions(d: TopicDescription, asked: number[] | undefined): number[] {
  const all = d.partitions.map((p) => p.partition);
  if (!asked || asked.length === 0) return all;
  for (const p of asked) {
    if (!all.includes(p))
      throw new CliError(
        `partition ${p} of topic "${d.name}" does not exist (it has ${all.length} partition${all.length === 1 ? '' : 's'}: 0..${all.length - 1})`,
        exitCodes.notFound,
      );
  }
  return [...new Set(asked)];
}
