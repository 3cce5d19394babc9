/** LogSegments (LogSegments.java): the segments of one partition, sorted by base offset. */
import type { LogSegment } from './segment.js';

export class LogSegments {
  private list: LogSegment[] = [];

  get all(): readonly LogSegment[] {
    return this.list;
  }

  get count(): number {
    return this.list.length;
  }

  get first(): LogSegment | undefined {
    return this.list[0];
  }

  get last(): LogSegment | undefined {
    return this.list[this.list.length - 1];
  }

  at(i: number): LogSegment | undefined {
    return this.list[i];
  }

  /** Add a segment whose base offset is larger than every existing one. */
  push(seg: LogSegment): void {
    const last = this.last;
    if (last && seg.baseOffset <= last.baseOffset) {
      throw new Error(`segment ${seg.baseOffset} added after ${last.baseOffset} (programming error)`);
    }
    this.list.push(seg);
  }

  /** Index of the segment with the greatest base offset <= offset (-1 when none). */
  floorIndex(offset: number): number {
    let lo = 0;
    let hi = this.list.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.list[mid]!.baseOffset <= offset) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }

  /** Base offset of the segment after index i, or undefined for the last one. */
  nextBaseOffset(i: number): number | undefined {
    return this.list[i + 1]?.baseOffset;
  }

  /** Remove and return the first n segments. */
  shift(n: number): LogSegment[] {
    return this.list.splice(0, n);
  }

  /** Remove and return the segments from index i on. */
  removeFrom(i: number): LogSegment[] {
    return this.list.splice(i);
  }

  get sizeBytes(): number {
    let n = 0;
    for (const s of this.list) n += s.size;
    return n;
  }
}
