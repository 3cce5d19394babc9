/**
 * The machine and software a run happened on: CPU, cores, memory, disk, load, and the versions
 * of node, Samsa (git commit), kcat/librdkafka and the npm clients.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { arch, cpus, freemem, loadavg, release, totalmem } from 'node:os';
import { join } from 'node:path';

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  freeMemoryGiB: number;
  os: string;
  /** `df -hT` of the directory the brokers write to. */
  disk: string;
  loadBefore: number[];
  loadAfter: number[] | null;
}

export interface Versions {
  node: string;
  samsaCommit: string;
  /** Uncommitted changes in the work tree when the run started. */
  samsaDirty: boolean;
  kcat: string;
  npm: Record<string, string>;
}

function run(cmd: string, args: string[], cwd?: string): string | null {
  const r = spawnSync(cmd, args, { encoding: 'utf8', cwd, timeout: 10_000 });
  return r.status === 0 ? r.stdout.trim() : null;
}

const load = () => loadavg().map((x) => Math.round(x * 100) / 100);

export function machineInfo(dataDir: string): MachineInfo {
  const df = run('df', ['-hT', dataDir])?.split('\n')[1]?.split(/\s+/);
  return {
    cpuModel: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    freeMemoryGiB: Math.round((freemem() / 2 ** 30) * 10) / 10,
    os: `Linux ${release()} ${arch()}`,
    disk: df ? `${df[0]} ${df[1]}, ${df[2]} total, ${df[4]} free (mounted on ${df[6]})` : 'unknown',
    loadBefore: load(),
    loadAfter: null,
  };
}

/** Load average now (for the end of the run). */
export const loadNow = load;

function packageVersion(root: string, name: string): string {
  try {
    return (
      JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')) as {
        version: string;
      }
    ).version;
  } catch {
    return 'not installed';
  }
}

export function versions(root: string): Versions {
  const kcat = run('kcat', ['-V']);
  return {
    node: process.version,
    samsaCommit: run('git', ['rev-parse', 'HEAD'], root) ?? 'unknown',
    samsaDirty: (run('git', ['status', '--porcelain'], root) ?? '') !== '',
    kcat: kcat ? kcatVersion(kcat) : 'not installed',
    npm: Object.fromEntries(['kafkajs', '@platformatic/kafka'].map((n) => [n, packageVersion(root, n)])),
  };
}

/** "kcat 1.7.1, librdkafka 2.0.2" from `kcat -V`. */
export function kcatVersion(text: string): string {
  const v = /Version (\S+)/.exec(text)?.[1];
  const lib = /librdkafka (\S+)/.exec(text)?.[1];
  return v ? `kcat ${v}${lib ? `, librdkafka ${lib}` : ''}` : text.split('\n')[0]!.trim();
}
