/**
 * Partitioners choose the partition of a record that names none.
 *
 * - `murmur2Partitioner` (the default for keyed records): Java's `Utils.murmur2(key) &
 *   0x7fffffff % numPartitions`, so a key lands on the same partition as with the Java client
 *   and kafkajs' DefaultPartitioner.
 * - Records without a key are sticky (KIP-480): they stay on one partition until its batch is
 *   full, then move to another; the accumulator calls `onBatchFull`.
 * - `jumpHashPartitioner`: Lamping & Veach's jump consistent hash of murmur2(key); growing from
 *   n to n+1 partitions moves only ~1/(n+1) of the keys (murmur2-modulo moves most).
 */

/** Picks a partition for a keyed record. `key` is the serialized key. */
export type KeyPartitioner = (key: Buffer, partitionCount: number) => number;

/** Java's Utils.murmur2 (seed 0x9747b28c) over the bytes of `data`, as a signed 32-bit int. */
export function murmur2(data: Buffer): number {
  const length = data.length;
  const m = 0x5bd1e995;
  const r = 24;
  let h = (0x9747b28c ^ length) | 0;
  const length4 = length >> 2;
  for (let i = 0; i < length4; i++) {
    const i4 = i << 2;
    let k = data[i4]! | (data[i4 + 1]! << 8) | (data[i4 + 2]! << 16) | (data[i4 + 3]! << 24);
    k = Math.imul(k, m);
    k ^= k >>> r;
    k = Math.imul(k, m);
    h = Math.imul(h, m);
    h ^= k;
  }
  const tail = length & ~3;
  const rest = length & 3;
  if (rest === 3) h ^= data[tail + 2]! << 16;
  if (rest >= 2) h ^= data[tail + 1]! << 8;
  if (rest >= 1) {
    h ^= data[tail]!;
    h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}

/** Java's `Utils.toPositive`. */
export function toPositive(n: number): number {
  return n & 0x7fffffff;
}

/** Java-compatible default: toPositive(murmur2(key)) % partitions. */
export const murmur2Partitioner: KeyPartitioner = (key, partitionCount) =>
  toPositive(murmur2(key)) % partitionCount;

const JUMP_MULTIPLIER = 2862933555777941757n;
const MASK_64 = (1n << 64n) - 1n;

/** Jump consistent hash (Lamping & Veach 2014) of a 64-bit key into [0, buckets). */
export function jumpConsistentHash(key: bigint, buckets: number): number {
  let b = -1;
  let j = 0;
  let k = key & MASK_64;
  while (j < buckets) {
    b = j;
    k = (k * JUMP_MULTIPLIER + 1n) & MASK_64;
    j = Math.floor((b + 1) * (2 ** 31 / (Number(k >> 33n) + 1)));
  }
  return b;
}

/** Keys spread by jump consistent hash of their murmur2: adding partitions moves few keys. */
export const jumpHashPartitioner: KeyPartitioner = (key, partitionCount) =>
  jumpConsistentHash(BigInt(murmur2(key) >>> 0), partitionCount);

/** Partitioner choices by name. */
export const partitioners = {
  murmur2: murmur2Partitioner,
  jumpHash: jumpHashPartitioner,
} as const;

/** Sticky choice for records without a key: one partition per topic until its batch fills. */
export class StickyPartitioner {
  private readonly current = new Map<string, number>();

  partition(topic: string, partitionCount: number): number {
    let p = this.current.get(topic);
    if (p === undefined || p >= partitionCount) {
      p = Math.floor(Math.random() * partitionCount);
      this.current.set(topic, p);
    }
    return p;
  }

  /** The batch of `partition` is full: move later null-key records elsewhere. */
  onBatchFull(topic: string, partition: number, partitionCount: number): void {
    if (this.current.get(topic) !== partition) return;
    if (partitionCount <= 1) return;
    let next = Math.floor(Math.random() * (partitionCount - 1));
    if (next >= partition) next++;
    this.current.set(topic, next);
  }
}
