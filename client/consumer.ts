/**
 * The consumer: reads assigned partitions (by group membership or by explicit `assign`) as an
 * async iterator of records or of batches, with bounded prefetch, commits (automatic after
 * processing, or manual), seek, pause/resume, offset reset policy, reads from a timestamp,
 * and recovery from broker restarts — or a fatal error thrown from the iterator, never a
 * silent hang.
 */
import { EventEmitter } from 'node:events';
import { ApiKey } from '../protocol/api-keys.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { fetchCommitted, listOffsetsFor, offsetCommitTopics, type PartitionOffset } from './admin.js';
import { type Assignor, assignors as assignorsByName, type TopicPartitions } from './assignors.js';
import { Cluster, type ClusterOptions } from './cluster.js';
import { kafkaError, SamsaError } from './errors.js';
import { type FetchedChunk, Fetcher, type PartitionState } from './fetcher.js';
import { GroupMembership } from './group-membership.js';
import type { Deserializer } from './serializers.js';

/** Where to start when a partition has no committed offset (or it is out of range). */
export type ResetPolicy = 'earliest' | 'latest' | 'none';

/** Consumer settings (connection settings from ClusterOptions included). */
export interface ConsumerOptions<K = Buffer | null, V = Buffer | null> extends ClusterOptions {
  /** Consumer group; required for `subscribe` and for commits. */
  groupId?: string;
  /** Static membership id (KIP-345): restarts within the session timeout cause no rebalance. */
  groupInstanceId?: string;
  /** Default 30 000. */
  sessionTimeoutMs?: number;
  /** Default 60 000. */
  rebalanceTimeoutMs?: number;
  /** Heartbeats run on their own timer, never waiting for message processing (default 3 000). */
  heartbeatIntervalMs?: number;
  /** Assignors by preference; all eager or all cooperative (default ['cooperative-sticky']). */
  assignors?: (keyof typeof assignorsByName | Assignor)[];
  /** Commit processed offsets automatically (default true). */
  autoCommit?: boolean;
  /** Default 5 000. */
  autoCommitIntervalMs?: number;
  /** Default 'latest'. */
  resetPolicy?: ResetPolicy;
  /** Bound on prefetched bytes (default 32 MiB); memory never grows past it plus one response. */
  maxBufferedBytes?: number;
  /** Bound on one Fetch response (default 8 MiB). */
  fetchMaxBytes?: number;
  /** Bound per partition per response (default 1 MiB, as Kafka’s max.partition.fetch.bytes; measured fastest here). */
  partitionMaxBytes?: number;
  /** Default 500. */
  fetchMaxWaitMs?: number;
  /** Default 1. */
  fetchMinBytes?: number;
  /** Verify CRCs of fetched batches (default true). */
  checkCrcs?: boolean;
  /** How long brokers may stay unreachable before the consumer fails with SAMSA_FATAL (default 60 000). */
  reconnectTimeoutMs?: number;
  keyDeserializer?: Deserializer<K>;
  valueDeserializer?: Deserializer<V>;
  /** Called after partitions were assigned (positions are being resolved). */
  onAssigned?: (partitions: TopicPartitions[]) => void | Promise<void>;
  /** Called before partitions are taken away; processed offsets are committed just before. */
  onRevoked?: (partitions: TopicPartitions[]) => void | Promise<void>;
  /** Called when partitions were lost without a clean revoke (session expired). */
  onLost?: (partitions: TopicPartitions[]) => void | Promise<void>;
}

/** A consumed record. */
export interface ConsumerRecord<K = Buffer | null, V = Buffer | null> {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  key: K;
  value: V;
  headers: { key: string; value: Buffer | null }[];
  leaderEpoch: number;
}

/** Records of one partition delivered together. */
export interface ConsumerBatch<K = Buffer | null, V = Buffer | null> {
  topic: string;
  partition: number;
  highWatermark: number;
  records: ConsumerRecord<K, V>[];
}

/** A partition to read, with an optional start: offset, timestamp, or the reset policy. */
export interface PartitionAssignment {
  topic: string;
  partition: number;
  /** Start offset; otherwise the committed offset (with a groupId), else the reset policy. */
  offset?: number;
  /** Start at the first record at or after this time (ms). */
  timestamp?: number;
}

const key = (topic: string, partition: number) => `${topic}\u0000${partition}`;

/**
 * Reads records.
 *
 * @example
 * ```ts
 * const consumer = new Consumer({ brokers: ['localhost:9092'], groupId: 'billing', resetPolicy: 'earliest' });
 * consumer.subscribe(['events']);
 * await consumer.connect();
 * for await (const record of consumer) console.log(record.offset, record.value?.toString());
 * ```
 *
 * Events: `assigned`, `revoked`, `lost` (partitions), `rebalance` (after each), `fatal` (error).
 */
export class Consumer<K = Buffer | null, V = Buffer | null> extends EventEmitter {
  readonly cluster: Cluster;
  readonly groupId: string | undefined;
  private readonly opts: ConsumerOptions<K, V>;
  private readonly states = new Map<string, PartitionState>();
  private readonly fetcher: Fetcher;
  private readonly membership: GroupMembership | undefined;
  private readonly resetPolicy: ResetPolicy;
  private readonly deserializeKey: (b: Buffer | null) => K;
  private readonly deserializeValue: (b: Buffer | null) => V;
  private subscription: string[] = [];
  private autoCommitTimer: NodeJS.Timeout | undefined;
  private fatalError: SamsaError | undefined;
  private closing = false;
  private connected = false;

  constructor(options: ConsumerOptions<K, V>) {
    super();
    this.opts = options;
    this.cluster = new Cluster(options);
    this.groupId = options.groupId;
    this.resetPolicy = options.resetPolicy ?? 'latest';
    this.deserializeKey = (options.keyDeserializer ?? ((b: Buffer | null) => b)) as (b: Buffer | null) => K;
    this.deserializeValue = (options.valueDeserializer ?? ((b: Buffer | null) => b)) as (
      b: Buffer | null,
    ) => V;
    const maxBufferedBytes = options.maxBufferedBytes ?? 32 * 1024 * 1024;
    this.fetcher = new Fetcher(
      this.cluster,
      () => this.states.values(),
      {
        maxBufferedBytes,
        fetchMaxBytes: options.fetchMaxBytes ?? 8 * 1024 * 1024,
        partitionMaxBytes: options.partitionMaxBytes ?? 1024 * 1024,
        fetchMaxWaitMs: options.fetchMaxWaitMs ?? 500,
        fetchMinBytes: options.fetchMinBytes ?? 1,
        checkCrcs: options.checkCrcs ?? true,
        reconnectTimeoutMs: options.reconnectTimeoutMs ?? 60_000,
      },
      {
        outOfRange: (s) => this.onOutOfRange(s),
        fatal: (err) => this.fail(err),
      },
    );
    if (options.groupId) {
      const list = (options.assignors ?? ['cooperative-sticky']).map((a) => {
        const found = typeof a === 'string' ? assignorsByName[a] : a;
        if (!found) throw new SamsaError('SAMSA_INVALID_ARGUMENT', `unknown assignor ${String(a)}`);
        return found;
      });
      this.membership = new GroupMembership(
        this.cluster,
        {
          groupId: options.groupId,
          groupInstanceId: options.groupInstanceId ?? null,
          sessionTimeoutMs: options.sessionTimeoutMs ?? 30_000,
          rebalanceTimeoutMs: options.rebalanceTimeoutMs ?? 60_000,
          heartbeatIntervalMs: options.heartbeatIntervalMs ?? 3000,
          assignors: list,
          reconnectTimeoutMs: options.reconnectTimeoutMs ?? 60_000,
        },
        {
          topics: () => this.subscription,
          revoked: (p) => this.onRevoked(p),
          assigned: (p) => this.onAssigned(p),
          lost: (p) => this.onLost(p),
          fatal: (err) => this.fail(err),
        },
      );
    }
  }

  /** Bytes of fetched data held (bounded by maxBufferedBytes + one fetch response). */
  get bufferedBytes(): number {
    return this.fetcher.bufferedBytes;
  }

  /** The largest `bufferedBytes` seen so far. */
  get bufferedBytesPeak(): number {
    return this.fetcher.bufferedBytesPeak;
  }

  /** The group generation and member id (group mode). */
  get groupState(): { memberId: string; generationId: number; rebalances: number } | undefined {
    const m = this.membership;
    return m && { memberId: m.memberId, generationId: m.generationId, rebalances: m.rebalances };
  }

  /** Partitions currently assigned. */
  assignment(): { topic: string; partition: number }[] {
    return [...this.states.values()].map((s) => ({ topic: s.topic, partition: s.partition }));
  }

  /** Next offset the iterator will return per assigned partition. */
  positions(): PartitionOffset[] {
    return [...this.states.values()].map((s) => ({
      topic: s.topic,
      partition: s.partition,
      offset: s.position,
    }));
  }

  /** Subscribe to topics through the group (requires groupId). */
  subscribe(topics: string[]): void {
    if (!this.membership)
      throw new SamsaError('SAMSA_INVALID_ARGUMENT', 'subscribe needs a groupId; use assign() without one');
    this.subscription = [...new Set(topics)];
    for (const t of topics) this.cluster.interestingTopics.add(t);
    if (this.connected) void this.membership.join();
  }

  /** Read these partitions directly, without group membership. */
  async assign(partitions: PartitionAssignment[]): Promise<void> {
    if (this.subscription.length > 0)
      throw new SamsaError('SAMSA_INVALID_ARGUMENT', 'assign() cannot be mixed with subscribe()');
    await this.cluster.ensureTopics([...new Set(partitions.map((p) => p.topic))], false);
    const fresh = new Set<PartitionState>();
    for (const p of partitions) {
      if (this.states.has(key(p.topic, p.partition))) continue;
      fresh.add(this.addState(p.topic, p.partition));
    }
    const stateOf = (p: PartitionAssignment) => this.states.get(key(p.topic, p.partition))!;
    try {
      for (const p of partitions) if (p.offset !== undefined) this.setPosition(stateOf(p), p.offset);
      for (const p of partitions) {
        if (p.offset === undefined && p.timestamp !== undefined) await this.seekToTimestamp(p.timestamp, [p]);
      }
      const rest = partitions.filter((p) => p.offset === undefined && p.timestamp === undefined).map(stateOf);
      await this.resolvePositions(rest.filter((s) => fresh.has(s)));
    } catch (err) {
      // A partition without a position would never be fetched: take the new ones back.
      for (const s of fresh) this.removeState(s.topic, s.partition);
      throw err;
    }
    this.startAutoCommit();
    this.fetcher.kick();
  }

  /** Stop reading partitions assigned with `assign`. */
  unassign(partitions: { topic: string; partition: number }[]): void {
    for (const p of partitions) this.removeState(p.topic, p.partition);
  }

  /** Connect; in group mode, join the group and wait for the first assignment. */
  async connect(): Promise<void> {
    await this.cluster.connect();
    this.connected = true;
    this.startAutoCommit();
    if (this.membership && this.subscription.length > 0) await this.membership.join();
    if (this.fatalError) throw this.fatalError;
  }

  private startAutoCommit(): void {
    if (this.autoCommitTimer || this.opts.autoCommit === false || !this.groupId || this.closing) return;
    this.autoCommitTimer = setInterval(() => {
      this.commit().catch(() => undefined);
    }, this.opts.autoCommitIntervalMs ?? 5000);
  }

  /** Resolves after the next rebalance of this member completes (group mode). */
  nextRebalance(): Promise<void> {
    if (!this.membership) return Promise.reject(new SamsaError('SAMSA_INVALID_ARGUMENT', 'no group'));
    return this.membership.nextRebalance();
  }

  // ---- iteration ----

  /** `for await (const r of consumer)`: records one at a time. */
  [Symbol.asyncIterator](): AsyncGenerator<ConsumerRecord<K, V>> {
    return this.records();
  }

  /**
   * Records one at a time. A record counts as processed (for commits) when the loop asks for
   * the next one, or when the loop ends — also when the loop body threw: to have a failed record
   * redelivered, `seek` back to it before leaving the loop.
   */
  async *records(): AsyncGenerator<ConsumerRecord<K, V>> {
    let last: { s: PartitionState; epoch: number; offset: number } | undefined;
    try {
      for (;;) {
        if (last) {
          this.markProcessed(last.s, last.epoch, last.offset + 1);
          last = undefined;
        }
        const chunk = await this.nextChunk();
        if (!chunk) return;
        if (!chunk.advance()) {
          this.dropChunk(chunk);
          continue;
        }
        const s = chunk.state;
        s.position = chunk.offset + 1;
        last = { s, epoch: chunk.epoch, offset: chunk.offset };
        yield this.toRecord(s, chunk);
      }
    } finally {
      if (last) this.markProcessed(last.s, last.epoch, last.offset + 1);
    }
  }

  /** Records grouped per partition and fetch: one await per batch, the fastest way to consume. */
  async *batches(): AsyncGenerator<ConsumerBatch<K, V>> {
    let last: { s: PartitionState; epoch: number; offset: number; chunk: FetchedChunk } | undefined;
    try {
      for (;;) {
        if (last) {
          this.markProcessed(last.s, last.epoch, last.offset + 1);
          last = undefined;
        }
        const chunk = await this.nextChunk();
        if (!chunk) return;
        const s = chunk.state;
        const records: ConsumerRecord<K, V>[] = [];
        while (chunk.advance()) records.push(this.toRecord(s, chunk));
        if (records.length > 0) s.position = records[records.length - 1]!.offset + 1;
        this.dropChunk(chunk);
        if (records.length === 0) continue;
        last = { s, epoch: chunk.epoch, offset: records[records.length - 1]!.offset, chunk };
        yield { topic: s.topic, partition: s.partition, highWatermark: chunk.highWatermark, records };
      }
    } finally {
      if (last) this.markProcessed(last.s, last.epoch, last.offset + 1);
    }
  }

  /** The record the chunk stands on, deserialized. */
  private toRecord(s: PartitionState, c: FetchedChunk): ConsumerRecord<K, V> {
    return {
      topic: s.topic,
      partition: s.partition,
      offset: c.offset,
      timestamp: c.timestamp,
      key: this.deserializeKey(c.key),
      value: this.deserializeValue(c.value),
      headers: c.headers,
      leaderEpoch: c.leaderEpoch,
    };
  }

  /** The first live chunk of an unpaused partition; waits for one. null when closing. */
  private async nextChunk(): Promise<FetchedChunk | null> {
    for (;;) {
      if (this.fatalError) throw this.fatalError;
      if (this.closing) return null;
      const chunks = this.fetcher.chunks;
      for (let i = 0; i < chunks.length; i++) {
        const c = chunks[i]!;
        if (!c.live) {
          chunks.splice(i, 1);
          this.fetcher.release(c);
          i--;
          continue;
        }
        if (!c.state.paused) return c;
      }
      this.fetcher.kick();
      await this.fetcher.waitForData();
    }
  }

  private dropChunk(c: FetchedChunk): void {
    const i = this.fetcher.chunks.indexOf(c);
    if (i >= 0) this.fetcher.chunks.splice(i, 1);
    this.fetcher.release(c);
  }

  private markProcessed(s: PartitionState, epoch: number, offset: number): void {
    if (s.epoch === epoch && this.states.get(key(s.topic, s.partition)) === s && offset > s.processed)
      s.processed = offset;
  }

  // ---- positions ----

  /** Move a partition's position; buffered records of it are dropped. */
  seek(p: { topic: string; partition: number; offset: number }): void {
    const s = this.states.get(key(p.topic, p.partition));
    if (!s)
      throw new SamsaError(
        'SAMSA_INVALID_ARGUMENT',
        `${p.topic}-${p.partition} is not assigned to this consumer`,
      );
    this.setPosition(s, p.offset);
  }

  /** Move partitions (default: all assigned) to the first record at or after `timestamp`. */
  async seekToTimestamp(
    timestamp: number,
    partitions?: { topic: string; partition: number }[],
  ): Promise<void> {
    await this.seekByListOffsets(timestamp, partitions);
  }

  async seekToBeginning(partitions?: { topic: string; partition: number }[]): Promise<void> {
    await this.seekByListOffsets(-2, partitions);
  }

  async seekToEnd(partitions?: { topic: string; partition: number }[]): Promise<void> {
    await this.seekByListOffsets(-1, partitions);
  }

  private async seekByListOffsets(
    timestamp: number,
    partitions?: { topic: string; partition: number }[],
  ): Promise<void> {
    const list = (partitions ?? this.assignment()).map((p) => {
      const s = this.states.get(key(p.topic, p.partition));
      if (!s)
        throw new SamsaError(
          'SAMSA_INVALID_ARGUMENT',
          `${p.topic}-${p.partition} is not assigned to this consumer`,
        );
      return s;
    });
    for (const s of list) s.resetting = true;
    try {
      const found = await listOffsetsFor(this.cluster, list, timestamp);
      const missing = found.filter((o) => o.offset < 0);
      const latest = missing.length > 0 ? await listOffsetsFor(this.cluster, missing, -1) : [];
      for (const o of [...found.filter((x) => x.offset >= 0), ...latest]) {
        const s = this.states.get(key(o.topic, o.partition));
        if (s) this.setPosition(s, o.offset);
      }
    } finally {
      for (const s of list) s.resetting = false;
      this.fetcher.kick();
    }
  }

  private setPosition(s: PartitionState, offset: number): void {
    s.epoch++;
    this.fetcher.dropPartition(s);
    s.position = offset;
    s.fetchOffset = offset;
    s.processed = offset;
    s.resetting = false;
    s.backoffUntil = 0;
    this.fetcher.kick();
    this.fetcher.wake();
  }

  /** Stop fetching and delivering these partitions (buffered data is kept). */
  pause(partitions: { topic: string; partition: number }[]): void {
    for (const p of partitions) {
      const s = this.states.get(key(p.topic, p.partition));
      if (s) s.paused = true;
    }
  }

  resume(partitions: { topic: string; partition: number }[]): void {
    for (const p of partitions) {
      const s = this.states.get(key(p.topic, p.partition));
      if (s) s.paused = false;
    }
    this.fetcher.kick();
    this.fetcher.wake();
  }

  paused(): { topic: string; partition: number }[] {
    return [...this.states.values()]
      .filter((s) => s.paused)
      .map((s) => ({ topic: s.topic, partition: s.partition }));
  }

  // ---- commits ----

  /**
   * Commit offsets: the given ones, or else every partition's processed position (the offset
   * after the last record the loop finished). Needs a groupId.
   */
  async commit(offsets?: PartitionOffset[]): Promise<void> {
    if (!this.groupId) throw new SamsaError('SAMSA_INVALID_ARGUMENT', 'commit needs a groupId');
    const list =
      offsets ??
      [...this.states.values()]
        .filter((s) => s.processed >= 0 && s.processed !== s.committed)
        .map((s) => ({ topic: s.topic, partition: s.partition, offset: s.processed }));
    if (list.length === 0) return;
    const groupId = this.groupId;
    const m = this.membership;
    const sentByKey = new Map(list.map((x) => [key(x.topic, x.partition), x]));
    await this.cluster.withRetry(`OffsetCommit(${groupId})`, async () => {
      const node = m && m.coordinator >= 0 ? m.coordinator : await this.cluster.findCoordinator(groupId);
      const res = await this.cluster.request(node, ApiKey.OffsetCommit, {
        groupId,
        generationIdOrMemberEpoch: m ? m.generationId : -1,
        memberId: m ? m.memberId : '',
        groupInstanceId: this.opts.groupInstanceId ?? null,
        retentionTimeMs: -1,
        topics: offsetCommitTopics(list),
      });
      for (const t of res.topics) {
        for (const p of t.partitions) {
          if (p.errorCode === 0) {
            const s = this.states.get(key(t.name, p.partitionIndex));
            const sent = sentByKey.get(key(t.name, p.partitionIndex));
            if (s && sent) s.committed = sent.offset;
            continue;
          }
          if (p.errorCode === ErrorCode.NOT_COORDINATOR && m) m.coordinator = -1;
          if (
            p.errorCode === ErrorCode.REBALANCE_IN_PROGRESS ||
            p.errorCode === ErrorCode.ILLEGAL_GENERATION ||
            p.errorCode === ErrorCode.UNKNOWN_MEMBER_ID
          ) {
            throw new SamsaError(
              'SAMSA_GROUP',
              `commit of ${t.name}-${p.partitionIndex} refused: the group is rebalancing; records will be redelivered`,
              {
                kafkaCode: p.errorCode,
              },
            );
          }
          throw kafkaError(p.errorCode, `commit ${t.name}-${p.partitionIndex}`);
        }
      }
    });
  }

  /** Committed offsets of the group for the assigned partitions (-1: none). */
  async committed(partitions?: { topic: string; partition: number }[]): Promise<PartitionOffset[]> {
    if (!this.groupId) throw new SamsaError('SAMSA_INVALID_ARGUMENT', 'committed offsets need a groupId');
    return fetchCommitted(this.cluster, this.groupId, undefined, partitions ?? this.assignment());
  }

  // ---- assignment changes ----

  private addState(topic: string, partition: number): PartitionState {
    const s: PartitionState = {
      topic,
      partition,
      fetchOffset: -1,
      position: -1,
      processed: -1,
      committed: -1,
      paused: false,
      epoch: 0,
      resetting: true,
      highWatermark: -1,
      backoffUntil: 0,
      errorAttempts: 0,
    };
    this.states.set(key(topic, partition), s);
    return s;
  }

  private removeState(topic: string, partition: number): void {
    const s = this.states.get(key(topic, partition));
    if (!s) return;
    s.epoch++;
    this.fetcher.dropPartition(s);
    this.states.delete(key(topic, partition));
  }

  /** Committed offsets, else the reset policy, for partitions without a position. */
  private async resolvePositions(list: PartitionState[]): Promise<void> {
    if (list.length === 0) return;
    for (const s of list) s.resetting = true;
    let committed: PartitionOffset[] = [];
    if (this.groupId) committed = await fetchCommitted(this.cluster, this.groupId, undefined, list);
    const need: PartitionState[] = [];
    for (const s of list) {
      const c = committed.find((o) => o.topic === s.topic && o.partition === s.partition);
      if (c && c.offset >= 0) {
        this.setPosition(s, c.offset);
        s.committed = c.offset;
      } else need.push(s);
    }
    await this.applyResetPolicy(need);
  }

  private async applyResetPolicy(list: PartitionState[]): Promise<void> {
    if (list.length === 0) return;
    if (this.resetPolicy === 'none') {
      const names = list.map((s) => `${s.topic}-${s.partition}`).join(', ');
      throw new SamsaError(
        'SAMSA_OFFSET_OUT_OF_RANGE',
        `no valid offset for ${names} and resetPolicy is 'none'`,
      );
    }
    const found = await listOffsetsFor(this.cluster, list, this.resetPolicy === 'earliest' ? -2 : -1);
    for (const o of found) {
      const s = this.states.get(key(o.topic, o.partition));
      if (s && list.includes(s)) this.setPosition(s, o.offset);
    }
  }

  private onOutOfRange(s: PartitionState): void {
    s.resetting = true;
    s.epoch++;
    this.fetcher.dropPartition(s);
    this.applyResetPolicy([s]).catch((err: unknown) =>
      this.fail(err instanceof SamsaError ? err : new SamsaError('SAMSA_FATAL', String(err), { cause: err })),
    );
  }

  private async onAssigned(partitions: TopicPartitions[]): Promise<void> {
    const fresh: PartitionState[] = [];
    for (const tp of partitions)
      for (const p of tp.partitions)
        if (!this.states.has(key(tp.topic, p))) fresh.push(this.addState(tp.topic, p));
    await this.cluster
      .ensureTopics(
        partitions.map((p) => p.topic),
        false,
      )
      .catch(() => undefined);
    try {
      await this.resolvePositions(fresh);
    } catch (err) {
      // Retries already happened inside; a consumer that cannot position itself must say so.
      this.fail(
        err instanceof SamsaError
          ? err
          : new SamsaError('SAMSA_FATAL', `cannot resolve positions: ${String(err)}`, { cause: err }),
      );
      return;
    }
    await this.opts.onAssigned?.(partitions);
    this.emit('assigned', partitions);
    this.emit('rebalance', this.assignment());
    this.fetcher.kick();
    this.fetcher.wake();
  }

  private async onRevoked(partitions: TopicPartitions[]): Promise<void> {
    if (this.opts.autoCommit !== false && this.groupId) {
      const set = new Set(partitions.flatMap((tp) => tp.partitions.map((p) => key(tp.topic, p))));
      const list = [...this.states.values()]
        .filter((s) => set.has(key(s.topic, s.partition)) && s.processed >= 0 && s.processed !== s.committed)
        .map((s) => ({ topic: s.topic, partition: s.partition, offset: s.processed }));
      await this.commit(list).catch(() => undefined);
    }
    for (const tp of partitions) for (const p of tp.partitions) this.removeState(tp.topic, p);
    await this.opts.onRevoked?.(partitions);
    this.emit('revoked', partitions);
  }

  private async onLost(partitions: TopicPartitions[]): Promise<void> {
    for (const tp of partitions) for (const p of tp.partitions) this.removeState(tp.topic, p);
    await (this.opts.onLost ?? this.opts.onRevoked)?.(partitions);
    this.emit('lost', partitions);
  }

  private fail(err: SamsaError): void {
    if (this.fatalError || this.closing) return;
    this.fatalError = err;
    this.fetcher.stop();
    clearInterval(this.autoCommitTimer);
    // Stop heartbeating: a member that cannot consume must not keep its partitions.
    void this.membership?.leave();
    this.fetcher.wake();
    if (this.listenerCount('fatal') > 0) this.emit('fatal', err);
  }

  /** Commit (auto-commit mode), leave the group and close connections. Iterators end. */
  async close(): Promise<void> {
    if (this.closing) return;
    clearInterval(this.autoCommitTimer);
    if (this.opts.autoCommit !== false && this.groupId && !this.fatalError)
      await this.commit().catch(() => undefined);
    this.closing = true;
    this.fetcher.stop();
    await this.membership?.leave();
    await this.cluster.close();
  }
}
