/**
 * Time for the group coordinator: the current time and one-shot timers, injected so tests
 * drive time by hand (ManualClock) and never sleep. The coordinator owns every timer it
 * starts and cancels them all in close().
 */

/** An opaque handle for a scheduled timer. */
export interface TimerHandle {
  readonly id: number;
}

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Run `fn` once after `delayMs` (0 or more). */
  setTimer(delayMs: number, fn: () => void): TimerHandle;
  /** Cancel a timer; cancelling one that already ran or was cancelled is a no-op. */
  clearTimer(handle: TimerHandle): void;
}

/** Node's setTimeout caps delays at 2^31-1 ms; longer ones are chained. */
const NODE_TIMER_DELAY_MS_MAX = 2_147_483_647;

/** Wall-clock time with Node timers; the timers are unref'd so they never hold the process open. */
export class SystemClock implements Clock {
  private nextId = 1;
  private readonly timers = new Map<number, NodeJS.Timeout>();

  now(): number {
    return Date.now();
  }

  setTimer(delayMs: number, fn: () => void): TimerHandle {
    const id = this.nextId++;
    const dueAt = Date.now() + Math.max(0, delayMs);
    const arm = (): void => {
      const left = Math.max(0, dueAt - Date.now());
      const t = setTimeout(
        () => {
          if (left > NODE_TIMER_DELAY_MS_MAX) return arm();
          this.timers.delete(id);
          fn();
        },
        Math.min(left, NODE_TIMER_DELAY_MS_MAX),
      );
      t.unref();
      this.timers.set(id, t);
    };
    arm();
    return { id };
  }

  clearTimer(handle: TimerHandle): void {
    const t = this.timers.get(handle.id);
    if (t) clearTimeout(t);
    this.timers.delete(handle.id);
  }
}

interface ManualTimer {
  id: number;
  dueAt: number;
  seq: number;
  fn: () => void;
}

/**
 * A clock that moves only when told to. advance(ms) runs every timer due on the way, in
 * due-time order (ties in scheduling order), with now() set to each timer's due time while it
 * runs; timers scheduled by a running timer run too if they fall due before the target.
 */
export class ManualClock implements Clock {
  private current: number;
  private nextId = 1;
  private seq = 0;
  private readonly timers = new Map<number, ManualTimer>();

  constructor(startMs = 1_700_000_000_000) {
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  setTimer(delayMs: number, fn: () => void): TimerHandle {
    const id = this.nextId++;
    this.timers.set(id, { id, dueAt: this.current + Math.max(0, delayMs), seq: this.seq++, fn });
    return { id };
  }

  clearTimer(handle: TimerHandle): void {
    this.timers.delete(handle.id);
  }

  /** Timers not yet run. */
  get pendingTimers(): number {
    return this.timers.size;
  }

  /** Move time forward by `ms`, running due timers in order. */
  advance(ms: number): void {
    const target = this.current + Math.max(0, ms);
    for (;;) {
      let next: ManualTimer | undefined;
      for (const t of this.timers.values()) {
        if (t.dueAt > target) continue;
        if (!next || t.dueAt < next.dueAt || (t.dueAt === next.dueAt && t.seq < next.seq)) next = t;
      }
      if (!next) break;
      this.timers.delete(next.id);
      this.current = Math.max(this.current, next.dueAt);
      next.fn();
    }
    this.current = target;
  }
}
