import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import {
  readEpochCheckpoint,
  readOffsetCheckpoint,
  writeEpochCheckpoint,
  writeFileAtomic,
  writeOffsetCheckpoint,
} from '../../storage/checkpoint.js';
import { offsetFileStem, parsePartitionDirName, parseSegmentFileName } from '../../storage/file-names.js';
import { faultyFs, nodeFs } from '../../storage/fs.js';
import { LeaderEpochCache } from '../../storage/leader-epoch-cache.js';
import { silentLogger } from '../../storage/logger.js';

t.test('offset checkpoints use Kafka text format and round-trip', async (t) => {
  const dir = t.testdir();
  const path = join(dir, 'recovery-point-offset-checkpoint');
  t.equal(readOffsetCheckpoint(nodeFs, path), undefined);
  writeOffsetCheckpoint(nodeFs, path, [
    { topic: 'a', partition: 0, offset: 10 },
    { topic: 'my-topic', partition: 12, offset: 2 ** 40 },
  ]);
  t.equal(readFileSync(path, 'utf8'), `0\n2\na 0 10\nmy-topic 12 ${2 ** 40}\n`);
  t.same(
    [...readOffsetCheckpoint(nodeFs, path)!],
    [
      ['a-0', 10],
      ['my-topic-12', 2 ** 40],
    ],
  );
  t.same(readdirSync(dir), ['recovery-point-offset-checkpoint'], 'no temp file left');
  for (const bad of ['1\n0\n', '0\n2\na 0 1\n', '0\nx\n', '0\n1\na 0\n', '0\n1\na 0 zz\n']) {
    writeFileSync(path, bad);
    t.throws(() => readOffsetCheckpoint(nodeFs, path), { code: 'CORRUPT_CHECKPOINT' }, JSON.stringify(bad));
  }
});

t.test('a failed atomic write leaves the previous file intact', async (t) => {
  const dir = t.testdir();
  const path = join(dir, 'leader-epoch-checkpoint');
  writeEpochCheckpoint(nodeFs, path, [{ epoch: 1, startOffset: 0 }]);
  const failing = faultyFs(nodeFs, (op) => (op === 'fsyncSync' ? 'EIO' : undefined));
  t.throws(() => writeEpochCheckpoint(failing, path, [{ epoch: 2, startOffset: 5 }]), { code: 'STORAGE_IO' });
  t.same(readEpochCheckpoint(nodeFs, path), [{ epoch: 1, startOffset: 0 }]);
  const failRename = faultyFs(nodeFs, (op) => (op === 'renameSync' ? 'ENOSPC' : undefined));
  t.throws(() => writeFileAtomic(failRename, path, Buffer.from('x')), {
    code: 'STORAGE_IO',
    errno: 'ENOSPC',
  });
  t.same(readEpochCheckpoint(nodeFs, path), [{ epoch: 1, startOffset: 0 }]);
});

t.test('leader epoch cache (Kafka semantics)', async (t) => {
  const dir = t.testdir();
  const c = new LeaderEpochCache(nodeFs, dir, silentLogger);
  c.load();
  t.same(c.endOffsetFor(0, 0), { epoch: -1, endOffset: -1 });
  c.assign(2, 10);
  c.assign(2, 15); // same epoch: ignored
  c.assign(1, 20); // older epoch: ignored
  c.assign(4, 30);
  c.assign(6, 50);
  t.same(c.all, [
    { epoch: 2, startOffset: 10 },
    { epoch: 4, startOffset: 30 },
    { epoch: 6, startOffset: 50 },
  ]);
  t.same(c.endOffsetFor(6, 77), { epoch: 6, endOffset: 77 });
  t.same(c.endOffsetFor(4, 77), { epoch: 4, endOffset: 50 });
  t.same(c.endOffsetFor(5, 77), { epoch: 4, endOffset: 50 });
  t.same(c.endOffsetFor(3, 77), { epoch: 2, endOffset: 30 });
  t.same(c.endOffsetFor(1, 77), { epoch: 1, endOffset: 10 });
  t.same(c.endOffsetFor(7, 77), { epoch: -1, endOffset: -1 });
  t.same(c.endOffsetFor(-1, 77), { epoch: -1, endOffset: -1 });
  const c2 = new LeaderEpochCache(nodeFs, dir, silentLogger);
  c2.load();
  t.same(c2.all, c.all, 'persisted');
  t.equal(readFileSync(join(dir, 'leader-epoch-checkpoint'), 'utf8'), '0\n3\n2 10\n4 30\n6 50\n');
  c2.truncateFromEnd(30);
  t.same(c2.all, [{ epoch: 2, startOffset: 10 }]);
  c2.assign(7, 40);
  c2.truncateFromStart(45);
  t.same(c2.all, [{ epoch: 7, startOffset: 45 }]);
  c2.assign(8, 45); // same start offset: supersedes
  t.same(c2.all, [{ epoch: 8, startOffset: 45 }]);
  writeFileSync(join(dir, 'leader-epoch-checkpoint'), 'garbage');
  const c3 = new LeaderEpochCache(nodeFs, dir, silentLogger);
  c3.load();
  t.same(c3.all, [], 'a corrupt checkpoint is ignored (recovery rebuilds it)');
  t.ok(existsSync(join(dir, 'leader-epoch-checkpoint')));
});

t.test('file names', async (t) => {
  t.equal(offsetFileStem(42), '00000000000000000042');
  t.equal(parseSegmentFileName('00000000000000000042.log', '.log'), 42);
  t.equal(parseSegmentFileName('0042.log', '.log'), undefined);
  t.equal(parseSegmentFileName('00000000000000000042.index', '.log'), undefined);
  t.same(parsePartitionDirName('my-topic-3'), { topic: 'my-topic', partition: 3 });
  t.equal(parsePartitionDirName('topic'), undefined);
  t.equal(parsePartitionDirName('t-0.123-delete'), undefined);
  t.equal(parsePartitionDirName('-1'), undefined);
});
