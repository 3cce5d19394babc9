/** Public surface of storage/ for the broker and tools. */
export * from './config.js';
export * from './errors.js';
export { type FaultRule, type FsOp, faultyFs, nodeFs, type StorageFs } from './fs.js';
export { LeaderEpochCache, UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET } from './leader-epoch-cache.js';
export {
  LogManager,
  type LogManagerOptions,
  PARTITIONS_PER_TOPIC_MAX,
  type TopicMetadata,
} from './log-manager.js';
export { type StorageLogger, silentLogger } from './logger.js';
export {
  type AppendResult,
  PartitionLog,
  type PartitionLogOptions,
  type ReadResult,
} from './partition-log.js';
export type { RecoveryReport } from './recovery.js';
