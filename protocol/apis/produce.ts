// Produce (api key 0), versions 0-9: request and response schemas.
// Transcribed from Apache Kafka's ProduceRequest.json and ProduceResponse.json
// (clients/src/main/resources/common/message, apache/kafka 1eb7644349cb), keeping only
// the fields that exist in the versions Samsa implements. Property names are Kafka's field names
// in lowerCamelCase; int64 is a JS number, uuid a 32-digit lowercase hex string.
import type { MessageSchema } from '../schema/types.js';

export const produceRequestSchema: MessageSchema = {
  name: 'ProduceRequest',
  apiKey: 0,
  kind: 'request',
  versions: '0-9',
  flexibleVersions: '9+',
  fields: [
    { name: 'transactionalId', type: 'string', versions: '3+', nullableVersions: '3+', default: null },
    { name: 'acks', type: 'int16', versions: '0+' },
    { name: 'timeoutMs', type: 'int32', versions: '0+' },
    {
      name: 'topicData',
      type: 'array',
      items: 'struct',
      versions: '0+',
      struct: 'TopicProduceData',
      fields: [
        { name: 'name', type: 'string', versions: '0+' },
        {
          name: 'partitionData',
          type: 'array',
          items: 'struct',
          versions: '0+',
          struct: 'PartitionProduceData',
          fields: [
            { name: 'index', type: 'int32', versions: '0+' },
            { name: 'records', type: 'records', versions: '0+', nullableVersions: '0+' },
          ],
        },
      ],
    },
  ],
};

export const produceResponseSchema: MessageSchema = {
  name: 'ProduceResponse',
  apiKey: 0,
  kind: 'response',
  versions: '0-9',
  flexibleVersions: '9+',
  fields: [
    {
      name: 'responses',
      type: 'array',
      items: 'struct',
      versions: '0+',
      struct: 'TopicProduceResponse',
      fields: [
        { name: 'name', type: 'string', versions: '0+' },
        {
          name: 'partitionResponses',
          type: 'array',
          items: 'struct',
          versions: '0+',
          struct: 'PartitionProduceResponse',
          fields: [
            { name: 'index', type: 'int32', versions: '0+' },
            { name: 'errorCode', type: 'int16', versions: '0+' },
            { name: 'baseOffset', type: 'int64', versions: '0+' },
            { name: 'logAppendTimeMs', type: 'int64', versions: '2+', default: -1 },
            { name: 'logStartOffset', type: 'int64', versions: '5+', default: -1 },
            {
              name: 'recordErrors',
              type: 'array',
              items: 'struct',
              versions: '8+',
              struct: 'BatchIndexAndErrorMessage',
              fields: [
                { name: 'batchIndex', type: 'int32', versions: '8+' },
                {
                  name: 'batchIndexErrorMessage',
                  type: 'string',
                  versions: '8+',
                  nullableVersions: '8+',
                  default: null,
                },
              ],
            },
            { name: 'errorMessage', type: 'string', versions: '8+', nullableVersions: '8+', default: null },
          ],
        },
      ],
    },
    { name: 'throttleTimeMs', type: 'int32', versions: '1+' },
  ],
};

export interface ProduceRequest {
  /** The transactional ID, or null if the producer is not transactional. (versions 3+) */
  transactionalId?: string | null;
  /** The number of acknowledgments the producer requires the leader to have received before considering a request complete. Allowed values: 0 for no acknowledgments, 1 for only the leader and -1 for the full ISR. (versions 0+) */
  acks: number;
  /** The timeout to await a response in milliseconds. (versions 0+) */
  timeoutMs: number;
  /** Each topic to produce to. (versions 0+) */
  topicData: ProduceRequestTopicProduceData[];
}

export interface ProduceRequestPartitionProduceData {
  /** The partition index. (versions 0+) */
  index: number;
  /** The record data to be produced. (versions 0+) */
  records: Buffer | null;
}

export interface ProduceRequestTopicProduceData {
  /** The topic name. (versions 0+) */
  name: string;
  /** Each partition to produce to. (versions 0+) */
  partitionData: ProduceRequestPartitionProduceData[];
}

export interface ProduceResponse {
  /** Each produce response (versions 0+) */
  responses: ProduceResponseTopicProduceResponse[];
  /** The duration in milliseconds for which the request was throttled due to a quota violation, or zero if the request did not violate any quota. (versions 1+) */
  throttleTimeMs?: number;
}

export interface ProduceResponseBatchIndexAndErrorMessage {
  /** The batch index of the record that cause the batch to be dropped (versions 8+) */
  batchIndex: number;
  /** The error message of the record that caused the batch to be dropped (versions 8+) */
  batchIndexErrorMessage: string | null;
}

export interface ProduceResponsePartitionProduceResponse {
  /** The partition index. (versions 0+) */
  index: number;
  /** The error code, or 0 if there was no error. (versions 0+) */
  errorCode: number;
  /** The base offset. (versions 0+) */
  baseOffset: number;
  /** The timestamp returned by broker after appending the messages. If CreateTime is used for the topic, the timestamp will be -1. If LogAppendTime is used for the topic, the timestamp will be the broker local time when the messages are appended. (versions 2+) */
  logAppendTimeMs?: number;
  /** The log start offset. (versions 5+) */
  logStartOffset?: number;
  /** The batch indices of records that caused the batch to be dropped (versions 8+) */
  recordErrors?: ProduceResponseBatchIndexAndErrorMessage[];
  /** The global error message summarizing the common root cause of the records that caused the batch to be dropped (versions 8+) */
  errorMessage?: string | null;
}

export interface ProduceResponseTopicProduceResponse {
  /** The topic name (versions 0+) */
  name: string;
  /** Each partition that we produced to within the topic. (versions 0+) */
  partitionResponses: ProduceResponsePartitionProduceResponse[];
}
