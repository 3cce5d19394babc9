/**
 * The topic-level configs Samsa understands, their broker-wide defaults, and validation.
 * Values travel as strings, as in Kafka (CreateTopics, DescribeConfigs, AlterConfigs).
 * Unknown names are refused (INVALID_CONFIG), so a typo never silently does nothing.
 */
import type { BrokerConfig } from './config.js';

type Kind = 'long' | 'int' | 'boolean' | 'list' | 'string';

interface TopicConfigDef {
  kind: Kind;
  /** Broker-wide default as a string; computed from the broker config. */
  defaultValue: (c: BrokerConfig) => string;
  /** Extra validation; returns a problem or null. */
  check?: (v: string) => string | null;
  doc: string;
}

const oneOf =
  (...allowed: string[]) =>
  (v: string): string | null =>
    allowed.includes(v) ? null : `must be one of ${allowed.join(', ')}`;

const atLeast =
  (min: number) =>
  (v: string): string | null =>
    Number(v) >= min ? null : `must be at least ${min}`;

export const topicConfigDefs: Record<string, TopicConfigDef> = {
  'cleanup.policy': {
    kind: 'list',
    defaultValue: () => 'delete',
    check: (v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .every((s) => s === 'delete' || s === 'compact')
        ? null
        : 'must be delete, compact, or compact,delete',
    doc: 'delete old segments by retention, or keep the latest record per key (compact)',
  },
  'retention.ms': {
    kind: 'long',
    defaultValue: (c) => String(c.retentionMs),
    check: atLeast(-1),
    doc: 'how long to keep a segment after its newest record; -1 keeps forever',
  },
  'retention.bytes': {
    kind: 'long',
    defaultValue: (c) => String(c.retentionBytes),
    check: atLeast(-1),
    doc: 'largest size of a partition before old segments are deleted; -1 means no limit',
  },
  'segment.bytes': {
    kind: 'int',
    defaultValue: (c) => String(c.segmentBytes),
    check: atLeast(14),
    doc: 'size at which a new segment file is started',
  },
  'segment.ms': {
    kind: 'long',
    defaultValue: () => String(7 * 24 * 3600 * 1000),
    check: atLeast(1),
    doc: 'age at which a new segment file is started',
  },
  'segment.index.bytes': {
    kind: 'int',
    defaultValue: () => String(10 * 1024 * 1024),
    check: atLeast(8),
    doc: 'size of each segment offset index file',
  },
  'index.interval.bytes': {
    kind: 'int',
    defaultValue: () => '4096',
    check: atLeast(0),
    doc: 'bytes appended between two offset index entries',
  },
  'max.message.bytes': {
    kind: 'int',
    defaultValue: (c) => String(c.messageBytesMax),
    check: atLeast(0),
    doc: 'largest record batch accepted',
  },
  'flush.messages': {
    kind: 'long',
    defaultValue: (c) => String(c.flushMessages),
    check: atLeast(1),
    doc: 'fsync after this many messages (default: leave it to the OS)',
  },
  'flush.ms': {
    kind: 'long',
    defaultValue: (c) => String(c.flushMs),
    check: atLeast(0),
    doc: 'fsync after this many milliseconds (default: leave it to the OS)',
  },
  'message.timestamp.type': {
    kind: 'string',
    defaultValue: () => 'CreateTime',
    check: oneOf('CreateTime', 'LogAppendTime'),
    doc: 'whether record timestamps are the producer’s (CreateTime) or the broker’s (LogAppendTime)',
  },
  'min.insync.replicas': {
    kind: 'int',
    defaultValue: () => '1',
    check: atLeast(1),
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
    check: oneOf('producer'),
    doc: 'batches are stored as the producer compressed them (only "producer" is supported)',
  },
};

export class InvalidTopicConfig extends Error {
  readonly code = 'SAMSA_INVALID_TOPIC_CONFIG';
}

/** Throws InvalidTopicConfig naming the first bad entry. */
export function validateTopicConfigs(configs: Record<string, string | null>): void {
  for (const [name, value] of Object.entries(configs)) {
    const def = topicConfigDefs[name];
    if (!def) {
      throw new InvalidTopicConfig(
        `unknown topic config "${name}"; known configs: ${Object.keys(topicConfigDefs).join(', ')}`,
      );
    }
    if (value === null) continue;
    const v = value.trim();
    if (def.kind === 'int' || def.kind === 'long') {
      const n = Number(v);
      if (v === '' || !Number.isInteger(n) || (def.kind === 'int' && (n > 2 ** 31 - 1 || n < -(2 ** 31)))) {
        throw new InvalidTopicConfig(`topic config ${name}=${value} is not a valid ${def.kind}`);
      }
    }
    if (def.kind === 'boolean' && v !== 'true' && v !== 'false') {
      throw new InvalidTopicConfig(`topic config ${name}=${value} must be true or false`);
    }
    const problem = def.check?.(v);
    if (problem) throw new InvalidTopicConfig(`topic config ${name}=${value} ${problem}`);
  }
}

/** The defaults a new topic gets from the broker config, as storage config entries. */
export function brokerTopicDefaults(c: BrokerConfig): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, def] of Object.entries(topicConfigDefs)) out[name] = def.defaultValue(c);
  return out;
}
