/**
 * DescribeLogDirs (key 35), versions 1–4: the broker's one log directory (its data dir) with
 * the size on disk of every partition it holds, as `kafka-log-dirs.sh` shows. `topics: null`
 * asks for every topic (internal ones included); unknown topics and partitions are left out of
 * the answer, as Kafka does. v4 adds the volume's total and usable bytes (statfs).
 */

import { statfsSync } from 'node:fs';
import type {
  DescribeLogDirsRequest,
  DescribeLogDirsResponse,
  DescribeLogDirsResponseDescribeLogDirsTopic,
} from '../../protocol/apis/index.js';
import type { ApiHandler, RequestContext } from '../request-context.js';

/** The volume's size and the bytes an unprivileged process may still write; -1 when unknown. */
function volumeBytes(dir: string): { totalBytes: number; usableBytes: number } {
  try {
    const s = statfsSync(dir);
    return { totalBytes: s.bsize * s.blocks, usableBytes: s.bsize * s.bavail };
  } catch {
    return { totalBytes: -1, usableBytes: -1 };
  }
}

function handle(req: DescribeLogDirsRequest, ctx: RequestContext): DescribeLogDirsResponse {
  const { topics } = ctx.core;
  const wanted =
    req.topics ??
    topics
      .names()
      .sort()
      .map((topic) => ({
        topic,
        partitions: Array.from({ length: topics.partitionCount(topic) }, (_, i) => i),
      }));
  // Kafka merges repeated topics and partitions (the topic is the request's map key).
  const sizes = new Map<string, Map<number, number>>();
  for (const w of wanted) {
    for (const p of w.partitions) {
      const log = topics.partition(w.topic, p);
      if (!log) continue;
      let parts = sizes.get(w.topic);
      if (!parts) {
        parts = new Map();
        sizes.set(w.topic, parts);
      }
      parts.set(p, log.sizeBytes);
    }
  }
  const described: DescribeLogDirsResponseDescribeLogDirsTopic[] = [...sizes].map(([name, parts]) => ({
    name,
    partitions: [...parts].map(([partitionIndex, partitionSize]) => ({
      partitionIndex,
      partitionSize,
      offsetLag: 0,
      isFutureKey: false,
    })),
  }));
  const logDir = topics.logs.dataDir;
  return {
    throttleTimeMs: 0,
    errorCode: 0,
    results: [{ errorCode: 0, logDir, topics: described, ...volumeBytes(logDir) }],
  };
}

export const describeLogDirsHandler: ApiHandler<DescribeLogDirsRequest, DescribeLogDirsResponse> = {
  apiKey: 35,
  minVersion: 1,
  maxVersion: 4,
  handle,
};
