/**
 * Index files hold no descriptor between calls: a LogManager's partitions cost one descriptor
 * per segment, and what goes through an index handle reaches the file as through a real one.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { nodeFs, type StorageFs } from '../../storage/fs.js';
import { LogManager } from '../../storage/log-manager.js';
import { transientIndexFds } from '../../storage/transient-index-fds.js';
import { makeBatch } from './fixtures/batches.js';

/** nodeFs that counts the descriptors it has open, by path. */
function countingFs(): { fs: StorageFs; open: Map<number, string> } {
  const open = new Map<number, string>();
  const fs: StorageFs = {
    ...nodeFs,
    openSync: (p, flags) => {
      const fd = nodeFs.openSync(p, flags);
      open.set(fd, p);
      return fd;
    },
    closeSync: (fd) => {
      nodeFs.closeSync(fd);
      open.delete(fd);
    },
  };
  return { fs, open };
}

t.test('an index handle writes, truncates and syncs its file without holding it open', async (t) => {
  const dir = t.testdir();
  const { fs: base, open } = countingFs();
  const fs = transientIndexFds(base);
  const path = join(dir, '00000000000000000000.index');
  const h = fs.openSync(path, 'w+');
  t.ok(h < 0, 'a handle, not a descriptor');
  t.equal(open.size, 0, 'nothing held after open');
  t.equal(statSync(path).size, 0, 'created at open');
  fs.ftruncateSync(h, 4096);
  t.equal(statSync(path).size, 4096, 'preallocated');
  t.equal(fs.writeSync(h, Buffer.from('abcd'), 0, 4, 8), 4);
  t.equal(fs.writeSync(h, Buffer.from('efgh'), 0, 4, 0), 4, 'positional writes keep their place');
  fs.fsyncSync(h);
  t.equal(fs.fstatSync(h).size, 4096);
  const back = Buffer.alloc(12);
  t.equal(fs.readSync(h, back, 0, 12, 0), 12);
  t.equal(back.toString('latin1'), 'efgh\0\0\0\0abcd');
  fs.ftruncateSync(h, 12);
  fs.closeSync(h);
  t.equal(open.size, 0, 'still nothing held');
  t.equal(readFileSync(path).toString('latin1'), 'efgh\0\0\0\0abcd');
  t.throws(() => fs.writeSync(h, Buffer.from('x'), 0, 1, 0), { code: 'EBADF' }, 'a closed handle is refused');
  t.throws(
    () => fs.openSync(join(dir, 'missing.timeindex'), 'r+'),
    { code: 'ENOENT' },
    'open errors surface at open',
  );
  const log = fs.openSync(join(dir, '00000000000000000000.log'), 'w+');
  t.ok(log >= 0 && open.size === 1, 'a .log file is held as before');
  fs.closeSync(log);
});

t.test('a log manager holds one descriptor per partition, and its indexes survive a restart', async (t) => {
  const dataDir = t.testdir();
  const { fs, open } = countingFs();
  const m = await LogManager.open({ dataDir, fs, loadParallelism: 2 });
  await m.createTopic('many', 20, { 'segment.bytes': '2048', 'segment.index.bytes': '4096' });
  const held = () => [...open.values()].filter((p) => p.startsWith(dataDir));
  t.equal(held().length, 20, 'one descriptor per partition');
  t.ok(
    held().every((p) => p.endsWith('.log')),
    'and it is the log',
  );
  const log = m.log('many', 7)!;
  for (let i = 0; i < 40; i++) log.append(makeBatch(3, 60)); // rolls several segments
  const segments = log.segmentCount;
  t.ok(segments > 2, `rolled into ${segments} segments`);
  t.equal(held().length, 19 + segments, 'one descriptor per segment');
  const lookedUp = log.read(50, 1_000_000, { maxOffset: log.logEndOffset, minOneBatch: true });
  await m.close();
  t.equal(held().length, 0, 'close releases everything');

  const m2 = await LogManager.open({ dataDir, fs });
  const again = m2.log('many', 7)!;
  t.equal(again.logEndOffset, 120);
  t.equal(again.recoveryReport.segmentsRecovered, 0, 'clean restart: indexes were complete');
  const reread = again.read(50, 1_000_000, { maxOffset: again.logEndOffset, minOneBatch: true });
  t.ok(reread.records.equals(lookedUp.records), 'reads through the reloaded indexes match');
  await m2.close();
});
