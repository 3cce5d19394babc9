/**
 * Samsa's client library: `Producer`, `Consumer` and `Admin` for Samsa and any
 * Kafka-compatible broker.
 *
 * ```ts
 * import { Producer, Consumer, Admin } from 'samsa';
 * ```
 */

export type { CompressionType, HeaderValue, RecordHeaders } from './accumulator.js';
export {
  Admin,
  type ClusterDescription,
  type ConfigEntry,
  type GroupDescription,
  type GroupListing,
  type GroupMemberDescription,
  type LogDirDescription,
  type LogDirPartition,
  type NewTopic,
  type OffsetResetTarget,
  type PartitionDescription,
  type PartitionOffset,
  type TopicDescription,
} from './admin.js';
export {
  type Assignor,
  assignors,
  cooperativeStickyAssignor,
  type MemberSubscription,
  type RebalanceProtocol,
  rangeAssignor,
  roundRobinAssignor,
  type TopicPartitions,
} from './assignors.js';
export type { BrokerInfo, ClusterOptions, PartitionInfo, TopicInfo } from './cluster.js';
export { parseBrokerAddress } from './cluster.js';
export { Connection, type ConnectionOptions, type RequestOptions } from './connection.js';
export {
  Consumer,
  type ConsumerBatch,
  type ConsumerOptions,
  type ConsumerRecord,
  type PartitionAssignment,
  type ResetPolicy,
} from './consumer.js';
export { isRetriableError, SamsaError, type SamsaErrorCode } from './errors.js';
export {
  jumpConsistentHash,
  jumpHashPartitioner,
  type KeyPartitioner,
  murmur2,
  murmur2Partitioner,
  partitioners,
  toPositive,
} from './partitioners.js';
export {
  type Acks,
  Producer,
  type ProducerOptions,
  type ProducerRecord,
  type RecordMetadata,
} from './producer.js';
export {
  bytesDeserializer,
  bytesSerializer,
  type Deserializer,
  jsonDeserializer,
  jsonSerializer,
  msgpackDeserializer,
  msgpackSerializer,
  type Serializer,
  serde,
  stringDeserializer,
  stringSerializer,
} from './serializers.js';
