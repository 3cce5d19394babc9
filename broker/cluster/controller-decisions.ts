/**
 * What the active controller decides, as pure functions of the metadata image: where new
 * replicas go, who leads a partition, what follows from a broker being fenced or coming back,
 * whether a leader's ISR change is accepted. Each returns the records to propose to the
 * metadata quorum (or a Kafka error code); nothing here does I/O, so every rule is unit-tested
 * and the same in a one-node and a many-node cluster.
 */
import { ErrorCode as E } from '../../protocol/error-codes.js';
import type { MetadataImage, PartitionState } from './metadata-image.js';
import type { AlterPartitionRequest, MetadataRecord, PartitionChangeRecord } from './metadata-records.js';

export type Decision = { records: MetadataRecord[] } | { errorCode: number; message: string };

/**
 * Replica lists for `partitions` new partitions with `replicationFactor` replicas each over
 * `brokerIds` (the live brokers), spread evenly: partition p is led by broker
 * (start + p) mod n, and its followers are the next brokers after a shift that grows each
 * time p wraps around the brokers, so leaders and follower pairs both spread out (Kafka's
 * rack-unaware assignment does the same). `start` varies the first leader between topics.
 */
export function placeReplicas(
  brokerIds: readonly number[],
  partitions: number,
  replicationFactor: number,
  start: number,
): number[][] {
  const ids = [...brokerIds].sort((a, b) => a - b);
  const n = ids.length;
  if (replicationFactor < 1 || replicationFactor > n)
    throw new RangeError(`replication factor ${replicationFactor} needs 1..${n} brokers`);
  const out: number[][] = [];
  for (let p = 0; p < partitions; p++) {
    const first = (start + p) % n;
    const shift = n > 1 ? Math.floor((start + p) / n) % (n - 1) : 0;
    const replicas = [ids[first]!];
    // Follower r sits 1..n-1 places after the leader: distinct for each r, never the leader.
    for (let r = 1; r < replicationFactor; r++)
      replicas.push(ids[(first + 1 + ((shift + r - 1) % (n - 1))) % n]!);
    out.push(replicas);
  }
  return out;
}

/** Records that create a topic, or INVALID_REPLICATION_FACTOR when too few brokers are live. */
export function createTopic(
  image: MetadataImage,
  req: {
    name: string;
    topicId: string;
    partitions: number;
    replicationFactor: number;
    configs?: Record<string, string>;
    /** Replicas of each partition as the user assigned them (CreateTopics assignments); else placed here. */
    assignments?: number[][];
  },
): Decision {
  if (image.topics.has(req.name))
    return { errorCode: E.TOPIC_ALREADY_EXISTS, message: `topic "${req.name}" already exists` };
  const live = image.liveBrokerIds();
  if (req.assignments) {
    const problem = assignmentProblem(image, req.assignments, req.partitions, req.replicationFactor);
    if (problem) return { errorCode: E.INVALID_REPLICA_ASSIGNMENT, message: problem };
  } else if (req.replicationFactor < 1 || req.replicationFactor > live.length)
    return {
      errorCode: E.INVALID_REPLICATION_FACTOR,
      message: `replication factor ${req.replicationFactor} is more than the ${live.length} live broker(s)`,
    };
  const placement =
    req.assignments ?? placeReplicas(live, req.partitions, req.replicationFactor, image.topics.size);
  const records: MetadataRecord[] = [{ type: 'topic', name: req.name, topicId: req.topicId }];
  placement.forEach((replicas, partition) => {
    records.push({
      type: 'partition',
      topic: req.name,
      partition,
      replicas,
      isr: [...replicas],
      leader: replicas[0]!,
      leaderEpoch: 0,
      partitionEpoch: 0,
    });
  });
  for (const [key, value] of Object.entries(req.configs ?? {}))
    records.push({ type: 'topic-config', topic: req.name, key, value });
  return { records };
}

/** Why explicit replica assignments cannot be used, or null. */
function assignmentProblem(
  image: MetadataImage,
  assignments: number[][],
  partitions: number,
  replicationFactor: number,
): string | null {
  if (assignments.length !== partitions)
    return `${assignments.length} replica assignments for ${partitions} partitions`;
  for (const [p, replicas] of assignments.entries()) {
    if (replicas.length !== replicationFactor)
      return `partition ${p} has ${replicas.length} replicas; every partition needs the same number (${replicationFactor})`;
    if (new Set(replicas).size !== replicas.length) return `partition ${p} names a broker twice`;
    const unknown = replicas.find((id) => !image.brokers.has(id));
    if (unknown !== undefined)
      return `partition ${p} is assigned to broker ${unknown}, which is not registered in the cluster`;
  }
  return null;
}

/**
 * The leader a partition should have: the first replica (preferred order) that is in the ISR
 * and live; with `unclean`, failing that, the first live replica outside the ISR (data may be
 * lost — off unless the topic's unclean.leader.election.enable says so); otherwise -1.
 */
export function chooseLeader(p: PartitionState, live: ReadonlySet<number>, unclean: boolean): number {
  for (const id of p.replicas) if (p.isr.includes(id) && live.has(id)) return id;
  if (unclean) for (const id of p.replicas) if (live.has(id)) return id;
  return -1;
}

function uncleanAllowed(image: MetadataImage, topic: string): boolean {
  return image.topics.get(topic)?.configs.get('unclean.leader.election.enable') === 'true';
}

/**
 * A broker missed its heartbeats: fence it, take it out of every ISR it is in, and elect new
 * leaders where it led. The last ISR member stays in the ISR (as in Kafka) so that when it
 * comes back it can lead again without data loss; the partition is offline (-1) meanwhile.
 */
export function fenceBroker(image: MetadataImage, brokerId: number): MetadataRecord[] {
  const b = image.brokers.get(brokerId);
  if (!b || b.fenced) return [];
  const records: MetadataRecord[] = [{ type: 'fence-broker', brokerId, brokerEpoch: b.brokerEpoch }];
  const live = new Set(image.liveBrokerIds());
  live.delete(brokerId);
  for (const t of image.topics.values()) {
    t.partitions.forEach((p, partition) => {
      if (!p.replicas.includes(brokerId)) return;
      const isr = p.isr.length > 1 ? p.isr.filter((id) => id !== brokerId) : p.isr;
      const change = changeFor(t.name, partition, p, isr, live, uncleanAllowed(image, t.name));
      if (change) records.push(change);
    });
  }
  return records;
}

/**
 * A fenced broker heartbeats again, caught up with the metadata log: unfence it, and give
 * leaderless partitions whose ISR holds it (or any partition, with unclean election) a leader.
 */
export function unfenceBroker(image: MetadataImage, brokerId: number): MetadataRecord[] {
  const b = image.brokers.get(brokerId);
  if (!b?.fenced) return [];
  const records: MetadataRecord[] = [{ type: 'unfence-broker', brokerId, brokerEpoch: b.brokerEpoch }];
  const live = new Set(image.liveBrokerIds());
  live.add(brokerId);
  for (const t of image.topics.values()) {
    t.partitions.forEach((p, partition) => {
      if (p.leader !== -1 || !p.replicas.includes(brokerId)) return;
      const change = changeFor(t.name, partition, p, p.isr, live, uncleanAllowed(image, t.name));
      if (change) records.push(change);
    });
  }
  return records;
}

/** Move leadership back to preferred replicas (replicas[0]) that are live and in the ISR. */
export function preferredLeaderElections(image: MetadataImage): MetadataRecord[] {
  const live = new Set(image.liveBrokerIds());
  const records: MetadataRecord[] = [];
  for (const t of image.topics.values()) {
    t.partitions.forEach((p, partition) => {
      const preferred = p.replicas[0]!;
      if (p.leader !== preferred && live.has(preferred) && p.isr.includes(preferred))
        records.push({ type: 'partition-change', topic: t.name, partition, leader: preferred });
    });
  }
  return records;
}

/**
 * A partition leader asks to change its ISR (Kafka's AlterPartition): accepted only from the
 * current leader at the current leader epoch and partition epoch, with every new member a live
 * replica and the leader itself kept in.
 */
export function alterPartition(
  image: MetadataImage,
  req: Omit<AlterPartitionRequest, 'type' | 'requestId'>,
): Decision {
  const p = image.partition(req.topic, req.partition);
  const where = `${req.topic}-${req.partition}`;
  if (!p) return { errorCode: E.UNKNOWN_TOPIC_OR_PARTITION, message: `partition ${where} does not exist` };
  if (p.leader !== req.brokerId)
    return { errorCode: E.NOT_LEADER_OR_FOLLOWER, message: `broker ${req.brokerId} does not lead ${where}` };
  if (req.leaderEpoch !== p.leaderEpoch)
    return {
      errorCode: req.leaderEpoch < p.leaderEpoch ? E.FENCED_LEADER_EPOCH : E.UNKNOWN_LEADER_EPOCH,
      message: `leader epoch ${req.leaderEpoch} of ${where} is not the current ${p.leaderEpoch}`,
    };
  if (req.partitionEpoch !== p.partitionEpoch)
    return {
      errorCode: E.INVALID_UPDATE_VERSION,
      message: `partition epoch ${req.partitionEpoch} of ${where} is not the current ${p.partitionEpoch}`,
    };
  const live = new Set(image.liveBrokerIds());
  const isr = [...new Set(req.isr)];
  if (!isr.includes(req.brokerId))
    return { errorCode: E.INVALID_REQUEST, message: `the ISR of ${where} must keep its leader` };
  const ineligible = isr.find((id) => !p.replicas.includes(id) || (!p.isr.includes(id) && !live.has(id)));
  if (ineligible !== undefined)
    return {
      errorCode: E.INELIGIBLE_REPLICA,
      message: `broker ${ineligible} cannot join the ISR of ${where}`,
    };
  return { records: [{ type: 'partition-change', topic: req.topic, partition: req.partition, isr }] };
}

function changeFor(
  topic: string,
  partition: number,
  p: PartitionState,
  isr: number[],
  live: ReadonlySet<number>,
  unclean: boolean,
): PartitionChangeRecord | undefined {
  const leaderAlive = p.leader !== -1 && live.has(p.leader) && isr.includes(p.leader);
  const leader = leaderAlive ? p.leader : chooseLeader({ ...p, isr }, live, unclean);
  // An unclean leader starts a new history: the ISR is just that leader.
  if (leader !== -1 && !isr.includes(leader)) isr = [leader];
  const isrChanged = isr.length !== p.isr.length || isr.some((id, i) => id !== p.isr[i]);
  if (!isrChanged && leader === p.leader) return undefined;
  const change: PartitionChangeRecord = { type: 'partition-change', topic, partition };
  if (isrChanged) change.isr = isr;
  if (leader !== p.leader) change.leader = leader;
  return change;
}
