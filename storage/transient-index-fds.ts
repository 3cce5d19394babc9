/**
 * A StorageFs in which index files (`.index`, `.timeindex`) hold no file descriptor between
 * calls: opening one returns a handle, and each call on the handle opens the file, does its
 * work and closes it again. An active segment then costs one descriptor (its `.log`) instead
 * of three, so 10,000 partitions fit a 20,000-descriptor limit.
 *
 * Index files are written only in bulk (flush, roll, close — see index-file.ts) and read whole
 * with readFileSync, so the extra open/close is paid a few times per segment, not per append.
 * Every write is positional, so no file offset is lost between calls; fsync through a fresh
 * descriptor flushes what earlier ones wrote (it syncs the file, not the descriptor).
 *
 * A handle opened with a creating or truncating flag ('w', 'w+') does that once, at open;
 * later calls use 'r+'. Handles are negative numbers, never valid descriptors.
 */
import type { StorageFs } from './fs.js';

const indexSuffixes = ['.index', '.timeindex'];

/** Whether `path` names an offset or time index file. */
export function isIndexFile(path: string): boolean {
  return indexSuffixes.some((s) => path.endsWith(s));
}

/** Wrap `base` so index files are opened per call instead of held open. */
export function transientIndexFds(base: StorageFs): StorageFs {
  const handles = new Map<number, string>();
  let nextHandle = -2;
  const pathOf = (fd: number): string => {
    const p = handles.get(fd);
    if (p === undefined) {
      const err: NodeJS.ErrnoException = new Error(`EBADF: bad file descriptor (index handle ${fd})`);
      err.code = 'EBADF';
      throw err;
    }
    return p;
  };
  /** Run `fn` on a descriptor of the handle's file, opened for this call only. */
  const withFd = <T>(handle: number, flags: string, fn: (fd: number) => T): T => {
    const fd = base.openSync(pathOf(handle), flags);
    try {
      return fn(fd);
    } finally {
      base.closeSync(fd);
    }
  };
  return {
    existsSync: (p) => base.existsSync(p),
    readdirSync: (p) => base.readdirSync(p),
    mkdirSync: (p) => base.mkdirSync(p),
    renameSync: (a, b) => base.renameSync(a, b),
    unlinkSync: (p) => base.unlinkSync(p),
    rmSync: (p) => base.rmSync(p),
    readFileSync: (p) => base.readFileSync(p),
    openSync: (path, flags) => {
      if (!isIndexFile(path)) return base.openSync(path, flags);
      // Create / truncate / check existence now, as a held descriptor would have.
      base.closeSync(base.openSync(path, flags));
      const handle = nextHandle--;
      handles.set(handle, path);
      return handle;
    },
    closeSync: (fd) => {
      if (fd >= 0) return base.closeSync(fd);
      pathOf(fd);
      handles.delete(fd);
    },
    readSync: (fd, buf, off, len, pos) =>
      fd >= 0
        ? base.readSync(fd, buf, off, len, pos)
        : withFd(fd, 'r', (f) => base.readSync(f, buf, off, len, pos)),
    writeSync: (fd, buf, off, len, pos) =>
      fd >= 0
        ? base.writeSync(fd, buf, off, len, pos)
        : withFd(fd, 'r+', (f) => base.writeSync(f, buf, off, len, pos)),
    fsyncSync: (fd) => (fd >= 0 ? base.fsyncSync(fd) : withFd(fd, 'r+', (f) => base.fsyncSync(f))),
    ftruncateSync: (fd, len) =>
      fd >= 0 ? base.ftruncateSync(fd, len) : withFd(fd, 'r+', (f) => base.ftruncateSync(f, len)),
    fstatSync: (fd) => (fd >= 0 ? base.fstatSync(fd) : withFd(fd, 'r', (f) => base.fstatSync(f))),
    read: async (fd, buf, off, len, pos) => {
      if (fd >= 0) return base.read(fd, buf, off, len, pos);
      const f = base.openSync(pathOf(fd), 'r');
      try {
        return await base.read(f, buf, off, len, pos);
      } finally {
        base.closeSync(f);
      }
    },
  };
}
