/**
 * Wiring the group coordinator (broker/group) into the broker: the internal
 * __consumer_offsets topic that holds committed offsets and group metadata, and the views of
 * groups (members, committed offsets, lag) that the admin HTTP server and metrics show.
 */
import type { Logger } from 'pino';
import type { BrokerConfig } from './config.js';
import { GroupCoordinator, groupConfigFromBroker } from './group/index.js';
import type { TopicManager } from './topic-manager.js';

export const OFFSETS_TOPIC = '__consumer_offsets';
/** Kafka's segment size for this topic: compaction frees space soon. */
export const OFFSETS_SEGMENT_BYTES = 100 * 1024 * 1024;

/**
 * Start the group coordinator. It coordinates the __consumer_offsets partitions this broker
 * leads, loading each as leadership arrives (cluster-groups.ts creates the topic and follows
 * leadership).
 */
export async function startGroupCoordinator(
  config: BrokerConfig,
  topics: TopicManager,
  log: Logger,
): Promise<GroupCoordinator> {
  // The partition count of __consumer_offsets never changes once the topic exists: a local
  // replica of it says what it is, whatever offsets.topic.num.partitions says now.
  const existing = topics.logs.topicMetadata(OFFSETS_TOPIC)?.partitions;
  if (existing !== undefined && existing !== config.offsetsTopicPartitions)
    log.warn(
      { configured: config.offsetsTopicPartitions, existing },
      `${OFFSETS_TOPIC} has ${existing} partitions; offsets.topic.num.partitions cannot change once set — using ${existing}`,
    );
  const coordinator = new GroupCoordinator({
    config: {
      ...groupConfigFromBroker(config),
      offsetsTopicPartitions: existing ?? config.offsetsTopicPartitions,
    },
    loadOnLeadership: true,
    topicExists: (topic, p) => topics.exists(topic) && p >= 0 && p < topics.partitionCount(topic),
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
