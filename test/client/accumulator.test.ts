/**
 * Batch buffers start small and grow: a partition with a few records holds kilobytes, not a
 * whole batchBytes buffer, and what crosses a growth boundary is encoded intact.
 */
import t from 'tap';
import { Accumulator, type BatchBuilder, batchBufferInitialBytes } from '../../client/accumulator.js';
import { parseRecordBatches } from '../helpers/record-batch.js';

t.test('a batch starts with a small buffer and the accumulator counts what is allocated', async (t) => {
  const acc = new Accumulator(1024 * 1024);
  const q = acc.queue('t', 0);
  const b = acc.append(q, null, Buffer.alloc(100, 'v'), null, 1000, 1000);
  t.equal(b.capacity, 1024 * 1024, 'the batch may still grow to batchBytes');
  t.equal(b.allocated, batchBufferInitialBytes, 'but holds only the initial buffer');
  t.equal(acc.bufferedBytes, batchBufferInitialBytes);
  acc.release(b);
  t.equal(acc.bufferedBytes, 0);
});

t.test('records across buffer growth are encoded intact, up to capacity', async (t) => {
  const capacity = 256 * 1024;
  const acc = new Accumulator(capacity);
  const q = acc.queue('t', 3);
  const values: Buffer[] = [];
  let first: BatchBuilder | undefined;
  let countedRight = true;
  for (let i = 0; ; i++) {
    const v = Buffer.alloc(100 + (i % 50), i % 251);
    const b = acc.append(q, `k${i}`, v, i % 7 === 0 ? [{ key: 'h', value: `x${i}` }] : null, 5000 + i, 5000);
    first ??= b;
    if (b !== first) break; // the first batch is full
    values.push(v);
    if (acc.bufferedBytes !== first.allocated) countedRight = false;
  }
  t.ok(countedRight, 'buffered bytes follow the growth');
  t.ok(first!.allocated <= capacity, 'never beyond capacity');
  t.ok(first!.allocated > capacity / 2, 'grown to hold the full batch');
  const [batch] = parseRecordBatches(first!.close('none'));
  t.equal(batch!.crcValid, true);
  t.equal(batch!.records.length, values.length);
  batch!.records.forEach((r, i) => {
    if (!r.value!.equals(values[i]!) || r.key!.toString() !== `k${i}` || r.timestamp !== BigInt(5000 + i))
      t.fail(`record ${i} differs`);
    if (i % 7 === 0 && r.headers[0]?.[1]?.toString() !== `x${i}`) t.fail(`header of record ${i} differs`);
  });
});

t.test('a record bigger than the initial buffer gets a buffer that fits it', async (t) => {
  const acc = new Accumulator(16);
  const q = acc.queue('t', 0);
  const big = Buffer.alloc(3 * batchBufferInitialBytes, 'z');
  const b = acc.append(q, null, big, null, 1, 1);
  t.ok(b.allocated >= big.length);
  t.equal(acc.bufferedBytes, b.allocated);
  const [batch] = parseRecordBatches(b.close('none'));
  t.ok(batch!.records[0]!.value!.equals(big));
});

t.test("a partition's next batch starts as big as its last one grew", async (t) => {
  const acc = new Accumulator(128 * 1024);
  const q = acc.queue('t', 0);
  const v = Buffer.alloc(1000, 'v');
  const first = acc.append(q, null, v, null, 1, 1);
  let b = first;
  while (b === first) b = acc.append(q, null, v, null, 1, 1);
  t.ok(acc.lastFull, 'the first batch filled up');
  t.ok(
    b.allocated >= first.size,
    `the next batch starts at ${b.allocated} bytes, not ${batchBufferInitialBytes}`,
  );
  const taken = q.closeOpen();
  t.equal(taken, b);
  t.equal(q.open, null);
  const small = acc.append(q, null, v, null, 1, 1);
  t.equal(small.allocated, batchBufferInitialBytes, 'a small batch taken for sending sets it back to small');
});
