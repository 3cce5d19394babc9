/**
 * A process's resident memory from /proc/<pid>/status (Linux): VmRSS now, VmHWM (the peak
 * since it started), and a sampler that keeps the highest VmRSS it saw while it ran.
 */
import { readFileSync } from 'node:fs';

/** How often the sampler reads /proc. */
const sampleIntervalMs = 100;

/** The kB value of a `/proc/<pid>/status` line such as "VmRSS:   123456 kB", in MiB; null when absent. */
export function statusMiB(status: string, field: 'VmRSS' | 'VmHWM'): number | null {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  return m ? Number(m[1]) / 1024 : null;
}

/** VmRSS and VmHWM of `pid` in MiB; nulls when the process is gone or /proc is missing. */
export function readRss(pid: number): { rssMiB: number | null; hwmMiB: number | null } {
  try {
    const s = readFileSync(`/proc/${pid}/status`, 'utf8');
    return { rssMiB: statusMiB(s, 'VmRSS'), hwmMiB: statusMiB(s, 'VmHWM') };
  } catch {
    return { rssMiB: null, hwmMiB: null };
  }
}

/** Samples VmRSS of `pid` until stopped; `stop()` gives the peak sample and the kernel's VmHWM. */
export class RssSampler {
  private peak = 0;
  private samples = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly pid: number) {
    this.sample();
    this.timer = setInterval(() => this.sample(), sampleIntervalMs);
    this.timer.unref();
  }

  private sample(): void {
    const { rssMiB } = readRss(this.pid);
    if (rssMiB !== null) {
      this.samples++;
      if (rssMiB > this.peak) this.peak = rssMiB;
    }
  }

  stop(): { peakRssMiB: number; hwmMiB: number | null; samples: number } {
    clearInterval(this.timer);
    this.sample();
    return {
      peakRssMiB: round1(this.peak),
      hwmMiB: nullableRound(readRss(this.pid).hwmMiB),
      samples: this.samples,
    };
  }
}

const round1 = (x: number) => Math.round(x * 10) / 10;
const nullableRound = (x: number | null) => (x === null ? null : round1(x));
