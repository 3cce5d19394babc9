/** What the suite measures, section by section: the shape of its JSON and the report's input. */
import type { BenchResult } from '../../client/cli/bench.js';
import type { PeerResult } from './peers/types.js';
import type { MachineInfo, Versions } from './report/machine.js';
import type { ProfileSummary } from './report/profile.js';
import type { Target } from './report/targets.js';
import type { Plan, SectionName, SuiteOptions } from './suite-options.js';

/** One `samsa bench` run: its command line and its JSON. */
export interface BenchRun {
  command: string;
  result: BenchResult;
}

export interface BrokerInfo {
  command: string[];
  config: string[];
  peakRssMiB: number;
  hwmMiB: number | null;
}

/** Kafka's 2014 figures (three 6-core machines, one broker each side of the test). */
export const kafka2014Reference = {
  producerRecordsPerSec: 821_557,
  consumerRecordsPerSec: 940_521,
  togetherRecordsPerSec: 795_064,
  latencyMs: { p50: 2, p99: 3, p999: 14 },
  source:
    'Jay Kreps, "Benchmarking Apache Kafka: 2 Million Writes Per Second (On Three Cheap Machines)", LinkedIn Engineering, 2014',
};

export interface Kafka2014Section {
  broker: BrokerInfo;
  producer: BenchRun;
  consumer: BenchRun;
  together: { producer: BenchRun; consumer: BenchRun; recordsPerSec: number };
  /** e2e latency at a fixed 10,000 records/s. */
  latencyAtRate: BenchRun;
  /** e2e latency one record at a time (Kafka's EndToEndLatency tool). */
  latencySerial: BenchRun;
}

export interface ClientRow {
  client: string;
  operation: 'produce' | 'consume';
  /** How it was driven (send pattern, group or assign). */
  method: string;
  records: number;
  seconds: number | null;
  recordsPerSec: number | null;
  error?: string;
}

export interface ClientsSection {
  broker: BrokerInfo;
  records: number;
  partitions: number;
  rows: ClientRow[];
  kcatCommands: string[];
}

export interface PeersSection {
  /** Samsa measured the same way: one partition, acks=1, same count and size. */
  samsa: { produce: BenchRun; consume: BenchRun; broker: BrokerInfo; durability: string };
  peers: PeerResult[];
}

export interface PartitionsStep {
  partitions: number;
  createSeconds: number;
  produce: BenchRun | null;
  broker: BrokerInfo;
  error?: string;
}

export interface StoredDataWindow {
  /** Bytes stored (record values) when the window ended. */
  storedBytes: number;
  recordsPerSec: number;
  mbPerSec: number;
}

export interface StoredDataSection {
  broker: BrokerInfo;
  plannedBytes: number;
  bytes: number;
  /** `du -sb` of the broker's directory at the end (logs, indexes, batch headers). */
  diskBytes: number;
  note: string | null;
  partitions: number;
  windows: StoredDataWindow[];
}

/** Kafka 2014: three brokers on three 6-core machines, 6 partitions, replication factor 3. */
export const kafka2014ReplicationReference = {
  acks1RecordsPerSec: 786_980,
  acksAllRecordsPerSec: 421_823,
};

export interface ReplicationSection {
  brokers: number;
  replicationFactor: number;
  records: number;
  partitions: number;
  single: { acks1: BenchRun; acksAll: BenchRun; broker: BrokerInfo };
  cluster: { acks1: BenchRun; acksAll: BenchRun; brokers: BrokerInfo[] };
  /** The acks=all topic as the cluster described it after the run. */
  layout: { partition: number; leader: number; replicas: number[]; isr: number[] }[];
}

export interface SuiteResult {
  startedAt: string;
  finishedAt: string;
  command: string;
  options: SuiteOptions;
  plan: Plan;
  machine: MachineInfo;
  versions: Versions;
  sections: {
    kafka2014?: Kafka2014Section;
    clients?: ClientsSection;
    peers?: PeersSection;
    partitions?: PartitionsStep[];
    storedData?: StoredDataSection;
    replication?: ReplicationSection;
  };
  errors: { section: SectionName; message: string }[];
  targets: Target[];
  profiles: ProfileSummary[];
  /** Chart files written beside the report (relative paths). */
  charts: Record<string, string>;
}
