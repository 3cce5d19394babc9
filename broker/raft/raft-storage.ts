/**
 * Stable storage for a Raft node: the interface, and an in-memory implementation that models a
 * disk with a page cache (what was written but not synced is lost by `crash()`), used by the
 * simulation. The file-backed implementation is in raft-file-storage.ts.
 *
 * Contract for `write` (one Ready's worth), in this order:
 *   - `snapshot`: replaces the whole log (every stored entry is dropped) and the snapshot;
 *   - `entries`: contiguous; the first may be at or below the stored last index, in which case
 *     the stored log is truncated from there first (a conflicting suffix) — it is never above
 *     last index + 1;
 *   - `hardState`: replaces the stored hard state.
 * Writes are durable only after `sync()` returns. `compact` is durable when it returns.
 * Single-threaded.
 */
import type { RaftInitialState } from './raft-node.js';
import type { Entry, HardState, Snapshot } from './raft-types.js';

/** One Ready's worth of state to store. */
export interface RaftWrite {
  hardState?: HardState | undefined;
  snapshot?: Snapshot | undefined;
  entries: readonly Entry[];
}

export interface RaftStorage {
  /** The durable state found at open: hard state, latest snapshot and the log after it. */
  load(): RaftInitialState;
  /** Store a Ready's state (not yet durable). */
  write(w: RaftWrite): void;
  /** Make everything written durable. */
  sync(): void;
  /** Durably store `snapshot` and drop the log entries it covers (index <= snapshot.index). */
  compact(snapshot: Snapshot): void;
  close(): void;
}

const EMPTY_HARD_STATE: HardState = { term: 0, vote: 0, commit: 0 };

interface MemoryState {
  hardState: HardState;
  snapshot: Snapshot | undefined;
  entries: Entry[];
}

/** Apply a write to a state, following the contract above; throws on a gap in the log. */
function applyWrite(s: MemoryState, w: RaftWrite): void {
  if (w.snapshot) {
    s.snapshot = w.snapshot;
    s.entries = [];
  }
  if (w.entries.length > 0) {
    const offset = s.snapshot?.index ?? 0;
    const first = w.entries[0]!.index;
    const last = offset + s.entries.length;
    if (first > last + 1 || first <= offset) {
      throw new Error(`write of entries from ${first} does not fit a log of (${offset}, ${last}]`);
    }
    s.entries.length = first - offset - 1;
    for (const e of w.entries) s.entries.push(e);
  }
  if (w.hardState) s.hardState = w.hardState;
}

function compactState(s: MemoryState, snapshot: Snapshot): void {
  const offset = s.snapshot?.index ?? 0;
  if (snapshot.index <= offset) return;
  s.entries = s.entries.slice(Math.min(snapshot.index - offset, s.entries.length));
  s.snapshot = snapshot;
}

function copy(s: MemoryState): MemoryState {
  return { hardState: { ...s.hardState }, snapshot: s.snapshot, entries: s.entries.slice() };
}

/**
 * In-memory storage with durability modelled: `write` goes to a "page cache", `sync` makes it
 * durable, `crash` throws the page cache away (as power loss does). Entries and snapshots are
 * shared by reference and must not be mutated.
 */
export class MemoryStorage implements RaftStorage {
  private durable: MemoryState = { hardState: { ...EMPTY_HARD_STATE }, snapshot: undefined, entries: [] };
  private cache: MemoryState = copy(this.durable);
  private dirty = false;

  load(): RaftInitialState {
    const s = copy(this.durable);
    return { hardState: s.hardState, snapshot: s.snapshot, entries: s.entries };
  }

  write(w: RaftWrite): void {
    applyWrite(this.cache, w);
    this.dirty = true;
  }

  sync(): void {
    if (!this.dirty) return;
    this.durable = copy(this.cache);
    this.dirty = false;
  }

  compact(snapshot: Snapshot): void {
    compactState(this.cache, snapshot);
    compactState(this.durable, snapshot);
  }

  /** Lose everything written since the last sync. */
  crash(): void {
    this.cache = copy(this.durable);
    this.dirty = false;
  }

  close(): void {}

  /** The durable state, for tests and fault injection (e.g. a disk that forgets the vote). */
  durableState(): { hardState: HardState; snapshot: Snapshot | undefined; entries: readonly Entry[] } {
    return this.durable;
  }

  /** Replace the durable hard state (fault injection in tests only). */
  overwriteDurableHardState(hs: HardState): void {
    this.durable.hardState = { ...hs };
    this.cache.hardState = { ...hs };
  }
}
