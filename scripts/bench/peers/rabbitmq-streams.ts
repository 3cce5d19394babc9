/**
 * RabbitMQ Streams as a peer: Debian's `rabbitmq-server` as a private node (own config,
 * data, logs, ports, Erlang cookie and epmd, all on loopback) with the stream plugin, driven
 * by `rabbitmq-stream-js-client`. Publishes with confirms under a bounded window; consumes
 * the stream from its first offset.
 *
 * Debian 12 ships RabbitMQ 3.10, which does not know the ExchangeCommandVersions request
 * (3.11+) that the client sends on connect and closes the connection on it. For the length of
 * one run, and only in this harness, the client's `Connection.exchangeCommandVersions` is
 * replaced by a no-op; the result's notes say so.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from 'rabbitmq-stream-js-client';
import {
  errorMessage,
  fixedPayload,
  InFlightWindow,
  locatePeer,
  secondsSince,
  settleWithin,
  throughput,
} from './measure.js';
import {
  findExecutable,
  freePort,
  logTail,
  pidAlive,
  pidsWithEnv,
  rssMiB,
  runCommand,
  type ServerProcess,
  startServer,
  stopPid,
  tcpAnswers,
  waitUntil,
} from './peer-process.js';
import { StallGuard } from './stall-guard.js';
import type { Peer, PeerResult, PeerRunOptions, Throughput } from './types.js';

/** Where Debian puts the RabbitMQ scripts (not all of them are on PATH). */
const rabbitBinDir = '/usr/lib/rabbitmq/bin';
const streamName = 'bench';
/** Messages sent but not yet confirmed (the Java client's default maxUnconfirmedMessages). */
const unconfirmedMessagesMax = 10_000;
/** Chunks the consumer asks for up front, then one more per chunk received (the client README's example). */
const initialChunkCredits = 2;
/** How long the node gets to boot (it is slow on a loaded 2-core machine). */
const startTimeoutMs = 180_000;
/** One `rabbitmqctl` call's time limit. */
const ctlTimeoutMs = 60_000;
/** declareConsumer attempts while the stream is "not found on any node" just after a start. */
const declareConsumerAttemptsMax = 20;
const declareConsumerRetryMs = 500;

/** "3.10.8" (rabbitmqctl version, maybe with warnings around it) → "rabbitmq-server 3.10.8". */
export function parseRabbitVersion(out: string): string | undefined {
  const m = /^\s*(\d+\.\d+\.\d+\S*)\s*$/m.exec(out);
  return m ? `rabbitmq-server ${m[1]}` : undefined;
}

interface Ports {
  amqp: number;
  stream: number;
  dist: number;
  epmd: number;
}

async function distinctFreePorts(): Promise<Ports> {
  const seen = new Set<number>();
  const next = async (): Promise<number> => {
    for (;;) {
      const p = await freePort();
      if (!seen.has(p)) {
        seen.add(p);
        return p;
      }
    }
  };
  return { amqp: await next(), stream: await next(), dist: await next(), epmd: await next() };
}

export const rabbitmqStreams: Peer = {
  name: 'rabbitmq-streams',
  async run(opts: PeerRunOptions): Promise<PeerResult> {
    const result: PeerResult = { peer: 'rabbitmq-streams', available: false, config: [], notes: [] };
    const path = `${rabbitBinDir}:${process.env.PATH ?? ''}`;
    const located = locatePeer(
      result,
      {
        executables: ['rabbitmq-server', 'rabbitmqctl', 'epmd'],
        debianPackage: 'rabbitmq-server',
        npmClient: 'rabbitmq-stream-js-client',
        path,
      },
      findExecutable,
    );
    if (!located) return result;
    const [server, ctl, epmdBinary] = located as [string, string, string];

    const R = join(opts.dir, 'rabbitmq');
    for (const sub of ['home', 'mnesia', 'log']) mkdirSync(join(R, sub), { recursive: true });
    let ports: Ports;
    try {
      ports = await distinctFreePorts();
    } catch (err) {
      result.reason = `no free port: ${errorMessage(err)}`;
      return result;
    }
    const pidFile = join(R, 'rabbit.pid');
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PATH: path,
      HOME: join(R, 'home'),
      RABBITMQ_CONF_ENV_FILE: join(R, 'rabbitmq-env.conf'),
      RABBITMQ_CONFIG_FILE: join(R, 'rabbitmq.conf'),
      RABBITMQ_MNESIA_BASE: join(R, 'mnesia'),
      RABBITMQ_LOG_BASE: join(R, 'log'),
      RABBITMQ_ENABLED_PLUGINS_FILE: join(R, 'enabled_plugins'),
      RABBITMQ_PID_FILE: pidFile,
      RABBITMQ_NODENAME: `samsa-peers-${ports.stream}@localhost`,
      RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
      RABBITMQ_DIST_PORT: String(ports.dist),
      ERL_EPMD_ADDRESS: '127.0.0.1',
      ERL_EPMD_PORT: String(ports.epmd),
      RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: '-kernel inet_dist_use_interface {127,0,0,1}',
    };
    writeFileSync(join(R, 'rabbitmq-env.conf'), '');
    writeFileSync(
      join(R, 'rabbitmq.conf'),
      [
        `listeners.tcp.1 = 127.0.0.1:${ports.amqp}`,
        `stream.listeners.tcp.1 = 127.0.0.1:${ports.stream}`,
        'stream.advertised_host = 127.0.0.1',
        `stream.advertised_port = ${ports.stream}`,
        '',
      ].join('\n'),
    );
    // The plugin enabled before boot (what `rabbitmq-plugins enable rabbitmq_stream` writes).
    writeFileSync(join(R, 'enabled_plugins'), '[rabbitmq_stream].\n');
    result.config.push(
      'server: rabbitmq-server as a private single node on 127.0.0.1 (own config, data, epmd), plugin rabbitmq_stream',
      `stream ${streamName}: created by the client with no arguments (no max-length/max-age), 1 replica`,
      'durability: stream segments written through the OS page cache, no fsync per message (RabbitMQ streams rely on replication, here none); a confirm means the chunk was written',
      `produce: publisher.send per record (client batches up to 100 per frame), publish confirms, up to ${unconfirmedMessagesMax} unconfirmed`,
      `consume: declareConsumer from Offset.first(), creditsOnChunkReceived(${initialChunkCredits}, 1)`,
    );

    const ctlRun = (args: string[]) => runCommand(ctl, args, { env, timeoutMs: ctlTimeoutMs });
    let epmd: ServerProcess | undefined;
    let rabbit: ServerProcess | undefined;
    let rabbitStarted = false;
    let stream: Client | undefined;
    let restoreWorkaround: (() => void) | undefined;
    try {
      const { connect, Offset } = await import('rabbitmq-stream-js-client');
      const { Connection } = await import('rabbitmq-stream-js-client/dist/connection.js');
      const { creditsOnChunkReceived } = await import(
        'rabbitmq-stream-js-client/dist/consumer_credit_policy.js'
      );

      try {
        // Our own epmd in the foreground, before any Erlang program (rabbitmqctl included)
        // would fork an `epmd -daemon` on this run's port; so it is ours to stop by PID.
        epmd = await startServer({
          command: epmdBinary,
          args: ['-port', String(ports.epmd), '-address', '127.0.0.1'],
          logFile: join(R, 'log', 'epmd.log'),
          env,
        });
        const epmdProc = epmd;
        await waitUntil('epmd did not accept connections', () => tcpAnswers(ports.epmd), {
          timeoutMs: 10_000,
          abort: () => epmdProc.exitReason() && `epmd ${epmdProc.exitReason()}: ${logTail(epmdProc.logFile)}`,
        });
        const version = await ctlRun(['-q', 'version']);
        result.serverVersion = parseRabbitVersion(version.stdout);
        if (!result.serverVersion) {
          throw new Error(
            `rabbitmqctl version printed no version: ${(version.stdout + version.stderr).trim()}`,
          );
        }
        rabbit = await startServer({
          command: server,
          args: [],
          logFile: join(R, 'log', 'console.out'),
          env,
        });
        rabbitStarted = true;
        const rabbitProc = rabbit;
        await waitUntil(
          'rabbitmq-server did not finish booting',
          async () => (await ctlRun(['-q', 'await_startup', '--timeout', '5'])).code === 0,
          {
            timeoutMs: startTimeoutMs,
            abort: () =>
              rabbitProc.exitReason() &&
              `rabbitmq-server ${rabbitProc.exitReason()}: ${logTail(rabbitProc.logFile)}`,
          },
        );
        await waitUntil('the stream listener did not accept connections', () => tcpAnswers(ports.stream), {
          timeoutMs: 30_000,
        });
      } catch (err) {
        result.reason = `rabbitmq-server did not start: ${errorMessage(err)}`;
        return result;
      }
      const beamPid = Number(readFileSync(pidFile, 'utf8').trim());

      // A private method in the client's typings; patched on the prototype, restored in finally.
      const proto = Connection.prototype as unknown as { exchangeCommandVersions: () => Promise<boolean> };
      const original = proto.exchangeCommandVersions;
      proto.exchangeCommandVersions = async () => true;
      restoreWorkaround = () => {
        proto.exchangeCommandVersions = original;
      };
      result.notes.push(
        'harness workaround: the client sends ExchangeCommandVersions (RabbitMQ 3.11+) on connect and 3.10 closes the connection on it ("Unknown response 22"); for this run Connection.prototype.exchangeCommandVersions was replaced by a no-op, in the benchmark only',
      );
      stream = await connect({
        hostname: '127.0.0.1',
        port: ports.stream,
        username: 'guest',
        password: 'guest',
        vhost: '/',
      });
      await stream.createStream({ stream: streamName });
      result.available = true;

      const payload = fixedPayload(opts.recordBytes);
      opts.log(`rabbitmq-streams: publishing ${opts.records} × ${opts.recordBytes} B with confirms`);
      result.produce = await publish(stream, payload, opts.records);

      opts.log('rabbitmq-streams: consuming from first');
      const policy = creditsOnChunkReceived(initialChunkCredits, 1);
      const open = stream;
      const declare = (handle: (content: Buffer) => void) =>
        open.declareConsumer({ stream: streamName, offset: Offset.first(), creditPolicy: policy }, (m) =>
          handle(m.content),
        );
      const consumed = await consume(declare, opts);
      result.consume = consumed.throughput;
      if (consumed.attempts > 1) {
        result.notes.push(
          `declareConsumer needed ${consumed.attempts} attempts ("Stream was not found on any node")`,
        );
      }
      result.serverRssMiB = rssMiB(beamPid);
    } catch (err) {
      result.reason = `run failed: ${errorMessage(err)}`;
    } finally {
      if (stream) await settleWithin(stream.close());
      restoreWorkaround?.();
      if (rabbitStarted && rabbit) {
        await stopRabbit(rabbit, pidFile, ctlRun).catch((err: unknown) => {
          result.notes.push(`stopping rabbitmq-server: ${errorMessage(err)}`);
        });
      }
      if (epmd) await epmd.stop();
      // Should an Erlang program have forked its own epmd on this run's private port anyway.
      for (const pid of pidsWithEnv('epmd', 'ERL_EPMD_PORT', String(ports.epmd))) {
        await stopPid(pid, 'epmd').catch((err: unknown) => result.notes.push(errorMessage(err)));
        result.notes.push(`stopped an epmd daemon (pid ${pid}) left on the run's private port`);
      }
    }
    return result;
  },
};

/** `rabbitmqctl stop <pidfile>` (waits for the node's exit), then the wrapper script's exit. */
async function stopRabbit(
  rabbit: ServerProcess,
  pidFile: string,
  ctlRun: (args: string[]) => Promise<{ code: number; stderr: string }>,
): Promise<void> {
  let beamPid: number | undefined;
  try {
    beamPid = Number(readFileSync(pidFile, 'utf8').trim()) || undefined;
  } catch {
    // the node never wrote it
  }
  const stopped = await ctlRun(['-q', 'stop', pidFile]);
  // The wrapper script exits once the node has: SIGTERM makes it stop the node itself if
  // rabbitmqctl could not (rabbit.stop() waits, then SIGKILLs).
  await rabbit.stop();
  // Only if the script itself had to be SIGKILLed would the Erlang VM outlive it.
  if (beamPid !== undefined && pidAlive(beamPid)) await stopPid(beamPid, 'the RabbitMQ Erlang VM');
  if (stopped.code !== 0)
    throw new Error(`rabbitmqctl stop exited with ${stopped.code}: ${stopped.stderr.trim()}`);
}

async function publish(client: Client, payload: Buffer, records: number): Promise<Throughput> {
  const publisher = await client.declarePublisher({ stream: streamName });
  const window = new InFlightWindow(unconfirmedMessagesMax);
  let confirmed = 0;
  publisher.on('publish_confirm', (err, ids) => {
    if (err !== null) {
      window.fail(new Error(`publish error code ${err} for publishing ids ${ids.join(', ')}`));
      return;
    }
    confirmed += ids.length;
    window.release(ids.length);
  });
  const start = process.hrtime.bigint();
  for (let i = 0; i < records; i++) {
    await window.acquire();
    await publisher.send(payload);
  }
  await publisher.flush();
  await window.drained();
  const seconds = secondsSince(start);
  await publisher.close();
  if (confirmed !== records) throw new Error(`published ${records} but ${confirmed} were confirmed`);
  return throughput(records, payload.length, seconds);
}

async function consume(
  declare: (handle: (content: Buffer) => void) => Promise<{ close(): Promise<void> }>,
  opts: PeerRunOptions,
): Promise<{ throughput: Throughput; attempts: number }> {
  let count = 0;
  let wrongSize = 0;
  let finish: () => void = () => undefined;
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const handle = (content: Buffer) => {
    if (content.length !== opts.recordBytes) wrongSize++;
    if (++count === opts.records) finish();
  };
  let attempts = 0;
  let start = process.hrtime.bigint();
  let consumer: { close(): Promise<void> } | undefined;
  for (;;) {
    attempts++;
    start = process.hrtime.bigint();
    try {
      consumer = await declare(handle);
      break;
    } catch (err) {
      const notFound = /not found on any node/i.test(errorMessage(err));
      if (!notFound || attempts >= declareConsumerAttemptsMax) {
        throw new Error(`declareConsumer failed after ${attempts} attempt(s): ${errorMessage(err)}`);
      }
      await new Promise((r) => setTimeout(r, declareConsumerRetryMs));
    }
  }
  const guard = new StallGuard('rabbitmq-streams consume', () => count);
  guard.start(finish);
  await done;
  guard.stop();
  const seconds = secondsSince(start);
  await settleWithin(consumer.close());
  guard.assertCount(count, opts.records);
  if (wrongSize > 0)
    throw new Error(`${wrongSize} of ${count} messages did not have ${opts.recordBytes} bytes`);
  return { throughput: throughput(count, opts.recordBytes, seconds), attempts };
}
