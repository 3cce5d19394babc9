import { join } from 'node:path';
import t from 'tap';
import { DEFAULT_LOG_CONFIG, parseLogConfig } from '../../storage/config.js';
import { PartitionLog } from '../../storage/partition-log.js';
import { type RetentionSegment, segmentsToDelete } from '../../storage/retention.js';
import { makeBatch } from './fixtures/batches.js';

const seg = (
  baseOffset: number,
  sizeBytes: number,
  endOffset: number,
  ts: number,
  isLast = false,
): RetentionSegment => ({
  baseOffset,
  sizeBytes,
  endOffset,
  isLast,
  largestTimestamp: () => ts,
});

t.test('segmentsToDelete', async (t) => {
  const segs = [seg(0, 100, 10, 1000), seg(10, 100, 20, 2000), seg(20, 100, 30, 3000, true)];
  const base = {
    now: 10_000,
    retentionMs: -1,
    retentionBytes: -1,
    deletePolicy: true,
    logStartOffset: 0,
    highWatermark: 30,
    totalBytes: 300,
  };
  t.equal(segmentsToDelete(segs, base).count, 0);
  t.same(segmentsToDelete(segs, { ...base, retentionMs: 7500 }), {
    count: 2,
    reasons: ['retention.ms', 'retention.ms'],
  });
  t.equal(
    segmentsToDelete(segs, { ...base, retentionMs: 1 }).count,
    3,
    'the active segment too (caller rolls)',
  );
  t.equal(
    segmentsToDelete(segs, { ...base, retentionMs: 1, highWatermark: 15 }).count,
    1,
    'never past the high watermark',
  );
  t.equal(segmentsToDelete(segs, { ...base, retentionBytes: 150 }).count, 1);
  t.equal(segmentsToDelete(segs, { ...base, retentionBytes: 100 }).count, 2);
  t.equal(segmentsToDelete(segs, { ...base, retentionBytes: 0 }).count, 3);
  t.same(segmentsToDelete(segs, { ...base, logStartOffset: 20 }), {
    count: 2,
    reasons: ['log-start-offset', 'log-start-offset'],
  });
  t.equal(
    segmentsToDelete(segs, { ...base, retentionMs: 1, deletePolicy: false }).count,
    0,
    'compact-only topics',
  );
  const emptyActive = [seg(0, 100, 10, 1000), seg(10, 0, 10, -1, true)];
  t.equal(
    segmentsToDelete(emptyActive, { ...base, retentionMs: 1, highWatermark: 10 }).count,
    1,
    'an empty active segment stays',
  );
});

t.test('retention.bytes and deleteRecordsBefore on a live log', async (t) => {
  const dir = join(t.testdir(), 't-0');
  const config = parseLogConfig(
    { 'segment.bytes': '1200', 'retention.bytes': '3000', 'retention.ms': '-1' },
    DEFAULT_LOG_CONFIG,
  );
  const log = await PartitionLog.open({ dir, topic: 't', partition: 0, config });
  for (let i = 0; i < 30; i++) log.append(makeBatch(1, 300), { leaderEpoch: i < 15 ? 0 : 1 });
  log.highWatermark = log.logEndOffset;
  const before = log.sizeBytes;
  const deleted = log.deleteOldSegments();
  t.ok(deleted > 0);
  t.ok(log.sizeBytes <= 3000 + 1200 && log.sizeBytes < before, `size ${log.sizeBytes}`);
  t.ok(log.logStartOffset > 0);
  t.equal(log.logStartOffset, log.segmentBaseOffsets[0]);
  t.equal(log.read(log.logStartOffset, 1000).firstOffset, log.logStartOffset);
  t.throws(() => log.deleteRecordsBefore(log.logEndOffset + 1), { code: 'OFFSET_OUT_OF_RANGE' });
  const target = log.logStartOffset + 3;
  t.equal(log.deleteRecordsBefore(target), target);
  t.equal(log.logStartOffset, target);
  t.throws(() => log.read(target - 1, 100), { code: 'OFFSET_OUT_OF_RANGE' });
  t.equal(log.read(target, 100).firstOffset, target);
  t.equal(log.leaderEpochEntries[0]!.startOffset <= target, true);
  log.deleteRecordsBefore(log.logEndOffset);
  t.equal(log.segmentCount, 1, 'only the active segment is left');
  t.equal(log.logStartOffset, 30);
  log.close();
});
