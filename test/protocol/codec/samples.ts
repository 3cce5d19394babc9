/**
 * Test helpers: a seeded PRNG and, for any schema and version, a random representative body
 * together with what decoding its encoding must give back (absent fields at their defaults).
 */
import { ZERO_UUID } from '../../../protocol/reader.js';
import {
  type FieldSchema,
  inRange,
  type MessageSchema,
  parseVersionRange,
} from '../../../protocol/schema/types.js';

/** mulberry32: small, fast, seedable. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Obj = Record<string, unknown>;

export interface Sample {
  /** The object to encode. */
  input: Obj;
  /** What decoding the encoding must return. */
  expected: Obj;
}

const WORDS = ['', 'a', 'topic-1', 'ünïcødé-✓', 'x'.repeat(40), 'consumer-group'];

function defaultOf(f: FieldSchema): unknown {
  if (f.type === 'array') return f.default === null ? null : [];
  if (f.type === 'struct') return f.default === null ? null : defaults(f.fields ?? []);
  if (f.default !== undefined) return f.default;
  switch (f.type) {
    case 'bool':
      return false;
    case 'string':
      return '';
    case 'bytes':
      return Buffer.alloc(0);
    case 'records':
      return null;
    case 'uuid':
      return ZERO_UUID;
    default:
      return 0;
  }
}

function defaults(fields: readonly FieldSchema[]): Obj {
  const o: Obj = {};
  for (const f of fields) o[f.name] = defaultOf(f);
  return o;
}

function primitive(type: string, rnd: () => number): unknown {
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  switch (type) {
    case 'bool':
      return rnd() < 0.5;
    case 'int8':
      return int(-128, 127);
    case 'int16':
      return int(-32768, 32767);
    case 'uint16':
      return int(0, 65535);
    case 'int32':
      return int(-2147483648, 2147483647);
    case 'uint32':
      return int(0, 4294967295);
    case 'int64': {
      const r = rnd();
      if (r < 0.2) return -1;
      if (r < 0.3) return Number.MAX_SAFE_INTEGER;
      if (r < 0.4) return Number.MIN_SAFE_INTEGER;
      return int(-1e15, 1e15);
    }
    case 'float64':
      return (rnd() - 0.5) * 1e6;
    case 'string':
      return WORDS[int(0, WORDS.length - 1)];
    case 'uuid':
      return Array.from({ length: 32 }, () => '0123456789abcdef'[int(0, 15)]).join('');
    case 'bytes':
    case 'records': {
      const n = rnd() < 0.3 ? int(256, 700) : int(0, 40);
      const b = Buffer.alloc(n);
      for (let i = 0; i < n; i++) b[i] = int(0, 255);
      return b;
    }
  }
  throw new Error(`type ${type}`);
}

function sampleFields(
  fields: readonly FieldSchema[],
  version: number,
  flexible: boolean,
  rnd: () => number,
  depth: number,
): Sample {
  const input: Obj = {};
  const expected: Obj = {};
  for (const f of fields) {
    const present = inRange(parseVersionRange(f.versions), version);
    const tagged = f.taggedVersions !== undefined && inRange(parseVersionRange(f.taggedVersions), version);
    if (!present || (tagged && !flexible)) {
      expected[f.name] = defaultOf(f);
      // Fields the version lacks are skipped on encode, whatever their value.
      if (rnd() < 0.5) input[f.name] = defaultOf(f);
      continue;
    }
    const nullable = inRange(parseVersionRange(f.nullableVersions), version);
    if (nullable && rnd() < 0.2) {
      input[f.name] = null;
      expected[f.name] = null;
      continue;
    }
    if (f.type === 'struct') {
      const s = sampleFields(f.fields ?? [], version, flexible, rnd, depth + 1);
      input[f.name] = s.input;
      expected[f.name] = s.expected;
    } else if (f.type === 'array') {
      const n = depth > 3 ? 0 : Math.floor(rnd() * 4);
      const ins: unknown[] = [];
      const exps: unknown[] = [];
      for (let i = 0; i < n; i++) {
        if (f.items === 'struct') {
          const s = sampleFields(f.fields ?? [], version, flexible, rnd, depth + 1);
          ins.push(s.input);
          exps.push(s.expected);
        } else {
          const v = primitive(f.items ?? 'int32', rnd);
          ins.push(v);
          exps.push(v);
        }
      }
      input[f.name] = ins;
      expected[f.name] = exps;
    } else {
      const v = primitive(f.type, rnd);
      input[f.name] = v;
      expected[f.name] = v;
    }
  }
  return { input, expected };
}

export function sampleBody(schema: MessageSchema, version: number, rnd: () => number): Sample {
  const flexible = inRange(parseVersionRange(schema.flexibleVersions), version);
  return sampleFields(schema.fields, version, flexible, rnd, 0);
}

export function versionsOf(schema: MessageSchema): number[] {
  const r = parseVersionRange(schema.versions);
  const out: number[] = [];
  for (let v = r.min; v <= r.max; v++) out.push(v);
  return out;
}
