/**
 * Per-log configuration: Kafka's topic config names (a string map, as Kafka stores overrides)
 * parsed and validated into LogConfig. Kafka's "Long.MAX_VALUE means never" becomes
 * Number.MAX_SAFE_INTEGER (NEVER) here.
 */
import { InvalidConfigError } from './errors.js';

export const NEVER = Number.MAX_SAFE_INTEGER;
/** Positions in .index entries are int32: a segment can never be larger than this. */
export const SEGMENT_BYTES_MAX = 2 ** 31 - 1;
/** Kafka's minimum segment.bytes (one legacy record header). */
export const SEGMENT_BYTES_MIN = 14;
export const SEGMENT_INDEX_BYTES_MIN = 12;
export const SEGMENT_INDEX_BYTES_MAX = 2 ** 31 - 1;
export const MAX_MESSAGE_BYTES_MAX = 2 ** 31 - 1;

export type CleanupPolicy = 'delete' | 'compact';
export type TimestampType = 'CreateTime' | 'LogAppendTime';

export interface LogConfig {
  /** segment.bytes: roll when the active segment would grow past this. */
  segmentBytes: number;
  /** segment.ms: roll when the active segment is older than this. */
  segmentMs: number;
  /** segment.index.bytes: size of each (preallocated) .index / .timeindex; roll when full. */
  segmentIndexBytes: number;
  /** index.interval.bytes: bytes appended between two offset-index entries. */
  indexIntervalBytes: number;
  /** retention.ms: delete segments whose newest record is older (-1: keep forever). */
  retentionMs: number;
  /** retention.bytes: delete oldest segments while the log is larger (-1: no limit). */
  retentionBytes: number;
  /** max.message.bytes: the largest batch accepted (batchLength + 12). */
  maxMessageBytes: number;
  /** flush.messages: fsync after this many unflushed records (NEVER: leave it to the OS). */
  flushMessages: number;
  /** flush.ms: fsync when unflushed data is older than this (NEVER: leave it to the OS). */
  flushMs: number;
  /** cleanup.policy: only "delete" is enforced; "compact" is accepted and stored. */
  cleanupPolicy: CleanupPolicy[];
  /** message.timestamp.type: LogAppendTime rewrites maxTimestamp (and the CRC) on append. */
  messageTimestampType: TimestampType;
  /** min.insync.replicas (used by the broker, not storage). */
  minInsyncReplicas: number;
  /** unclean.leader.election.enable (used by the broker). */
  uncleanLeaderElectionEnable: boolean;
  /** compression.type (used by the broker; storage stores batches as they come). */
  compressionType: string;
}

const DEFAULTS: LogConfig = {
  segmentBytes: 1024 * 1024 * 1024,
  segmentMs: 7 * 24 * 60 * 60 * 1000,
  segmentIndexBytes: 10 * 1024 * 1024,
  indexIntervalBytes: 4096,
  retentionMs: 7 * 24 * 60 * 60 * 1000,
  retentionBytes: -1,
  maxMessageBytes: 1024 * 1024 + 12,
  flushMessages: NEVER,
  flushMs: NEVER,
  cleanupPolicy: ['delete'],
  messageTimestampType: 'CreateTime',
  minInsyncReplicas: 1,
  uncleanLeaderElectionEnable: false,
  compressionType: 'producer',
};
export const DEFAULT_LOG_CONFIG: Readonly<LogConfig> = Object.freeze(DEFAULTS);

/** Kafka topic configs Samsa accepts and stores but does not act on (yet). */
export const PASSTHROUGH_TOPIC_CONFIGS: ReadonlySet<string> = new Set([
  'delete.retention.ms',
  'file.delete.delay.ms',
  'follower.replication.throttled.replicas',
  'leader.replication.throttled.replicas',
  'local.retention.bytes',
  'local.retention.ms',
  'max.compaction.lag.ms',
  'message.downconversion.enable',
  'message.format.version',
  'message.timestamp.after.max.ms',
  'message.timestamp.before.max.ms',
  'message.timestamp.difference.max.ms',
  'min.cleanable.dirty.ratio',
  'min.compaction.lag.ms',
  'preallocate',
  'remote.storage.enable',
  'segment.jitter.ms',
]);

const COMPRESSION_TYPES = new Set(['producer', 'uncompressed', 'gzip', 'snappy', 'lz4', 'zstd']);

function parseLong(key: string, value: string, min: number, max = NEVER): number {
  const v = value.trim();
  if (!/^-?\d+$/.test(v)) throw new InvalidConfigError(key, value, 'not an integer');
  const big = BigInt(v);
  // Kafka's Long.MAX_VALUE ("never") and anything above the safe range clamp to NEVER.
  const n = big > BigInt(NEVER) ? NEVER : Number(big);
  if (n < min) throw new InvalidConfigError(key, value, `must be at least ${min}`);
  if (n > max) throw new InvalidConfigError(key, value, `must be at most ${max}`);
  return n;
}

function parseBool(key: string, value: string): boolean {
  const v = value.trim().toLowerCase();
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw new InvalidConfigError(key, value, 'must be true or false');
}

/**
 * Apply Kafka-style string overrides to `defaults`. Throws InvalidConfigError naming the key
 * and value for an unknown key or a bad value.
 */
export function parseLogConfig(
  configs: Record<string, string>,
  defaults: LogConfig = DEFAULT_LOG_CONFIG,
): LogConfig {
  const c: LogConfig = { ...defaults, cleanupPolicy: [...defaults.cleanupPolicy] };
  for (const [key, raw] of Object.entries(configs)) {
    if (typeof raw !== 'string') throw new InvalidConfigError(key, String(raw), 'values must be strings');
    switch (key) {
      case 'segment.bytes':
        c.segmentBytes = parseLong(key, raw, SEGMENT_BYTES_MIN, SEGMENT_BYTES_MAX);
        break;
      case 'segment.ms':
        c.segmentMs = parseLong(key, raw, 1);
        break;
      case 'segment.index.bytes':
        c.segmentIndexBytes = parseLong(key, raw, SEGMENT_INDEX_BYTES_MIN, SEGMENT_INDEX_BYTES_MAX);
        break;
      case 'index.interval.bytes':
        c.indexIntervalBytes = parseLong(key, raw, 0, 2 ** 31 - 1);
        break;
      case 'retention.ms':
        c.retentionMs = parseLong(key, raw, -1);
        break;
      case 'retention.bytes':
        c.retentionBytes = parseLong(key, raw, -1);
        break;
      case 'max.message.bytes':
        c.maxMessageBytes = parseLong(key, raw, 0, MAX_MESSAGE_BYTES_MAX);
        break;
      case 'flush.messages':
        c.flushMessages = parseLong(key, raw, 1);
        break;
      case 'flush.ms':
        c.flushMs = parseLong(key, raw, 0);
        break;
      case 'cleanup.policy': {
        const parts = raw
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s.length > 0);
        for (const p of parts) {
          if (p !== 'delete' && p !== 'compact')
            throw new InvalidConfigError(key, raw, 'must be delete and/or compact');
        }
        c.cleanupPolicy = parts as CleanupPolicy[];
        break;
      }
      case 'message.timestamp.type':
        if (raw !== 'CreateTime' && raw !== 'LogAppendTime') {
          throw new InvalidConfigError(key, raw, 'must be CreateTime or LogAppendTime');
        }
        c.messageTimestampType = raw;
        break;
      case 'min.insync.replicas':
        c.minInsyncReplicas = parseLong(key, raw, 1, 2 ** 31 - 1);
        break;
      case 'unclean.leader.election.enable':
        c.uncleanLeaderElectionEnable = parseBool(key, raw);
        break;
      case 'compression.type':
        if (!COMPRESSION_TYPES.has(raw)) {
          throw new InvalidConfigError(key, raw, `must be one of ${[...COMPRESSION_TYPES].join(', ')}`);
        }
        c.compressionType = raw;
        break;
      default:
        if (!PASSTHROUGH_TOPIC_CONFIGS.has(key))
          throw new InvalidConfigError(key, raw, 'unknown topic config');
    }
  }
  if (c.segmentIndexBytes < SEGMENT_INDEX_BYTES_MIN) {
    throw new InvalidConfigError('segment.index.bytes', String(c.segmentIndexBytes), 'too small');
  }
  return c;
}
