/**
 * CRC-32C throughput of protocol/crc32c.ts at several buffer sizes: its slicing-by-8,
 * slicing-by-16, @node-rs/crc32 and Samsa-addon paths and crc32c() itself side by side
 * (checked to agree first).
 * Run: node dist/scripts/bench/crc32c.bench.js [--mib 256]
 */
import {
  crc32c,
  crc32cAddon,
  crc32cSlicing8Update,
  crc32cSlicing16Update,
  nativeCrc32c,
} from '../../protocol/crc32c.js';

const crc32cSlicing8 = (b: Uint8Array) => crc32cSlicing8Update(0, b);
const crc32cSlicing16 = (b: Uint8Array, s = 0, e = b.length) => crc32cSlicing16Update(0, b, s, e);

const arg = (name: string, def: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};
const totalBytes = arg('mib', 256) * 1024 * 1024;

const sizes = [64, 256, 1024, 16 * 1024, 1024 * 1024, 64 * 1024 * 1024];
function measure(fn: (b: Uint8Array) => number, buf: Buffer): number {
  const reps = Math.max(1, Math.floor(totalBytes / buf.length));
  let sink = 0;
  for (let i = 0; i < Math.min(reps, 1000); i++) sink ^= fn(buf); // warm up
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 3; round++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < reps; i++) sink ^= fn(buf);
    best = Math.min(best, Number(process.hrtime.bigint() - start) / 1e9);
  }
  if (sink === 0.5) console.log(sink);
  return (reps * buf.length) / best / 1e9;
}

console.log(`crc32c GB/s (best of 3), node ${process.version}`);
console.log(
  `      buffer   slicing-by-8   slicing-by-16   @node-rs/crc32${nativeCrc32c ? '' : ' (n/a)'}   addon 3-way   addon ${crc32cAddon?.kind ?? '(n/a)'}   crc32c()`,
);
for (const size of sizes) {
  const raw = Buffer.allocUnsafe(size + 1);
  const buf = raw.subarray(1); // deliberately unaligned
  for (let i = 0; i < size; i++) buf[i] = (i * 31 + 7) & 0xff;
  for (const s of [0, 1, 3]) {
    if (crc32cSlicing16(buf, s, size - s) !== crc32c(buf, s, size - s))
      throw new Error(`candidate disagrees at ${size}`);
  }
  const a = measure(crc32cSlicing8, buf);
  const b = measure((x) => crc32cSlicing16(x), buf);
  const native = nativeCrc32c;
  const n = native ? measure((x) => native(x as Buffer) >>> 0, buf) : Number.NaN;
  const addon = crc32cAddon;
  for (const f of addon ? [addon.update, addon.updateSse42] : []) {
    if (f(0, buf, 0, size) !== crc32cSlicing8(buf)) throw new Error(`addon disagrees at ${size}`);
  }
  const d3 = addon ? measure((x) => addon.updateSse42(0, x, 0, x.length), buf) : Number.NaN;
  const d = addon ? measure((x) => addon.update(0, x, 0, x.length), buf) : Number.NaN;
  const chosen = measure((x) => crc32c(x), buf);
  console.log(
    `${String(size).padStart(12)}   ${a.toFixed(2).padStart(12)}   ${b.toFixed(2).padStart(13)}   ${n.toFixed(2).padStart(14)}   ${d3.toFixed(2).padStart(11)}   ${d.toFixed(2).padStart(6 + (addon?.kind.length ?? 5))}   ${chosen.toFixed(2).padStart(8)}`,
  );
}
