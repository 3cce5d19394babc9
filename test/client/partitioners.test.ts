/**
 * Partitioners: murmur2 equals Java's Utils.murmur2 (vectors from Kafka's UtilsTest.testMurmur2)
 * and kafkajs' DefaultPartitioner for the same keys; jump hash moves few keys when partitions
 * are added; null keys stick to one partition until its batch fills.
 */
import { createRequire } from 'node:module';
import t from 'tap';
import {
  jumpConsistentHash,
  jumpHashPartitioner,
  murmur2,
  murmur2Partitioner,
  StickyPartitioner,
} from '../../client/partitioners.js';

const require = createRequire(import.meta.url);

t.test('murmur2 matches the Java client (UtilsTest.testMurmur2)', async (t) => {
  const cases: [Buffer, number][] = [
    [Buffer.from('21'), -973932308],
    [Buffer.from('foobar'), -790332482],
    [Buffer.from('a-little-bit-long-string'), -985981536],
    [Buffer.from('a-little-bit-longer-string'), -1486304829],
    [Buffer.from('lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8'), -58897971],
    [Buffer.from([0x61, 0x62, 0x63]), 479470107],
  ];
  for (const [key, want] of cases) t.equal(murmur2(key), want, `murmur2(${key.toString()})`);
});

t.test('murmur2Partitioner picks the same partition as kafkajs DefaultPartitioner', async (t) => {
  const { Partitioners } = require('kafkajs') as {
    Partitioners: {
      DefaultPartitioner: () => (a: {
        topic: string;
        partitionMetadata: { partitionId: number; leader: number }[];
        message: { key: Buffer };
      }) => number;
    };
  };
  const kafkajs = Partitioners.DefaultPartitioner();
  for (const n of [1, 3, 7, 12, 100]) {
    const partitionMetadata = Array.from({ length: n }, (_, i) => ({ partitionId: i, leader: 0 }));
    for (let i = 0; i < 500; i++) {
      const key = Buffer.from(i % 3 === 0 ? `user-${i}` : i % 3 === 1 ? `${i * 7919}` : `é-ü-${i}-∑`);
      const theirs = kafkajs({ topic: 't', partitionMetadata, message: { key } });
      const ours = murmur2Partitioner(key, n);
      if (ours !== theirs) {
        t.fail(`key ${key.toString()} with ${n} partitions: ours ${ours}, kafkajs ${theirs}`);
        return;
      }
    }
  }
  t.pass('2500 keys agree');
});

t.test('jump consistent hash: in range, and growing n -> n+1 moves about 1/(n+1) of keys', async (t) => {
  t.equal(jumpConsistentHash(0n, 1), 0);
  const keys = Array.from({ length: 10_000 }, (_, i) => Buffer.from(`key-${i}`));
  for (const n of [4, 10, 31]) {
    let moved = 0;
    let movedMod = 0;
    const bad: string[] = [];
    for (const k of keys) {
      const a = jumpHashPartitioner(k, n);
      const b = jumpHashPartitioner(k, n + 1);
      if (!(a >= 0 && a < n && b >= 0 && b < n + 1)) bad.push(`out of range ${a} ${b}`);
      if (a !== b) {
        moved++;
        if (b !== n) bad.push(`${k.toString()} moved ${a} -> ${b}, not to the new partition ${n}`);
      }
      if (murmur2Partitioner(k, n) !== murmur2Partitioner(k, n + 1)) movedMod++;
    }
    t.same(bad.slice(0, 5), [], 'in range, and keys only move to the new partition');
    const expected = keys.length / (n + 1);
    t.ok(
      moved > expected * 0.7 && moved < expected * 1.3,
      `${n}->${n + 1}: moved ${moved}, expected ~${expected}`,
    );
    t.ok(movedMod > moved * 2, `murmur2 modulo moves many more (${movedMod})`);
  }
});

t.test('sticky partitioner stays until the batch is full, then moves', async (t) => {
  const s = new StickyPartitioner();
  const first = s.partition('t', 5);
  for (let i = 0; i < 10; i++) t.equal(s.partition('t', 5), first);
  s.onBatchFull('t', first, 5);
  const second = s.partition('t', 5);
  t.not(second, first);
  s.onBatchFull('t', first, 5); // stale notice: no change
  t.equal(s.partition('t', 5), second);
  t.equal(new StickyPartitioner().partition('x', 1), 0);
});
