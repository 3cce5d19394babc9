/**
 * The consumer's fetcher: keeps one Fetch in flight per leader broker for the assigned,
 * unpaused partitions, and buffers the raw record bytes it gets back. Prefetch is bounded:
 * a Fetch asks for at most `maxBufferedBytes - bufferedBytes`, and none is sent while the
 * buffer is full, so the bytes held never exceed maxBufferedBytes plus one response (a broker
 * always returns at least one whole batch, KIP-74). Records are decoded lazily, one at a time,
 * as the consumer iterates; a chunk's bytes are released when the iterator moves past it.
 */

import { ApiKey } from '../protocol/api-keys.js';
import type { FetchRequest, FetchResponse } from '../protocol/apis/index.js';
import { COMPRESSION_ATTRIBUTE_MASK, decompress } from '../protocol/compression.js';
import { crc32c } from '../protocol/crc32c.js';
import { ErrorCode } from '../protocol/error-codes.js';
import {
  ATTRIBUTES_OFFSET,
  BASE_TIMESTAMP_OFFSET,
  batchLastOffset,
  batchSize,
  CONTROL_FLAG_MASK,
  CRC_COVERAGE_START,
  CRC_OFFSET,
  DECOMPRESSED_BYTES_MAX_DEFAULT,
  LAST_OFFSET_DELTA_OFFSET,
  MAGIC_OFFSET,
  MAGIC_V2,
  MAX_TIMESTAMP_OFFSET,
  PARTITION_LEADER_EPOCH_OFFSET,
  RECORDS_COUNT_OFFSET,
  RECORDS_OFFSET,
  readInt64,
  TIMESTAMP_TYPE_MASK,
} from '../protocol/record-batch.js';
import { readVarlong, varintResult } from '../protocol/varint.js';
import { backoffDelay, type Cluster } from './cluster.js';
import { isRetriableError, kafkaError, SamsaError } from './errors.js';

/** One assigned partition as the consumer tracks it. */
export interface PartitionState {
  topic: string;
  partition: number;
  /** Next offset the fetcher asks for (ahead of `position` when data is buffered). */
  fetchOffset: number;
  /** Next offset the user will see. */
  position: number;
  /** Offset after the last record the user finished processing (what a commit stores). */
  processed: number;
  /** Offset of the last commit (or -1). */
  committed: number;
  paused: boolean;
  /** Bumped on seek/revoke: buffered and in-flight data of older epochs is dropped. */
  epoch: number;
  /** Waiting for an offset lookup (reset policy, timestamp) before fetching. */
  resetting: boolean;
  highWatermark: number;
  /** No fetch for this partition before this time (after errors). */
  backoffUntil: number;
  errorAttempts: number;
}

/** Shared by records without headers (frozen: no per-record allocation). */
const noHeaders: { key: string; value: Buffer | null }[] = Object.freeze([]) as unknown as {
  key: string;
  value: Buffer | null;
}[];

/** The records of one partition from one Fetch response. */
export class FetchedChunk {
  readonly state: PartitionState;
  readonly epoch: number;
  readonly bytes: number;
  readonly highWatermark: number;
  released = false;
  private readonly buf: Buffer;
  private readonly checkCrcs: boolean;
  private batchPos = 0;
  // current batch
  private data: Buffer = Buffer.alloc(0);
  private p = 0;
  private left = 0;
  private baseOffset = 0;
  private baseTimestamp = 0;
  private logAppendTime = -1;

  constructor(state: PartitionState, buf: Buffer, highWatermark: number, checkCrcs: boolean) {
    this.state = state;
    this.epoch = state.epoch;
    this.buf = buf;
    this.bytes = buf.length;
    this.highWatermark = highWatermark;
    this.checkCrcs = checkCrcs;
  }

  /** Still valid: same partition epoch (no seek or revoke since it was fetched). */
  get live(): boolean {
    return !this.released && this.state.epoch === this.epoch;
  }

  // The record `advance()` stopped on (fields, not an object: no allocation per record).
  offset = 0;
  timestamp = 0;
  key: Buffer | null = null;
  value: Buffer | null = null;
  headers: { key: string; value: Buffer | null }[] = noHeaders;
  leaderEpoch = -1;

  /** Move to the next record at or after the partition's position; false when the chunk is done. */
  advance(): boolean {
    for (;;) {
      while (this.left > 0) {
        this.readRecord();
        if (this.offset >= this.state.position) return true;
      }
      if (!this.openBatch()) return false;
    }
  }

  /** Offset after the last whole batch in `buf` (-1 when it holds none). */
  static endOffset(buf: Buffer): number {
    let pos = 0;
    let end = -1;
    while (pos + RECORDS_OFFSET <= buf.length) {
      const size = batchSize(buf, pos);
      if (size < RECORDS_OFFSET || pos + size > buf.length) break;
      end = batchLastOffset(buf, pos) + 1;
      pos += size;
    }
    return end;
  }

  private openBatch(): boolean {
    const buf = this.buf;
    for (;;) {
      const pos = this.batchPos;
      if (pos + RECORDS_OFFSET > buf.length) return false;
      const size = batchSize(buf, pos);
      if (size < RECORDS_OFFSET || pos + size > buf.length) return false; // partial trailing batch
      this.batchPos = pos + size;
      const magic = buf[pos + MAGIC_OFFSET];
      if (magic !== MAGIC_V2) {
        throw new SamsaError(
          'SAMSA_PROTOCOL',
          `fetched a message set of magic ${magic} from ${this.state.topic}-${this.state.partition}; only v2 batches are supported`,
        );
      }
      const baseOffset = readInt64(buf, pos);
      const lastOffset = baseOffset + buf.readInt32BE(pos + LAST_OFFSET_DELTA_OFFSET);
      if (lastOffset < this.state.position) continue;
      const attributes = buf.readInt16BE(pos + ATTRIBUTES_OFFSET);
      if (attributes & CONTROL_FLAG_MASK) continue;
      if (this.checkCrcs) {
        const stored = buf.readUInt32BE(pos + CRC_OFFSET);
        if (crc32c(buf, pos + CRC_COVERAGE_START, pos + size) !== stored) {
          throw new SamsaError(
            'SAMSA_PROTOCOL',
            `corrupt batch (bad CRC) at offset ${baseOffset} of ${this.state.topic}-${this.state.partition}`,
          );
        }
      }
      const compression = attributes & COMPRESSION_ATTRIBUTE_MASK;
      const raw = buf.subarray(pos + RECORDS_OFFSET, pos + size);
      this.data = compression === 0 ? raw : decompress(compression, raw, DECOMPRESSED_BYTES_MAX_DEFAULT);
      this.p = 0;
      this.left = buf.readInt32BE(pos + RECORDS_COUNT_OFFSET);
      this.baseOffset = baseOffset;
      this.baseTimestamp = readInt64(buf, pos + BASE_TIMESTAMP_OFFSET);
      this.logAppendTime = attributes & TIMESTAMP_TYPE_MASK ? readInt64(buf, pos + MAX_TIMESTAMP_OFFSET) : -1;
      this.leaderEpoch = buf.readInt32BE(pos + PARTITION_LEADER_EPOCH_OFFSET);
      if (this.left > 0) return true;
    }
  }

  private varint(): number {
    const d = this.data;
    let p = this.p;
    let b = d[p++]!;
    let u = b & 0x7f;
    let shift = 7;
    while (b & 0x80) {
      if (p >= d.length || shift > 28)
        throw new SamsaError('SAMSA_PROTOCOL', 'corrupt varint in a fetched record');
      b = d[p++]!;
      u |= (b & 0x7f) << shift;
      shift += 7;
    }
    this.p = p;
    u >>>= 0;
    return (u >>> 1) ^ -(u & 1);
  }

  private bytesField(): Buffer | null {
    const n = this.varint();
    if (n < 0) return null;
    const start = this.p;
    if (start + n > this.data.length)
      throw new SamsaError('SAMSA_PROTOCOL', 'a fetched record overruns its batch');
    this.p = start + n;
    return this.data.subarray(start, start + n);
  }

  private readRecord(): void {
    this.left--;
    const len = this.varint();
    const end = this.p + len;
    if (len < 6 || end > this.data.length)
      throw new SamsaError('SAMSA_PROTOCOL', 'a fetched record has a bad length');
    this.p++; // attributes
    let tsDelta: number;
    const first = this.data[this.p]!;
    if (first < 0x80) {
      this.p++;
      tsDelta = (first >>> 1) ^ -(first & 1);
    } else {
      tsDelta = readVarlong(this.data, this.p, end);
      this.p += varintResult.length;
    }
    const offsetDelta = this.varint();
    const key = this.bytesField();
    const value = this.bytesField();
    const headerCount = this.varint();
    const headers: { key: string; value: Buffer | null }[] = headerCount === 0 ? noHeaders : [];
    for (let i = 0; i < headerCount; i++) {
      const k = this.bytesField();
      headers.push({ key: k === null ? '' : k.toString('utf8'), value: this.bytesField() });
    }
    this.p = end;
    this.offset = this.baseOffset + offsetDelta;
    this.timestamp = this.logAppendTime >= 0 ? this.logAppendTime : this.baseTimestamp + tsDelta;
    this.key = key;
    this.value = value;
    this.headers = headers;
  }
}

export interface FetcherOptions {
  /** Bound on buffered fetched bytes (default 32 MiB). */
  maxBufferedBytes: number;
  /** Bound on one Fetch response (default 8 MiB, and never above the free buffer space). */
  fetchMaxBytes: number;
  /** Bound per partition in one response (default 1 MiB). */
  partitionMaxBytes: number;
  /** Broker wait for data (default 500). */
  fetchMaxWaitMs: number;
  fetchMinBytes: number;
  /** Verify batch CRCs (default true). */
  checkCrcs: boolean;
  /** How long brokers may stay unreachable before the consumer fails (default 60 000). */
  reconnectTimeoutMs: number;
}

/** Callbacks into the consumer. */
export interface FetcherHooks {
  /** A partition's offset is out of range (or unknown): apply the reset policy. */
  outOfRange(state: PartitionState): void;
  /** The consumer cannot continue. */
  fatal(err: SamsaError): void;
}

export class Fetcher {
  /** Chunks waiting to be consumed, in arrival order. */
  readonly chunks: FetchedChunk[] = [];
  bufferedBytes = 0;
  /** Highest bufferedBytes seen (tests check the bound). */
  bufferedBytesPeak = 0;
  private readonly inFlight = new Set<number>();
  private readonly unreachableSince = new Map<number, number>();
  private waiters: (() => void)[] = [];
  private stopped = false;
  private wakeTimer: NodeJS.Timeout | undefined;
  private nodeAttempts = new Map<number, number>();

  constructor(
    private readonly cluster: Cluster,
    private readonly partitions: () => Iterable<PartitionState>,
    private readonly options: FetcherOptions,
    private readonly hooks: FetcherHooks,
  ) {}

  /** Resolves when a chunk arrives (or the fetcher stops / is woken). */
  waitForData(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Wake anyone waiting for data (close, fatal error, assignment change). */
  wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Drop buffered data of a partition (seek, revoke, pause keeps it). */
  dropPartition(state: PartitionState): void {
    for (let i = this.chunks.length - 1; i >= 0; i--) {
      const c = this.chunks[i]!;
      if (c.state === state) {
        this.chunks.splice(i, 1);
        this.release(c);
      }
    }
  }

  /** The chunk left the consumer: give its bytes back and fetch more. */
  release(c: FetchedChunk): void {
    if (c.released) return;
    c.released = true;
    this.bufferedBytes -= c.bytes;
    this.kick();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.wakeTimer);
    this.wake();
  }

  private kickQueued = false;

  /**
   * Send a Fetch to every leader that has work and none in flight — once the current
   * synchronous work is done, so that partitions positioned one after another in a loop go
   * out in one Fetch (a first Fetch for only the first of them would hold the rest back for a
   * whole long poll).
   */
  kick(): void {
    if (this.kickQueued || this.stopped) return;
    this.kickQueued = true;
    queueMicrotask(() => {
      this.kickQueued = false;
      this.sendFetches();
    });
  }

  private sendFetches(): void {
    if (this.stopped) return;
    const free = this.options.maxBufferedBytes - this.bufferedBytes;
    if (free <= 0) return;
    const now = Date.now();
    const byNode = new Map<number, PartitionState[]>();
    let needMetadata = false;
    let nextWake = Number.POSITIVE_INFINITY;
    for (const s of this.partitions()) {
      if (s.paused || s.resetting) continue;
      if (s.backoffUntil > now) {
        nextWake = Math.min(nextWake, s.backoffUntil);
        continue;
      }
      const leader = this.cluster.leaderOf(s.topic, s.partition);
      if (leader < 0) {
        needMetadata = true;
        continue;
      }
      if (this.inFlight.has(leader)) continue;
      let l = byNode.get(leader);
      if (!l) {
        l = [];
        byNode.set(leader, l);
      }
      l.push(s);
    }
    for (const [node, states] of byNode) this.fetchFrom(node, states, free);
    if (needMetadata) this.refreshLater(0);
    if (nextWake !== Number.POSITIVE_INFINITY) this.wakeAt(nextWake - now);
  }

  private wakeAt(ms: number): void {
    if (this.wakeTimer) return;
    this.wakeTimer = setTimeout(
      () => {
        this.wakeTimer = undefined;
        this.kick();
      },
      Math.max(0, ms),
    );
  }

  private refreshing = false;
  private refreshLater(attempt: number): void {
    if (this.refreshing || this.stopped) return;
    this.refreshing = true;
    void this.cluster
      .refreshMetadata()
      .then(
        () => this.reachable(-1),
        (err: unknown) => this.unreachable(-1, err),
      )
      .finally(() => {
        this.refreshing = false;
        this.wakeAt(
          backoffDelay(attempt, this.cluster.options.retryBackoffMs, this.cluster.options.retryBackoffMsMax),
        );
      });
  }

  private reachable(node: number): void {
    this.unreachableSince.delete(node);
    this.nodeAttempts.delete(node);
  }

  private unreachable(node: number, err: unknown): void {
    const now = Date.now();
    const since = this.unreachableSince.get(node) ?? now;
    this.unreachableSince.set(node, since);
    if (now - since > this.options.reconnectTimeoutMs) {
      this.hooks.fatal(
        new SamsaError(
          'SAMSA_FATAL',
          `brokers unreachable for more than ${this.options.reconnectTimeoutMs} ms (reconnectTimeoutMs): ${(err as Error)?.message ?? String(err)}`,
          { cause: err },
        ),
      );
    }
  }

  private fetchFrom(node: number, states: PartitionState[], free: number): void {
    const o = this.options;
    const maxBytes = Math.max(1, Math.min(o.fetchMaxBytes, free));
    const partitionMaxBytes = Math.max(1, Math.min(o.partitionMaxBytes, maxBytes));
    const topics = new Map<string, FetchRequest['topics'][number]>();
    const sent = states.map((s) => ({ s, epoch: s.epoch, fetchOffset: s.fetchOffset }));
    for (const s of states) {
      let t = topics.get(s.topic);
      if (!t) {
        t = { topic: s.topic, partitions: [] };
        topics.set(s.topic, t);
      }
      t.partitions.push({
        partition: s.partition,
        currentLeaderEpoch: -1,
        fetchOffset: s.fetchOffset,
        lastFetchedEpoch: -1,
        logStartOffset: -1,
        partitionMaxBytes,
      });
    }
    const body: FetchRequest = {
      replicaId: -1,
      maxWaitMs: o.fetchMaxWaitMs,
      minBytes: o.fetchMinBytes,
      maxBytes,
      isolationLevel: 0,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [...topics.values()],
      forgottenTopicsData: [],
      rackId: '',
    };
    this.inFlight.add(node);
    const timeoutMs = this.cluster.options.requestTimeoutMs + o.fetchMaxWaitMs;
    this.cluster
      .connectionTo(node)
      .then((conn) => conn.request(ApiKey.Fetch, body, { timeoutMs }))
      .then(
        (res) => {
          this.reachable(node);
          this.onResponse(res, sent);
        },
        (err: unknown) => {
          if (this.stopped) return;
          if (!isRetriableError(err)) {
            this.hooks.fatal(
              err instanceof SamsaError ? err : new SamsaError('SAMSA_FATAL', String(err), { cause: err }),
            );
            return;
          }
          const attempt = this.nodeAttempts.get(node) ?? 0;
          this.nodeAttempts.set(node, attempt + 1);
          const until =
            Date.now() +
            backoffDelay(
              attempt,
              this.cluster.options.retryBackoffMs,
              this.cluster.options.retryBackoffMsMax,
            );
          for (const { s } of sent) s.backoffUntil = until;
          this.unreachable(node, err);
          this.refreshLater(attempt);
        },
      )
      .finally(() => {
        this.inFlight.delete(node);
        this.kick();
      });
  }

  private onResponse(
    res: FetchResponse,
    sent: { s: PartitionState; epoch: number; fetchOffset: number }[],
  ): void {
    if (this.stopped) return;
    if (res.errorCode) {
      const err = kafkaError(res.errorCode, 'fetch');
      if (!err.retriable) this.hooks.fatal(err);
      return;
    }
    const index = new Map<string, (typeof sent)[number]>();
    for (const x of sent) index.set(`${x.s.topic}\u0000${x.s.partition}`, x);
    let added = false;
    for (const t of res.responses) {
      for (const p of t.partitions) {
        const x = index.get(`${t.topic}\u0000${p.partitionIndex}`);
        if (!x) continue;
        const s = x.s;
        if (s.epoch !== x.epoch || s.fetchOffset !== x.fetchOffset) continue; // seeked meanwhile
        s.highWatermark = p.highWatermark;
        if (p.errorCode !== 0) {
          this.partitionError(s, p.errorCode);
          continue;
        }
        s.errorAttempts = 0;
        const records = p.records;
        if (!records || records.length === 0) continue;
        const end = FetchedChunk.endOffset(records);
        if (end < 0) {
          // Only a partial batch fits: the partition limit is below one batch.
          this.hooks.fatal(
            new SamsaError(
              'SAMSA_FATAL',
              `a batch of ${t.topic}-${p.partitionIndex} at ${s.fetchOffset} is larger than the fetch limits (partitionMaxBytes / maxBufferedBytes)`,
            ),
          );
          return;
        }
        if (end <= s.fetchOffset) continue;
        s.fetchOffset = end;
        const c = new FetchedChunk(s, records, p.highWatermark, this.options.checkCrcs);
        this.chunks.push(c);
        this.bufferedBytes += c.bytes;
        if (this.bufferedBytes > this.bufferedBytesPeak) this.bufferedBytesPeak = this.bufferedBytes;
        added = true;
      }
    }
    if (added) this.wake();
  }

  private partitionError(s: PartitionState, code: number): void {
    if (code === ErrorCode.OFFSET_OUT_OF_RANGE) {
      this.hooks.outOfRange(s);
      return;
    }
    const err = kafkaError(code, `fetch ${s.topic}-${s.partition}`);
    if (!err.retriable && code !== ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) {
      this.hooks.fatal(err);
      return;
    }
    s.backoffUntil =
      Date.now() +
      backoffDelay(
        s.errorAttempts++,
        this.cluster.options.retryBackoffMs,
        this.cluster.options.retryBackoffMsMax,
      );
    this.refreshLater(s.errorAttempts);
  }
}
