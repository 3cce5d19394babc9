/**
 * The schema DSL: plain data describing one Kafka message (a request or a response body), as
 * transcribed from Apache Kafka's clients/src/main/resources/common/message/*.json.
 *
 * Version ranges are Kafka's strings: "3+" (3 and above), "2-4" (inclusive), "5" (just 5),
 * "none". The engine (./engine.ts) compiles these objects into codecs per (message, version).
 */

/** Wire types that are not containers. */
export type PrimitiveType =
  | 'bool'
  | 'int8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32'
  | 'int64'
  | 'float64'
  | 'string'
  | 'bytes'
  | 'records'
  | 'uuid';

/** A value a field may declare as its default (Kafka's "default"). */
export type DefaultValue = number | boolean | string | null;

export interface FieldSchema {
  /** Kafka's field name in lowerCamelCase; the property name in decoded objects. */
  readonly name: string;
  readonly type: PrimitiveType | 'struct' | 'array';
  /** Element type of an array ('struct' when `fields` describes the element). */
  readonly items?: PrimitiveType | 'struct';
  /** Kafka's struct type name (documentation only). */
  readonly struct?: string;
  /** Fields of a struct, or of an array's struct elements. */
  readonly fields?: readonly FieldSchema[];
  /** Versions in which the field exists. */
  readonly versions: string;
  /** Versions in which the field may be null. */
  readonly nullableVersions?: string;
  /** Versions in which the field travels in the tagged-field section instead (flexible only). */
  readonly taggedVersions?: string;
  readonly tag?: number;
  /** Kafka's default; absent means the type's zero value (0, false, '', empty array, zero uuid). */
  readonly default?: DefaultValue;
}

export interface MessageSchema {
  /** Kafka's message name, e.g. "ProduceRequest". */
  readonly name: string;
  readonly apiKey: number;
  readonly kind: 'request' | 'response';
  /** The versions Samsa implements (a sub-range of Kafka's validVersions). */
  readonly versions: string;
  /** Versions using the flexible encoding (compact lengths, tagged fields). */
  readonly flexibleVersions: string;
  readonly fields: readonly FieldSchema[];
}

/** An inclusive version range; `max` is Infinity for open ranges, and `min > max` means none. */
export interface VersionRange {
  readonly min: number;
  readonly max: number;
}

export function parseVersionRange(s: string | undefined): VersionRange {
  if (s === undefined || s === 'none') return { min: 1, max: 0 };
  const plus = /^(\d+)\+$/.exec(s);
  if (plus) return { min: Number(plus[1]), max: Number.POSITIVE_INFINITY };
  const span = /^(\d+)-(\d+)$/.exec(s);
  if (span) return { min: Number(span[1]), max: Number(span[2]) };
  const one = /^(\d+)$/.exec(s);
  if (one) return { min: Number(one[1]), max: Number(one[1]) };
  throw new Error(`invalid version range "${s}"`);
}

export function inRange(r: VersionRange, v: number): boolean {
  return v >= r.min && v <= r.max;
}
