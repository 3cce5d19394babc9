/**
 * The producer: serializes records, picks partitions, appends them to per-partition batches
 * built in place (accumulator.ts) and sends the batches of many partitions per Produce request,
 * one request per leader at a time per partition (so retries never reorder a partition).
 *
 * Back-pressure: when the batches held reach `bufferBytesMax`, new records wait (in order) for
 * space; a record that waited `bufferTimeoutMs` fails with SAMSA_BUFFER_FULL. `writable` and
 * `waitForCapacity()` let a tight loop slow down before that.
 */

import { ApiKey } from '../protocol/api-keys.js';
import type { ProduceRequest, ProduceResponse } from '../protocol/apis/index.js';
import { ErrorCode, isRetriable } from '../protocol/error-codes.js';
import {
  Accumulator,
  type BatchBuilder,
  type CompressionType,
  headerList,
  type PartitionQueue,
  type RecordHeaders,
} from './accumulator.js';
import { backoffDelay, Cluster, type ClusterOptions } from './cluster.js';
import { isRetriableError, kafkaError, SamsaError } from './errors.js';
import { Fifo } from './fifo.js';
import { type KeyPartitioner, murmur2Partitioner, partitioners, StickyPartitioner } from './partitioners.js';
import type { Serializer } from './serializers.js';

/** Acknowledgement level: 0 none, 1 leader, -1 / 'all' every in-sync replica. */
export type Acks = 0 | 1 | -1 | 'all';

/**
 * Records waiting for buffer space or topic metadata, at most (their bytes are not yet in the
 * buffer's count); past it send() fails at once with SAMSA_BUFFER_FULL.
 */
const blockedRecordsMax = 1_000_000;

/** Producer settings (connection settings from ClusterOptions included). */
export interface ProducerOptions<K = Buffer | string | null, V = Buffer | string | null>
  extends ClusterOptions {
  /** Default -1 ('all'). */
  acks?: Acks;
  /** How long a batch waits for more records before it is sent (default 5). */
  lingerMs?: number;
  /** Size of one batch buffer; a bigger record gets a batch of its own (default 256 KiB). */
  batchBytes?: number;
  /** Bound on one Produce request (default 8 MiB; at least one batch is always sent). */
  requestBytesMax?: number;
  /** Bound on the bytes of batches held, open or in flight (default 32 MiB, as Kafka's buffer.memory). */
  bufferBytesMax?: number;
  /** How long a record may wait for buffer space before SAMSA_BUFFER_FULL (default 30 000). */
  bufferTimeoutMs?: number;
  /** How long a record may take from `send` to acknowledgement, retries included (default 120 000). */
  deliveryTimeoutMs?: number;
  /** Batches of one partition in flight. 1 (default) keeps order even across retries. */
  partitionInFlightMax?: number;
  /** Batch compression (default 'none'). */
  compression?: CompressionType;
  /** Partitioner for keyed records: 'murmur2' (default, Java-compatible), 'jumpHash', or a function. */
  partitioner?: keyof typeof partitioners | KeyPartitioner;
  /** The broker's wait for acks (default 30 000). */
  ackTimeoutMs?: number;
  /** Ask the broker to create unknown topics (default true). */
  autoCreateTopics?: boolean;
  keySerializer?: Serializer<K>;
  valueSerializer?: Serializer<V>;
}

/** A record to send. */
export interface ProducerRecord<K = Buffer | string | null, V = Buffer | string | null> {
  topic: string;
  key?: K | null;
  value: V | null;
  /** Explicit partition; otherwise the partitioner decides. */
  partition?: number;
  headers?: RecordHeaders;
  /** Create time in ms (default now). */
  timestamp?: number;
}

/** Where an acknowledged record was written. offset is -1 with acks 0. */
export interface RecordMetadata {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
}

interface Blocked {
  record: ProducerRecord<unknown, unknown>;
  deadline: number;
  resolve: (m: Promise<RecordMetadata>) => void;
  reject: (e: Error) => void;
}

const identity = (v: unknown) => v as Buffer | string | null;

/**
 * Sends records to topics.
 *
 * @example
 * ```ts
 * const producer = new Producer({ brokers: ['localhost:9092'] });
 * await producer.connect();
 * await producer.send({ topic: 'events', key: 'user-1', value: 'hello' });
 * await producer.close();
 * ```
 */
export class Producer<K = Buffer | string | null, V = Buffer | string | null> {
  readonly cluster: Cluster;
  private readonly acks: number;
  private readonly lingerMs: number;
  private readonly requestBytesMax: number;
  private readonly bufferBytesMax: number;
  private readonly bufferTimeoutMs: number;
  private readonly deliveryTimeoutMs: number;
  private readonly partitionInFlightMax: number;
  private readonly compression: CompressionType;
  private readonly keyPartitioner: KeyPartitioner;
  private readonly ackTimeoutMs: number;
  private readonly autoCreateTopics: boolean;
  private readonly serializeKey: (k: unknown) => Buffer | string | null;
  private readonly serializeValue: (v: unknown) => Buffer | string | null;
  private readonly acc: Accumulator;
  private readonly sticky = new StickyPartitioner();
  private readonly pendingBatches = new Set<BatchBuilder>();
  private readonly blocked = new Fifo<Blocked>();
  private readonly topicWaits = new Map<string, Promise<void>>();
  private readonly capacityWaiters: (() => void)[] = [];
  private sendScheduled = false;
  private wakeTimer: NodeJS.Timeout | undefined;
  private wakeAt = Number.POSITIVE_INFINITY;
  private blockedTimer: NodeJS.Timeout | undefined;
  private flushing = 0;
  private refreshing = false;
  private closedFlag = false;

  constructor(options: ProducerOptions<K, V>) {
    this.cluster = new Cluster(options);
    this.acks = options.acks === 'all' || options.acks === undefined ? -1 : options.acks;
    this.lingerMs = options.lingerMs ?? 5;
    this.requestBytesMax = options.requestBytesMax ?? 8 * 1024 * 1024;
    this.bufferBytesMax = options.bufferBytesMax ?? 32 * 1024 * 1024;
    this.bufferTimeoutMs = options.bufferTimeoutMs ?? 30_000;
    this.deliveryTimeoutMs = options.deliveryTimeoutMs ?? 120_000;
    this.partitionInFlightMax = options.partitionInFlightMax ?? 1;
    this.compression = options.compression ?? 'none';
    const p = options.partitioner ?? 'murmur2';
    this.keyPartitioner = typeof p === 'function' ? p : (partitioners[p] ?? murmur2Partitioner);
    this.ackTimeoutMs = options.ackTimeoutMs ?? 30_000;
    this.autoCreateTopics = options.autoCreateTopics ?? true;
    this.serializeKey = (options.keySerializer as (k: unknown) => Buffer | string | null) ?? identity;
    this.serializeValue = (options.valueSerializer as (v: unknown) => Buffer | string | null) ?? identity;
    this.acc = new Accumulator(options.batchBytes ?? 256 * 1024);
    if (![0, 1, -1].includes(this.acks)) {
      throw new SamsaError(
        'SAMSA_INVALID_ARGUMENT',
        `acks must be 0, 1, -1 or 'all', not ${String(options.acks)}`,
      );
    }
  }

  /** Connect to the cluster (load metadata). Optional: `send` connects when needed. */
  async connect(): Promise<void> {
    await this.cluster.connect();
  }

  /** Bytes of batches held (open, waiting or in flight). */
  get bufferedBytes(): number {
    return this.acc.bufferedBytes;
  }

  /** False while the buffer is full: `send` would wait. */
  get writable(): boolean {
    return this.acc.bufferedBytes < this.bufferBytesMax && this.blocked.length === 0;
  }

  /** Resolves when `writable` is true again. */
  waitForCapacity(): Promise<void> {
    if (this.writable || this.closedFlag) return Promise.resolve();
    return new Promise((resolve) => this.capacityWaiters.push(resolve));
  }

  /**
   * Send one record; resolves when the broker acknowledged it (per `acks`), rejects with a
   * SamsaError when it cannot be delivered. Records to one partition are written in call order.
   */
  send(record: ProducerRecord<K, V>): Promise<RecordMetadata> {
    if (this.closedFlag) return Promise.reject(new SamsaError('SAMSA_CLOSED', 'the producer is closed'));
    if (this.blocked.length === 0 && this.acc.bufferedBytes < this.bufferBytesMax) {
      const count = this.cluster.partitionCount(record.topic);
      if (count !== undefined) {
        try {
          return this.appendNow(record as ProducerRecord<unknown, unknown>, count);
        } catch (err) {
          return Promise.reject(err);
        }
      }
    }
    if (this.blocked.length >= blockedRecordsMax) {
      return Promise.reject(
        new SamsaError(
          'SAMSA_BUFFER_FULL',
          `${blockedRecordsMax} records already wait for buffer space or metadata; await earlier sends before sending more`,
        ),
      );
    }
    return new Promise<RecordMetadata>((resolve, reject) => {
      this.blocked.push({
        record: record as ProducerRecord<unknown, unknown>,
        deadline: Date.now() + this.bufferTimeoutMs,
        resolve,
        reject,
      });
      this.armBlockedTimer();
      this.pump();
    });
  }

  /** Send many records; resolves with their metadata in the same order. */
  sendBatch(records: readonly ProducerRecord<K, V>[]): Promise<RecordMetadata[]> {
    if (this.closedFlag) return Promise.reject(new SamsaError('SAMSA_CLOSED', 'the producer is closed'));
    // Fast path: no promise per record, only per batch touched.
    const n = records.length;
    const batches: BatchBuilder[] = new Array(n);
    const indexes = new Int32Array(n);
    const timestamps = new Float64Array(n);
    let i = 0;
    try {
      for (; i < n; i++) {
        if (this.blocked.length > 0 || this.acc.bufferedBytes >= this.bufferBytesMax) break;
        const r = records[i]! as ProducerRecord<unknown, unknown>;
        const count = this.cluster.partitionCount(r.topic);
        if (count === undefined) break;
        const b = this.appendRecord(r, count);
        batches[i] = b;
        indexes[i] = b.count - 1;
        timestamps[i] = this.lastTimestamp;
      }
    } catch (err) {
      return Promise.reject(err);
    }
    const slow: Promise<RecordMetadata>[] = [];
    for (let j = i; j < n; j++) {
      const p = this.send(records[j]!);
      p.catch(() => undefined); // awaited below; this only avoids an unhandled rejection if a batch fails first
      slow.push(p);
    }
    const distinct = new Set<BatchBuilder>();
    for (let j = 0; j < i; j++) distinct.add(batches[j]!);
    const waits: Promise<unknown>[] = [...distinct].map((b) => b.promise);
    return Promise.all(waits).then(async () => {
      const out: RecordMetadata[] = new Array(n);
      for (let j = 0; j < i; j++) {
        const b = batches[j]!;
        const base = b.baseOffset;
        out[j] = {
          topic: b.topic,
          partition: b.partition,
          offset: base < 0 ? -1 : base + indexes[j]!,
          timestamp: timestamps[j]!,
        };
      }
      const rest = await Promise.all(slow);
      for (let j = i; j < n; j++) out[j] = rest[j - i]!;
      return out;
    });
  }

  /** Send every buffered record now (ignoring lingerMs) and wait for all of them. */
  async flush(): Promise<void> {
    this.flushing++;
    try {
      this.runSender();
      while (this.pendingBatches.size > 0 || this.blocked.length > 0) {
        const waits: Promise<unknown>[] = [...this.pendingBatches].map((b) => b.promise);
        if (this.blocked.length > 0) waits.push(new Promise((r) => setImmediate(r)));
        await Promise.allSettled(waits);
        this.runSender();
      }
    } finally {
      this.flushing--;
    }
  }

  /** Flush, then close the connections. Later sends fail with SAMSA_CLOSED. */
  async close(): Promise<void> {
    if (this.closedFlag) return;
    try {
      await this.flush();
    } finally {
      this.closedFlag = true;
      clearTimeout(this.wakeTimer);
      clearTimeout(this.blockedTimer);
      for (const w of this.capacityWaiters.splice(0)) w();
      await this.cluster.close();
    }
  }

  // ---- appending ----

  private appendNow(
    record: ProducerRecord<unknown, unknown>,
    partitionCount: number,
  ): Promise<RecordMetadata> {
    const batch = this.appendRecord(record, partitionCount);
    const index = batch.count - 1;
    const topic = record.topic;
    const partition = batch.partition;
    const timestamp = this.lastTimestamp;
    return batch.promise.then((base) => ({
      topic,
      partition,
      offset: base < 0 ? -1 : base + index,
      timestamp,
    }));
  }

  /** Timestamp of the record appended last (read right after appendRecord). */
  private lastTimestamp = 0;

  /** Serialize, partition and append one record; returns its batch (index = count - 1). */
  private appendRecord(record: ProducerRecord<unknown, unknown>, partitionCount: number): BatchBuilder {
    const topic = record.topic;
    const key = record.key == null ? null : this.serializeKey(record.key);
    const value = record.value == null ? null : this.serializeValue(record.value);
    let partition = record.partition;
    if (partition === undefined) {
      if (key === null) partition = this.sticky.partition(topic, partitionCount);
      else partition = this.keyPartitioner(typeof key === 'string' ? Buffer.from(key) : key, partitionCount);
    } else if (!Number.isInteger(partition) || partition < 0 || partition >= partitionCount) {
      throw new SamsaError(
        'SAMSA_INVALID_ARGUMENT',
        `partition ${partition} does not exist in topic ${topic} (${partitionCount} partitions)`,
      );
    }
    const now = Date.now();
    const timestamp = record.timestamp ?? now;
    this.lastTimestamp = timestamp;
    const headers = record.headers === undefined ? null : headerList(record.headers);
    const q = this.acc.queue(topic, partition);
    const batch = this.acc.append(q, key, value, headers, timestamp, now);
    if (batch.count === 1) {
      this.pendingBatches.add(batch);
      if (this.lingerMs <= 0) this.scheduleSend();
      else this.wakeIn(this.lingerMs);
    }
    if (this.acc.lastFull) {
      if (record.partition === undefined && key === null)
        this.sticky.onBatchFull(topic, partition, partitionCount);
      // Seal the full batch now (header + CRC), while an earlier one may still be in flight.
      q.ready[q.ready.length - 1]!.close(this.compression);
      this.scheduleSend();
    }
    return batch;
  }

  /** Append blocked records in order while metadata and buffer space allow. */
  private pump(): void {
    while (this.blocked.length > 0) {
      const e = this.blocked.peek()!;
      if (this.closedFlag) {
        this.blocked.shift();
        e.reject(new SamsaError('SAMSA_CLOSED', 'the producer is closed'));
        continue;
      }
      const topic = e.record.topic;
      const count = this.cluster.partitionCount(topic);
      if (count === undefined) {
        this.waitForTopic(topic);
        return;
      }
      if (this.acc.bufferedBytes >= this.bufferBytesMax) return; // release() pumps again
      this.blocked.shift();
      try {
        e.resolve(this.appendNow(e.record, count));
      } catch (err) {
        e.reject(err as Error);
      }
    }
    this.notifyCapacity();
  }

  private waitForTopic(topic: string): void {
    if (this.topicWaits.has(topic)) return;
    const p = this.cluster
      .ensureTopics([topic], this.autoCreateTopics)
      .catch((err: unknown) => {
        // Fail the records of this topic at the head of the queue; keep the others.
        while (this.blocked.length > 0 && this.blocked.peek()!.record.topic === topic) {
          this.blocked.shift()!.reject(err as Error);
        }
      })
      .finally(() => {
        this.topicWaits.delete(topic);
        this.pump();
      });
    this.topicWaits.set(topic, p);
  }

  private armBlockedTimer(): void {
    if (this.blockedTimer || this.blocked.length === 0) return;
    const delay = Math.max(0, this.blocked.peek()!.deadline - Date.now());
    this.blockedTimer = setTimeout(() => {
      this.blockedTimer = undefined;
      const now = Date.now();
      while (this.blocked.length > 0 && this.blocked.peek()!.deadline <= now) {
        const e = this.blocked.shift()!;
        e.reject(
          new SamsaError(
            'SAMSA_BUFFER_FULL',
            `record for ${e.record.topic} waited ${this.bufferTimeoutMs} ms for buffer space or metadata (bufferBytesMax ${this.bufferBytesMax})`,
          ),
        );
      }
      this.pump();
      this.armBlockedTimer();
    }, delay);
    this.blockedTimer.unref?.();
  }

  private notifyCapacity(): void {
    if (!this.writable) return;
    for (const w of this.capacityWaiters.splice(0)) w();
  }

  // ---- sending ----

  private scheduleSend(): void {
    if (this.sendScheduled) return;
    this.sendScheduled = true;
    setImmediate(() => {
      this.sendScheduled = false;
      this.runSender();
    });
  }

  private wakeIn(ms: number): void {
    const at = Date.now() + ms;
    if (this.wakeTimer && at >= this.wakeAt) return;
    clearTimeout(this.wakeTimer);
    this.wakeAt = at;
    this.wakeTimer = setTimeout(
      () => {
        this.wakeTimer = undefined;
        this.wakeAt = Number.POSITIVE_INFINITY;
        this.runSender();
      },
      Math.max(0, ms),
    );
  }

  private runSender(): void {
    const now = Date.now();
    const byNode = new Map<number, PartitionQueue[]>();
    let nextWake = Number.POSITIVE_INFINITY;
    let needMetadata = false;
    for (const list of this.acc.queues.values()) {
      for (const q of list) {
        if (!q || q.inFlight >= this.partitionInFlightMax) continue;
        const head = q.peek(true);
        if (!head) continue;
        if (now - head.createdAt > this.deliveryTimeoutMs) {
          this.expire(q, head);
          nextWake = now;
          continue;
        }
        if (q.retryAt > now) {
          nextWake = Math.min(nextWake, q.retryAt);
          continue;
        }
        if (q.ready.length === 0 && this.flushing === 0 && now - head.createdAt < this.lingerMs) {
          nextWake = Math.min(nextWake, head.createdAt + this.lingerMs);
          continue;
        }
        const leader = this.cluster.leaderOf(q.topic, q.partition);
        if (leader < 0) {
          needMetadata = true;
          continue;
        }
        let qs = byNode.get(leader);
        if (!qs) {
          qs = [];
          byNode.set(leader, qs);
        }
        qs.push(q);
      }
    }
    for (const [node, qs] of byNode) this.sendToNode(node, qs);
    if (needMetadata) this.refreshMetadata();
    if (nextWake !== Number.POSITIVE_INFINITY) this.wakeIn(Math.max(0, nextWake - now));
  }

  private expire(q: PartitionQueue, batch: BatchBuilder): void {
    if (q.ready[0] === batch) q.ready.shift();
    else if (q.open === batch) q.open = null;
    this.finish(
      batch,
      new SamsaError(
        'SAMSA_DELIVERY_TIMEOUT',
        `${batch.count} records for ${batch.topic}-${batch.partition} not delivered within ${this.deliveryTimeoutMs} ms` +
          (batch.lastError ? `: ${batch.lastError.message}` : ''),
        { cause: batch.lastError },
      ),
    );
  }

  private refreshMetadata(): void {
    if (this.refreshing || this.closedFlag) return;
    this.refreshing = true;
    const attempt = 0;
    void this.cluster
      .refreshMetadata()
      .catch(() => undefined)
      .finally(() => {
        this.refreshing = false;
        this.wakeIn(
          backoffDelay(attempt, this.cluster.options.retryBackoffMs, this.cluster.options.retryBackoffMsMax),
        );
      });
  }

  private sendToNode(nodeId: number, queues: PartitionQueue[]): void {
    const batches: BatchBuilder[] = [];
    const topics = new Map<string, ProduceRequest['topicData'][number]>();
    let bytes = 0;
    for (const q of queues) {
      const batch = q.ready.length > 0 ? q.ready.shift()! : q.closeOpen()!;
      const data = batch.close(this.compression);
      if (batches.length > 0 && bytes + data.length > this.requestBytesMax) {
        q.ready.unshift(batch);
        this.scheduleSend();
        break;
      }
      bytes += data.length;
      batch.attempts++;
      q.inFlight++;
      batches.push(batch);
      let t = topics.get(q.topic);
      if (!t) {
        t = { name: q.topic, partitionData: [] };
        topics.set(q.topic, t);
      }
      t.partitionData.push({ index: q.partition, records: data });
    }
    const body: ProduceRequest = {
      transactionalId: null,
      acks: this.acks,
      timeoutMs: this.ackTimeoutMs,
      topicData: [...topics.values()],
    };
    const timeoutMs = this.cluster.options.requestTimeoutMs + this.ackTimeoutMs;
    this.cluster
      .connectionTo(nodeId)
      .then((conn) => conn.request(ApiKey.Produce, body, { timeoutMs, expectResponse: this.acks !== 0 }))
      .then(
        (res) => {
          this.landed(batches);
          this.onResponse(batches, res as ProduceResponse | undefined);
        },
        (err: unknown) => {
          this.landed(batches);
          for (const b of batches) this.retryOrFail(b, err as Error);
        },
      )
      .finally(() => this.runSender());
  }

  /** The request of these batches is over (answered or failed): their partitions may send again. */
  private landed(batches: BatchBuilder[]): void {
    for (const b of batches) this.acc.queue(b.topic, b.partition).inFlight--;
  }

  private onResponse(batches: BatchBuilder[], res: ProduceResponse | undefined): void {
    if (res === undefined) {
      for (const b of batches) this.finish(b, -1);
      return;
    }
    const results = new Map<
      string,
      { errorCode: number; baseOffset: number; errorMessage?: string | null }
    >();
    for (const t of res.responses)
      for (const p of t.partitionResponses) results.set(`${t.name}\u0000${p.index}`, p);
    for (const b of batches) {
      const r = results.get(`${b.topic}\u0000${b.partition}`);
      if (!r) {
        this.retryOrFail(
          b,
          new SamsaError('SAMSA_PROTOCOL', `Produce response lacks ${b.topic}-${b.partition}`),
        );
      } else if (r.errorCode === 0) {
        this.finish(b, r.baseOffset);
      } else {
        this.retryOrFail(b, kafkaError(r.errorCode, `produce to ${b.topic}-${b.partition}`, r.errorMessage));
      }
    }
  }

  private retryOrFail(b: BatchBuilder, err: Error): void {
    const q = this.acc.queue(b.topic, b.partition);
    const retriable =
      isRetriableError(err) ||
      (err instanceof SamsaError && err.kafkaCode !== 0 && isRetriable(err.kafkaCode)) ||
      (err instanceof SamsaError && err.code === 'SAMSA_METADATA');
    b.lastError = err;
    if (!retriable || this.closedFlag || Date.now() - b.createdAt > this.deliveryTimeoutMs) {
      this.finish(b, err);
      return;
    }
    q.ready.unshift(b);
    q.retryAt =
      Date.now() +
      backoffDelay(
        b.attempts - 1,
        this.cluster.options.retryBackoffMs,
        this.cluster.options.retryBackoffMsMax,
      );
    if (
      !(err instanceof SamsaError) ||
      err.kafkaCode === ErrorCode.NOT_LEADER_OR_FOLLOWER ||
      err.kafkaCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION ||
      err.kafkaCode === ErrorCode.LEADER_NOT_AVAILABLE ||
      err.code !== 'SAMSA_KAFKA'
    ) {
      this.refreshMetadata();
    }
  }

  /** Settle a batch with a base offset or an error and give its bytes back. */
  private finish(b: BatchBuilder, result: number | Error): void {
    if (!this.pendingBatches.delete(b)) return;
    if (typeof result === 'number') b.succeed(result);
    else b.fail(result);
    this.acc.release(b);
    this.pump();
    this.notifyCapacity();
  }
}
