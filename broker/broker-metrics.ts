/**
 * The broker's metrics: traffic per topic, requests per API with latency, errors, connections,
 * partitions with sizes, offsets and high watermarks, replication (controller, leaders,
 * under-replicated and offline partitions), consumer-group lag, and process stats.
 */
import { apiKeyName } from '../protocol/api-keys.js';
import { Registry } from './metrics.js';

/** Request latency buckets, in seconds. */
const latencyBucketsSeconds = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
];

export interface PartitionView {
  topic: string;
  partition: number;
  sizeBytes: number;
  logStartOffset: number;
  logEndOffset: number;
  highWatermark: number;
}

export interface GroupLagView {
  group: string;
  topic: string;
  partition: number;
  lag: number;
}

/** This broker's part in the cluster, as Kafka's replication gauges count it. */
export interface ClusterView {
  /** Is this broker the active controller (the metadata quorum's leader)? */
  controller: boolean;
  /** Partitions this broker leads. */
  leaderPartitions: number;
  /** Partitions this broker leads whose ISR is smaller than their replica set. */
  underReplicatedPartitions: number;
  /** Partitions without a leader (counted by the controller only, as Kafka does). */
  offlinePartitions: number;
}

export class BrokerMetrics {
  readonly registry = new Registry();
  readonly bytesIn = this.registry.counter(
    'samsa_topic_bytes_in_total',
    'Record batch bytes appended by producers',
  );
  readonly recordsIn = this.registry.counter('samsa_topic_records_in_total', 'Records appended by producers');
  readonly bytesOut = this.registry.counter(
    'samsa_topic_bytes_out_total',
    'Record batch bytes sent to consumers',
  );
  readonly recordsOut = this.registry.counter(
    'samsa_topic_records_out_total',
    'Records sent to consumers (whole batches)',
  );
  readonly requests = this.registry.counter('samsa_requests_total', 'Requests handled, by API');
  readonly latency = this.registry.histogram(
    'samsa_request_duration_seconds',
    'Time from a request being read to its response being ready, by API',
    latencyBucketsSeconds,
  );
  readonly produceErrors = this.registry.counter(
    'samsa_produce_errors_total',
    'Partition produce failures, by error',
  );
  readonly fetchErrors = this.registry.counter(
    'samsa_fetch_errors_total',
    'Partition fetch failures, by error',
  );
  readonly connectionsClosed = this.registry.counter(
    'samsa_connections_closed_total',
    'Connections the broker closed, by reason (bad input, idle, limits)',
  );

  constructor(sources: {
    connections: () => number;
    partitions: () => PartitionView[];
    groupLag: () => GroupLagView[];
    cluster: () => ClusterView;
  }) {
    const r = this.registry;
    r.gauge('samsa_active_controller', '1 on the active controller, else 0', () => [
      { labels: {}, value: sources.cluster().controller ? 1 : 0 },
    ]);
    r.gauge('samsa_leader_partitions', 'Partitions this broker leads', () => [
      { labels: {}, value: sources.cluster().leaderPartitions },
    ]);
    r.gauge(
      'samsa_under_replicated_partitions',
      'Partitions led here whose in-sync replicas are fewer than their replicas',
      () => [{ labels: {}, value: sources.cluster().underReplicatedPartitions }],
    );
    r.gauge(
      'samsa_offline_partitions',
      'Partitions without a leader (on the active controller; else 0)',
      () => [{ labels: {}, value: sources.cluster().offlinePartitions }],
    );
    r.gauge('samsa_connections', 'Open client connections', () => [
      { labels: {}, value: sources.connections() },
    ]);
    r.gauge('samsa_partitions', 'Partitions hosted by this broker', () => [
      { labels: {}, value: sources.partitions().length },
    ]);
    const perPartition = (pick: (p: PartitionView) => number) => () =>
      sources
        .partitions()
        .map((p) => ({ labels: { topic: p.topic, partition: String(p.partition) }, value: pick(p) }));
    r.gauge(
      'samsa_partition_size_bytes',
      'Bytes on disk per partition',
      perPartition((p) => p.sizeBytes),
    );
    r.gauge(
      'samsa_partition_log_start_offset',
      'Log start offset per partition',
      perPartition((p) => p.logStartOffset),
    );
    r.gauge(
      'samsa_partition_log_end_offset',
      'Log end offset per partition',
      perPartition((p) => p.logEndOffset),
    );
    r.gauge(
      'samsa_partition_high_watermark',
      'High watermark per partition',
      perPartition((p) => p.highWatermark),
    );
    r.gauge(
      'samsa_consumer_group_lag',
      'High watermark minus committed offset, per group and partition',
      () =>
        sources.groupLag().map((g) => ({
          labels: { group: g.group, topic: g.topic, partition: String(g.partition) },
          value: g.lag,
        })),
    );
    r.gauge('samsa_process_resident_memory_bytes', 'Resident set size', () => [
      { labels: {}, value: process.memoryUsage().rss },
    ]);
    r.gauge('samsa_process_heap_used_bytes', 'V8 heap in use', () => [
      { labels: {}, value: process.memoryUsage().heapUsed },
    ]);
    r.gauge('samsa_process_cpu_seconds_total', 'User and system CPU time', () => {
      const u = process.cpuUsage();
      return [{ labels: {}, value: (u.user + u.system) / 1e6 }];
    });
    r.gauge('samsa_process_uptime_seconds', 'Seconds since the process started', () => [
      { labels: {}, value: process.uptime() },
    ]);
  }

  request(apiKey: number, seconds: number): void {
    const api = apiKeyName(apiKey);
    this.requests.inc({ api });
    this.latency.observe({ api }, seconds);
  }

  render(): string {
    return this.registry.render();
  }
}
