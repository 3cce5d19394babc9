import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { scanBatches } from '../../protocol/record-batch.js';
import { DEFAULT_LOG_CONFIG, parseLogConfig } from '../../storage/config.js';
import { StorageIoError } from '../../storage/errors.js';
import { type FsOp, faultyFs, nodeFs } from '../../storage/fs.js';
import { LogManager } from '../../storage/log-manager.js';
import { PartitionLog } from '../../storage/partition-log.js';
import { makeBatch } from './fixtures/batches.js';

function switchableFs(shortWriteBytes = 0) {
  const state: { errno: string | undefined; ops: FsOp[]; pathMatch: RegExp } = {
    errno: undefined,
    ops: ['writeSync'],
    pathMatch: /\.log$/,
  };
  const fs = faultyFs(
    nodeFs,
    (op, path) =>
      state.errno && state.ops.includes(op) && state.pathMatch.test(path) ? state.errno : undefined,
    { shortWriteBytes },
  );
  return { fs, state };
}

for (const errno of ['ENOSPC', 'EIO']) {
  t.test(`${errno} on append: typed error, partition offline, no garbage written`, async (t) => {
    const dir = join(t.testdir(), 't-0');
    const { fs, state } = switchableFs(100);
    const offline: string[] = [];
    const log = await PartitionLog.open({
      dir,
      topic: 't',
      partition: 0,
      config: DEFAULT_LOG_CONFIG,
      fs,
      onOffline: (_l, err) => offline.push(err.code),
    });
    const good = [makeBatch(3, 100), makeBatch(2, 100)];
    for (const b of good) log.append(b);
    const file = join(dir, '00000000000000000000.log');
    const sizeBefore = statSync(file).size;
    state.errno = errno;
    const err = t.throws(() => log.append(makeBatch(5, 1000))) as unknown;
    t.ok(err instanceof StorageIoError, 'a StorageIoError');
    t.equal((err as StorageIoError).code, 'STORAGE_IO');
    t.equal((err as StorageIoError).errno, errno);
    t.equal(log.online, false);
    t.same(offline, ['STORAGE_IO']);
    t.equal(statSync(file).size, sizeBefore, 'the partial write was truncated away');
    state.errno = undefined;
    t.throws(() => log.append(makeBatch(1, 10)), { code: 'PARTITION_OFFLINE' });
    t.throws(() => log.read(0, 1000), { code: 'PARTITION_OFFLINE' });
    t.throws(() => log.flush(), { code: 'PARTITION_OFFLINE' });
    t.equal(log.logEndOffset, 5, 'log end did not move');
    log.close();
    const bytes = readFileSync(file);
    t.same(bytes, Buffer.concat(good), 'the file holds exactly the acknowledged batches');
    const again = await PartitionLog.open({ dir, topic: 't', partition: 0, config: DEFAULT_LOG_CONFIG });
    t.equal(again.logEndOffset, 5);
    t.equal(again.recoveryReport.truncatedBytes, 0);
    again.close();
  });
}

t.test('EIO on fsync (flush.messages=1) and on reads', async (t) => {
  const dir = join(t.testdir(), 't-0');
  const { fs, state } = switchableFs();
  const config = parseLogConfig({ 'flush.messages': '1' }, DEFAULT_LOG_CONFIG);
  const log = await PartitionLog.open({ dir, topic: 't', partition: 0, config, fs });
  log.append(makeBatch(1, 10));
  state.ops = ['fsyncSync'];
  state.errno = 'EIO';
  t.throws(() => log.append(makeBatch(1, 10)), { code: 'STORAGE_IO', errno: 'EIO' });
  t.equal(log.online, false);
  log.close();

  const dir2 = join(t.testdir(), 't-1');
  const f2 = switchableFs();
  const log2 = await PartitionLog.open({
    dir: dir2,
    topic: 't',
    partition: 1,
    config: DEFAULT_LOG_CONFIG,
    fs: f2.fs,
  });
  log2.append(makeBatch(1, 10));
  f2.state.ops = ['readSync'];
  f2.state.errno = 'EIO';
  t.throws(() => log2.read(0, 1000), { code: 'STORAGE_IO' });
  t.equal(log2.online, false);
  log2.close();
});

t.test('ENOSPC writing an index entry or rolling takes the partition offline', async (t) => {
  const dir = join(t.testdir(), 't-0');
  const { fs, state } = switchableFs();
  const config = parseLogConfig(
    { 'segment.bytes': '2000', 'index.interval.bytes': '100' },
    DEFAULT_LOG_CONFIG,
  );
  const log = await PartitionLog.open({ dir, topic: 't', partition: 0, config, fs });
  log.append(makeBatch(1, 300));
  state.pathMatch = /\.(index|timeindex)$/;
  state.ops = ['writeSync', 'openSync', 'ftruncateSync'];
  state.errno = 'ENOSPC';
  let failedAt = -1;
  for (let i = 0; i < 20 && failedAt < 0; i++) {
    try {
      log.append(makeBatch(1, 300));
    } catch (err) {
      t.equal((err as StorageIoError).code, 'STORAGE_IO');
      failedAt = i;
    }
  }
  t.ok(failedAt >= 0, `failed on append ${failedAt}`);
  t.equal(log.online, false);
  log.close();
  // whatever reached the log is valid, and recovery rebuilds the indexes
  const again = await PartitionLog.open({ dir, topic: 't', partition: 0, config });
  const s = scanBatches(again.dumpBytes());
  t.equal(s.error, undefined);
  t.ok(again.logEndOffset >= 1);
  again.close();
});

t.test(
  'LogManager: a failing partition goes offline, the others keep working; no clean marker',
  async (t) => {
    const dataDir = t.testdir();
    const { fs, state } = switchableFs();
    const m = await LogManager.open({ dataDir, fs });
    await m.createTopic('a', 2);
    m.log('a', 0)!.append(makeBatch(1, 10));
    state.pathMatch = /a-1\/.*\.log$/;
    state.errno = 'ENOSPC';
    t.throws(() => m.log('a', 1)!.append(makeBatch(1, 10)), { code: 'STORAGE_IO' });
    t.equal(m.log('a', 1)!.online, false);
    t.equal(m.log('a', 0)!.append(makeBatch(1, 10)).firstOffset, 1);
    await m.close();
    state.errno = undefined;
    const logs: string[] = [];
    const m2 = await LogManager.open({
      dataDir,
      log: { info: (_o, msg) => logs.push(msg), warn: () => {}, error: () => {} },
    });
    t.ok(logs.some((l) => /loaded partition logs/.test(l)));
    t.equal(m2.log('a', 0)!.logEndOffset, 2);
    t.ok(m2.log('a', 0)!.recoveryReport.hadCleanShutdown === false, 'recovered (no clean-shutdown marker)');
    await m2.close();
  },
);
