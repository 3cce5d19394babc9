/**
 * The targets, judged against what a run measured: each with the measured value, met
 * or missed, and by how much. Pure.
 */

export interface Target {
  id: string;
  /** "≥ 1,000,000 records/s, one producer". */
  goal: string;
  /** The measured value in words, or why it was not measured. */
  measured: string;
  /** null when not measured. */
  met: boolean | null;
  /** "by 12 % (880,000 of 1,000,000 records/s)" — empty when not measured. */
  margin: string;
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const fmtMs = (n: number) => `${Number(n.toFixed(3))} ms`;

/** At least `goal`: met when value ≥ goal; the margin in percent of the goal. */
export function atLeast(
  id: string,
  goal: string,
  value: number | null,
  want: number,
  unit: string,
  missing = 'not measured',
): Target {
  if (value === null || !Number.isFinite(value))
    return { id, goal, measured: missing, met: null, margin: '' };
  const met = value >= want;
  const pct = Math.abs((value / want - 1) * 100).toFixed(0);
  return {
    id,
    goal,
    measured: `${fmt(value)} ${unit}`,
    met,
    margin: met
      ? `ahead by ${pct} % (${fmt(value)} vs ${fmt(want)} ${unit})`
      : `missed by ${pct} % (${fmt(value)} of ${fmt(want)} ${unit}, ${(value / want).toFixed(2)}×)`,
  };
}

/** At most `goal`: met when value ≤ goal. */
export function atMost(
  id: string,
  goal: string,
  value: number | null,
  want: number,
  unit: 'ms' | 'MiB',
  missing = 'not measured',
): Target {
  if (value === null || !Number.isFinite(value))
    return { id, goal, measured: missing, met: null, margin: '' };
  const met = value <= want;
  const show = (v: number) => (unit === 'ms' ? fmtMs(v) : `${v.toFixed(1)} MiB`);
  const pct = Math.abs((value / want - 1) * 100).toFixed(0);
  return {
    id,
    goal,
    measured: show(value),
    met,
    margin: met
      ? `within, ${show(want - value)} to spare`
      : `missed by ${show(value - want)} (${pct} % over, ${(value / want).toFixed(2)}× the goal)`,
  };
}

export interface TargetInputs {
  producerRecordsPerSec: number | null;
  consumerRecordsPerSec: number | null;
  e2eP50Ms: number | null;
  e2eP99Ms: number | null;
  /** Samsa vs each peer; peer rate null when the peer was unavailable (reason given). */
  peers: {
    peer: string;
    samsaProduce: number | null;
    peerProduce: number | null;
    samsaConsume: number | null;
    peerConsume: number | null;
    reason?: string;
  }[];
  /** Broker peak RSS while producing to 1,000 partitions. */
  rssAt1000PartitionsMiB: number | null;
}

export function judgeTargets(m: TargetInputs): Target[] {
  const targets: Target[] = [
    atLeast(
      'producer',
      '≥ 1,000,000 records/s, one producer (100 B, 6 partitions)',
      m.producerRecordsPerSec,
      1_000_000,
      'records/s',
    ),
    atLeast(
      'consumer',
      '≥ 1,500,000 records/s, one consumer (100 B, 6 partitions)',
      m.consumerRecordsPerSec,
      1_500_000,
      'records/s',
    ),
    atMost('e2e-p50', 'end-to-end p50 ≤ 2 ms at 10,000 records/s', m.e2eP50Ms, 2, 'ms'),
    atMost('e2e-p99', 'end-to-end p99 ≤ 5 ms at 10,000 records/s', m.e2eP99Ms, 5, 'ms'),
  ];
  if (m.peers.length === 0)
    targets.push({
      id: 'peers',
      goal: 'ahead of every peer on produce and consume',
      measured: 'no peer measured',
      met: null,
      margin: '',
    });
  for (const p of m.peers) {
    for (const op of ['produce', 'consume'] as const) {
      const s = op === 'produce' ? p.samsaProduce : p.samsaConsume;
      const q = op === 'produce' ? p.peerProduce : p.peerConsume;
      const goal = `ahead of ${p.peer} on ${op}`;
      if (s === null || q === null || !(q > 0)) {
        targets.push({
          id: `peer-${p.peer}-${op}`,
          goal,
          measured: p.reason ? `not measured: ${p.reason}` : 'not measured',
          met: null,
          margin: '',
        });
        continue;
      }
      const t = atLeast(`peer-${p.peer}-${op}`, goal, s, q, 'records/s');
      t.measured = `Samsa ${fmt(s)} vs ${fmt(q)} records/s (${(s / q).toFixed(2)}×)`;
      targets.push(t);
    }
  }
  targets.push(
    atMost(
      'memory-1000',
      'broker memory ≤ 256 MiB at 1,000 partitions under load (peak RSS)',
      m.rssAt1000PartitionsMiB,
      256,
      'MiB',
    ),
  );
  return targets;
}
