import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import {
  ADDON_PATH,
  addonCrc32c,
  crc32c,
  crc32cAddon,
  crc32cImplementation,
  crc32cSlicing8Update,
  crc32cUpdate,
  loadCrc32cAddon,
  nativeCrc32c,
} from '../../protocol/crc32c.js';

const x86 = process.arch === 'x64';
const crcModule = fileURLToPath(new URL('../../protocol/crc32c.js', import.meta.url));

t.test('the addon is built and used on this x86-64 machine (npm install builds it)', async (t) => {
  if (!x86) {
    t.equal(addonCrc32c, null, 'no addon off x86-64');
    return;
  }
  t.ok(addonCrc32c, `the addon at ${ADDON_PATH} loads and reports SSE4.2 + PCLMULQDQ`);
  t.match(crc32cImplementation, /^samsa addon \((avx512-vpclmulqdq|sse4\.2-3way)\)$/);
  t.comment(`CRC-32C: ${crc32cImplementation}`);
});

for (const path of ['update', 'updateSse42'] as const) {
  t.test(
    `the addon's ${path} agrees with the JavaScript implementation at many lengths and alignments`,
    async (t) => {
      const update = crc32cAddon?.[path];
      if (!update) {
        t.pass('addon not available here; covered by the fallback tests');
        return;
      }
      const raw = Buffer.alloc(3 * 4096 + 3 * 512 + 3 * 64 + 64 + 40);
      for (let i = 0; i < raw.length; i++) raw[i] = (i * 131 + 17 + (i >> 8)) & 0xff;
      // Every length up to 1.5 KiB (the three-stream lane sizes and the AVX-512 path's threshold and
      // all of its tails), across each lane-size boundary, and a spread beyond, at 9 alignments.
      const lengths = new Set<number>();
      for (let n = 0; n <= 1600; n++) lengths.add(n);
      for (const edge of [1536, 3 * 4096, 3 * 4096 + 1536, 3 * 4096 + 1536 + 192, raw.length - 8]) {
        for (let d = -9; d <= 9; d++) lengths.add(edge + d);
      }
      for (let n = 1600; n < raw.length - 8; n += 37) lengths.add(n);
      let mismatches = 0;
      let checked = 0;
      for (const start of [0, 1, 2, 3, 4, 5, 6, 7, 8]) {
        for (const len of lengths) {
          if (start + len > raw.length) continue;
          const want = crc32cSlicing8Update(0, raw, start, start + len);
          if (update(0, raw, start, start + len) !== want) mismatches++;
          // a subarray view (non-zero byteOffset) and a plain Uint8Array over the same bytes
          const view = new Uint8Array(raw.buffer, raw.byteOffset + start, len);
          if (update(0, view, 0, len) !== want) mismatches++;
          checked += 2;
        }
      }
      t.equal(mismatches, 0, `${checked} addon results equal slicing-by-8`);
      // Chaining: a CRC continued from a previous one, cut at many points.
      let chainMismatches = 0;
      const whole = crc32cSlicing8Update(0, raw);
      for (let cut = 0; cut <= raw.length; cut += 97) {
        if (update(update(0, raw, 0, cut), raw, cut, raw.length) !== whole) chainMismatches++;
      }
      t.equal(chainMismatches, 0, 'chained addon CRCs equal the whole');
      t.equal(update(0xffffffff, Buffer.alloc(0), 0, 0), 0xffffffff, 'empty input returns the CRC given');
    },
  );
}

t.test('a large random buffer: addon, @node-rs/crc32 and JavaScript all agree', async (t) => {
  const buf = Buffer.alloc(1 << 20);
  let s = 12345;
  for (let i = 0; i < buf.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    buf[i] = s >>> 24;
  }
  const want = crc32cSlicing8Update(0, buf);
  t.equal(crc32c(buf), want);
  t.equal(crc32c(buf, 13, buf.length - 5), crc32cSlicing8Update(0, buf, 13, buf.length - 5));
  if (addonCrc32c) t.equal(addonCrc32c(0, buf, 0, buf.length), want);
  if (nativeCrc32c) t.equal(nativeCrc32c(buf) >>> 0, want);
});

t.test('bad arguments to the addon throw, never crash', async (t) => {
  const update = addonCrc32c;
  if (!update) {
    t.pass('addon not available here');
    return;
  }
  const buf = Buffer.alloc(100);
  t.throws(() => update(0, buf, 0, 101), RangeError);
  t.throws(() => update(0, buf, 50, 40), RangeError);
  t.throws(() => update(0, buf, -1, 10), RangeError);
  t.throws(() => update(0, buf, 0.5, 10), RangeError);
  t.throws(() => update(0, 'text' as unknown as Uint8Array, 0, 1), TypeError);
  t.throws(() => update(0, new Uint16Array(8) as unknown as Uint8Array, 0, 1), TypeError);
  t.throws(() => (update as unknown as (...a: unknown[]) => number)(0, buf), TypeError);
  // crc32cUpdate passes its own range; an out-of-range end is an error, not a read past the buffer
  t.throws(() => crc32cUpdate(0, buf, 0, 200), RangeError);
});

t.test('loadCrc32cAddon returns null for a missing or broken addon file', async (t) => {
  t.equal(loadCrc32cAddon(join(tmpdir(), 'no-such-dir', 'samsa_crc32c.node')), null);
  const dir = mkdtempSync(join(tmpdir(), 'samsa-crc-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const broken = join(dir, 'samsa_crc32c.node');
  writeFileSync(broken, 'not a shared object');
  t.equal(loadCrc32cAddon(broken), null);
});

t.test(
  'without the addon (SAMSA_CRC32C_ADDON=0) the fallback is chosen and gives the same CRCs',
  async (t) => {
    const script = `
    const m = await import(${JSON.stringify(crcModule)});
    const b = Buffer.alloc(40000);
    for (let i = 0; i < b.length; i++) b[i] = (i * 7 + 1) & 255;
    const out = [m.crc32cImplementation, m.addonCrc32c === null];
    for (const [s, e] of [[0, 9], [0, 63], [1, 64], [3, 511], [0, 512], [5, 16389], [0, 40000]]) out.push(m.crc32c(b, s, e));
    console.log(JSON.stringify(out));
  `;
    const run = (env: NodeJS.ProcessEnv): unknown[] => {
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { env, encoding: 'utf8' });
      if (r.status !== 0) throw new Error(r.stderr);
      return JSON.parse(r.stdout) as unknown[];
    };
    const without = run({ ...process.env, SAMSA_CRC32C_ADDON: '0' });
    const withDefault = run({ ...process.env, SAMSA_CRC32C_ADDON: undefined });
    t.equal(without[0], nativeCrc32c ? '@node-rs/crc32' : 'javascript');
    t.equal(without[1], true);
    t.same(without.slice(2), withDefault.slice(2), 'same CRCs with and without the addon');
    const b = Buffer.alloc(40000);
    for (let i = 0; i < b.length; i++) b[i] = (i * 7 + 1) & 255;
    t.equal(without[8], crc32cSlicing8Update(0, b, 0, 40000));
  },
);

t.test('a failed addon build does not fail npm install: build.mjs says so and exits 0', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'samsa-native-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const nativeDir = fileURLToPath(new URL('../../../protocol/native/', import.meta.url));
  for (const f of ['build.mjs', 'crc32c.cc', 'binding.gyp']) {
    writeFileSync(join(dir, f), readFileSync(join(nativeDir, f)));
  }
  const failingGyp = join(dir, 'failing-node-gyp.mjs');
  writeFileSync(failingGyp, 'console.error("gyp: no compiler here"); process.exit(1);\n');
  const r = spawnSync(process.execPath, [join(dir, 'build.mjs')], {
    env: { ...process.env, npm_config_node_gyp: failingGyp },
    encoding: 'utf8',
  });
  t.equal(r.status, 0, 'exit code 0');
  t.match(r.stdout, /not built \(gyp: no compiler here\); using @node-rs\/crc32 or JavaScript instead/);
  t.equal(loadCrc32cAddon(join(dir, 'build', 'Release', 'samsa_crc32c.node')), null);
  const skipped = spawnSync(process.execPath, [join(dir, 'build.mjs')], {
    env: { ...process.env, SAMSA_SKIP_NATIVE: '1' },
    encoding: 'utf8',
  });
  t.equal(skipped.status, 0);
  t.match(skipped.stdout, /skipped/);
});
