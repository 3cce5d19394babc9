/**
 * Redis Streams as a peer: Debian's `redis-server` with the append-only file fsynced every
 * second, driven by `ioredis` 5. Produces with XADD in pipelines of 1,000; consumes with
 * XREAD COUNT 1,000 (`xreadBuffer`, so payloads stay Buffers).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Redis as RedisClient } from 'ioredis';
import {
  errorMessage,
  fixedPayload,
  InFlightWindow,
  locatePeer,
  secondsSince,
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
import type { Peer, PeerResult, PeerRunOptions, Throughput } from './types.js';

const streamKey = 'bench';
/** XADD commands per pipeline. */
const pipelineRecords = 1000;
/** Pipelines sent before the oldest one's replies must be back. */
const pipelinesInFlightMax = 4;
/** Entries asked for per XREAD. */
const readRecordsMax = 1000;
/** One command's (or pipeline's) time limit, so a stuck server ends the run with an error. */
const commandTimeoutMs = 60_000;
/** How long the server gets to accept connections. */
const startTimeoutMs = 30_000;

/** "Redis server v=7.0.15 sha=…" → "redis-server 7.0.15". */
export function parseRedisVersion(out: string): string | undefined {
  const m = /\bv=(\d+\.\d+\.\d+\S*)/.exec(out);
  return m ? `redis-server ${m[1]}` : undefined;
}

export const redisStreams: Peer = {
  name: 'redis-streams',
  async run(opts: PeerRunOptions): Promise<PeerResult> {
    const result: PeerResult = { peer: 'redis-streams', available: false, config: [], notes: [] };
    const located = locatePeer(
      result,
      { executables: ['redis-server'], debianPackage: 'redis-server', npmClient: 'ioredis' },
      findExecutable,
    );
    if (!located) return result;
    const [binary] = located as [string];
    let server: ServerProcess | undefined;
    let redis: RedisClient | undefined;
    try {
      const { Redis } = await import('ioredis');
      const version = await runCommand(binary, ['--version'], { timeoutMs: 10_000 });
      result.serverVersion = parseRedisVersion(version.stdout);
      if (!result.serverVersion) {
        result.reason = `redis-server --version printed no version: ${(version.stdout + version.stderr).trim()}`;
        return result;
      }

      const dir = join(opts.dir, 'redis');
      mkdirSync(dir, { recursive: true });
      const port = await freePort();
      const args = [
        '--bind',
        '127.0.0.1',
        '--port',
        String(port),
        '--appendonly',
        'yes',
        '--appendfsync',
        'everysec',
        '--save',
        '',
        '--dir',
        dir,
        '--daemonize',
        'no',
      ];
      result.config.push(
        'server: redis-server on 127.0.0.1, single node, run in the foreground',
        'durability: appendonly yes, appendfsync everysec (AOF fsynced once a second: up to ~1 s of acknowledged writes can be lost on power failure); save "" (no RDB snapshots)',
        `produce: XADD ${streamKey} * v <payload> in pipelines of ${pipelineRecords}, up to ${pipelinesInFlightMax} pipelines in flight; no MAXLEN trimming`,
        `consume: XREAD COUNT ${readRecordsMax} STREAMS ${streamKey} <last id> (xreadBuffer), from the start`,
      );

      server = await startServer({ command: binary, args, logFile: join(dir, 'redis.log') });
      const running = server;
      try {
        await waitUntil('redis-server did not accept connections', () => tcpAnswers(port), {
          timeoutMs: startTimeoutMs,
          abort: () => {
            const exit = running.exitReason();
            return exit && `redis-server ${exit}: ${logTail(running.logFile)}`;
          },
        });
        redis = new Redis({
          host: '127.0.0.1',
          port,
          lazyConnect: true,
          maxRetriesPerRequest: 0,
          commandTimeout: commandTimeoutMs,
        });
        await redis.connect();
        await redis.ping();
        result.available = true;
      } catch (err) {
        result.reason = `redis-server did not start: ${errorMessage(err)}`;
        return result;
      }

      const payload = fixedPayload(opts.recordBytes);
      opts.log(`redis-streams: XADD ${opts.records} × ${opts.recordBytes} B`);
      result.produce = await produce(redis, payload, opts.records);
      opts.log('redis-streams: XREAD');
      result.consume = await consume(redis, opts);
      result.serverRssMiB = rssMiB(server.pid);
    } catch (err) {
      result.reason = `run failed: ${errorMessage(err)}`;
    } finally {
      redis?.disconnect();
      if (server) await server.stop();
    }
    return result;
  },
};

async function produce(redis: RedisClient, payload: Buffer, records: number): Promise<Throughput> {
  const window = new InFlightWindow(pipelinesInFlightMax);
  let added = 0;
  const start = process.hrtime.bigint();
  for (let first = 0; first < records; first += pipelineRecords) {
    const n = Math.min(pipelineRecords, records - first);
    await window.acquire();
    const pipeline = redis.pipeline();
    for (let i = 0; i < n; i++) pipeline.xadd(streamKey, '*', 'v', payload);
    pipeline.exec().then(
      (replies) => {
        const failed = replies?.find(([err]) => err !== null);
        if (!replies || failed) {
          window.fail(new Error(`XADD failed: ${failed ? errorMessage(failed[0]) : 'pipeline aborted'}`));
          return;
        }
        added += replies.length;
        window.release();
      },
      (err: unknown) => window.fail(new Error(`XADD pipeline failed: ${errorMessage(err)}`)),
    );
  }
  await window.drained();
  const seconds = secondsSince(start);
  if (added !== records) throw new Error(`sent ${records} XADDs but ${added} were acknowledged`);
  return throughput(records, payload.length, seconds);
}

async function consume(redis: RedisClient, opts: PeerRunOptions): Promise<Throughput> {
  let count = 0;
  let wrongSize = 0;
  let lastId = '0';
  const start = process.hrtime.bigint();
  while (count < opts.records) {
    const reply = await redis.xreadBuffer('COUNT', readRecordsMax, 'STREAMS', streamKey, lastId);
    const entries = reply?.[0]?.[1];
    if (!entries || entries.length === 0) break;
    for (const [, fields] of entries) {
      if (fields[1]?.length !== opts.recordBytes) wrongSize++;
    }
    count += entries.length;
    lastId = entries[entries.length - 1]![0].toString();
  }
  const seconds = secondsSince(start);
  if (count !== opts.records)
    throw new Error(`XREAD returned ${count} of ${opts.records} entries, then nothing more`);
  if (wrongSize > 0)
    throw new Error(`${wrongSize} of ${count} entries did not have a ${opts.recordBytes}-byte value`);
  return throughput(count, opts.recordBytes, seconds);
}
