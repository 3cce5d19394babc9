/**
 * The codec engine: compiles a MessageSchema into a decoder and an encoder for one version.
 *
 * Compilation happens once per (message, version) and yields closures; each struct's decoder
 * and encoder is further specialised into a generated straight-line function (object literal,
 * named property access), so the hot path does no schema interpretation. The interpreted
 * closures are kept as the reference and fallback (`setCodeGeneration(false)`); tests check
 * that both agree. Rules, following Kafka's generated code:
 * - Flexible versions use compact strings/bytes/arrays (uvarint length + 1, 0 = null) and end
 *   every struct with a tagged-field section (uvarint count, then tag, size, value).
 * - A field absent from a version decodes to its default (Kafka's default, else 0/false/''/
 *   empty array/zero uuid; null for records). Encoding silently skips fields the version lacks,
 *   whatever their value (Kafka would throw for a non-default, non-ignorable field).
 * - A tagged field is written only when its value differs from its default; unknown tags are
 *   skipped on decode.
 * - Properties missing (undefined) in an object to encode take their defaults; null where the
 *   version does not allow it is an EncodeError.
 * - Decoded objects always carry every property of the schema, in schema order.
 */
import { arrayLengthMax, type Reader, ZERO_UUID } from '../reader.js';
import { EncodeError, Writer } from '../writer.js';
import {
  type DefaultValue,
  type FieldSchema,
  inRange,
  type MessageSchema,
  type PrimitiveType,
  parseVersionRange,
} from './types.js';

type Obj = Record<string, unknown>;

/** The compiled codec of one message version. */
export interface MessageCodec {
  readonly schema: MessageSchema;
  readonly version: number;
  readonly flexible: boolean;
  /** Decodes one body; the reader's sticky error is left for the caller to check(). */
  decode(r: Reader): Obj;
  encode(w: Writer, value: Obj): void;
}

interface ValueCodec {
  read(r: Reader): unknown;
  write(w: Writer, v: unknown): void;
  /** Fewest bytes one value occupies on the wire (bounds array counts). */
  minBytes: number;
}

interface StructCodec {
  decode(r: Reader): Obj;
  encode(w: Writer, v: Obj): void;
  makeDefault(): Obj;
  isDefault(v: Obj): boolean;
  minBytes: number;
}

const EMPTY = Buffer.alloc(0);

const FIXED: Partial<Record<PrimitiveType, ValueCodec>> = {
  bool: { read: (r) => r.bool(), write: (w, v) => w.bool(v as boolean), minBytes: 1 },
  int8: { read: (r) => r.int8(), write: (w, v) => w.int8(v as number), minBytes: 1 },
  int16: { read: (r) => r.int16(), write: (w, v) => w.int16(v as number), minBytes: 2 },
  uint16: { read: (r) => r.uint16(), write: (w, v) => w.uint16(v as number), minBytes: 2 },
  int32: { read: (r) => r.int32(), write: (w, v) => w.int32(v as number), minBytes: 4 },
  uint32: { read: (r) => r.uint32(), write: (w, v) => w.uint32(v as number), minBytes: 4 },
  int64: { read: (r) => r.int64(), write: (w, v) => w.int64(v as number), minBytes: 8 },
  float64: { read: (r) => r.float64(), write: (w, v) => w.float64(v as number), minBytes: 8 },
  uuid: { read: (r) => r.uuid(), write: (w, v) => w.uuid(v as string), minBytes: 16 },
};

function primitiveCodec(type: PrimitiveType, nullable: boolean, compact: boolean, path: string): ValueCodec {
  const fixed = FIXED[type];
  if (fixed) return fixed;
  const notNull = (w: Writer) => {
    throw new EncodeError(w.field || path, 'null in a field that is not nullable in this version');
  };
  if (type === 'string') {
    return {
      read: nullable ? (r) => r.nullableString(compact) : (r) => r.string(compact),
      write: (w, v) => (v === null && !nullable ? notNull(w) : w.string(v as string | null, compact)),
      minBytes: compact ? 1 : 2,
    };
  }
  // bytes and records
  return {
    read: nullable ? (r) => r.nullableBytes(compact) : (r) => r.bytes(compact),
    write: (w, v) => (v === null && !nullable ? notNull(w) : w.bytes(v as Buffer | null, compact)),
    minBytes: compact ? 1 : 4,
  };
}

function primitiveDefault(f: FieldSchema, type: PrimitiveType): DefaultValue | Buffer {
  if (f.default !== undefined) return f.default;
  switch (type) {
    case 'bool':
      return false;
    case 'string':
      return '';
    case 'bytes':
      return EMPTY;
    case 'records':
      return null;
    case 'uuid':
      return ZERO_UUID;
    default:
      return 0;
  }
}

interface FieldPlan {
  name: string;
  path: string;
  tag: number;
  present: boolean;
  tagged: boolean;
  codec: ValueCodec;
  makeDefault: () => unknown;
  isDefault: (v: unknown) => boolean;
}

function planField(f: FieldSchema, version: number, flexible: boolean, parent: string): FieldPlan {
  const path = parent ? `${parent}.${f.name}` : f.name;
  const present = inRange(parseVersionRange(f.versions), version);
  const tagged =
    present &&
    flexible &&
    f.taggedVersions !== undefined &&
    inRange(parseVersionRange(f.taggedVersions), version);
  const nullable = inRange(parseVersionRange(f.nullableVersions), version);
  const compact = flexible;
  const notNull = (w: Writer) => {
    throw new EncodeError(w.field || path, 'null in a field that is not nullable in this version');
  };

  if (f.type === 'struct') {
    const sc = compileStruct(f.fields ?? [], version, flexible, path);
    const makeDefault = f.default === null ? () => null : () => sc.makeDefault();
    const codec: ValueCodec = nullable
      ? {
          // Nullable structs carry an int8 marker: -1 null, 1 present.
          read: (r) => (r.int8() < 0 ? null : sc.decode(r)),
          write: (w, v) => {
            if (v === null) w.int8(-1);
            else {
              w.int8(1);
              sc.encode(w, v as Obj);
            }
          },
          minBytes: 1,
        }
      : {
          read: (r) => sc.decode(r),
          write: (w, v) => (v === null ? notNull(w) : sc.encode(w, v as Obj)),
          minBytes: sc.minBytes,
        };
    const isDefault = (v: unknown) =>
      v === null ? f.default === null : f.default !== null && sc.isDefault(v as Obj);
    return { name: f.name, path, tag: f.tag ?? -1, present, tagged, codec, makeDefault, isDefault };
  }

  if (f.type === 'array') {
    let elem: ValueCodec;
    if (f.items === 'struct') {
      const sc = compileStruct(f.fields ?? [], version, flexible, path);
      elem = {
        read: (r) => sc.decode(r),
        write: (w, v) => {
          if (v === null || typeof v !== 'object')
            throw new EncodeError(w.field || path, 'array element is not an object');
          sc.encode(w, v as Obj);
        },
        minBytes: sc.minBytes,
      };
    } else {
      elem = primitiveCodec(f.items ?? 'int32', false, compact, path);
    }
    const minElem = Math.max(1, elem.minBytes);
    const codec: ValueCodec = {
      read: (r) => {
        const at = r.pos;
        const n = r.length(compact ? 'compact' : 'int32', nullable, arrayLengthMax, minElem);
        if (n === -1) return null;
        if (n > 0 && !r.takeElements(n, at)) return [];
        const out: unknown[] = [];
        for (let i = 0; i < n && !r.failed; i++) out.push(elem.read(r));
        return out;
      },
      write: (w, v) => {
        if (v === null) {
          if (!nullable) notNull(w);
          if (compact) w.uvarint(0);
          else w.int32(-1);
          return;
        }
        const a = v as unknown[];
        if (!Array.isArray(a)) throw new EncodeError(w.field || path, 'expected an array');
        if (compact) w.uvarint(a.length + 1);
        else w.int32(a.length);
        for (let i = 0; i < a.length; i++) elem.write(w, a[i]);
      },
      minBytes: compact ? 1 : 4,
    };
    const makeDefault = f.default === null ? () => null : () => [];
    const isDefault = (v: unknown) =>
      f.default === null ? v === null : v !== null && (v as unknown[]).length === 0;
    return { name: f.name, path, tag: f.tag ?? -1, present, tagged, codec, makeDefault, isDefault };
  }

  const dflt = primitiveDefault(f, f.type);
  const codec = primitiveCodec(f.type, nullable, compact, path);
  const isBytes = f.type === 'bytes' || f.type === 'records';
  const isDefault = isBytes
    ? (v: unknown) => (v === null ? dflt === null : dflt !== null && (v as Buffer).length === 0)
    : (v: unknown) => v === dflt;
  return { name: f.name, path, tag: f.tag ?? -1, present, tagged, codec, makeDefault: () => dflt, isDefault };
}

function compileStruct(
  fields: readonly FieldSchema[],
  version: number,
  flexible: boolean,
  parent: string,
): StructCodec {
  const plans = fields.map((f) => planField(f, version, flexible, parent));
  const regular = plans.filter((p) => p.present && !p.tagged);
  const tagged = plans.filter((p) => p.tagged).sort((a, b) => a.tag - b.tag);
  const byTag = new Map(tagged.map((p) => [p.tag, p]));
  const taggedPath = parent ? `${parent}._tagged_fields` : '_tagged_fields';
  const minBytes = regular.reduce((s, p) => s + p.codec.minBytes, 0) + (flexible ? 1 : 0);

  const decodeInterpreted = (r: Reader): Obj => {
    const o: Obj = {};
    for (let i = 0; i < plans.length; i++) {
      const p = plans[i]!;
      if (p.present && !p.tagged) {
        r.field = p.path;
        o[p.name] = p.codec.read(r);
      } else {
        o[p.name] = p.makeDefault();
      }
    }
    if (flexible) readTaggedFields(r, o, byTag, taggedPath);
    return o;
  };
  const readTagged = (r: Reader, o: Obj): void => readTaggedFields(r, o, byTag, taggedPath);

  const encodeInterpreted = (w: Writer, v: Obj): void => {
    for (let i = 0; i < regular.length; i++) {
      const p = regular[i]!;
      w.field = p.path;
      const x = v[p.name];
      p.codec.write(w, x === undefined ? p.makeDefault() : x);
    }
    if (flexible) writeTagged(w, v);
  };

  const writeTagged = (w: Writer, v: Obj): void => {
    if (tagged.length === 0) {
      w.uvarint(0);
      return;
    }
    const toWrite: FieldPlan[] = [];
    for (const p of tagged) {
      const x = v[p.name];
      if (x !== undefined && !p.isDefault(x)) toWrite.push(p);
    }
    w.uvarint(toWrite.length);
    for (const p of toWrite) {
      w.field = p.path;
      const sub = new Writer();
      sub.field = p.path;
      p.codec.write(sub, v[p.name]);
      w.uvarint(p.tag);
      w.uvarint(sub.length);
      w.append(sub);
    }
  };

  const specialised = useGeneratedCode ? specialise(plans, flexible, readTagged, writeTagged) : null;
  const decode = specialised?.decode ?? decodeInterpreted;
  const encode = specialised?.encode ?? encodeInterpreted;

  const makeDefault = (): Obj => {
    const o: Obj = {};
    for (const p of plans) o[p.name] = p.makeDefault();
    return o;
  };
  const isDefault = (v: Obj): boolean =>
    plans.every((p) => v[p.name] === undefined || p.isDefault(v[p.name]));
  return { decode, encode, makeDefault, isDefault, minBytes };
}

const noTaggedFields = new Map<number, FieldPlan>();

/** Skip a tagged-fields section whose tags are all unknown here (e.g. in a header). */
export function skipTaggedFields(r: Reader): void {
  readTaggedFields(r, {}, noTaggedFields, '_tagged_fields');
}

function readTaggedFields(r: Reader, o: Obj, byTag: Map<number, FieldPlan>, path: string): void {
  r.field = path;
  const at = r.pos;
  const count = r.checkLength(r.uvarint(), at, false, arrayLengthMax, 2);
  for (let i = 0; i < count && !r.failed; i++) {
    const tag = r.uvarint();
    const sizeAt = r.pos;
    const size = r.checkLength(r.uvarint(), sizeAt, false, arrayLengthMax, 1);
    if (size < 0) return;
    const p = byTag.get(tag);
    if (!p) {
      r.skip(size);
      continue;
    }
    const outerEnd = r.end;
    const tagEnd = r.pos + size;
    r.end = tagEnd;
    r.field = p.path;
    o[p.name] = p.codec.read(r);
    r.end = outerEnd;
    if (!r.failed) r.pos = tagEnd;
  }
}

/**
 * Whether struct codecs are specialised into straight-line functions (object literals and
 * named property access instead of loops over the field list). Same behaviour, about twice as
 * fast; the interpreted closures remain as the fallback where code generation is unavailable.
 */
let useGeneratedCode = true;

/** Turns code generation off or on for codecs compiled afterwards (tests compare both). */
export function setCodeGeneration(on: boolean): void {
  useGeneratedCode = on;
}

function specialise(
  plans: readonly FieldPlan[],
  flexible: boolean,
  readTagged: (r: Reader, o: Obj) => void,
  writeTagged: (w: Writer, v: Obj) => void,
): { decode: (r: Reader) => Obj; encode: (w: Writer, v: Obj) => void } | null {
  const args: unknown[] = [];
  const arg = (x: unknown): string => {
    args.push(x);
    return `a${args.length - 1}`;
  };
  const q = (x: string): string => JSON.stringify(x);
  const dec: string[] = [];
  const props: string[] = [];
  const enc: string[] = ['let x;'];
  plans.forEach((p, i) => {
    if (p.present && !p.tagged) {
      dec.push(`r.field = ${q(p.path)}; const v${i} = ${arg(p.codec.read)}(r);`);
      const dflt = arg(p.makeDefault);
      enc.push(
        `w.field = ${q(p.path)}; x = v[${q(p.name)}]; ${arg(p.codec.write)}(w, x === undefined ? ${dflt}() : x);`,
      );
    } else {
      dec.push(`const v${i} = ${arg(p.makeDefault)}();`);
    }
    props.push(`${q(p.name)}: v${i}`);
  });
  const tail = flexible ? `${arg(readTagged)}(r, o); ` : '';
  if (flexible) enc.push(`${arg(writeTagged)}(w, v);`);
  const names = args.map((_, i) => `a${i}`);
  try {
    const makeDecode = new Function(
      ...names,
      `return function decode(r) { ${dec.join(' ')} const o = { ${props.join(', ')} }; ${tail}return o; };`,
    );
    const makeEncode = new Function(...names, `return function encode(w, v) { ${enc.join(' ')} };`);
    return { decode: makeDecode(...args), encode: makeEncode(...args) };
  } catch {
    return null;
  }
}

/** Compiles one version of a message. Throws (a programmer error) for versions outside the schema. */
export function compileMessage(schema: MessageSchema, version: number): MessageCodec {
  if (!inRange(parseVersionRange(schema.versions), version)) {
    throw new Error(`${schema.name} v${version} is not implemented`);
  }
  const flexible = inRange(parseVersionRange(schema.flexibleVersions), version);
  const sc = compileStruct(schema.fields, version, flexible, '');
  return { schema, version, flexible, decode: sc.decode, encode: sc.encode };
}
