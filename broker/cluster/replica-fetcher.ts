/**
 * A follower's fetcher for the partitions it replicates from one leader broker (Kafka's
 * ReplicaFetcherThread): one connection, one Fetch at a time with `replica_id` = this broker's
 * id, covering every partition followed from that leader.
 *
 * Each partition first truncates (KIP-101/279): it asks the leader, with OffsetForLeaderEpoch,
 * for the end offset of its own latest epoch and truncates to the common prefix — never to its
 * local high watermark. Then it fetches from its log end offset and appends the leader's
 * batches as they are (offsets and epochs kept: `assignOffsets: false`), taking
 * min(leader high watermark, own log end) as its high watermark.
 *
 * Errors: FENCED_LEADER_EPOCH / NOT_LEADER_OR_FOLLOWER / UNKNOWN_LEADER_EPOCH pause the
 * partition until the broker hands it a newer leader epoch (metadata moves on);
 * OFFSET_OUT_OF_RANGE truncates again (or starts at the leader's log start when the follower
 * is below it); a lost connection reconnects with capped exponential backoff.
 */
import { ErrorCode as E } from '../../protocol/error-codes.js';
import { followerTruncationOffset } from './leader-partition-state.js';
import { partitionKey } from './partition-roles.js';
import { PeerClient } from './peer-client.js';

/** What the fetcher needs of a local replica's log (storage's PartitionLog has it). */
export interface FollowerLog {
  readonly logStartOffset: number;
  readonly logEndOffset: number;
  readonly latestEpoch: number;
  highWatermark: number;
  endOffsetForEpoch(epoch: number): { epoch: number; endOffset: number };
  append(batches: Buffer, opts: { assignOffsets: false }): unknown;
  truncateTo(offset: number): void;
  truncateFullyAndStartAt(offset: number): void;
}

export interface FollowedPartition {
  topic: string;
  partition: number;
  /** The leader epoch this broker knows from metadata; sent as currentLeaderEpoch. */
  leaderEpoch: number;
  log: FollowerLog;
}

interface PartitionFetchState extends FollowedPartition {
  phase: 'truncating' | 'fetching' | 'paused';
  pausedBecause?: string;
  /** When a paused partition tries again (the leader may only have been behind on metadata). */
  retryAtMs?: number;
}

export interface ReplicaFetcherOptions {
  brokerId: number;
  leader: { id: number; host: string; port: number };
  /** Long-poll time of each Fetch (replica.fetch.wait.max.ms). */
  maxWaitMs?: number;
  /** Bytes per Fetch and per partition (replica.fetch.response.max.bytes / replica.fetch.max.bytes). */
  responseBytesMax?: number;
  partitionBytesMax?: number;
  /** Reconnect backoff bounds. */
  backoffMsMin?: number;
  backoffMsMax?: number;
  /** Something to say in the log (pino-like). */
  log: { info(o: object, msg: string): void; warn(o: object, msg: string): void };
  /** Called after an append or high-watermark change of a partition. */
  onProgress?: (p: FollowedPartition) => void;
}

const maxWaitMsDefault = 500;
const responseBytesMaxDefault = 10 * 1024 * 1024;
const partitionBytesMaxDefault = 1024 * 1024;
const backoffMsMinDefault = 100;
const backoffMsMaxDefault = 5_000;
/** A partition the leader refused is tried again after this long (sooner if its role changes). */
const PAUSED_RETRY_MS = 1_000;
const FETCH_VERSION = 12;
const OFFSET_FOR_LEADER_EPOCH_VERSION = 4;
/** Framing bytes before a batch's length field ends: baseOffset (8) + batchLength (4). */
const BATCH_LENGTH_END = 12;

export class ReplicaFetcher {
  private readonly partitions = new Map<string, PartitionFetchState>();
  private client: PeerClient | undefined;
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private backoffMs: number;
  private readonly o: Required<Omit<ReplicaFetcherOptions, 'onProgress'>> &
    Pick<ReplicaFetcherOptions, 'onProgress'>;

  constructor(opts: ReplicaFetcherOptions) {
    this.o = {
      maxWaitMs: maxWaitMsDefault,
      responseBytesMax: responseBytesMaxDefault,
      partitionBytesMax: partitionBytesMaxDefault,
      backoffMsMin: backoffMsMinDefault,
      backoffMsMax: backoffMsMaxDefault,
      ...opts,
    };
    this.backoffMs = this.o.backoffMsMin;
  }

  /** Follow a partition (again) at `leaderEpoch`: it truncates first, then fetches. */
  addPartition(p: FollowedPartition): void {
    this.partitions.set(partitionKey(p.topic, p.partition), { ...p, phase: 'truncating' });
    this.wake?.();
  }

  /**
   * The leader registered again at another address (it restarted on a new port, say): connect
   * there from now on. Every fetching partition validates its log against the leader again
   * first (OffsetForLeaderEpoch), as the leader's log may have changed across its restart.
   * Returns whether the address changed.
   */
  setLeaderEndpoint(host: string, port: number): boolean {
    const leader = this.o.leader;
    if (leader.host === host && leader.port === port) return false;
    this.o.leader = { id: leader.id, host, port };
    for (const p of this.partitions.values()) if (p.phase === 'fetching') p.phase = 'truncating';
    this.client?.close();
    this.client = undefined;
    this.backoffMs = this.o.backoffMsMin;
    this.wake?.();
    return true;
  }

  removePartition(topic: string, partition: number): void {
    this.partitions.delete(partitionKey(topic, partition));
  }

  /** The phase of a followed partition (for tests and the admin view). */
  phaseOf(topic: string, partition: number): PartitionFetchState['phase'] | undefined {
    return this.partitions.get(partitionKey(topic, partition))?.phase;
  }

  get partitionCount(): number {
    return this.partitions.size;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.client?.close();
    this.wake?.();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        const client = await this.connection();
        this.retryPaused();
        const truncating = [...this.partitions.values()].filter((p) => p.phase === 'truncating');
        if (truncating.length) await this.truncate(client, truncating);
        else if ([...this.partitions.values()].some((p) => p.phase === 'fetching')) await this.fetch(client);
        else await this.idle(this.o.maxWaitMs);
        this.backoffMs = this.o.backoffMsMin;
      } catch (err) {
        if (!this.running) break;
        this.o.log.warn(
          { leader: this.o.leader.id, err: (err as Error).message, backoffMs: this.backoffMs },
          'replica fetch from leader failed; retrying',
        );
        this.client?.close();
        this.client = undefined;
        await this.idle(this.backoffMs);
        this.backoffMs = Math.min(this.backoffMs * 2, this.o.backoffMsMax);
      }
    }
  }

  private idle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }

  private async connection(): Promise<PeerClient> {
    if (this.client && !this.client.closed) return this.client;
    this.client = await PeerClient.connect({
      host: this.o.leader.host,
      port: this.o.leader.port,
      brokerId: this.o.brokerId,
      responseBytesMax: this.o.responseBytesMax + 1024 * 1024,
      requestTimeoutMs: this.o.maxWaitMs + 30_000,
    });
    return this.client;
  }

  private async truncate(client: PeerClient, parts: PartitionFetchState[]): Promise<void> {
    const byTopic = groupByTopic(parts);
    const res = await client.request(23, OFFSET_FOR_LEADER_EPOCH_VERSION, {
      replicaId: this.o.brokerId,
      topics: [...byTopic].map(([topic, ps]) => ({
        topic,
        partitions: ps.map((p) => ({
          partition: p.partition,
          currentLeaderEpoch: p.leaderEpoch,
          leaderEpoch: p.log.latestEpoch,
        })),
      })),
    });
    for (const t of res.topics) {
      for (const r of t.partitions) {
        const p = this.partitions.get(partitionKey(t.topic, r.partition));
        if (p?.phase !== 'truncating') continue;
        if (r.errorCode !== 0) {
          this.onPartitionError(p, r.errorCode);
          continue;
        }
        const log = p.log;
        const before = log.logEndOffset;
        // A log with no epochs (empty, or written before epochs existed) keeps nothing it
        // cannot prove the leader has: it truncates to what the leader says of epoch -1 (-1: all).
        const to =
          log.latestEpoch < 0
            ? Math.min(before, Math.max(r.endOffset, log.logStartOffset))
            : followerTruncationOffset(
                { leaderEpoch: r.leaderEpoch ?? -1, endOffset: r.endOffset },
                (e) => log.endOffsetForEpoch(e).endOffset,
                before,
                log.logStartOffset,
              );
        if (to < before) {
          log.truncateTo(to);
          this.o.log.info(
            { topic: p.topic, partition: p.partition, from: before, to, leaderEpoch: p.leaderEpoch },
            'follower truncated its log to the leader’s history',
          );
        }
        p.phase = 'fetching';
      }
    }
  }

  private async fetch(client: PeerClient): Promise<void> {
    const parts = [...this.partitions.values()].filter((p) => p.phase === 'fetching');
    const byTopic = groupByTopic(parts);
    const res = await client.request(1, FETCH_VERSION, {
      replicaId: this.o.brokerId,
      maxWaitMs: this.o.maxWaitMs,
      minBytes: 1,
      maxBytes: this.o.responseBytesMax,
      isolationLevel: 0,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [...byTopic].map(([topic, ps]) => ({
        topic,
        partitions: ps.map((p) => ({
          partition: p.partition,
          currentLeaderEpoch: p.leaderEpoch,
          fetchOffset: p.log.logEndOffset,
          lastFetchedEpoch: p.log.latestEpoch,
          logStartOffset: p.log.logStartOffset,
          partitionMaxBytes: this.o.partitionBytesMax,
        })),
      })),
      forgottenTopicsData: [],
      rackId: '',
    });
    if (res.errorCode) throw new Error(`fetch failed with error ${res.errorCode}`);
    for (const t of res.responses) {
      for (const r of t.partitions) {
        const p = this.partitions.get(partitionKey(t.topic, r.partitionIndex));
        if (p?.phase !== 'fetching') continue;
        if (r.errorCode === E.OFFSET_OUT_OF_RANGE) {
          const leaderStart = r.logStartOffset ?? -1;
          if (leaderStart > p.log.logEndOffset) p.log.truncateFullyAndStartAt(leaderStart);
          else p.phase = 'truncating';
          continue;
        }
        if (r.errorCode !== 0) {
          this.onPartitionError(p, r.errorCode);
          continue;
        }
        const whole = r.records ? wholeBatches(r.records) : undefined;
        if (whole?.length) p.log.append(whole, { assignOffsets: false });
        const hw = Math.min(r.highWatermark, p.log.logEndOffset);
        if (hw > p.log.highWatermark) p.log.highWatermark = hw;
        this.o.onProgress?.(p);
      }
    }
  }

  /**
   * Paused partitions start over (truncation check first) once their retry time has come: the
   * leader may have been behind on metadata (UNKNOWN_LEADER_EPOCH, NOT_LEADER_OR_FOLLOWER just
   * after an election), and no role change would ever wake them. A role change replaces the
   * partition's state anyway.
   */
  private retryPaused(): void {
    const now = Date.now();
    for (const p of this.partitions.values())
      if (p.phase === 'paused' && (p.retryAtMs ?? 0) <= now) {
        p.phase = 'truncating';
        p.pausedBecause = undefined;
      }
  }

  private onPartitionError(p: PartitionFetchState, errorCode: number): void {
    p.phase = 'paused';
    p.pausedBecause = `error ${errorCode}`;
    p.retryAtMs = Date.now() + PAUSED_RETRY_MS;
    this.o.log.warn(
      {
        topic: p.topic,
        partition: p.partition,
        leader: this.o.leader.id,
        leaderEpoch: p.leaderEpoch,
        errorCode,
      },
      'leader refused replica fetch; retrying after newer metadata or a pause',
    );
  }
}

function groupByTopic<T extends { topic: string }>(parts: T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const p of parts) {
    const list = out.get(p.topic);
    if (list) list.push(p);
    else out.set(p.topic, [p]);
  }
  return out;
}

/** The records bytes cut after the last complete batch (a leader may send a partial one). */
export function wholeBatches(records: Buffer): Buffer {
  let pos = 0;
  while (pos + BATCH_LENGTH_END <= records.length) {
    const size = BATCH_LENGTH_END + records.readInt32BE(pos + 8);
    if (size <= BATCH_LENGTH_END || pos + size > records.length) break;
    pos += size;
  }
  return pos === records.length ? records : records.subarray(0, pos);
}
