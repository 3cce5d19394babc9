/**
 * LogManager: every partition log of one data directory. Loads them at start with bounded
 * parallelism (recovering after an unclean shutdown), creates and deletes topics and
 * partitions, keeps per-topic metadata (partition count + Kafka-style config overrides)
 * durably in `samsa-topic-metadata` (msgpack, written atomically), writes the
 * recovery-point and log-start-offset checkpoints and the clean-shutdown marker.
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { pack, unpack } from 'msgpackr';
import { fsyncDir, readOffsetCheckpoint, writeFileAtomic, writeOffsetCheckpoint } from './checkpoint.js';
import { DEFAULT_LOG_CONFIG, type LogConfig, parseLogConfig } from './config.js';
import { DataDirLockedError, StorageError, TopicExistsError, UnknownTopicError } from './errors.js';
import {
  CLEAN_SHUTDOWN_FILE,
  DELETE_DIR_SUFFIX,
  isValidTopicName,
  LOCK_FILE,
  LOG_START_OFFSET_CHECKPOINT_FILE,
  parsePartitionDirName,
  partitionDirName,
  RECOVERY_POINT_CHECKPOINT_FILE,
  TEMP_SUFFIX,
  TOPIC_METADATA_FILE,
} from './file-names.js';
import { nodeFs, type StorageFs } from './fs.js';
import { io } from './io.js';
import { type StorageLogger, silentLogger } from './logger.js';
import { PartitionLog } from './partition-log.js';
import { transientIndexFds } from './transient-index-fds.js';

export { parseLogConfig };

/** Partitions one topic may have. */
export const PARTITIONS_PER_TOPIC_MAX = 10_000;
const METADATA_VERSION = 1;

export interface TopicMetadata {
  partitions: number;
  configs: Record<string, string>;
}

export interface LogManagerOptions {
  dataDir: string;
  defaults?: Partial<LogConfig>;
  /** Partitions loaded (recovered) concurrently at start; default: available CPU parallelism. */
  loadParallelism?: number;
  log?: StorageLogger;
  now?: () => number;
  fs?: StorageFs;
}

async function forEachBounded<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++]!;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}

export class LogManager {
  readonly dataDir: string;
  private readonly fs: StorageFs;
  private readonly logger: StorageLogger;
  private readonly now: () => number;
  private readonly defaults: LogConfig;
  private readonly meta = new Map<string, TopicMetadata>();
  private readonly logs = new Map<string, PartitionLog>();
  private logStartDirty = false;
  private isClosed = false;

  private constructor(opts: LogManagerOptions) {
    this.dataDir = opts.dataDir;
    // One descriptor per segment, not three: 10,000 partitions fit a 20,000-descriptor limit.
    this.fs = transientIndexFds(opts.fs ?? nodeFs);
    this.logger = opts.log ?? silentLogger;
    this.now = opts.now ?? Date.now;
    this.defaults = { ...DEFAULT_LOG_CONFIG, ...opts.defaults };
  }

  static async open(opts: LogManagerOptions): Promise<LogManager> {
    const m = new LogManager(opts);
    await m.load(opts.loadParallelism ?? availableParallelism());
    return m;
  }

  private path(name: string): string {
    return join(this.dataDir, name);
  }

  private async load(parallelism: number): Promise<void> {
    const fs = this.fs;
    const dataDir = this.dataDir;
    io('mkdir', dataDir, () => fs.mkdirSync(dataDir));
    this.lock();
    const markerPath = this.path(CLEAN_SHUTDOWN_FILE);
    const hadCleanShutdown = fs.existsSync(markerPath);
    if (hadCleanShutdown) {
      // Removed before anything is written, so a crash from here on is detected next time.
      io('remove-clean-shutdown-marker', markerPath, () => fs.unlinkSync(markerPath));
      fsyncDir(fs, dataDir);
    }
    const recoveryPoints = this.readCheckpointSafely(RECOVERY_POINT_CHECKPOINT_FILE);
    const logStarts = this.readCheckpointSafely(LOG_START_OFFSET_CHECKPOINT_FILE);
    const metaFound = this.readMetadata();

    const found = new Map<string, number>(); // topic -> highest partition dir + 1
    const dirs: { name: string; topic: string; partition: number }[] = [];
    for (const name of io('list-data-dir', dataDir, () => fs.readdirSync(dataDir))) {
      const path = this.path(name);
      if (name.endsWith(DELETE_DIR_SUFFIX)) {
        io('remove-deleted-dir', path, () => fs.rmSync(path));
        this.logger.info({ dir: path }, 'finished deleting a partition directory');
        continue;
      }
      if (name.endsWith(TEMP_SUFFIX)) {
        io('remove-temp-file', path, () => fs.unlinkSync(path));
        continue;
      }
      const tp = parsePartitionDirName(name);
      if (!tp) continue;
      dirs.push({ name, ...tp });
      found.set(tp.topic, Math.max(found.get(tp.topic) ?? 0, tp.partition + 1));
    }
    if (!metaFound && found.size > 0) {
      for (const [topic, partitions] of found) this.meta.set(topic, { partitions, configs: {} });
      this.logger.warn(
        { topics: [...found.keys()] },
        `no ${TOPIC_METADATA_FILE}: adopted partition directories with default configs`,
      );
      this.persistMetadata();
    }
    for (const d of dirs) {
      const m = this.meta.get(d.topic);
      if (!m || d.partition >= m.partitions) {
        // Left over from a delete interrupted after the metadata was written.
        const path = this.path(d.name);
        this.removeDir(path);
        this.logger.warn({ dir: path }, 'removed a partition directory with no topic metadata');
      }
    }
    const work: { topic: string; partition: number }[] = [];
    for (const [topic, m] of this.meta)
      for (let p = 0; p < m.partitions; p++) work.push({ topic, partition: p });
    const started = Date.now();
    await forEachBounded(work, parallelism, async ({ topic, partition }) => {
      const key = partitionDirName(topic, partition);
      try {
        await this.openLog(topic, partition, {
          recoveryPoint: recoveryPoints.get(key) ?? 0,
          logStartOffset: logStarts.get(key) ?? 0,
          hadCleanShutdown,
        });
      } catch (err) {
        if (!(err instanceof StorageError)) throw err;
        this.logger.error({ partition: key, err: err.message }, 'could not load partition; it stays offline');
      }
    });
    this.logger.info(
      { partitions: work.length, hadCleanShutdown, durationMs: Date.now() - started },
      'loaded partition logs',
    );
  }

  /**
   * Take the data directory: `.lock` holds our pid. A lock held by another live process is
   * refused; one left by a dead process (kill -9) or by this process is taken over.
   */
  private lock(): void {
    const path = this.path(LOCK_FILE);
    if (this.fs.existsSync(path)) {
      const pid = Number(
        io('read-lock', path, () => this.fs.readFileSync(path))
          .toString('utf8')
          .trim(),
      );
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && processAlive(pid)) {
        throw new DataDirLockedError(this.dataDir, pid, path);
      }
    }
    writeFileAtomic(this.fs, path, Buffer.from(`${process.pid}\n`));
  }

  private unlock(): void {
    const path = this.path(LOCK_FILE);
    try {
      this.fs.unlinkSync(path);
    } catch {
      // best effort: a stale lock is taken over at the next open
    }
  }

  private readCheckpointSafely(file: string): Map<string, number> {
    const path = this.path(file);
    try {
      return readOffsetCheckpoint(this.fs, path) ?? new Map();
    } catch (err) {
      if (!(err instanceof StorageError) || err.code !== 'CORRUPT_CHECKPOINT') throw err;
      this.logger.warn({ path, err: err.message }, 'ignoring a corrupt checkpoint (full recovery instead)');
      return new Map();
    }
  }

  /** Returns false when there is no metadata file. */
  private readMetadata(): boolean {
    const path = this.path(TOPIC_METADATA_FILE);
    if (!this.fs.existsSync(path)) return false;
    const bytes = io('read-topic-metadata', path, () => this.fs.readFileSync(path));
    let decoded: unknown;
    try {
      decoded = unpack(bytes);
    } catch (err) {
      this.logger.error(
        { path, err: (err as Error).message },
        'topic metadata is corrupt; adopting directories',
      );
      return false;
    }
    const d = decoded as { version?: unknown; topics?: Record<string, TopicMetadata> };
    if (d.version !== METADATA_VERSION || typeof d.topics !== 'object' || d.topics === null) {
      this.logger.error({ path }, 'topic metadata has an unknown version; adopting directories');
      return false;
    }
    for (const [name, t] of Object.entries(d.topics)) {
      if (!isValidTopicName(name) || !Number.isInteger(t.partitions) || t.partitions < 1) continue;
      const configs: Record<string, string> = {};
      for (const [k, v] of Object.entries(t.configs ?? {})) if (typeof v === 'string') configs[k] = v;
      this.meta.set(name, { partitions: t.partitions, configs });
    }
    return true;
  }

  private persistMetadata(): void {
    const topics: Record<string, TopicMetadata> = {};
    for (const [name, m] of this.meta) topics[name] = { partitions: m.partitions, configs: { ...m.configs } };
    writeFileAtomic(this.fs, this.path(TOPIC_METADATA_FILE), pack({ version: METADATA_VERSION, topics }));
  }

  private configFor(topic: string): LogConfig {
    return parseLogConfig(this.meta.get(topic)?.configs ?? {}, this.defaults);
  }

  private async openLog(
    topic: string,
    partition: number,
    state: { recoveryPoint: number; logStartOffset: number; hadCleanShutdown: boolean },
  ): Promise<PartitionLog> {
    const log = await PartitionLog.open({
      dir: this.path(partitionDirName(topic, partition)),
      topic,
      partition,
      config: this.configFor(topic),
      fs: this.fs,
      now: this.now,
      log: this.logger,
      ...state,
      onLogStartOffsetChange: () => {
        this.logStartDirty = true;
      },
    });
    this.logs.set(partitionDirName(topic, partition), log);
    return log;
  }

  private removeDir(path: string): void {
    const doomed = `${path}.${this.now()}${DELETE_DIR_SUFFIX}`;
    io('rename-for-delete', path, () => this.fs.renameSync(path, doomed));
    io('delete-dir', doomed, () => this.fs.rmSync(doomed));
  }

  private ensureOpen(): void {
    if (this.isClosed) throw new StorageError('LOG_CLOSED', `log manager for ${this.dataDir} is closed`);
  }

  // ------------------------------------------------------------------ topics

  /** Create a topic with `partitions` empty partition logs. Throws TOPIC_EXISTS, INVALID_TOPIC, INVALID_PARTITIONS, INVALID_CONFIG. */
  async createTopic(name: string, partitions: number, configs: Record<string, string> = {}): Promise<void> {
    this.ensureOpen();
    if (!isValidTopicName(name)) {
      throw new StorageError(
        'INVALID_TOPIC',
        `topic name ${JSON.stringify(name)} is invalid: use 1-249 characters of [a-zA-Z0-9._-], not "." or ".."`,
      );
    }
    if (this.meta.has(name)) throw new TopicExistsError(name);
    checkPartitionCount(name, partitions);
    parseLogConfig(configs, this.defaults);
    this.meta.set(name, { partitions, configs: { ...configs } });
    try {
      this.persistMetadata();
    } catch (err) {
      this.meta.delete(name);
      throw err;
    }
    for (let p = 0; p < partitions; p++) {
      await this.openLog(name, p, { recoveryPoint: 0, logStartOffset: 0, hadCleanShutdown: true });
    }
  }

  /** Grow a topic to `totalCount` partitions. */
  async addPartitions(name: string, totalCount: number): Promise<void> {
    this.ensureOpen();
    const m = this.meta.get(name);
    if (!m) throw new UnknownTopicError(name);
    checkPartitionCount(name, totalCount);
    if (totalCount <= m.partitions) {
      throw new StorageError(
        'INVALID_PARTITIONS',
        `topic ${name} has ${m.partitions} partitions; the new count ${totalCount} must be larger`,
      );
    }
    const before = m.partitions;
    m.partitions = totalCount;
    try {
      this.persistMetadata();
    } catch (err) {
      m.partitions = before;
      throw err;
    }
    for (let p = before; p < totalCount; p++) {
      await this.openLog(name, p, { recoveryPoint: 0, logStartOffset: 0, hadCleanShutdown: true });
    }
  }

  /** Delete a topic: metadata first (durable), then its directories (rename, then remove). */
  deleteTopic(name: string): void {
    this.ensureOpen();
    const m = this.meta.get(name);
    if (!m) throw new UnknownTopicError(name);
    this.meta.delete(name);
    this.persistMetadata();
    for (let p = 0; p < m.partitions; p++) {
      const key = partitionDirName(name, p);
      this.logs.get(key)?.closeQuietly();
      this.logs.delete(key);
      const dir = this.path(key);
      if (this.fs.existsSync(dir)) this.removeDir(dir);
    }
    fsyncDir(this.fs, this.dataDir);
    this.logStartDirty = true;
  }

  /** Replace a topic's config overrides (validated), persist them, apply to its live logs. */
  setTopicConfigs(name: string, configs: Record<string, string>): void {
    this.ensureOpen();
    const m = this.meta.get(name);
    if (!m) throw new UnknownTopicError(name);
    const parsed = parseLogConfig(configs, this.defaults);
    const before = m.configs;
    m.configs = { ...configs };
    try {
      this.persistMetadata();
    } catch (err) {
      m.configs = before;
      throw err;
    }
    for (let p = 0; p < m.partitions; p++) this.logs.get(partitionDirName(name, p))?.updateConfig(parsed);
  }

  topics(): Map<string, TopicMetadata> {
    const out = new Map<string, TopicMetadata>();
    for (const [name, m] of this.meta) out.set(name, { partitions: m.partitions, configs: { ...m.configs } });
    return out;
  }

  /** Whether a topic exists, without copying the topic table. */
  hasTopic(name: string): boolean {
    return this.meta.has(name);
  }

  /** One topic's metadata (a copy), or undefined. */
  topicMetadata(name: string): TopicMetadata | undefined {
    const m = this.meta.get(name);
    return m ? { partitions: m.partitions, configs: { ...m.configs } } : undefined;
  }

  /** The parsed config of a topic (defaults + overrides). */
  topicConfig(name: string): LogConfig | undefined {
    return this.meta.has(name) ? this.configFor(name) : undefined;
  }

  log(topic: string, partition: number): PartitionLog | undefined {
    return this.logs.get(partitionDirName(topic, partition));
  }

  /** Every loaded partition log. */
  allLogs(): PartitionLog[] {
    return [...this.logs.values()];
  }

  // ------------------------------------------------------------------ periodic work

  /** Delete old segments of every online log; checkpoint log start offsets when they moved. */
  runRetention(): void {
    for (const log of this.logs.values()) {
      if (!log.online || log.closed) continue;
      try {
        log.deleteOldSegments();
      } catch (err) {
        if (!(err instanceof StorageError)) throw err; // the partition went offline and logged it
      }
    }
    if (this.logStartDirty) this.checkpointLogStartOffsets();
  }

  /** flush.ms policy tick. */
  flushDirty(): void {
    for (const log of this.logs.values()) {
      try {
        log.maybeFlush();
      } catch (err) {
        if (!(err instanceof StorageError)) throw err;
      }
    }
  }

  /** Write recovery-point-offset-checkpoint (and the log start offsets) for every online log. */
  checkpointRecoveryPoints(): void {
    const entries = [...this.logs.values()]
      .filter((l) => l.online)
      .map((l) => ({ topic: l.topic, partition: l.partition, offset: l.recoveryPoint }));
    writeOffsetCheckpoint(this.fs, this.path(RECOVERY_POINT_CHECKPOINT_FILE), entries);
    this.checkpointLogStartOffsets();
  }

  checkpointLogStartOffsets(): void {
    const entries = [...this.logs.values()]
      .filter((l) => l.online)
      .map((l) => ({ topic: l.topic, partition: l.partition, offset: l.logStartOffset }));
    writeOffsetCheckpoint(this.fs, this.path(LOG_START_OFFSET_CHECKPOINT_FILE), entries);
    this.logStartDirty = false;
  }

  /** Flush and close every log, write checkpoints, and (if all went well) the clean-shutdown marker. */
  async close(): Promise<void> {
    if (this.isClosed) return;
    let clean = true;
    for (const log of this.logs.values()) {
      try {
        log.close();
      } catch (err) {
        clean = false;
        this.logger.error({ partition: log.name, err: (err as Error).message }, 'closing a partition failed');
      }
      if (!log.online) clean = false;
    }
    try {
      this.checkpointRecoveryPoints();
      if (clean) {
        const marker = this.path(CLEAN_SHUTDOWN_FILE);
        io('write-clean-shutdown-marker', marker, () => {
          const fd = this.fs.openSync(marker, 'w');
          try {
            this.fs.fsyncSync(fd);
          } finally {
            this.fs.closeSync(fd);
          }
        });
        fsyncDir(this.fs, this.dataDir);
      }
    } finally {
      this.isClosed = true;
      this.unlock();
    }
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function checkPartitionCount(topic: string, n: number): void {
  if (!Number.isInteger(n) || n < 1 || n > PARTITIONS_PER_TOPIC_MAX) {
    throw new StorageError(
      'INVALID_PARTITIONS',
      `topic ${topic}: partition count ${n} must be an integer in [1, ${PARTITIONS_PER_TOPIC_MAX}]`,
    );
  }
}
