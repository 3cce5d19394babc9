/** What a handler knows about the request it is answering and the broker it runs in. */
import type { Logger } from 'pino';
import type { BrokerMetrics } from './broker-metrics.js';
import type { BrokerConfig } from './config.js';
import type { GroupCoordinator } from './group/index.js';
import type { PartitionAuthority } from './partition-authority.js';
import type { TopicManager } from './topic-manager.js';

export interface BrokerNode {
  nodeId: number;
  host: string;
  port: number;
  rack: string | null;
}

export interface BrokerCore {
  readonly config: BrokerConfig;
  readonly clusterId: string;
  readonly topics: TopicManager;
  readonly log: Logger;
  readonly metrics: BrokerMetrics;
  /** Leadership, leader epochs, high watermark and acks=all of each partition. */
  readonly authority: PartitionAuthority;
  /** The consumer-group coordinator (set once it has loaded __consumer_offsets). */
  groups?: GroupCoordinator;
  /** This node as clients should reach it. */
  self(): BrokerNode;
  /** Every live broker in the cluster (this one alone without cluster mode). */
  brokers(): BrokerNode[];
  /** The controller's node id (-1: none known). */
  controllerId(): number;
  /** True once shutdown began: parked fetches answer at once. */
  readonly stopping: boolean;
}

export interface RequestContext {
  core: BrokerCore;
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
  clientHost: string;
}

/** One Kafka API served by the broker: the versions it implements and how it answers. */
export interface ApiHandler<Req = unknown, Res = unknown> {
  apiKey: number;
  minVersion: number;
  maxVersion: number;
  /** Returns the response body, or null for no response at all (Produce with acks=0). */
  handle(req: Req, ctx: RequestContext): Res | null | Promise<Res | null>;
}
