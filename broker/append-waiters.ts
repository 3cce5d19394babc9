/**
 * Fetch long-polling: a Fetch with nothing (or not enough) to return parks here, keyed by the
 * partitions it reads, and is woken by the next append to any of them — not by polling.
 * A parked fetch also ends when its max_wait_ms runs out or the broker shuts down.
 */

export interface Waiter {
  /** Called on each append of `bytes` to a watched partition; returns true when the waiter is finished. */
  onAppend(bytes: number): boolean;
  /** Called once, when the waiter leaves (woken, timed out, or shutdown). */
  finish(): void;
}

/** Upper bound on parked fetches; past it a fetch answers at once with what it has. */
export const parkedFetchesMax = 100_000;

interface Entry {
  waiter: Waiter;
  keys: string[];
  timer: NodeJS.Timeout;
  done: boolean;
}

export class AppendWaiters {
  private byKey = new Map<string, Set<Entry>>();
  private count = 0;

  static key(topic: string, partition: number): string {
    return `${topic}\u0000${partition}`;
  }

  /** Park `waiter` on `keys` for up to `timeoutMs`; returns false when the table is full. */
  park(keys: string[], timeoutMs: number, waiter: Waiter): boolean {
    if (this.count >= parkedFetchesMax) return false;
    const entry: Entry = {
      waiter,
      keys,
      done: false,
      timer: setTimeout(() => this.release(entry), timeoutMs),
    };
    this.count++;
    for (const k of keys) {
      let set = this.byKey.get(k);
      if (!set) {
        set = new Set();
        this.byKey.set(k, set);
      }
      set.add(entry);
    }
    return true;
  }

  /** An append happened on `key`: let every waiter on it look again. */
  notify(key: string, bytes: number): void {
    const set = this.byKey.get(key);
    if (!set) return;
    for (const entry of [...set]) {
      if (!entry.done && entry.waiter.onAppend(bytes)) this.release(entry);
    }
  }

  /** Wake everything (shutdown, or a topic deleted). */
  releaseAll(): void {
    for (const set of [...this.byKey.values()]) for (const e of [...set]) this.release(e);
  }

  get parked(): number {
    return this.count;
  }

  private release(entry: Entry): void {
    if (entry.done) return;
    entry.done = true;
    clearTimeout(entry.timer);
    this.count--;
    for (const k of entry.keys) {
      const set = this.byKey.get(k);
      if (!set) continue;
      set.delete(entry);
      if (set.size === 0) this.byKey.delete(k);
    }
    entry.waiter.finish();
  }
}
