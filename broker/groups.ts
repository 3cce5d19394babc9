/**
 * Wiring the group coordinator (broker/group) into the broker: the internal
 * __consumer_offsets topic that holds committed offsets and group metadata, and the views of
 * groups (members, committed offsets, lag) that the admin HTTP server and metrics show.
 */
import type { Logger } from 'pino';
import type { LogManager } from '../storage/log-manager.js';
import type { BrokerConfig } from './config.js';
import { GroupCoordinator, groupConfigFromBroker, PartitionGroupLog } from './group/index.js';
import type { TopicManager } from './topic-manager.js';

export const OFFSETS_TOPIC = '__consumer_offsets';
/** Kafka's segment size for this topic: compaction frees space soon. */
export const OFFSETS_SEGMENT_BYTES = 100 * 1024 * 1024;

/**
 * Start the group coordinator. Single node: __consumer_offsets is created here and every
 * partition is loaded now. Cluster mode (`loadOnLeadership`): partitions are loaded as this
 * broker comes to lead them (cluster-groups.ts).
 */
export async function startGroupCoordinator(
  config: BrokerConfig,
  logs: LogManager,
  topics: TopicManager,
  log: Logger,
  { loadOnLeadership = false } = {},
): Promise<GroupCoordinator> {
  const topicExists = (topic: string, p: number) =>
    topics.exists(topic) && p >= 0 && p < topics.partitionCount(topic);
  if (loadOnLeadership) {
    const coordinator = new GroupCoordinator({
      config: groupConfigFromBroker(config),
      loadOnLeadership: true,
      topicExists,
      logger: log.child({ component: 'group-coordinator' }),
    });
    await coordinator.start();
    return coordinator;
  }
  const existing = logs.topicMetadata(OFFSETS_TOPIC);
  if (!existing) {
    // Kafka's settings for this topic: compacted, 100 MiB segments.
    await logs.createTopic(OFFSETS_TOPIC, config.offsetsTopicPartitions, {
      'cleanup.policy': 'compact',
      'segment.bytes': String(OFFSETS_SEGMENT_BYTES),
    });
  } else if (existing.partitions !== config.offsetsTopicPartitions) {
    log.warn(
      { configured: config.offsetsTopicPartitions, existing: existing.partitions },
      `${OFFSETS_TOPIC} has ${existing.partitions} partitions; offsets.topic.num.partitions cannot change once set — using ${existing.partitions}`,
    );
  }
  const partitions = logs.topicMetadata(OFFSETS_TOPIC)!.partitions;
  const coordinator = new GroupCoordinator({
    config: { ...groupConfigFromBroker(config), offsetsTopicPartitions: partitions },
    logFor: (p) => new PartitionGroupLog({ log: logs.log(OFFSETS_TOPIC, p)! }),
    topicExists,
    logger: log.child({ component: 'group-coordinator' }),
  });
  await coordinator.start();
  return coordinator;
}

/** Committed offsets of a group with each partition's lag (high watermark - committed). */
function offsetsWithLag(coordinator: GroupCoordinator, topics: TopicManager, groupId: string) {
  const fetched = coordinator.fetchOffsets(groupId, null);
  return fetched.topics.flatMap((t) =>
    t.partitions
      .filter((p) => p.committedOffset >= 0)
      .map((p) => {
        const hw = topics.partition(t.name, p.partitionIndex)?.highWatermark ?? -1;
        return {
          topic: t.name,
          partition: p.partitionIndex,
          committedOffset: p.committedOffset,
          metadata: p.metadata,
          highWatermark: hw,
          lag: hw >= 0 ? Math.max(0, hw - p.committedOffset) : null,
        };
      }),
  );
}

export function groupLag(coordinator: GroupCoordinator, topics: TopicManager) {
  return coordinator.listGroups([]).groups.flatMap((g) =>
    offsetsWithLag(coordinator, topics, g.groupId)
      .filter((o) => o.lag !== null)
      .map((o) => ({ group: g.groupId, topic: o.topic, partition: o.partition, lag: o.lag as number })),
  );
}

export function groupsView(coordinator: GroupCoordinator, topics: TopicManager) {
  return {
    list: () => coordinator.listGroups([]).groups,
    describe: (groupId: string) => {
      const d = coordinator.describeGroup(groupId);
      if (d.groupState === 'Dead') return undefined;
      return {
        groupId,
        state: d.groupState,
        protocolType: d.protocolType,
        protocol: d.protocolData,
        members: d.members.map((m) => ({
          memberId: m.memberId,
          groupInstanceId: m.groupInstanceId,
          clientId: m.clientId,
          clientHost: m.clientHost,
        })),
        offsets: offsetsWithLag(coordinator, topics, groupId),
      };
    },
  };
}
