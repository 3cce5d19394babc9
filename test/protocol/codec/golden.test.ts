/**
 * Golden bytes built by hand from Kafka's message JSON definitions, independent of the encoder,
 * in the shapes real clients send.
 */
import t from 'tap';
import { crc32c } from '../../../protocol/crc32c.js';
import {
  concatChunks,
  decodeRequest,
  decodeRequestHeader,
  decodeResponse,
  encodeRequest,
  encodeResponse,
} from '../../../protocol/framing.js';

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
const i64 = (v: number) => {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(BigInt(v));
  return b;
};
const str = (s: string) => Buffer.concat([i16(Buffer.byteLength(s)), Buffer.from(s)]);
const cstr = (s: string) => Buffer.concat([Buffer.from([Buffer.byteLength(s) + 1]), Buffer.from(s)]);
const bytes = (...parts: (Buffer | number[])[]) =>
  Buffer.concat(parts.map((p) => (Buffer.isBuffer(p) ? p : Buffer.from(p))));
const framed = (body: Buffer) => Buffer.concat([i32(body.length), body]);

t.test('ApiVersions v3 request as librdkafka sends it (header v2, compact body strings)', async (t) => {
  const frame = bytes(
    i16(18),
    i16(3),
    i32(1),
    str('rdkafka'), // client_id: classic nullable string even in header v2
    [0], // header tagged fields
    cstr('librdkafka'),
    cstr('2.0.2'),
    [0], // body tagged fields
  );
  const h = decodeRequestHeader(frame);
  t.same(h, {
    apiKey: 18,
    apiVersion: 3,
    correlationId: 1,
    clientId: 'rdkafka',
    headerVersion: 2,
    bodyOffset: 18,
    supported: true,
  });
  const body = decodeRequest(18, 3, frame, h.bodyOffset);
  t.same(body, { clientSoftwareName: 'librdkafka', clientSoftwareVersion: '2.0.2' });
  const enc = concatChunks(encodeRequest(18, 3, 1, 'rdkafka', body));
  t.ok(enc.equals(framed(frame)), 'encoder produces the same bytes');
});

t.test('ApiVersions v2 request as kafkajs sends it (header v1, empty body)', async (t) => {
  const frame = bytes(i16(18), i16(2), i32(0), str('kafkajs'));
  const h = decodeRequestHeader(frame);
  t.equal(h.headerVersion, 1);
  t.same(decodeRequest(18, 2, frame, h.bodyOffset), { clientSoftwareName: '', clientSoftwareVersion: '' });
});

t.test('ApiVersions v3 response uses response header v0 (no header tagged fields)', async (t) => {
  const expected = framed(
    bytes(
      i32(5), // correlation id, then directly the body
      i16(0), // error code
      [3], // compact array of 2
      i16(0),
      i16(0),
      i16(9),
      [0],
      i16(18),
      i16(0),
      i16(3),
      [0],
      i32(0), // throttle
      [0], // no tagged fields
    ),
  );
  const body = {
    errorCode: 0,
    apiKeys: [
      { apiKey: 0, minVersion: 0, maxVersion: 9 },
      { apiKey: 18, minVersion: 0, maxVersion: 3 },
    ],
    throttleTimeMs: 0,
  };
  t.ok(concatChunks(encodeResponse(18, 3, 5, body)).equals(expected));
  const dec = decodeResponse(18, 3, expected.subarray(4));
  t.equal(dec.correlationId, 5);
  t.same(dec.body.apiKeys, body.apiKeys);
  t.equal(dec.body.finalizedFeaturesEpoch, -1, 'absent tagged field takes its default');
});

t.test('Metadata v9 request (flexible) with one topic, and with null topics', async (t) => {
  const frame = bytes(
    i16(3),
    i16(9),
    i32(77),
    str('platformatic'),
    [0],
    [2], // topics: compact array of 1
    cstr('orders'),
    [0], // topic tagged fields
    [1], // allow_auto_topic_creation
    [0], // include_cluster_authorized_operations
    [0], // include_topic_authorized_operations
    [0],
  );
  const h = decodeRequestHeader(frame);
  const body = decodeRequest(3, 9, frame, h.bodyOffset);
  t.same(body, {
    topics: [{ name: 'orders' }],
    allowAutoTopicCreation: true,
    includeClusterAuthorizedOperations: false,
    includeTopicAuthorizedOperations: false,
  });
  t.ok(concatChunks(encodeRequest(3, 9, 77, 'platformatic', body)).equals(framed(frame)));

  const all = bytes(i16(3), i16(9), i32(78), str('x'), [0], [0], [1], [0], [0], [0]);
  t.equal(decodeRequest(3, 9, all, decodeRequestHeader(all).bodyOffset).topics, null);
});

t.test('Metadata v0 request: topics not nullable; v1 null is -1', async (t) => {
  const v1 = bytes(i16(3), i16(1), i32(1), str('c'), i32(-1));
  t.equal(decodeRequest(3, 1, v1, decodeRequestHeader(v1).bodyOffset).topics, null);
  const v0 = bytes(i16(3), i16(0), i32(1), str('c'), i32(-1));
  t.throws(() => decodeRequest(3, 0, v0, decodeRequestHeader(v0).bodyOffset), {
    name: 'DecodeError',
    code: 'UNEXPECTED_NULL',
  });
});

function recordBatch(): Buffer {
  // One record, key "k", value "hello", no headers (DefaultRecord layout, zig-zag varints).
  const record = bytes([0], [0], [0], [2], Buffer.from('k'), [10], Buffer.from('hello'), [0]);
  const recordWithLen = bytes([record.length * 2], record);
  const afterCrc = bytes(
    i16(0),
    i32(0),
    i64(1700000000000),
    i64(1700000000000),
    i64(-1),
    i16(-1),
    i32(-1),
    i32(1),
    recordWithLen,
  );
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32c(afterCrc));
  const tail = bytes(i32(0), [2], crc, afterCrc); // partition leader epoch, magic, crc, ...
  return bytes(i64(0), i32(tail.length), tail);
}

t.test('Produce v7 request carrying a record batch (kafkajs/librdkafka shape)', async (t) => {
  const batch = recordBatch();
  const frame = bytes(
    i16(0),
    i16(7),
    i32(9),
    str('kafkajs'),
    i16(-1), // transactional id null
    i16(-1), // acks all
    i32(30000),
    i32(1),
    str('test-topic'),
    i32(1),
    i32(2), // partition index
    i32(batch.length),
    batch,
  );
  const h = decodeRequestHeader(frame);
  t.equal(h.headerVersion, 1);
  const body = decodeRequest(0, 7, frame, h.bodyOffset);
  t.equal(body.transactionalId, null);
  t.equal(body.acks, -1);
  t.equal(body.timeoutMs, 30000);
  const p = body.topicData[0]!.partitionData[0]!;
  t.equal(body.topicData[0]!.name, 'test-topic');
  t.equal(p.index, 2);
  t.ok(p.records!.equals(batch));
  t.equal(p.records!.buffer, frame.buffer, 'records is a zero-copy view of the frame');
  t.equal(p.records!.byteOffset, frame.byteOffset + frame.length - batch.length);
  t.ok(concatChunks(encodeRequest(0, 7, 9, 'kafkajs', body)).equals(framed(frame)));
});

t.test('Fetch v12 response with a tagged struct (current leader) and records', async (t) => {
  const records = Buffer.from([0xaa, 0xbb, 0xcc]);
  const expected = framed(
    bytes(
      i32(3),
      [0], // response header v1 tagged fields
      i32(0), // throttle
      i16(0), // error
      i32(0), // session id
      [2], // responses: 1
      cstr('t'),
      [2], // partitions: 1
      i32(0),
      i16(0),
      i64(100),
      i64(100),
      i64(0),
      [0], // aborted transactions: null
      i32(-1), // preferred read replica
      [4],
      records,
      [1, 1, 9], // 1 tagged field: tag 1 (current leader), 9 bytes
      i32(1),
      i32(5),
      [0],
      [0], // topic tagged fields
      [0], // top-level tagged fields
    ),
  );
  const body = {
    throttleTimeMs: 0,
    errorCode: 0,
    sessionId: 0,
    responses: [
      {
        topic: 't',
        partitions: [
          {
            partitionIndex: 0,
            errorCode: 0,
            highWatermark: 100,
            lastStableOffset: 100,
            logStartOffset: 0,
            currentLeader: { leaderId: 1, leaderEpoch: 5 },
            abortedTransactions: null,
            preferredReadReplica: -1,
            records,
          },
        ],
      },
    ],
  };
  t.ok(concatChunks(encodeResponse(1, 12, 3, body)).equals(expected));
  const dec = decodeResponse(1, 12, expected.subarray(4));
  const p = dec.body.responses[0]!.partitions[0]!;
  t.same(p.currentLeader, { leaderId: 1, leaderEpoch: 5 });
  t.same(p.divergingEpoch, { epoch: -1, endOffset: -1 }, 'absent tagged struct decodes to its defaults');
  t.ok(p.records!.equals(records));
});

t.test('request header v2 with an unknown header tagged field is accepted', async (t) => {
  const frame = bytes(i16(18), i16(3), i32(4), str('c'), [1, 7, 2, 0xde, 0xad], cstr('n'), cstr('v'), [0]);
  const h = decodeRequestHeader(frame);
  t.equal(h.bodyOffset, 16);
  t.same(decodeRequest(18, 3, frame, h.bodyOffset), { clientSoftwareName: 'n', clientSoftwareVersion: 'v' });
});

t.test('unknown tagged fields in a body are skipped', async (t) => {
  const frame = bytes(i16(18), i16(3), i32(4), str('c'), [0], cstr('n'), cstr('v'), [2, 9, 1, 0xff, 30, 0]);
  t.same(decodeRequest(18, 3, frame, decodeRequestHeader(frame).bodyOffset), {
    clientSoftwareName: 'n',
    clientSoftwareVersion: 'v',
  });
});
