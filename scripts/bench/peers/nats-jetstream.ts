/**
 * NATS JetStream as a peer: Debian's `nats-server` with JetStream on a file-storage stream,
 * driven by the `nats` v2 Node client. Publishes with a bounded window of `js.publish`
 * promises; consumes through a durable pull consumer (`consumer.consume()`), once with
 * explicit acks (the reported figure) and once without acks (in the notes).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { JetStreamClient, JetStreamManager, NatsConnection } from 'nats';
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
  rssMiB,
  runCommand,
  type ServerProcess,
  startServer,
  tcpAnswers,
  waitUntil,
} from './peer-process.js';
import { StallGuard } from './stall-guard.js';
import type { Peer, PeerResult, PeerRunOptions, Throughput } from './types.js';

const streamName = 'BENCH';
const subject = 'bench.records';
/** `js.publish` promises awaiting their PubAck at once. */
const publishesInFlightMax = 1000;
/** Messages a pull consumer asks for per pull request (the client's default is 100). */
const pullMessagesMax = 1000;
/** How long the server gets to accept connections and enable JetStream. */
const startTimeoutMs = 30_000;
/** JetStream storage caps written into the config file (the defaults are most of RAM and disk). */
const memoryStoreBytesMax = 256 * 1024 * 1024;
const fileStoreBytesMin = 1024 * 1024 * 1024;

/** "nats-server: v2.9.10" → "nats-server 2.9.10". */
export function parseNatsVersion(out: string): string | undefined {
  const m = /nats-server:?\s+v?(\d+\.\d+\.\d+\S*)/.exec(out);
  return m ? `nats-server ${m[1]}` : undefined;
}

export const natsJetStream: Peer = {
  name: 'nats-jetstream',
  async run(opts: PeerRunOptions): Promise<PeerResult> {
    const result: PeerResult = { peer: 'nats-jetstream', available: false, config: [], notes: [] };
    const located = locatePeer(
      result,
      { executables: ['nats-server'], debianPackage: 'nats-server', npmClient: 'nats' },
      findExecutable,
    );
    if (!located) return result;
    const [binary] = located as [string];
    let server: ServerProcess | undefined;
    let nc: NatsConnection | undefined;
    try {
      const nats = await import('nats');
      const version = await runCommand(binary, ['--version'], { timeoutMs: 10_000 });
      result.serverVersion = parseNatsVersion(version.stdout + version.stderr);
      if (!result.serverVersion) {
        result.reason = `nats-server --version printed no version: ${(version.stdout + version.stderr).trim()}`;
        return result;
      }

      const dir = join(opts.dir, 'nats');
      mkdirSync(join(dir, 'store'), { recursive: true });
      const port = await freePort();
      const dataBytes = opts.records * opts.recordBytes;
      const fileStoreBytes = Math.max(fileStoreBytesMin, 4 * dataBytes);
      const configFile = join(dir, 'nats.conf');
      writeFileSync(
        configFile,
        [
          `listen: "127.0.0.1:${port}"`,
          'jetstream {',
          `  store_dir: ${JSON.stringify(join(dir, 'store'))}`,
          `  max_memory_store: ${memoryStoreBytesMax}`,
          `  max_file_store: ${fileStoreBytes}`,
          '}',
          '',
        ].join('\n'),
      );
      result.config.push(
        'server: nats-server -c nats.conf on 127.0.0.1, single node, JetStream enabled',
        `jetstream limits: max_memory_store ${memoryStoreBytesMax} B, max_file_store ${fileStoreBytes} B`,
        `stream ${streamName}: storage file, retention limits, 1 replica, subject ${subject}`,
        'durability: file store written through the OS page cache, fsync on the server default sync interval (2 min), not per message; PubAck after the write',
        `produce: js.publish per record, up to ${publishesInFlightMax} PubAcks awaited at once`,
        `consume: durable pull consumer, consumer.consume({ max_messages: ${pullMessagesMax} }), deliver all, ack explicit (m.ack() per record)`,
      );

      server = await startServer({
        command: binary,
        args: ['-c', configFile],
        logFile: join(dir, 'nats.log'),
      });
      const running = server;
      const abort = () => {
        const exit = running.exitReason();
        return exit && `nats-server ${exit}: ${logTail(running.logFile)}`;
      };
      try {
        await waitUntil('nats-server did not accept connections', () => tcpAnswers(port), {
          timeoutMs: startTimeoutMs,
          abort,
        });
        nc = await nats.connect({ servers: `127.0.0.1:${port}`, maxReconnectAttempts: 0 });
        const conn = nc;
        let jsmOrUndefined: JetStreamManager | undefined;
        await waitUntil(
          'JetStream did not become ready',
          async () => {
            try {
              jsmOrUndefined = await conn.jetstreamManager();
              return true;
            } catch {
              return false;
            }
          },
          { timeoutMs: startTimeoutMs, abort },
        );
        const jsm = jsmOrUndefined!;
        await jsm.streams.add({
          name: streamName,
          subjects: [subject],
          storage: nats.StorageType.File,
          retention: nats.RetentionPolicy.Limits,
          num_replicas: 1,
        });
        result.available = true;
      } catch (err) {
        result.reason = `nats-server did not start: ${errorMessage(err)}`;
        return result;
      }

      const js = nc.jetstream();
      const payload = fixedPayload(opts.recordBytes);
      opts.log(`nats-jetstream: publishing ${opts.records} × ${opts.recordBytes} B`);
      result.produce = await publish(js, payload, opts.records);

      const jsm = await nc.jetstreamManager();
      opts.log('nats-jetstream: consuming with explicit ack');
      result.consume = await consume(jsm, js, 'bench-ack', nats.AckPolicy.Explicit, opts);
      opts.log('nats-jetstream: consuming without ack');
      const noAck = await consume(jsm, js, 'bench-noack', nats.AckPolicy.None, opts);
      result.notes.push(
        `consume without ack (durable pull consumer, ack_policy none): ${noAck.recordsPerSec} records/s, ${noAck.mbPerSec} MB/s`,
        'the nats Node client encodes and decodes every message in JavaScript; on this machine it, not the server, is the bottleneck',
      );
      result.serverRssMiB = rssMiB(server.pid);
    } catch (err) {
      result.reason = `run failed: ${errorMessage(err)}`;
    } finally {
      if (nc) await settleWithin(nc.close());
      if (server) await server.stop();
    }
    return result;
  },
};

async function publish(js: JetStreamClient, payload: Buffer, records: number): Promise<Throughput> {
  const window = new InFlightWindow(publishesInFlightMax);
  let acked = 0;
  let lastSeq = 0;
  const start = process.hrtime.bigint();
  for (let i = 0; i < records; i++) {
    await window.acquire();
    js.publish(subject, payload).then(
      (ack) => {
        acked++;
        if (ack.seq > lastSeq) lastSeq = ack.seq;
        window.release();
      },
      (err: unknown) => window.fail(new Error(`js.publish failed: ${errorMessage(err)}`)),
    );
  }
  await window.drained();
  const seconds = secondsSince(start);
  if (acked !== records || lastSeq !== records) {
    throw new Error(`published ${records} but got ${acked} PubAcks up to stream sequence ${lastSeq}`);
  }
  return throughput(records, payload.length, seconds);
}

async function consume(
  jsm: JetStreamManager,
  js: JetStreamClient,
  durable: string,
  ackPolicy: import('nats').AckPolicy,
  opts: PeerRunOptions,
): Promise<Throughput> {
  const { AckPolicy, DeliverPolicy } = await import('nats');
  await jsm.consumers.add(streamName, {
    durable_name: durable,
    ack_policy: ackPolicy,
    deliver_policy: DeliverPolicy.All,
  });
  const consumer = await js.consumers.get(streamName, durable);
  const ack = ackPolicy === AckPolicy.Explicit;
  let count = 0;
  let wrongSize = 0;
  const start = process.hrtime.bigint();
  const messages = await consumer.consume({ max_messages: pullMessagesMax });
  const guard = new StallGuard(`nats-jetstream consume (${durable})`, () => count);
  guard.start(() => messages.stop());
  try {
    for await (const m of messages) {
      if (m.data.length !== opts.recordBytes) wrongSize++;
      if (ack) m.ack();
      if (++count === opts.records) break;
    }
  } finally {
    guard.stop();
  }
  const seconds = secondsSince(start);
  messages.stop();
  guard.assertCount(count, opts.records);
  if (wrongSize > 0)
    throw new Error(`${wrongSize} of ${count} records did not have ${opts.recordBytes} bytes`);
  return throughput(count, opts.recordBytes, seconds);
}
