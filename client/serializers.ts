/**
 * Serializers turn typed keys and values into bytes for the producer; deserializers turn
 * fetched bytes back for the consumer. A serializer may return a string (written as UTF-8
 * without an intermediate Buffer) or a Buffer.
 */
import { Packr } from 'msgpackr';
import { SamsaError } from './errors.js';

/** Converts a value to bytes (or a string, encoded as UTF-8). `null` stays null. */
export type Serializer<T> = (value: T) => Buffer | string | null;
/** Converts fetched bytes back to a value. */
export type Deserializer<T> = (bytes: Buffer | null) => T;

/** Bytes in, bytes out. */
export const bytesSerializer: Serializer<Buffer | Uint8Array | null> = (v) =>
  v == null ? null : Buffer.isBuffer(v) ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength);
export const bytesDeserializer: Deserializer<Buffer | null> = (b) => b;

/** UTF-8 strings. */
export const stringSerializer: Serializer<string | null> = (v) => v;
export const stringDeserializer: Deserializer<string | null> = (b) =>
  b === null ? null : b.toString('utf8');

/** JSON text. */
export const jsonSerializer: Serializer<unknown> = (v) =>
  v === null || v === undefined ? null : JSON.stringify(v);
export const jsonDeserializer: Deserializer<unknown> = (b) => {
  if (b === null) return null;
  try {
    return JSON.parse(b.toString('utf8'));
  } catch (err) {
    throw new SamsaError('SAMSA_SERIALIZATION', `value is not valid JSON: ${(err as Error).message}`, {
      cause: err,
    });
  }
};

const packr = new Packr({ useRecords: false });

/** MessagePack (msgpackr, plain maps — readable by any msgpack implementation). */
export const msgpackSerializer: Serializer<unknown> = (v) =>
  v === null || v === undefined ? null : packr.pack(v);
export const msgpackDeserializer: Deserializer<unknown> = (b) => {
  if (b === null) return null;
  try {
    return packr.unpack(b);
  } catch (err) {
    throw new SamsaError('SAMSA_SERIALIZATION', `value is not valid msgpack: ${(err as Error).message}`, {
      cause: err,
    });
  }
};

/** Serializer pairs by name. */
export const serde = {
  bytes: { serialize: bytesSerializer, deserialize: bytesDeserializer },
  string: { serialize: stringSerializer, deserialize: stringDeserializer },
  json: { serialize: jsonSerializer, deserialize: jsonDeserializer },
  msgpack: { serialize: msgpackSerializer, deserialize: msgpackDeserializer },
} as const;
