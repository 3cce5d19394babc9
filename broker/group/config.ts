/**
 * Group coordinator settings: Kafka's names and defaults, plus Samsa's own bounds on group
 * state (every list a client can grow has a named maximum).
 */

export interface GroupCoordinatorConfig {
  /** group.initial.rebalance.delay.ms: how long a new group waits for more members before its first generation. */
  initialRebalanceDelayMs: number;
  /** group.min.session.timeout.ms / group.max.session.timeout.ms: accepted session timeouts. */
  sessionTimeoutMsMin: number;
  sessionTimeoutMsMax: number;
  /** group.max.size: members in one group. */
  groupMembersMax: number;
  /** Groups held by this coordinator (Samsa's bound; Kafka has none). */
  groupsMax: number;
  /** Bytes of protocol metadata one member may send in JoinGroup, all protocols together. */
  memberMetadataBytesMax: number;
  /** Protocols one member may offer in JoinGroup. */
  memberProtocolsMax: number;
  /** Bytes of the assignment the leader hands one member in SyncGroup. */
  memberAssignmentBytesMax: number;
  /** offset.metadata.max.bytes: the metadata string committed with an offset. */
  offsetMetadataBytesMax: number;
  /** offsets.retention.minutes, in ms: offsets of empty groups expire this long after the group emptied. */
  offsetsRetentionMs: number;
  /** offsets.retention.check.interval.ms: how often expired offsets and dead groups are removed. */
  offsetsRetentionCheckIntervalMs: number;
  /** offsets.topic.num.partitions: partitions of __consumer_offsets that groups are spread over. */
  offsetsTopicPartitions: number;
  /** How long a new member's JoinGroup may wait for the rebalance before the member is dropped (Kafka: 5 min). */
  newMemberJoinTimeoutMs: number;
}

export const groupCoordinatorConfigDefaults: GroupCoordinatorConfig = {
  initialRebalanceDelayMs: 3000,
  sessionTimeoutMsMin: 6000,
  sessionTimeoutMsMax: 1_800_000,
  groupMembersMax: 1000,
  groupsMax: 100_000,
  memberMetadataBytesMax: 256 * 1024,
  memberProtocolsMax: 64,
  memberAssignmentBytesMax: 256 * 1024,
  offsetMetadataBytesMax: 4096,
  offsetsRetentionMs: 7 * 24 * 60 * 60 * 1000,
  offsetsRetentionCheckIntervalMs: 600_000,
  offsetsTopicPartitions: 50,
  newMemberJoinTimeoutMs: 300_000,
};

/** The broker settings that map onto the coordinator's (see broker/config.ts). */
export interface BrokerGroupSettings {
  groupInitialRebalanceDelayMs: number;
  groupMinSessionTimeoutMs: number;
  groupMaxSessionTimeoutMs: number;
  groupMaxSize: number;
  offsetsRetentionMinutes: number;
  offsetsTopicPartitions: number;
}

/** Coordinator settings from the broker's config; everything else keeps its default. */
export function groupConfigFromBroker(c: BrokerGroupSettings): Partial<GroupCoordinatorConfig> {
  return {
    initialRebalanceDelayMs: c.groupInitialRebalanceDelayMs,
    sessionTimeoutMsMin: c.groupMinSessionTimeoutMs,
    sessionTimeoutMsMax: c.groupMaxSessionTimeoutMs,
    groupMembersMax: c.groupMaxSize,
    offsetsRetentionMs: c.offsetsRetentionMinutes * 60_000,
    offsetsTopicPartitions: c.offsetsTopicPartitions,
  };
}

export class GroupConfigError extends Error {
  readonly code = 'SAMSA_GROUP_CONFIG';
}

export function resolveGroupConfig(overrides: Partial<GroupCoordinatorConfig> = {}): GroupCoordinatorConfig {
  const c: GroupCoordinatorConfig = { ...groupCoordinatorConfigDefaults };
  for (const [k, v] of Object.entries(overrides)) {
    if (v !== undefined) (c as unknown as Record<string, number>)[k] = v;
  }
  for (const [k, v] of Object.entries(c)) {
    if (!Number.isInteger(v) || v < 0)
      throw new GroupConfigError(`group coordinator: ${k} must be an integer >= 0, got ${v}`);
  }
  if (c.offsetsTopicPartitions < 1)
    throw new GroupConfigError('group coordinator: offsetsTopicPartitions must be >= 1');
  if (c.sessionTimeoutMsMin > c.sessionTimeoutMsMax) {
    throw new GroupConfigError('group coordinator: sessionTimeoutMsMin must not exceed sessionTimeoutMsMax');
  }
  if (c.offsetsRetentionCheckIntervalMs < 1) {
    throw new GroupConfigError('group coordinator: offsetsRetentionCheckIntervalMs must be >= 1');
  }
  return c;
}
