import { createRequire } from 'node:module';
import t from 'tap';
import { crc32c } from '../../protocol/crc32c.js';
import {
  BASE_SEQUENCE_OFFSET,
  batchLastOffset,
  CRC_OFFSET,
  decodeRecordBatch,
  decodeRecordBatches,
  encodeRecordBatch,
  iterateBatches,
  MAX_TIMESTAMP_OFFSET,
  PRODUCER_ID_OFFSET,
  RECORDS_COUNT_OFFSET,
  RECORDS_OFFSET,
  type RecordInput,
  readBatchHeader,
  scanBatches,
  setBaseOffset,
  setLogAppendTime,
  setPartitionLeaderEpoch,
  validateBatch,
  writeInt64,
} from '../../protocol/record-batch.js';
import { RecordBatchError } from '../../protocol/record-batch-errors.js';
import { prng, randomBytes, seedFromEnv } from '../storage/fixtures/batches.js';

const require = createRequire(import.meta.url);

t.test('layout constants match Kafka', async (t) => {
  t.equal(RECORDS_OFFSET, 61);
  t.equal(CRC_OFFSET, 17);
  t.equal(MAX_TIMESTAMP_OFFSET, 35);
  t.equal(PRODUCER_ID_OFFSET, 43);
  t.equal(BASE_SEQUENCE_OFFSET, 53);
  t.equal(RECORDS_COUNT_OFFSET, 57);
});

t.test('encode / header view / decode round trip', async (t) => {
  const b = encodeRecordBatch({
    records: [
      { key: 'k0', value: 'v0', timestamp: 1000, headers: [{ key: 'h', value: 'x' }] },
      { key: null, value: null, timestamp: 1005 },
      { key: Buffer.alloc(0), value: 'third', timestamp: 990, headers: [{ key: 'n', value: null }] },
    ],
    producerId: 2 ** 40 + 5,
    producerEpoch: 3,
    baseSequence: 17,
    partitionLeaderEpoch: 9,
    baseOffset: 0,
    transactional: true,
  });
  const h = readBatchHeader(b, 0);
  t.equal(h.magic, 2);
  t.equal(h.sizeInBytes, b.length);
  t.equal(h.recordsCount, 3);
  t.equal(h.lastOffsetDelta, 2);
  t.equal(h.baseTimestamp, 1000);
  t.equal(h.maxTimestamp, 1005);
  t.equal(h.producerId, 2 ** 40 + 5);
  t.equal(h.producerEpoch, 3);
  t.equal(h.baseSequence, 17);
  t.equal(h.partitionLeaderEpoch, 9);
  t.equal(h.isTransactional, true);
  t.equal(h.isControl, false);
  t.equal(h.crc, crc32c(b, 21, b.length));
  const d = decodeRecordBatch(b);
  t.equal(d.records.length, 3);
  t.same(d.records[0]!.key, Buffer.from('k0'));
  t.same(d.records[0]!.headers, [{ key: 'h', value: Buffer.from('x') }]);
  t.equal(d.records[1]!.key, null);
  t.equal(d.records[1]!.value, null);
  t.equal(d.records[2]!.timestamp, 990);
  t.same(d.records[2]!.key, Buffer.alloc(0));
  t.same(d.records[2]!.headers, [{ key: 'n', value: null }]);
  t.same(
    d.records.map((r) => r.offset),
    [0, 1, 2],
  );
});

t.test('in-place writers stay outside the CRC; LogAppendTime re-CRCs', async (t) => {
  const b = encodeRecordBatch({ records: [{ value: 'a' }, { value: 'b' }], now: 5 });
  const crc = readBatchHeader(b).crc;
  setBaseOffset(b, 0, 2 ** 50);
  setPartitionLeaderEpoch(b, 0, 77);
  const h = readBatchHeader(b);
  t.equal(h.baseOffset, 2 ** 50);
  t.equal(h.partitionLeaderEpoch, 77);
  t.equal(h.crc, crc);
  t.ok(validateBatch(b, 0).ok);
  t.equal(batchLastOffset(b, 0), 2 ** 50 + 1);
  t.same(
    decodeRecordBatch(b).records.map((r) => r.offset),
    [2 ** 50, 2 ** 50 + 1],
  );
  setLogAppendTime(b, 0, 123456);
  t.ok(validateBatch(b, 0).ok, 'CRC recomputed');
  const d = decodeRecordBatch(b);
  t.equal(d.header.timestampType, 'LogAppendTime');
  t.same(
    d.records.map((r) => r.timestamp),
    [123456, 123456],
  );
});

t.test('validateBatch reports structured errors', async (t) => {
  const good = encodeRecordBatch({ records: [{ value: 'x' }, { value: 'y' }] });
  const code = (buf: Buffer, opts = {}): string => {
    const r = validateBatch(buf, 0, opts);
    return r.ok ? 'ok' : r.error.code;
  };
  t.equal(code(good), 'ok');
  t.equal(code(good.subarray(0, 10)), 'BATCH_TRUNCATED');
  t.equal(code(good.subarray(0, good.length - 1)), 'BATCH_TRUNCATED');
  const badMagic = Buffer.from(good);
  badMagic[16] = 1;
  t.equal(code(badMagic), 'BATCH_BAD_MAGIC');
  const badCrc = Buffer.from(good);
  badCrc[good.length - 1]! ^= 0x10;
  t.equal(code(badCrc), 'BATCH_BAD_CRC');
  t.equal(code(badCrc, { verifyCrc: false }), 'ok');
  const badCount = Buffer.from(good);
  badCount.writeInt32BE(5, RECORDS_COUNT_OFFSET);
  badCount.writeUInt32BE(crc32c(badCount, 21, badCount.length), CRC_OFFSET);
  t.equal(code(badCount), 'BATCH_COUNT_MISMATCH');
  t.equal(code(badCount, { checkRecordsCount: false }), 'ok');
  t.equal(code(good, { batchBytesMax: good.length - 1 }), 'BATCH_TOO_LARGE');
  const badLen = Buffer.from(good);
  badLen.writeInt32BE(10, 8);
  t.equal(code(badLen), 'BATCH_BAD_LENGTH');
  const bigOffset = Buffer.from(good);
  bigOffset.writeInt32BE(0x7fffffff, 0);
  t.equal(code(bigOffset), 'BATCH_BAD_OFFSET');
  const zeros = Buffer.alloc(100);
  t.equal(code(zeros), 'BATCH_BAD_MAGIC');
  t.equal(validateBatch(good, 0, { end: 5 }).ok, false);
});

t.test('scanBatches / iterateBatches over concatenated batches', async (t) => {
  const a = encodeRecordBatch({ records: [{ value: '1' }] });
  const b = encodeRecordBatch({ records: [{ value: '2' }, { value: '3' }] });
  setBaseOffset(b, 0, 1);
  const all = Buffer.concat([a, b]);
  const s = scanBatches(all);
  t.equal(s.batches.length, 2);
  t.equal(s.validBytes, all.length);
  t.equal(s.error, undefined);
  t.same(
    [...iterateBatches(all)].map((h) => h.baseOffset),
    [0, 1],
  );
  const torn = Buffer.concat([a, b.subarray(0, 30)]);
  const s2 = scanBatches(torn);
  t.equal(s2.validBytes, a.length);
  t.equal(s2.error?.code, 'BATCH_TRUNCATED');
  t.equal(s2.error?.position, a.length);
  t.throws(() => [...iterateBatches(torn)], RecordBatchError);
  t.same(
    decodeRecordBatches(all).flatMap((d) => d.records.map((r) => r.value?.toString())),
    ['1', '2', '3'],
  );
});

t.test('decoder rejects corrupt records and huge counts without allocating', async (t) => {
  const good = encodeRecordBatch({ records: [{ value: 'x' }] });
  const bad = Buffer.from(good);
  bad.writeInt32BE(2 ** 30, RECORDS_COUNT_OFFSET);
  bad.writeInt32BE(2 ** 30 - 1, 23);
  bad.writeUInt32BE(crc32c(bad, 21, bad.length), CRC_OFFSET);
  t.throws(() => decodeRecordBatch(bad), { code: 'BATCH_CORRUPT_RECORDS' });
  const bad2 = Buffer.from(good);
  bad2[RECORDS_OFFSET] = 0x7e; // record length 63: overruns
  bad2.writeUInt32BE(crc32c(bad2, 21, bad2.length), CRC_OFFSET);
  t.throws(() => decodeRecordBatch(bad2), { code: 'BATCH_CORRUPT_RECORDS' });
  t.throws(() => encodeRecordBatch({ records: [] }), { code: 'BATCH_INVALID_ARGUMENT' });
  const x = Buffer.alloc(8);
  t.throws(() => writeInt64(x, 0, 2 ** 60), { code: 'BATCH_INVALID_ARGUMENT' });
});

t.test('gzip batches and the decompression bound', async (t) => {
  const records: RecordInput[] = [];
  for (let i = 0; i < 200; i++) records.push({ key: `k${i}`, value: 'v'.repeat(500), timestamp: 10 + i });
  const z = encodeRecordBatch({ records, compression: 'gzip' });
  t.equal(readBatchHeader(z).compression, 1);
  t.ok(z.length < 20_000, 'compressed');
  const d = decodeRecordBatch(z);
  t.equal(d.records.length, 200);
  t.equal(d.records[199]!.value!.toString(), 'v'.repeat(500));
  t.throws(() => decodeRecordBatch(z, 0, { decompressedBytesMax: 10_000 }), {
    code: 'DECOMPRESSED_TOO_LARGE',
  });
  const snappy = encodeRecordBatch({ records: [{ value: 'a' }] });
  snappy.writeInt16BE(2, 21);
  snappy.writeUInt32BE(crc32c(snappy, 21, snappy.length), CRC_OFFSET);
  t.throws(() => decodeRecordBatch(snappy), { code: 'COMPRESSION_UNSUPPORTED' });
});

t.test('random batches round-trip (property)', async (t) => {
  const seed = seedFromEnv();
  t.comment(`seed ${seed}`);
  const rnd = prng(seed);
  for (let n = 0; n < 300; n++) {
    const count = 1 + Math.floor(rnd() * 20);
    const records: RecordInput[] = [];
    for (let i = 0; i < count; i++) {
      records.push({
        key: rnd() < 0.2 ? null : randomBytes(rnd, Math.floor(rnd() * 50)),
        value: rnd() < 0.1 ? null : randomBytes(rnd, Math.floor(rnd() * 400)),
        timestamp: 1_700_000_000_000 + Math.floor((rnd() - 0.5) * 1e6),
        headers: rnd() < 0.5 ? [] : [{ key: `h${i}`, value: randomBytes(rnd, 5) }],
      });
    }
    const b = encodeRecordBatch({ records, compression: rnd() < 0.3 ? 'gzip' : 'none' });
    const d = decodeRecordBatch(b);
    const ok =
      d.records.length === count &&
      d.records.every(
        (r, i) =>
          r.offset === i &&
          r.timestamp === records[i]!.timestamp &&
          (records[i]!.key == null ? r.key === null : r.key!.equals(records[i]!.key as Buffer)) &&
          (records[i]!.value == null ? r.value === null : r.value!.equals(records[i]!.value as Buffer)),
      );
    if (!ok) {
      t.fail(`round trip ${n} failed (seed ${seed})`);
      return;
    }
  }
  t.pass('300 random batches');
});

interface KafkajsBatch {
  firstOffset: string;
  lastOffsetDelta: number;
  records: {
    key: Buffer | null;
    value: Buffer | null;
    offset: string;
    timestamp: string;
    headers: Record<string, Buffer>;
  }[];
}

t.test('interoperates with kafkajs (encode here -> decode there and back)', async (t) => {
  const Decoder = require('kafkajs/src/protocol/decoder') as new (b: Buffer) => unknown;
  const decodeBatch = require('kafkajs/src/protocol/recordBatch/v0/decoder') as (
    d: unknown,
  ) => Promise<KafkajsBatch>;
  const { RecordBatch: encodeBatchKjs } = require('kafkajs/src/protocol/recordBatch/v0') as {
    RecordBatch: (o: object) => Promise<{ buffer: Buffer }>;
  };
  const Record = require('kafkajs/src/protocol/recordBatch/record/v0') as (o: object) => unknown;
  const { Types } = require('kafkajs/src/protocol/message/compression') as {
    Types: { GZIP: number; None: number };
  };

  const ours = encodeRecordBatch({
    records: [
      { key: 'a', value: 'hello', timestamp: 1000, headers: [{ key: 'x', value: 'y' }] },
      { key: 'b', value: 'world', timestamp: 1003 },
    ],
    compression: 'gzip',
  });
  setBaseOffset(ours, 0, 40);
  const theirs = await decodeBatch(new Decoder(ours));
  t.equal(theirs.firstOffset, '40');
  t.same(
    theirs.records.map((r) => [r.key?.toString(), r.value?.toString(), r.offset, r.timestamp]),
    [
      ['a', 'hello', '40', '1000'],
      ['b', 'world', '41', '1003'],
    ],
  );
  t.equal(theirs.records[0]!.headers['x']!.toString(), 'y');

  for (const compression of [Types.None, Types.GZIP]) {
    const records = [
      Record({
        offsetDelta: 0,
        timestampDelta: 0,
        key: Buffer.from('k1'),
        value: Buffer.from('v1'),
        headers: { h: 'z' },
      }),
      Record({ offsetDelta: 1, timestampDelta: 7, key: null, value: Buffer.from('v2') }),
    ];
    const enc = await encodeBatchKjs({
      compression,
      firstTimestamp: 5000,
      maxTimestamp: 5007,
      lastOffsetDelta: 1,
      records,
    });
    const kb = enc.buffer;
    t.ok(validateBatch(kb, 0).ok, 'kafkajs batch passes our CRC and count checks');
    const d = decodeRecordBatch(kb);
    t.same(
      d.records.map((r) => [r.key?.toString() ?? null, r.value?.toString(), r.offset, r.timestamp]),
      [
        ['k1', 'v1', 0, 5000],
        [null, 'v2', 1, 5007],
      ],
    );
    t.same(d.records[0]!.headers, [{ key: 'h', value: Buffer.from('z') }]);
  }
});
