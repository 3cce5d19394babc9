/**
 * A consumer loop that waits on a server can wait forever if records went missing. The guard
 * watches a progress counter and, when it stops moving for `stallMsMax`, ends the loop through
 * the callback it was started with, so the run reports how far it got instead of hanging.
 */

/** How long a consumer may see no new record before the run is declared stuck. */
export const stallMsMax = 30_000;
/** How often the guard looks at the counter. */
const checkIntervalMs = 1000;

export class StallGuard {
  #timer: NodeJS.Timeout | undefined;
  #stalled = false;

  constructor(
    readonly what: string,
    readonly progress: () => number,
    readonly limitMs = stallMsMax,
  ) {}

  /** Start watching; `onStall` runs once, when no progress was seen for `limitMs`. */
  start(onStall: () => void): void {
    let last = this.progress();
    let lastChange = Date.now();
    this.#timer = setInterval(() => {
      const now = this.progress();
      if (now !== last) {
        last = now;
        lastChange = Date.now();
      } else if (Date.now() - lastChange > this.limitMs) {
        this.#stalled = true;
        this.stop();
        onStall();
      }
    }, checkIntervalMs);
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  get stalled(): boolean {
    return this.#stalled;
  }

  /** Throws a clear error unless exactly `expected` records arrived. */
  assertCount(count: number, expected: number): void {
    if (count === expected) return;
    const why = this.#stalled ? `no new record for ${this.limitMs / 1000} s` : 'the stream ended early';
    throw new Error(`${this.what}: read ${count} of ${expected} records (${why})`);
  }
}
