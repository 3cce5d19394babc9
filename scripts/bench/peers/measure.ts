/**
 * What every peer measures the same way: the fixed payload, the throughput figures, a bound on
 * requests in flight, and the version of the npm client that drove the server.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Throughput } from './types.js';

/**
 * `bytes` of random-looking but fixed payload (a xorshift32 stream from a fixed seed), so
 * every peer and every run sends the same bytes and nothing compresses them trivially.
 */
export function fixedPayload(bytes: number): Buffer {
  if (!Number.isInteger(bytes) || bytes < 0)
    throw new Error(`payload size must be a whole number ≥ 0, got ${bytes}`);
  const out = Buffer.allocUnsafe(bytes);
  let x = 0x9e3779b9;
  for (let i = 0; i < bytes; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** Throughput of `records` records of `recordBytes` payload bytes each in `seconds`. */
export function throughput(records: number, recordBytes: number, seconds: number): Throughput {
  const bytes = records * recordBytes;
  return {
    records,
    bytes,
    seconds: Math.round(seconds * 1e4) / 1e4,
    recordsPerSec: seconds > 0 ? Math.round(records / seconds) : 0,
    mbPerSec: seconds > 0 ? Math.round((bytes / seconds / 1e6) * 100) / 100 : 0,
  };
}

/** Seconds elapsed since a `process.hrtime.bigint()` reading. */
export const secondsSince = (start: bigint): number => Number(process.hrtime.bigint() - start) / 1e9;

/**
 * At most `limit` operations in flight: `acquire` resolves when a slot is free, `release`
 * frees one, `drained` resolves when none is left. The first failure passed to `fail` makes
 * every later `acquire` and `drained` reject with it.
 */
export class InFlightWindow {
  #inFlight = 0;
  #waiters: Array<() => void> = [];
  #error: Error | undefined;

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1)
      throw new Error(`window limit must be a whole number ≥ 1, got ${limit}`);
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  async acquire(): Promise<void> {
    while (this.#inFlight >= this.limit && this.#error === undefined) {
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
    if (this.#error) throw this.#error;
    this.#inFlight++;
  }

  release(count = 1): void {
    if (count > this.#inFlight) throw new Error(`released ${count} with only ${this.#inFlight} in flight`);
    this.#inFlight -= count;
    this.#wake();
  }

  fail(error: Error): void {
    this.#error ??= error;
    this.#wake();
  }

  async drained(): Promise<void> {
    while (this.#inFlight > 0 && this.#error === undefined) {
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
    if (this.#error) throw this.#error;
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }
}

/** "name@version" of an installed npm package, or undefined when it is not installed. */
export function installedPackage(name: string): string | undefined {
  try {
    const require = createRequire(import.meta.url);
    // The package's own package.json, found beside its main entry (not every package exports it).
    let dir = require.resolve(name);
    for (;;) {
      const parent = dir.slice(0, dir.lastIndexOf('/'));
      if (parent === dir || parent === '') return undefined;
      dir = parent;
      try {
        const pkg = JSON.parse(readFileSync(`${dir}/package.json`, 'utf8')) as {
          name?: string;
          version?: string;
        };
        if (pkg.name === name) return `${name}@${pkg.version}`;
      } catch {
        // keep climbing
      }
    }
  } catch {
    return undefined;
  }
}

/** An error's message, whatever was thrown. */
export const errorMessage = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** How long closing a client may take before the run moves on to stopping the server. */
export const clientCloseMsMax = 10_000;

/** Wait for `promise` (a client's close) at most `ms`; never rejects, so cleanup always goes on. */
export async function settleWithin(promise: Promise<unknown>, ms = clientCloseMsMax): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    promise.catch(() => undefined),
    new Promise((resolve) => {
      timer = setTimeout(resolve, ms);
    }),
  ]);
  clearTimeout(timer);
}

/**
 * The executables and the npm client a peer needs. When one is missing, `result.reason` says
 * what to install (the peer is then reported unavailable) and undefined is returned.
 */
export function locatePeer(
  result: { reason?: string; client?: string },
  need: { executables: string[]; debianPackage: string; npmClient: string; path?: string },
  find: (name: string, path?: string) => string | undefined,
): string[] | undefined {
  const found = need.executables.map((name) => find(name, need.path));
  const missing = need.executables.filter((_, i) => !found[i]);
  if (missing.length > 0) {
    result.reason = `${missing.join(', ')} not found: install the Debian package ${need.debianPackage} (scripts/bench/install-peers.sh)`;
    return undefined;
  }
  const client = installedPackage(need.npmClient);
  if (!client) {
    result.reason = `the npm client "${need.npmClient}" is not installed: run npm install (it is a devDependency)`;
    return undefined;
  }
  result.client = client;
  return found as string[];
}
