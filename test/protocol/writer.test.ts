import t from 'tap';
import { EncodeError, Writer, zeroCopyBytesMin } from '../../protocol/writer.js';

t.test('primitives, varints and strings', async (t) => {
  const w = new Writer();
  w.int8(-1);
  w.bool(true);
  w.int16(-2);
  w.int32(42);
  w.int64(-1);
  w.int64(2 ** 40 + 5);
  w.uvarint(300);
  w.varint(-2);
  w.string('abc', false);
  w.string(null, false);
  w.string('é', true);
  w.string(null, true);
  w.bytes(Buffer.from([1]), false);
  w.bytes(null, true);
  w.uuid('00'.repeat(15) + 'ff');
  const out = Buffer.concat(w.finish());
  t.equal(w.length, out.length);
  t.equal(
    out.toString('hex'),
    'ff01fffe0000002a' +
      'ffffffffffffffff' +
      '0000010000000005' +
      'ac02' +
      '03' +
      '0003616263' +
      'ffff' +
      '03c3a9' +
      '00' +
      '0000000101' +
      '00' +
      '00'.repeat(15) +
      'ff',
  );
});

t.test('large blobs are appended without copying; small fields are batched', async (t) => {
  const big = Buffer.alloc(zeroCopyBytesMin + 10, 1);
  const w = new Writer();
  w.int32(1);
  w.int16(2);
  w.bytes(big, false);
  w.int32(3);
  const chunks = w.finish();
  t.equal(chunks.length, 3);
  t.equal(chunks[1], big, 'the very same Buffer');
  t.equal(chunks[0]!.length, 10);
  t.equal(w.length, 10 + big.length + 4);
});

t.test('many small writes grow the scratch space', async (t) => {
  const w = new Writer();
  for (let i = 0; i < 100000; i++) w.int32(i);
  const out = Buffer.concat(w.finish());
  t.equal(out.length, 400000);
  t.equal(out.readInt32BE(4 * 99999), 99999);
});

t.test('marks patch sizes', async (t) => {
  const w = new Writer();
  const m = w.mark();
  w.int32(0);
  for (let i = 0; i < 1000; i++) w.int32(i);
  w.patchInt32(m, w.length - 4);
  t.equal(Buffer.concat(w.finish()).readInt32BE(0), 4000);
});

t.test('unrepresentable values are EncodeErrors', async (t) => {
  const w = new Writer();
  w.field = 'f';
  t.throws(() => w.int64(2 ** 53), EncodeError);
  t.throws(() => w.int64(1.5), EncodeError);
  t.throws(() => w.string('x'.repeat(40000), false), EncodeError);
  t.throws(() => w.uuid('nope'), EncodeError);
  t.throws(() => w.uvarint(-1), EncodeError);
});
