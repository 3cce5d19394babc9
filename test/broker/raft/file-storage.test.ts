/** FileStorage: round trips, restarts, torn tails, conflicting suffixes, snapshots and compaction. */
import { appendFileSync, existsSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { FileStorage, LOG_FILE, SNAPSHOT_FILE } from '../../../broker/raft/raft-file-storage.js';
import type { Entry, Snapshot } from '../../../broker/raft/raft-types.js';
import { faultyFs, nodeFs } from '../../../storage/fs.js';
import { tempDir } from '../../helpers/temp.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array): string => new TextDecoder().decode(b);
const entry = (index: number, term: number, s = `e${index}`): Entry => ({
  index,
  term,
  type: 'data',
  data: enc(s),
});
const range = (from: number, to: number, term: number): Entry[] =>
  Array.from({ length: to - from + 1 }, (_, i) => entry(from + i, term));
const brief = (es: Entry[]): string[] => es.map((e) => `${e.index}:${e.term}:${dec(e.data)}`);

t.test('a fresh directory loads empty; writes survive a restart', async (t) => {
  const dir = tempDir(t);
  const s = FileStorage.open(dir);
  t.same(s.load(), { hardState: { term: 0, vote: 0, commit: 0 }, snapshot: undefined, entries: [] });
  s.write({ hardState: { term: 3, vote: 2, commit: 0 }, entries: range(1, 5, 3) });
  s.sync();
  s.write({
    hardState: { term: 3, vote: 2, commit: 4 },
    entries: [{ index: 6, term: 3, type: 'noop', data: new Uint8Array(0) }],
  });
  s.sync();
  s.close();
  const r = FileStorage.open(dir).load();
  t.same(r.hardState.term, 3, 'term kept');
  t.same(r.hardState.vote, 2, 'vote kept');
  t.same(brief(r.entries), [...brief(range(1, 5, 3)), '6:3:']);
  t.equal(r.entries[5]!.type, 'noop');
});

t.test('the vote is durable as soon as it is written (atomic replace, no temp file left)', async (t) => {
  const dir = tempDir(t);
  const s = FileStorage.open(dir);
  s.write({ hardState: { term: 7, vote: 3, commit: 0 }, entries: [] });
  // No sync and no close: as after kill -9.
  const r = FileStorage.open(dir).load();
  t.same(r.hardState, { term: 7, vote: 3, commit: 0 });
  t.notOk(existsSync(join(dir, 'hardstate.tmp')));
});

t.test('a conflicting suffix is truncated before the new entries are appended', async (t) => {
  const dir = tempDir(t);
  const s = FileStorage.open(dir);
  s.write({ entries: range(1, 10, 1) });
  s.write({ entries: [entry(6, 2, 'new6'), entry(7, 2, 'new7')] });
  s.sync();
  s.write({ entries: [entry(8, 2, 'new8')] });
  s.sync();
  s.close();
  const r = FileStorage.open(dir).load();
  t.same(brief(r.entries), [...brief(range(1, 5, 1)), '6:2:new6', '7:2:new7', '8:2:new8']);
  t.throws(
    () => FileStorage.open(tempDir(t)).write({ entries: [entry(3, 1)] }),
    /does not fit/,
    'a gap is refused',
  );
});

t.test('recovery truncates a torn tail and keeps every complete record', async (t) => {
  for (const tear of ['partial-record', 'partial-header', 'zeros', 'bad-crc-last']) {
    const dir = tempDir(t);
    const s = FileStorage.open(dir);
    s.write({ hardState: { term: 1, vote: 1, commit: 0 }, entries: range(1, 20, 1) });
    s.sync();
    s.close();
    const log = join(dir, LOG_FILE);
    const size = statSync(log).size;
    if (tear === 'partial-record') truncateSync(log, size - 3);
    else if (tear === 'partial-header') appendFileSync(log, Buffer.from([0, 0, 0]));
    else if (tear === 'zeros') appendFileSync(log, Buffer.alloc(100));
    else {
      const b = readFileSync(log);
      b[b.length - 1]! ^= 0xff;
      writeFileSync(log, b);
    }
    const expectLast = tear === 'partial-record' || tear === 'bad-crc-last' ? 19 : 20;
    const s2 = FileStorage.open(dir);
    const r = s2.load();
    t.equal(r.entries.length, expectLast, `${tear}: complete records kept`);
    t.same(brief(r.entries), brief(range(1, expectLast, 1)));
    // Appending after recovery continues cleanly where the good records end.
    s2.write({ entries: [entry(expectLast + 1, 2, 'after')] });
    s2.sync();
    s2.close();
    const again = FileStorage.open(dir).load();
    t.equal(again.entries.at(-1)?.index, expectLast + 1, `${tear}: appends after recovery survive`);
    t.equal(dec(again.entries.at(-1)!.data), 'after');
  }
});

t.test('corruption before the tail refuses to load instead of dropping acknowledged entries', async (t) => {
  const dir = tempDir(t);
  const s = FileStorage.open(dir);
  s.write({ entries: range(1, 20, 1) });
  s.sync();
  s.close();
  const log = join(dir, LOG_FILE);
  const b = readFileSync(log);
  b[20]! ^= 0xff; // inside the first record's payload
  writeFileSync(log, b);
  t.throws(() => FileStorage.open(dir), { code: 'CORRUPT_RAFT_STATE' });
});

t.test('compaction stores the snapshot, drops covered entries, and survives restart', async (t) => {
  const dir = tempDir(t);
  const s = FileStorage.open(dir);
  s.write({ hardState: { term: 2, vote: 1, commit: 30 }, entries: range(1, 30, 2) });
  s.sync();
  const snap: Snapshot = { index: 20, term: 2, data: enc('state@20') };
  s.compact(snap);
  const sizeAfter = statSync(join(dir, LOG_FILE)).size;
  s.write({ entries: range(31, 32, 2) });
  s.sync();
  s.close();
  const r = FileStorage.open(dir).load();
  t.equal(r.snapshot?.index, 20);
  t.equal(dec(r.snapshot!.data), 'state@20');
  t.same(brief(r.entries), brief(range(21, 32, 2)));
  t.ok(sizeAfter < 30 * 20, `log shrank to ${sizeAfter} bytes`);
  // Compacting everything leaves only the anchor; a later truncation cannot reach below it.
  const s2 = FileStorage.open(dir);
  s2.load();
  s2.compact({ index: 32, term: 2, data: enc('state@32') });
  t.throws(() => s2.write({ entries: [entry(32, 3)] }), /does not fit/);
  s2.write({ entries: [entry(33, 3, 'x')] });
  s2.sync();
  s2.close();
  const r2 = FileStorage.open(dir).load();
  t.same(brief(r2.entries), ['33:3:x']);
  t.equal(r2.snapshot?.index, 32);
});

t.test('installing a snapshot replaces the whole log', async (t) => {
  const dir = tempDir(t);
  const s = FileStorage.open(dir);
  s.write({ entries: range(1, 10, 1) });
  s.sync();
  s.write({
    snapshot: { index: 50, term: 4, data: enc('s50') },
    entries: [entry(51, 4)],
    hardState: { term: 4, vote: 0, commit: 50 },
  });
  s.sync();
  s.close();
  const r = FileStorage.open(dir).load();
  t.equal(r.snapshot?.index, 50);
  t.same(brief(r.entries), ['51:4:e51']);
  t.equal(r.hardState.term, 4);
});

t.test('a crash between writing a snapshot and rewriting the log is repaired at open', async (t) => {
  // An old log whose entry at the snapshot index has another term: it belongs to another
  // history and must be dropped entirely, not stitched after the snapshot.
  const dir = tempDir(t);
  const s = FileStorage.open(dir);
  s.write({ entries: range(1, 10, 1) });
  s.sync();
  s.close();
  const other = tempDir(t);
  const o = FileStorage.open(other);
  o.write({ snapshot: { index: 5, term: 3, data: enc('s5') }, entries: [] });
  o.sync();
  o.close();
  writeFileSync(join(dir, SNAPSHOT_FILE), readFileSync(join(other, SNAPSHOT_FILE)));
  const r = FileStorage.open(dir).load();
  t.equal(r.snapshot?.index, 5);
  t.same(r.entries, [], 'the foreign suffix is dropped');

  // The same with a matching term (a compaction cut short): the suffix is kept.
  const dir2 = tempDir(t);
  const s2 = FileStorage.open(dir2);
  s2.write({ entries: range(1, 10, 3) });
  s2.sync();
  s2.close();
  const o2 = tempDir(t);
  const w = FileStorage.open(o2);
  w.write({ snapshot: { index: 5, term: 3, data: enc('s5') }, entries: [] });
  w.sync();
  w.close();
  writeFileSync(join(dir2, SNAPSHOT_FILE), readFileSync(join(o2, SNAPSHOT_FILE)));
  writeFileSync(join(dir2, 'log.compacting'), 'half-written');
  const r2 = FileStorage.open(dir2).load();
  t.same(brief(r2.entries), brief(range(6, 10, 3)), 'entries after the snapshot kept');
  t.notOk(existsSync(join(dir2, 'log.compacting')), 'the unfinished compaction file is removed');
  const r3 = FileStorage.open(dir2).load();
  t.same(brief(r3.entries), brief(range(6, 10, 3)), 'and the repaired log loads the same again');
});

t.test('a failed fsync surfaces as a storage error', async (t) => {
  const dir = tempDir(t);
  const fs = faultyFs(nodeFs, (op, path) =>
    op === 'fsyncSync' && path.endsWith(LOG_FILE) ? 'EIO' : undefined,
  );
  const s = FileStorage.open(dir, { fs });
  s.write({ entries: range(1, 3, 1) });
  t.throws(() => s.sync(), { code: 'STORAGE_IO' });
  s.close();
});
