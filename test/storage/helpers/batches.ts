/** Test helpers: seeded PRNG, random batches, temp dirs. */
import { encodeRecordBatch, type RecordInput } from '../../../protocol/record-batch.js';

/** mulberry32: small, fast, seeded. */
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

export const seedFromEnv = (): number => Number(process.env['SEED'] ?? Math.floor(Math.random() * 2 ** 31));

export function randomBytes(rnd: () => number, n: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = (rnd() * 256) | 0;
  return b;
}

/** A client-style batch (baseOffset 0) of `count` records of `valueBytes` each. */
export function makeBatch(
  count: number,
  valueBytes: number,
  opts: { timestamp?: number; tag?: string; rnd?: () => number; compression?: 'none' | 'gzip' } = {},
): Buffer {
  const records: RecordInput[] = [];
  for (let i = 0; i < count; i++) {
    records.push({
      key: opts.tag ? `${opts.tag}-${i}` : null,
      value: opts.rnd ? randomBytes(opts.rnd, valueBytes) : Buffer.alloc(valueBytes, i & 0xff),
      timestamp: opts.timestamp ?? 1_700_000_000_000,
    });
  }
  return encodeRecordBatch({ records, compression: opts.compression ?? 'none', now: opts.timestamp ?? 1_700_000_000_000 });
}
