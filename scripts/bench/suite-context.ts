/**
 * What every section of the suite shares: the plan, a private work directory, logging, and
 * brokers started the same way (profiled when --profile), their memory sampled while they run.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { type BrokerProcess, type BrokerProcessOptions, startBrokerProcess } from './broker-process.js';
import { RssSampler } from './rss.js';
import { runSamsaBench } from './samsa-bench.js';
import type { Plan, SuiteOptions } from './suite-options.js';
import type { BenchRun, BrokerInfo } from './suite-types.js';

export interface SuiteContext {
  options: SuiteOptions;
  plan: Plan;
  /** Scratch space for broker data (removed at the end). */
  workDir: string;
  /** Where profiles go (`<out>/profiles`). */
  profileDir: string;
  log(line: string): void;
}

export interface RunningBroker {
  broker: BrokerProcess;
  bootstrap: string;
  rss: RssSampler;
  /** Its data, config and log directory (removed when it stops). */
  dir: string;
  /** Stop it; its command, config and memory for the report. */
  stop(): Promise<BrokerInfo>;
}

let brokerSeq = 0;

/** A broker in its own process for `label` (profile file broker-<label>.cpuprofile). */
export async function startBroker(
  ctx: SuiteContext,
  label: string,
  opts: BrokerProcessOptions = {},
): Promise<RunningBroker> {
  const dir = join(ctx.workDir, `broker-${++brokerSeq}-${label}`);
  const nodeArgs = ctx.options.profile
    ? ['--cpu-prof', '--cpu-prof-dir', ctx.profileDir, '--cpu-prof-name', `broker-${label}.cpuprofile`]
    : [];
  const broker = await startBrokerProcess(join(dir, 'data'), {
    ...opts,
    nodeArgs: [...nodeArgs, ...(opts.nodeArgs ?? [])],
  });
  const rss = new RssSampler(broker.pid);
  ctx.log(`broker for ${label} on port ${broker.port} (pid ${broker.pid})`);
  return {
    broker,
    bootstrap: `127.0.0.1:${broker.port}`,
    rss,
    dir,
    async stop() {
      const m = rss.stop();
      await broker.stop();
      rmSync(dir, { recursive: true, force: true });
      return { command: broker.command, config: broker.config, peakRssMiB: m.peakRssMiB, hwmMiB: m.hwmMiB };
    },
  };
}

/** `samsa bench ...` as its own process (profiled as client-<profileName> when --profile and a name is given). */
export async function samsaBench(
  ctx: SuiteContext,
  bootstrap: string,
  args: string[],
  profileName?: string,
): Promise<BenchRun> {
  const nodeArgs =
    ctx.options.profile && profileName
      ? [
          '--cpu-prof',
          '--cpu-prof-dir',
          ctx.profileDir,
          '--cpu-prof-name',
          `client-${profileName}.cpuprofile`,
        ]
      : [];
  ctx.log(`samsa bench ${args.join(' ')}`);
  const run = await runSamsaBench(bootstrap, args, { nodeArgs });
  const r = run.result;
  ctx.log(
    `  ${r.records.toLocaleString('en-US')} records in ${r.seconds} s: ${r.recordsPerSecond.toLocaleString('en-US')} records/s${r.latencyMs ? `, p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms` : ''}`,
  );
  return run;
}
