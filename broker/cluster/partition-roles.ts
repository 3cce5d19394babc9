/**
 * What a broker must do when the metadata image changes: for each partition it holds a
 * replica of, lead it, follow its leader, or stop (no longer a replica, or its topic is gone).
 * Pure: it compares the roles this broker has now with the roles the image assigns, and lists
 * only the partitions whose role, leader or leader epoch changed, so a metadata update that
 * touches one partition costs one partition's work.
 */
import type { MetadataImage, PartitionState } from './metadata-image.js';

export type PartitionRole =
  | { kind: 'leader'; leaderEpoch: number; partitionEpoch: number; replicas: number[]; isr: number[] }
  | { kind: 'follower'; leaderId: number; leaderEpoch: number }
  /** A replica with no live leader: keep the log, fetch from no one, serve nothing. */
  | { kind: 'offline'; leaderEpoch: number };

export interface RoleChange {
  topic: string;
  partition: number;
  /** undefined: this broker no longer holds the partition (delete it if its topic is gone). */
  role: PartitionRole | undefined;
  topicRemoved: boolean;
}

export const partitionKey = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

/** [topic, partition] of a {@link partitionKey} (topic names cannot hold NUL). */
export function splitPartitionKey(k: string): [string, number] {
  const i = k.lastIndexOf('\u0000');
  return [k.slice(0, i), Number(k.slice(i + 1))];
}

/** The role `brokerId` has for one partition, or undefined when it is not a replica. */
export function roleOf(p: PartitionState, brokerId: number): PartitionRole | undefined {
  if (!p.replicas.includes(brokerId)) return undefined;
  if (p.leader === brokerId)
    return {
      kind: 'leader',
      leaderEpoch: p.leaderEpoch,
      partitionEpoch: p.partitionEpoch,
      replicas: [...p.replicas],
      isr: [...p.isr],
    };
  if (p.leader === -1) return { kind: 'offline', leaderEpoch: p.leaderEpoch };
  return { kind: 'follower', leaderId: p.leader, leaderEpoch: p.leaderEpoch };
}

/**
 * Role changes from `current` (partition key -> role, what this broker does now) to what
 * `image` says. A leader whose ISR or partition epoch changed gets a change too (it must use
 * the new ISR), a follower only when its leader or epoch changed.
 */
export function roleChanges(
  current: ReadonlyMap<string, PartitionRole>,
  image: MetadataImage,
  brokerId: number,
): RoleChange[] {
  const changes: RoleChange[] = [];
  const seen = new Set<string>();
  for (const t of image.topics.values()) {
    t.partitions.forEach((p, partition) => {
      const role = roleOf(p, brokerId);
      if (!role) return;
      const k = partitionKey(t.name, partition);
      seen.add(k);
      if (!sameRole(current.get(k), role))
        changes.push({ topic: t.name, partition, role, topicRemoved: false });
    });
  }
  for (const k of current.keys()) {
    if (seen.has(k)) continue;
    const [topic, partition] = splitPartitionKey(k);
    changes.push({
      topic,
      partition,
      role: undefined,
      topicRemoved: !image.topics.has(topic),
    });
  }
  return changes;
}

function sameRole(a: PartitionRole | undefined, b: PartitionRole): boolean {
  if (!a || a.kind !== b.kind || a.leaderEpoch !== b.leaderEpoch) return false;
  if (a.kind === 'follower' && b.kind === 'follower') return a.leaderId === b.leaderId;
  if (a.kind === 'leader' && b.kind === 'leader') return a.partitionEpoch === b.partitionEpoch;
  return true;
}
