/** The report's SVG charts: well-formed, one bar per value, labels, legend, escaping, axes. */
import t from 'tap';
import {
  escapeXml,
  groupedBarChart,
  lineChart,
  niceTicks,
  shortNumber,
} from '../../scripts/bench/report/svg-chart.js';
import { checkXml } from './xml.js';

t.test('a grouped bar chart: one bar per measured value, categories and legend labelled', async (t) => {
  const svg = groupedBarChart({
    title: 'Throughput <100 B> & more',
    yLabel: 'records/s',
    categories: ['produce', 'consume'],
    series: [
      { name: 'Samsa', values: [1_200_000, 1_600_000] },
      { name: 'kafkajs', values: [150_000, null] },
      { name: 'kcat & co', values: [900_000, 1_000_000] },
    ],
  });
  const { errors, elements } = checkXml(svg);
  t.same(errors, [], 'well-formed');
  t.equal(elements[0]?.name, 'svg');
  t.equal(elements[0]?.attrs.xmlns, 'http://www.w3.org/2000/svg');
  const bars = elements.filter((e) => e.name === 'rect' && e.attrs.class === 'bar');
  t.equal(bars.length, 5, 'null draws no bar');
  const texts = elements.filter((e) => e.name === 'text').map((e) => e.text);
  t.ok(texts.includes('produce') && texts.includes('consume'), 'category labels');
  t.ok(
    texts.includes('Samsa') && texts.includes('kafkajs') && texts.includes('kcat &amp; co'),
    'legend, escaped',
  );
  t.ok(texts.includes('records/s'), 'axis label with the unit');
  t.ok(texts.includes('1.2M') && texts.includes('150k'), 'value labels');
  t.ok(texts.includes('Throughput &lt;100 B&gt; &amp; more'), 'title escaped');
  // The tallest bar reaches highest (smallest y); heights are proportional.
  const h = (i: number) => Number(bars[i]!.attrs.height);
  t.ok(h(3) > h(0) && Math.abs(h(3) / h(0) - 1_600_000 / 1_200_000) < 0.01, 'heights in proportion');
});

t.test('a line chart: one path per series, a marker per point, log x ticks', async (t) => {
  const svg = lineChart({
    title: 'Throughput vs partitions',
    xLabel: 'partitions',
    yLabel: 'records/s',
    xLog: true,
    series: [
      {
        name: 'produce',
        points: [
          [1, 900_000],
          [100, 850_000],
          [1000, 700_000],
          [10_000, 300_000],
        ],
      },
      { name: 'empty', points: [] },
    ],
  });
  const { errors, elements } = checkXml(svg);
  t.same(errors, [], 'well-formed');
  t.equal(elements.filter((e) => e.name === 'path' && e.attrs.class === 'line').length, 1);
  t.equal(elements.filter((e) => e.name === 'circle').length, 4);
  const texts = elements.filter((e) => e.name === 'text').map((e) => e.text);
  for (const x of ['1', '100', '1k', '10k', 'partitions', 'records/s', 'produce', 'empty'])
    t.ok(texts.includes(x), `label ${x}`);
  const xs = elements.filter((e) => e.name === 'circle').map((e) => Number(e.attrs.cx));
  t.ok(Math.abs(xs[1]! - xs[0]! - (xs[2]! - xs[1]!) * 2) < 0.5, 'log scale: 1→100 is twice 100→1000');
  const named = lineChart({
    title: 'p',
    xLabel: 'percentile',
    yLabel: 'ms',
    xTickLabels: { 1: 'p50', 2: 'p99' },
    series: [
      {
        name: 's',
        points: [
          [1, 1],
          [2, 3],
        ],
      },
    ],
  });
  t.match(named, />p50</);
  t.same(checkXml(named).errors, []);
});

t.test('ticks, numbers and escaping', async (t) => {
  t.same(niceTicks(940_521), [0, 200_000, 400_000, 600_000, 800_000, 1_000_000]);
  t.same(niceTicks(14, 5), [0, 5, 10, 15]);
  t.same(niceTicks(0), [0, 1], 'nothing measured still draws an axis');
  t.equal(shortNumber(1_500_000), '1.5M');
  t.equal(shortNumber(821_557), '821.56k');
  t.equal(shortNumber(0.25), '0.25');
  t.equal(escapeXml('a<b & "c">'), 'a&lt;b &amp; &quot;c&quot;&gt;');
  t.match(checkXml('<a><b></a></b>').errors, [/closes/], 'the checker itself catches bad nesting');
  t.match(checkXml('<a>x & y</a>').errors, [/bare &/]);
});
