/**
 * The cluster metadata image: brokers, topics, partitions (replicas, ISR, leader, epochs) and
 * topic configs, as of some offset of the metadata log. Every broker builds the same image by
 * applying the same committed records in the same order; the controller decides from it.
 *
 * Applying is deterministic and total: a record that does not fit the image (a change to a
 * partition that does not exist, say) is skipped on every broker alike and reported in the
 * result, never half-applied. The controller validates before it proposes, so a skip means a
 * bug or a race the controller lost, and the caller logs it.
 */
import type { MetadataRecord, PartitionRecord, RegisterBrokerRecord } from './metadata-records.js';

/** A registered broker: its registration, and whether it is fenced. */
export interface BrokerState extends Omit<RegisterBrokerRecord, 'type'> {
  fenced: boolean;
}

export interface PartitionState {
  replicas: number[];
  isr: number[];
  leader: number;
  leaderEpoch: number;
  partitionEpoch: number;
}

export interface TopicState {
  name: string;
  topicId: string;
  partitions: PartitionState[];
  configs: Map<string, string>;
}

export type ApplyResult = { applied: true } | { applied: false; reason: string };

const applied: ApplyResult = { applied: true };
const skipped = (reason: string): ApplyResult => ({ applied: false, reason });

export class MetadataImage {
  /** Offset of the last applied metadata log entry (-1: none). */
  offset = -1;
  readonly brokers = new Map<number, BrokerState>();
  readonly topics = new Map<string, TopicState>();

  /** Applies one committed record found at `offset` of the metadata log. */
  apply(record: MetadataRecord, offset: number): ApplyResult {
    this.offset = offset;
    switch (record.type) {
      case 'register-broker':
        return this.registerBroker(record);
      case 'fence-broker':
      case 'unfence-broker': {
        const b = this.brokers.get(record.brokerId);
        if (!b) return skipped(`broker ${record.brokerId} is not registered`);
        if (b.brokerEpoch !== record.brokerEpoch)
          return skipped(
            `broker ${record.brokerId} epoch ${record.brokerEpoch} is stale (now ${b.brokerEpoch})`,
          );
        b.fenced = record.type === 'fence-broker';
        return applied;
      }
      case 'topic':
        if (this.topics.has(record.name)) return skipped(`topic "${record.name}" exists`);
        this.topics.set(record.name, {
          name: record.name,
          topicId: record.topicId,
          partitions: [],
          configs: new Map(),
        });
        return applied;
      case 'partition':
        return this.createPartition(record);
      case 'partition-change': {
        const p = this.partition(record.topic, record.partition);
        if (!p) return skipped(`partition ${record.topic}-${record.partition} does not exist`);
        if (record.isr !== undefined) {
          const outside = record.isr.find((id) => !p.replicas.includes(id));
          if (outside !== undefined) return skipped(`ISR member ${outside} is not a replica`);
        }
        if (record.leader !== undefined && record.leader !== -1 && !p.replicas.includes(record.leader))
          return skipped(`leader ${record.leader} is not a replica`);
        if (record.isr !== undefined) p.isr = [...record.isr];
        if (record.leader !== undefined && record.leader !== p.leader) {
          p.leader = record.leader;
          p.leaderEpoch += 1;
        }
        p.partitionEpoch += 1;
        return applied;
      }
      case 'remove-topic':
        if (!this.topics.delete(record.name)) return skipped(`topic "${record.name}" does not exist`);
        return applied;
      case 'topic-config': {
        const t = this.topics.get(record.topic);
        if (!t) return skipped(`topic "${record.topic}" does not exist`);
        if (record.value === null) t.configs.delete(record.key);
        else t.configs.set(record.key, record.value);
        return applied;
      }
    }
  }

  partition(topic: string, partition: number): PartitionState | undefined {
    return this.topics.get(topic)?.partitions[partition];
  }

  /** Brokers that are registered and not fenced, by id. */
  liveBrokerIds(): number[] {
    const ids: number[] = [];
    for (const b of this.brokers.values()) if (!b.fenced) ids.push(b.brokerId);
    return ids.sort((a, b) => a - b);
  }

  /**
   * The image as records that rebuild it when applied in order to an empty image: what a
   * Raft snapshot of the metadata log holds.
   */
  toRecords(): MetadataRecord[] {
    const out: MetadataRecord[] = [];
    for (const b of this.brokers.values()) {
      out.push({
        type: 'register-broker',
        brokerId: b.brokerId,
        incarnationId: b.incarnationId,
        host: b.host,
        port: b.port,
        rack: b.rack,
        brokerEpoch: b.brokerEpoch,
      });
      if (!b.fenced) out.push({ type: 'unfence-broker', brokerId: b.brokerId, brokerEpoch: b.brokerEpoch });
    }
    for (const t of this.topics.values()) {
      out.push({ type: 'topic', name: t.name, topicId: t.topicId });
      t.partitions.forEach((p, partition) => {
        out.push({ type: 'partition', topic: t.name, partition, ...clonePartition(p) });
      });
      for (const [key, value] of t.configs) out.push({ type: 'topic-config', topic: t.name, key, value });
    }
    return out;
  }

  /** An image rebuilt from {@link toRecords} output, at `offset`. */
  static fromRecords(records: readonly MetadataRecord[], offset: number): MetadataImage {
    const image = new MetadataImage();
    for (const r of records) image.apply(r, offset);
    image.offset = offset;
    return image;
  }

  private registerBroker(r: RegisterBrokerRecord): ApplyResult {
    // Proposed with -1: the broker epoch is the offset the registration landed at.
    const brokerEpoch = r.brokerEpoch >= 0 ? r.brokerEpoch : this.offset;
    const prev = this.brokers.get(r.brokerId);
    if (prev && prev.brokerEpoch > brokerEpoch)
      return skipped(
        `broker ${r.brokerId} registration epoch ${brokerEpoch} is older than ${prev.brokerEpoch}`,
      );
    // A (re-)registered broker starts fenced: it is unfenced once it has caught up with the
    // metadata log and heartbeats, so no partition is led by a broker that is not ready.
    const { type: _, ...registration } = r;
    this.brokers.set(r.brokerId, { ...registration, brokerEpoch, fenced: true });
    return applied;
  }

  private createPartition(r: PartitionRecord): ApplyResult {
    const t = this.topics.get(r.topic);
    if (!t) return skipped(`topic "${r.topic}" does not exist`);
    if (r.partition !== t.partitions.length)
      return skipped(`partition ${r.topic}-${r.partition} is not the next one (${t.partitions.length})`);
    if (r.replicas.length === 0) return skipped(`partition ${r.topic}-${r.partition} has no replicas`);
    if (r.isr.some((id) => !r.replicas.includes(id)))
      return skipped(`partition ${r.topic}-${r.partition} has ISR members that are not replicas`);
    t.partitions.push(clonePartition(r));
    return applied;
  }
}

function clonePartition(p: PartitionState): PartitionState {
  return {
    replicas: [...p.replicas],
    isr: [...p.isr],
    leader: p.leader,
    leaderEpoch: p.leaderEpoch,
    partitionEpoch: p.partitionEpoch,
  };
}
