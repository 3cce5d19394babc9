/** Kafka's file-name rules (LogFileUtils.java): one place for every on-disk name Samsa uses. */
import { join } from 'node:path';

export const LOG_SUFFIX = '.log';
export const INDEX_SUFFIX = '.index';
export const TIME_INDEX_SUFFIX = '.timeindex';
export const TEMP_SUFFIX = '.tmp';
/** Suffix of a partition directory renamed for deletion. */
export const DELETE_DIR_SUFFIX = '-delete';
export const CLEAN_SHUTDOWN_FILE = '.kafka_cleanshutdown';
/** Holds the pid of the process that owns the data directory. */
export const LOCK_FILE = '.lock';
export const RECOVERY_POINT_CHECKPOINT_FILE = 'recovery-point-offset-checkpoint';
export const LOG_START_OFFSET_CHECKPOINT_FILE = 'log-start-offset-checkpoint';
export const LEADER_EPOCH_CHECKPOINT_FILE = 'leader-epoch-checkpoint';
/** Samsa's own per-data-dir topic metadata (msgpack; not a Kafka file). */
export const TOPIC_METADATA_FILE = 'samsa-topic-metadata';
const OFFSET_DIGITS = 20;
/** Kafka's legal topic names: [a-zA-Z0-9._-], at most 249 characters, not "." or "..". */
export const TOPIC_NAME_LENGTH_MAX = 249;
const TOPIC_NAME_RE = /^[a-zA-Z0-9._-]+$/;

/** 20-digit zero-padded base offset, e.g. 00000000000000000042. */
export function offsetFileStem(offset: number): string {
  return String(offset).padStart(OFFSET_DIGITS, '0');
}

export const logFilePath = (dir: string, base: number): string =>
  join(dir, offsetFileStem(base) + LOG_SUFFIX);
export const indexFilePath = (dir: string, base: number): string =>
  join(dir, offsetFileStem(base) + INDEX_SUFFIX);
export const timeIndexFilePath = (dir: string, base: number): string =>
  join(dir, offsetFileStem(base) + TIME_INDEX_SUFFIX);

/** The base offset of a segment file name, or undefined when it is not `<20 digits><suffix>`. */
export function parseSegmentFileName(name: string, suffix: string): number | undefined {
  if (!name.endsWith(suffix)) return undefined;
  const stem = name.slice(0, -suffix.length);
  if (stem.length !== OFFSET_DIGITS || !/^\d+$/.test(stem)) return undefined;
  const n = Number(stem);
  return Number.isSafeInteger(n) ? n : undefined;
}

export function isValidTopicName(name: string): boolean {
  return (
    name.length > 0 &&
    name.length <= TOPIC_NAME_LENGTH_MAX &&
    name !== '.' &&
    name !== '..' &&
    TOPIC_NAME_RE.test(name)
  );
}

export const partitionDirName = (topic: string, partition: number): string => `${topic}-${partition}`;

/** Split `<topic>-<partition>` at the last dash; undefined for anything else. */
export function parsePartitionDirName(name: string): { topic: string; partition: number } | undefined {
  const dash = name.lastIndexOf('-');
  if (dash <= 0) return undefined;
  const topic = name.slice(0, dash);
  const p = name.slice(dash + 1);
  if (!/^\d+$/.test(p) || !isValidTopicName(topic)) return undefined;
  return { topic, partition: Number(p) };
}
