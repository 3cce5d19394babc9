/**
 * Administration: topics (create, delete, describe, add partitions, configs), consumer groups
 * (list, describe, delete, reset offsets), offsets (earliest, latest, by time) and the cluster
 * (brokers, controller).
 */

import { ApiKey } from '../protocol/api-keys.js';
import type { DescribeGroupsResponseDescribedGroup } from '../protocol/apis/index.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { decodeAssignment, decodeSubscription } from './assignors.js';
import { type BrokerInfo, Cluster, type ClusterOptions, type TopicInfo } from './cluster.js';
import { kafkaError, SamsaError } from './errors.js';

/** A topic to create. */
export interface NewTopic {
  name: string;
  /** Default -1: the broker's num.partitions. */
  partitions?: number;
  /** Default -1: the broker's default. */
  replicationFactor?: number;
  configs?: Record<string, string>;
}

/** One partition of a described topic. */
export interface PartitionDescription {
  partition: number;
  leader: number;
  leaderEpoch: number;
  replicas: number[];
  isr: number[];
}

export interface TopicDescription {
  name: string;
  internal: boolean;
  partitions: PartitionDescription[];
}

/** A config entry as described by the broker. */
export interface ConfigEntry {
  name: string;
  value: string | null;
  readOnly: boolean;
  isDefault: boolean;
  isSensitive: boolean;
  source: number;
}

export interface GroupListing {
  groupId: string;
  protocolType: string;
  state: string | undefined;
}

export interface GroupMemberDescription {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  /** Topics the member subscribed to (consumer protocol). */
  subscription: string[];
  /** Partitions assigned to the member (consumer protocol). */
  assignment: { topic: string; partitions: number[] }[];
}

export interface GroupDescription {
  groupId: string;
  state: string;
  protocolType: string;
  protocol: string;
  members: GroupMemberDescription[];
}

/** An offset of one partition. */
export interface PartitionOffset {
  topic: string;
  partition: number;
  offset: number;
  timestamp?: number;
}

/** Where `resetGroupOffsets` moves a group: 'earliest', 'latest', a timestamp, or explicit offsets. */
export type OffsetResetTarget =
  | 'earliest'
  | 'latest'
  | { timestamp: number }
  | { offsets: PartitionOffset[] };

/** The size on disk of one partition replica in a log directory. */
export interface LogDirPartition {
  partition: number;
  /** Bytes of the partition's log segments in this log directory. */
  sizeBytes: number;
}

/** One log directory of one broker, with the partition replicas it holds. */
export interface LogDirDescription {
  /** The broker holding the directory. */
  broker: number;
  /** The directory's absolute path on the broker. */
  logDir: string;
  /** 0, or the Kafka error code of the directory (KAFKA_STORAGE_ERROR when it is offline). */
  errorCode: number;
  /** Size of the volume the directory is on; -1 when the broker does not say (DescribeLogDirs < v4). */
  totalBytes: number;
  /** Bytes still usable on that volume; -1 when the broker does not say (DescribeLogDirs < v4). */
  usableBytes: number;
  topics: { name: string; partitions: LogDirPartition[] }[];
}

export interface ClusterDescription {
  clusterId: string | null;
  controllerId: number;
  brokers: BrokerInfo[];
}

/** Kafka resource types for configs. */
const RESOURCE_TOPIC = 2;
const RESOURCE_BROKER = 4;
const EARLIEST = -2;
const LATEST = -1;

/**
 * Cluster administration.
 *
 * @example
 * ```ts
 * const admin = new Admin({ brokers: ['localhost:9092'] });
 * await admin.createTopics([{ name: 'events', partitions: 6 }]);
 * console.log(await admin.describeTopics(['events']));
 * await admin.close();
 * ```
 */
export class Admin {
  readonly cluster: Cluster;
  private readonly timeoutMs: number;

  constructor(options: ClusterOptions & { operationTimeoutMs?: number }) {
    this.cluster = new Cluster(options);
    this.timeoutMs = options.operationTimeoutMs ?? 30_000;
  }

  async connect(): Promise<void> {
    await this.cluster.connect();
  }

  async close(): Promise<void> {
    await this.cluster.close();
  }

  private async controller(): Promise<number> {
    if (this.cluster.controllerId < 0) await this.cluster.refreshMetadata();
    return this.cluster.controllerId >= 0
      ? this.cluster.controllerId
      : (this.cluster.brokerList()[0]?.nodeId ?? -1);
  }

  // ---- cluster ----

  /** Brokers, controller and cluster id. */
  async describeCluster(): Promise<ClusterDescription> {
    await this.cluster.fetchAllMetadata();
    return {
      clusterId: this.cluster.clusterId,
      controllerId: this.cluster.controllerId,
      brokers: this.cluster.brokerList(),
    };
  }

  /**
   * Log directories of every broker and the size on disk of each partition replica in them
   * (DescribeLogDirs, as `kafka-log-dirs.sh --describe`). Every broker is asked, since each
   * reports only the replicas it holds: one entry per broker and log directory. Sum
   * `sizeBytes` over the entries for a partition's total across replicas.
   *
   * @param topics limit the answer to these topics (every partition of each); all topics,
   *   internal ones included, when omitted. A topic that does not exist is an error
   *   (UNKNOWN_TOPIC_OR_PARTITION).
   *
   * @example
   * ```ts
   * for (const dir of await admin.describeLogDirs(['events']))
   *   for (const p of dir.topics[0]?.partitions ?? [])
   *     console.log(dir.broker, dir.logDir, p.partition, p.sizeBytes);
   * ```
   */
  async describeLogDirs(topics?: string[]): Promise<LogDirDescription[]> {
    const md = await this.cluster.fetchAllMetadata();
    let wanted: { topic: string; partitions: number[] }[] | null = null;
    if (topics) {
      wanted = topics.map((name) => {
        const t = md.topics.find((x) => x.name === name);
        const code = t ? t.errorCode : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
        if (!t || code !== 0) throw kafkaError(code, `describe log dirs of ${name}`);
        return { topic: name, partitions: t.partitions.map((p) => p.partitionIndex) };
      });
    }
    const perBroker = await Promise.all(
      md.brokers.map((b) =>
        this.cluster.withRetry(`DescribeLogDirs(broker ${b.nodeId})`, async () => {
          const res = await this.cluster.request(b.nodeId, ApiKey.DescribeLogDirs, { topics: wanted });
          if (res.errorCode) throw kafkaError(res.errorCode, `describe log dirs of broker ${b.nodeId}`);
          return res.results.map(
            (r): LogDirDescription => ({
              broker: b.nodeId,
              logDir: r.logDir,
              errorCode: r.errorCode,
              totalBytes: r.totalBytes ?? -1,
              usableBytes: r.usableBytes ?? -1,
              topics: r.topics.map((t) => ({
                name: t.name,
                partitions: t.partitions.map((p) => ({
                  partition: p.partitionIndex,
                  sizeBytes: p.partitionSize,
                })),
              })),
            }),
          );
        }),
      ),
    );
    return perBroker.flat();
  }

  // ---- topics ----

  /** Names of every topic (internal ones excluded unless asked). */
  async listTopics(options: { includeInternal?: boolean } = {}): Promise<string[]> {
    const md = await this.cluster.fetchAllMetadata();
    return md.topics
      .filter((t) => t.errorCode === 0 && (options.includeInternal || !t.isInternal))
      .map((t) => t.name)
      .sort();
  }

  /** Create topics; throws on the first failure (TOPIC_ALREADY_EXISTS included unless `ifNotExists`). */
  async createTopics(
    topics: NewTopic[],
    options: { validateOnly?: boolean; ifNotExists?: boolean } = {},
  ): Promise<void> {
    const res = await this.cluster.withRetry('CreateTopics', async () =>
      this.cluster.request(await this.controller(), ApiKey.CreateTopics, {
        topics: topics.map((t) => ({
          name: t.name,
          numPartitions: t.partitions ?? -1,
          replicationFactor: t.replicationFactor ?? -1,
          assignments: [],
          configs: Object.entries(t.configs ?? {}).map(([name, value]) => ({ name, value })),
        })),
        timeoutMs: this.timeoutMs,
        validateOnly: options.validateOnly ?? false,
      }),
    );
    for (const r of res.topics) {
      if (r.errorCode === 0) continue;
      if (r.errorCode === ErrorCode.TOPIC_ALREADY_EXISTS && options.ifNotExists) continue;
      throw kafkaError(r.errorCode, `create topic ${r.name}`, r.errorMessage);
    }
    if (!options.validateOnly)
      await this.cluster.ensureTopics(
        topics.map((t) => t.name),
        false,
      );
  }

  /** Delete topics by name. */
  async deleteTopics(names: string[]): Promise<void> {
    const res = await this.cluster.withRetry('DeleteTopics', async () =>
      this.cluster.request(await this.controller(), ApiKey.DeleteTopics, {
        topicNames: names,
        topics: names.map((name) => ({ name, topicId: '00000000000000000000000000000000' })),
        timeoutMs: this.timeoutMs,
      }),
    );
    for (const r of res.responses) {
      if (r.errorCode !== 0) throw kafkaError(r.errorCode, `delete topic ${r.name}`, r.errorMessage);
    }
    for (const n of names) this.cluster.interestingTopics.delete(n);
  }

  /** Partitions, leaders and replicas of topics. */
  async describeTopics(names: string[]): Promise<TopicDescription[]> {
    await this.cluster.refreshMetadata(names, false);
    return names.map((name) => {
      const t: TopicInfo | undefined = this.cluster.topic(name);
      if (!t) throw new SamsaError('SAMSA_METADATA', `no metadata for topic ${name}`);
      if (t.errorCode !== 0) throw kafkaError(t.errorCode, `describe topic ${name}`);
      return {
        name,
        internal: t.isInternal,
        partitions: t.partitions.map((p) => ({
          partition: p.partition,
          leader: p.leaderId,
          leaderEpoch: p.leaderEpoch,
          replicas: p.replicas,
          isr: p.isr,
        })),
      };
    });
  }

  /** Grow topics to `count` partitions each. */
  async createPartitions(topics: { topic: string; count: number }[]): Promise<void> {
    const res = await this.cluster.withRetry('CreatePartitions', async () =>
      this.cluster.request(await this.controller(), ApiKey.CreatePartitions, {
        topics: topics.map((t) => ({ name: t.topic, count: t.count, assignments: null })),
        timeoutMs: this.timeoutMs,
        validateOnly: false,
      }),
    );
    for (const r of res.results) {
      if (r.errorCode !== 0) throw kafkaError(r.errorCode, `create partitions of ${r.name}`, r.errorMessage);
    }
    await this.cluster.refreshMetadata(topics.map((t) => t.topic));
  }

  /** Configs of a topic (or a broker, with `{ broker: id }`); `names` limits the keys. */
  async describeConfigs(
    resource: { topic: string } | { broker: number },
    names?: string[],
  ): Promise<ConfigEntry[]> {
    const isTopic = 'topic' in resource;
    const res = await this.cluster.withRetry('DescribeConfigs', async () =>
      this.cluster.request(isTopic ? await this.controller() : resource.broker, ApiKey.DescribeConfigs, {
        resources: [
          {
            resourceType: isTopic ? RESOURCE_TOPIC : RESOURCE_BROKER,
            resourceName: isTopic ? resource.topic : String(resource.broker),
            configurationKeys: names ?? null,
          },
        ],
        includeSynonyms: false,
        includeDocumentation: false,
      }),
    );
    const r = res.results[0];
    if (!r) throw new SamsaError('SAMSA_PROTOCOL', 'DescribeConfigs answered no result');
    if (r.errorCode !== 0)
      throw kafkaError(r.errorCode, `describe configs of ${r.resourceName}`, r.errorMessage);
    return r.configs.map((c) => ({
      name: c.name,
      value: c.value,
      readOnly: c.readOnly,
      isDefault: c.isDefault ?? c.configSource === 5,
      isSensitive: c.isSensitive,
      source: c.configSource ?? -1,
    }));
  }

  /**
   * Change topic configs incrementally: a string sets a key, null deletes it (back to the
   * default). Other keys are left alone.
   */
  async alterTopicConfigs(topic: string, configs: Record<string, string | null>): Promise<void> {
    const res = await this.cluster.withRetry('IncrementalAlterConfigs', async () =>
      this.cluster.request(await this.controller(), ApiKey.IncrementalAlterConfigs, {
        resources: [
          {
            resourceType: RESOURCE_TOPIC,
            resourceName: topic,
            configs: Object.entries(configs).map(([name, value]) => ({
              name,
              configOperation: value === null ? 1 : 0,
              value,
            })),
          },
        ],
        validateOnly: false,
      }),
    );
    for (const r of res.responses) {
      if (r.errorCode !== 0)
        throw kafkaError(r.errorCode, `alter configs of ${r.resourceName}`, r.errorMessage);
    }
  }

  // ---- offsets ----

  /** Offsets at `timestamp` (-2 earliest, -1 latest, else the first offset at or after it; -1 when none). */
  async listOffsets(topic: string, timestamp: number, partitions?: number[]): Promise<PartitionOffset[]> {
    await this.cluster.ensureTopics([topic], false);
    const count = this.cluster.partitionCount(topic) ?? 0;
    const parts = partitions ?? Array.from({ length: count }, (_, i) => i);
    return listOffsetsFor(
      this.cluster,
      parts.map((partition) => ({ topic, partition })),
      timestamp,
    );
  }

  /** Log start offsets of the topic's partitions (all, or those given). */
  earliestOffsets(topic: string, partitions?: number[]): Promise<PartitionOffset[]> {
    return this.listOffsets(topic, EARLIEST, partitions);
  }

  /** Log end offsets (high watermarks) of the topic's partitions (all, or those given). */
  latestOffsets(topic: string, partitions?: number[]): Promise<PartitionOffset[]> {
    return this.listOffsets(topic, LATEST, partitions);
  }

  offsetsByTime(topic: string, timestamp: number): Promise<PartitionOffset[]> {
    return this.listOffsets(topic, timestamp);
  }

  // ---- groups ----

  async listGroups(): Promise<GroupListing[]> {
    const md = await this.cluster.fetchAllMetadata();
    const out: GroupListing[] = [];
    for (const b of md.brokers) {
      const res = await this.cluster.request(b.nodeId, ApiKey.ListGroups, { statesFilter: [] });
      if (res.errorCode !== 0) throw kafkaError(res.errorCode, `list groups on broker ${b.nodeId}`);
      for (const g of res.groups)
        out.push({ groupId: g.groupId, protocolType: g.protocolType, state: g.groupState });
    }
    return out.sort((a, b) => a.groupId.localeCompare(b.groupId));
  }

  async describeGroups(groupIds: string[]): Promise<GroupDescription[]> {
    const out: GroupDescription[] = [];
    for (const groupId of groupIds) {
      const g = await this.cluster.withRetry(`DescribeGroups(${groupId})`, async () => {
        const node = await this.cluster.findCoordinator(groupId);
        const res = await this.cluster.request(node, ApiKey.DescribeGroups, {
          groups: [groupId],
          includeAuthorizedOperations: false,
        });
        const d = res.groups[0];
        if (!d) throw new SamsaError('SAMSA_PROTOCOL', 'DescribeGroups answered no group');
        if (d.errorCode !== 0) throw kafkaError(d.errorCode, `describe group ${groupId}`);
        return d;
      });
      out.push(describeGroup(g));
    }
    return out;
  }

  async deleteGroups(groupIds: string[]): Promise<void> {
    for (const groupId of groupIds) {
      const res = await this.cluster.withRetry(`DeleteGroups(${groupId})`, async () => {
        const node = await this.cluster.findCoordinator(groupId);
        const r = await this.cluster.request(node, ApiKey.DeleteGroups, { groupsNames: [groupId] });
        const g = r.results[0];
        if (g && g.errorCode !== 0) throw kafkaError(g.errorCode, `delete group ${groupId}`);
        return r;
      });
      void res;
    }
  }

  /** Committed offsets of a group (for `topics`, or all topics when omitted). */
  async fetchGroupOffsets(groupId: string, topics?: string[]): Promise<PartitionOffset[]> {
    return fetchCommitted(this.cluster, groupId, topics);
  }

  /** Move a group's committed offsets; the group must have no active members. */
  async resetGroupOffsets(
    groupId: string,
    topic: string,
    target: OffsetResetTarget,
  ): Promise<PartitionOffset[]> {
    let offsets: PartitionOffset[];
    if (target === 'earliest') offsets = await this.earliestOffsets(topic);
    else if (target === 'latest') offsets = await this.latestOffsets(topic);
    else if ('timestamp' in target) {
      const byTime = await this.offsetsByTime(topic, target.timestamp);
      const latest = await this.latestOffsets(topic);
      offsets = byTime.map((o, i) => (o.offset < 0 ? latest[i]! : o));
    } else offsets = target.offsets;
    await this.cluster.withRetry(`OffsetCommit(${groupId})`, async () => {
      const node = await this.cluster.findCoordinator(groupId);
      const res = await this.cluster.request(node, ApiKey.OffsetCommit, {
        groupId,
        generationIdOrMemberEpoch: -1,
        memberId: '',
        groupInstanceId: null,
        retentionTimeMs: -1,
        topics: offsetCommitTopics(offsets),
      });
      for (const t of res.topics)
        for (const p of t.partitions)
          if (p.errorCode !== 0)
            throw kafkaError(p.errorCode, `reset offsets of ${groupId} on ${t.name}-${p.partitionIndex}`);
    });
    return offsets;
  }

  /** Delete a group's committed offsets of a topic's partitions. */
  async deleteGroupOffsets(groupId: string, topic: string, partitions: number[]): Promise<void> {
    await this.cluster.withRetry(`OffsetDelete(${groupId})`, async () => {
      const node = await this.cluster.findCoordinator(groupId);
      const res = await this.cluster.request(node, ApiKey.OffsetDelete, {
        groupId,
        topics: [{ name: topic, partitions: partitions.map((partitionIndex) => ({ partitionIndex })) }],
      });
      if (res.errorCode !== 0) throw kafkaError(res.errorCode, `delete offsets of ${groupId}`);
      for (const t of res.topics)
        for (const p of t.partitions)
          if (p.errorCode !== 0) throw kafkaError(p.errorCode, `delete offset ${t.name}-${p.partitionIndex}`);
    });
  }
}

function describeGroup(g: DescribeGroupsResponseDescribedGroup): GroupDescription {
  return {
    groupId: g.groupId,
    state: g.groupState,
    protocolType: g.protocolType,
    protocol: g.protocolData,
    members: g.members.map((m) => {
      let subscription: string[] = [];
      let assignment: { topic: string; partitions: number[] }[] = [];
      if (g.protocolType === 'consumer') {
        try {
          subscription = decodeSubscription(m.memberMetadata).topics;
        } catch {
          subscription = [];
        }
        try {
          assignment = decodeAssignment(m.memberAssignment).partitions;
        } catch {
          assignment = [];
        }
      }
      return {
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId ?? null,
        clientId: m.clientId,
        clientHost: m.clientHost,
        subscription,
        assignment,
      };
    }),
  };
}

/** The `topics` of an OffsetCommit request committing these offsets (no metadata, no epoch). */
export function offsetCommitTopics(offsets: readonly { topic: string; partition: number; offset: number }[]) {
  return groupByTopic([...offsets]).map(([name, ps]) => ({
    name,
    partitions: ps.map((p) => ({
      partitionIndex: p.partition,
      committedOffset: p.offset,
      committedLeaderEpoch: -1,
      committedMetadata: null,
    })),
  }));
}

export function groupByTopic<T extends { topic: string }>(items: T[]): [string, T[]][] {
  const m = new Map<string, T[]>();
  for (const i of items) {
    let l = m.get(i.topic);
    if (!l) {
      l = [];
      m.set(i.topic, l);
    }
    l.push(i);
  }
  return [...m];
}

/** ListOffsets for partitions (grouped by leader), retried on leadership changes. */
export async function listOffsetsFor(
  cluster: Cluster,
  partitions: { topic: string; partition: number }[],
  timestamp: number,
): Promise<PartitionOffset[]> {
  return cluster.withRetry('ListOffsets', async () => {
    const byLeader = new Map<number, { topic: string; partition: number }[]>();
    for (const p of partitions) {
      const leader = cluster.leaderOf(p.topic, p.partition);
      if (leader < 0) {
        await cluster.refreshMetadata([p.topic]);
        throw new SamsaError('SAMSA_METADATA', `no leader for ${p.topic}-${p.partition}`, {
          retriable: true,
        });
      }
      let l = byLeader.get(leader);
      if (!l) {
        l = [];
        byLeader.set(leader, l);
      }
      l.push(p);
    }
    const out: PartitionOffset[] = [];
    for (const [leader, ps] of byLeader) {
      const res = await cluster.request(leader, ApiKey.ListOffsets, {
        replicaId: -1,
        isolationLevel: 0,
        topics: groupByTopic(ps).map(([name, list]) => ({
          name,
          partitions: list.map((p) => ({ partitionIndex: p.partition, currentLeaderEpoch: -1, timestamp })),
        })),
      });
      for (const t of res.topics) {
        for (const p of t.partitions) {
          if (p.errorCode !== 0) {
            if (p.errorCode === ErrorCode.NOT_LEADER_OR_FOLLOWER) await cluster.refreshMetadata([t.name]);
            throw kafkaError(p.errorCode, `list offsets of ${t.name}-${p.partitionIndex}`);
          }
          out.push({ topic: t.name, partition: p.partitionIndex, offset: p.offset, timestamp: p.timestamp });
        }
      }
    }
    const order = new Map(partitions.map((p, i) => [`${p.topic}\u0000${p.partition}`, i]));
    return out.sort(
      (a, b) => order.get(`${a.topic}\u0000${a.partition}`)! - order.get(`${b.topic}\u0000${b.partition}`)!,
    );
  });
}

/** OffsetFetch for a group; offset -1 means nothing committed. */
export async function fetchCommitted(
  cluster: Cluster,
  groupId: string,
  topics?: string[],
  partitions?: { topic: string; partition: number }[],
): Promise<PartitionOffset[]> {
  return cluster.withRetry(`OffsetFetch(${groupId})`, async () => {
    const node = await cluster.findCoordinator(groupId);
    const conn = await cluster.connectionTo(node);
    const v = conn.version(ApiKey.OffsetFetch);
    let reqTopics: { name: string; partitionIndexes: number[] }[] | null = null;
    if (partitions)
      reqTopics = groupByTopic(partitions).map(([name, ps]) => ({
        name,
        partitionIndexes: ps.map((p) => p.partition),
      }));
    else if (topics) {
      await cluster.ensureTopics(topics, false);
      reqTopics = topics.map((name) => ({
        name,
        partitionIndexes: Array.from({ length: cluster.partitionCount(name) ?? 0 }, (_, i) => i),
      }));
    }
    const res = await conn.request(ApiKey.OffsetFetch, {
      groupId,
      topics: reqTopics,
      groups: [{ groupId, topics: reqTopics }],
      requireStable: false,
    });
    const out: PartitionOffset[] = [];
    let errorCode = res.errorCode ?? 0;
    let resTopics: {
      name: string;
      partitions: { partitionIndex: number; committedOffset: number; errorCode: number }[];
    }[] = res.topics ?? [];
    if (v >= 8) {
      const g = res.groups?.[0];
      errorCode = g?.errorCode ?? 0;
      resTopics = g?.topics ?? [];
    }
    if (errorCode !== 0) throw kafkaError(errorCode, `fetch offsets of group ${groupId}`);
    for (const t of resTopics)
      for (const p of t.partitions) {
        if (p.errorCode !== 0)
          throw kafkaError(p.errorCode, `fetch offset of ${groupId} on ${t.name}-${p.partitionIndex}`);
        out.push({ topic: t.name, partition: p.partitionIndex, offset: p.committedOffset });
      }
    return out;
  });
}
