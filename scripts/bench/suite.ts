/**
 * The benchmark suite, one command: `npm run bench -- [--quick] [--only ...] [--out DIR]
 * [--docs] [--profile] [--records N]`. Runs the sections (Kafka's 2014 table, clients, peers,
 * scale by partitions and by stored data) against brokers in their own processes, then writes
 * results.json (everything raw), report.md and charts/*.svg to the output directory — and with
 * --docs, docs/benchmarks.md and docs/bench/*.svg. A section that fails is reported, the rest run.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { root } from './broker-process.js';
import { buildCharts } from './report/charts.js';
import { loadNow, machineInfo, versions } from './report/machine.js';
import { renderMarkdown } from './report/markdown.js';
import { type ProfileSummary, summariseProfileFile } from './report/profile.js';
import { judgeTargets } from './report/targets.js';
import { runClients } from './sections/clients.js';
import { runKafka2014 } from './sections/kafka2014.js';
import { runPeersSection } from './sections/peers.js';
import { runReplication } from './sections/replication.js';
import { runPartitions, runStoredData } from './sections/scale.js';
import type { SuiteContext } from './suite-context.js';
import { parseSuiteArgs, planFor, type SectionName, usage } from './suite-options.js';
import type { SuiteResult } from './suite-types.js';

function timestamp(d: Date): string {
  return d.toISOString().replace(/[:]/g, '-').replace(/\..*$/, '');
}

async function main(): Promise<number> {
  let options: ReturnType<typeof parseSuiteArgs>;
  try {
    options = parseSuiteArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    return 1;
  }
  if (options.help) {
    process.stdout.write(usage);
    return 0;
  }
  const started = new Date();
  const outDir = resolve(options.out ?? join(root, 'bench-results', timestamp(started)));
  const chartsDir = join(outDir, 'charts');
  const profileDir = join(outDir, 'profiles');
  mkdirSync(chartsDir, { recursive: true });
  if (options.profile) mkdirSync(profileDir, { recursive: true });
  const workDir = mkdtempSync(join(tmpdir(), 'samsa-suite-'));
  const plan = planFor(options);
  const log = (line: string) =>
    process.stderr.write(`[bench ${((Date.now() - started.getTime()) / 1000).toFixed(0)}s] ${line}\n`);
  const ctx: SuiteContext = { options, plan, workDir, profileDir, log };
  const result: SuiteResult = {
    startedAt: started.toISOString(),
    finishedAt: '',
    command: `npm run bench --${process.argv.length > 2 ? ` ${process.argv.slice(2).join(' ')}` : ''}`,
    options,
    plan,
    machine: machineInfo(workDir),
    versions: versions(root),
    sections: {},
    errors: [],
    targets: [],
    profiles: [],
    charts: {},
  };
  log(`sections: ${options.only.join(', ')}; output in ${outDir}`);
  const section = async (name: SectionName, fn: () => Promise<void>) => {
    if (!options.only.includes(name)) return;
    log(`== ${name}`);
    try {
      await fn();
    } catch (e) {
      const message = (e as Error).stack ?? String(e);
      log(`${name} failed: ${message}`);
      result.errors.push({ section: name, message: (e as Error).message ?? String(e) });
    }
  };
  try {
    await section('kafka2014', async () => {
      result.sections.kafka2014 = await runKafka2014(ctx);
    });
    await section('clients', async () => {
      result.sections.clients = await runClients(ctx);
    });
    await section('peers', async () => {
      result.sections.peers = await runPeersSection(ctx);
    });
    await section('partitions', async () => {
      result.sections.partitions = await runPartitions(ctx);
    });
    await section('stored-data', async () => {
      result.sections.storedData = await runStoredData(ctx);
    });
    await section('replication', async () => {
      result.sections.replication = await runReplication(ctx);
    });
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
  result.machine.loadAfter = loadNow();
  result.finishedAt = new Date().toISOString();
  result.profiles = options.profile ? summariseProfiles(profileDir) : [];
  result.targets = judge(result);
  const charts = buildCharts(result);
  for (const [file, svg] of Object.entries(charts)) {
    writeFileSync(join(chartsDir, file), svg);
    result.charts[file] = relative(outDir, join(chartsDir, file));
  }
  writeFileSync(join(outDir, 'results.json'), `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(
    join(outDir, 'report.md'),
    renderMarkdown(result, (f) => `charts/${f}`),
  );
  log(`wrote ${join(outDir, 'results.json')} and report.md`);
  if (options.docs) {
    const docsCharts = join(root, 'docs', 'bench');
    mkdirSync(docsCharts, { recursive: true });
    for (const [file, svg] of Object.entries(charts)) writeFileSync(join(docsCharts, file), svg);
    writeFileSync(
      join(root, 'docs', 'benchmarks.md'),
      renderMarkdown(result, (f) => `bench/${f}`),
    );
    log('wrote docs/benchmarks.md and docs/bench/*.svg');
  }
  for (const t of result.targets)
    log(
      `target ${t.goal}: ${t.met === null ? 'not measured' : t.met ? 'met' : 'MISSED'} — ${t.measured}${t.margin ? `; ${t.margin}` : ''}`,
    );
  return result.errors.length > 0 ? 2 : 0;
}

function judge(r: SuiteResult) {
  const k = r.sections.kafka2014;
  const pe = r.sections.peers;
  const at1000 = r.sections.partitions?.find((s) => s.partitions === 1000);
  return judgeTargets({
    producerRecordsPerSec: k?.producer.result.recordsPerSecond ?? null,
    consumerRecordsPerSec: k?.consumer.result.recordsPerSecond ?? null,
    e2eP50Ms: k?.latencyAtRate.result.latencyMs?.p50 ?? null,
    e2eP99Ms: k?.latencyAtRate.result.latencyMs?.p99 ?? null,
    peers: (pe?.peers ?? []).map((p) => ({
      peer: p.peer,
      samsaProduce: pe!.samsa.produce.result.recordsPerSecond,
      samsaConsume: pe!.samsa.consume.result.recordsPerSecond,
      peerProduce: p.available ? (p.produce?.recordsPerSec ?? null) : null,
      peerConsume: p.available ? (p.consume?.recordsPerSec ?? null) : null,
      ...(p.reason ? { reason: p.reason } : {}),
    })),
    rssAt1000PartitionsMiB: at1000?.produce ? at1000.broker.peakRssMiB : null,
  });
}

/** Every .cpuprofile of the run, summarised; labelled by the file name (broker-kafka2014, client-produce). */
function summariseProfiles(dir: string): ProfileSummary[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .sort()
    .map((f) => {
      const [kind, ...rest] = f.replace(/\.cpuprofile$/, '').split('-');
      const label = `${kind === 'client' ? 'samsa bench' : 'broker'}: ${rest.join('-')}`;
      return summariseProfileFile(join(dir, f), label);
    });
}

process.exitCode = await main();
