/**
 * A latency histogram in the manner of HdrHistogram: values (microseconds) land in buckets
 * whose width grows with the value, so every recorded value is kept within 1.6 % in fixed
 * memory (40 KiB), whatever the count. Percentiles read from the buckets.
 */

/** Sub-buckets per power of two (half of them used above 127): relative error under 1.6 %. */
const SUB_BUCKETS = 128;
const SUB_BITS = 7;
/** Powers of two covered: up to 2^40 µs (12 days) — anything longer is clamped. */
const MAGNITUDES = 40;

export class Histogram {
  private readonly counts = new Float64Array(MAGNITUDES * SUB_BUCKETS);
  private total = 0;
  private maxValue = 0;
  private minValue = Number.POSITIVE_INFINITY;

  /** Record one value (µs; negative counts as 0). */
  record(value: number): void {
    const v = Math.max(0, Math.round(value));
    this.counts[indexOf(v)]!++;
    this.total++;
    if (v > this.maxValue) this.maxValue = v;
    if (v < this.minValue) this.minValue = v;
  }

  get count(): number {
    return this.total;
  }

  get max(): number {
    return this.total === 0 ? 0 : this.maxValue;
  }

  /** The value at percentile `p` (0..100): the upper edge of its bucket, never above max. */
  percentile(p: number): number {
    if (this.total === 0) return 0;
    const rank = Math.max(1, Math.ceil((p / 100) * this.total));
    let seen = 0;
    for (let i = 0; i < this.counts.length; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return Math.min(upperEdge(i), this.maxValue);
    }
    return this.maxValue;
  }
}

function indexOf(v: number): number {
  if (v < SUB_BUCKETS) return v;
  const magnitude = Math.min(MAGNITUDES - 1, Math.floor(Math.log2(v)) - SUB_BITS + 1);
  const sub = Math.min(SUB_BUCKETS - 1, Math.floor(v / 2 ** magnitude) - SUB_BUCKETS / 2);
  return magnitude * SUB_BUCKETS + SUB_BUCKETS / 2 + sub;
}

function upperEdge(i: number): number {
  if (i < SUB_BUCKETS) return i;
  const magnitude = Math.floor((i - SUB_BUCKETS / 2) / SUB_BUCKETS);
  const sub = i - magnitude * SUB_BUCKETS - SUB_BUCKETS / 2;
  return (sub + SUB_BUCKETS / 2 + 1) * 2 ** magnitude - 1;
}
