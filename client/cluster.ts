/**
 * The client's view of the cluster: bootstrap brokers, a metadata cache refreshed on demand
 * (deduplicated: one refresh in flight at a time), one connection per broker opened lazily and
 * reopened after it closes, partition leader lookup, and group coordinator lookup.
 */

import { ApiKey } from '../protocol/api-keys.js';
import type {
  ImplementedApiKey,
  MetadataResponse,
  RequestTypes,
  ResponseTypes,
} from '../protocol/apis/index.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { Connection, type RequestOptions } from './connection.js';
import { isRetriableError, kafkaError, SamsaError } from './errors.js';

/** Connection and retry settings shared by Producer, Consumer and Admin. */
export interface ClusterOptions {
  /** Bootstrap brokers as "host:port". */
  brokers: string[];
  /** Sent in every request (default "samsa"). */
  clientId?: string;
  /** Bound on opening a connection (default 10 000). */
  connectTimeoutMs?: number;
  /** Bound on waiting for one response (default 30 000). */
  requestTimeoutMs?: number;
  /** Requests in flight per connection (default 32). */
  inFlightRequestsMax?: number;
  /** First backoff between retries; doubles up to `retryBackoffMsMax` (default 50). */
  retryBackoffMs?: number;
  /** Largest backoff between retries (default 1 000). */
  retryBackoffMsMax?: number;
  /** Metadata older than this is refreshed on its next use (default 300 000). */
  metadataMaxAgeMs?: number;
}

export interface BrokerInfo {
  nodeId: number;
  host: string;
  port: number;
  rack: string | null;
}

export interface PartitionInfo {
  partition: number;
  leaderId: number;
  leaderEpoch: number;
  replicas: number[];
  isr: number[];
  errorCode: number;
}

export interface TopicInfo {
  name: string;
  errorCode: number;
  isInternal: boolean;
  partitions: PartitionInfo[];
}

/** Parse "host:port" (IPv6 as "[::1]:9092"). */
export function parseBrokerAddress(s: string): { host: string; port: number } {
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(s.trim());
  if (!m) throw new SamsaError('SAMSA_INVALID_ARGUMENT', `broker address "${s}" is not host:port`);
  return { host: m[1]!, port: Number(m[2]) };
}

/** Sleep that a closed cluster cuts short. */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number): number {
  const d = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 20));
  return d * (0.8 + Math.random() * 0.4);
}

export class Cluster {
  readonly options: Required<ClusterOptions>;
  /** Topics this client cares about; refreshes ask for these (or all when empty and asked). */
  readonly interestingTopics = new Set<string>();
  clusterId: string | null = null;
  controllerId = -1;

  private readonly bootstrap: { host: string; port: number }[];
  private readonly brokers = new Map<number, BrokerInfo>();
  private readonly topics = new Map<string, TopicInfo>();
  private readonly connections = new Map<string, Promise<Connection>>();
  private metadataAt = 0;
  private refreshing: Promise<void> | undefined;
  private refreshAgain = false;
  private closedFlag = false;
  private readonly timers = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();

  constructor(options: ClusterOptions) {
    if (!options.brokers || options.brokers.length === 0) {
      throw new SamsaError('SAMSA_INVALID_ARGUMENT', 'at least one bootstrap broker is required');
    }
    this.options = {
      clientId: 'samsa',
      connectTimeoutMs: 10_000,
      requestTimeoutMs: 30_000,
      inFlightRequestsMax: 32,
      retryBackoffMs: 50,
      retryBackoffMsMax: 1000,
      metadataMaxAgeMs: 300_000,
      ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)),
    } as Required<ClusterOptions>;
    this.bootstrap = options.brokers.map(parseBrokerAddress);
  }

  get closed(): boolean {
    return this.closedFlag;
  }

  /** Connect to a bootstrap broker and load cluster metadata. */
  async connect(): Promise<void> {
    await this.refreshMetadata();
  }

  /** Known brokers (from the last metadata). */
  brokerList(): BrokerInfo[] {
    return [...this.brokers.values()];
  }

  /** Cached topic metadata, or undefined. */
  topic(name: string): TopicInfo | undefined {
    return this.topics.get(name);
  }

  /** Cached partition count, or undefined when unknown. */
  partitionCount(topic: string): number | undefined {
    const t = this.topics.get(topic);
    return t && t.errorCode === 0 ? t.partitions.length : undefined;
  }

  /** Leader node id of a partition from the cache (-1 unknown). */
  leaderOf(topic: string, partition: number): number {
    return this.topics.get(topic)?.partitions[partition]?.leaderId ?? -1;
  }

  leaderEpochOf(topic: string, partition: number): number {
    return this.topics.get(topic)?.partitions[partition]?.leaderEpoch ?? -1;
  }

  get metadataStale(): boolean {
    return Date.now() - this.metadataAt > this.options.metadataMaxAgeMs;
  }

  /**
   * Refresh metadata for the interesting topics plus `topics`. Concurrent calls share one
   * request; a call made during a refresh triggers one more afterwards.
   */
  async refreshMetadata(topics: string[] = [], autoCreate = false): Promise<void> {
    for (const t of topics) this.interestingTopics.add(t);
    if (this.refreshing) {
      this.refreshAgain = true;
      const current = this.refreshing;
      await current;
      if (this.refreshing && this.refreshing !== current) return this.refreshing;
      if (!topics.every((t) => this.topics.has(t))) return this.refreshMetadata(topics, autoCreate);
      return;
    }
    this.refreshing = this.doRefresh(autoCreate).finally(() => {
      this.refreshing = undefined;
    });
    await this.refreshing;
    if (this.refreshAgain) {
      this.refreshAgain = false;
      await this.refreshMetadata([], autoCreate);
    }
  }

  /** Metadata for every topic (admin); does not change the interesting set. */
  async fetchAllMetadata(): Promise<MetadataResponse> {
    return this.withRetry('metadata', async () => {
      const conn = await this.anyConnection();
      const res = await conn.request(ApiKey.Metadata, { topics: null, allowAutoTopicCreation: false });
      this.applyMetadata(res, true);
      return res;
    });
  }

  /** Ensure metadata for `topics` is cached; waits for leaders, bounded by the request timeout. */
  async ensureTopics(topics: string[], autoCreate = true): Promise<void> {
    const deadline = Date.now() + this.options.requestTimeoutMs;
    let attempt = 0;
    for (;;) {
      const missing = topics.filter((t) => {
        const info = this.topics.get(t);
        if (info === undefined) return true;
        return info.errorCode !== 0 || info.partitions.some((p) => p.leaderId < 0);
      });
      if (missing.length === 0) return;
      if (Date.now() > deadline) {
        const t = this.topics.get(missing[0]!);
        if (t && t.errorCode !== 0) throw kafkaError(t.errorCode, `metadata for topic ${t.name}`);
        throw new SamsaError('SAMSA_METADATA', `no metadata with leaders for topics ${missing.join(', ')}`, {
          retriable: true,
        });
      }
      if (attempt > 0)
        await this.sleep(backoffDelay(attempt, this.options.retryBackoffMs, this.options.retryBackoffMsMax));
      attempt++;
      try {
        await this.refreshMetadata(missing, autoCreate);
      } catch (err) {
        if (!isRetriableError(err)) throw err;
      }
    }
  }

  /** The connection to a broker by node id (opened when needed). */
  async connectionTo(nodeId: number): Promise<Connection> {
    const b = this.brokers.get(nodeId);
    if (!b) {
      await this.refreshMetadata();
      const again = this.brokers.get(nodeId);
      if (!again)
        throw new SamsaError('SAMSA_METADATA', `broker ${nodeId} is not in the cluster metadata`, {
          retriable: true,
        });
      return this.connectTo(again.host, again.port);
    }
    return this.connectTo(b.host, b.port);
  }

  /** A connection to any reachable broker: known brokers first, then the bootstrap list. */
  async anyConnection(): Promise<Connection> {
    for (const p of this.connections.values()) {
      const c = await p.catch(() => undefined);
      if (c && !c.isClosed) return c;
    }
    const candidates = [...this.brokers.values(), ...this.bootstrap];
    let last: unknown;
    for (const c of candidates) {
      try {
        return await this.connectTo(c.host, c.port);
      } catch (err) {
        last = err;
      }
    }
    throw last instanceof SamsaError
      ? last
      : new SamsaError('SAMSA_CONNECTION_FAILED', 'no broker reachable', { cause: last });
  }

  /** Send a request to a node. */
  async request<K extends ImplementedApiKey>(
    nodeId: number,
    apiKey: K,
    body: RequestTypes[K],
    opts?: RequestOptions,
  ): Promise<ResponseTypes[K]> {
    const conn = await this.connectionTo(nodeId);
    return conn.request(apiKey, body, opts);
  }

  /** Find the coordinator of a consumer group; returns its node id. */
  async findCoordinator(groupId: string): Promise<number> {
    return this.withRetry(`FindCoordinator(${groupId})`, async () => {
      const conn = await this.anyConnection();
      const v = conn.version(ApiKey.FindCoordinator);
      const res = await conn.request(ApiKey.FindCoordinator, {
        key: groupId,
        keyType: 0,
        coordinatorKeys: [groupId],
      });
      let info: {
        errorCode: number;
        nodeId: number;
        host: string;
        port: number;
        errorMessage: string | null;
      };
      if (v >= 4) {
        const c = res.coordinators?.[0];
        if (!c) throw new SamsaError('SAMSA_PROTOCOL', 'FindCoordinator answered no coordinator');
        info = c;
      } else {
        info = {
          errorCode: res.errorCode ?? 0,
          nodeId: res.nodeId ?? -1,
          host: res.host ?? '',
          port: res.port ?? 0,
          errorMessage: res.errorMessage ?? null,
        };
      }
      if (info.errorCode !== 0)
        throw kafkaError(info.errorCode, `FindCoordinator(${groupId})`, info.errorMessage);
      if (!this.brokers.has(info.nodeId)) {
        this.brokers.set(info.nodeId, { nodeId: info.nodeId, host: info.host, port: info.port, rack: null });
      }
      return info.nodeId;
    });
  }

  /**
   * Run `fn`, retrying retriable errors with backoff until the request timeout has passed since
   * the first attempt.
   */
  async withRetry<T>(
    what: string,
    fn: () => Promise<T>,
    deadlineMs = this.options.requestTimeoutMs,
  ): Promise<T> {
    const deadline = Date.now() + deadlineMs;
    for (let attempt = 0; ; attempt++) {
      if (this.closedFlag) throw new SamsaError('SAMSA_CLOSED', `${what}: the client is closed`);
      try {
        return await fn();
      } catch (err) {
        if (!isRetriableError(err) || Date.now() > deadline || this.closedFlag) throw err;
        if (
          err instanceof SamsaError &&
          (err.kafkaCode === ErrorCode.NOT_COORDINATOR || err.kafkaCode === ErrorCode.NOT_LEADER_OR_FOLLOWER)
        ) {
          await this.refreshMetadata().catch(() => undefined);
        }
        await this.sleep(backoffDelay(attempt, this.options.retryBackoffMs, this.options.retryBackoffMsMax));
      }
    }
  }

  /** A sleep that ends early when the cluster closes. */
  sleep(ms: number): Promise<void> {
    if (this.closedFlag) return Promise.resolve();
    return new Promise((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          this.timers.delete(entry);
          resolve();
        }, ms),
        resolve,
      };
      this.timers.add(entry);
    });
  }

  /** Close every connection. */
  async close(): Promise<void> {
    this.closedFlag = true;
    for (const t of this.timers) {
      clearTimeout(t.timer);
      t.resolve();
    }
    this.timers.clear();
    const conns = [...this.connections.values()];
    this.connections.clear();
    for (const p of conns) {
      const c = await p.catch(() => undefined);
      c?.close();
    }
  }

  private connectTo(host: string, port: number): Promise<Connection> {
    if (this.closedFlag) return Promise.reject(new SamsaError('SAMSA_CLOSED', 'the client is closed'));
    const key = `${host}:${port}`;
    const existing = this.connections.get(key);
    if (existing) {
      return existing.then((c) => {
        if (!c.isClosed) return c;
        if (this.connections.get(key) === existing) this.connections.delete(key);
        return this.connectTo(host, port);
      });
    }
    const o = this.options;
    const p = Connection.connect({
      host,
      port,
      clientId: o.clientId,
      connectTimeoutMs: o.connectTimeoutMs,
      requestTimeoutMs: o.requestTimeoutMs,
      inFlightRequestsMax: o.inFlightRequestsMax,
    });
    this.connections.set(key, p);
    p.then(
      (c) => {
        if (this.closedFlag) c.close();
        void c.closed.then(() => {
          if (this.connections.get(key) === p) this.connections.delete(key);
        });
      },
      () => {
        if (this.connections.get(key) === p) this.connections.delete(key);
      },
    );
    return p;
  }

  private async doRefresh(autoCreate: boolean): Promise<void> {
    const names = [...this.interestingTopics];
    await this.withRetry('metadata', async () => {
      const conn = await this.anyConnection();
      const res = await conn.request(ApiKey.Metadata, {
        topics: names.map((name) => ({ name })),
        allowAutoTopicCreation: autoCreate,
      });
      this.applyMetadata(res, false);
    });
  }

  private applyMetadata(res: MetadataResponse, all: boolean): void {
    this.metadataAt = Date.now();
    if (res.brokers.length > 0) {
      this.brokers.clear();
      for (const b of res.brokers)
        this.brokers.set(b.nodeId, { nodeId: b.nodeId, host: b.host, port: b.port, rack: b.rack ?? null });
    }
    this.clusterId = res.clusterId ?? null;
    this.controllerId = res.controllerId ?? -1;
    if (all) {
      for (const name of this.topics.keys()) {
        if (!res.topics.some((t) => t.name === name)) this.topics.delete(name);
      }
    }
    for (const t of res.topics) {
      const partitions: PartitionInfo[] = [];
      for (const p of t.partitions) {
        partitions[p.partitionIndex] = {
          partition: p.partitionIndex,
          leaderId: p.errorCode === ErrorCode.LEADER_NOT_AVAILABLE ? -1 : p.leaderId,
          leaderEpoch: p.leaderEpoch ?? -1,
          replicas: p.replicaNodes,
          isr: p.isrNodes,
          errorCode: p.errorCode,
        };
      }
      this.topics.set(t.name, {
        name: t.name,
        errorCode: t.errorCode,
        isInternal: t.isInternal ?? false,
        partitions,
      });
    }
  }
}
