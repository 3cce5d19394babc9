/** Small helpers that turn file-system exceptions into StorageIoError and write fully. */
import { StorageError, StorageIoError } from './errors.js';
import type { StorageFs } from './fs.js';

/** Run `fn`; rethrow any non-storage error as StorageIoError(op, path). */
export function io<T>(op: string, path: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw asStorageError(op, path, err);
  }
}

/** A file-system failure as a typed StorageError (storage's own errors pass through). */
function asStorageError(op: string, path: string, err: unknown): StorageError {
  return err instanceof StorageError ? err : new StorageIoError(op, path, err);
}

export async function ioAsync<T>(op: string, path: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw asStorageError(op, path, err);
  }
}

/** Write all of buf[start, end) at `position`, looping over short writes. */
export function writeFully(
  fs: StorageFs,
  fd: number,
  path: string,
  buf: Uint8Array,
  start: number,
  end: number,
  position: number,
): void {
  // A plain try/catch rather than io(): this runs on every append, without a closure.
  try {
    let off = start;
    let pos = position;
    while (off < end) {
      const n = fs.writeSync(fd, buf, off, end - off, pos);
      if (n <= 0) throw Object.assign(new Error('write returned 0 bytes'), { code: 'EIO' });
      off += n;
      pos += n;
    }
  } catch (err) {
    throw asStorageError('write', path, err);
  }
}

/** Read up to `length` bytes at `position` into buf[offset..], looping over short reads; returns bytes read. */
export function readFully(
  fs: StorageFs,
  fd: number,
  path: string,
  buf: Uint8Array,
  offset: number,
  length: number,
  position: number,
): number {
  // A plain try/catch rather than io(): this runs on every fetch read, without a closure.
  try {
    let got = 0;
    while (got < length) {
      const n = fs.readSync(fd, buf, offset + got, length - got, position + got);
      if (n <= 0) break;
      got += n;
    }
    return got;
  } catch (err) {
    throw asStorageError('read', path, err);
  }
}
