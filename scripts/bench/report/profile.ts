/**
 * Summary of a V8 .cpuprofile (what `node --cpu-prof` writes): the functions with the most self
 * time, from the samples and their time deltas. Pure, apart from reading the file.
 */
import { readFileSync } from 'node:fs';

interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber?: number };
  hitCount?: number;
}

export interface CpuProfile {
  nodes: CpuProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface ProfileEntry {
  /** "append (storage/partition-log.js:120)" — function, file relative to the repo, 1-based line. */
  name: string;
  selfMs: number;
  /** Share of all sampled time. */
  selfPct: number;
  /** Share of the time not idle (idle and program excluded). */
  busyPct: number;
}

export interface ProfileSummary {
  file: string;
  /** What ran: "broker, kafka2014". */
  label: string;
  totalMs: number;
  busyMs: number;
  top: ProfileEntry[];
}

const idleNames = new Set(['(idle)', '(program)']);

/** "file:///work/x/dist/storage/a.js" → "storage/a.js"; node internals kept as they are. */
export function shortUrl(url: string): string {
  const m = /\/dist\/(.*)$/.exec(url);
  if (m) return m[1]!;
  const nm = /\/node_modules\/(.*)$/.exec(url);
  if (nm) return nm[1]!;
  return url.replace(/^file:\/\//, '');
}

/** Self time per function (same name, file and line merged), the `top` largest first. */
export function summariseProfile(profile: CpuProfile, label: string, file: string, top = 15): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  if (samples.length > 0 && deltas.length === samples.length) {
    // Delta i is the time since the previous sample: the time up to sample i+1 belongs to sample i.
    for (let i = 0; i < samples.length; i++) {
      const dt = i + 1 < deltas.length ? deltas[i + 1]! : 0;
      self.set(samples[i]!, (self.get(samples[i]!) ?? 0) + Math.max(0, dt));
    }
  } else {
    const total = profile.endTime - profile.startTime;
    const hits = profile.nodes.reduce((a, n) => a + (n.hitCount ?? 0), 0) || 1;
    for (const n of profile.nodes) self.set(n.id, ((n.hitCount ?? 0) / hits) * total);
  }
  const merged = new Map<string, number>();
  let totalUs = 0;
  let idleUs = 0;
  for (const [id, us] of self) {
    const n = byId.get(id);
    if (!n) continue;
    const f = n.callFrame;
    const fn = f.functionName || '(anonymous)';
    const name = f.url ? `${fn} (${shortUrl(f.url)}:${f.lineNumber + 1})` : fn;
    merged.set(name, (merged.get(name) ?? 0) + us);
    totalUs += us;
    if (idleNames.has(fn) && !f.url) idleUs += us;
  }
  const busyUs = totalUs - idleUs;
  const entries = [...merged.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, us]) => ({
      name,
      selfMs: Math.round(us / 100) / 10,
      selfPct: totalUs > 0 ? Math.round((us / totalUs) * 1000) / 10 : 0,
      busyPct: busyUs > 0 && !idleNames.has(name) ? Math.round((us / busyUs) * 1000) / 10 : 0,
    }));
  return {
    file,
    label,
    totalMs: Math.round(totalUs / 1000),
    busyMs: Math.round(busyUs / 1000),
    top: entries,
  };
}

/** Read and summarise one .cpuprofile file. */
export function summariseProfileFile(path: string, label: string, top = 15): ProfileSummary {
  return summariseProfile(JSON.parse(readFileSync(path, 'utf8')) as CpuProfile, label, path, top);
}
