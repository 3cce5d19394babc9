/**
 * .timeindex (TimeIndex.java): timestamp int64 + relative offset int32 (12 bytes), appended
 * only when the segment's max timestamp grows. The last slot is reserved for the final entry
 * written when the segment stops being active, so the last entry holds the segment's max.
 */
import { NO_TIMESTAMP } from '../protocol/record-batch.js';
import { INT32_MAX, IndexFile } from './index-file.js';

export const TIME_INDEX_ENTRY_BYTES = 12;
const TWO_32 = 2 ** 32;

export class TimeIndex extends IndexFile {
  constructor(
    fs: ConstructorParameters<typeof IndexFile>[0],
    path: string,
    baseOffset: number,
    maxIndexBytes: number,
  ) {
    super(fs, path, baseOffset, maxIndexBytes, TIME_INDEX_ENTRY_BYTES);
  }

  /** One slot stays free for the entry appended when the segment becomes inactive. */
  get isFull(): boolean {
    return this.entries >= this.maxEntries - 1;
  }

  timestampAt(i: number): number {
    const at = i * TIME_INDEX_ENTRY_BYTES;
    return this.view.getInt32(at) * TWO_32 + this.view.getUint32(at + 4);
  }

  offsetAt(i: number): number {
    return this.baseOffset + this.view.getInt32(i * TIME_INDEX_ENTRY_BYTES + 8);
  }

  get lastEntry(): { timestamp: number; offset: number } {
    const n = this.entries;
    if (n === 0) return { timestamp: NO_TIMESTAMP, offset: this.baseOffset };
    return { timestamp: this.timestampAt(n - 1), offset: this.offsetAt(n - 1) };
  }

  /** Append (timestamp, offset) when the timestamp is larger than the last entry's. */
  maybeAppend(timestamp: number, offset: number, skipFullCheck = false): void {
    const n = this.entries;
    if (n >= this.maxEntries || (!skipFullCheck && this.isFull)) return;
    if (!Number.isSafeInteger(timestamp)) return;
    const rel = offset - this.baseOffset;
    if (rel < 0 || rel > INT32_MAX) return;
    if (n > 0 && (timestamp <= this.timestampAt(n - 1) || offset < this.offsetAt(n - 1))) return;
    if (n === 0 && timestamp <= NO_TIMESTAMP) return;
    const at = this.appendSlot();
    const hi = Math.floor(timestamp / TWO_32);
    this.view.setInt32(at, hi);
    this.view.setUint32(at + 4, timestamp - hi * TWO_32);
    this.view.setInt32(at + 8, rel);
  }

  /** Offset of the greatest entry with timestamp <= target (base offset when none). */
  lookup(target: number): number {
    const found = this.floorEntry((i) => this.timestampAt(i), target);
    return found < 0 ? this.baseOffset : this.offsetAt(found);
  }

  /** Remove entries with offset >= `offset`. */
  truncateTo(offset: number): void {
    this.truncateWhile((i) => this.offsetAt(i) >= offset);
  }

  protected sane(): boolean {
    let prevTs = Number.NEGATIVE_INFINITY;
    let prevOff = -1;
    for (let i = 0; i < this.count; i++) {
      const ts = this.timestampAt(i);
      const off = this.offsetAt(i);
      if (ts <= prevTs || off < prevOff || off < this.baseOffset) return false;
      prevTs = ts;
      prevOff = off;
    }
    return true;
  }
}
