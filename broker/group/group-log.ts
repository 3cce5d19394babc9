/**
 * Where the coordinator keeps its records: one GroupLog per partition of __consumer_offsets.
 * append() must keep records in call order and resolve only once they are durable to the
 * degree the broker promises (page cache, as acks=1); load() replays everything from the start.
 *
 * MemoryGroupLog keeps records in an array (unit tests; a "restart" is a new coordinator over
 * the same logs). PartitionGroupLog (partition-group-log.ts) stores them in a partition log.
 */
import type { GroupLogRecord } from './records.js';

export type { GroupLogRecord } from './records.js';

export interface GroupLog {
  append(records: GroupLogRecord[]): Promise<void> | void;
  load(): Iterable<GroupLogRecord> | AsyncIterable<GroupLogRecord>;
  /** Drop superseded records if worthwhile; never runs concurrently with append(). */
  compact?(): Promise<boolean> | boolean;
}

export class MemoryGroupLog implements GroupLog {
  readonly records: GroupLogRecord[] = [];
  /** When set, append throws it (tests of failed writes). */
  failWith: Error | null = null;

  append(records: GroupLogRecord[]): void {
    if (this.failWith) throw this.failWith;
    for (const r of records)
      this.records.push({ key: Buffer.from(r.key), value: r.value && Buffer.from(r.value) });
  }

  load(): Iterable<GroupLogRecord> {
    return [...this.records];
  }

  /** What compaction would keep: the last record of every key, tombstones dropped. */
  compacted(): GroupLogRecord[] {
    const last = new Map<string, GroupLogRecord>();
    for (const r of this.records) {
      const k = r.key.toString('hex');
      last.delete(k);
      last.set(k, r);
    }
    return [...last.values()].filter((r) => r.value !== null);
  }
}

/** One MemoryGroupLog per partition, created on first use. */
export class MemoryGroupLogs {
  readonly logs = new Map<number, MemoryGroupLog>();

  log(partition: number): MemoryGroupLog {
    let l = this.logs.get(partition);
    if (!l) this.logs.set(partition, (l = new MemoryGroupLog()));
    return l;
  }

  /** For GroupCoordinatorOptions.logFor. */
  readonly logFor = (partition: number): MemoryGroupLog => this.log(partition);

  get totalRecords(): number {
    let n = 0;
    for (const l of this.logs.values()) n += l.records.length;
    return n;
  }
}
