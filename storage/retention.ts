/**
 * Which old segments to delete (UnifiedLog.deleteOldSegments): whole segments, oldest first,
 * while retention.ms, retention.bytes or the log start offset says so. A segment is only
 * deletable when everything in it is below the high watermark, and the active segment only
 * when it is not empty (the caller rolls first so a new empty active segment remains).
 */

export interface RetentionSegment {
  baseOffset: number;
  sizeBytes: number;
  /** Base offset of the next segment, or the log end offset for the last one. */
  endOffset: number;
  isLast: boolean;
  largestTimestamp: () => number;
}

export interface RetentionInput {
  now: number;
  retentionMs: number;
  retentionBytes: number;
  deletePolicy: boolean;
  logStartOffset: number;
  highWatermark: number;
  totalBytes: number;
}

export type RetentionReason = 'retention.ms' | 'retention.bytes' | 'log-start-offset';

export interface RetentionDecision {
  count: number;
  reasons: RetentionReason[];
}

export function segmentsToDelete(
  segments: readonly RetentionSegment[],
  input: RetentionInput,
): RetentionDecision {
  const reasons: RetentionReason[] = [];
  let sizeOver = input.retentionBytes >= 0 ? input.totalBytes - input.retentionBytes : -1;
  for (const seg of segments) {
    let reason: RetentionReason | undefined;
    if (!seg.isLast && seg.endOffset <= input.logStartOffset) reason = 'log-start-offset';
    else if (
      input.deletePolicy &&
      input.retentionMs >= 0 &&
      input.now - seg.largestTimestamp() > input.retentionMs
    ) {
      reason = 'retention.ms';
    } else if (input.deletePolicy && sizeOver >= 0 && sizeOver - seg.sizeBytes >= 0)
      reason = 'retention.bytes';
    if (!reason) break;
    if (seg.isLast && seg.sizeBytes === 0) break;
    if (seg.endOffset > input.highWatermark) break;
    reasons.push(reason);
    if (sizeOver >= 0) sizeOver -= seg.sizeBytes;
  }
  return { count: reasons.length, reasons };
}
