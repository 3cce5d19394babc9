/**
 * The contract between the benchmark suite (scripts/bench/suite.ts) and the peer brokers it
 * compares Samsa with (NATS JetStream, Redis Streams, RabbitMQ Streams). Each peer module
 * starts its own server on 127.0.0.1 in a private directory, drives it with its own Node.js
 * client, stops it by PID, and reports what it measured — or why it could not.
 */

export type PeerName = 'nats-jetstream' | 'redis-streams' | 'rabbitmq-streams';

export interface PeerRunOptions {
  /** Records to publish, then to consume back (the same count Samsa is given). */
  records: number;
  /** Payload bytes per record (the same size Samsa is given). */
  recordBytes: number;
  /** A fresh private directory for the server's data, config, pid and log files. */
  dir: string;
  /** Progress lines for the person running the suite (to stderr). */
  log: (line: string) => void;
}

export interface Throughput {
  records: number;
  bytes: number;
  seconds: number;
  recordsPerSec: number;
  mbPerSec: number;
}

export interface PeerResult {
  peer: PeerName;
  /** False when the server or its client could not be installed or started. */
  available: boolean;
  /** Why it is unavailable, or what went wrong during the run. */
  reason?: string;
  /** Server version as the server reports it, e.g. "nats-server 2.9.10". */
  serverVersion?: string;
  /** Client package and version, e.g. "nats@2.29.3". */
  client?: string;
  /** The configuration used, one line per setting, durability settings included. */
  config: string[];
  produce?: Throughput;
  consume?: Throughput;
  /** Server resident memory after the run, in MiB. */
  serverRssMiB?: number;
  /** Anything a reader must know to judge the numbers (workarounds, caveats). */
  notes: string[];
}

export interface Peer {
  name: PeerName;
  run(opts: PeerRunOptions): Promise<PeerResult>;
}
