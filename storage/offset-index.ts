/**
 * .index (OffsetIndex.java): sparse map from offset to .log file position. Entry = relative
 * offset int32 + position int32 (8 bytes). Following Kafka, an entry names a batch's last
 * offset and that batch's position; lookup(target) gives the greatest entry <= target, from
 * where the log is scanned forward.
 */
import { INT32_MAX, IndexFile } from './index-file.js';

export const OFFSET_INDEX_ENTRY_BYTES = 8;

export class OffsetIndex extends IndexFile {
  constructor(
    fs: ConstructorParameters<typeof IndexFile>[0],
    path: string,
    baseOffset: number,
    maxIndexBytes: number,
  ) {
    super(fs, path, baseOffset, maxIndexBytes, OFFSET_INDEX_ENTRY_BYTES);
  }

  get isFull(): boolean {
    return this.entries >= this.maxEntries;
  }

  relOffsetAt(i: number): number {
    return this.view.getInt32(i * OFFSET_INDEX_ENTRY_BYTES);
  }

  positionAt(i: number): number {
    return this.view.getInt32(i * OFFSET_INDEX_ENTRY_BYTES + 4);
  }

  /** Offset of the last entry, or the base offset when empty. */
  get lastOffset(): number {
    const n = this.entries;
    return n === 0 ? this.baseOffset : this.baseOffset + this.relOffsetAt(n - 1);
  }

  get lastPosition(): number {
    const n = this.entries;
    return n === 0 ? 0 : this.positionAt(n - 1);
  }

  /** Add (offset, position); ignored unless offset and position grow (Kafka raises; we keep the index sane). */
  append(offset: number, position: number): void {
    const n = this.entries;
    if (n >= this.maxEntries) return;
    const rel = offset - this.baseOffset;
    if (rel < 0 || rel > INT32_MAX || position > INT32_MAX) return;
    if (n > 0 && (rel <= this.relOffsetAt(n - 1) || position <= this.positionAt(n - 1))) return;
    const at = this.appendSlot();
    this.view.setInt32(at, rel);
    this.view.setInt32(at + 4, position);
  }

  /** Greatest entry with offset <= target; { baseOffset, 0 } when there is none. */
  lookup(target: number): { offset: number; position: number } {
    const found = this.floorEntry((i) => this.relOffsetAt(i), target - this.baseOffset);
    if (found < 0) return { offset: this.baseOffset, position: 0 };
    return { offset: this.baseOffset + this.relOffsetAt(found), position: this.positionAt(found) };
  }

  /** Remove entries with offset >= `offset`. */
  truncateTo(offset: number): void {
    const rel = offset - this.baseOffset;
    this.truncateWhile((i) => this.relOffsetAt(i) >= rel);
  }

  /** Remove entries pointing at or past `position` in the log. */
  truncateToPosition(position: number): void {
    this.truncateWhile((i) => this.positionAt(i) >= position);
  }

  protected sane(logSizeBytes: number): boolean {
    let prevRel = -1;
    let prevPos = -1;
    for (let i = 0; i < this.count; i++) {
      const rel = this.relOffsetAt(i);
      const pos = this.positionAt(i);
      if (rel <= prevRel || pos <= prevPos || pos < 0 || pos >= logSizeBytes) return false;
      prevRel = rel;
      prevPos = pos;
    }
    return true;
  }
}
