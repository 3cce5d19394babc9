/**
 * The group coordinator: what the broker wires in. See coordinator.ts and handlers.ts.
 *
 * Wiring (single node):
 *
 *   const coordinator = new GroupCoordinator({
 *     config: groupConfigFromBroker(config),
 *     logFor: (p) => new PartitionGroupLog({ log: logs.log('__consumer_offsets', p)! }),
 *     topicExists: (topic, p) => topics.exists(topic) && p >= 0 && p < topics.partitionCount(topic),
 *     logger: log.child({ component: 'group-coordinator' }),
 *   });
 *   await coordinator.start();            // loads __consumer_offsets, starts the expiration timer
 *   for (const h of groupApiHandlers(coordinator, { self: () => core.self() })) register(h);
 *   …
 *   await coordinator.close();            // timers stopped, waiting requests answered, appends drained
 */
export { type Clock, ManualClock, SystemClock, type TimerHandle } from './clock.js';
export {
  type BrokerGroupSettings,
  GroupConfigError,
  type GroupCoordinatorConfig,
  groupConfigFromBroker,
  groupCoordinatorConfigDefaults,
  resolveGroupConfig,
} from './config.js';
export {
  type CommitArgs,
  type FetchResult,
  GroupCoordinator,
  type GroupCoordinatorOptions,
  GroupCoordinatorStateError,
  type GroupLogger,
  type HeartbeatArgs,
  type JoinArgs,
  type LeaveArgs,
  type SyncArgs,
} from './coordinator.js';
export { GROUP_STATES, type GroupState } from './group.js';
export { type GroupLog, MemoryGroupLog, MemoryGroupLogs } from './group-log.js';
export {
  type CoordinatorNode,
  createGroupHandlers,
  type GroupApiHandler,
  type GroupApiHandlers,
  type GroupHandlerOptions,
  type GroupRequestContext,
  groupApiHandlers,
} from './handlers.js';
export type { JoinResult, SyncResult } from './member.js';
export {
  GroupLogLoadError,
  type OffsetsPartitionLog,
  PartitionGroupLog,
  type PartitionGroupLogOptions,
} from './partition-group-log.js';
export { partitionForGroup } from './partitioning.js';
export type { GroupLogRecord } from './records.js';
