import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { decodeRecordBatches, readBatchHeader, scanBatches } from '../../protocol/record-batch.js';
import { DEFAULT_LOG_CONFIG, type LogConfig, parseLogConfig } from '../../storage/config.js';
import { PartitionLog } from '../../storage/partition-log.js';
import { makeBatch, prng, seedFromEnv } from './fixtures/batches.js';

const cfg = (over: Record<string, string> = {}): LogConfig => parseLogConfig(over, DEFAULT_LOG_CONFIG);

async function openLog(
  dir: string,
  config: LogConfig,
  extra: Partial<Parameters<typeof PartitionLog.open>[0]> = {},
) {
  return PartitionLog.open({ dir, topic: 't', partition: 0, config, ...extra });
}

t.test('append assigns offsets in place and read returns the stored bytes', async (t) => {
  const dir = join(t.testdir(), 't-0');
  const log = await openLog(dir, cfg());
  t.equal(log.logStartOffset, 0);
  t.equal(log.logEndOffset, 0);
  const b1 = makeBatch(3, 10);
  const r1 = log.append(b1, { leaderEpoch: 4 });
  t.same(r1, { firstOffset: 0, lastOffset: 2, recordCount: 3, logAppendTimeMs: -1 });
  t.equal(readBatchHeader(b1).baseOffset, 0);
  t.equal(readBatchHeader(b1).partitionLeaderEpoch, 4);
  const b2 = makeBatch(2, 10);
  const r2 = log.append(b2, { leaderEpoch: 4 });
  t.equal(r2.firstOffset, 3);
  t.equal(readBatchHeader(b2).baseOffset, 3, 'baseOffset written into the caller buffer');
  t.equal(log.logEndOffset, 5);
  const all = log.read(0, 1 << 20);
  t.same(all.records, Buffer.concat([b1, b2]));
  t.equal(all.firstOffset, 0);
  const mid = log.read(4, 1 << 20);
  t.equal(mid.firstOffset, 3, 'whole batch containing offset 4');
  t.same(mid.records, b2);
  t.equal(log.read(5, 100).records.length, 0, 'read at log end is empty');
  t.throws(() => log.read(6, 100), { code: 'OFFSET_OUT_OF_RANGE' });
  t.throws(() => log.read(-1, 100), { code: 'OFFSET_OUT_OF_RANGE' });
  // maxOffset (high watermark) excludes batches starting at/after it
  t.same(log.read(0, 1 << 20, { maxOffset: 3 }).records, b1);
  t.equal(log.read(3, 1 << 20, { maxOffset: 3 }).records.length, 0);
  // maxBytes smaller than one batch: one whole batch (minOneBatch) or nothing
  t.same(log.read(0, 10).records, b1);
  t.equal(log.read(0, 10, { minOneBatch: false }).records.length, 0);
  t.same(log.read(0, b1.length + 5).records, b1, 'never a partial batch');
  t.same(log.endOffsetForEpoch(4), { epoch: 4, endOffset: 5 });
  log.close();
  t.ok(existsSync(join(dir, '00000000000000000000.log')));
  t.ok(existsSync(join(dir, 'leader-epoch-checkpoint')));
});

t.test('append validation rejects bad input and changes nothing', async (t) => {
  const dir = join(t.testdir(), 't-0');
  const log = await openLog(dir, cfg({ 'max.message.bytes': '2000' }));
  log.append(makeBatch(1, 10));
  const size = log.sizeBytes;
  const good = makeBatch(1, 10);
  const badCrc = Buffer.from(good);
  badCrc[badCrc.length - 1]! ^= 1;
  t.throws(() => log.append(Buffer.concat([good, badCrc])), {
    code: 'INVALID_BATCH',
    reason: 'BATCH_BAD_CRC',
  });
  t.equal(readBatchHeader(good).baseOffset, 0, 'the good batch of a rejected append is not modified');
  t.throws(() => log.append(good.subarray(0, 40)), { code: 'INVALID_BATCH', reason: 'BATCH_TRUNCATED' });
  t.throws(() => log.append(makeBatch(1, 3000)), { code: 'RECORD_TOO_LARGE' });
  const nonZero = makeBatch(1, 10);
  nonZero.writeInt32BE(7, 4);
  t.throws(() => log.append(nonZero), { code: 'INVALID_BATCH', reason: 'NONZERO_BASE_OFFSET' });
  t.throws(() => log.append(Buffer.alloc(0)), { code: 'INVALID_BATCH' });
  const magic = Buffer.from(good);
  magic[16] = 1;
  t.throws(() => log.append(magic), { code: 'INVALID_BATCH', reason: 'BATCH_BAD_MAGIC' });
  t.equal(log.sizeBytes, size);
  t.equal(log.logEndOffset, 1);
  // replica path keeps offsets, which must not go backwards
  const rep = makeBatch(2, 10);
  rep.writeInt32BE(0, 0);
  rep.writeInt32BE(10, 4);
  t.same(log.append(rep, { assignOffsets: false }), {
    firstOffset: 10,
    lastOffset: 11,
    recordCount: 2,
    logAppendTimeMs: -1,
  });
  t.equal(log.logEndOffset, 12);
  t.throws(() => log.append(rep, { assignOffsets: false }), { code: 'INVALID_APPEND_OFFSET' });
  t.same(
    decodeRecordBatches(log.read(0, 1 << 20).records).map((b) => b.header.baseOffset),
    [0, 10],
  );
  log.close();
});

t.test(
  'segments roll on size, index entries every index.interval.bytes, reads across segments',
  async (t) => {
    const dir = join(t.testdir(), 't-0');
    const config = cfg({ 'segment.bytes': String(20 * 1024), 'index.interval.bytes': '1000' });
    const log = await openLog(dir, config);
    const batches: Buffer[] = [];
    for (let i = 0; i < 100; i++) {
      const b = makeBatch(1 + (i % 5), 100, { timestamp: 1_000_000 + i * 10 });
      log.append(b);
      batches.push(b);
    }
    t.ok(log.segmentCount > 1, `rolled into ${log.segmentCount} segments`);
    const files = readdirSync(dir).sort();
    t.ok(files.includes('00000000000000000000.index'));
    // non-active segments' indexes are trimmed to their entries
    const firstIndex = statSync(join(dir, '00000000000000000000.index')).size;
    t.ok(
      firstIndex > 0 && firstIndex % 8 === 0 && firstIndex < 10 * 1024 * 1024,
      `trimmed index ${firstIndex} bytes`,
    );
    // every offset resolves to the batch containing it
    let offset = 0;
    for (const b of batches) {
      const h = readBatchHeader(b);
      for (let o = h.baseOffset; o <= h.lastOffset; o++) {
        const r = log.read(o, 1);
        if (!r.records.equals(b)) {
          t.fail(`offset ${o} read the wrong batch`);
          return;
        }
      }
      offset = h.lastOffset + 1;
    }
    t.equal(log.logEndOffset, offset);
    const everything: Buffer[] = [];
    let pos = 0;
    while (pos < log.logEndOffset) {
      const r = log.read(pos, 1 << 20);
      everything.push(r.records);
      const s = scanBatches(r.records);
      pos = s.batches[s.batches.length - 1]!.lastOffset + 1;
    }
    t.same(Buffer.concat(everything), Buffer.concat(batches));
    // offsetForTimestamp: first record with timestamp >= ts
    t.same(log.offsetForTimestamp(1_000_000 + 505), {
      offset: readBatchHeader(batches[51]!).baseOffset,
      timestamp: 1_000_510,
    });
    t.same(log.offsetForTimestamp(0), { offset: 0, timestamp: 1_000_000 });
    t.equal(log.offsetForTimestamp(2_000_000), undefined);
    log.close();
    // reopen (clean): same state, indexes loaded lazily
    const again = await openLog(dir, config, { hadCleanShutdown: true });
    t.equal(again.logEndOffset, offset);
    t.same(
      again.read(0, 1 << 20).records,
      log.dumpBytes().subarray(0, again.read(0, 1 << 20).records.length),
    );
    t.same(again.offsetForTimestamp(1_000_000 + 505)?.timestamp, 1_000_510);
    again.append(makeBatch(1, 10));
    t.equal(again.logEndOffset, offset + 1);
    again.close();
  },
);

t.test('roll on segment.ms, full index, and relative-offset overflow', async (t) => {
  let now = 1_000_000;
  const dir = join(t.testdir(), 't-0');
  const log = await openLog(dir, cfg({ 'segment.ms': '1000' }), { now: () => now });
  log.append(makeBatch(1, 10, { timestamp: now }));
  log.append(makeBatch(1, 10, { timestamp: now + 500 }));
  t.equal(log.segmentCount, 1);
  now += 2000;
  log.append(makeBatch(1, 10, { timestamp: now }));
  t.equal(log.segmentCount, 2, 'rolled by age');
  log.close();

  const dir2 = join(t.testdir(), 't-1');
  const log2 = await openLog(dir2, cfg({ 'segment.index.bytes': '24', 'index.interval.bytes': '0' }));
  for (let i = 0; i < 10; i++) log2.append(makeBatch(1, 10));
  t.ok(log2.segmentCount >= 3, `rolled on full index (${log2.segmentCount} segments)`);
  log2.close();

  const dir3 = join(t.testdir(), 't-2');
  const log3 = await openLog(dir3, cfg());
  log3.append(makeBatch(1, 10));
  const far = makeBatch(1, 10);
  far.writeInt32BE(0, 0);
  far.writeUInt32BE(2 ** 31 + 5, 4);
  log3.append(far, { assignOffsets: false });
  t.same(log3.segmentBaseOffsets, [0, 2 ** 31 + 5], 'rolled on relative offset overflow');
  t.equal(log3.read(2 ** 31 + 5, 1000).firstOffset, 2 ** 31 + 5);
  log3.close();
});

t.test('LogAppendTime topics stamp maxTimestamp and return it', async (t) => {
  const dir = join(t.testdir(), 't-0');
  const log = await openLog(dir, cfg({ 'message.timestamp.type': 'LogAppendTime' }), { now: () => 42_000 });
  const b = makeBatch(2, 5, { timestamp: 1 });
  t.equal(log.append(b).logAppendTimeMs, 42_000);
  const d = decodeRecordBatches(log.read(0, 1000).records)[0]!;
  t.equal(d.header.timestampType, 'LogAppendTime');
  t.equal(d.records[1]!.timestamp, 42_000);
  log.close();
});

t.test('truncateTo, truncateFullyAndStartAt and the leader epoch cache', async (t) => {
  const dir = join(t.testdir(), 't-0');
  const log = await openLog(dir, cfg({ 'segment.bytes': '2000' }));
  for (let i = 0; i < 30; i++) log.append(makeBatch(2, 50), { leaderEpoch: i < 10 ? 1 : i < 20 ? 3 : 5 });
  t.same(log.leaderEpochEntries, [
    { epoch: 1, startOffset: 0 },
    { epoch: 3, startOffset: 20 },
    { epoch: 5, startOffset: 40 },
  ]);
  t.same(log.endOffsetForEpoch(1), { epoch: 1, endOffset: 20 });
  t.same(log.endOffsetForEpoch(2), { epoch: 1, endOffset: 20 });
  t.same(log.endOffsetForEpoch(3), { epoch: 3, endOffset: 40 });
  t.same(log.endOffsetForEpoch(5), { epoch: 5, endOffset: 60 });
  t.same(log.endOffsetForEpoch(0), { epoch: 0, endOffset: 0 });
  t.same(log.endOffsetForEpoch(9), { epoch: -1, endOffset: -1 });
  const segsBefore = log.segmentCount;
  log.highWatermark = 100;
  t.equal(log.highWatermark, 60, 'high watermark clamped to the log end');
  log.truncateTo(30);
  t.equal(log.logEndOffset, 30);
  t.equal(log.highWatermark, 30);
  t.ok(log.segmentCount < segsBefore);
  t.same(log.leaderEpochEntries, [
    { epoch: 1, startOffset: 0 },
    { epoch: 3, startOffset: 20 },
  ]);
  t.same(log.endOffsetForEpoch(3), { epoch: 3, endOffset: 30 });
  log.truncateTo(31); // mid nothing: no-op beyond end
  t.equal(log.logEndOffset, 30);
  log.truncateTo(25); // inside a 2-record batch [24, 25]: the whole batch goes
  t.equal(log.logEndOffset, 24);
  const r = log.append(makeBatch(1, 10), { leaderEpoch: 7 });
  t.equal(r.firstOffset, 24);
  t.same(scanBatches(log.read(0, 1 << 20).records).batches.length > 0, true);
  log.truncateFullyAndStartAt(1000);
  t.equal(log.logStartOffset, 1000);
  t.equal(log.logEndOffset, 1000);
  t.same(log.segmentBaseOffsets, [1000]);
  t.same(log.leaderEpochEntries, []);
  t.equal(log.append(makeBatch(1, 10)).firstOffset, 1000);
  log.close();
  const again = await openLog(dir, cfg({ 'segment.bytes': '2000' }), {
    hadCleanShutdown: true,
    logStartOffset: 1000,
  });
  t.equal(again.logStartOffset, 1000);
  t.equal(again.logEndOffset, 1001);
  again.close();
});

t.test('random appends, reads and reopen (property)', async (t) => {
  const seed = seedFromEnv();
  t.comment(`seed ${seed}`);
  const rnd = prng(seed);
  const dir = join(t.testdir(), 't-0');
  const config = cfg({
    'segment.bytes': String(10_000 + Math.floor(rnd() * 20_000)),
    'index.interval.bytes': String(Math.floor(rnd() * 2000)),
  });
  let log = await openLog(dir, config);
  const stored: Buffer[] = [];
  for (let i = 0; i < 400; i++) {
    const n = 1 + Math.floor(rnd() * 3);
    const parts: Buffer[] = [];
    for (let k = 0; k < n; k++) {
      parts.push(
        makeBatch(1 + Math.floor(rnd() * 10), Math.floor(rnd() * 300), {
          rnd,
          compression: rnd() < 0.2 ? 'gzip' : 'none',
        }),
      );
    }
    const buf = Buffer.concat(parts);
    log.append(buf);
    stored.push(buf);
    if (rnd() < 0.02) {
      log.close();
      log = await openLog(dir, config, { hadCleanShutdown: rnd() < 0.5, recoveryPoint: log.recoveryPoint });
    }
  }
  const expected = Buffer.concat(stored);
  t.same(log.dumpBytes(), expected, `(seed ${seed})`);
  const batches = scanBatches(expected).batches;
  for (let i = 0; i < 200; i++) {
    const b = batches[Math.floor(rnd() * batches.length)]!;
    const o = b.baseOffset + Math.floor(rnd() * (b.lastOffset - b.baseOffset + 1));
    const r = log.read(o, Math.floor(rnd() * 5000));
    if (
      r.firstOffset !== b.baseOffset ||
      !r.records.subarray(0, b.sizeInBytes).equals(expected.subarray(b.position, b.position + b.sizeInBytes))
    ) {
      t.fail(`read at ${o} (seed ${seed})`);
      return;
    }
  }
  t.pass('random reads');
  log.close();
});

t.test('sequential reads after truncation and re-append see the new batches', async (t) => {
  const dir = join(t.testdir(), 't-0');
  const log = await openLog(dir, cfg());
  const a = [makeBatch(2, 10), makeBatch(2, 10), makeBatch(2, 10)];
  for (const b of a) log.append(b);
  t.same(log.read(0, a[0]!.length).records, a[0]);
  t.same(log.read(2, a[1]!.length).records, a[1], 'sequential read continues at the next batch');
  log.truncateTo(2);
  const b = makeBatch(3, 20, { tag: 'new' });
  log.append(b);
  const r = log.read(2, 1 << 20);
  t.equal(r.firstOffset, 2);
  t.same(r.records, b, 'not the stale position of the old batch');
  t.same(log.read(0, 1 << 20).records, Buffer.concat([a[0]!, b]));
  log.close();
});
