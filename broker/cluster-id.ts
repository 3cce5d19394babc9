/**
 * meta.properties in the data directory, as Kafka keeps it: the cluster id (made once, kept
 * forever) and the node id this directory belongs to. Written atomically.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export class DataDirMismatch extends Error {
  readonly code = 'SAMSA_DATA_DIR_MISMATCH';
}

export function loadOrCreateClusterId(dataDir: string, nodeId: number): string {
  const path = join(dataDir, 'meta.properties');
  let text: string | null = null;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    text = null;
  }
  if (text !== null) {
    const props = Object.fromEntries(
      text
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l && !l.startsWith('#') && l.includes('='))
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    const stored = Number(props['node.id']);
    if (props['node.id'] !== undefined && stored !== nodeId) {
      throw new DataDirMismatch(
        `data directory ${dataDir} belongs to node ${stored}, not node ${nodeId}; start with --node-id ${stored} or use another --data-dir`,
      );
    }
    if (props['cluster.id']) return props['cluster.id'];
  }
  const clusterId = randomBytes(16).toString('base64url').slice(0, 22);
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, `# samsa\nversion=1\ncluster.id=${clusterId}\nnode.id=${nodeId}\n`);
  const fd = openSync(tmp, 'r');
  fsyncSync(fd);
  closeSync(fd);
  renameSync(tmp, path);
  return clusterId;
}
