/** Metadata images and records for the cluster tests. */
import { MetadataImage } from '../../../broker/cluster/metadata-image.js';
import type { PartitionRecord, RegisterBrokerRecord } from '../../../broker/cluster/metadata-records.js';

export function registerBroker(brokerId: number, brokerEpoch: number): RegisterBrokerRecord {
  return {
    type: 'register-broker',
    brokerId,
    incarnationId: `i${brokerId}`,
    host: '127.0.0.1',
    // Nothing listens on port 1: a fetcher started by a test connects nowhere.
    port: 1,
    rack: null,
    brokerEpoch,
  };
}

/** A new partition with every replica in sync, led by the first replica unless told. */
export function partitionRecord(
  topic: string,
  partition: number,
  replicas: number[],
  leader = replicas[0]!,
): PartitionRecord {
  return {
    type: 'partition',
    topic,
    partition,
    replicas,
    isr: [...replicas],
    leader,
    leaderEpoch: 0,
    partitionEpoch: 0,
  };
}

/**
 * An image where each broker registered (its epoch is the registration's offset: 0, 2, 4 …)
 * and was unfenced right after.
 */
export function liveCluster(brokerIds: number[]): MetadataImage {
  const image = new MetadataImage();
  let offset = 0;
  for (const id of brokerIds) {
    image.apply(registerBroker(id, offset), offset);
    image.apply({ type: 'unfence-broker', brokerId: id, brokerEpoch: offset }, offset + 1);
    offset += 2;
  }
  return image;
}
