/**
 * Loading a partition directory (LogLoader.java): remove leftovers, open segments, and after
 * an unclean shutdown rescan from the segment holding the recovery point: validate every
 * batch, rebuild indexes, truncate at the first torn or corrupt batch, delete later segments.
 * Everything dropped is reported through the logger and in the returned report.
 */
import { join } from 'node:path';
import { batchBaseOffset, batchPartitionLeaderEpoch } from '../protocol/record-batch.js';
import {
  INDEX_SUFFIX,
  LOG_SUFFIX,
  parseSegmentFileName,
  TEMP_SUFFIX,
  TIME_INDEX_SUFFIX,
} from './file-names.js';
import { io } from './io.js';
import type { LeaderEpochCache } from './leader-epoch-cache.js';
import type { StorageLogger } from './logger.js';
import { LogSegment, type SegmentEnv } from './segment.js';
import { LogSegments } from './segments.js';

/** Suffixes of files Kafka leaves mid-operation; none of them is live data in Samsa. */
const STALE_SUFFIXES = [TEMP_SUFFIX, '.deleted', '.cleaned', '.swap'];

export interface DroppedSegment {
  file: string;
  bytes: number;
}

export interface RecoveryReport {
  hadCleanShutdown: boolean;
  /** Segments rescanned (unclean shutdown) from the one holding the recovery point. */
  segmentsRecovered: number;
  bytesScanned: number;
  /** Bytes cut from the tail of the segment where the first invalid batch was found. */
  truncatedBytes: number;
  /** Why recovery stopped early, e.g. BATCH_BAD_CRC at position N of file F. */
  truncationReason: string | undefined;
  /** Whole segments deleted because they came after the truncation point. */
  droppedSegments: DroppedSegment[];
  /** Segments whose indexes were missing or corrupt and were rebuilt. */
  rebuiltIndexes: string[];
  /** Stale files removed (temp files, orphan indexes). */
  removedFiles: string[];
  durationMs: number;
}

export async function loadSegments(
  env: SegmentEnv,
  opts: {
    topicPartition: string;
    recoveryPoint: number;
    hadCleanShutdown: boolean;
    epochCache: LeaderEpochCache;
    log: StorageLogger;
  },
): Promise<{ segments: LogSegments; report: RecoveryReport }> {
  const started = Date.now();
  const { fs, dir } = env;
  const report: RecoveryReport = {
    hadCleanShutdown: opts.hadCleanShutdown,
    segmentsRecovered: 0,
    bytesScanned: 0,
    truncatedBytes: 0,
    truncationReason: undefined,
    droppedSegments: [],
    rebuiltIndexes: [],
    removedFiles: [],
    durationMs: 0,
  };
  const names = io('list-partition-dir', dir, () => fs.readdirSync(dir));
  const bases: number[] = [];
  const baseSet = new Set<number>();
  for (const name of names) {
    const base = parseSegmentFileName(name, LOG_SUFFIX);
    if (base !== undefined) {
      bases.push(base);
      baseSet.add(base);
    }
  }
  for (const name of names) {
    const path = join(dir, name);
    const stale = STALE_SUFFIXES.some((s) => name.endsWith(s));
    const idxBase = parseSegmentFileName(name, INDEX_SUFFIX) ?? parseSegmentFileName(name, TIME_INDEX_SUFFIX);
    if (stale || (idxBase !== undefined && !baseSet.has(idxBase))) {
      io('remove-stale-file', path, () => fs.unlinkSync(path));
      report.removedFiles.push(name);
    }
  }
  if (report.removedFiles.length > 0) {
    opts.log.info({ partition: opts.topicPartition, files: report.removedFiles }, 'removed stale files');
  }
  bases.sort((a, b) => a - b);
  const segments = new LogSegments();
  try {
    for (const b of bases) segments.push(LogSegment.open(env, b));
    const rebuildMissingIndexes = (upTo: number): void => {
      for (let i = 0; i < upTo; i++) {
        const seg = segments.at(i)!;
        if (!fs.existsSync(seg.offsetIndex.path) || !fs.existsSync(seg.timeIndex.path)) {
          seg.loadIndexes();
          report.rebuiltIndexes.push(seg.logPath);
        }
      }
    };
    if (!opts.hadCleanShutdown && segments.count > 0) {
      const from = Math.max(0, segments.floorIndex(opts.recoveryPoint));
      // Segments below the recovery point are trusted; only a missing index is rebuilt now
      // (a corrupt one is detected and rebuilt when first loaded).
      rebuildMissingIndexes(from);
      for (let i = from; i < segments.count; i++) {
        const seg = segments.at(i)!;
        const sizeBefore = seg.size;
        const result = await seg.recover((buf, pos) => {
          const epoch = batchPartitionLeaderEpoch(buf, pos);
          if (epoch >= 0) opts.epochCache.assign(epoch, batchBaseOffset(buf, pos), false);
        });
        report.segmentsRecovered++;
        report.bytesScanned += sizeBefore;
        if (i < segments.count - 1) seg.persistRecoveredIndexes();
        if (result.error) {
          report.truncatedBytes = result.truncatedBytes;
          report.truncationReason = `${result.error.code} at position ${result.error.position} of ${seg.logPath}: ${result.error.message}`;
          const later = segments.removeFrom(i + 1);
          for (const s of later) {
            report.droppedSegments.push({ file: s.logPath, bytes: s.size });
            s.delete();
          }
          opts.log.warn(
            {
              partition: opts.topicPartition,
              segment: seg.logPath,
              truncatedBytes: result.truncatedBytes,
              reason: report.truncationReason,
              droppedSegments: report.droppedSegments,
            },
            'recovery truncated a torn or corrupt tail',
          );
          break;
        }
      }
    } else {
      // Clean shutdown: trust the files, but an index that is missing is rebuilt now.
      rebuildMissingIndexes(segments.count);
    }
  } catch (err) {
    for (const s of segments.all) {
      try {
        s.close();
      } catch {
        // closing what we opened before rethrowing
      }
    }
    throw err;
  }
  report.durationMs = Date.now() - started;
  return { segments, report };
}
