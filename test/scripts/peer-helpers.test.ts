import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { fixedPayload, InFlightWindow, throughput } from '../../scripts/bench/peers/measure.js';
import { parseNatsVersion } from '../../scripts/bench/peers/nats-jetstream.js';
import {
  findExecutable,
  freePort,
  parseVmRssKiB,
  pidAlive,
  rssMiB,
} from '../../scripts/bench/peers/peer-process.js';
import { parseRabbitVersion } from '../../scripts/bench/peers/rabbitmq-streams.js';
import { parseRedisVersion } from '../../scripts/bench/peers/redis-streams.js';

t.test('freePort gives a port that can then be listened on', async (t) => {
  const port = await freePort();
  t.ok(port > 0 && port < 65536);
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  t.equal((server.address() as { port: number }).port, port);
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

t.test('VmRSS is read from a status text, and from this process', async (t) => {
  t.equal(parseVmRssKiB('Name:\tnode\nVmPeak:\t  900 kB\nVmRSS:\t   51234 kB\nVmData:\t 1 kB\n'), 51234);
  t.equal(parseVmRssKiB('Name:\tzombie\nState:\tZ (zombie)\n'), undefined);
  const mib = rssMiB(process.pid);
  t.ok(mib !== undefined && mib > 1, `own RSS ${mib} MiB`);
  t.equal(rssMiB(2 ** 30), undefined, 'no such pid');
  t.ok(pidAlive(process.pid));
  t.notOk(pidAlive(2 ** 30));
});

t.test('findExecutable looks on the given PATH and checks the execute bit', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'peer-helpers-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'tool'), '#!/bin/sh\n');
  writeFileSync(join(dir, 'plain'), '');
  chmodSync(join(dir, 'tool'), 0o755);
  chmodSync(join(dir, 'plain'), 0o644);
  t.equal(findExecutable('tool', `/nonexistent:${dir}`), join(dir, 'tool'));
  t.equal(findExecutable('plain', dir), undefined);
  t.equal(findExecutable('tool', '/nonexistent'), undefined);
});

t.test('server versions are read from each --version output', async (t) => {
  t.equal(parseNatsVersion('nats-server: v2.9.10\n'), 'nats-server 2.9.10');
  t.equal(
    parseRedisVersion('Redis server v=7.0.15 sha=00000000:0 malloc=jemalloc-5.3.0 bits=64 build=ae4d'),
    'redis-server 7.0.15',
  );
  t.equal(parseRabbitVersion('3.10.8\n'), 'rabbitmq-server 3.10.8');
  t.equal(parseRabbitVersion('warning: something\n3.10.8\n'), 'rabbitmq-server 3.10.8');
  t.equal(parseNatsVersion('command not found'), undefined);
  t.equal(parseRedisVersion(''), undefined);
  t.equal(parseRabbitVersion('Error: unable to perform an operation'), undefined);
});

t.test('the payload is fixed, of the asked size, and not trivially compressible', async (t) => {
  const a = fixedPayload(100);
  t.equal(a.length, 100);
  t.same(fixedPayload(100), a);
  t.same(fixedPayload(1000).subarray(0, 100), a, 'a prefix of the same stream');
  t.ok(new Set(fixedPayload(1000)).size > 200, 'many distinct byte values');
  t.throws(() => fixedPayload(-1));
});

t.test('throughput figures', async (t) => {
  t.same(throughput(200_000, 100, 2), {
    records: 200_000,
    bytes: 20_000_000,
    seconds: 2,
    recordsPerSec: 100_000,
    mbPerSec: 10,
  });
  t.equal(throughput(10, 1, 0).recordsPerSec, 0, 'no division by zero');
});

t.test('InFlightWindow bounds what is in flight and passes a failure on', async (t) => {
  const w = new InFlightWindow(2);
  await w.acquire();
  await w.acquire();
  let third = false;
  const pending = w.acquire().then(() => {
    third = true;
  });
  await new Promise((r) => setImmediate(r));
  t.notOk(third, 'blocked while 2 are in flight');
  w.release();
  await pending;
  t.ok(third);
  t.equal(w.inFlight, 2);
  let drained = false;
  const draining = w.drained().then(() => {
    drained = true;
  });
  w.release(2);
  await draining;
  t.ok(drained);
  t.throws(() => w.release(), /only 0 in flight/);

  const f = new InFlightWindow(1);
  await f.acquire();
  const blocked = f.acquire();
  f.fail(new Error('server said no'));
  await t.rejects(blocked, /server said no/);
  await t.rejects(f.drained(), /server said no/);
  t.throws(() => new InFlightWindow(0));
});
