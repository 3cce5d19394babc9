/**
 * A raw Kafka connection for tests: writes hand-built frames, reads response frames, and
 * notices when the broker closes the connection. Request builders for the few APIs the tests
 * speak directly use non-flexible versions (plain header v1, response header v0), except
 * ApiVersions v3.
 */
import { connect, type Socket } from 'node:net';
import { type ParsedBatch, parseRecordBatches } from './record-batch.js';
import { withTimeout } from './wait.js';
import { Reader, requestFrame, Writer } from './wire.js';

interface TestLike {
  teardown(fn: () => void | Promise<void>): void;
}

export class ConnectionClosedError extends Error {
  readonly code = 'SAMSA_TEST_CONNECTION_CLOSED';
}

/** Response frames larger than this are treated as a broken stream. */
const responseBytesMax = 512 * 1024 * 1024;

export interface ResponseFrame {
  correlationId: number;
  /** Everything after the correlation id (a flexible response still starts with its tags). */
  body: Buffer;
}

export class RawConnection {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private frames: ResponseFrame[] = [];
  private waiters: { resolve: (f: ResponseFrame) => void; reject: (e: Error) => void }[] = [];
  private nextCorrelationId = 1;
  private closedFlag = false;
  /** Settles when the socket has closed, for whatever reason. */
  readonly closed: Promise<void>;
  /** The local port (the broker logs it as part of the remote address), kept after close. */
  readonly localPort: number;

  private constructor(readonly socket: Socket) {
    this.localPort = socket.localPort ?? -1;
    socket.on('data', (d: Buffer) => this.onData(d));
    socket.on('error', () => {});
    this.closed = new Promise((resolve) => {
      socket.on('close', () => {
        this.closedFlag = true;
        for (const w of this.waiters.splice(0))
          w.reject(new ConnectionClosedError('connection closed by the broker'));
        resolve();
      });
    });
  }

  static async open(host: string, port: number, t?: TestLike, timeoutMs = 5000): Promise<RawConnection> {
    const socket = connect({ host, port });
    if (t) t.teardown(() => void socket.destroy());
    await withTimeout(
      `connect to ${host}:${port}`,
      new Promise<void>((resolve, reject) => {
        socket.once('connect', () => resolve());
        socket.once('error', reject);
      }),
      timeoutMs,
    );
    return new RawConnection(socket);
  }

  get isClosed(): boolean {
    return this.closedFlag;
  }

  write(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** Sends one request and returns its correlation id. */
  send(
    apiKey: number,
    apiVersion: number,
    body: Buffer,
    opts: { flexible?: boolean; clientId?: string | null } = {},
  ): number {
    const correlationId = this.nextCorrelationId++;
    this.write(requestFrame({ apiKey, apiVersion, correlationId, body, ...opts }));
    return correlationId;
  }

  /** The next response frame; rejects if the connection closes first or nothing comes in time. */
  nextFrame(timeoutMs = 10_000): Promise<ResponseFrame> {
    const f = this.frames.shift();
    if (f) return Promise.resolve(f);
    if (this.closedFlag) return Promise.reject(new ConnectionClosedError('connection closed by the broker'));
    return withTimeout(
      'a response frame',
      new Promise<ResponseFrame>((resolve, reject) => this.waiters.push({ resolve, reject })),
      timeoutMs,
    );
  }

  /** Either the next response frame or the news that the broker closed the connection. */
  async frameOrClose(
    timeoutMs = 10_000,
  ): Promise<{ kind: 'frame'; frame: ResponseFrame } | { kind: 'closed' }> {
    try {
      return { kind: 'frame', frame: await this.nextFrame(timeoutMs) };
    } catch (err) {
      if (err instanceof ConnectionClosedError) return { kind: 'closed' };
      throw err;
    }
  }

  /**
   * Sends a request and reads its response body. `flexibleResponse` skips response header v1's
   * tagged fields (ApiVersions always answers with header v0).
   */
  async request(
    apiKey: number,
    apiVersion: number,
    body: Buffer,
    opts: { flexible?: boolean; flexibleResponse?: boolean; timeoutMs?: number } = {},
  ): Promise<Reader> {
    const id = this.send(apiKey, apiVersion, body, { flexible: opts.flexible ?? false });
    const frame = await this.nextFrame(opts.timeoutMs);
    if (frame.correlationId !== id) {
      throw new Error(`response correlation id ${frame.correlationId}, expected ${id}`);
    }
    const r = new Reader(frame.body);
    if (opts.flexibleResponse) r.tags();
    return r;
  }

  close(): void {
    this.socket.destroy();
  }

  private onData(d: Buffer): void {
    this.chunks.push(d);
    this.buffered += d.length;
    for (;;) {
      if (this.buffered < 4) return;
      const head = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
      this.chunks = [head];
      const size = head.readInt32BE(0);
      if (size < 4 || size > responseBytesMax) {
        this.socket.destroy(new Error(`broker sent a response frame of ${size} bytes`));
        return;
      }
      if (head.length < 4 + size) return;
      const frame = head.subarray(4, 4 + size);
      this.chunks = [head.subarray(4 + size)];
      this.buffered = head.length - 4 - size;
      const f = { correlationId: frame.readInt32BE(0), body: frame.subarray(4) };
      const w = this.waiters.shift();
      if (w) w.resolve(f);
      else this.frames.push(f);
    }
  }
}

export const ApiKey = {
  Produce: 0,
  Fetch: 1,
  ListOffsets: 2,
  Metadata: 3,
  FindCoordinator: 10,
  ApiVersions: 18,
  CreateTopics: 19,
  DeleteTopics: 20,
} as const;

export interface ApiVersionsResult {
  errorCode: number;
  apis: Map<number, { min: number; max: number }>;
}

export function apiVersionsBody(version: number): Buffer {
  if (version >= 3) return new Writer().compactString('samsa-test').compactString('1.0').tags().bytesOut();
  return Buffer.alloc(0);
}

/** Parses an ApiVersions response body of `version` (v0 layout for error answers). */
export function parseApiVersions(r: Reader, version: number): ApiVersionsResult {
  const errorCode = r.int16();
  const apis = new Map<number, { min: number; max: number }>();
  const entry = (x: Reader) => {
    const key = x.int16();
    const min = x.int16();
    const max = x.int16();
    if (version >= 3) x.tags();
    apis.set(key, { min, max });
  };
  if (version >= 3) r.compactArray(entry);
  else r.array(entry);
  return { errorCode, apis };
}

export async function apiVersions(conn: RawConnection, version = 2): Promise<ApiVersionsResult> {
  const r = await conn.request(ApiKey.ApiVersions, version, apiVersionsBody(version), {
    flexible: version >= 3,
  });
  return parseApiVersions(r, version);
}

export interface CreateTopicSpec {
  name: string;
  partitions: number;
  replicationFactor?: number;
  configs?: Record<string, string>;
}

/** CreateTopics v2. */
export async function createTopics(
  conn: RawConnection,
  topics: CreateTopicSpec[],
  opts: { validateOnly?: boolean; timeoutMs?: number } = {},
): Promise<{ name: string; errorCode: number; errorMessage: string | null }[]> {
  const body = new Writer()
    .array(topics, (w, t) =>
      w
        .string(t.name)
        .int32(t.partitions)
        .int16(t.replicationFactor ?? 1)
        .int32(0)
        .array(Object.entries(t.configs ?? {}), (w2, [k, v]) => w2.string(k).string(v)),
    )
    .int32(opts.timeoutMs ?? 10_000)
    .bool(opts.validateOnly ?? false)
    .bytesOut();
  const r = await conn.request(ApiKey.CreateTopics, 2, body);
  r.int32();
  return r.array((x) => ({ name: x.string()!, errorCode: x.int16(), errorMessage: x.string() }));
}

/** Produce v3 body for one partition of one topic. */
export function produceBody(opts: {
  topic: string;
  partition: number;
  records: Buffer;
  acks?: number;
  timeoutMs?: number;
}): Buffer {
  return new Writer()
    .string(null)
    .int16(opts.acks ?? -1)
    .int32(opts.timeoutMs ?? 10_000)
    .array([opts.topic], (w, t) =>
      w.string(t).array([opts.partition], (w2, p) => w2.int32(p).bytes(opts.records)),
    )
    .bytesOut();
}

export interface ProduceResult {
  topic: string;
  partition: number;
  errorCode: number;
  baseOffset: bigint;
}

export function parseProduceV3(r: Reader): ProduceResult[] {
  const out: ProduceResult[] = [];
  r.array((t) => {
    const topic = t.string()!;
    t.array((p) => {
      out.push({ topic, partition: p.int32(), errorCode: p.int16(), baseOffset: p.int64() });
      p.int64();
    });
  });
  r.int32();
  return out;
}

/** Produce v3 of one batch; resolves with the partition's answer. */
export async function produce(
  conn: RawConnection,
  opts: { topic: string; partition: number; records: Buffer; acks?: number; timeoutMs?: number },
): Promise<ProduceResult> {
  const r = await conn.request(ApiKey.Produce, 3, produceBody(opts));
  const results = parseProduceV3(r);
  if (results.length !== 1) throw new Error(`produce answered ${results.length} partitions, expected 1`);
  return results[0]!;
}

export interface FetchResult {
  errorCode: number;
  highWatermark: bigint;
  lastStableOffset: bigint;
  records: Buffer | null;
}

/** Fetch v4 of one partition. */
export async function fetchPartition(
  conn: RawConnection,
  opts: {
    topic: string;
    partition: number;
    offset: bigint;
    maxBytes?: number;
    maxWaitMs?: number;
    minBytes?: number;
  },
): Promise<FetchResult> {
  const maxBytes = opts.maxBytes ?? 4 * 1024 * 1024;
  const body = new Writer()
    .int32(-1)
    .int32(opts.maxWaitMs ?? 0)
    .int32(opts.minBytes ?? 0)
    .int32(maxBytes)
    .int8(0)
    .array([opts.topic], (w, t) =>
      w.string(t).array([opts.partition], (w2, p) => w2.int32(p).int64(opts.offset).int32(maxBytes)),
    )
    .bytesOut();
  const r = await conn.request(ApiKey.Fetch, 4, body, { timeoutMs: (opts.maxWaitMs ?? 0) + 10_000 });
  r.int32();
  const results: FetchResult[] = [];
  r.array((t) => {
    t.string();
    t.array((p) => {
      p.int32();
      const errorCode = p.int16();
      const highWatermark = p.int64();
      const lastStableOffset = p.int64();
      p.array((a) => [a.int64(), a.int64()]);
      results.push({ errorCode, highWatermark, lastStableOffset, records: p.bytes() });
    });
  });
  if (results.length !== 1) throw new Error(`fetch answered ${results.length} partitions, expected 1`);
  return results[0]!;
}

/** Every batch of a partition from `from` up to the high watermark, fetched raw. */
export async function fetchAllBatches(
  conn: RawConnection,
  topic: string,
  partition: number,
  from = 0n,
): Promise<{ batches: ParsedBatch[]; highWatermark: bigint }> {
  const batches: ParsedBatch[] = [];
  let offset = from;
  for (let round = 0; round < 10_000; round++) {
    const f = await fetchPartition(conn, { topic, partition, offset });
    if (f.errorCode !== 0) throw new Error(`fetch ${topic}-${partition} at ${offset}: error ${f.errorCode}`);
    const got = parseRecordBatches(f.records);
    for (const b of got) {
      const next = b.baseOffset + BigInt(b.lastOffsetDelta) + 1n;
      if (next <= offset) continue; // a batch that starts before `offset` may be served whole
      batches.push(b);
      offset = next;
    }
    if (offset >= f.highWatermark) return { batches, highWatermark: f.highWatermark };
    if (got.length === 0) throw new Error(`fetch ${topic}-${partition} at ${offset} returned no whole batch`);
  }
  throw new Error('fetchAllBatches: too many rounds');
}

/** ListOffsets v1 of one partition: timestamp -1 latest, -2 earliest. */
export async function listOffset(
  conn: RawConnection,
  opts: { topic: string; partition: number; timestamp: bigint },
): Promise<{ errorCode: number; offset: bigint; timestamp: bigint }> {
  const body = new Writer()
    .int32(-1)
    .array([opts.topic], (w, t) =>
      w.string(t).array([opts.partition], (w2, p) => w2.int32(p).int64(opts.timestamp)),
    )
    .bytesOut();
  const r = await conn.request(ApiKey.ListOffsets, 1, body);
  const out: { errorCode: number; offset: bigint; timestamp: bigint }[] = [];
  r.array((t) => {
    t.string();
    t.array((p) => {
      p.int32();
      const errorCode = p.int16();
      const timestamp = p.int64();
      out.push({ errorCode, timestamp, offset: p.int64() });
    });
  });
  if (out.length !== 1) throw new Error(`list offsets answered ${out.length} partitions, expected 1`);
  return out[0]!;
}

export interface MetadataTopic {
  errorCode: number;
  name: string;
  partitions: { errorCode: number; partition: number; leader: number }[];
}

/** Metadata v4 (null `topics` = all topics). */
export async function metadata(
  conn: RawConnection,
  topics: string[] | null,
  allowAutoTopicCreation = false,
): Promise<{
  brokers: { nodeId: number; host: string; port: number }[];
  controllerId: number;
  topics: MetadataTopic[];
}> {
  const w = new Writer();
  if (topics === null) w.int32(-1);
  else w.array(topics, (x, t) => x.string(t));
  w.bool(allowAutoTopicCreation);
  const r = await conn.request(ApiKey.Metadata, 4, w.bytesOut());
  r.int32();
  const brokers = r.array((b) => {
    const nodeId = b.int32();
    const host = b.string()!;
    const port = b.int32();
    b.string();
    return { nodeId, host, port };
  });
  r.string();
  const controllerId = r.int32();
  const ts = r.array((t) => {
    const errorCode = t.int16();
    const name = t.string()!;
    t.bool();
    const partitions = t.array((p) => {
      const pe = p.int16();
      const partition = p.int32();
      const leader = p.int32();
      p.array((x) => x.int32());
      p.array((x) => x.int32());
      return { errorCode: pe, partition, leader };
    });
    return { errorCode, name, partitions };
  });
  return { brokers, controllerId, topics: ts };
}

/** FindCoordinator v0 for a group: resolves with the error code (0 when groups are served). */
export async function findCoordinator(conn: RawConnection, group: string): Promise<number> {
  const r = await conn.request(ApiKey.FindCoordinator, 0, new Writer().string(group).bytesOut());
  return r.int16();
}
