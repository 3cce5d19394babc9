/**
 * Small dependency-free SVG charts for the benchmark report: grouped bar charts (throughput
 * side by side) and line charts (latency percentiles, throughput against partitions or stored
 * data), with axes, tick labels, units, a title and a legend. Pure functions: spec in, SVG text out.
 */

export interface BarSeries {
  name: string;
  /** One value per category; null draws no bar (not measured). */
  values: (number | null)[];
}

export interface BarChartSpec {
  title: string;
  /** Axis label with the unit, e.g. "records/s". */
  yLabel: string;
  categories: string[];
  series: BarSeries[];
  width?: number;
  height?: number;
}

export interface LineSeries {
  name: string;
  points: [number, number][];
}

export interface LineChartSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  series: LineSeries[];
  /** Logarithmic x axis (partitions 1 … 10,000). */
  xLog?: boolean;
  /** Names for x positions instead of numbers (e.g. 50 → "p50"). */
  xTickLabels?: Record<number, string>;
  width?: number;
  height?: number;
}

/** Colour-blind-safe palette (Okabe–Ito). */
const palette = ['#0072B2', '#E69F00', '#009E73', '#D55E00', '#CC79A7', '#56B4E9', '#F0E442', '#000000'];
const font = 'font-family="Helvetica, Arial, sans-serif"';
const margin = { top: 48, right: 24, bottom: 64, left: 84 };
const legendRowHeight = 18;

/** Escape text for SVG content and attribute values. */
export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** "1.5M", "820k", "12", "0.25": short labels for axis ticks. */
export function shortNumber(v: number): string {
  const a = Math.abs(v);
  const trim = (x: number) => String(Number(x.toFixed(2)));
  if (a >= 1e9) return `${trim(v / 1e9)}G`;
  if (a >= 1e6) return `${trim(v / 1e6)}M`;
  if (a >= 1e3) return `${trim(v / 1e3)}k`;
  return trim(v);
}

/** Ticks from 0 to a round number ≥ max: steps of 1, 2 or 5 × 10^k, about `count` of them. */
export function niceTicks(max: number, count = 5): number[] {
  if (!(max > 0) || !Number.isFinite(max)) return [0, 1];
  const raw = max / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const ticks: number[] = [];
  for (let t = 0; t < max + step * 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
  if (ticks[ticks.length - 1]! < max) ticks.push(Number((ticks[ticks.length - 1]! + step).toPrecision(12)));
  return ticks;
}

function frame(width: number, height: number, title: string, body: string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${width / 2}" y="24" text-anchor="middle" ${font} font-size="16" font-weight="bold">${escapeXml(title)}</text>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}

function yAxis(
  ticks: number[],
  y: (v: number) => number,
  x0: number,
  x1: number,
  label: string,
  plotTop: number,
  plotBottom: number,
): string[] {
  const out: string[] = [];
  for (const t of ticks) {
    const yy = y(t).toFixed(1);
    out.push(`<line x1="${x0}" y1="${yy}" x2="${x1}" y2="${yy}" stroke="#e0e0e0" stroke-width="1"/>`);
    out.push(
      `<text x="${x0 - 6}" y="${yy}" text-anchor="end" dominant-baseline="middle" ${font} font-size="11">${escapeXml(shortNumber(t))}</text>`,
    );
  }
  out.push(`<line x1="${x0}" y1="${plotTop}" x2="${x0}" y2="${plotBottom}" stroke="#333"/>`);
  const mid = (plotTop + plotBottom) / 2;
  out.push(
    `<text x="18" y="${mid}" text-anchor="middle" transform="rotate(-90 18 ${mid})" ${font} font-size="12">${escapeXml(label)}</text>`,
  );
  return out;
}

function legend(names: string[], x: number, y: number): string[] {
  return names.flatMap((name, i) => {
    const yy = y + i * legendRowHeight;
    return [
      `<rect x="${x}" y="${yy - 9}" width="12" height="12" fill="${palette[i % palette.length]}"/>`,
      `<text x="${x + 18}" y="${yy + 1}" ${font} font-size="12" class="legend">${escapeXml(name)}</text>`,
    ];
  });
}

/** Bars grouped by category, one colour per series, value labels on top. */
export function groupedBarChart(spec: BarChartSpec): string {
  const width = spec.width ?? 720;
  const legendHeight = spec.series.length * legendRowHeight + 8;
  const height = (spec.height ?? 380) + legendHeight;
  const plot = {
    left: margin.left,
    right: width - margin.right,
    top: margin.top,
    bottom: height - margin.bottom - legendHeight,
  };
  const values = spec.series.flatMap((s) =>
    s.values.filter((v): v is number => v !== null && Number.isFinite(v)),
  );
  const ticks = niceTicks(Math.max(0, ...values));
  const top = ticks[ticks.length - 1]!;
  const y = (v: number) => plot.bottom - (v / top) * (plot.bottom - plot.top);
  const groupWidth = (plot.right - plot.left) / Math.max(1, spec.categories.length);
  const barWidth = (groupWidth * 0.8) / Math.max(1, spec.series.length);
  const body = yAxis(ticks, y, plot.left, plot.right, spec.yLabel, plot.top, plot.bottom);
  spec.categories.forEach((cat, c) => {
    const gx = plot.left + c * groupWidth + groupWidth * 0.1;
    spec.series.forEach((s, i) => {
      const v = s.values[c];
      if (v === null || v === undefined || !Number.isFinite(v)) return;
      const x = gx + i * barWidth;
      const yy = y(v);
      body.push(
        `<rect class="bar" x="${x.toFixed(1)}" y="${yy.toFixed(1)}" width="${(barWidth - 2).toFixed(1)}" height="${(plot.bottom - yy).toFixed(1)}" fill="${palette[i % palette.length]}"><title>${escapeXml(`${s.name}, ${cat}: ${v.toLocaleString('en-US')} ${spec.yLabel}`)}</title></rect>`,
      );
      body.push(
        `<text x="${(x + barWidth / 2 - 1).toFixed(1)}" y="${(yy - 4).toFixed(1)}" text-anchor="middle" ${font} font-size="10">${escapeXml(shortNumber(v))}</text>`,
      );
    });
    body.push(
      `<text x="${(plot.left + c * groupWidth + groupWidth / 2).toFixed(1)}" y="${plot.bottom + 18}" text-anchor="middle" ${font} font-size="12" class="category">${escapeXml(cat)}</text>`,
    );
  });
  body.push(
    `<line x1="${plot.left}" y1="${plot.bottom}" x2="${plot.right}" y2="${plot.bottom}" stroke="#333"/>`,
  );
  body.push(
    ...legend(
      spec.series.map((s) => s.name),
      plot.left,
      plot.bottom + 44,
    ),
  );
  return frame(width, height, spec.title, body);
}

/** Lines with point markers; linear or logarithmic x. */
export function lineChart(spec: LineChartSpec): string {
  const width = spec.width ?? 720;
  const legendHeight = spec.series.length * legendRowHeight + 8;
  const height = (spec.height ?? 380) + legendHeight;
  const plot = {
    left: margin.left,
    right: width - margin.right,
    top: margin.top,
    bottom: height - margin.bottom - legendHeight,
  };
  const pts = spec.series
    .flatMap((s) => s.points)
    .filter(([a, b]) => Number.isFinite(a) && Number.isFinite(b));
  const xs = pts.map((p) => p[0]);
  const ticks = niceTicks(Math.max(0, ...pts.map((p) => p[1])));
  const top = ticks[ticks.length - 1]!;
  const y = (v: number) => plot.bottom - (v / top) * (plot.bottom - plot.top);
  const fx = (v: number) => (spec.xLog ? Math.log10(Math.max(v, 1e-9)) : v);
  const xMin = xs.length ? Math.min(...xs.map(fx)) : 0;
  const xMax = xs.length ? Math.max(...xs.map(fx)) : 1;
  const span = xMax - xMin || 1;
  const pad = (plot.right - plot.left) * 0.04;
  const x = (v: number) => plot.left + pad + ((fx(v) - xMin) / span) * (plot.right - plot.left - 2 * pad);
  const body = yAxis(ticks, y, plot.left, plot.right, spec.yLabel, plot.top, plot.bottom);
  body.push(
    `<line x1="${plot.left}" y1="${plot.bottom}" x2="${plot.right}" y2="${plot.bottom}" stroke="#333"/>`,
  );
  const xTicks = [...new Set(xs)].sort((a, b) => a - b);
  const shown =
    xTicks.length > 12 ? xTicks.filter((_, i) => i % Math.ceil(xTicks.length / 12) === 0) : xTicks;
  for (const t of shown) {
    const xx = x(t).toFixed(1);
    const label = spec.xTickLabels?.[t] ?? shortNumber(t);
    body.push(`<line x1="${xx}" y1="${plot.bottom}" x2="${xx}" y2="${plot.bottom + 4}" stroke="#333"/>`);
    body.push(
      `<text x="${xx}" y="${plot.bottom + 18}" text-anchor="middle" ${font} font-size="11">${escapeXml(label)}</text>`,
    );
  }
  body.push(
    `<text x="${(plot.left + plot.right) / 2}" y="${plot.bottom + 36}" text-anchor="middle" ${font} font-size="12">${escapeXml(spec.xLabel)}</text>`,
  );
  spec.series.forEach((s, i) => {
    const colour = palette[i % palette.length];
    const p = s.points.filter(([a, b]) => Number.isFinite(a) && Number.isFinite(b));
    if (p.length === 0) return;
    const d = p.map(([a, b], j) => `${j === 0 ? 'M' : 'L'}${x(a).toFixed(1)},${y(b).toFixed(1)}`).join(' ');
    body.push(`<path class="line" d="${d}" fill="none" stroke="${colour}" stroke-width="2"/>`);
    for (const [a, b] of p)
      body.push(
        `<circle cx="${x(a).toFixed(1)}" cy="${y(b).toFixed(1)}" r="3" fill="${colour}"><title>${escapeXml(`${s.name}: ${spec.xTickLabels?.[a] ?? a.toLocaleString('en-US')} → ${b.toLocaleString('en-US')} ${spec.yLabel}`)}</title></circle>`,
      );
  });
  body.push(
    ...legend(
      spec.series.map((s) => s.name),
      plot.left,
      plot.bottom + 56,
    ),
  );
  return frame(width, height, spec.title, body);
}
