import t from 'tap';
import {
  crc32c,
  crc32cSlicing8Update,
  crc32cSlicing16Update,
  crc32cUpdate,
  nativeCrc32c,
} from '../../protocol/crc32c.js';

t.test('known vectors (RFC 3720 B.4 and the classic check value)', async (t) => {
  t.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
  t.equal(crc32c(Buffer.alloc(32, 0)), 0x8a9136aa);
  t.equal(crc32c(Buffer.alloc(32, 0xff)), 0x62a8ab43);
  const inc = Buffer.alloc(32);
  for (let i = 0; i < 32; i++) inc[i] = i;
  t.equal(crc32c(inc), 0x46dd794e);
  t.equal(crc32c(Buffer.alloc(0)), 0);
});

t.test('slices and chaining agree with a bytewise reference', async (t) => {
  const ref = (b: Uint8Array): number => {
    let c = 0xffffffff;
    for (const x of b) {
      c ^= x;
      for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    }
    return ~c >>> 0;
  };
  for (let n = 0; n < 200; n++) {
    const len = Math.floor(Math.random() * 300);
    const buf = Buffer.alloc(len);
    for (let i = 0; i < len; i++) buf[i] = Math.floor(Math.random() * 256);
    const cut = Math.floor(Math.random() * (len + 1));
    t.equal(crc32c(buf), ref(buf));
    t.equal(crc32cUpdate(crc32c(buf, 0, cut), buf, cut, len), ref(buf));
  }
});

t.test('the slicing-by-16 path agrees at every alignment and length around its threshold', async (t) => {
  const raw = Buffer.alloc(5000);
  for (let i = 0; i < raw.length; i++) raw[i] = (i * 131 + 17) & 0xff;
  let mismatches = 0;
  for (const start of [0, 1, 2, 3, 5]) {
    for (const len of [0, 3, 255, 256, 257, 260, 1023, 4096, 4990]) {
      if (start + len > raw.length) continue;
      const view = raw.subarray(start, start + len);
      if (crc32cSlicing16Update(0, view) !== crc32cSlicing8Update(0, view)) mismatches++;
      if (crc32c(raw, start, start + len) !== crc32cSlicing8Update(0, raw, start, start + len)) mismatches++;
    }
  }
  t.equal(mismatches, 0);
});

t.test('the native path (when present) agrees with the JavaScript one, chained too', async (t) => {
  const buf = Buffer.alloc(70_000);
  for (let i = 0; i < buf.length; i++) buf[i] = (i * 7 + 3) & 0xff;
  for (const [s, e] of [
    [0, 70_000],
    [1, 4097],
    [3, 600],
  ] as const) {
    t.equal(crc32c(buf, s, e), crc32cSlicing8Update(0, buf, s, e));
  }
  const cut = 33_333;
  t.equal(crc32cUpdate(crc32c(buf, 0, cut), buf, cut), crc32cSlicing8Update(0, buf));
  t.comment(`native CRC-32C ${nativeCrc32c ? 'in use' : 'not available on this platform'}`);
});
