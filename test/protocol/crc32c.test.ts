import t from 'tap';
import { crc32c, crc32cUpdate } from '../../protocol/crc32c.js';

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
