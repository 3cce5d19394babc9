/**
 * File-backed Raft storage in one directory:
 *
 *   hardstate  term and vote (and the commit index as of the last write), replaced atomically
 *              (temp file, fsync, rename, fsync dir) whenever term or vote changes;
 *   snapshot   the latest snapshot (index, term, data), replaced atomically;
 *   log        append-only records, each `[u32 length][u32 crc32c(payload)][payload]`, the payload
 *              a msgpack array `[index, term, type, data]`.
 *
 * When a snapshot exists the log begins with an *anchor* record at (snapshot.index,
 * snapshot.term); recovery keeps the records after the snapshot only if the log holds that
 * anchor, so a log left over from before a snapshot install (a crash between the two writes)
 * is discarded rather than stitched onto a different history.
 *
 * Recovery truncates a torn tail (a last record that is incomplete, or whose CRC fails and
 * which runs to the end of the file); a bad record followed by more data is corruption and
 * refuses to load (CORRUPT_RAFT_STATE). Appends are durable after `sync()` (fsync).
 *
 * The commit index is stored only along with term/vote changes: it is advisory (a restarted
 * node re-learns it from the leader), and writing it on every commit would cost two more
 * fsyncs per batch. Single-threaded; one instance per directory.
 */
import { join } from 'node:path';
import { Packr } from 'msgpackr';
import { crc32c } from '../../protocol/crc32c.js';
import { fsyncDir, writeFileAtomic } from '../../storage/checkpoint.js';
import { nodeFs, type StorageFs } from '../../storage/fs.js';
import { io, writeFully } from '../../storage/io.js';
import type { StorageLogger } from '../../storage/logger.js';
import { silentLogger } from '../../storage/logger.js';
import { RaftError } from './raft-errors.js';
import { ENTRY_DATA_BYTES_MAX, type RaftInitialState } from './raft-node.js';
import type { RaftStorage, RaftWrite } from './raft-storage.js';
import {
  type Entry,
  type EntryType,
  type HardState,
  SNAPSHOT_DATA_BYTES_MAX,
  type Snapshot,
} from './raft-types.js';

/**
 * Plain msgpack (no record extension: every frame stands alone, across processes and restarts);
 * binary fields are copied out of the read buffer so entries do not pin whole frames or files.
 */
const packer = new Packr({ useRecords: false, copyBuffers: true });

export const HARD_STATE_FILE = 'hardstate';
export const SNAPSHOT_FILE = 'snapshot';
export const LOG_FILE = 'log';
const LOG_TEMP_FILE = 'log.compacting';
/** Record header: u32 payload length, u32 CRC-32C of the payload. */
export const RECORD_HEADER_BYTES = 8;
/** Bound on one log record's payload (an entry's data plus its msgpack framing). */
export const LOG_RECORD_BYTES_MAX = ENTRY_DATA_BYTES_MAX + 1024;
/** Bound on the snapshot file's payload: the data plus its framing. */
const SNAPSHOT_FILE_BYTES_MAX = SNAPSHOT_DATA_BYTES_MAX + 1024;
const FILE_FORMAT_VERSION = 1;
const TYPE_CODES: Record<EntryType, number> = { data: 0, noop: 1 };
const TYPES: EntryType[] = ['data', 'noop'];

function corrupt(path: string, why: string): RaftError {
  return new RaftError(
    'CORRUPT_RAFT_STATE',
    `${path}: ${why}; the Raft state in this directory cannot be trusted — restore it from another voter (delete the directory to rejoin as an empty node only if a quorum of other voters holds the log)`,
  );
}

/** `[length][crc][payload]` for one payload. */
export function frame(payload: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(RECORD_HEADER_BYTES + payload.length);
  out.writeUInt32BE(payload.length, 0);
  out.writeUInt32BE(crc32c(payload), 4);
  out.set(payload, RECORD_HEADER_BYTES);
  return out;
}

function encodeEntry(e: Entry): Buffer {
  return frame(packer.pack([e.index, e.term, TYPE_CODES[e.type], e.data]));
}

function decodeEntry(payload: Uint8Array): Entry | undefined {
  let v: unknown;
  try {
    v = packer.unpack(payload);
  } catch {
    return undefined;
  }
  if (!Array.isArray(v) || v.length !== 4) return undefined;
  const [index, term, type, data] = v as unknown[];
  if (!Number.isSafeInteger(index) || (index as number) < 0) return undefined;
  if (!Number.isSafeInteger(term) || (term as number) < 0) return undefined;
  if (typeof type !== 'number' || TYPES[type] === undefined || !(data instanceof Uint8Array))
    return undefined;
  return { index: index as number, term: term as number, type: TYPES[type]!, data };
}

/** Read a whole framed single-record file (hardstate, snapshot); undefined when absent. */
function readFramedFile(fs: StorageFs, path: string, maxBytes: number): unknown {
  if (!fs.existsSync(path)) return undefined;
  const buf = io('read', path, () => fs.readFileSync(path));
  if (buf.length < RECORD_HEADER_BYTES) throw corrupt(path, `only ${buf.length} bytes`);
  const len = buf.readUInt32BE(0);
  if (len > maxBytes || len !== buf.length - RECORD_HEADER_BYTES) {
    throw corrupt(path, `record length ${len} does not match the file (${buf.length} bytes)`);
  }
  const payload = buf.subarray(RECORD_HEADER_BYTES);
  if (crc32c(payload) !== buf.readUInt32BE(4)) throw corrupt(path, 'CRC mismatch');
  try {
    return packer.unpack(payload);
  } catch (err) {
    throw corrupt(path, `undecodable: ${(err as Error).message}`);
  }
}

function isCount(v: unknown): v is number {
  return Number.isSafeInteger(v) && (v as number) >= 0;
}

export interface FileStorageOptions {
  fs?: StorageFs;
  logger?: StorageLogger;
}

/** Raft storage in a directory (see the file comment for the format). */
export class FileStorage implements RaftStorage {
  private readonly fs: StorageFs;
  private readonly logger: StorageLogger;
  private readonly logPath: string;
  private fd = -1;
  private initial: RaftInitialState | undefined;
  private hardState: HardState = { term: 0, vote: 0, commit: 0 };
  private snapIndex = 0;
  private snapTerm = 0;
  /** Index of the first record in the log file (the anchor when a snapshot exists). */
  private base = 1;
  /** offsets[i]: byte position of the record with index base + i. */
  private offsets: number[] = [];
  private fileBytes = 0;
  private dirty = false;

  private constructor(
    readonly dir: string,
    opts: FileStorageOptions,
  ) {
    this.fs = opts.fs ?? nodeFs;
    this.logger = opts.logger ?? silentLogger;
    this.logPath = join(dir, LOG_FILE);
  }

  /** Open (creating if needed) the Raft state in `dir`, recovering the log. */
  static open(dir: string, opts: FileStorageOptions = {}): FileStorage {
    const s = new FileStorage(dir, opts);
    s.recover();
    return s;
  }

  private lastIndex(): number {
    return this.base + this.offsets.length - 1;
  }

  private recover(): void {
    const fs = this.fs;
    io('mkdir', this.dir, () => fs.mkdirSync(this.dir));
    const tmp = join(this.dir, LOG_TEMP_FILE);
    if (fs.existsSync(tmp)) io('unlink', tmp, () => fs.unlinkSync(tmp)); // an unfinished compaction

    const hsPath = join(this.dir, HARD_STATE_FILE);
    const hs = readFramedFile(fs, hsPath, 1024) as {
      v?: unknown;
      term?: unknown;
      vote?: unknown;
      commit?: unknown;
    };
    if (hs !== undefined) {
      if (hs.v !== FILE_FORMAT_VERSION || !isCount(hs.term) || !isCount(hs.vote) || !isCount(hs.commit)) {
        throw corrupt(hsPath, `unexpected content ${JSON.stringify(hs)}`);
      }
      this.hardState = { term: hs.term, vote: hs.vote, commit: hs.commit };
    }
    const snapPath = join(this.dir, SNAPSHOT_FILE);
    const sn = readFramedFile(fs, snapPath, SNAPSHOT_FILE_BYTES_MAX) as
      | { v?: unknown; index?: unknown; term?: unknown; data?: unknown }
      | undefined;
    let snapshot: Snapshot | undefined;
    if (sn !== undefined) {
      if (
        sn.v !== FILE_FORMAT_VERSION ||
        !isCount(sn.index) ||
        !isCount(sn.term) ||
        !(sn.data instanceof Uint8Array)
      ) {
        throw corrupt(snapPath, 'unexpected content');
      }
      snapshot = { index: sn.index, term: sn.term, data: sn.data };
      this.snapIndex = sn.index;
      this.snapTerm = sn.term;
    }

    // Scan the log; `pos` ends at the end of the last good record.
    const buf = fs.existsSync(this.logPath)
      ? io('read', this.logPath, () => fs.readFileSync(this.logPath))
      : Buffer.alloc(0);
    const records: { entry: Entry; pos: number; end: number }[] = [];
    let pos = 0;
    const tornOrCorrupt = (why: string, end: number): void => {
      if (end >= buf.length || buf.subarray(pos).every((b) => b === 0)) {
        this.logger.warn({ path: this.logPath, position: pos, why }, 'raft log: truncating a torn tail');
      } else {
        throw corrupt(this.logPath, `${why} at byte ${pos}, with ${buf.length - end} bytes after it`);
      }
    };
    while (pos < buf.length) {
      if (buf.length - pos < RECORD_HEADER_BYTES) {
        tornOrCorrupt('incomplete record header', buf.length);
        break;
      }
      const len = buf.readUInt32BE(pos);
      if (len === 0 || len > LOG_RECORD_BYTES_MAX) {
        tornOrCorrupt(`record length ${len} out of range`, buf.length);
        break;
      }
      const end = pos + RECORD_HEADER_BYTES + len;
      if (end > buf.length) {
        tornOrCorrupt('incomplete record', end);
        break;
      }
      const payload = buf.subarray(pos + RECORD_HEADER_BYTES, end);
      const entry = crc32c(payload) === buf.readUInt32BE(pos + 4) ? decodeEntry(payload) : undefined;
      if (!entry) {
        tornOrCorrupt('CRC mismatch or undecodable record', end);
        break;
      }
      const prev = records[records.length - 1];
      if (prev && entry.index !== prev.entry.index + 1) {
        throw corrupt(
          this.logPath,
          `record at byte ${pos} has index ${entry.index} after ${prev.entry.index}`,
        );
      }
      records.push({ entry, pos, end });
      pos = end;
    }

    this.fd = io('open', this.logPath, () =>
      fs.openSync(this.logPath, fs.existsSync(this.logPath) ? 'r+' : 'w+'),
    );
    let kept = records;
    let needRewrite = false;
    if (snapshot) {
      const a = records.findIndex((r) => r.entry.index === snapshot.index);
      const anchored = a >= 0 && records[a]!.entry.term === snapshot.term;
      // Without the anchor the log is from before the snapshot was installed: drop it all.
      kept = anchored ? records.slice(a + 1) : [];
      needRewrite = !anchored || a !== 0;
    } else if (records.length > 0 && records[0]!.entry.index !== 1) {
      throw corrupt(this.logPath, `log starts at index ${records[0]!.entry.index} without a snapshot`);
    }
    if (needRewrite) {
      // Finish what a compaction or snapshot install left undone: anchor + the kept records.
      const from = kept.length > 0 ? kept[0]!.pos : 0;
      const to = kept.length > 0 ? kept[kept.length - 1]!.end : 0;
      this.rewriteLog(buf.subarray(from, to));
      const anchorBytes = this.anchorRecord().length;
      this.base = this.snapIndex;
      this.offsets = [0, ...kept.map((r) => r.pos - from + anchorBytes)];
      this.fileBytes = anchorBytes + (to - from);
    } else {
      this.base = records.length > 0 ? records[0]!.entry.index : 1;
      this.offsets = records.map((r) => r.pos);
      this.fileBytes = pos;
      if (pos < buf.length) {
        io('truncate', this.logPath, () => {
          fs.ftruncateSync(this.fd, pos);
          fs.fsyncSync(this.fd);
        });
      }
      if (snapshot) kept = records.slice(1);
    }
    const entries = kept.map((r) => r.entry);
    const last = this.snapIndex + entries.length;
    if (this.hardState.commit > last) this.hardState = { ...this.hardState, commit: last };
    this.initial = { hardState: { ...this.hardState }, snapshot, entries };
  }

  private anchorRecord(): Buffer {
    return encodeEntry({ index: this.snapIndex, term: this.snapTerm, type: 'noop', data: new Uint8Array(0) });
  }

  /** Replace the log file with the anchor followed by `tail` (whole records), durably. */
  private rewriteLog(tail: Uint8Array): void {
    const fs = this.fs;
    const tmp = join(this.dir, LOG_TEMP_FILE);
    const anchor = this.anchorRecord();
    io('compact-log', tmp, () => {
      const fd = fs.openSync(tmp, 'w');
      try {
        writeFully(fs, fd, tmp, anchor, 0, anchor.length, 0);
        writeFully(fs, fd, tmp, tail, 0, tail.length, anchor.length);
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      if (this.fd >= 0) fs.closeSync(this.fd);
      this.fd = -1;
      fs.renameSync(tmp, this.logPath);
    });
    fsyncDir(fs, this.dir);
    this.fd = io('open', this.logPath, () => fs.openSync(this.logPath, 'r+'));
    this.dirty = false;
  }

  load(): RaftInitialState {
    const init = this.initial;
    if (!init) throw new Error('FileStorage.load() may be called once, after open');
    this.initial = undefined;
    return init;
  }

  write(w: RaftWrite): void {
    if (w.snapshot) this.installSnapshot(w.snapshot);
    if (w.entries.length > 0) this.appendEntries(w.entries);
    if (w.hardState) {
      const hs = w.hardState;
      const changed = hs.term !== this.hardState.term || hs.vote !== this.hardState.vote;
      this.hardState = { ...hs };
      if (changed) this.writeHardState();
    }
  }

  private writeHardState(): void {
    const hs = this.hardState;
    writeFileAtomic(
      this.fs,
      join(this.dir, HARD_STATE_FILE),
      frame(packer.pack({ v: FILE_FORMAT_VERSION, term: hs.term, vote: hs.vote, commit: hs.commit })),
    );
  }

  private writeSnapshotFile(s: Snapshot): void {
    if (s.data.length > SNAPSHOT_DATA_BYTES_MAX) {
      throw new RaftError(
        'SNAPSHOT_TOO_LARGE',
        `snapshot of ${s.data.length} bytes is over the ${SNAPSHOT_DATA_BYTES_MAX}-byte limit`,
      );
    }
    writeFileAtomic(
      this.fs,
      join(this.dir, SNAPSHOT_FILE),
      frame(packer.pack({ v: FILE_FORMAT_VERSION, index: s.index, term: s.term, data: s.data })),
    );
    this.snapIndex = s.index;
    this.snapTerm = s.term;
  }

  private installSnapshot(s: Snapshot): void {
    this.writeSnapshotFile(s);
    this.rewriteLog(new Uint8Array(0));
    this.base = s.index;
    this.offsets = [0];
    this.fileBytes = this.anchorRecord().length;
  }

  private appendEntries(entries: readonly Entry[]): void {
    const first = entries[0]!.index;
    const last = this.lastIndex();
    if (first > last + 1 || first <= this.snapIndex || (this.snapIndex === 0 && first < 1)) {
      throw new Error(
        `append of entries from ${first} does not fit the stored log (${this.snapIndex}, ${last}]`,
      );
    }
    if (first <= last) {
      // A conflicting suffix: cut the file where entry `first` began.
      const at = this.offsets[first - this.base]!;
      io('truncate', this.logPath, () => this.fs.ftruncateSync(this.fd, at));
      this.offsets.length = first - this.base;
      this.fileBytes = at;
    }
    const bufs: Buffer[] = [];
    let pos = this.fileBytes;
    for (const e of entries) {
      const b = encodeEntry(e);
      if (b.length - RECORD_HEADER_BYTES > LOG_RECORD_BYTES_MAX) {
        throw new RaftError(
          'PROPOSAL_TOO_LARGE',
          `entry ${e.index} encodes to ${b.length} bytes, over ${LOG_RECORD_BYTES_MAX}`,
        );
      }
      this.offsets.push(pos);
      pos += b.length;
      bufs.push(b);
    }
    const all = Buffer.concat(bufs);
    writeFully(this.fs, this.fd, this.logPath, all, 0, all.length, this.fileBytes);
    this.fileBytes = pos;
    this.dirty = true;
  }

  sync(): void {
    if (!this.dirty) return;
    io('fsync', this.logPath, () => this.fs.fsyncSync(this.fd));
    this.dirty = false;
  }

  compact(snapshot: Snapshot): void {
    if (snapshot.index <= this.snapIndex) return;
    if (snapshot.index > this.lastIndex()) {
      throw new Error(`cannot compact at ${snapshot.index}: the stored log ends at ${this.lastIndex()}`);
    }
    this.sync();
    this.writeSnapshotFile(snapshot);
    const k = snapshot.index - this.base + 1;
    const tailStart = k < this.offsets.length ? this.offsets[k]! : this.fileBytes;
    const tailLen = this.fileBytes - tailStart;
    const tail = Buffer.allocUnsafe(tailLen);
    if (tailLen > 0) {
      io('read', this.logPath, () => {
        let off = 0;
        while (off < tailLen) {
          const n = this.fs.readSync(this.fd, tail, off, tailLen - off, tailStart + off);
          if (n <= 0) throw Object.assign(new Error('unexpected end of file'), { code: 'EIO' });
          off += n;
        }
      });
    }
    const oldOffsets = this.offsets.slice(k);
    this.rewriteLog(tail);
    const anchorBytes = this.anchorRecord().length;
    this.base = snapshot.index;
    this.offsets = [0, ...oldOffsets.map((o) => o - tailStart + anchorBytes)];
    this.fileBytes = anchorBytes + tailLen;
    // Record the commit index now and then (it is advisory; see the file comment).
    if (this.hardState.commit >= snapshot.index) this.writeHardState();
  }

  close(): void {
    if (this.fd >= 0) {
      io('close', this.logPath, () => this.fs.closeSync(this.fd));
      this.fd = -1;
    }
  }
}
