/**
 * The common part of .index and .timeindex: fixed-size big-endian entries, kept in memory
 * (loaded lazily from the file). While the segment is active the file is preallocated and new
 * entries reach it in bulk on flush, roll and close (as Kafka's mmap'd indexes reach the disk
 * when the OS writes them back): an index costs no system call per append. Files carry no
 * checksum; after a crash (no clean-shutdown marker) the active ones are rebuilt from the log.
 * Not thread-safe: owned by one LogSegment.
 */
import type { StorageFs } from './fs.js';
import { io, writeFully } from './io.js';

const INITIAL_CAPACITY_ENTRIES = 64;

/** Largest relative offset and file position an index entry (int32) can hold. */
export const INT32_MAX = 2 ** 31 - 1;

export abstract class IndexFile {
  protected mem: Buffer;
  /** A big-endian view over `mem` (entries are read and written through it: no bounds-check calls). */
  protected view: DataView;
  protected count = 0;
  /** Entries [written, count) are in memory only (not yet written to the open file). */
  private written = 0;
  private loaded = false;
  private fd: number | undefined;
  /** The most entries this index may hold (segment.index.bytes / entry size). */
  readonly maxEntries: number;

  constructor(
    protected readonly fs: StorageFs,
    readonly path: string,
    readonly baseOffset: number,
    maxIndexBytes: number,
    readonly entrySize: number,
  ) {
    this.maxEntries = Math.max(1, Math.floor(maxIndexBytes / entrySize));
    this.mem = Buffer.alloc(0);
    this.view = new DataView(this.mem.buffer, this.mem.byteOffset, 0);
  }

  private setMem(mem: Buffer): void {
    this.mem = mem;
    this.view = new DataView(mem.buffer, mem.byteOffset, mem.length);
  }

  get entries(): number {
    this.ensureLoaded();
    return this.count;
  }

  get isWritable(): boolean {
    return this.fd !== undefined;
  }

  /** Entry-level checks after loading a file (ordering, ranges); false means "rebuild me". */
  protected abstract sane(logSizeBytes: number): boolean;

  /** Load the file (lazily). Returns false when it is missing or fails its sanity check. */
  tryLoad(logSizeBytes: number): boolean {
    if (this.loaded) return true;
    if (!this.fs.existsSync(this.path)) return false;
    const data = io('read-index', this.path, () => this.fs.readFileSync(this.path));
    if (data.length % this.entrySize !== 0) return false;
    this.setMem(data);
    this.count = data.length / this.entrySize;
    this.loaded = true;
    if (this.count > this.maxEntries || !this.sane(logSizeBytes)) {
      this.reset();
      this.loaded = false;
      return false;
    }
    return true;
  }

  /** Callers that need entries must have called tryLoad or reset first. */
  protected ensureLoaded(): void {
    if (!this.loaded) throw new Error(`index ${this.path} used before it was loaded (programming error)`);
  }

  /** Forget every entry (before a rebuild). The file is rewritten by later appends. */
  reset(): void {
    this.setMem(Buffer.alloc(0));
    this.count = 0;
    this.written = 0;
    this.loaded = true;
  }

  /** Open the file for appending, preallocated to maxEntries (create it when missing). */
  openForAppend(): void {
    if (this.fd !== undefined) return;
    const fd = io('open-index', this.path, () =>
      this.fs.openSync(this.path, this.fs.existsSync(this.path) ? 'r+' : 'w+'),
    );
    this.fd = fd;
    io('preallocate-index', this.path, () => this.fs.ftruncateSync(fd, this.maxEntries * this.entrySize));
    // What is in memory is written at the next flush so the file matches it.
    this.written = 0;
  }

  /** Write the entries that are only in memory to the open file. */
  writePending(): void {
    const fd = this.fd;
    if (fd === undefined || this.written >= this.count) return;
    const from = this.written * this.entrySize;
    writeFully(this.fs, fd, this.path, this.mem, from, this.count * this.entrySize, from);
    this.written = this.count;
  }

  /** Make room for one more entry in memory; returns its byte position in `mem` (the caller fills it). */
  protected appendSlot(): number {
    this.ensureLoaded();
    const need = (this.count + 1) * this.entrySize;
    if (need > this.mem.length) {
      const cap = Math.min(
        this.maxEntries + 1,
        Math.max(INITIAL_CAPACITY_ENTRIES, Math.ceil(this.mem.length / this.entrySize) * 2),
      );
      const grown = Buffer.alloc(cap * this.entrySize);
      this.mem.copy(grown, 0, 0, this.count * this.entrySize);
      this.setMem(grown);
    }
    return this.count++ * this.entrySize;
  }

  /** Index of the last entry whose key is <= target, or -1 when none is (keys ascend). */
  protected floorEntry(keyAt: (i: number) => number, target: number): number {
    let lo = 0;
    let hi = this.entries - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (keyAt(mid) <= target) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }

  /** Remove trailing entries while `drop(i)` holds for the last one. */
  protected truncateWhile(drop: (i: number) => boolean): void {
    let n = this.entries;
    while (n > 0 && drop(n - 1)) n--;
    this.truncateToEntries(n);
  }

  protected truncateToEntries(n: number): void {
    if (n >= this.count) return;
    this.count = n;
    this.written = Math.min(this.written, n);
    if (this.fd === undefined && this.fs.existsSync(this.path)) {
      io('truncate-index', this.path, () => {
        const fd = this.fs.openSync(this.path, 'r+');
        try {
          this.fs.ftruncateSync(fd, n * this.entrySize);
        } finally {
          this.fs.closeSync(fd);
        }
      });
    }
  }

  /** Trim the preallocated file to its entries, fsync it and close it (roll / close). */
  trimAndClose(): void {
    const fd = this.fd;
    if (fd === undefined) return;
    this.writePending();
    this.fd = undefined;
    io('trim-index', this.path, () => {
      try {
        this.fs.ftruncateSync(fd, this.count * this.entrySize);
        this.fs.fsyncSync(fd);
      } finally {
        this.fs.closeSync(fd);
      }
    });
  }

  /** Write a complete, trimmed file from memory (after rebuilding an inactive segment's index). */
  writeWhole(): void {
    this.ensureLoaded();
    if (this.fd !== undefined) {
      this.written = 0;
      this.writePending();
      return;
    }
    io('write-index', this.path, () => {
      const fd = this.fs.openSync(this.path, 'w');
      try {
        writeFully(this.fs, fd, this.path, this.mem, 0, this.count * this.entrySize, 0);
        this.fs.fsyncSync(fd);
      } finally {
        this.fs.closeSync(fd);
      }
    });
  }

  flush(): void {
    const fd = this.fd;
    if (fd === undefined) return;
    this.writePending();
    io('fsync-index', this.path, () => this.fs.fsyncSync(fd));
  }

  /** Close without trimming (used when the partition goes offline or is deleted). */
  closeQuietly(): void {
    const fd = this.fd;
    this.fd = undefined;
    if (fd !== undefined) {
      try {
        this.fs.closeSync(fd);
      } catch {
        // already failing; nothing more to do
      }
    }
  }

  delete(): void {
    this.closeQuietly();
    if (this.fs.existsSync(this.path)) io('delete-index', this.path, () => this.fs.unlinkSync(this.path));
  }
}
