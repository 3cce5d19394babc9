/** The report's charts, built from a suite result: file name → SVG text. Pure. */
import { kafka2014Reference, kafka2014ReplicationReference, type SuiteResult } from '../suite-types.js';
import { groupedBarChart, lineChart } from './svg-chart.js';

export function buildCharts(r: SuiteResult): Record<string, string> {
  const charts: Record<string, string> = {};
  const k = r.sections.kafka2014;
  if (k) {
    charts['kafka2014-throughput.svg'] = groupedBarChart({
      title: "Kafka's 2014 table: throughput, 100-byte records, 6 partitions",
      yLabel: 'records/s',
      categories: ['one producer', 'one consumer', 'producer + consumer'],
      series: [
        {
          name: 'Kafka 2014 (6-core machines)',
          values: [
            kafka2014Reference.producerRecordsPerSec,
            kafka2014Reference.consumerRecordsPerSec,
            kafka2014Reference.togetherRecordsPerSec,
          ],
        },
        {
          name: 'Samsa (this machine)',
          values: [
            k.producer.result.recordsPerSecond,
            k.consumer.result.recordsPerSecond,
            k.together.recordsPerSec,
          ],
        },
      ],
    });
    const pts = (l: { p50: number; p99: number; p999: number } | null): [number, number][] =>
      l
        ? [
            [1, l.p50],
            [2, l.p99],
            [3, l.p999],
          ]
        : [];
    charts['kafka2014-latency.svg'] = lineChart({
      title: 'End-to-end latency percentiles',
      xLabel: 'percentile',
      yLabel: 'ms',
      xTickLabels: { 1: 'p50', 2: 'p99', 3: 'p99.9' },
      series: [
        { name: 'Kafka 2014 (EndToEndLatency, one at a time)', points: pts(kafka2014Reference.latencyMs) },
        { name: 'Samsa, one at a time', points: pts(k.latencySerial.result.latencyMs) },
        {
          name: `Samsa at ${r.plan.kafka2014.e2eRate.toLocaleString('en-US')} records/s`,
          points: pts(k.latencyAtRate.result.latencyMs),
        },
      ],
    });
  }
  const c = r.sections.clients;
  if (c) {
    const names = [...new Set(c.rows.map((x) => x.client))];
    const best = (client: string, op: string) => {
      const v = c.rows
        .filter((x) => x.client === client && x.operation === op && x.recordsPerSec !== null)
        .map((x) => x.recordsPerSec!);
      return v.length ? Math.max(...v) : null;
    };
    charts['clients.svg'] = groupedBarChart({
      title: `Clients against one Samsa broker (best method each, 1 partition, ${r.plan.recordBytes} B)`,
      yLabel: 'records/s',
      categories: ['produce', 'consume'],
      series: names.map((n) => ({ name: n, values: [best(n, 'produce'), best(n, 'consume')] })),
    });
  }
  const p = r.sections.peers;
  if (p) {
    charts['peers.svg'] = groupedBarChart({
      title: `Samsa and the alternatives (${r.plan.peers.records.toLocaleString('en-US')} records of ${r.plan.recordBytes} B)`,
      yLabel: 'records/s',
      categories: ['produce', 'consume'],
      series: [
        {
          name: 'Samsa',
          values: [p.samsa.produce.result.recordsPerSecond, p.samsa.consume.result.recordsPerSecond],
        },
        ...p.peers.map((q) => ({
          name: q.available ? q.peer : `${q.peer} (unavailable)`,
          values: [q.produce?.recordsPerSec ?? null, q.consume?.recordsPerSec ?? null],
        })),
      ],
    });
  }
  const s = r.sections.partitions;
  if (s && s.length > 0) {
    charts['partitions-throughput.svg'] = lineChart({
      title: 'Produce throughput as partitions grow',
      xLabel: 'partitions (log scale)',
      yLabel: 'records/s',
      xLog: true,
      series: [
        {
          name: 'Samsa, one producer',
          points: s.filter((x) => x.produce).map((x) => [x.partitions, x.produce!.result.recordsPerSecond]),
        },
      ],
    });
    charts['partitions-memory.svg'] = lineChart({
      title: 'Broker memory as partitions grow (peak RSS while producing)',
      xLabel: 'partitions (log scale)',
      yLabel: 'MiB',
      xLog: true,
      series: [
        { name: 'broker peak RSS', points: s.map((x) => [x.partitions, x.broker.peakRssMiB]) },
        { name: 'target (256 MiB at 1,000)', points: s.map((x) => [x.partitions, 256]) },
      ],
    });
  }
  const d = r.sections.storedData;
  if (d && d.windows.length > 0) {
    charts['stored-data.svg'] = lineChart({
      title: 'Produce throughput as stored data grows',
      xLabel: 'data stored (GiB)',
      yLabel: 'records/s',
      series: [
        {
          name: 'Samsa, one producer',
          points: d.windows.map((w) => [
            Math.round((w.storedBytes / 1024 ** 3) * 100) / 100,
            w.recordsPerSec,
          ]),
        },
      ],
    });
  }
  const rep = r.sections.replication;
  if (rep) {
    const ref = kafka2014ReplicationReference;
    charts['replication.svg'] = groupedBarChart({
      title: `Produce with replication (${rep.partitions} partitions, ${r.plan.recordBytes} B records)`,
      yLabel: 'records/s',
      categories: ['acks=1', 'acks=all'],
      series: [
        {
          name: 'Kafka 2014, 3 brokers on 3 machines',
          values: [ref.acks1RecordsPerSec, ref.acksAllRecordsPerSec],
        },
        {
          name: 'Samsa, 1 broker',
          values: [rep.single.acks1.result.recordsPerSecond, rep.single.acksAll.result.recordsPerSecond],
        },
        {
          name: `Samsa, ${rep.brokers} brokers RF=${rep.replicationFactor} (one machine)`,
          values: [rep.cluster.acks1.result.recordsPerSecond, rep.cluster.acksAll.result.recordsPerSecond],
        },
      ],
    });
  }
  return charts;
}
