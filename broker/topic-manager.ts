/**
 * Topics and partitions as the broker sees them: creation (explicit and automatic), deletion,
 * added partitions, configs — validated here with messages that say what to do, decided by the
 * metadata quorum (TopicCatalog) — the local partition logs, and appends that wake parked fetches.
 */
import type { Logger } from 'pino';
import { ErrorCode as E } from '../protocol/error-codes.js';
import { type LogManager, PARTITIONS_PER_TOPIC_MAX as topicPartitionsMax } from '../storage/log-manager.js';
import type { PartitionLog } from '../storage/partition-log.js';
import { AppendWaiters } from './append-waiters.js';
import type { BrokerConfig } from './config.js';
import { InvalidTopicConfig, validateTopicConfigs } from './topic-configs.js';
import { isInternalTopic, topicNameProblem } from './topic-names.js';

/** A Kafka error code with a message for the client (null message: the code says it all). */
export interface Outcome {
  errorCode: number;
  errorMessage: string | null;
}

export const ok: Outcome = { errorCode: 0, errorMessage: null };
const fail = (errorCode: number, errorMessage: string): Outcome => ({ errorCode, errorMessage });

export interface CreateTopicArgs {
  name: string;
  numPartitions: number;
  replicationFactor: number;
  assignments: { partitionIndex: number; brokerIds: number[] }[];
  configs: Record<string, string>;
  validateOnly: boolean;
}

/**
 * Where topics are decided (cluster-mode.ts): the metadata image answers what exists, and
 * changes are metadata requests that return once this broker has carried them out.
 */
export interface TopicCatalog {
  names(): string[];
  /** 0: no such topic. */
  partitionCount(name: string): number;
  configOverrides(name: string): Record<string, string> | undefined;
  liveBrokerIds(): number[];
  create(
    name: string,
    partitions: number,
    replicationFactor: number,
    configs: Record<string, string>,
    /** Replicas of each partition as the user assigned them. */
    assignments?: number[][],
  ): Promise<Outcome>;
  delete(name: string): Promise<Outcome>;
  addPartitions(name: string, count: number): Promise<Outcome>;
  /** Replace the topic's config overrides. */
  setConfigs(name: string, configs: Record<string, string>): Promise<Outcome>;
}

export class TopicManager {
  readonly waiters = new AppendWaiters();

  constructor(
    readonly logs: LogManager,
    private readonly config: BrokerConfig,
    private readonly log: Logger,
    /** Topics come from the metadata quorum. */
    private readonly catalog: TopicCatalog,
  ) {}

  private liveBrokerIds(): number[] {
    return this.catalog.liveBrokerIds();
  }

  names(): string[] {
    return this.catalog.names();
  }

  exists(name: string): boolean {
    return this.catalog.partitionCount(name) > 0;
  }

  partitionCount(name: string): number {
    return this.catalog.partitionCount(name);
  }

  configOverrides(name: string): Record<string, string> | undefined {
    return this.catalog.configOverrides(name);
  }

  partition(topic: string, partition: number): PartitionLog | undefined {
    return this.logs.log(topic, partition);
  }

  /** Create a topic as Kafka's CreateTopics does; validates everything before touching disk. */
  async create(args: CreateTopicArgs): Promise<Outcome> {
    const problem = topicNameProblem(args.name);
    if (problem) return fail(E.INVALID_TOPIC_EXCEPTION, problem);
    if (this.exists(args.name)) return fail(E.TOPIC_ALREADY_EXISTS, `topic "${args.name}" already exists`);
    const brokers = this.liveBrokerIds();
    let partitions = args.numPartitions;
    let rf = args.replicationFactor;
    let assignments: number[][] | undefined;
    if (args.assignments.length > 0) {
      if (partitions !== -1 || rf !== -1) {
        return fail(
          E.INVALID_REQUEST,
          'give either replica assignments or numPartitions/replicationFactor, not both',
        );
      }
      const sorted = [...args.assignments].sort((a, b) => a.partitionIndex - b.partitionIndex);
      for (let i = 0; i < sorted.length; i++) {
        const a = sorted[i]!;
        if (a.partitionIndex !== i) {
          return fail(
            E.INVALID_REPLICA_ASSIGNMENT,
            'replica assignments must cover partitions 0..n-1 exactly once',
          );
        }
        const unknown = a.brokerIds.find((id) => !brokers.includes(id));
        if (unknown !== undefined || a.brokerIds.length === 0) {
          return fail(
            E.INVALID_REPLICA_ASSIGNMENT,
            `partition ${i} is assigned to broker ${unknown ?? '(none)'}, which is not in the cluster (brokers: ${brokers.join(', ')})`,
          );
        }
      }
      partitions = sorted.length;
      rf = sorted[0]!.brokerIds.length;
      assignments = sorted.map((a) => a.brokerIds);
      const uneven = assignments.findIndex((ids) => ids.length !== rf || new Set(ids).size !== ids.length);
      if (uneven >= 0)
        return fail(
          E.INVALID_REPLICA_ASSIGNMENT,
          `partition ${uneven} must have ${rf} distinct replicas, like partition 0; got ${assignments[uneven]!.join(', ')}`,
        );
    }
    if (partitions === -1) partitions = this.config.defaultPartitions;
    if (rf === -1) rf = this.config.defaultReplicationFactor;
    if (partitions <= 0 || partitions > topicPartitionsMax) {
      return fail(
        E.INVALID_PARTITIONS,
        `number of partitions must be between 1 and ${topicPartitionsMax}, got ${partitions}`,
      );
    }
    if (rf <= 0)
      return fail(E.INVALID_REPLICATION_FACTOR, `replication factor must be at least 1, got ${rf}`);
    if (rf > brokers.length) {
      return fail(
        E.INVALID_REPLICATION_FACTOR,
        `replication factor ${rf} is larger than the number of available brokers (${brokers.length})`,
      );
    }
    try {
      validateTopicConfigs(args.configs);
    } catch (err) {
      if (err instanceof InvalidTopicConfig) return fail(E.INVALID_CONFIG, err.message);
      throw err;
    }
    if (args.validateOnly) return ok;
    const r = await this.catalog.create(args.name, partitions, rf, args.configs, assignments);
    if (r.errorCode === 0)
      this.log.info(
        { topic: args.name, partitions, replicationFactor: rf, configs: args.configs },
        `created topic "${args.name}"`,
      );
    return r;
  }

  /** Metadata/auto-creation path: create `name` with the broker defaults when allowed. */
  async autoCreate(name: string): Promise<Outcome> {
    const problem = topicNameProblem(name);
    if (problem) return fail(E.INVALID_TOPIC_EXCEPTION, problem);
    if (isInternalTopic(name))
      return fail(E.INVALID_REQUEST, `topic "${name}" is internal and cannot be auto-created`);
    return this.create({
      name,
      numPartitions: -1,
      replicationFactor: -1,
      assignments: [],
      configs: {},
      validateOnly: false,
    });
  }

  async delete(name: string): Promise<Outcome> {
    if (!this.exists(name)) {
      return fail(E.UNKNOWN_TOPIC_OR_PARTITION, `topic "${name}" does not exist`);
    }
    if (isInternalTopic(name))
      return fail(E.INVALID_REQUEST, `topic "${name}" is internal and cannot be deleted`);
    const count = this.partitionCount(name);
    const r = await this.catalog.delete(name);
    if (r.errorCode !== 0) return r;
    for (let p = 0; p < count; p++) this.waiters.notify(AppendWaiters.key(name, p), 0);
    this.log.info({ topic: name }, `deleted topic "${name}"`);
    return r;
  }

  async addPartitions(name: string, count: number, validateOnly: boolean): Promise<Outcome> {
    if (!this.exists(name)) return fail(E.UNKNOWN_TOPIC_OR_PARTITION, `topic "${name}" does not exist`);
    if (isInternalTopic(name)) {
      return fail(E.INVALID_REQUEST, `topic "${name}" is internal; its partition count cannot change`);
    }
    const current = this.partitionCount(name);
    if (count <= current) {
      return fail(
        E.INVALID_PARTITIONS,
        `topic "${name}" has ${current} partitions; the new count must be larger, got ${count}`,
      );
    }
    if (count > topicPartitionsMax) {
      return fail(
        E.INVALID_PARTITIONS,
        `a topic can have at most ${topicPartitionsMax} partitions, got ${count}`,
      );
    }
    if (validateOnly) return ok;
    const r = await this.catalog.addPartitions(name, count);
    if (r.errorCode === 0)
      this.log.info({ topic: name, from: current, to: count }, `topic "${name}" now has ${count} partitions`);
    return r;
  }

  /** Replace a topic's config overrides (validated first). */
  async setConfigs(name: string, configs: Record<string, string>, validateOnly: boolean): Promise<Outcome> {
    if (!this.exists(name)) return fail(E.UNKNOWN_TOPIC_OR_PARTITION, `topic "${name}" does not exist`);
    try {
      validateTopicConfigs(configs);
    } catch (err) {
      if (err instanceof InvalidTopicConfig) return fail(E.INVALID_CONFIG, err.message);
      throw err;
    }
    if (validateOnly) return ok;
    const r = await this.catalog.setConfigs(name, configs);
    if (r.errorCode === 0) this.log.info({ topic: name, configs }, `topic "${name}" configs changed`);
    return r;
  }

  /** After an append (or a high watermark move), wake fetches parked on the partition. */
  appended(topic: string, partition: number, bytes: number): void {
    this.waiters.notify(AppendWaiters.key(topic, partition), bytes);
  }
}
