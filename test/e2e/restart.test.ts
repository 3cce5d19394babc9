/**
 * Durability across broker restarts, with the broker as a real process:
 * - SIGTERM (and SIGINT) stop it cleanly with exit 0; on restart over the same data directory
 *   every record is served again, and compressed batches come back byte for byte;
 * - SIGKILL after acks=1 produces, and SIGKILL in the middle of a stream of produces: every
 *   acknowledged record is there after restart;
 * - a torn or corrupt tail (truncated, bit-flipped, garbage appended) after a crash: restart
 *   succeeds, the log ends at the last valid batch, and appends continue from there.
 */
import { existsSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { type BrokerProcess, spawnBroker } from '../helpers/broker.js';
import { assertOk, type KcatMessage, kcat, kcatConsume, kcatHeaders, kcatProduce } from '../helpers/kcat.js';
import { createTopics, fetchAllBatches, produce, RawConnection } from '../helpers/raw-client.js';
import { buildRecordBatch, type ParsedBatch } from '../helpers/record-batch.js';
import { tempDir, uniqueTopic } from '../helpers/temp.js';
import { withTimeout } from '../helpers/wait.js';

interface TestLike {
  teardown(fn: () => unknown): void;
}

/** Kafka's (and Samsa's) clean-shutdown marker in the data directory. */
const CLEAN_SHUTDOWN_FILE = '.kafka_cleanshutdown';

async function openRaw(t: TestLike, broker: BrokerProcess): Promise<RawConnection> {
  return RawConnection.open(broker.host, broker.port, t);
}

async function createTopic(conn: RawConnection, name: string, partitions = 1): Promise<void> {
  const [res] = await createTopics(conn, [{ name, partitions }]);
  if (res?.errorCode !== 0)
    throw new Error(`CreateTopics ${name}: error ${res?.errorCode} ${res?.errorMessage}`);
}

/** A batch without its partitionLeaderEpoch (bytes 12-15), which the broker may rewrite. */
function withoutEpoch(raw: Buffer): Buffer {
  return Buffer.concat([raw.subarray(0, 12), raw.subarray(16)]);
}

function simplify(msgs: KcatMessage[]) {
  return msgs.map((m) => ({
    p: m.partition,
    o: m.offset,
    k: m.key,
    v: m.payload,
    h: kcatHeaders(m),
    ts: m.ts,
  }));
}

t.test('SIGTERM/SIGINT, restart: everything is served again, compressed batches byte for byte', async (t) => {
  const dataDir = tempDir(t, 'samsa-restart-');
  const topic = uniqueTopic('restart');
  let broker = await spawnBroker(t, { dataDir });
  let conn = await openRaw(t, broker);
  await createTopic(conn, topic);

  await kcatProduce(
    broker.bootstrap,
    topic,
    Array.from({ length: 30 }, (_, i) => `plain-${i}:value ${i}`),
    ['-K:', '-H', 'src=kcat'],
  );
  await kcatProduce(
    broker.bootstrap,
    topic,
    Array.from({ length: 40 }, (_, i) => `gz-${i}:${'zip '.repeat(40)}${i}`),
    ['-K:', '-z', 'gzip'],
  );
  // A gzip batch whose exact bytes we know.
  const handBatch = buildRecordBatch({
    compression: 'gzip',
    records: Array.from({ length: 10 }, (_, i) => ({
      key: `hand-${i}`,
      value: `${'hand built '.repeat(10)}${i}`,
      headers: [['n', String(i)] as [string, string]],
      timestampDelta: i,
    })),
  });
  const handAck = await produce(conn, { topic, partition: 0, records: handBatch, acks: -1 });
  t.equal(handAck.errorCode, 0);
  t.equal(handAck.baseOffset, 70n, 'the hand-built batch lands after the 70 kcat records');

  const before = await fetchAllBatches(conn, topic, 0);
  t.equal(before.highWatermark, 80n);
  const stored = before.batches.find((x) => x.baseOffset === 70n);
  t.ok(stored, 'the hand-built batch is served as one batch');
  t.same(
    stored!.raw.subarray(16),
    handBatch.subarray(16),
    'served byte for byte from magic to the end (CRC included)',
  );
  t.equal(stored!.raw.readInt32BE(8), handBatch.readInt32BE(8), 'same batch length');
  const gzipBatches = before.batches.filter((x) => x.baseOffset >= 30n && x.baseOffset < 70n);
  t.ok(
    gzipBatches.length >= 1 && gzipBatches.every((x) => (x.attributes & 7) === 1),
    'kcat gzip batches stored compressed (librdkafka compresses only when Produce v0 is advertised)',
  );
  const readBefore = simplify(await kcatConsume(broker.bootstrap, topic));
  t.equal(readBefore.length, 80);

  conn.close();
  const stopped = await broker.stop('SIGTERM');
  t.same(stopped, { code: 0, signal: null }, `SIGTERM: exit 0\n${broker.logs.tail(10)}`);
  t.ok(existsSync(join(dataDir, CLEAN_SHUTDOWN_FILE)), 'the clean-shutdown marker is written');

  broker = await spawnBroker(t, { dataDir });
  conn = await openRaw(t, broker);
  const after = await fetchAllBatches(conn, topic, 0);
  t.equal(after.highWatermark, 80n, 'high watermark survives');
  t.equal(after.batches.length, before.batches.length);
  after.batches.forEach((x, i) => {
    t.same(
      withoutEpoch(x.raw),
      withoutEpoch(before.batches[i]!.raw),
      `batch at ${x.baseOffset} identical after restart`,
    );
  });
  t.same(simplify(await kcatConsume(broker.bootstrap, topic)), readBefore, 'kcat reads the same records');

  // Appends continue at the old end.
  const more = await produce(conn, {
    topic,
    partition: 0,
    records: buildRecordBatch({ records: [{ key: null, value: 'after' }] }),
  });
  t.same([more.errorCode, more.baseOffset], [0, 80n]);

  conn.close();
  t.same(await broker.stop('SIGINT'), { code: 0, signal: null }, 'SIGINT: exit 0');

  broker = await spawnBroker(t, { dataDir });
  const last = await kcatConsume(broker.bootstrap, topic, ['-o', '80']);
  t.same(
    last.map((m) => [m.offset, m.payload]),
    [[80, 'after']],
  );
  t.same(await broker.stop('SIGTERM'), { code: 0, signal: null });
});

t.test('SIGKILL after acks=1 produces: every acknowledged record survives', async (t) => {
  const dataDir = tempDir(t, 'samsa-kill-');
  const topic = uniqueTopic('kill');
  let broker = await spawnBroker(t, { dataDir });
  const conn = await openRaw(t, broker);
  await createTopic(conn, topic, 2);

  // kcat exits 0 only once every message was acknowledged.
  await kcatProduce(
    broker.bootstrap,
    topic,
    Array.from({ length: 100 }, (_, i) => `k${i}:v${i}`),
    ['-K:', '-p', '0', '-X', 'acks=1'],
  );
  await kcatProduce(
    broker.bootstrap,
    topic,
    Array.from({ length: 50 }, (_, i) => `z${i}:${'gz '.repeat(30)}${i}`),
    ['-K:', '-p', '1', '-z', 'gzip', '-X', 'acks=1'],
  );
  const acked: { offset: bigint; value: string }[] = [];
  for (let i = 0; i < 20; i++) {
    const value = `raw-${i}`;
    const ack = await produce(conn, {
      topic,
      partition: 0,
      acks: 1,
      records: buildRecordBatch({ records: [{ key: null, value }] }),
    });
    t.equal(ack.errorCode, 0);
    acked.push({ offset: ack.baseOffset, value });
  }
  t.same(
    acked.map((a) => a.offset),
    Array.from({ length: 20 }, (_, i) => BigInt(100 + i)),
  );

  const killed = await broker.kill();
  t.equal(killed.signal, 'SIGKILL');
  t.notOk(existsSync(join(dataDir, CLEAN_SHUTDOWN_FILE)), 'no clean-shutdown marker after a crash');

  broker = await spawnBroker(t, { dataDir });
  const p0 = await kcatConsume(broker.bootstrap, topic, ['-p', '0']);
  t.same(
    p0.map((m) => [m.offset, m.key, m.payload]),
    [
      ...Array.from({ length: 100 }, (_, i) => [i, `k${i}`, `v${i}`]),
      ...acked.map((a) => [Number(a.offset), null, a.value]),
    ],
  );
  const p1 = await kcatConsume(broker.bootstrap, topic, ['-p', '1']);
  t.same(
    p1.map((m) => [m.offset, m.key, m.payload]),
    Array.from({ length: 50 }, (_, i) => [i, `z${i}`, `${'gz '.repeat(30)}${i}`]),
  );
  t.same(await broker.stop(), { code: 0, signal: null });
});

/**
 * Produces batches of 5 records with `window` requests in flight until the connection breaks,
 * and records every acknowledged batch. `onAck` sees the running count.
 */
async function produceUntilBroken(
  conn: RawConnection,
  topic: string,
  tag: string,
  window: number,
  onAck: (count: number) => void,
): Promise<{ offset: bigint; values: string[] }[]> {
  const acked: { offset: bigint; values: string[] }[] = [];
  let seq = 0;
  let broken = false;
  const worker = async () => {
    while (!broken && seq < 100_000) {
      const n = seq++;
      const values = Array.from({ length: 5 }, (_, i) => `${tag}-${n}-${i}`);
      try {
        const ack = await produce(conn, {
          topic,
          partition: 0,
          acks: 1,
          records: buildRecordBatch({ records: values.map((value) => ({ key: null, value })) }),
        });
        if (ack.errorCode !== 0) throw new Error(`produce error ${ack.errorCode}`);
        acked.push({ offset: ack.baseOffset, values });
        onAck(acked.length);
      } catch {
        broken = true;
      }
    }
  };
  await Promise.all(Array.from({ length: window }, worker));
  return acked;
}

/** The records of a log by offset, and what is wrong with it (gaps, bad CRCs). */
function checkLog(
  batches: ParsedBatch[],
  what: string,
): { byOffset: Map<bigint, string>; problems: string[] } {
  const byOffset = new Map<bigint, string>();
  const problems: string[] = [];
  let next = 0n;
  for (const b of batches) {
    if (b.baseOffset !== next) problems.push(`${what}: batch at ${b.baseOffset}, expected ${next}`);
    if (!b.crcValid) problems.push(`${what}: batch at ${b.baseOffset} has a bad CRC`);
    for (const r of b.records) byOffset.set(r.offset, r.value?.toString() ?? '');
    next = b.baseOffset + BigInt(b.lastOffsetDelta) + 1n;
  }
  return { byOffset, problems };
}

t.test('SIGKILL while producing, three times over: acknowledged records survive every crash', async (t) => {
  const dataDir = tempDir(t, 'samsa-crashloop-');
  const topic = uniqueTopic('crashloop');
  const everAcked: { offset: bigint; values: string[] }[] = [];
  for (let round = 0; round < 3; round++) {
    const broker = await spawnBroker(t, { dataDir });
    const conn = await openRaw(t, broker);
    if (round === 0) await createTopic(conn, topic);

    // Everything acknowledged in earlier rounds is still there, at its offset.
    const { batches } = await fetchAllBatches(conn, topic, 0);
    const { byOffset: log, problems } = checkLog(batches, `round ${round}`);
    t.same(problems, [], `round ${round}: contiguous, CRC-valid batches`);
    const missing = everAcked.flatMap((a) =>
      a.values.filter((v, i) => log.get(a.offset + BigInt(i)) !== v).map((v) => `${v}@${a.offset}`),
    );
    t.same(missing, [], `round ${round}: no acknowledged record is missing`);

    let killed: Promise<unknown> | undefined;
    const target = 40 + round * 10;
    const acked = await withTimeout(
      'producing until the broker is killed',
      produceUntilBroken(conn, topic, `r${round}`, 4, (count) => {
        if (count === target) killed = broker.kill();
      }),
      30_000,
    );
    await killed;
    t.ok(acked.length >= target, `round ${round}: ${acked.length} batches acknowledged before the kill`);
    everAcked.push(...acked);
  }
  const broker = await spawnBroker(t, { dataDir });
  const conn = await openRaw(t, broker);
  const { batches } = await fetchAllBatches(conn, topic, 0);
  const { byOffset: log, problems } = checkLog(batches, 'final');
  t.same(problems, [], 'final: contiguous, CRC-valid batches');
  const missing = everAcked.flatMap((a) =>
    a.values.filter((v, i) => log.get(a.offset + BigInt(i)) !== v).map((v) => `${v}@${a.offset}`),
  );
  t.same(missing, [], 'after the last crash no acknowledged record is missing');
  t.same(await broker.stop(), { code: 0, signal: null });
});

function findSegments(dataDir: string, topic: string, partition: number): string[] {
  const dir = join(dataDir, `${topic}-${partition}`);
  if (!existsSync(dir)) {
    throw new Error(`no partition directory ${dir}; data dir holds: ${readdirSync(dataDir).join(', ')}`);
  }
  return readdirSync(dir)
    .filter((f) => /^\d{20}\.log$/.test(f))
    .sort()
    .map((f) => join(dir, f));
}

t.test('a torn, corrupt or garbage tail after a crash is cut back to the last valid batch', async (t) => {
  const dataDir = tempDir(t, 'samsa-torn-');
  let broker = await spawnBroker(t, { dataDir });
  let conn = await openRaw(t, broker);
  const damages = ['truncated', 'bitflip', 'garbage'] as const;
  const topics = Object.fromEntries(damages.map((d) => [d, uniqueTopic(`torn-${d}`)])) as Record<
    (typeof damages)[number],
    string
  >;
  const before: Record<string, ParsedBatch[]> = {};
  for (const d of damages) {
    await createTopic(conn, topics[d]);
    for (let i = 0; i < 10; i++) {
      const ack = await produce(conn, {
        topic: topics[d],
        partition: 0,
        acks: 1,
        records: buildRecordBatch({
          compression: i % 2 ? 'gzip' : 'none',
          records: Array.from({ length: 3 }, (_, j) => ({ key: `k${i}`, value: `${d}-${i}-${j}` })),
        }),
      });
      t.equal(ack.errorCode, 0);
    }
    before[d] = (await fetchAllBatches(conn, topics[d], 0)).batches;
    t.equal(before[d]!.length, 10);
  }
  conn.close();
  await broker.kill();

  for (const d of damages) {
    const segments = findSegments(dataDir, topics[d], 0);
    t.ok(segments.length >= 1, `${d}: segment files found`);
    const file = segments[segments.length - 1]!;
    const size = statSync(file).size;
    const lastLen = before[d]!.at(-1)!.raw.length;
    if (d === 'truncated') truncateSync(file, size - 7);
    if (d === 'bitflip') {
      const bytes = readFileSync(file);
      bytes[size - Math.floor(lastLen / 2)]! ^= 0x10; // inside the last batch, under its CRC
      writeFileSync(file, bytes);
    }
    if (d === 'garbage') {
      const junk = Buffer.alloc(100, 0xab);
      junk.writeBigInt64BE(10_000n, 0);
      junk.writeInt32BE(0x7fffff00, 8); // a batch length far past the end of the file
      writeFileSync(file, Buffer.concat([readFileSync(file), junk]));
    }
  }

  broker = await spawnBroker(t, { dataDir });
  conn = await openRaw(t, broker);
  for (const d of damages) {
    const { batches, highWatermark } = await fetchAllBatches(conn, topics[d], 0);
    t.same(checkLog(batches, d).problems, [], `${d}: contiguous, CRC-valid batches`);
    const keep = d === 'garbage' ? 10 : 9;
    t.equal(batches.length, keep, `${d}: ${keep} valid batches remain`);
    t.equal(highWatermark, BigInt(keep * 3), `${d}: the log ends at the last valid batch`);
    for (const [i, x] of batches.entries()) {
      t.same(withoutEpoch(x.raw), withoutEpoch(before[d]![i]!.raw), `${d}: batch ${i} unchanged`);
    }
    const ack = await produce(conn, {
      topic: topics[d],
      partition: 0,
      records: buildRecordBatch({ records: [{ key: null, value: `${d}-after` }] }),
    });
    t.same([ack.errorCode, ack.baseOffset], [0, BigInt(keep * 3)], `${d}: appends continue at the new end`);
    const tail = await kcatConsume(broker.bootstrap, topics[d], ['-o', String(keep * 3)]);
    t.same(
      tail.map((m) => m.payload),
      [`${d}-after`],
    );
  }
  const md = assertOk(await kcat(broker.bootstrap, ['-L', '-J']));
  t.ok(md.stdout.includes(topics.garbage), 'metadata still lists the damaged topics');
  t.same(await broker.stop(), { code: 0, signal: null });
});
