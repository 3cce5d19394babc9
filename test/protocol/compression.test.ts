import { gzipSync } from 'node:zlib';
import t from 'tap';
import {
  CompressionId,
  codecFor,
  compress,
  decompress,
  isCompressionSupported,
  registerCodec,
} from '../../protocol/compression.js';
import { CompressionError } from '../../protocol/record-batch-errors.js';

const errCode = (fn: () => unknown): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (err) {
    return err instanceof CompressionError ? err.code : `other: ${(err as Error).message}`;
  }
};

t.test('none and gzip round-trip', async (t) => {
  const data = Buffer.from('hello '.repeat(1000));
  t.same(decompress(CompressionId.none, compress(CompressionId.none, data), 1e6), data);
  const z = compress(CompressionId.gzip, data);
  t.ok(z.length < data.length);
  t.same(decompress(CompressionId.gzip, z, 1e6), data);
  t.ok(isCompressionSupported(CompressionId.gzip));
  t.ok(isCompressionSupported(CompressionId.none));
});

t.test('snappy, lz4, zstd are registered as unsupported with a typed error', async (t) => {
  for (const id of [CompressionId.snappy, CompressionId.lz4, CompressionId.zstd]) {
    t.equal(
      errCode(() => decompress(id, Buffer.from([1, 2, 3]), 100)),
      'COMPRESSION_UNSUPPORTED',
    );
    t.equal(
      errCode(() => compress(id, Buffer.from([1]))),
      'COMPRESSION_UNSUPPORTED',
    );
    t.notOk(isCompressionSupported(id));
    t.match(codecFor(id).name, /snappy|lz4|zstd/);
  }
  t.equal(
    errCode(() => codecFor(5)),
    'COMPRESSION_UNKNOWN',
  );
  t.equal(
    errCode(() => codecFor(7)),
    'COMPRESSION_UNKNOWN',
  );
});

t.test('decompression is bounded (bomb -> typed error)', async (t) => {
  const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024)); // 64 MiB of zeros, ~64 KiB compressed
  t.ok(bomb.length < 200 * 1024);
  const before = process.memoryUsage().arrayBuffers;
  t.equal(
    errCode(() => decompress(CompressionId.gzip, bomb, 1024 * 1024)),
    'DECOMPRESSED_TOO_LARGE',
  );
  t.ok(process.memoryUsage().arrayBuffers - before < 32 * 1024 * 1024, 'memory stayed bounded');
  t.equal(
    errCode(() => decompress(CompressionId.none, Buffer.alloc(10), 5)),
    'DECOMPRESSED_TOO_LARGE',
  );
  t.equal(
    errCode(() => decompress(CompressionId.gzip, Buffer.from('not gzip at all'), 1000)),
    'COMPRESSED_DATA_CORRUPT',
  );
});

t.test('a codec can be plugged in', async (t) => {
  const previous = codecFor(CompressionId.lz4);
  registerCodec({
    id: CompressionId.lz4,
    name: 'fake-lz4',
    compress: (d) => Buffer.from(d).reverse(),
    decompress: (d) => Buffer.from(d).reverse(),
  });
  t.same(
    decompress(CompressionId.lz4, compress(CompressionId.lz4, Buffer.from('abc')), 10),
    Buffer.from('abc'),
  );
  registerCodec(previous);
  t.equal(
    errCode(() => registerCodec({ ...previous, id: 9 })),
    'COMPRESSION_UNKNOWN',
  );
});
