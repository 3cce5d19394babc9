/**
 * The topic-level configs the broker offers (names, types, broker-wide defaults and docs, as
 * DescribeConfigs shows them). Values travel as strings, as in Kafka. Unknown names are refused
 * (INVALID_CONFIG), so a typo never silently does nothing; the values themselves are checked
 * by storage's parseLogConfig, the one place that knows what each value may be.
 */
import { parseLogConfig } from '../storage/config.js';
import type { BrokerConfig } from './config.js';

type Kind = 'long' | 'int' | 'boolean' | 'list' | 'string';

interface TopicConfigDef {
  kind: Kind;
  /** Broker-wide default as a string; computed from the broker config. */
  defaultValue: (c: BrokerConfig) => string;
  doc: string;
}

export const topicConfigDefs: Record<string, TopicConfigDef> = {
  'cleanup.policy': {
    kind: 'list',
    defaultValue: () => 'delete',
    doc: 'delete old segments by retention, or keep the latest record per key (compact)',
  },
  'retention.ms': {
    kind: 'long',
    defaultValue: (c) => String(c.retentionMs),
    doc: 'how long to keep a segment after its newest record; -1 keeps forever',
  },
  'retention.bytes': {
    kind: 'long',
    defaultValue: (c) => String(c.retentionBytes),
    doc: 'largest size of a partition before old segments are deleted; -1 means no limit',
  },
  'segment.bytes': {
    kind: 'int',
    defaultValue: (c) => String(c.segmentBytes),
    doc: 'size at which a new segment file is started',
  },
  'segment.ms': {
    kind: 'long',
    defaultValue: () => String(7 * 24 * 3600 * 1000),
    doc: 'age at which a new segment file is started',
  },
  'segment.index.bytes': {
    kind: 'int',
    defaultValue: () => String(10 * 1024 * 1024),
    doc: 'size of each segment offset index file',
  },
  'index.interval.bytes': {
    kind: 'int',
    defaultValue: () => '4096',
    doc: 'bytes appended between two offset index entries',
  },
  'max.message.bytes': {
    kind: 'int',
    defaultValue: (c) => String(c.messageBytesMax),
    doc: 'largest record batch accepted',
  },
  'flush.messages': {
    kind: 'long',
    defaultValue: (c) => String(c.flushMessages),
    doc: 'fsync after this many messages (default: leave it to the OS)',
  },
  'flush.ms': {
    kind: 'long',
    defaultValue: (c) => String(c.flushMs),
    doc: 'fsync after this many milliseconds (default: leave it to the OS)',
  },
  'message.timestamp.type': {
    kind: 'string',
    defaultValue: () => 'CreateTime',
    doc: 'whether record timestamps are the producer’s (CreateTime) or the broker’s (LogAppendTime)',
  },
  'min.insync.replicas': {
    kind: 'int',
    defaultValue: () => '1',
    doc: 'in-sync replicas required for acks=all',
  },
  'unclean.leader.election.enable': {
    kind: 'boolean',
    defaultValue: () => 'false',
    doc: 'allow an out-of-sync replica to become leader (may lose data)',
  },
  'compression.type': {
    kind: 'string',
    defaultValue: () => 'producer',
    doc: 'batches are stored as the producer compressed them (only "producer" is supported)',
  },
};

export class InvalidTopicConfig extends Error {
  readonly code = 'SAMSA_INVALID_TOPIC_CONFIG';
}

/** Throws InvalidTopicConfig naming the first bad entry. */
export function validateTopicConfigs(configs: Record<string, string | null>): void {
  const values: Record<string, string> = {};
  for (const [name, value] of Object.entries(configs)) {
    if (!topicConfigDefs[name]) {
      throw new InvalidTopicConfig(
        `unknown topic config "${name}"; known configs: ${Object.keys(topicConfigDefs).join(', ')}`,
      );
    }
    if (value === null) continue;
    // Batches are stored as the producer sent them: the broker never recompresses.
    if (name === 'compression.type' && value.trim() !== 'producer') {
      throw new InvalidTopicConfig(`topic config ${name}=${value} must be producer`);
    }
    values[name] = value;
  }
  try {
    parseLogConfig(values);
  } catch (err) {
    throw new InvalidTopicConfig((err as Error).message);
  }
}
