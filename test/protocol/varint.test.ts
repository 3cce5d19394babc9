import t from 'tap';
import {
  readUVarint,
  readVarint,
  readVarlong,
  sizeOfUVarint,
  sizeOfVarint,
  sizeOfVarlong,
  VarintError,
  varintResult,
  writeUVarint,
  writeVarint,
  writeVarlong,
  zigZagDecode32,
  zigZagEncode32,
} from '../../protocol/varint.js';
import { prng, seedFromEnv } from '../storage/fixtures/batches.js';

t.test('zig-zag 32 known values', async (t) => {
  t.equal(zigZagEncode32(0), 0);
  t.equal(zigZagEncode32(-1), 1);
  t.equal(zigZagEncode32(1), 2);
  t.equal(zigZagEncode32(-2), 3);
  t.equal(zigZagEncode32(2147483647), 4294967294);
  t.equal(zigZagEncode32(-2147483648), 4294967295);
  for (const v of [0, -1, 1, 123456, -123456, 2147483647, -2147483648])
    t.equal(zigZagDecode32(zigZagEncode32(v)), v);
});

t.test('protobuf vectors', async (t) => {
  const b = Buffer.alloc(10);
  t.equal(writeVarint(b, 0, 150), 2);
  t.same([...b.subarray(0, 2)], [0xac, 0x02]); // zigzag(150) = 300
  t.equal(writeUVarint(b, 0, 300), 2);
  t.same([...b.subarray(0, 2)], [0xac, 0x02]);
  t.equal(writeVarlong(b, 0, -1), 1);
  t.equal(b[0], 1);
  t.equal(writeVarlong(b, 0, Number.MAX_SAFE_INTEGER), 8);
  t.equal(readVarlong(b, 0), Number.MAX_SAFE_INTEGER);
  t.equal(varintResult.length, 8);
  t.equal(writeVarlong(b, 0, -Number.MAX_SAFE_INTEGER), 8);
  t.equal(readVarlong(b, 0), -Number.MAX_SAFE_INTEGER);
});

t.test('round trips with sizes (property)', async (t) => {
  const seed = seedFromEnv();
  t.comment(`seed ${seed}`);
  const rnd = prng(seed);
  const b = Buffer.alloc(16);
  for (let i = 0; i < 5000; i++) {
    const scale = 2 ** Math.floor(rnd() * 54);
    const v = Math.floor((rnd() * 2 - 1) * scale);
    const vl = Math.max(-Number.MAX_SAFE_INTEGER, Math.min(Number.MAX_SAFE_INTEGER, v));
    const end = writeVarlong(b, 0, vl);
    if (end !== sizeOfVarlong(vl) || readVarlong(b, 0, end) !== vl || varintResult.length !== end) {
      t.fail(`varlong ${vl} (seed ${seed})`);
      return;
    }
    const v32 = v | 0;
    const e32 = writeVarint(b, 0, v32);
    if (e32 !== sizeOfVarint(v32) || readVarint(b, 0, e32) !== v32) {
      t.fail(`varint ${v32} (seed ${seed})`);
      return;
    }
    const u = v32 >>> 0;
    const eu = writeUVarint(b, 0, u);
    if (eu !== sizeOfUVarint(u) || readUVarint(b, 0, eu) !== u) {
      t.fail(`uvarint ${u} (seed ${seed})`);
      return;
    }
  }
  t.pass('5000 random values round-trip');
});

t.test('bounds checks', async (t) => {
  const code = (fn: () => unknown): string | undefined => {
    try {
      fn();
      return undefined;
    } catch (err) {
      return err instanceof VarintError ? err.code : 'other';
    }
  };
  t.equal(
    code(() => readVarint(Buffer.from([0x80, 0x80]), 0)),
    'VARINT_TRUNCATED',
  );
  t.equal(
    code(() => readVarint(Buffer.from([0xac, 0x02]), 0, 1)),
    'VARINT_TRUNCATED',
  );
  t.equal(
    code(() => readUVarint(Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x01]), 0)),
    'VARINT_TOO_LONG',
  );
  t.equal(
    code(() => readUVarint(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x7f]), 0)),
    'VARINT_OUT_OF_RANGE',
  );
  t.equal(
    code(() => readVarlong(Buffer.alloc(11, 0x80), 0)),
    'VARINT_TOO_LONG',
  );
  // 2^62 zig-zagged: beyond the safe range
  t.equal(
    code(() => readVarlong(Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]), 0)),
    'VARINT_OUT_OF_RANGE',
  );
  t.equal(
    code(() => readVarlong(Buffer.alloc(0), 0)),
    'VARINT_TRUNCATED',
  );
  t.equal(
    code(() => writeVarint(Buffer.alloc(5), 0, 2 ** 31)),
    'VARINT_OUT_OF_RANGE',
  );
  t.equal(
    code(() => writeVarlong(Buffer.alloc(10), 0, 2 ** 60)),
    'VARINT_OUT_OF_RANGE',
  );
  t.equal(
    code(() => writeUVarint(Buffer.alloc(10), 0, -1)),
    'VARINT_OUT_OF_RANGE',
  );
});
