/**
 * Bad input (issue 3, RELIABILITY.md tests 8, 9, 10): hand-built frames over raw sockets to a
 * broker process. Every malformed request gets an error code or a closed connection (closed
 * connections are logged), the broker never crashes, its memory stays bounded, and other
 * connections — a long-lived bystander and fresh ones — are served throughout.
 *
 * The frames are built here with Buffer writes (test/helpers/wire.ts, record-batch.ts), sharing
 * no code with protocol/.
 */
import { createGzip } from 'node:zlib';
import t from 'tap';
import { spawnBroker } from '../helpers/broker.js';
import {
  ApiKey,
  apiVersions,
  apiVersionsBody,
  createTopics,
  listOffset,
  metadata,
  parseApiVersions,
  parseProduceV3,
  produce,
  produceBody,
  RawConnection,
} from '../helpers/raw-client.js';
import { buildRecordBatch, encodeRecord, fixCrc } from '../helpers/record-batch.js';
import type { TapTest } from '../helpers/tap-types.js';
import { withTimeout } from '../helpers/wait.js';
import { ErrorCode, encodeUvarint, Reader, requestFrame, Writer } from '../helpers/wire.js';

interface TestLike {
  teardown(fn: () => unknown): void;
}

const MiB = 1024 * 1024;
const socketRequestBytesMax = 2 * MiB;
const messageBytesMax = 64 * 1024;

const broker = await spawnBroker(t, {
  config: {
    'auto.create.topics.enable': false,
    'message.max.bytes': messageBytesMax,
    'socket.request.max.bytes': socketRequestBytesMax,
    'group.initial.rebalance.delay.ms': 0,
    // Keeps fuzzed Fetch requests from holding a connection for long.
    fetchWaitMsMax: 200,
  },
});

const TOPIC = 'bad-input';
const SMALL = 'bad-small'; // max.message.bytes=1000
const BOMB = 'bad-bomb'; // max.message.bytes=1 MiB
const FUZZ = 'bad-fuzz';

const bystander = await RawConnection.open(broker.host, broker.port, t);
{
  const res = await createTopics(bystander, [
    { name: TOPIC, partitions: 1 },
    { name: SMALL, partitions: 1, configs: { 'max.message.bytes': '1000' } },
    { name: BOMB, partitions: 1, configs: { 'max.message.bytes': String(MiB) } },
    { name: FUZZ, partitions: 1 },
  ]);
  for (const r of res) {
    if (r.errorCode !== 0) throw new Error(`CreateTopics ${r.name}: error ${r.errorCode} ${r.errorMessage}`);
  }
}
const startMemory = broker.memory();

function open(tt: TestLike): Promise<RawConnection> {
  return RawConnection.open(broker.host, broker.port, tt);
}

/** The broker process is alive and answers a fresh connection and the bystander. */
async function assertServing(tt: TapTest, what: string): Promise<void> {
  tt.ok(broker.running, `${what}: the broker process is still running`);
  const fresh = await open(tt);
  const v = await apiVersions(fresh, 3);
  tt.equal(v.errorCode, 0, `${what}: a new connection gets ApiVersions`);
  tt.ok(v.apis.has(ApiKey.Produce), `${what}: ApiVersions lists Produce`);
  fresh.close();
  const old = await apiVersions(bystander, 2);
  tt.equal(old.errorCode, 0, `${what}: the bystander connection is still served`);
}

/** The broker logged something about the connection from our `port`. */
async function assertLoggedAbout(tt: TapTest, port: number, what: string): Promise<void> {
  const re = new RegExp(`127\\.0\\.0\\.1:${port}(?!\\d)`);
  const line = await broker.logs
    .waitFor(`a log line naming 127.0.0.1:${port}`, (l) => re.test(JSON.stringify(l)), 5000)
    .catch(() => undefined);
  tt.ok(line, `${what}: the broker logged the closed connection (${line?.msg ?? 'nothing found'})`);
}

async function assertClosed(tt: TapTest, conn: RawConnection, what: string): Promise<void> {
  await withTimeout(`${what}: the broker to close the connection`, conn.closed, 5000).catch(() => undefined);
  tt.ok(conn.isClosed, `${what}: connection closed by the broker`);
  if (conn.isClosed) await assertLoggedAbout(tt, conn.localPort, what);
}

async function highWatermark(topic: string): Promise<bigint> {
  const r = await listOffset(bystander, { topic, partition: 0, timestamp: -1n });
  if (r.errorCode !== 0) throw new Error(`ListOffsets ${topic}: error ${r.errorCode}`);
  return r.offset;
}

function int32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(v);
  return b;
}

/** A frame from a raw payload (header + body), its length field consistent with it. */
function frameOf(payload: Buffer): Buffer {
  return Buffer.concat([int32(payload.length), payload]);
}

/** Request header v1 bytes (v2 when flexible). */
function header(apiKey: number, apiVersion: number, correlationId: number, flexible = false): Buffer {
  const w = new Writer().int16(apiKey).int16(apiVersion).int32(correlationId).string('samsa-test');
  if (flexible) w.tags();
  return w.bytesOut();
}

/**
 * Sends `bytes` on a new connection and resolves with what happened: a response frame (whose
 * correlation id must be `correlationId`), or the connection closed by the broker.
 */
async function sendAndObserve(
  tt: TapTest,
  bytes: Buffer,
  what: string,
  correlationId?: number,
): Promise<{ kind: 'frame'; body: Buffer } | { kind: 'closed' }> {
  const conn = await open(tt);
  conn.write(bytes);
  const res = await conn.frameOrClose(5000);
  if (res.kind === 'closed') {
    await assertLoggedAbout(tt, conn.localPort, what);
    return res;
  }
  if (correlationId !== undefined)
    tt.equal(res.frame.correlationId, correlationId, `${what}: correlation id`);
  conn.close();
  return { kind: 'frame', body: res.frame.body };
}

t.test(
  'frame lengths of 2^31-1, just over socket.request.max.bytes, and negative close the connection',
  async (t) => {
    for (const [len, what] of [
      [0x7fffffff, '2^31-1'],
      [socketRequestBytesMax + 1, 'socket.request.max.bytes + 1'],
      [-1, '-1'],
      [-0x80000000, '-2^31'],
    ] as const) {
      const conn = await open(t);
      // Only the length goes out: the broker must decide before any body arrives.
      conn.write(int32(len));
      await assertClosed(t, conn, `frame length ${what}`);
    }
    // A frame length announcing a large body that never comes in full, then more frames.
    const conn = await open(t);
    conn.write(Buffer.concat([int32(0x7fffffff), Buffer.alloc(64 * 1024, 0x41)]));
    await assertClosed(t, conn, 'frame length 2^31-1 followed by 64 KiB');
    await assertServing(t, 'after oversized frame lengths');
    const m = broker.memory();
    t.ok(
      m.hwmBytes - startMemory.rssBytes < 256 * MiB,
      `no allocation sized by the length (peak ${m.hwmBytes >> 20} MiB)`,
    );
  },
);

t.test('frames shorter than a request header close the connection', async (t) => {
  for (const payload of [Buffer.alloc(0), Buffer.from([0, 18, 0]), Buffer.from([0, 18, 0, 0, 0, 0, 0, 1])]) {
    const conn = await open(t);
    conn.write(frameOf(payload));
    await assertClosed(t, conn, `a ${payload.length}-byte frame`);
  }
  // A header whose client_id length runs past the end of the frame.
  const lying = Buffer.concat([
    new Writer().int16(18).int16(0).int32(7).int16(0x7fff).bytesOut(),
    Buffer.from('abc'),
  ]);
  const res = await sendAndObserve(t, frameOf(lying), 'client_id longer than the frame', 7);
  if (res.kind === 'frame') t.not(res.body.readInt16BE(0), 0, 'answered with an error code');
  await assertServing(t, 'after short frames');
});

t.test('unknown API keys: UNSUPPORTED_VERSION or a closed connection', async (t) => {
  for (const key of [9999, 32767, -1, 67]) {
    const id = 4242;
    const res = await sendAndObserve(t, frameOf(header(key, 0, id)), `api key ${key}`, id);
    if (res.kind === 'frame') {
      t.equal(
        res.body.readInt16BE(0),
        ErrorCode.UNSUPPORTED_VERSION,
        `api key ${key}: answered UNSUPPORTED_VERSION`,
      );
    } else {
      t.pass(`api key ${key}: connection closed`);
    }
  }
  await assertServing(t, 'after unknown API keys');
});

t.test('unknown versions of known APIs: UNSUPPORTED_VERSION or a closed connection', async (t) => {
  for (const [key, version] of [
    [ApiKey.Metadata, 99],
    [ApiKey.Produce, 999],
    [ApiKey.Fetch, -1],
    [ApiKey.CreateTopics, 32767],
  ] as const) {
    const id = 77;
    const res = await sendAndObserve(t, frameOf(header(key, version, id)), `api ${key} v${version}`, id);
    if (res.kind === 'frame') {
      t.equal(
        res.body.readInt16BE(0),
        ErrorCode.UNSUPPORTED_VERSION,
        `api ${key} v${version}: UNSUPPORTED_VERSION`,
      );
    } else {
      t.pass(`api ${key} v${version}: connection closed`);
    }
  }
  await assertServing(t, 'after unknown versions');
});

t.test(
  'ApiVersions with an unknown version answers UNSUPPORTED_VERSION with a v0 body listing versions',
  async (t) => {
    for (const version of [4, 99, 32767]) {
      const conn = await open(t);
      // What a newer client sends: request header v2 and a v3-style body.
      conn.write(
        requestFrame({
          apiKey: ApiKey.ApiVersions,
          apiVersion: version,
          correlationId: 31,
          flexible: true,
          body: apiVersionsBody(3),
        }),
      );
      const res = await conn.frameOrClose(5000);
      t.equal(res.kind, 'frame', `ApiVersions v${version} is answered, not dropped`);
      if (res.kind !== 'frame') continue;
      t.equal(res.frame.correlationId, 31);
      const parsed = parseApiVersions(new Reader(res.frame.body), 0);
      t.equal(parsed.errorCode, ErrorCode.UNSUPPORTED_VERSION, `v${version}: error 35`);
      const av = parsed.apis.get(ApiKey.ApiVersions);
      t.ok(
        av && av.min === 0 && av.max >= 3,
        `v${version}: the body lists ApiVersions ${av?.min}-${av?.max}`,
      );
      t.ok(
        parsed.apis.has(ApiKey.Produce) && parsed.apis.has(ApiKey.Fetch),
        `v${version}: and the other APIs`,
      );
      // The connection stays usable: the client retries with a version it now knows.
      const again = await apiVersions(conn, 3);
      t.equal(again.errorCode, 0, `v${version}: the retry on the same connection works`);
      conn.close();
    }
  },
);

t.test('array counts and lengths larger than the bytes left', async (t) => {
  const huge = 0x7fffffff;
  const cases: [string, number, number, Buffer, boolean][] = [
    ['Metadata v1 topics count 2^31-1', ApiKey.Metadata, 1, int32(huge), false],
    [
      'Metadata v4 topics count 1e9',
      ApiKey.Metadata,
      4,
      Buffer.concat([int32(1e9), Buffer.from([1])]),
      false,
    ],
    [
      'Produce v3 topics count 2^31-1',
      ApiKey.Produce,
      3,
      new Writer().string(null).int16(-1).int32(1000).int32(huge).bytesOut(),
      false,
    ],
    [
      'Produce v3 partitions count 2^31-16',
      ApiKey.Produce,
      3,
      new Writer()
        .string(null)
        .int16(-1)
        .int32(1000)
        .int32(1)
        .string(TOPIC)
        .int32(huge - 15)
        .bytesOut(),
      false,
    ],
    [
      'Produce v3 records length 2^31-1 with 10 bytes',
      ApiKey.Produce,
      3,
      new Writer()
        .string(null)
        .int16(-1)
        .int32(1000)
        .int32(1)
        .string(TOPIC)
        .int32(1)
        .int32(0)
        .int32(huge)
        .raw(Buffer.alloc(10))
        .bytesOut(),
      false,
    ],
    [
      'Produce v3 topic name length 32767 with 3 bytes',
      ApiKey.Produce,
      3,
      new Writer()
        .string(null)
        .int16(-1)
        .int32(1000)
        .int32(1)
        .int16(0x7fff)
        .raw(Buffer.from('abc'))
        .bytesOut(),
      false,
    ],
    [
      'Produce v3 negative partitions count -5',
      ApiKey.Produce,
      3,
      new Writer().string(null).int16(-1).int32(1000).int32(1).string(TOPIC).int32(-5).bytesOut(),
      false,
    ],
    ['CreateTopics v2 topics count 2^31-1', ApiKey.CreateTopics, 2, int32(huge), false],
    [
      'ApiVersions v3 client_software_name compact length 2^32-2',
      ApiKey.ApiVersions,
      3,
      Buffer.concat([encodeUvarint(0xffffffff), Buffer.from('x')]),
      true,
    ],
    ['ApiVersions v3 a varint that never ends', ApiKey.ApiVersions, 3, Buffer.alloc(16, 0xff), true],
    [
      'Metadata v9 compact topics count 2^32-2',
      ApiKey.Metadata,
      9,
      Buffer.concat([encodeUvarint(0xffffffff), Buffer.alloc(4)]),
      true,
    ],
  ];
  const hwBefore = await highWatermark(TOPIC);
  for (const [what, key, version, body, flexible] of cases) {
    const id = 900;
    const res = await sendAndObserve(
      t,
      frameOf(Buffer.concat([header(key, version, id, flexible), body])),
      what,
      id,
    );
    t.ok(res.kind === 'closed' || res.kind === 'frame', `${what}: ${res.kind}`);
  }
  // A flexible header whose tagged field claims a size far past the frame.
  const taggedLie = Buffer.concat([
    new Writer().int16(ApiKey.ApiVersions).int16(3).int32(901).string('samsa-test').bytesOut(),
    encodeUvarint(1),
    encodeUvarint(0),
    encodeUvarint(0x0fffffff),
    Buffer.from('abc'),
  ]);
  const tl = await sendAndObserve(t, frameOf(taggedLie), 'header tagged field of 256 MiB', 901);
  t.comment(`header tagged field of 256 MiB: ${tl.kind}`);

  t.equal(await highWatermark(TOPIC), hwBefore, 'nothing was appended');
  const m = broker.memory();
  t.ok(
    m.hwmBytes - startMemory.rssBytes < 256 * MiB,
    `no allocation sized by a count (peak ${m.hwmBytes >> 20} MiB)`,
  );
  await assertServing(t, 'after lying counts');
});

t.test('every truncation of a valid Produce request is refused and appends nothing', async (t) => {
  const batch = buildRecordBatch({ records: [{ key: 'k', value: 'truncate me', headers: [['h', 'v']] }] });
  const payload = Buffer.concat([
    header(ApiKey.Produce, 3, 5),
    produceBody({ topic: TOPIC, partition: 0, records: batch }),
  ]);
  const hwBefore = await highWatermark(TOPIC);
  let closed = 0;
  let answered = 0;
  for (let cut = 10; cut < payload.length; cut++) {
    const conn = await open(t);
    conn.write(frameOf(payload.subarray(0, cut)));
    const res = await conn.frameOrClose(5000);
    if (res.kind === 'closed') closed++;
    else {
      answered++;
      // An answer to a truncated produce must not report success.
      let ok = false;
      try {
        ok = parseProduceV3(new Reader(res.frame.body)).some((p) => p.errorCode === 0);
      } catch {}
      t.notOk(ok, `cut at ${cut}: no partition reported as written`);
      conn.close();
    }
  }
  t.comment(`${closed} truncations closed the connection, ${answered} were answered with errors`);
  t.equal(await highWatermark(TOPIC), hwBefore, 'no truncated request appended anything');
  // And the complete request is accepted, so the truncations were refused for being truncated.
  const conn = await open(t);
  conn.write(frameOf(payload));
  const full = parseProduceV3(new Reader((await conn.nextFrame()).body));
  t.same(
    full.map((p) => [p.errorCode, p.baseOffset]),
    [[0, hwBefore]],
  );
  await assertServing(t, 'after truncated frames');
});

/** Produces `records` as-is to TOPIC (or `topic`) and returns the partition's error code. */
async function produceRaw(tt: TestLike, records: Buffer, topic = TOPIC): Promise<number> {
  const conn = await open(tt);
  const res = await produce(conn, { topic, partition: 0, records });
  conn.close();
  return res.errorCode;
}

t.test('corrupt CRCs are refused with CORRUPT_MESSAGE', async (t) => {
  const hwBefore = await highWatermark(TOPIC);
  const good = buildRecordBatch({
    records: [
      { key: 'a', value: 'checksummed' },
      { key: 'b', value: 'twice' },
    ],
  });

  const flippedPayload = Buffer.from(good);
  flippedPayload[flippedPayload.length - 3]! ^= 0x01;
  t.equal(await produceRaw(t, flippedPayload), ErrorCode.CORRUPT_MESSAGE, 'a flipped record byte');

  const wrongCrc = Buffer.from(good);
  wrongCrc.writeUInt32BE((wrongCrc.readUInt32BE(17) + 1) >>> 0, 17);
  t.equal(await produceRaw(t, wrongCrc), ErrorCode.CORRUPT_MESSAGE, 'a wrong CRC field');

  const gz = buildRecordBatch({
    compression: 'gzip',
    records: [{ key: 'z', value: 'compressed'.repeat(10) }],
  });
  gz[gz.length - 10]! ^= 0x40;
  t.equal(await produceRaw(t, gz), ErrorCode.CORRUPT_MESSAGE, 'a flipped byte in a gzip batch');

  t.equal(await highWatermark(TOPIC), hwBefore, 'nothing appended');
  t.equal(await produceRaw(t, good), 0, 'the intact batch is accepted');
  await assertServing(t, 'after corrupt CRCs');
});

t.test('malformed record batches are refused with an error code', async (t) => {
  const hwBefore = await highWatermark(TOPIC);
  const rec = (n: number) => Array.from({ length: n }, (_, i) => ({ key: `k${i}`, value: `v${i}` }));
  const cases: [string, Buffer][] = [
    [
      'recordsCount 0',
      buildRecordBatch({ records: [], recordsCountOverride: 0, lastOffsetDeltaOverride: -1 }),
    ],
    [
      'lastOffsetDelta != recordsCount - 1',
      buildRecordBatch({ records: rec(3), lastOffsetDeltaOverride: 7 }),
    ],
    [
      'recordsCount 1e9 with one record',
      buildRecordBatch({
        records: rec(1),
        recordsCountOverride: 1_000_000_000,
        lastOffsetDeltaOverride: 999_999_999,
      }),
    ],
    [
      'recordsCount 5 with two records',
      buildRecordBatch({ records: rec(2), recordsCountOverride: 5, lastOffsetDeltaOverride: 4 }),
    ],
    [
      'a record length past the end of the batch',
      buildRecordBatch({
        records: rec(1),
        recordsSection: Buffer.concat([
          Buffer.from([0xfe, 0xff, 0xff, 0x7f]),
          encodeRecord({ key: 'k', value: 'v' }, 0),
        ]),
      }),
    ],
    [
      'baseOffset 5 (clients send 0)',
      fixCrc(
        (() => {
          const b = buildRecordBatch({ records: rec(1) });
          b.writeBigInt64BE(5n, 0);
          return b;
        })(),
      ),
    ],
    [
      'magic 1 in a v3 produce',
      fixCrc(
        (() => {
          const b = buildRecordBatch({ records: rec(1) });
          b.writeInt8(1, 16);
          return b;
        })(),
      ),
    ],
    [
      'a control batch from a client',
      fixCrc(
        (() => {
          const b = buildRecordBatch({ records: rec(1) });
          b.writeInt16BE(0x20, 21);
          return b;
        })(),
      ),
    ],
    [
      'compression codec 7',
      fixCrc(
        (() => {
          const b = buildRecordBatch({ records: rec(1) });
          b.writeInt16BE(7, 21);
          return b;
        })(),
      ),
    ],
    [
      'gzip attribute on bytes that are not gzip',
      fixCrc(
        (() => {
          const b = buildRecordBatch({ records: rec(2) });
          b.writeInt16BE(1, 21);
          return b;
        })(),
      ),
    ],
    [
      'batchLength 100 bytes longer than the data',
      (() => {
        const b = buildRecordBatch({ records: rec(1) });
        b.writeInt32BE(b.readInt32BE(8) + 100, 8);
        return b;
      })(),
    ],
    [
      'batchLength shorter than a batch header',
      (() => {
        const b = buildRecordBatch({ records: rec(1) });
        b.writeInt32BE(20, 8);
        return b;
      })(),
    ],
    ['five bytes of junk', Buffer.from([1, 2, 3, 4, 5])],
    ['an empty records field', Buffer.alloc(0)],
  ];
  for (const [what, records] of cases) {
    const code = await produceRaw(t, records);
    t.not(code, 0, `${what}: refused (error ${code})`);
  }
  t.equal(await highWatermark(TOPIC), hwBefore, 'nothing appended');
  await assertServing(t, 'after malformed batches');
});

t.test('batches over max.message.bytes get MESSAGE_TOO_LARGE', async (t) => {
  const hwBefore = await highWatermark(TOPIC);
  const noise = (n: number) => {
    const b = Buffer.alloc(n);
    let x = 12345;
    for (let i = 0; i < n; i++) b[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
    return b;
  };
  const big = buildRecordBatch({ records: [{ key: null, value: noise(messageBytesMax + 1000) }] });
  t.equal(
    await produceRaw(t, big),
    ErrorCode.MESSAGE_TOO_LARGE,
    `a ${big.length}-byte batch over the broker's ${messageBytesMax}`,
  );
  t.equal(await highWatermark(TOPIC), hwBefore);

  const hwSmall = await highWatermark(SMALL);
  const over = buildRecordBatch({ records: [{ key: null, value: noise(2000) }] });
  t.equal(
    await produceRaw(t, over, SMALL),
    ErrorCode.MESSAGE_TOO_LARGE,
    `a ${over.length}-byte batch over the topic's 1000`,
  );
  const under = buildRecordBatch({ records: [{ key: null, value: noise(500) }] });
  t.equal(
    await produceRaw(t, under, SMALL),
    0,
    `a ${under.length}-byte batch under the topic's 1000 is accepted`,
  );
  t.equal(await highWatermark(SMALL), hwSmall + 1n);
  await assertServing(t, 'after oversized batches');
});

t.test(
  'produce to a missing topic with auto-create off: UNKNOWN_TOPIC_OR_PARTITION, nothing created',
  async (t) => {
    const missing = 'bad-no-such-topic';
    const batch = buildRecordBatch({ records: [{ key: null, value: 'nowhere' }] });
    t.equal(await produceRaw(t, batch, missing), ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    t.equal(
      await produceRaw(t, buildRecordBatch({ records: [{ key: null, value: 'x' }] }), TOPIC.concat('')),
      0,
    );
    const conn = await open(t);
    const md = await metadata(conn, [missing], true);
    t.same(
      md.topics.map((x) => [x.name, x.errorCode]),
      [[missing, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]],
      'Metadata asking for auto-creation does not create it either',
    );
    const all = await metadata(conn, null);
    t.notOk(
      all.topics.some((x) => x.name === missing),
      'the topic does not exist',
    );
    t.ok(all.topics.some((x) => x.name === TOPIC));
    // A partition that does not exist in an existing topic.
    const res = await produce(conn, { topic: TOPIC, partition: 9, records: batch });
    t.equal(res.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'partition 9 of a 1-partition topic');
    await assertServing(t, 'after produce to missing topics');
  },
);

/** gzip of one record whose value is `valueBytes` zeros, streamed (never held uncompressed). */
async function gzipBomb(valueBytes: number): Promise<Buffer> {
  const gz = createGzip({ level: 9 });
  const out: Buffer[] = [];
  gz.on('data', (d: Buffer) => out.push(d));
  const ended = new Promise((resolve) => gz.on('end', resolve));
  // One record: length, attributes, timestampDelta, offsetDelta, key -1, value length, value, 0 headers.
  const valueLen = encodeVarlongNumber(valueBytes);
  const head = Buffer.concat([Buffer.from([0, 0, 0]), encodeVarlongNumber(-1), valueLen]);
  const bodyLen = head.length + valueBytes + 1;
  gz.write(Buffer.concat([encodeVarlongNumber(bodyLen), head]));
  const chunk = Buffer.alloc(MiB);
  for (let left = valueBytes; left > 0; left -= chunk.length) {
    if (!gz.write(left >= chunk.length ? chunk : chunk.subarray(0, left))) {
      await new Promise((resolve) => gz.once('drain', resolve));
    }
  }
  gz.end(Buffer.from([0]));
  await ended;
  return Buffer.concat(out);
}

/** Zig-zag varint of a non-negative or -1 number up to 2^31 (records use varints, not varlongs). */
function encodeVarlongNumber(v: number): Buffer {
  return encodeUvarint(v >= 0 ? v * 2 : -v * 2 - 1);
}

t.test('a decompression bomb gets an error code and memory stays bounded', async (t) => {
  const valueBytes = 512 * MiB;
  const section = await gzipBomb(valueBytes);
  const batch = buildRecordBatch({
    compression: 'gzip',
    records: [{ key: null, value: null }],
    recordsSection: section,
  });
  t.ok(batch.length < MiB, `the batch is ${batch.length} bytes, under the topic's max.message.bytes`);
  const hwBefore = await highWatermark(BOMB);
  const before = broker.memory();
  const conn = await open(t);
  const res = await produce(conn, { topic: BOMB, partition: 0, records: batch, timeoutMs: 30_000 });
  t.not(res.errorCode, 0, `refused with error ${res.errorCode} (expands to ${valueBytes >> 20} MiB)`);
  t.ok(
    [
      ErrorCode.MESSAGE_TOO_LARGE,
      ErrorCode.CORRUPT_MESSAGE,
      ErrorCode.INVALID_RECORD,
      ErrorCode.RECORD_LIST_TOO_LARGE,
    ].includes(res.errorCode as 10),
    `a clear error code (${res.errorCode})`,
  );
  const after = broker.memory();
  t.ok(
    after.hwmBytes - before.rssBytes < 256 * MiB,
    `memory bounded: peak ${after.hwmBytes >> 20} MiB, ${before.rssBytes >> 20} MiB before`,
  );
  t.equal(await highWatermark(BOMB), hwBefore, 'nothing appended');
  await assertServing(t, 'after the decompression bomb');
});

t.test('thousands of idle and slow connections: memory bounded, the broker keeps serving', async (t) => {
  const idle: RawConnection[] = [];
  const slow: RawConnection[] = [];
  const before = broker.memory();
  const openMany = async (n: number, into: RawConnection[]) => {
    for (let i = 0; i < n; i += 100) {
      into.push(...(await Promise.all(Array.from({ length: Math.min(100, n - i) }, () => open(t)))));
    }
  };
  await openMany(1500, idle);
  await openMany(300, slow);
  // Slow clients: each sends the first bytes of a valid request and stops.
  const req = requestFrame({
    apiKey: ApiKey.ApiVersions,
    apiVersion: 2,
    correlationId: 1,
    body: Buffer.alloc(0),
  });
  for (const [i, c] of slow.entries()) c.write(req.subarray(0, 1 + (i % (req.length - 1))));
  t.teardown(() => {
    for (const c of [...idle, ...slow]) c.close();
  });

  const started = Date.now();
  await assertServing(t, 'with 1800 idle and slow connections open');
  t.ok(Date.now() - started < 5000, `answered in ${Date.now() - started} ms`);
  const during = broker.memory();
  t.ok(
    during.rssBytes - before.rssBytes < 200 * MiB,
    `resident memory grew by ${(during.rssBytes - before.rssBytes) >> 20} MiB for 1800 connections`,
  );
  const stillOpen = [...idle, ...slow].filter((c) => !c.isClosed).length;
  t.equal(stillOpen, 1800, 'no connection was dropped (none is past the idle timeout)');
  // The slow ones finish their request and are answered.
  const sample = slow.slice(0, 20);
  for (const [i, c] of sample.entries()) c.write(req.subarray(1 + (i % (req.length - 1))));
  const answers = await Promise.all(sample.map((c) => c.nextFrame(5000)));
  t.ok(
    answers.every((a) => a.correlationId === 1 && a.body.readInt16BE(0) === 0),
    'slow clients that complete their request are answered',
  );
  for (const c of [...idle, ...slow]) c.close();
  await assertServing(t, 'after the connections closed');
});

/** mulberry32: a small seeded PRNG, so a failing fuzz run can be repeated with SAMSA_FUZZ_SEED. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

t.test('fuzz: random bodies for every advertised API and version, and mutated valid requests', async (t) => {
  const seed = Number(process.env['SAMSA_FUZZ_SEED'] ?? 20261122);
  t.comment(`fuzz seed ${seed} (set SAMSA_FUZZ_SEED to repeat)`);
  const rand = prng(seed);
  const int = (n: number) => Math.floor(rand() * n);
  const randomBytes = (n: number) => {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = int(256);
    return b;
  };
  const advertised = (await apiVersions(bystander, 3)).apis;
  const hwBefore = await highWatermark(TOPIC);

  let conn = await open(t);
  const outcomes = { frame: 0, closed: 0, pending: 0 };
  const pendingKeys = new Set<number>();
  let correlationId = 1000;
  const fire = async (apiKey: number, payloadAfterCorrelation: Buffer, version: number, acksAt?: number) => {
    const id = correlationId++;
    const payload = Buffer.concat([
      new Writer().int16(apiKey).int16(version).int32(id).bytesOut(),
      payloadAfterCorrelation,
    ]);
    conn.write(frameOf(payload));
    let res: Awaited<ReturnType<RawConnection['frameOrClose']>> | 'pending';
    try {
      res = await conn.frameOrClose(3000);
    } catch {
      res = 'pending';
    }
    if (res === 'pending') {
      // acks=0 produces get no answer; group joins may wait. Anything else must not hang.
      const acksZero =
        acksAt !== undefined && payload.length >= acksAt + 2 && payload.readInt16BE(acksAt) === 0;
      if (!acksZero) pendingKeys.add(apiKey);
      outcomes.pending++;
      conn.close();
      conn = await open(t);
      return;
    }
    outcomes[res.kind]++;
    if (res.kind === 'closed') conn = await open(t);
    else if (res.frame.correlationId !== id) {
      t.fail(
        `api ${apiKey} v${version}: answer has correlation id ${res.frame.correlationId}, expected ${id}`,
      );
      conn.close();
      conn = await open(t);
    }
  };

  // 1. Random bodies after a valid header (with or without a tagged-field section).
  const clientId = new Writer().string('fuzz').bytesOut();
  for (const [apiKey, { min, max }] of [...advertised.entries()].sort((a, b) => a[0] - b[0])) {
    for (let version = min; version <= max; version++) {
      for (let i = 0; i < 6; i++) {
        const body = randomBytes(i < 4 ? int(64) : 64 + int(448));
        const tags = rand() < 0.5 ? Buffer.from([0]) : Buffer.alloc(0);
        await fire(
          apiKey,
          Buffer.concat([clientId, tags, body]),
          version,
          apiKey === 0 ? 8 + clientId.length + tags.length + 2 : undefined,
        );
      }
    }
  }

  // 2. Mutations of valid requests: flipped bytes, truncation, runs of 0xff.
  const batch = buildRecordBatch({ records: [{ key: 'f', value: 'fuzz', headers: [['a', 'b']] }] });
  const seeds: [number, number, Buffer, number?][] = [
    [ApiKey.ApiVersions, 3, Buffer.concat([clientId, Buffer.from([0]), apiVersionsBody(3)])],
    [
      ApiKey.Metadata,
      4,
      Buffer.concat([
        clientId,
        new Writer()
          .array([FUZZ], (w, x) => w.string(x))
          .bool(false)
          .bytesOut(),
      ]),
    ],
    [
      ApiKey.Produce,
      3,
      Buffer.concat([clientId, produceBody({ topic: FUZZ, partition: 0, records: batch, acks: 1 })]),
      8 + clientId.length + 2,
    ],
    [
      ApiKey.Fetch,
      4,
      Buffer.concat([
        clientId,
        new Writer()
          .int32(-1)
          .int32(0)
          .int32(0)
          .int32(MiB)
          .int8(0)
          .array([FUZZ], (w, x) => w.string(x).array([0], (w2, p) => w2.int32(p).int64(0n).int32(MiB)))
          .bytesOut(),
      ]),
    ],
    [
      ApiKey.ListOffsets,
      1,
      Buffer.concat([
        clientId,
        new Writer()
          .int32(-1)
          .array([FUZZ], (w, x) => w.string(x).array([0], (w2, p) => w2.int32(p).int64(-1n)))
          .bytesOut(),
      ]),
    ],
    [
      ApiKey.Produce,
      3,
      Buffer.concat([
        clientId,
        produceBody({
          topic: FUZZ,
          partition: 0,
          records: buildRecordBatch({
            compression: 'gzip',
            records: [{ key: null, value: 'g'.repeat(200) }],
          }),
          acks: 1,
        }),
      ]),
      8 + clientId.length + 2,
    ],
  ];
  for (const [apiKey, version, valid, acksAt] of seeds) {
    for (let i = 0; i < 120; i++) {
      const m = Buffer.from(valid);
      const kind = int(3);
      let mutated: Buffer = m;
      if (kind === 0) {
        for (let k = 0, n = 1 + int(3); k < n; k++) m[int(m.length)] = int(256);
      } else if (kind === 1) {
        mutated = m.subarray(0, int(m.length));
      } else {
        const at = int(m.length);
        const run = Buffer.alloc(1 + int(8), 0xff);
        mutated = Buffer.concat([m.subarray(0, at), run, m.subarray(Math.min(m.length, at + run.length))]);
      }
      await fire(apiKey, mutated, version, acksAt);
    }
  }
  conn.close();
  t.comment(`fuzz outcomes: ${JSON.stringify(outcomes)}`);
  t.ok(outcomes.frame + outcomes.closed + outcomes.pending > 500, 'the fuzzer sent hundreds of frames');
  t.same(
    [...pendingKeys].filter((k) => k !== 11 && k !== 14),
    [],
    'no request hung without an answer (JoinGroup/SyncGroup may legitimately wait)',
  );
  t.equal(await highWatermark(TOPIC), hwBefore, 'fuzzing appended nothing to another topic');
  const m = broker.memory();
  t.ok(m.hwmBytes - startMemory.rssBytes < 512 * MiB, `peak memory ${m.hwmBytes >> 20} MiB stays bounded`);
  await assertServing(t, 'after fuzzing');
});

t.test('after all of that, SIGTERM still shuts the broker down cleanly', async (t) => {
  bystander.close();
  const status = await broker.stop('SIGTERM');
  t.same(status, { code: 0, signal: null }, `exit 0\n${broker.logs.tail(10)}`);
});
