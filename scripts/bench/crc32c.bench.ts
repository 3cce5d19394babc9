/**
 * CRC-32C throughput of protocol/crc32c.ts at several buffer sizes.
 * Run: node dist/scripts/bench/crc32c.bench.js [--mib 256]
 */
import { crc32c } from '../../protocol/crc32c.js';

const arg = (name: string, def: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};
const totalBytes = arg('mib', 256) * 1024 * 1024;

const sizes = [64, 1024, 16 * 1024, 1024 * 1024, 64 * 1024 * 1024];
const results: { size: number; gbps: number }[] = [];
for (const size of sizes) {
  const buf = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) buf[i] = (i * 31 + 7) & 0xff;
  const reps = Math.max(1, Math.floor(totalBytes / size));
  let sink = 0;
  for (let i = 0; i < Math.min(reps, 1000); i++) sink ^= crc32c(buf); // warm up
  const start = process.hrtime.bigint();
  for (let i = 0; i < reps; i++) sink ^= crc32c(buf);
  const secs = Number(process.hrtime.bigint() - start) / 1e9;
  results.push({ size, gbps: (reps * size) / secs / 1e9 });
  if (sink === 0.5) console.log(sink);
}
console.log(`crc32c (protocol/crc32c.ts, slicing-by-8), node ${process.version}`);
for (const r of results) console.log(`  ${String(r.size).padStart(9)} B buffers: ${r.gbps.toFixed(2)} GB/s`);
