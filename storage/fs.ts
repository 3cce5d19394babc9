/**
 * The file-system facade storage uses. Production passes nodeFs (node:fs); tests wrap it with
 * faultyFs to inject ENOSPC, EIO, short writes and so on. Only the calls storage needs.
 */
import * as fs from 'node:fs';

export interface StorageFs {
  openSync(path: string, flags: string): number;
  closeSync(fd: number): void;
  readSync(fd: number, buf: Uint8Array, offset: number, length: number, position: number): number;
  writeSync(fd: number, buf: Uint8Array, offset: number, length: number, position: number): number;
  fsyncSync(fd: number): void;
  ftruncateSync(fd: number, length: number): void;
  fstatSync(fd: number): { size: number; mtimeMs: number };
  existsSync(path: string): boolean;
  readdirSync(path: string): string[];
  mkdirSync(path: string): void;
  renameSync(from: string, to: string): void;
  unlinkSync(path: string): void;
  rmSync(path: string): void;
  readFileSync(path: string): Buffer;
  /** Asynchronous positional read (used by recovery so partitions load in parallel). */
  read(fd: number, buf: Uint8Array, offset: number, length: number, position: number): Promise<number>;
}

export const nodeFs: StorageFs = {
  openSync: (p, flags) => fs.openSync(p, flags),
  closeSync: (fd) => fs.closeSync(fd),
  readSync: (fd, buf, off, len, pos) => fs.readSync(fd, buf, off, len, pos),
  writeSync: (fd, buf, off, len, pos) => fs.writeSync(fd, buf, off, len, pos),
  fsyncSync: (fd) => fs.fsyncSync(fd),
  ftruncateSync: (fd, len) => fs.ftruncateSync(fd, len),
  fstatSync: (fd) => fs.fstatSync(fd),
  existsSync: (p) => fs.existsSync(p),
  readdirSync: (p) => fs.readdirSync(p),
  mkdirSync: (p) => {
    fs.mkdirSync(p, { recursive: true });
  },
  renameSync: (a, b) => fs.renameSync(a, b),
  unlinkSync: (p) => fs.unlinkSync(p),
  rmSync: (p) => fs.rmSync(p, { recursive: true, force: true }),
  readFileSync: (p) => fs.readFileSync(p),
  read: (fd, buf, off, len, pos) =>
    new Promise((resolve, reject) => {
      fs.read(fd, buf, off, len, pos, (err, n) => (err ? reject(err) : resolve(n)));
    }),
};

export type FsOp = keyof StorageFs;

/** Decides, per call, whether to fail: return an errno string (e.g. 'ENOSPC') to fail, undefined to pass. */
export type FaultRule = (op: FsOp, path: string) => string | undefined;

export function fsError(errno: string, op: string, path: string): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new Error(`${errno}: injected fault, ${op} '${path}'`);
  err.code = errno;
  err.syscall = op;
  err.path = path;
  return err;
}

/**
 * Wrap a StorageFs so `rule` can fail any call. fd-based calls are matched by the path the fd
 * was opened with. `shortWriteBytes`, when the rule fails a writeSync, first writes that many
 * bytes (a partial write, as a filling disk does) and then throws.
 */
export function faultyFs(
  base: StorageFs,
  rule: FaultRule,
  opts: { shortWriteBytes?: number } = {},
): StorageFs {
  const paths = new Map<number, string>();
  const check = (op: FsOp, path: string): void => {
    const errno = rule(op, path);
    if (errno) throw fsError(errno, op, path);
  };
  const pathOf = (fd: number): string => paths.get(fd) ?? `fd:${fd}`;
  return {
    openSync: (p, flags) => {
      check('openSync', p);
      const fd = base.openSync(p, flags);
      paths.set(fd, p);
      return fd;
    },
    closeSync: (fd) => {
      paths.delete(fd);
      base.closeSync(fd);
    },
    readSync: (fd, b, o, l, pos) => {
      check('readSync', pathOf(fd));
      return base.readSync(fd, b, o, l, pos);
    },
    writeSync: (fd, b, o, l, pos) => {
      const errno = rule('writeSync', pathOf(fd));
      if (errno) {
        const n = Math.min(opts.shortWriteBytes ?? 0, l);
        if (n > 0) base.writeSync(fd, b, o, n, pos);
        throw fsError(errno, 'writeSync', pathOf(fd));
      }
      return base.writeSync(fd, b, o, l, pos);
    },
    fsyncSync: (fd) => {
      check('fsyncSync', pathOf(fd));
      base.fsyncSync(fd);
    },
    ftruncateSync: (fd, len) => {
      check('ftruncateSync', pathOf(fd));
      base.ftruncateSync(fd, len);
    },
    fstatSync: (fd) => {
      check('fstatSync', pathOf(fd));
      return base.fstatSync(fd);
    },
    existsSync: (p) => base.existsSync(p),
    readdirSync: (p) => {
      check('readdirSync', p);
      return base.readdirSync(p);
    },
    mkdirSync: (p) => {
      check('mkdirSync', p);
      base.mkdirSync(p);
    },
    renameSync: (a, b) => {
      check('renameSync', b);
      base.renameSync(a, b);
    },
    unlinkSync: (p) => {
      check('unlinkSync', p);
      base.unlinkSync(p);
    },
    rmSync: (p) => {
      check('rmSync', p);
      base.rmSync(p);
    },
    readFileSync: (p) => {
      check('readFileSync', p);
      return base.readFileSync(p);
    },
    read: async (fd, b, o, l, pos) => {
      check('read', pathOf(fd));
      return base.read(fd, b, o, l, pos);
    },
  };
}
