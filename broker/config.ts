/**
 * Broker configuration: defaults, a config file (Kafka-style `key=value` properties or JSON),
 * `SAMSA_*` environment variables, and command-line flags — later sources win.
 *
 * Every key has a Kafka-style dotted name (`socket.request.max.bytes`) and a camelCase field.
 */
import { readFileSync } from 'node:fs';

export interface BrokerConfig {
  /** Directory holding every partition's log. */
  dataDir: string;
  host: string;
  /** 0 picks a free port; the ready log line says which. */
  port: number;
  /** The host:port clients are told to connect to; defaults to host:port. */
  advertisedHost: string | null;
  /**
   * The port clients and other brokers are told to connect to (Kafka's advertised.port); -1:
   * the port the broker listens on. Set it when they reach the broker through a proxy or NAT.
   */
  advertisedPort: number;
  nodeId: number;
  /** The admin HTTP server (health, metrics, JSON views); -1 turns it off, 0 picks a free port. */
  adminPort: number;
  adminHost: string;
  autoCreateTopics: boolean;
  defaultPartitions: number;
  defaultReplicationFactor: number;
  /** Frames larger than this are refused before they are buffered (Kafka socket.request.max.bytes). */
  socketRequestBytesMax: number;
  /** Default max.message.bytes for topics: the largest record batch accepted. */
  messageBytesMax: number;
  /** Bound on a compressed batch's records once decompressed (checked on produce; stops decompression bombs). */
  decompressedBatchBytesMax: number;
  /** Requests read from one connection but not yet answered; reading pauses beyond it. */
  connectionInflightRequestsMax: number;
  /** Response bytes queued on one connection's socket; reading pauses beyond it. */
  connectionQueuedBytesMax: number;
  connectionsMax: number;
  connectionIdleMs: number;
  /** Upper bound for a Fetch's max_wait_ms. */
  fetchWaitMsMax: number;
  /** Upper bound for a Fetch response, whatever the client asks. */
  fetchResponseBytesMax: number;
  /** Default segment.bytes, retention.ms, retention.bytes for new topics. */
  segmentBytes: number;
  retentionMs: number;
  retentionBytes: number;
  retentionCheckIntervalMs: number;
  /** Default flush.messages / flush.ms (Kafka's default: leave flushing to the OS). */
  flushMessages: number;
  flushMs: number;
  recoveryPointCheckpointIntervalMs: number;
  /** Partitions loaded at once when the broker starts. */
  logLoadParallelism: number;
  /** Consumer groups (see broker/group). */
  groupInitialRebalanceDelayMs: number;
  groupMinSessionTimeoutMs: number;
  groupMaxSessionTimeoutMs: number;
  groupMaxSize: number;
  offsetsRetentionMinutes: number;
  offsetsTopicPartitions: number;
  /**
   * Cluster mode: replicas of each __consumer_offsets partition (capped at the number of
   * controller voters); the topic is created once that many brokers are live.
   */
  offsetsTopicReplicationFactor: number;
  /** Time allowed for in-flight requests to finish on shutdown. */
  shutdownDrainMs: number;
  /**
   * `id@host:port,...`, every voter of the Raft metadata quorum with its controller address.
   * Empty: this broker alone is the quorum (a quorum of one; see {@link quorumVoters}).
   */
  controllerVoters: string;
  /**
   * The port the metadata quorum listens on; -1: this node's port in {@link controllerVoters}
   * (a quorum of one: any free port).
   */
  controllerPort: number;
  /** Cluster mode: a broker that does not heartbeat for this long is fenced. */
  brokerSessionTimeoutMs: number;
  brokerHeartbeatIntervalMs: number;
  /** Move partition leadership back to preferred replicas when they return (auto.leader.rebalance.enable). */
  autoLeaderRebalance: boolean;
  /** How often the controller checks for partitions not led by their preferred replica. */
  leaderImbalanceCheckIntervalSeconds: number;
  /** Cluster mode: a follower this far behind the leader's log end leaves the ISR. */
  replicaLagTimeMaxMs: number;
  logLevel: string;
}

export const brokerConfigDefaults: BrokerConfig = {
  dataDir: './data',
  host: '127.0.0.1',
  port: 9092,
  advertisedHost: null,
  advertisedPort: -1,
  nodeId: 1,
  adminPort: 9644,
  adminHost: '127.0.0.1',
  autoCreateTopics: true,
  defaultPartitions: 1,
  defaultReplicationFactor: 1,
  socketRequestBytesMax: 104_857_600,
  messageBytesMax: 1_048_588,
  decompressedBatchBytesMax: 64 * 1024 * 1024,
  connectionInflightRequestsMax: 64,
  connectionQueuedBytesMax: 64 * 1024 * 1024,
  connectionsMax: 10_000,
  connectionIdleMs: 600_000,
  fetchWaitMsMax: 30_000,
  fetchResponseBytesMax: 64 * 1024 * 1024,
  segmentBytes: 1024 * 1024 * 1024,
  retentionMs: 7 * 24 * 3600 * 1000,
  retentionBytes: -1,
  retentionCheckIntervalMs: 300_000,
  flushMessages: Number.MAX_SAFE_INTEGER,
  flushMs: Number.MAX_SAFE_INTEGER,
  recoveryPointCheckpointIntervalMs: 60_000,
  logLoadParallelism: 8,
  groupInitialRebalanceDelayMs: 3000,
  groupMinSessionTimeoutMs: 6000,
  groupMaxSessionTimeoutMs: 1_800_000,
  groupMaxSize: 1000,
  offsetsRetentionMinutes: 7 * 24 * 60,
  offsetsTopicPartitions: 50,
  offsetsTopicReplicationFactor: 3,
  shutdownDrainMs: 10_000,
  controllerVoters: '',
  controllerPort: -1,
  brokerSessionTimeoutMs: 9_000,
  brokerHeartbeatIntervalMs: 2_000,
  replicaLagTimeMaxMs: 30_000,
  autoLeaderRebalance: true,
  leaderImbalanceCheckIntervalSeconds: 10,
  logLevel: 'info',
};

/** Kafka property names accepted in config files and as SAMSA_ variables, mapped to fields. */
const kafkaNames: Record<string, keyof BrokerConfig> = {
  'log.dirs': 'dataDir',
  'log.dir': 'dataDir',
  'node.id': 'nodeId',
  'broker.id': 'nodeId',
  'auto.create.topics.enable': 'autoCreateTopics',
  'auto.leader.rebalance.enable': 'autoLeaderRebalance',
  'leader.imbalance.check.interval.seconds': 'leaderImbalanceCheckIntervalSeconds',
  'num.partitions': 'defaultPartitions',
  'default.replication.factor': 'defaultReplicationFactor',
  'socket.request.max.bytes': 'socketRequestBytesMax',
  'message.max.bytes': 'messageBytesMax',
  'max.connections': 'connectionsMax',
  'connections.max.idle.ms': 'connectionIdleMs',
  'log.segment.bytes': 'segmentBytes',
  'log.retention.ms': 'retentionMs',
  'log.retention.bytes': 'retentionBytes',
  'log.retention.check.interval.ms': 'retentionCheckIntervalMs',
  'log.flush.interval.messages': 'flushMessages',
  'log.flush.interval.ms': 'flushMs',
  'log.flush.offset.checkpoint.interval.ms': 'recoveryPointCheckpointIntervalMs',
  'group.initial.rebalance.delay.ms': 'groupInitialRebalanceDelayMs',
  'group.min.session.timeout.ms': 'groupMinSessionTimeoutMs',
  'group.max.session.timeout.ms': 'groupMaxSessionTimeoutMs',
  'group.max.size': 'groupMaxSize',
  'offsets.retention.minutes': 'offsetsRetentionMinutes',
  'offsets.topic.num.partitions': 'offsetsTopicPartitions',
  'offsets.topic.replication.factor': 'offsetsTopicReplicationFactor',
  'controller.quorum.voters': 'controllerVoters',
  'controller.port': 'controllerPort',
  'advertised.host.name': 'advertisedHost',
  'advertised.port': 'advertisedPort',
  'broker.session.timeout.ms': 'brokerSessionTimeoutMs',
  'broker.heartbeat.interval.ms': 'brokerHeartbeatIntervalMs',
  'replica.lag.time.max.ms': 'replicaLagTimeMaxMs',
};

export class ConfigError extends Error {
  readonly code = 'SAMSA_CONFIG';
}

function fieldFor(key: string): keyof BrokerConfig | undefined {
  if (key in brokerConfigDefaults) return key as keyof BrokerConfig;
  if (key in kafkaNames) return kafkaNames[key];
  // data.dir, data-dir, DATA_DIR -> dataDir
  const camel = key.toLowerCase().replace(/[._-]([a-z0-9])/g, (_, c: string) => c.toUpperCase());
  return camel in brokerConfigDefaults ? (camel as keyof BrokerConfig) : undefined;
}

function coerce(field: keyof BrokerConfig, raw: unknown, source: string): BrokerConfig[keyof BrokerConfig] {
  const def = brokerConfigDefaults[field];
  if (typeof def === 'number') {
    const n = typeof raw === 'number' ? raw : Number(String(raw).trim());
    if (!Number.isFinite(n) || !Number.isInteger(n)) {
      throw new ConfigError(`${source}: ${field} must be an integer, got ${JSON.stringify(raw)}`);
    }
    return n;
  }
  if (typeof def === 'boolean') {
    if (typeof raw === 'boolean') return raw;
    const s = String(raw).trim().toLowerCase();
    if (s === 'true' || s === '1' || s === 'yes') return true;
    if (s === 'false' || s === '0' || s === 'no') return false;
    throw new ConfigError(`${source}: ${field} must be true or false, got ${JSON.stringify(raw)}`);
  }
  return raw === null ? null : String(raw);
}

/** Apply `entries` (from a file, the environment or flags) onto `config`; unknown keys are an error. */
export function applyConfigEntries(
  config: BrokerConfig,
  entries: Record<string, unknown>,
  source: string,
  { ignoreUnknown = false } = {},
): BrokerConfig {
  const out: Record<string, unknown> = { ...config };
  for (const [key, raw] of Object.entries(entries)) {
    if (raw === undefined) continue;
    const field = fieldFor(key);
    if (!field) {
      if (ignoreUnknown) continue;
      throw new ConfigError(`${source}: unknown setting "${key}" (see the README for the list of settings)`);
    }
    out[field] = coerce(field, raw, source);
  }
  return validateConfig(out as unknown as BrokerConfig);
}

export function validateConfig(c: BrokerConfig): BrokerConfig {
  const positive: (keyof BrokerConfig)[] = [
    'defaultPartitions',
    'socketRequestBytesMax',
    'messageBytesMax',
    'connectionInflightRequestsMax',
    'connectionQueuedBytesMax',
    'connectionsMax',
    'connectionIdleMs',
    'segmentBytes',
    'logLoadParallelism',
    'brokerSessionTimeoutMs',
    'brokerHeartbeatIntervalMs',
    'replicaLagTimeMaxMs',
    'offsetsTopicReplicationFactor',
    'leaderImbalanceCheckIntervalSeconds',
  ];
  for (const k of positive) {
    if ((c[k] as number) <= 0) throw new ConfigError(`${k} must be greater than 0, got ${c[k]}`);
  }
  if (c.port < 0 || c.port > 65535) throw new ConfigError(`port must be between 0 and 65535, got ${c.port}`);
  if (c.advertisedPort !== -1 && (c.advertisedPort < 1 || c.advertisedPort > 65535)) {
    throw new ConfigError(
      `advertised.port must be between 1 and 65535 (or -1 for the listening port), got ${c.advertisedPort}`,
    );
  }
  if (c.adminPort < -1 || c.adminPort > 65535) {
    throw new ConfigError(`adminPort must be between 0 and 65535 (or -1 for none), got ${c.adminPort}`);
  }
  if (c.nodeId < 1)
    throw new ConfigError(
      `node.id must be 1 or more (0 means "no node" to the metadata quorum), got ${c.nodeId}`,
    );
  if (c.controllerVoters.trim() === '') {
    if (c.controllerPort < -1 || c.controllerPort > 65535)
      throw new ConfigError(`controller.port must be between 0 and 65535, got ${c.controllerPort}`);
  } else {
    const voters = parseControllerVoters(c.controllerVoters);
    // Not a voter: an observer, reached at controller.port (unset or 0: any free port).
    const own = voters.get(c.nodeId);
    if (c.controllerPort < -1 || c.controllerPort > 65535)
      throw new ConfigError(`controller.port must be between 0 and 65535, got ${c.controllerPort}`);
    const reachedAt = c.advertisedHost ?? c.host;
    if (!own && (reachedAt === '0.0.0.0' || reachedAt === '::'))
      throw new ConfigError(
        `node.id ${c.nodeId} is not a voter, so it tells the voters where to reach it, but its address is ${reachedAt}; set --advertised-host to an address the voters can reach`,
      );
    if (own && c.controllerPort !== -1 && c.controllerPort !== own.port)
      throw new ConfigError(
        `controller.port ${c.controllerPort} differs from node ${c.nodeId}'s entry in controller.quorum.voters (${own.host}:${own.port}); make them agree or leave controller.port out`,
      );
  }
  if (c.messageBytesMax > c.socketRequestBytesMax) {
    throw new ConfigError(
      `message.max.bytes (${c.messageBytesMax}) must not exceed socket.request.max.bytes (${c.socketRequestBytesMax})`,
    );
  }
  return c;
}

/**
 * Parse `controller.quorum.voters`: `1@host:9093,2@host:9094,...` into voter id -> address.
 * Ids must be 1 or more (0 means "no node" in the quorum) and unique.
 */
/**
 * The voters of the metadata quorum: controller.quorum.voters, or else this node alone — a
 * quorum of one on the same code path — listening on controller.port (unset: any free port,
 * since no other node needs to reach it).
 */
export function quorumVoters(c: BrokerConfig): Map<number, { host: string; port: number }> {
  if (c.controllerVoters.trim() !== '') return parseControllerVoters(c.controllerVoters);
  return new Map([[c.nodeId, { host: c.host, port: Math.max(0, c.controllerPort) }]]);
}

export function parseControllerVoters(spec: string): Map<number, { host: string; port: number }> {
  const voters = new Map<number, { host: string; port: number }>();
  for (const raw of spec.split(',')) {
    const entry = raw.trim();
    const m = /^(\d+)@(.+):(\d+)$/.exec(entry);
    if (!m)
      throw new ConfigError(
        `controller.quorum.voters: expected id@host:port, got ${JSON.stringify(entry)} (example: 1@127.0.0.1:9093,2@127.0.0.1:9094,3@127.0.0.1:9095)`,
      );
    const id = Number(m[1]);
    const port = Number(m[3]);
    if (!Number.isSafeInteger(id) || id < 1)
      throw new ConfigError(`controller.quorum.voters: node ids must be 1 or more, got ${m[1]}`);
    if (port < 1 || port > 65535)
      throw new ConfigError(`controller.quorum.voters: port of node ${id} must be 1-65535, got ${port}`);
    if (voters.has(id)) throw new ConfigError(`controller.quorum.voters: node ${id} is listed twice`);
    voters.set(id, { host: m[2]!, port });
  }
  return voters;
}

/** Parse a config file: JSON when it starts with `{`, otherwise Java-style properties. */
export function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${path}: ${(err as Error).message}`);
  }
  if (text.trimStart().startsWith('{')) {
    try {
      return JSON.parse(text) as Record<string, unknown>;
    } catch (err) {
      throw new ConfigError(`config file ${path} is not valid JSON: ${(err as Error).message}`);
    }
  }
  const out: Record<string, unknown> = {};
  text.split(/\r?\n/).forEach((line, i) => {
    const s = line.trim();
    if (s === '' || s.startsWith('#') || s.startsWith('!')) return;
    const m = /^([^=:\s]+)\s*[=:]\s*(.*)$/.exec(s);
    if (!m) throw new ConfigError(`config file ${path} line ${i + 1}: expected key=value, got "${s}"`);
    out[m[1]!] = m[2]!;
  });
  return out;
}

/** SAMSA_DATA_DIR=... SAMSA_PORT=... -> { DATA_DIR: ..., PORT: ... } */
export function configFromEnv(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(env)) {
    if (!k.startsWith('SAMSA_') || v === undefined) continue;
    if (k === 'SAMSA_BROKERS') continue; // the client CLI's setting, not the broker's
    out[k.slice('SAMSA_'.length)] = v;
  }
  return out;
}

/**
 * defaults <- config file <- environment <- flags. With `port` 0 and no admin port given
 * anywhere, the admin server also picks a free port (so several test brokers never collide).
 */
export function resolveBrokerConfig(opts: {
  file?: string | undefined;
  env?: NodeJS.ProcessEnv;
  flags?: Record<string, unknown>;
}): BrokerConfig {
  let c = { ...brokerConfigDefaults };
  const envEntries = configFromEnv(opts.env ?? {});
  const file = opts.file ?? (envEntries['CONFIG'] as string | undefined);
  delete envEntries['CONFIG'];
  const sources: Record<string, unknown>[] = [];
  if (file) {
    const entries = readConfigFile(file);
    sources.push(entries);
    c = applyConfigEntries(c, entries, `config file ${file}`);
  }
  sources.push(envEntries);
  c = applyConfigEntries(c, envEntries, 'environment (SAMSA_*)');
  if (opts.flags) {
    sources.push(opts.flags);
    c = applyConfigEntries(c, opts.flags, 'command line');
  }
  const adminGiven = sources.some((s) =>
    Object.entries(s).some(([k, v]) => v !== undefined && fieldFor(k) === 'adminPort'),
  );
  if (c.port === 0 && !adminGiven) c.adminPort = 0;
  return c;
}
