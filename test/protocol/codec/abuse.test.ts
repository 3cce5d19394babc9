/**
 * Hand-built malicious frames: each must give a typed DecodeError, never another exception and
 * never an allocation sized by an unchecked field.
 */
import t from 'tap';
import { apiSchemaList } from '../../../protocol/apis/index.js';
import {
  concatChunks,
  decodeRequest,
  decodeRequestHeader,
  decodeResponse,
  encodeRequest,
  encodeResponse,
  readFrameSize,
} from '../../../protocol/framing.js';
import { DecodeError } from '../../../protocol/reader.js';
import { prng, sampleBody, versionsOf } from './samples.js';

// biome-ignore lint/suspicious/noExplicitAny: generic over every API
type AnyKey = any;

const i16 = (v: number) => {
  const b = Buffer.alloc(2);
  b.writeInt16BE(v);
  return b;
};
const i32 = (v: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(v);
  return b;
};
const str = (s: string) => Buffer.concat([i16(Buffer.byteLength(s)), Buffer.from(s)]);
const bytes = (...parts: (Buffer | number[])[]) =>
  Buffer.concat(parts.map((p) => (Buffer.isBuffer(p) ? p : Buffer.from(p))));

function decodeFails(frame: Buffer): DecodeError {
  try {
    const h = decodeRequestHeader(frame);
    decodeRequest(h.apiKey as AnyKey, h.apiVersion, frame, h.bodyOffset);
  } catch (e) {
    if (e instanceof DecodeError) return e;
    throw e;
  }
  throw new Error('decoded without error');
}

const produceHead = (v = 7) => bytes(i16(0), i16(v), i32(1), str('c'), i16(-1), i16(1), i32(1000));

t.test('array count 2^31-1 in a 20-byte frame', async (t) => {
  const frame = bytes(produceHead(), i32(0x7fffffff));
  const e = decodeFails(frame);
  t.equal(e.code, 'LENGTH_TOO_LARGE');
  t.equal(e.field, 'topicData');
  t.equal(e.offset, frame.length - 4);
});

t.test('compact array count near 2^32 (uvarint)', async (t) => {
  const frame = bytes(i16(3), i16(9), i32(1), str('c'), [0], [0xff, 0xff, 0xff, 0xff, 0x0f]);
  t.equal(decodeFails(frame).code, 'LENGTH_TOO_LARGE');
  const frame2 = bytes(i16(3), i16(9), i32(1), str('c'), [0], [0xfe, 0xff, 0xff, 0xff, 0x07]);
  t.equal(decodeFails(frame2).code, 'LENGTH_TOO_LARGE');
});

t.test('negative lengths other than -1', async (t) => {
  t.equal(decodeFails(bytes(produceHead(), i32(-2))).code, 'INVALID_LENGTH', 'array count -2');
  t.equal(
    decodeFails(bytes(produceHead(), i32(1), i16(-7), i32(0))).code,
    'INVALID_LENGTH',
    'string length -7',
  );
  t.equal(
    decodeFails(bytes(produceHead(), i32(1), str('t'), i32(1), i32(0), i32(-5))).code,
    'INVALID_LENGTH',
    'records length -5',
  );
  t.equal(decodeFails(bytes(produceHead(), i32(-1))).code, 'UNEXPECTED_NULL', 'null non-nullable array');
  t.equal(
    decodeFails(bytes(produceHead(), i32(1), i16(-1), i32(0))).code,
    'UNEXPECTED_NULL',
    'null topic name',
  );
  const nullRecords = bytes(produceHead(), i32(1), str('t'), i32(1), i32(0), i32(-1));
  const h = decodeRequestHeader(nullRecords);
  t.equal(decodeRequest(0, 7, nullRecords, h.bodyOffset).topicData[0]!.partitionData[0]!.records, null);
  t.equal(decodeFails(bytes(i16(0), i16(7), i32(1), i16(-9))).code, 'INVALID_LENGTH', 'client id -9');
});

t.test('lengths beyond the frame', async (t) => {
  const e = decodeFails(bytes(produceHead(), i32(1), i16(30000), Buffer.from('abcdef')));
  t.equal(e.code, 'LENGTH_TOO_LARGE');
  t.equal(e.field, 'topicData.name');
  t.equal(
    decodeFails(bytes(produceHead(), i32(1), str('t'), i32(1), i32(0), i32(0x7fffffff))).code,
    'LENGTH_TOO_LARGE',
  );
  t.equal(decodeFails(bytes(i16(0), i16(7), i32(1), i16(0x7fff))).code, 'LENGTH_TOO_LARGE', 'client id');
  // compact string whose length says 200 in a tiny frame
  t.equal(
    decodeFails(bytes(i16(18), i16(3), i32(1), str('c'), [0], [0xc9, 0x01], [0x41])).code,
    'LENGTH_TOO_LARGE',
  );
  // a tagged field whose size exceeds the frame
  t.equal(
    decodeFails(bytes(i16(18), i16(3), i32(1), str('c'), [0], [1], [1], [1, 0, 100, 1])).code,
    'LENGTH_TOO_LARGE',
  );
  // a tagged-field count larger than the bytes left
  t.equal(
    decodeFails(bytes(i16(18), i16(3), i32(1), str('c'), [0], [1], [1], [0x7f])).code,
    'LENGTH_TOO_LARGE',
  );
});

t.test('uvarint overflow', async (t) => {
  const e = decodeFails(bytes(i16(18), i16(3), i32(1), str('c'), [0], [0xff, 0xff, 0xff, 0xff, 0xff, 0x01]));
  t.equal(e.code, 'VARINT_OVERFLOW');
  t.equal(e.field, 'clientSoftwareName');
  t.equal(
    decodeFails(bytes(i16(18), i16(3), i32(1), str('c'), [0], [0x80, 0x80, 0x80, 0x80, 0x10])).code,
    'VARINT_OVERFLOW',
  );
});

t.test('int64 beyond 2^53', async (t) => {
  // ListOffsets v1: replicaId, topics[name, partitions[index, timestamp int64]]
  const ts = Buffer.from([0x00, 0x20, 0, 0, 0, 0, 0, 0]); // 2^53
  const e = decodeFails(
    bytes(i16(2), i16(1), i32(1), str('c'), i32(-1), i32(1), str('t'), i32(1), i32(0), ts),
  );
  t.equal(e.code, 'INT64_OUT_OF_RANGE');
  t.equal(e.field, 'topics.partitions.timestamp');
  const ok = Buffer.from([0x00, 0x1f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]); // 2^53-1
  const f = bytes(i16(2), i16(1), i32(1), str('c'), i32(-1), i32(1), str('t'), i32(1), i32(0), ok);
  t.equal(
    decodeRequest(2, 1, f, decodeRequestHeader(f).bodyOffset).topics[0]!.partitions[0]!.timestamp,
    2 ** 53 - 1,
  );
  const neg = Buffer.from([0xff, 0xe0, 0, 0, 0, 0, 0, 0]); // -2^53
  t.equal(
    decodeFails(bytes(i16(2), i16(1), i32(1), str('c'), i32(-1), i32(1), str('t'), i32(1), i32(0), neg)).code,
    'INT64_OUT_OF_RANGE',
  );
});

t.test('unknown api keys and versions', async (t) => {
  const unknownKey = bytes(i16(999), i16(0), i32(42), str('c'), [1, 2, 3]);
  const h = decodeRequestHeader(unknownKey);
  t.equal(h.supported, false);
  t.equal(h.correlationId, 42);
  t.equal(h.clientId, 'c');
  t.equal(decodeFails(unknownKey).code, 'UNKNOWN_API_KEY');

  const apiV4 = bytes(i16(18), i16(4), i32(43), str('librdkafka'), [0]);
  const h4 = decodeRequestHeader(apiV4);
  t.same([h4.supported, h4.correlationId, h4.apiKey, h4.apiVersion], [false, 43, 18, 4]);
  t.equal(h4.headerVersion, 2);
  t.equal(decodeFails(apiV4).code, 'UNSUPPORTED_VERSION');
  t.equal(decodeFails(bytes(i16(0), i16(100), i32(1), str('c'))).code, 'UNSUPPORTED_VERSION');
  t.equal(decodeFails(bytes(i16(0), i16(-1), i32(1), str('c'))).code, 'UNSUPPORTED_VERSION');
  // a broken client id on an unsupported request still yields the correlation id
  const broken = decodeRequestHeader(bytes(i16(999), i16(0), i32(44), i16(500)));
  t.same([broken.supported, broken.correlationId, broken.clientId], [false, 44, null]);
  t.throws(() => decodeResponse(999 as AnyKey, 0, Buffer.alloc(8)), {
    name: 'DecodeError',
    code: 'UNKNOWN_API_KEY',
  });
});

t.test('frames too short for a header', async (t) => {
  for (let n = 0; n < 8; n++) {
    t.throws(
      () => decodeRequestHeader(Buffer.alloc(n)),
      { name: 'DecodeError', code: 'SHORT_READ' },
      `${n} bytes`,
    );
  }
});

t.test('frame size prefix', async (t) => {
  t.equal(readFrameSize(Buffer.from([0, 0, 0])), -1);
  t.equal(readFrameSize(i32(100)), 100);
  t.throws(() => readFrameSize(i32(0x7fffffff)), { name: 'DecodeError', code: 'LENGTH_TOO_LARGE' });
  t.throws(() => readFrameSize(i32(-5)), { name: 'DecodeError', code: 'INVALID_LENGTH' });
  t.equal(readFrameSize(i32(1000), 0, 1000), 1000);
  t.throws(() => readFrameSize(i32(1001), 0, 1000), { name: 'DecodeError' });
});

t.test('truncated at every byte: every API, every version, requests and responses', async (t) => {
  const rnd = prng(7);
  let n = 0;
  for (const api of apiSchemaList) {
    for (const v of versionsOf(api.request)) {
      const rq = sampleBody(api.request, v, rnd);
      const frame = concatChunks(encodeRequest(api.apiKey as AnyKey, v, 1, 'c', rq.input as AnyKey)).subarray(
        4,
      );
      const rs = sampleBody(api.response, v, rnd);
      const rframe = concatChunks(encodeResponse(api.apiKey as AnyKey, v, 1, rs.input as AnyKey)).subarray(4);
      let bad = 0;
      for (let len = 0; len < frame.length; len++) {
        try {
          decodeFails(frame.subarray(0, len));
        } catch {
          bad++;
        }
        n++;
      }
      for (let len = 0; len < rframe.length; len++) {
        try {
          decodeResponse(api.apiKey as AnyKey, v, rframe.subarray(0, len));
          bad++;
        } catch (e) {
          if (!(e instanceof DecodeError)) bad++;
        }
        n++;
      }
      t.equal(bad, 0, `${api.name} v${v}: ${frame.length} + ${rframe.length} truncations`);
    }
  }
  t.ok(n > 1000);
});

t.test('a huge count decodes in bounded time and memory', async (t) => {
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < 1000; i++) decodeFails(bytes(produceHead(), i32(0x7fffffff)));
  t.ok(process.memoryUsage().heapUsed - before < 64 * 1024 * 1024);
});

t.test('the total number of array elements in one message is bounded', async (t) => {
  // OffsetFetch v4: groupId, topics [name, partitionIndexes []int32]; two topics of 2,100,000
  // partition indexes each: more than 4,000,000 elements in total, though each count fits.
  const count = 2_100_000;
  const ints = Buffer.alloc(count * 4);
  const topic = bytes(str('t'), i32(count), ints);
  const frame = bytes(i16(9), i16(4), i32(1), str('c'), str('g'), i32(2), topic, topic, [0]);
  const e = decodeFails(frame);
  t.equal(e.code, 'LENGTH_TOO_LARGE');
  t.equal(e.field, 'topics.partitionIndexes');
  t.match(e.message, /array elements/);
  // One topic alone decodes.
  const one = bytes(i16(9), i16(4), i32(1), str('c'), str('g'), i32(1), topic, [0]);
  t.equal(
    decodeRequest(9, 4, one, decodeRequestHeader(one).bodyOffset).topics![0]!.partitionIndexes.length,
    count,
  );
});
