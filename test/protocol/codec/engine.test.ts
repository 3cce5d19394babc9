/**
 * The engine on a synthetic schema that uses every wire type and the rarer features no
 * implemented API needs today (nullable structs, tagged primitives and bytes, uuid arrays).
 */
import t from 'tap';
import { Reader } from '../../../protocol/reader.js';
import { compileMessage } from '../../../protocol/schema/engine.js';
import type { MessageSchema } from '../../../protocol/schema/types.js';
import { Writer } from '../../../protocol/writer.js';

const schema: MessageSchema = {
  name: 'TestRequest',
  apiKey: 1000,
  kind: 'request',
  versions: '0-3',
  flexibleVersions: '2+',
  fields: [
    { name: 'b', type: 'bool', versions: '0+' },
    { name: 'i8', type: 'int8', versions: '0+' },
    { name: 'u16', type: 'uint16', versions: '0+' },
    { name: 'u32', type: 'uint32', versions: '0+' },
    { name: 'f64', type: 'float64', versions: '1+' },
    { name: 'id', type: 'uuid', versions: '0+' },
    { name: 'ids', type: 'array', items: 'uuid', versions: '0+' },
    { name: 'blob', type: 'bytes', versions: '0+', nullableVersions: '1+' },
    {
      name: 'opt',
      type: 'struct',
      versions: '0+',
      nullableVersions: '3+',
      fields: [
        { name: 'x', type: 'int32', versions: '0+', default: 7 },
        { name: 'y', type: 'string', versions: '0+', nullableVersions: '0+', default: null },
      ],
    },
    {
      name: 'note',
      type: 'string',
      versions: '2+',
      taggedVersions: '2+',
      tag: 5,
      nullableVersions: '2+',
      default: null,
    },
    { name: 'extra', type: 'bytes', versions: '2+', taggedVersions: '2+', tag: 1 },
    { name: 'count', type: 'int64', versions: '2+', taggedVersions: '2+', tag: 0, default: -1 },
  ],
};

function roundTrip(
  version: number,
  value: Record<string, unknown>,
): { bytes: Buffer; back: Record<string, unknown> } {
  const codec = compileMessage(schema, version);
  const w = new Writer();
  codec.encode(w, value);
  const bytes = Buffer.concat(w.finish());
  const r = new Reader(bytes);
  const back = codec.decode(r);
  r.check();
  t.equal(r.pos, bytes.length, `v${version} consumed everything`);
  return { bytes, back };
}

const full = {
  b: true,
  i8: -5,
  u16: 65535,
  u32: 4294967295,
  f64: 1.5,
  id: 'ff'.repeat(16),
  ids: ['01'.repeat(16), '02'.repeat(16)],
  blob: Buffer.from('abc'),
  opt: { x: 3, y: 'why' },
  note: 'hello',
  extra: Buffer.from([1, 2]),
  count: 2 ** 40,
};

t.test('all versions round-trip; absent fields take defaults', async (t) => {
  for (let v = 0; v <= 3; v++) {
    const { back } = roundTrip(v, full);
    t.equal(back['u32'], 4294967295);
    t.equal(back['f64'], v >= 1 ? 1.5 : 0);
    t.same(back['ids'], full.ids);
    t.same(back['opt'], { x: 3, y: 'why' });
    t.equal(back['note'], v >= 2 ? 'hello' : null);
    t.same(back['extra'], v >= 2 ? Buffer.from([1, 2]) : Buffer.alloc(0));
    t.equal(back['count'], v >= 2 ? 2 ** 40 : -1);
  }
});

t.test('nullable struct uses an int8 marker', async (t) => {
  const { bytes, back } = roundTrip(3, { ...full, opt: null });
  t.equal(back['opt'], null);
  const withStruct = roundTrip(3, full).bytes;
  t.ok(withStruct.length > bytes.length);
  t.throws(() => roundTrip(2, { ...full, opt: null }), { name: 'EncodeError' });
});

t.test('tagged fields: written only when not default, in tag order', async (t) => {
  const none = roundTrip(2, { ...full, note: null, extra: Buffer.alloc(0), count: -1 });
  t.equal(none.bytes[none.bytes.length - 1], 0, 'empty tagged section');
  const some = roundTrip(2, { ...full, note: 'n', extra: Buffer.alloc(0), count: 1 });
  // ... count=1 (tag 0: 8 bytes), note (tag 5: compact string "n" = 2 bytes)
  t.same([...some.bytes.subarray(some.bytes.length - 15)], [2, 0, 8, 0, 0, 0, 0, 0, 0, 0, 1, 5, 2, 2, 0x6e]);
  t.equal(some.back['note'], 'n');
  t.equal(some.back['count'], 1);
});

t.test('missing properties encode as defaults', async (t) => {
  const { back } = roundTrip(2, {});
  t.same(back, {
    b: false,
    i8: 0,
    u16: 0,
    u32: 0,
    f64: 0,
    id: '0'.repeat(32),
    ids: [],
    blob: Buffer.alloc(0),
    opt: { x: 7, y: null },
    note: null,
    extra: Buffer.alloc(0),
    count: -1,
  });
});

t.test('compiling an unimplemented version is a programmer error', async (t) => {
  t.throws(() => compileMessage(schema, 4));
});
