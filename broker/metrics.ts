/**
 * A small Prometheus registry: counters and histograms with labels, plus gauges computed at
 * scrape time. Rendering follows the text exposition format 0.0.4. Hot-path updates are a map
 * lookup and an addition.
 */

type Labels = Record<string, string>;

/** Distinct label sets one metric may hold; past it new sets fold into one "_other" series. */
export const seriesPerMetricMax = 10_000;

const OVERFLOW_LABELS: Labels = { series: '_other' };
const OVERFLOW_KEY = '{series="_other"}';

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function labelText(labels: Labels): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}

function formatNumber(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Number.POSITIVE_INFINITY) return '+Inf';
  if (n === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(n);
}

abstract class Metric {
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  abstract render(): string[];
  header(type: string): string[] {
    return [`# HELP ${this.name} ${this.help.replace(/\n/g, ' ')}`, `# TYPE ${this.name} ${type}`];
  }
}

export class Counter extends Metric {
  private series = new Map<string, { labels: Labels; value: number }>();

  inc(labels: Labels = {}, by = 1): void {
    const key = labelText(labels);
    let s = this.series.get(key);
    if (!s) {
      if (this.series.size >= seriesPerMetricMax) {
        // Past the bound every new label set counts in one overflow series.
        s = this.series.get(OVERFLOW_KEY);
        if (!s) {
          s = { labels: OVERFLOW_LABELS, value: 0 };
          this.series.set(OVERFLOW_KEY, s);
        }
      } else {
        s = { labels, value: 0 };
        this.series.set(key, s);
      }
    }
    s.value += by;
  }

  get(labels: Labels = {}): number {
    return this.series.get(labelText(labels))?.value ?? 0;
  }

  render(): string[] {
    const out = this.header('counter');
    for (const s of this.series.values())
      out.push(`${this.name}${labelText(s.labels)} ${formatNumber(s.value)}`);
    return out;
  }
}

export class Histogram extends Metric {
  private series = new Map<string, { labels: Labels; counts: number[]; sum: number; count: number }>();

  constructor(
    name: string,
    help: string,
    readonly buckets: number[],
  ) {
    super(name, help);
  }

  observe(labels: Labels, value: number): void {
    const key = labelText(labels);
    let s = this.series.get(key);
    if (!s) {
      if (this.series.size >= seriesPerMetricMax) return;
      s = { labels, counts: this.buckets.map(() => 0), sum: 0, count: 0 };
      this.series.set(key, s);
    }
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]!) s.counts[i]!++;
    s.sum += value;
    s.count++;
  }

  render(): string[] {
    const out = this.header('histogram');
    for (const s of this.series.values()) {
      this.buckets.forEach((b, i) => {
        out.push(`${this.name}_bucket${labelText({ ...s.labels, le: formatNumber(b) })} ${s.counts[i]}`);
      });
      out.push(`${this.name}_bucket${labelText({ ...s.labels, le: '+Inf' })} ${s.count}`);
      out.push(`${this.name}_sum${labelText(s.labels)} ${formatNumber(s.sum)}`);
      out.push(`${this.name}_count${labelText(s.labels)} ${s.count}`);
    }
    return out;
  }
}

/** A gauge whose series are computed when scraped. */
export class Gauge extends Metric {
  constructor(
    name: string,
    help: string,
    private readonly collect: () => { labels: Labels; value: number }[],
  ) {
    super(name, help);
  }

  render(): string[] {
    const out = this.header('gauge');
    for (const s of this.collect()) out.push(`${this.name}${labelText(s.labels)} ${formatNumber(s.value)}`);
    return out;
  }
}

export class Registry {
  private metrics: Metric[] = [];

  counter(name: string, help: string): Counter {
    return this.add(new Counter(name, help));
  }

  histogram(name: string, help: string, buckets: number[]): Histogram {
    return this.add(new Histogram(name, help, buckets));
  }

  gauge(name: string, help: string, collect: () => { labels: Labels; value: number }[]): Gauge {
    return this.add(new Gauge(name, help, collect));
  }

  private add<M extends Metric>(m: M): M {
    this.metrics.push(m);
    return m;
  }

  render(): string {
    return `${this.metrics.flatMap((m) => m.render()).join('\n')}\n`;
  }
}
