import t from 'tap';
import { DecodeError, Reader } from '../../protocol/reader.js';

t.test('primitives and sticky failure', async (t) => {
  const b = Buffer.from([0x01, 0xff, 0xfe, 0x00, 0x00, 0x00, 0x2a, 0x07]);
  const r = new Reader(b);
  t.equal(r.bool(), true);
  t.equal(r.int16(), -2);
  t.equal(r.int32(), 42);
  t.equal(r.failed, false);
  r.field = 'x';
  t.equal(r.int32(), 0, 'short read yields 0');
  t.equal(r.failed, true);
  t.equal(r.int8(), 0, 'later reads yield zero values');
  t.equal(r.string(false), '');
  t.same(r.nullableBytes(true), Buffer.alloc(0));
  t.throws(() => r.check(), new DecodeError('SHORT_READ', 'x', 7));
  try {
    r.check();
  } catch (e) {
    t.ok(e instanceof DecodeError);
    t.equal((e as DecodeError).offset, 7);
    t.equal((e as DecodeError).field, 'x');
  }
});

t.test('int64 safe range', async (t) => {
  const b = Buffer.alloc(24);
  b.writeBigInt64BE(-1n, 0);
  b.writeBigInt64BE(BigInt(Number.MAX_SAFE_INTEGER), 8);
  b.writeBigInt64BE(2n ** 60n, 16);
  const r = new Reader(b);
  t.equal(r.int64(), -1);
  t.equal(r.int64(), Number.MAX_SAFE_INTEGER);
  t.equal(r.int64(), 0);
  t.equal(r.failCode, 'INT64_OUT_OF_RANGE');
  t.equal(r.failOffset, 16);
});

t.test('unsigned and zig-zag varints', async (t) => {
  const cases: [number[], number][] = [
    [[0x00], 0],
    [[0x7f], 127],
    [[0x80, 0x01], 128],
    [[0xff, 0xff, 0xff, 0xff, 0x0f], 0xffffffff],
  ];
  for (const [bytes, v] of cases) t.equal(new Reader(Buffer.from(bytes)).uvarint(), v);
  const over = new Reader(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x1f]));
  t.equal(over.uvarint(), 0);
  t.equal(over.failCode, 'VARINT_OVERFLOW');
  const short = new Reader(Buffer.from([0x80, 0x80]));
  short.uvarint();
  t.equal(short.failCode, 'SHORT_READ');
  t.equal(new Reader(Buffer.from([0x01])).varint(), -1);
  t.equal(new Reader(Buffer.from([0x02])).varint(), 1);
  t.equal(new Reader(Buffer.from([0x03])).varint(), -2);
});

t.test('strings, bytes, uuid', async (t) => {
  const r = new Reader(Buffer.from('0003616263ffff04787978000000020102', 'hex'));
  t.equal(r.string(false), 'abc');
  t.equal(r.nullableString(false), null);
  t.equal(r.string(true), 'xyx');
  t.same(r.bytes(false), Buffer.from([1, 2]));
  t.equal(r.failed, false);
  const u = Buffer.alloc(16, 0xab);
  t.equal(new Reader(u).uuid(), 'ab'.repeat(16));
});

t.test('length checks happen before allocation', async (t) => {
  const r = new Reader(Buffer.alloc(10));
  t.equal(r.checkLength(11, 0, false, 100, 1), -2);
  t.equal(r.failCode, 'LENGTH_TOO_LARGE');
  const r2 = new Reader(Buffer.alloc(10));
  t.equal(r2.checkLength(3, 0, false, 100, 4), -2, 'count × element size beyond the frame');
  const r3 = new Reader(Buffer.alloc(10));
  t.equal(r3.checkLength(5, 0, false, 4, 1), -2, 'above the hard cap');
  const r4 = new Reader(Buffer.alloc(10));
  t.equal(r4.checkLength(-1, 0, true, 4, 1), -1);
  t.equal(r4.checkLength(-3, 0, true, 4, 1), -2);
  t.equal(r4.failCode, 'INVALID_LENGTH');
});

t.test('views are zero-copy', async (t) => {
  const b = Buffer.from([0, 0, 0, 3, 9, 8, 7]);
  const v = new Reader(b).bytes(false);
  t.equal(v.buffer, b.buffer);
  t.equal(v.byteOffset, b.byteOffset + 4);
});
